//! Server configuration: a TOML file and/or command-line flags, flags winning.
//! Every setting has a default, so `jasmine-server --root-key …` runs on an empty
//! directory. `server/jasmine-server.example.toml` shows every setting at its
//! default, and a test proves it parses to exactly these defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use jasmine_client::keys::PublicKey;
use serde::Deserialize;

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
    /// Most ciphertext bytes (reports and mailbox messages together) kept before new
    /// ones get `507`; the budgets below share it out.
    pub max_stored_bytes: u64,
    /// Most writes waiting at once before new ones get `503`.
    pub write_queue: usize,
    /// Read-only database connections kept open.
    pub readers: usize,
    /// Seconds between two compactions of the database (`VACUUM` and an emptied WAL),
    /// when anything was written in between: rows written since the last one lie in
    /// the file in the order they arrived, and deleted ciphertext may linger in the WAL
    /// until then.
    pub compact_interval_secs: u64,
    /// Accepted clock difference for signed moderator requests, in seconds.
    pub api_clock_window_secs: u64,
    /// The onion service.
    pub onion: OnionConfig,
    /// The web site.
    pub web: WebConfig,
    /// The reply mailboxes.
    pub mailbox: MailboxConfig,
    /// What one anonymous writer may take: storage budgets.
    pub budgets: BudgetConfig,
    /// Admission of anonymous writes: the puzzle and the budgets of the no-JS pages.
    pub admission: AdmissionConfig,
    /// Connections: how many at once and how long a slow client may take.
    pub connections: ConnectionConfig,
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
            compact_interval_secs: 3600,
            api_clock_window_secs: 300,
            onion: OnionConfig::default(),
            web: WebConfig::default(),
            mailbox: MailboxConfig::default(),
            budgets: BudgetConfig::default(),
            admission: AdmissionConfig::default(),
            connections: ConnectionConfig::default(),
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
        if !(1..=86_400).contains(&self.compact_interval_secs) {
            return Err("compact_interval_secs must be between 1 and 86400".into());
        }
        if !(10..=3600).contains(&self.api_clock_window_secs) {
            return Err("api_clock_window_secs must be between 10 and 3600".into());
        }
        // In production (an onion service on the public Tor network), the help page
        // must say how to reach the association.
        if self.onion.enabled
            && self.onion.tor_network_config.is_none()
            && self.web.association_contact.trim().is_empty()
        {
            return Err(
                "web.association_contact is empty: set it (the help page tells visitors how to reach the association) before publishing the onion service"
                    .into(),
            );
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
        self.budgets.validate(self.max_stored_bytes)?;
        self.admission.validate()?;
        self.connections.validate()?;
        self.onion.validate()
    }
}

/// Settings of the reply mailboxes (`[mailbox]` in the configuration).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailboxConfig {
    /// Days without a post or a read after which a mailbox and its messages are deleted.
    pub expiry_days: u32,
    /// Most messages one mailbox keeps; further posts get `409`.
    pub max_messages: u32,
    /// Most bytes of the reporter's answers, images included, one mailbox keeps;
    /// further answers get `409` (the association's replies do not count).
    pub max_answer_bytes: u64,
}

impl Default for MailboxConfig {
    fn default() -> Self {
        MailboxConfig {
            expiry_days: 90,
            max_messages: 200,
            max_answer_bytes: 128 * 1024 * 1024,
        }
    }
}

impl MailboxConfig {
    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.expiry_days == 0 || self.max_messages == 0 {
            return Err("mailbox.expiry_days and mailbox.max_messages must be at least 1".into());
        }
        if self.max_answer_bytes < 1024 * 1024 {
            return Err("mailbox.max_answer_bytes must be at least 1048576 (1 MiB)".into());
        }
        Ok(())
    }
}

const MIB: u64 = 1024 * 1024;

/// Storage budgets (`[budgets]`): reports and mailbox messages draw on separate
/// budgets, and reports on a budget per day as well, so that a flood today neither
/// refuses tomorrow's reports nor the conversations; the last `reserve_bytes_per_day`
/// of a day's budget is kept for reports that carry a puzzle solved at the current
/// difficulty (`docs/PROTOCOL.md` §6.9).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BudgetConfig {
    /// Report ciphertext bytes kept at most.
    pub reports_bytes: u64,
    /// Report ciphertext bytes accepted per day (UTC), deleted ones included.
    pub reports_bytes_per_day: u64,
    /// The part of the day's budget only reports with a puzzle solved at the current
    /// difficulty may use.
    pub reserve_bytes_per_day: u64,
    /// Mailbox answer bytes (reporters' messages) kept at most; moderators' replies
    /// are counted but never refused by it.
    pub messages_bytes: u64,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        BudgetConfig {
            reports_bytes: 1536 * MIB,
            reports_bytes_per_day: 128 * MIB,
            reserve_bytes_per_day: 32 * MIB,
            messages_bytes: 512 * MIB,
        }
    }
}

