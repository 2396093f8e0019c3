//! How requests reach a Jasmine server. A transport carries one HTTP/1.1 request and
//! returns the response; everything above it (bundles, reports, alerts) is the same
//! whatever the transport. [`DirectHttp`] talks plain HTTP to a loopback or LAN
//! address, for development and tests; [`TorTransport`] (feature `tor`, on by default)
//! reaches an onion service through embedded arti.

mod direct;
mod http1;
#[cfg(feature = "tor")]
pub mod tor;

use std::future::Future;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};

pub use direct::DirectHttp;
#[cfg(feature = "tor")]
pub use tor::{TorSettings, TorTransport};

/// Largest response body a client accepts: a report's attachments file fits.
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// A request, relative to the server's base address.
#[derive(Clone, Debug)]
pub struct ApiRequest {
    /// Method.
    pub method: Method,
    /// Path and query, starting with `/`.
    pub path_and_query: String,
    /// Extra headers.
    pub headers: Vec<(http::HeaderName, String)>,
    /// Body (may be empty).
    pub body: Bytes,
}

impl ApiRequest {
    /// A request without headers or body.
    pub fn new(method: Method, path_and_query: impl Into<String>) -> Self {
        ApiRequest {
            method,
            path_and_query: path_and_query.into(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// Sets the body and its content type.
    pub fn with_body(mut self, content_type: &str, body: impl Into<Bytes>) -> Self {
        self.headers
            .push((http::header::CONTENT_TYPE, content_type.to_string()));
        self.body = body.into();
        self
    }
}

/// A response.
#[derive(Clone, Debug)]
pub struct ApiResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: Bytes,
}

/// Why a request did not get a response.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The address given is not usable by this transport.
    #[error("bad server address '{0}': {1}")]
    BadAddress(String, String),
    /// No connection could be made.
    #[error("cannot reach the server at {0}: {1}")]
    Unreachable(String, String),
    /// The connection broke or the response was not HTTP.
    #[error("the connection to the server failed: {0}")]
    Protocol(String),
    /// No answer in time.
    #[error("the server did not answer within {0} seconds")]
    Timeout(u64),
}

/// Something that carries requests to a Jasmine server.
pub trait Transport: Send + Sync {
    /// Sends one request and waits for the whole response.
    fn send(
        &self,
        request: ApiRequest,
    ) -> impl Future<Output = Result<ApiResponse, TransportError>> + Send;

    /// The same transport on paths unlinkable to this one's (a fresh Tor circuit);
    /// a direct connection has nothing to isolate.
    fn isolated(&self) -> Self
    where
        Self: Sized;

    /// The server's name as this transport reaches it (the onion address, or the host
    /// of a direct address, lowercase, without port): moderator requests are signed
    /// for it, so that they cannot be relayed to another server.
    fn audience(&self) -> String;
}

/// Direct HTTP or Tor, chosen from the server address: Tor for `.onion`.
#[cfg(feature = "tor")]
#[derive(Clone)]
pub enum AnyTransport {
    /// Plain HTTP (loopback, development).
    Direct(DirectHttp),
    /// Through Tor to an onion service.
    Tor(TorTransport),
}

#[cfg(feature = "tor")]
impl AnyTransport {
    /// Tor for an onion address (bootstrapping Tor first), plain HTTP otherwise.
    pub async fn for_url(url: &str, tor: &TorSettings) -> Result<AnyTransport, TransportError> {
        if tor::is_onion_url(url) {
            Ok(AnyTransport::Tor(TorTransport::connect(url, tor).await?))
        } else {
            Ok(AnyTransport::Direct(DirectHttp::new(url)?))
        }
    }

    /// Over Tor, the same Tor client pointed at the onion address that the verified
    /// key bundle names, if it differs from the one in use; `None` otherwise.
    pub fn follow_bundle_onion(&self, onion: &str) -> Option<AnyTransport> {
        match self {
            AnyTransport::Tor(t) if !onion.is_empty() && !t.is_for(onion) => {
                t.with_onion(onion).ok().map(AnyTransport::Tor)
            }
            _ => None,
        }
    }
}

#[cfg(feature = "tor")]
impl Transport for AnyTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        match self {
            AnyTransport::Direct(t) => t.send(request).await,
            AnyTransport::Tor(t) => t.send(request).await,
        }
    }

    fn isolated(&self) -> Self {
        match self {
            AnyTransport::Direct(t) => AnyTransport::Direct(t.isolated()),
            AnyTransport::Tor(t) => AnyTransport::Tor(t.isolated()),
        }
    }

    fn audience(&self) -> String {
        match self {
            AnyTransport::Direct(t) => t.audience(),
            AnyTransport::Tor(t) => t.audience(),
        }
    }
}
