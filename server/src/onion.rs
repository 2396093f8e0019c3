//! The onion service: an arti client embedded in the server publishes Jasmine as a
//! Tor onion service and hands every incoming stream on port 80 to the same axum
//! router as the loopback listener, through hyper, with no local socket in between.
//!
//! The service key lives in arti's keystore under the data directory, so the onion
//! address survives restarts; it is logged at start and written to
//! `<data_dir>/onion-address`. When Tor cannot bootstrap (no network), the server
//! keeps serving loopback, says so in the log, and keeps trying.
//!
//! With `proof_of_work`, the descriptor carries a `pow-params` line (arti's experimental
//! `hs-pow-full`, Tor's proposal 327): under an introduction flood, clients solve an
//! Equi-X puzzle whose effort the service suggests, and the service handles the
//! introductions that carry the most work first. For that order to matter, the
//! introductions must wait somewhere: here, at most `pow_concurrent_rendezvous`
//! rendezvous are being set up at once, and the others wait in arti's queue, sorted by
//! effort (its length and how long it stays busy drive the suggested effort).
//!
//! Nothing about clients is logged: an onion service never learns client addresses,
//! and this module logs neither circuits nor request paths.

use std::sync::Arc;
use std::time::Duration;

use arti_client::TorClient;
use axum::Router;
use futures::{Stream, StreamExt};
use jasmine_client::transport::TorSettings;

pub use crate::config::OnionConfig;
use safelog::DisplayRedacted;
use tor_cell::relaycell::msg::{Connected, End, EndReason};
use tor_hsservice::config::{OnionServiceConfigBuilder, TokenBucketConfig};
use tor_hsservice::{HsNickname, RendRequest, StreamRequest};
use tor_proto::stream::IncomingStreamRequest;

/// Nickname of the service in arti's keystore.
const NICKNAME: &str = "jasmine";
/// File holding the onion address.
pub const ADDRESS_FILE: &str = crate::ONION_ADDRESS_FILE;

impl OnionConfig {
    /// Rendezvous set up at once. Without proof of work nothing waits in arti's
    /// queue (it would be first come, first served); with it, the backlog stays
    /// there, where introductions carrying more work go first.
    fn rendezvous_at_once(&self) -> usize {
        if self.proof_of_work {
            self.pow_concurrent_rendezvous
        } else {
            usize::MAX
        }
    }

    fn service_config(&self) -> Result<tor_hsservice::OnionServiceConfig, String> {
        let nickname = HsNickname::new(NICKNAME.to_string()).map_err(|e| e.to_string())?;
        let mut builder = OnionServiceConfigBuilder::default();
        builder
            .nickname(nickname)
            .num_intro_points(self.num_intro_points)
            .max_concurrent_streams_per_circuit(self.max_streams_per_circuit)
            .enable_pow(self.proof_of_work)
            .pow_rend_queue_depth(self.pow_queue_depth);
        if let (Some(rate), Some(burst)) = (self.intro_rate_per_second, self.intro_burst) {
            builder.rate_limit_at_intro(Some(TokenBucketConfig::new(rate, burst)));
        }
        builder
            .build()
            .map_err(|e| format!("onion service configuration: {e}"))
    }
}

/// The name a state of arti's onion service is known by (`GET /v1/status` on
/// loopback, the metrics, the log).
fn state_name(state: tor_hsservice::status::State) -> &'static str {
    use tor_hsservice::status::State;
    match state {
        State::Shutdown => "shutdown",
        State::Bootstrapping => "bootstrapping",
        State::DegradedReachable => "degraded_reachable",
        State::DegradedUnreachable => "degraded_unreachable",
        State::Running => "running",
        State::Recovering => "recovering",
        State::Broken => "broken",
        _ => "unknown",
    }
}

/// Follows the onion service's state (descriptors published, introduction points up,
/// as arti sees them): kept for the operator, and logged when it changes. Says nothing
/// of clients.
async fn watch_state(
    events: impl Stream<Item = tor_hsservice::status::OnionServiceStatus>,
    first: tor_hsservice::status::State,
    state: crate::state::AppState,
) {
    let note = |now: tor_hsservice::status::State| {
        let name = state_name(now);
        if state.set_onion_state(name) {
            tracing::info!("onion service state: {name}");
        }
    };
    note(first);
    futures::pin_mut!(events);
    while let Some(status) = events.next().await {
        note(status.state());
    }
}

