//! Server configuration: a TOML file and/or command-line flags, flags winning.
//! Every setting has a default, so `jasmine-server --root-key …` runs on an empty
//! directory. `server/jasmine-server.example.toml` shows every setting at its
//! default, and a test proves it parses to exactly these defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use jasmine_client::keys::PublicKey;
use serde::Deserialize;

use crate::onion::OnionConfig;

/// Everything the server needs to start.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Serve plain HTTP on `listen` (development, tests, the operator's own access).
    pub http: bool,
    /// Address of the plain-HTTP listener. Keep it on loopback.
    pub listen: SocketAddr,
    /// Folder for the database (created 0700 if missing).
    pub data_dir: PathBuf,
    /// The organisation's root public key (base64), pinned.
    pub root_key: Option<String>,
    /// A file holding the root public key, if `root_key` is not given.
    pub root_key_file: Option<PathBuf>,
    /// A signed key bundle to import at start if it is newer than the stored one.
    pub bundle_file: Option<PathBuf>,
    /// Most report ciphertext bytes kept before new reports get `507`.
    pub max_stored_bytes: u64,
    /// Most writes waiting at once before new ones get `503`.
    pub write_queue: usize,
    /// Read-only database connections kept open.
    pub readers: usize,
    /// Accepted clock difference for signed moderator requests, in seconds.
    pub api_clock_window_secs: u64,
    /// The onion service.
    pub onion: OnionConfig,
    /// The web site.
    pub web: crate::web::WebConfig,
    /// The reply mailboxes.
    pub mailbox: crate::routes::mailbox::MailboxConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            http: true,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("./data"),
            root_key: None,
            root_key_file: None,
            bundle_file: None,
            max_stored_bytes: 2 * 1024 * 1024 * 1024,
            write_queue: 8192,
            readers: 4,
            api_clock_window_secs: 300,
            onion: OnionConfig::default(),
            web: crate::web::WebConfig::default(),
            mailbox: crate::routes::mailbox::MailboxConfig::default(),
        }
    }
}

impl Config {
    /// Reads a TOML file.
    pub fn from_file(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config file {}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("config file {}: {e}", path.display()))
    }

    /// The pinned root key, from `root_key` or `root_key_file`.
    pub fn pinned_root(&self) -> Result<PublicKey, String> {
        let text = match (&self.root_key, &self.root_key_file) {
            (Some(key), _) => key.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read root key file {}: {e}", path.display()))?,
            (None, None) => {
                return Err("no root key: give --root-key or --root-key-file (the organisation's public root key, from `jasmine-keys org init`)".into())
            }
        };
        PublicKey::from_base64(text.trim()).map_err(|e| format!("root key: {e}"))
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.write_queue == 0 || self.readers == 0 {
            return Err("write_queue and readers must be at least 1".into());
        }
        if !(10..=3600).contains(&self.api_clock_window_secs) {
            return Err("api_clock_window_secs must be between 10 and 3600".into());
        }
        if !self.http && !self.onion.enabled {
            return Err(
                "neither the HTTP listener nor the onion service is enabled: nothing to serve"
                    .into(),
            );
        }
        if self.http && !self.listen.ip().is_loopback() {
            tracing::warn!(
                "the HTTP listener is on {}, not on loopback: reporters' addresses would reach this server. Prefer 127.0.0.1 and the onion service.",
                self.listen
            );
        }
        self.mailbox.validate()?;
        self.onion.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("jasmine-server.example.toml");
        assert_eq!(Config::from_file(&example).unwrap(), Config::default());
    }

    #[test]
    fn fail_unknown_settings_are_refused() {
        assert!(toml::from_str::<Config>("listne = \"127.0.0.1:1\"").is_err());
        assert!(Config {
            readers: 0,
            ..Config::default()
        }
        .validate()
        .is_err());
        let nothing = Config {
            http: false,
            ..Config::default()
        }
        .validate()
        .unwrap_err();
        assert!(nothing.contains("nothing to serve"), "{nothing}");
        let mut onion_only = Config {
            http: false,
            ..Config::default()
        };
        onion_only.onion.enabled = true;
        onion_only.validate().unwrap();
    }
}
