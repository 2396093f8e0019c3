//! What every request shares: storage, the pinned root key, the key bundles (the
//! current one and every earlier one, to know who could read an old report), and
//! the replay guard of the moderator API.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use bytes::Bytes;
use jasmine_client::alert;
use jasmine_client::bundle::{self, KeyBundle};
use jasmine_client::keys::PublicKey;
use jasmine_client::Day;

use crate::auth::ReplayGuard;
use crate::config::Config;
use crate::error::ApiError;
use crate::storage::{Storage, WriteOp};

/// The bundle being served.
#[derive(Clone)]
pub struct CurrentBundle {
    /// Its content.
    pub bundle: Arc<KeyBundle>,
    /// The signed JSON, served as is.
    pub signed_json: Bytes,
}

#[derive(Default)]
struct Bundles {
    current: Option<CurrentBundle>,
    by_version: BTreeMap<u64, Arc<KeyBundle>>,
}

/// Shared state of the app.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    storage: Storage,
    root: PublicKey,
    bundles: RwLock<Bundles>,
    replay: ReplayGuard,
    catalog: crate::site::i18n::Catalog,
    content: crate::site::content::Content,
    web: crate::config::WebConfig,
    mailbox: crate::config::MailboxConfig,
    admission: crate::admission::Admission,
    connections: crate::config::ConnectionConfig,
    /// Places for bodies with images being read and stored
    /// (`connections.uploads_at_once`).
    uploads: Arc<tokio::sync::Semaphore>,
    onion_address: std::sync::OnceLock<String>,
    compact_interval_secs: u64,
    form_tokens: crate::once::FormTokens,
    check_key: jasmine_client::oprf::CheckKey,
    /// (generation, body): the generation counts the list's changes, so that a body
    /// built from a read that a change overtook is not kept.
    checklist: RwLock<(u64, Option<CheckListBody>)>,
    /// The operator's counters (`GET /metrics` on the loopback listener).
    metrics: crate::metrics::Metrics,
    /// The onion service's state as arti last said it (`not_started` until launched).
    onion_state: std::sync::Mutex<&'static str>,
    /// The storage budgets and `max_stored_bytes`, for the metrics.
    budgets: (crate::config::BudgetConfig, u64),
}

/// The check list's response body as last built, with its `ETag`.
#[derive(Clone)]
pub struct CheckListBody {
    /// `"<hex>"`.
    pub etag: String,
    /// `{"entries": […]}`.
    pub json: Bytes,
}

impl AppState {
    /// Builds the state, loading every stored bundle (each must verify against `root`).
    pub async fn load(
        storage: Storage,
        root: PublicKey,
        config: &Config,
    ) -> Result<AppState, String> {
        let rows: Vec<(i64, Vec<u8>)> = storage
            .read(|c| {
                let mut stmt =
                    c.prepare("SELECT version, signed_json FROM bundles ORDER BY version")?;
                let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect()
            })
            .await
            .map_err(|e| e.to_string())?;
        let mut bundles = Bundles::default();
        for (version, json) in rows {
            let verified = bundle::verify_bundle_signature(&json, &root).map_err(|e| {
                format!(
                    "stored key bundle {version} does not verify against the pinned root key: {e}"
                )
            })?;
            let verified = Arc::new(verified);
            bundles
                .by_version
                .insert(verified.version, verified.clone());
            bundles.current = Some(CurrentBundle {
                bundle: verified,
                signed_json: Bytes::from(json),
            });
        }
        Ok(AppState {
            inner: Arc::new(Inner {
                storage,
                root,
                bundles: RwLock::new(bundles),
                replay: ReplayGuard::new(config.api_clock_window_secs),
                catalog: crate::site::i18n::Catalog::load()?,
                content: crate::site::content::Content::load(&config.web.content_dir())?,
                web: config.web.clone(),
                mailbox: config.mailbox.clone(),
                admission: crate::admission::Admission::new(&config.admission),
                connections: config.connections.clone(),
                uploads: Arc::new(tokio::sync::Semaphore::new(
                    config.connections.uploads_at_once,
                )),
                onion_address: std::sync::OnceLock::new(),
                compact_interval_secs: config.compact_interval_secs,
                form_tokens: crate::once::FormTokens::default(),
                check_key: crate::check_key::load_or_create(&config.data_dir)?,
                checklist: RwLock::new((0, None)),
                metrics: crate::metrics::Metrics::default(),
                onion_state: std::sync::Mutex::new("not_started"),
                budgets: (config.budgets.clone(), config.max_stored_bytes),
            }),
        })
    }

