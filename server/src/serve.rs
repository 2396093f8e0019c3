//! Serving connections under limits, for the loopback listener and the onion service
//! alike: at most `max_connections` served at once (further ones wait for a place),
//! `header_timeout_secs` to send a request's headers (and to stay idle between two
//! requests), `body_timeout_secs` to send its body. A client that trickles bytes to
//! hold the server's connections open is cut off by the clock, not by our patience.
//! Answers carry no `Date` header: the host's clock is not given away.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use futures::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::Semaphore;

use crate::config::ConnectionConfig;
use crate::state::AppState;

/// The connection places shared by one listener.
#[derive(Clone)]
pub struct Connections {
    limits: ConnectionConfig,
    places: Arc<Semaphore>,
}

impl Connections {
    /// Places for `limits.max_connections` connections.
    pub fn new(limits: &ConnectionConfig) -> Connections {
        Connections {
            limits: limits.clone(),
            places: Arc::new(Semaphore::new(limits.max_connections)),
        }
    }

    /// Serves HTTP/1.1 on one connection once a place is free, with the header
    /// timeout.
    pub async fn serve<I>(&self, io: I, router: Router)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Ok(_place) = self.places.clone().acquire_owned().await else {
            return;
        };
        let service = TowerToHyperService::new(router);
        let _ = hyper::server::conn::http1::Builder::new()
            // No `Date` header: it would give the onion host's exact clock (a
            // fingerprint across services); pages and feeds carry the days they need.
            .auto_date_header(false)
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(self.limits.header_timeout_secs))
            .serve_connection(TokioIo::new(io), service)
            .await;
    }
}

/// Serves `router` on `listener` until `shutdown` completes; connections in progress
/// then get up to 5 seconds to finish.
pub async fn serve_tcp(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: &ConnectionConfig,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let connections = Connections::new(limits);
    futures::pin_mut!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, do not spin.
                        tracing::warn!("accepting a connection failed: {e}");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let connections = connections.clone();
                let router = router.clone();
                tokio::spawn(async move { connections.serve(stream, router).await });
            }
            () = &mut shutdown => break,
        }
    }
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ =
        tokio::time::timeout(Duration::from_secs(5), connections.places.acquire_many(all)).await;
    Ok(())
}

/// Middleware: a request body must arrive within `body_timeout_secs` (a body with
/// images, `multipart/form-data`, within `upload_timeout_secs`); past it, the
/// body ends in an error and the handler answers `400 incomplete_body`.
pub async fn body_deadline(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    // A body with images (multipart) may take longer: tens of megabytes over Tor.
    let seconds = if crate::upload::form_data_boundary(request.headers()).is_some() {
        state.connections().upload_timeout_secs
    } else {
        state.connections().body_timeout_secs
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let (parts, body) = request.into_parts();
    let stream = body.into_data_stream();
    let timed = futures::stream::unfold(Some(stream), move |stream| async move {
        let mut stream = stream?;
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(Some(item)) => Some((item, Some(stream))),
            Ok(None) => None,
            Err(_) => Some((
                Err(axum::Error::new("the request body was not sent in time")),
                None,
            )),
        }
    });
    next.run(Request::from_parts(parts, Body::from_stream(timed)))
        .await
}
