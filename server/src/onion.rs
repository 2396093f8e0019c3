//! The onion service: an arti client embedded in the server publishes Jasmine as a
//! Tor onion service and hands every incoming stream on port 80 to the same axum
//! router as the loopback listener, through hyper, with no local socket in between.
//!
//! The service key lives in arti's keystore under the data directory, so the onion
//! address survives restarts; it is logged at start and written to
//! `<data_dir>/onion-address`. When Tor cannot bootstrap (no network), the server
//! keeps serving loopback, says so in the log, and keeps trying.
//!
//! Nothing about clients is logged: an onion service never learns client addresses,
//! and this module logs neither circuits nor request paths.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arti_client::TorClient;
use axum::Router;
use futures::StreamExt;
use jasmine_client::transport::TorSettings;
use safelog::DisplayRedacted;
use serde::Deserialize;
use tor_cell::relaycell::msg::{Connected, End, EndReason};
use tor_hsservice::config::{OnionServiceConfigBuilder, TokenBucketConfig};
use tor_hsservice::{HsNickname, StreamRequest};
use tor_proto::stream::IncomingStreamRequest;

/// Onion service settings (`[onion]` in the config file).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnionConfig {
    /// Publish the onion service.
    pub enabled: bool,
    /// Folder for arti's state (with the service key) and cache. Default: `<data_dir>/tor`.
    pub tor_dir: Option<PathBuf>,
    /// An arti configuration file for a Tor network other than the public one
    /// (private test networks): authorities, fallback caches, path rules.
    pub tor_network_config: Option<PathBuf>,
    /// Introduction points (1 to 20).
    pub num_intro_points: u8,
    /// Introduction requests per second the introduction points let through
    /// (`DOS_PARAMS`); unset lets each introduction point use the consensus default.
    pub intro_rate_per_second: Option<u32>,
    /// Burst allowed above that rate.
    pub intro_burst: Option<u32>,
    /// Streams one client circuit may open at once before it is closed.
    pub max_streams_per_circuit: u32,
    /// Ask clients for proof-of-work under load. arti 0.47 has it only behind an
    /// experimental feature that this build leaves out, so `true` is refused.
    pub proof_of_work: bool,
}

impl Default for OnionConfig {
    fn default() -> Self {
        OnionConfig {
            enabled: false,
            tor_dir: None,
            tor_network_config: None,
            num_intro_points: 3,
            intro_rate_per_second: None,
            intro_burst: None,
            max_streams_per_circuit: 64,
            proof_of_work: false,
        }
    }
}

/// Nickname of the service in arti's keystore.
const NICKNAME: &str = "jasmine";
/// File holding the onion address.
pub const ADDRESS_FILE: &str = "onion-address";

impl OnionConfig {
    /// Checks the values, before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=20).contains(&self.num_intro_points) {
            return Err("onion.num_intro_points must be between 1 and 20".into());
        }
        if self.intro_rate_per_second.is_some() != self.intro_burst.is_some() {
            return Err("onion.intro_rate_per_second and onion.intro_burst go together".into());
        }
        if self.proof_of_work {
            return Err("onion.proof_of_work: arti 0.47 offers onion-service proof-of-work only as an experimental feature, which this build does not include; use intro_rate_per_second".into());
        }
        Ok(())
    }

    fn service_config(&self) -> Result<tor_hsservice::OnionServiceConfig, String> {
        let nickname = HsNickname::new(NICKNAME.to_string()).map_err(|e| e.to_string())?;
        let mut builder = OnionServiceConfigBuilder::default();
        builder
            .nickname(nickname)
            .num_intro_points(self.num_intro_points)
            .max_concurrent_streams_per_circuit(self.max_streams_per_circuit);
        if let (Some(rate), Some(burst)) = (self.intro_rate_per_second, self.intro_burst) {
            builder.rate_limit_at_intro(Some(TokenBucketConfig::new(rate, burst)));
        }
        builder
            .build()
            .map_err(|e| format!("onion service configuration: {e}"))
    }
}

/// Starts the onion service in the background. Errors here are configuration errors;
/// network trouble is logged and retried, never fatal.
pub fn spawn(
    config: &OnionConfig,
    data_dir: &std::path::Path,
    router: Router,
    limits: &crate::config::ConnectionConfig,
) -> Result<(), String> {
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

    tokio::spawn(keep_bootstrapping(client.clone()));
    tokio::spawn(async move {
        // The running service must stay alive as long as we serve.
        let _service = service;
        let _client = client;
        let requests = tor_hsservice::handle_rend_requests(rend_requests);
        futures::pin_mut!(requests);
        while let Some(request) = requests.next().await {
            tokio::spawn(serve_stream(request, router.clone(), connections.clone()));
        }
        tracing::warn!("the onion service stopped receiving connections");
    });
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_inconsistent_settings_are_refused() {
        assert!(OnionConfig::default().validate().is_ok());
        assert!(OnionConfig {
            num_intro_points: 0,
            ..Default::default()
        }
        .validate()
        .is_err());
        assert!(OnionConfig {
            intro_rate_per_second: Some(5),
            ..Default::default()
        }
        .validate()
        .is_err());
        let pow = OnionConfig {
            proof_of_work: true,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(pow.contains("experimental"), "{pow}");
        let limited = OnionConfig {
            intro_rate_per_second: Some(5),
            intro_burst: Some(20),
            ..Default::default()
        };
        limited.service_config().unwrap();
    }
}