    /// The operator's counters.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.inner.metrics
    }

    /// The onion service's state (`jasmine_client::wire::OnionStatus::state`).
    pub fn onion_state(&self) -> &'static str {
        *self.inner.onion_state.lock().expect("onion state")
    }

    /// Records the onion service's state; whether it changed.
    pub fn set_onion_state(&self, state: &'static str) -> bool {
        let mut current = self.inner.onion_state.lock().expect("onion state");
        let changed = *current != state;
        *current = state;
        changed
    }

    /// The storage budgets and `max_stored_bytes`.
    pub fn budgets(&self) -> &(crate::config::BudgetConfig, u64) {
        &self.inner.budgets
    }

    /// Upload places in use, and how many there are.
    pub fn upload_places(&self) -> (usize, usize) {
        let total = self.inner.connections.uploads_at_once;
        (
            total - self.inner.uploads.available_permits().min(total),
            total,
        )
    }

    /// Storage.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// The information pages.
    pub fn content(&self) -> &crate::site::content::Content {
        &self.inner.content
    }

    /// The site's messages in every language.
    pub fn catalog(&self) -> &crate::site::i18n::Catalog {
        &self.inner.catalog
    }

    /// The reply mailboxes' settings.
    pub fn mailbox_config(&self) -> &crate::config::MailboxConfig {
        &self.inner.mailbox
    }

    /// Admission control: puzzles and the no-JS budgets.
    pub fn admission(&self) -> &crate::admission::Admission {
        &self.inner.admission
    }

    /// Connection limits and timeouts.
    pub fn connections(&self) -> &crate::config::ConnectionConfig {
        &self.inner.connections
    }

    /// A place for reading and storing one body with images, if one is free now.
    pub fn upload_place(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.inner.uploads.clone().try_acquire_owned().ok()
    }

    /// The web site's settings.
    pub fn web(&self) -> &crate::config::WebConfig {
        &self.inner.web
    }

    /// The pinned root key.
    pub fn root(&self) -> &PublicKey {
        &self.inner.root
    }

    /// The onion address this server publishes, once the onion service is launched.
    pub fn onion_address(&self) -> Option<&str> {
        self.inner.onion_address.get().map(String::as_str)
    }

    /// Records the onion address (once; later calls are ignored).
    pub fn set_onion_address(&self, address: &str) {
        let _ = self.inner.onion_address.set(address.to_ascii_lowercase());
    }

    /// The single-use tokens of the forms without JavaScript.
    pub fn form_tokens(&self) -> &crate::once::FormTokens {
        &self.inner.form_tokens
    }

    /// Seconds between two compactions of the database.
    pub fn compact_interval_secs(&self) -> u64 {
        self.inner.compact_interval_secs
    }

    /// The check key (secret).
    pub fn check_key(&self) -> &jasmine_client::oprf::CheckKey {
        &self.inner.check_key
    }

    /// The check list's body as last built if nothing changed it since; otherwise the
    /// generation to pass to [`AppState::cache_checklist`] with the body built now.
    pub fn cached_checklist(&self) -> Result<CheckListBody, u64> {
        let cache = self.inner.checklist.read().expect("checklist lock");
        cache.1.clone().ok_or(cache.0)
    }

    /// Keeps the check list's body, built after [`AppState::cached_checklist`] gave
    /// `generation`, unless the list changed meanwhile.
    pub fn cache_checklist(&self, generation: u64, body: CheckListBody) {
        let mut cache = self.inner.checklist.write().expect("checklist lock");
        if cache.0 == generation {
            cache.1 = Some(body);
        }
    }

    /// Forgets the cached check list: after every write that may change it.
    pub fn checklist_changed(&self) {
        let mut cache = self.inner.checklist.write().expect("checklist lock");
        *cache = (cache.0 + 1, None);
    }

    /// The replay guard of the moderator API.
    pub fn replay_guard(&self) -> &ReplayGuard {
        &self.inner.replay
    }

    /// The current bundle, if any was ever installed.
    pub fn current_bundle(&self) -> Option<CurrentBundle> {
        self.inner
            .bundles
            .read()
            .expect("bundle lock")
            .current
            .clone()
    }

    /// The current bundle, verified against the root key for `today`, for the pages that
    /// encrypt on the server (no-JS report form and replies); the reason when there is
    /// none or it does not verify.
    pub fn verified_bundle(&self, today: Day) -> Result<bundle::VerifiedBundle, String> {
        let current = self.current_bundle().ok_or("no key bundle")?;
        bundle::verify_bundle(&current.signed_json, self.root(), today, None)
            .map_err(|e| e.to_string())
    }

    /// The current bundle, or 503 when the organisation has not installed one.
    pub fn require_bundle(&self) -> Result<CurrentBundle, ApiError> {
        self.current_bundle().ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "no_key_bundle",
                "this server has no key bundle yet; the organisation must upload one (PUT /v1/keys)",
            )
        })
    }

    /// The bundle of a given version.
    pub fn bundle_version(&self, version: u64) -> Option<Arc<KeyBundle>> {
        self.inner
            .bundles
            .read()
            .expect("bundle lock")
            .by_version
            .get(&version)
            .cloned()
    }

    /// Checks every stored alert and retraction against the current bundle and hides
    /// those that no longer verify (a revoked key's, say), showing again any that do:
    /// at start and after every bundle install. Returns how many are hidden.
    pub async fn reverify_published(&self) -> Result<(usize, usize), ApiError> {
        let Some(current) = self.current_bundle() else {
            return Ok((0, 0));
        };
        // (id of the alert, signed JSON) of every stored alert, then retraction.
        type Stored = Vec<(String, String)>;
        let (alerts, retractions): (Stored, Stored) = self
            .storage()
            .read(|c| {
                let mut stmt = c.prepare("SELECT id, signed_json FROM alerts")?;
                let alerts = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut stmt = c.prepare("SELECT alert_id, signed_json FROM retractions")?;
                let retractions = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                Ok((alerts, retractions))
            })
            .await?;
        let bundle = current.bundle.clone();
        let hidden_alerts: Vec<String> = alerts
            .into_iter()
            .filter(|(_, json)| alert::verify_alert(json.as_bytes(), &bundle).is_err())
            .map(|(id, _)| id)
            .collect();
        let hidden_retractions: Vec<String> = retractions
            .into_iter()
            .filter(|(_, json)| alert::verify_retraction(json.as_bytes(), &bundle).is_err())
            .map(|(id, _)| id)
            .collect();
        let counts = (hidden_alerts.len(), hidden_retractions.len());
        self.checklist_changed();
        self.storage()
            .write(WriteOp::SetHidden {
                alerts: hidden_alerts,
                retractions: hidden_retractions,
            })
            .await?;
        if counts != (0, 0) {
            tracing::warn!(
                "{} alert(s) and {} retraction(s) no longer verify against key bundle {}: hidden",
                counts.0,
                counts.1,
                bundle.version
            );
        }
        Ok(counts)
    }

    /// The versions of the bundles (every one stored, loaded at start or installed
    /// since) that list `moderator`.
    pub fn versions_listing(&self, moderator: &str) -> Vec<u64> {
        self.inner
            .bundles
            .read()
            .expect("bundle lock")
            .by_version
            .iter()
            .filter(|(_, bundle)| bundle.moderator(moderator).is_some())
            .map(|(version, _)| *version)
            .collect()
    }

    /// Verifies and installs a signed bundle that is newer than the current one.
    pub async fn install_bundle(&self, signed_json: Bytes, today: Day) -> Result<u64, ApiError> {
        let current_version = self.current_bundle().map(|c| c.bundle.version);
        let verified =
            bundle::verify_bundle(&signed_json, &self.inner.root, today, current_version).map_err(
                |e| {
                    let code = match e {
                        jasmine_client::Error::BadSignature(_) => "bad_signature",
                        jasmine_client::Error::BundleExpired { .. } => "bundle_expired",
                        jasmine_client::Error::BundleRollback { .. } => "bundle_rollback",
                        jasmine_client::Error::BundleNotYetValid { .. } => "bundle_not_yet_valid",
                        _ => "malformed_bundle",
                    };
                    ApiError::bad_request(code, e.to_string())
                },
            )?;
        let version = verified.version();
        if current_version.is_some_and(|v| v >= version) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "bundle_not_newer",
                format!(
                    "version {version} is not newer than the current version {}",
                    current_version.unwrap_or_default()
                ),
            ));
        }
        self.storage()
            .write(WriteOp::PutBundle {
                version,
                signed_json: signed_json.to_vec(),
            })
            .await?;
        let content = Arc::new(verified.bundle().clone());
        {
            let mut bundles = self.inner.bundles.write().expect("bundle lock");
            bundles.by_version.insert(version, content.clone());
            if bundles
                .current
                .as_ref()
                .is_none_or(|c| c.bundle.version < version)
            {
                bundles.current = Some(CurrentBundle {
                    bundle: content,
                    signed_json,
                });
            }
        }
        tracing::info!("key bundle version {version} installed");
        self.reverify_published().await?;
        Ok(version)
    }
}
