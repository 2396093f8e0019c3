//! Requests over Tor to a Jasmine onion service, with an arti client embedded in the
//! process: no IP address of the reporter ever reaches the server.
//!
//! Each transport has its own circuit isolation token; [`Transport::isolated`] makes a
//! transport with a fresh one, and [`crate::client::JasmineClient::submit_report`]
//! uses that for every submission, so two reports never share a circuit. Connecting
//! retries for a while, because a service's descriptor may not be published yet.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arti_client::config::{BoolOrAuto, CfgPath, TorClientConfigBuilder};
use arti_client::{IsolationToken, StreamPrefs, TorClient, TorClientConfig};
use tor_rtcompat::PreferredRuntime;

use super::{http1, ApiRequest, ApiResponse, Transport, TransportError};

/// How long to keep trying to reach the onion service for one request.
const CONNECT_PATIENCE: Duration = Duration::from_secs(120);
/// Seconds to wait for a whole response once connected.
const RESPONSE_TIMEOUT: u64 = 120;
/// How long bootstrapping may take before giving up.
const BOOTSTRAP_TIMEOUT: Duration = Duration::from_secs(180);

/// Where arti keeps its state and cache, and which Tor network to use.
#[derive(Clone, Debug, Default)]
pub struct TorSettings {
    /// Folder for arti's state (guards, keys) and cache (directory documents).
    pub dir: PathBuf,
    /// An arti configuration file (TOML) for another Tor network than the public
    /// one, such as a private test network: `[tor_network]`, `[path_rules]`, …
    pub network_config: Option<PathBuf>,
}

impl TorSettings {
    /// The arti configuration: `network_config` (if any), with storage under `dir`.
    pub fn client_config(&self) -> Result<TorClientConfig, String> {
        let mut builder = match &self.network_config {
            Some(path) => read_network_config(path)?,
            None => TorClientConfigBuilder::default(),
        };
        builder
            .storage()
            .state_dir(CfgPath::new_literal(self.dir.join("state")))
            .cache_dir(CfgPath::new_literal(self.dir.join("cache")));
        let config = builder
            .build()
            .map_err(|e| format!("Tor configuration: {e}"))?;
        if let Some(path) = &self.network_config {
            // arti ignores unknown keys: a misspelt section would silently mean the
            // public Tor network. A network file must name its own authorities.
            let authorities =
                |c: &TorClientConfig| c.dir_mgr_config().map(|d| d.authorities().clone()).ok();
            if authorities(&config) == authorities(&TorClientConfig::default()) {
                return Err(format!(
                    "Tor configuration {}: it does not set [tor_network.authorities] v3idents, so it would use the public Tor network",
                    path.display()
                ));
            }
        }
        Ok(config)
    }
}

fn read_network_config(path: &Path) -> Result<TorClientConfigBuilder, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read Tor configuration {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("Tor configuration {}: {e}", path.display()))
}

/// Requests to one onion service over an embedded Tor client.
#[derive(Clone)]
pub struct TorTransport {
    client: Arc<TorClient<PreferredRuntime>>,
    onion_host: String,
    port: u16,
    isolation: IsolationToken,
}

/// Whether a server address is an onion address.
pub fn is_onion_url(url: &str) -> bool {
    onion_host_port(url).is_some()
}

fn onion_host_port(url: &str) -> Option<(String, u16)> {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()?),
        None => (rest, 80),
    };
    host.ends_with(".onion")
        .then(|| (host.to_ascii_lowercase(), port))
}

impl TorTransport {
    /// Starts Tor (bootstrapping may take a while) for requests to `url` (`http://….onion`).
    pub async fn connect(
        url: &str,
        settings: &TorSettings,
    ) -> Result<TorTransport, TransportError> {
        let (onion_host, port) = onion_host_port(url).ok_or_else(|| {
            TransportError::BadAddress(url.to_string(), "not an onion address".into())
        })?;
        let config = settings
            .client_config()
            .map_err(|e| TransportError::BadAddress(url.to_string(), e))?;
        let client =
            tokio::time::timeout(BOOTSTRAP_TIMEOUT, TorClient::create_bootstrapped(config))
                .await
                .map_err(|_| {
                    TransportError::Unreachable(
                        "the Tor network".into(),
                        "could not connect to Tor in time".into(),
                    )
                })?
                .map_err(|e| {
                    TransportError::Unreachable("the Tor network".into(), e.to_string())
                })?;
        Ok(TorTransport {
            client,
            onion_host,
            port,
            isolation: IsolationToken::new(),
        })
    }