impl BudgetConfig {
    /// Checks values that parse but make no sense.
    pub fn validate(&self, max_stored_bytes: u64) -> Result<(), String> {
        if self.reserve_bytes_per_day > self.reports_bytes_per_day {
            return Err(
                "budgets.reserve_bytes_per_day cannot exceed budgets.reports_bytes_per_day".into(),
            );
        }
        if self.reports_bytes_per_day > self.reports_bytes {
            return Err("budgets.reports_bytes_per_day cannot exceed budgets.reports_bytes".into());
        }
        if self.reports_bytes.saturating_add(self.messages_bytes) > max_stored_bytes {
            tracing::warn!(
                "budgets.reports_bytes + budgets.messages_bytes exceed max_stored_bytes: max_stored_bytes is reached first"
            );
        }
        Ok(())
    }
}

/// Admission of anonymous writes (`[admission]`, `docs/PROTOCOL.md` §6.9).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdmissionConfig {
    /// Require a solved puzzle on `POST /v1/reports` and `POST /v1/mailbox/answer`.
    pub puzzle: bool,
    /// Accepted anonymous bytes per hour under which the difficulty stays at its
    /// minimum; each doubling of the recent rate above it adds 2 bits (4× the work).
    pub quiet_bytes_per_hour: u64,
    /// Half-life, in seconds, of the recent rate of accepted writes.
    pub rate_half_life_secs: u64,
    /// Difficulty when the service is quiet (bits; 0 = one attempt).
    pub min_difficulty: u8,
    /// Highest difficulty asked for.
    pub max_difficulty: u8,
    /// How many bits below the current difficulty a challenge issued earlier may be
    /// and still be accepted (the difficulty may rise while a client solves).
    pub slack_bits: u8,
    /// Seconds a challenge stays valid.
    pub challenge_ttl_secs: u64,
    /// Reports accepted per hour through the form without JavaScript (its Argon2id
    /// for a codename and its encryption run on the server).
    pub nojs_reports_per_hour: u32,
    /// Codename derivations per hour for the replies page without JavaScript.
    pub nojs_codenames_per_hour: u32,
    /// Checks per hour through the check page without JavaScript.
    pub nojs_checks_per_hour: u32,
    /// The difficulty of a check's puzzle while checks are quiet (`POST /v1/check`):
    /// its body is tiny, but each evaluation is one guess for whoever enumerates
    /// numbers, so it is priced per check, not per byte.
    pub check_difficulty: u8,
    /// Checks an hour under which their difficulty stays at `check_difficulty`; it
    /// rises 2 bits per doubling above.
    pub quiet_checks_per_hour: u64,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        AdmissionConfig {
            puzzle: true,
            // A day at the quiet rate (24 MiB) stays well inside the day's budget
            // less its reserve (96 MiB): a flooder who stays quiet to keep the price
            // at its minimum cannot spend the day's budget that way.
            quiet_bytes_per_hour: MIB,
            rate_half_life_secs: 600,
            min_difficulty: 0,
            max_difficulty: 24,
            slack_bits: 2,
            challenge_ttl_secs: 600,
            nojs_reports_per_hour: 30,
            nojs_codenames_per_hour: 60,
            nojs_checks_per_hour: 120,
            check_difficulty: 5,
            quiet_checks_per_hour: 600,
        }
    }
}

impl AdmissionConfig {
    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_difficulty > jasmine_client::puzzle::MAX_DIFFICULTY
            || self.min_difficulty > self.max_difficulty
        {
            return Err(format!(
                "admission: min_difficulty ≤ max_difficulty ≤ {} is required",
                jasmine_client::puzzle::MAX_DIFFICULTY
            ));
        }
        if self.quiet_bytes_per_hour == 0 || self.rate_half_life_secs == 0 {
            return Err(
                "admission.quiet_bytes_per_hour and rate_half_life_secs must be at least 1".into(),
            );
        }
        if !(30..=3600).contains(&self.challenge_ttl_secs) {
            return Err("admission.challenge_ttl_secs must be between 30 and 3600".into());
        }
        Ok(())
    }
}

/// Connection limits (`[connections]`), for the loopback listener and the onion
/// service alike.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConnectionConfig {
    /// Connections served at once; further ones wait for a free place.
    pub max_connections: usize,
    /// Seconds a client may take to send a request's headers (also the idle time of
    /// a kept-alive connection).
    pub header_timeout_secs: u64,
    /// Seconds a client may take to send a request's body.
    pub body_timeout_secs: u64,
    /// Seconds a client may take to send a body with images (`multipart/form-data`:
    /// a report with its attachments file, up to about 60 MB over Tor).
    pub upload_timeout_secs: u64,
    /// Bodies with images read at once (each is held in memory until stored); further
    /// ones get `503 busy`.
    pub uploads_at_once: usize,
}

