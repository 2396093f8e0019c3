//! The highest key bundle version this client has accepted, per root key, so that a
//! server cannot roll it back to an older bundle (with a removed moderator in it).

use std::path::PathBuf;

use anyhow::{Context, Result};
use jasmine_client::keys::PublicKey;
use sha2::{Digest, Sha256};

/// The client's state folder: the one given, or `$XDG_STATE_HOME/jasmine`, or
/// `~/.local/state/jasmine`.
pub fn state_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir);
    }
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
        .context("no state folder: give --state-dir")?;
    Ok(base.join("jasmine"))
}

pub struct SeenVersions {
    path: PathBuf,
}

impl SeenVersions {
    pub fn open(dir: Option<PathBuf>, root: &PublicKey) -> Result<SeenVersions> {
        let dir = match dir {
            Some(d) => d,
            None => {
                let base = std::env::var_os("XDG_STATE_HOME")
                    .map(PathBuf::from)
                    .or_else(|| {
                        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state"))
                    })
                    .context("no state folder: give --state-dir")?;
                base.join("jasmine")
            }
        };
        let name = hex::encode(&Sha256::digest(root.0.as_bytes())[..8]);
        Ok(SeenVersions {
            path: dir.join(format!("bundle-version-{name}")),
        })
    }

    pub fn highest(&self) -> Option<u64> {
        std::fs::read_to_string(&self.path)
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    pub fn record(&self, version: u64) -> Result<()> {
        if self.highest().is_some_and(|v| v >= version) {
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&self.path, format!("{version}\n"))
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}