    /// Another onion service, over the same Tor client (and the same isolation).
    pub fn with_onion(&self, url: &str) -> Result<TorTransport, TransportError> {
        let (onion_host, port) = onion_host_port(url).ok_or_else(|| {
            TransportError::BadAddress(url.to_string(), "not an onion address".into())
        })?;
        Ok(TorTransport {
            onion_host,
            port,
            ..self.clone()
        })
    }

    /// Whether this transport goes to `onion` (a host, with or without `http://`).
    pub fn is_for(&self, onion: &str) -> bool {
        onion_host_port(onion)
            .is_some_and(|(host, port)| host == self.onion_host && port == self.port)
    }

    async fn open_stream(&self) -> Result<arti_client::DataStream, TransportError> {
        let mut prefs = StreamPrefs::new();
        prefs.connect_to_onion_services(BoolOrAuto::Explicit(true));
        prefs.set_isolation(self.isolation);
        let started = Instant::now();
        let mut wait = Duration::from_secs(1);
        loop {
            match self
                .client
                .connect_with_prefs((self.onion_host.as_str(), self.port), &prefs)
                .await
            {
                Ok(stream) => return Ok(stream),
                // A fresh descriptor may not be published yet: try again for a while.
                Err(_) if started.elapsed() + wait < CONNECT_PATIENCE => {
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(8));
                }
                Err(e) => {
                    return Err(TransportError::Unreachable(
                        "the onion service".into(),
                        e.to_string(),
                    ));
                }
            }
        }
    }
}

impl Transport for TorTransport {
    async fn send(&self, request: ApiRequest) -> Result<ApiResponse, TransportError> {
        let stream = self.open_stream().await?;
        tokio::time::timeout(
            Duration::from_secs(RESPONSE_TIMEOUT),
            http1::send_over_stream(stream, &self.onion_host, request),
        )
        .await
        .map_err(|_| TransportError::Timeout(RESPONSE_TIMEOUT))?
    }

    fn isolated(&self) -> Self {
        TorTransport {
            isolation: IsolationToken::new(),
            ..self.clone()
        }
    }

    fn audience(&self) -> String {
        self.onion_host.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_onion_addresses() {
        let onion = "http://xa4r2iadxm55fbnqgwwi5mymqdcofiu3w6rpbtqn7b2dyn7mgwj64jyd.onion";
        assert_eq!(onion_host_port(onion).unwrap().1, 80);
        assert!(is_onion_url(&format!("{onion}:8080/")));
        assert!(!is_onion_url("http://127.0.0.1:8080"));
        assert!(!is_onion_url("http://onion.example.org"));
    }

    #[test]
    fn a_private_network_file_builds() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("net.toml");
        std::fs::write(
            &file,
            r#"
[tor_network]
fallback_caches = [
  { rsa_identity = "0123456789ABCDEF0123456789ABCDEF01234567", ed_identity = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", orports = ["127.0.0.1:5000"] },
]
[tor_network.authorities]
v3idents = ["0123456789ABCDEF0123456789ABCDEF01234567"]
[path_rules]
ipv4_subnet_family_prefix = 33
ipv6_subnet_family_prefix = 129
[preemptive_circuits]
initial_predicted_ports = []
"#,
        )
        .unwrap();
        let settings = TorSettings {
            dir: dir.path().into(),
            network_config: Some(file),
        };
        let config = settings.client_config().unwrap();
        let debug = format!("{config:?}");
        assert!(debug.contains("127.0.0.1:5000"), "{debug}");
    }

    #[test]
    fn fail_a_bad_network_file_says_where() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("net.toml");
        std::fs::write(&file, "[tor_network]\nnonsense = 3\n").unwrap();
        let settings = TorSettings {
            dir: dir.path().into(),
            network_config: Some(file.clone()),
        };
        let Err(message) = settings.client_config() else {
            panic!("a file without authorities must be refused")
        };
        assert!(
            message.contains("net.toml") && message.contains("public Tor network"),
            "{message}"
        );
        std::fs::write(&file, "[tor_network\n").unwrap();
        let Err(message) = settings.client_config() else {
            panic!("bad TOML must be refused")
        };
        assert!(message.contains("net.toml"), "{message}");
    }
}
