//! The Jasmine server. It stores report ciphertexts it cannot read, serves the key
//! bundle and the signed alert feed, and answers the signed moderator API.
//!
//! [`app`] builds the whole HTTP surface from an [`AppState`]; [`serve`] runs it on a
//! loopback listener. Nothing here logs an IP address, a user agent, a report id or a
//! time finer than a day.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod admission;
mod app;
pub mod auth;
pub mod backup;
pub mod check_key;
pub mod config;
pub mod error;
pub mod metrics;
pub mod once;
#[cfg(feature = "onion")]
pub mod onion;
pub mod ownership;
pub mod published;
pub mod routes;
pub mod serve;
pub mod site;
pub mod state;
pub mod storage;
pub mod upload;
pub mod web;

pub use app::{app, API_ROUTES};
pub use config::Config;
pub use state::AppState;

use std::path::Path;

use jasmine_client::Day;
use storage::{Storage, StorageConfig, WriteOp};

/// File name of the database inside the data directory.
pub const DATABASE_FILE: &str = "jasmine.sqlite3";
/// File name of the onion address inside the data directory.
pub const ONION_ADDRESS_FILE: &str = "onion-address";
/// Where arti keeps the onion service's key, under Tor's folder (its state folder's
/// keystore).
pub const KEYSTORE_DIR: &str = "state/keystore";

/// Creates the data directory (0700), opens storage, loads bundles, imports the
/// configured bundle file if newer.
pub async fn open_state(config: &Config) -> Result<AppState, String> {
    config.validate()?;
    let root = config.pinned_root()?;
    prepare_data_dir(&config.data_dir)?;
    let storage = Storage::open(&StorageConfig {
        path: config.data_dir.join(DATABASE_FILE),
        queue_capacity: config.write_queue,
        max_stored_bytes: config.max_stored_bytes,
        budgets: config.budgets.clone(),
        readers: config.readers,
    })?;
    let state = AppState::load(storage, root, config).await?;
    if let Some(path) = &config.bundle_file {
        let json = std::fs::read(path)
            .map_err(|e| format!("cannot read bundle file {}: {e}", path.display()))?;
        let current = state.current_bundle().map(|c| c.bundle.version);
        let offered = jasmine_client::bundle::verify_bundle_signature(&json, &root)
            .map_err(|e| format!("bundle file {}: {e}", path.display()))?;
        if current.is_none_or(|v| offered.version > v) {
            state
                .install_bundle(json.into(), Day::today_utc())
                .await
                .map_err(|e| format!("bundle file {}: {e:?}", path.display()))?;
        }
    }
    state
        .reverify_published()
        .await
        .map_err(|e| format!("cannot check the published alerts: {e:?}"))?;
    Ok(state)
}

/// The public half of the check key in `config`'s data folder (created with the
/// folder if there is none yet), base64: what the key bundle must name.
pub fn check_public_key(config: &Config) -> Result<String, String> {
    prepare_data_dir(&config.data_dir)?;
    Ok(check_key::load_or_create(&config.data_dir)?
        .public_key()
        .to_base64())
}

fn prepare_data_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    if !dir.exists() {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create data directory {}: {e}", dir.display()))?;
    }
    let mode = std::fs::metadata(dir)
        .map_err(|e| format!("data directory {}: {e}", dir.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        tracing::warn!(
            "data directory {} is readable by other users (mode {:o}); chmod 700 it",
            dir.display(),
            mode & 0o777
        );
    }
    Ok(())
}

/// Deletes reports older than the current bundle's retention and mailboxes inactive
/// for longer than `mailbox.expiry_days`, now and then hourly; compacts the database
/// every `compact_interval_secs`.
pub fn spawn_retention(state: AppState) {
    spawn_compaction(state.clone());
    tokio::spawn(async move {
        loop {
            if let Some(current) = state.current_bundle() {
                let days = i64::from(current.bundle.limits.retention_days);
                let first_kept = Day::today_utc().add_days(-days);
                match state
                    .storage()
                    .write(WriteOp::PurgeReceivedBefore { day: first_kept })
                    .await
                {
                    Ok(storage::WriteOutcome::Purged(n)) if n > 0 => {
                        tracing::info!("retention: {n} expired reports deleted")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!("retention pass failed: {e}"),
                }
            }
            let days = i64::from(state.mailbox_config().expiry_days);
            match state
                .storage()
                .write(WriteOp::PurgeMailboxesInactiveBefore {
                    day: Day::today_utc().add_days(-days),
                })
                .await
            {
                Ok(storage::WriteOutcome::Purged(n)) if n > 0 => {
                    tracing::info!("retention: {n} inactive mailboxes deleted")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("mailbox expiry pass failed: {e}"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    });
}

/// Compacts the database every `compact_interval_secs` (see [`WriteOp::Compact`]).
fn spawn_compaction(state: AppState) {
    let every = std::time::Duration::from_secs(state.compact_interval_secs());
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            match state.storage().write(WriteOp::Compact).await {
                Ok(storage::WriteOutcome::Compacted(true)) => {
                    tracing::debug!("database compacted")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("compaction did not complete: {e}"),
            }
        }
    });
}

/// Serves `app(state)` on `listener`, under the connection limits, until Ctrl-C or
/// SIGTERM.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let limits = state.connections().clone();
    serve::serve_tcp(listener, app(state), &limits, shutdown_signal()).await
}

/// Waits for Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