/// Starts the onion service in the background; returns its onion address. Errors here
/// are configuration errors; network trouble is logged and retried, never fatal.
pub fn spawn(
    config: &OnionConfig,
    data_dir: &std::path::Path,
    router: Router,
    limits: &crate::config::ConnectionConfig,
    state: crate::state::AppState,
) -> Result<String, String> {
    let connections = crate::serve::Connections::new(limits);
    config.validate()?;
    let settings = TorSettings {
        dir: config
            .tor_dir
            .clone()
            .unwrap_or_else(|| data_dir.join("tor")),
        network_config: config.tor_network_config.clone(),
    };
    let client_config = settings.client_config()?;
    let service_config = config.service_config()?;
    let client = TorClient::builder()
        .config(client_config)
        .create_unbootstrapped()
        .map_err(|e| format!("cannot start Tor: {e}"))?;
    let (service, rend_requests) = client
        .launch_onion_service(service_config)
        .map_err(|e| format!("cannot launch the onion service: {e}"))?
        .ok_or("the onion service is disabled in its configuration")?;
    let address = service
        .onion_address()
        .ok_or("the onion service has no address (key missing from the keystore)")?
        .display_unredacted()
        .to_string();
    let address_file = data_dir.join(ADDRESS_FILE);
    std::fs::write(&address_file, format!("{address}\n"))
        .map_err(|e| format!("cannot write {}: {e}", address_file.display()))?;
    tracing::info!(
        "onion service address: http://{address} (also in {})",
        address_file.display()
    );

    if config.proof_of_work {
        tracing::info!(
            "onion service proof of work: on (experimental in arti 0.47; {} rendezvous at once, {} introductions queued at most)",
            config.pow_concurrent_rendezvous,
            config.pow_queue_depth
        );
    }

    tokio::spawn(watch_state(
        service.status_events(),
        service.status().state(),
        state,
    ));
    tokio::spawn(keep_bootstrapping(client.clone()));
    let at_once = config.rendezvous_at_once();
    tokio::spawn(async move {
        // The running service must stay alive as long as we serve.
        let _service = service;
        let _client = client;
        let circuits = accept_rendezvous(rend_requests, at_once, RendRequest::accept);
        futures::pin_mut!(circuits);
        while let Some(circuit) = circuits.next().await {
            let streams = match circuit {
                Ok(streams) => streams,
                // A bad introduction or an unreachable rendezvous point: under a
                // flood, one line each, so only at debug level.
                Err(e) => {
                    tracing::debug!("a rendezvous failed: {e}");
                    continue;
                }
            };
            let (router, connections) = (router.clone(), connections.clone());
            tokio::spawn(async move {
                futures::pin_mut!(streams);
                while let Some(request) = streams.next().await {
                    tokio::spawn(serve_stream(request, router.clone(), connections.clone()));
                }
            });
        }
        tracing::warn!("the onion service stopped receiving connections");
    });
    Ok(address)
}

/// Sets up rendezvous circuits for incoming introductions, `at_once` at a time: the
/// next introduction is taken from `requests` only when a place is free, so that the
/// backlog waits in arti's queue (sorted by proof-of-work effort when it is on).
fn accept_rendezvous<Q, F, Fut>(
    requests: impl Stream<Item = Q>,
    at_once: usize,
    accept: F,
) -> impl Stream<Item = Fut::Output>
where
    F: FnMut(Q) -> Fut,
    Fut: std::future::Future,
{
    requests.map(accept).buffer_unordered(at_once)
}

async fn keep_bootstrapping<R: tor_rtcompat::Runtime>(client: Arc<TorClient<R>>) {
    let mut wait = Duration::from_secs(5);
    let mut patience = Duration::from_secs(20);
    loop {
        match tokio::time::timeout(patience, client.bootstrap()).await {
            Ok(Ok(())) => {
                tracing::info!("connected to the Tor network: the onion service is being published");
                return;
            }
            Ok(Err(e)) => tracing::warn!(
                "the onion service is not reachable yet: Tor cannot bootstrap ({e}); retrying in {} s. Loopback keeps working.",
                wait.as_secs()
            ),
            Err(_) => tracing::warn!(
                "the onion service is not reachable yet: Tor has not bootstrapped after {} s ({}); still trying. Loopback keeps working.",
                patience.as_secs(),
                client.bootstrap_status()
            ),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(300));
        patience = (patience * 2).min(Duration::from_secs(120));
    }
}

async fn serve_stream(
    request: StreamRequest,
    router: Router,
    connections: crate::serve::Connections,
) {
    let wants_http =
        matches!(request.request(), IncomingStreamRequest::Begin(begin) if begin.port() == 80);
    if !wants_http {
        let _ = request.reject(End::new_with_reason(EndReason::DONE)).await;
        return;
    }
    let Ok(stream) = request.accept(Connected::new_empty()).await else {
        return;
    };
    connections.serve(stream, router).await;
}