impl Default for ConnectionConfig {
    fn default() -> Self {
        ConnectionConfig {
            max_connections: 512,
            header_timeout_secs: 20,
            body_timeout_secs: 60,
            upload_timeout_secs: 900,
            uploads_at_once: 4,
        }
    }
}

impl ConnectionConfig {
    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_connections == 0
            || self.header_timeout_secs == 0
            || self.body_timeout_secs == 0
            || self.upload_timeout_secs == 0
            || self.uploads_at_once == 0
        {
            return Err("connections: every setting must be at least 1".into());
        }
        Ok(())
    }
}

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
    /// Introduction points (3 to 20, arti's range).
    pub num_intro_points: u8,
    /// Introduction requests per second the introduction points let through
    /// (`DOS_PARAMS`); unset lets each introduction point use the consensus default.
    pub intro_rate_per_second: Option<u32>,
    /// Burst allowed above that rate.
    pub intro_burst: Option<u32>,
    /// Streams one client circuit may open at once before it is closed.
    pub max_streams_per_circuit: u32,
    /// Onion-service proof of work (experimental in arti 0.47): publish `pow-params`,
    /// so that clients solve a puzzle when the service is flooded, and serve the
    /// introductions carrying the most work first.
    pub proof_of_work: bool,
    /// With `proof_of_work`: introductions waiting for a rendezvous at most (arti's
    /// `pow_rend_queue_depth`, a few KiB each); beyond it the least work is dropped.
    pub pow_queue_depth: usize,
    /// With `proof_of_work`: rendezvous circuits being set up at once; further
    /// introductions wait in the queue, most work first.
    pub pow_concurrent_rendezvous: usize,
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
            pow_queue_depth: 8192,
            pow_concurrent_rendezvous: 32,
        }
    }
}

impl OnionConfig {
    /// Checks the values, before anything starts.
    pub fn validate(&self) -> Result<(), String> {
        // arti refuses fewer than 3 (its default) or more than 20.
        if !(3..=20).contains(&self.num_intro_points) {
            return Err("onion.num_intro_points must be between 3 and 20".into());
        }
        if self.intro_rate_per_second.is_some() != self.intro_burst.is_some() {
            return Err("onion.intro_rate_per_second and onion.intro_burst go together".into());
        }
        if !(16..=65_536).contains(&self.pow_queue_depth) {
            return Err("onion.pow_queue_depth must be between 16 and 65536".into());
        }
        if !(1..=1024).contains(&self.pow_concurrent_rendezvous) {
            return Err("onion.pow_concurrent_rendezvous must be between 1 and 1024".into());
        }
        Ok(())
    }
}

/// Settings of the web site (`[web]` in the config file).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Accept the report form without JavaScript: the server then encrypts the report
    /// on receipt, in memory, and stores only the ciphertext.
    pub server_side_encryption: bool,
    /// The association's name, on the help page.
    pub association_name: String,
    /// How to reach the association, on the help page (left out while empty; a server
    /// with an onion service refuses to start without it).
    pub association_contact: String,
    /// Where the quick-exit button leads.
    pub exit_url: String,
    /// The title of every page, the same everywhere, so that a tab, the history or the
    /// phone's list of open apps says nothing of what she reads. The association may
    /// choose something unremarkable.
    pub page_title: String,
    /// The folder of the information pages (`<lang>/<slug>.md`); default: the
    /// `server/content` folder of the source tree this server was built from.
    pub content_dir: Option<std::path::PathBuf>,
}

impl WebConfig {
    /// The content folder in use.
    pub fn content_dir(&self) -> std::path::PathBuf {
        self.content_dir
            .clone()
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content"))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            server_side_encryption: true,
            association_name: "Jasmine".into(),
            association_contact: String::new(),
            exit_url: "https://www.google.com/search?q=meteo".into(),
            page_title: "Jasmine".into(),
            content_dir: None,
        }
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
        let no_contact = onion_only.validate().unwrap_err();
        assert!(no_contact.contains("association_contact"), "{no_contact}");
        onion_only.web.association_contact = "Signal +33 6 00 00 00 00".into();
        onion_only.validate().unwrap();
        // On a private test network, a contact is not required.
        onion_only.web.association_contact.clear();
        onion_only.onion.tor_network_config = Some("tor.toml".into());
        onion_only.validate().unwrap();
    }
}