/// `jasmine-server check-onion`: fetches `GET /v1/status` from `address` through a Tor
/// client of its own (its state in `dir`, apart from the server's, so that it shares
/// neither the server's circuits nor its lock), within `patience`. Returns how long Tor
/// took to start and how long the fetch took.
pub async fn check_reachable(
    address: &str,
    network_config: Option<std::path::PathBuf>,
    dir: &std::path::Path,
    patience: Duration,
) -> Result<(Duration, Duration), String> {
    use jasmine_client::transport::{ApiRequest, TorTransport, Transport};
    let settings = TorSettings {
        dir: dir.to_path_buf(),
        network_config,
    };
    let url = format!("http://{address}");
    let started = std::time::Instant::now();
    let attempt = async {
        let transport = TorTransport::connect(&url, &settings)
            .await
            .map_err(|e| format!("Tor did not start: {e}"))?;
        let bootstrapped = started.elapsed();
        let response = transport
            .send(ApiRequest::new(axum::http::Method::GET, "/v1/status"))
            .await
            .map_err(|e| format!("{address} did not answer through Tor: {e}"))?;
        if !response.status.is_success() {
            return Err(format!("{address} answered {}", response.status));
        }
        serde_json::from_slice::<jasmine_client::wire::Status>(&response.body).map_err(|e| {
            format!("{address} answered something that is not Jasmine's status: {e}")
        })?;
        Ok((bootstrapped, started.elapsed() - bootstrapped))
    };
    tokio::time::timeout(patience, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{address} was not reached through Tor within {} s",
                patience.as_secs()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_inconsistent_settings_are_refused() {
        assert!(OnionConfig::default().validate().is_ok());
        for intro_points in [0, 2, 21] {
            assert!(OnionConfig {
                num_intro_points: intro_points,
                ..Default::default()
            }
            .validate()
            .is_err());
        }
        assert!(OnionConfig {
            intro_rate_per_second: Some(5),
            ..Default::default()
        }
        .validate()
        .is_err());
        for (depth, at_once) in [(0, 32), (8192, 0), (1 << 20, 32), (8192, 5000)] {
            assert!(OnionConfig {
                proof_of_work: true,
                pow_queue_depth: depth,
                pow_concurrent_rendezvous: at_once,
                ..Default::default()
            }
            .validate()
            .is_err());
        }
        let limited = OnionConfig {
            intro_rate_per_second: Some(5),
            intro_burst: Some(20),
            ..Default::default()
        };
        limited.service_config().unwrap();
    }

    #[test]
    fn proof_of_work_reaches_arti() {
        let off = OnionConfig::default().service_config().unwrap();
        assert!(!*off.enable_pow());
        let config = OnionConfig {
            proof_of_work: true,
            pow_queue_depth: 1000,
            ..Default::default()
        };
        config.validate().unwrap();
        // Built with arti's `hs-pow-full`: without it this is refused
        // ("Arti was built without hs-pow-full feature!").
        let on = config.service_config().unwrap();
        assert!(*on.enable_pow());
        assert_eq!(*on.pow_rend_queue_depth(), 1000);
        assert_eq!(config.rendezvous_at_once(), 32);
        assert_eq!(OnionConfig::default().rendezvous_at_once(), usize::MAX);
    }

    #[tokio::test]
    async fn introductions_wait_in_arti_queue_beyond_the_rendezvous_in_progress() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        // 100 introductions queued; each rendezvous stays pending until released.
        let (queue, requests) = futures::channel::mpsc::unbounded::<usize>();
        for i in 0..100 {
            queue.unbounded_send(i).unwrap();
        }
        let taken = Arc::new(AtomicUsize::new(0));
        let (release, released) = tokio::sync::watch::channel(false);
        let counter = taken.clone();
        let circuits = accept_rendezvous(requests, 4, move |i| {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut released = released.clone();
            async move {
                let _ = released.wait_for(|r| *r).await;
                i
            }
        });
        futures::pin_mut!(circuits);
        let waited = tokio::time::timeout(Duration::from_millis(200), circuits.next()).await;
        assert!(waited.is_err(), "no rendezvous finished yet");
        assert_eq!(
            taken.load(Ordering::SeqCst),
            4,
            "only as many introductions are taken as rendezvous may be set up"
        );
        release.send(true).unwrap();
        drop(queue);
        let done: Vec<usize> = circuits.collect().await;
        assert_eq!(done.len(), 100);
        assert_eq!(taken.load(Ordering::SeqCst), 100);
    }
}
