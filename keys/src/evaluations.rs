//! The online machine's state folder (`$XDG_STATE_HOME/jasmine-keys`, or `--state-dir`)
//! and what waits there for the next inbox file: the server's evaluations of the
//! desk's blinded identifiers, fetched by `publish` and carried by `pull --out`
//! (`check-evaluations.json`, 0600). Blinded, they say nothing of the identifiers.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::airgap::InboxCheckEvaluation;
use crate::files;

const FILE: &str = "check-evaluations.json";

/// The state folder: the one given, or `$XDG_STATE_HOME/jasmine-keys`, or
/// `~/.local/state/jasmine-keys`.
pub fn state_dir(given: Option<PathBuf>) -> Result<PathBuf> {
    match given {
        Some(dir) => Ok(dir),
        None => Ok(std::env::var_os("XDG_STATE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
            .context("no state folder: give --state-dir")?
            .join("jasmine-keys")),
    }
}

/// The evaluations waiting in `dir`.
pub fn waiting(dir: &Path) -> Result<Vec<InboxCheckEvaluation>> {
    let path = dir.join(FILE);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Adds evaluations (a newer one of the same item replaces the older).
pub fn add(dir: &Path, new: Vec<InboxCheckEvaluation>) -> Result<()> {
    let mut all = waiting(dir)?;
    all.retain(|old| !new.iter().any(|n| n.item_id == old.item_id));
    all.extend(new);
    write(dir, &all)
}

/// Removes the evaluations now carried by an inbox file.
pub fn remove(dir: &Path, carried: &[InboxCheckEvaluation]) -> Result<()> {
    let mut all = waiting(dir)?;
    all.retain(|e| !carried.contains(e));
    write(dir, &all)
}

fn write(dir: &Path, all: &[InboxCheckEvaluation]) -> Result<()> {
    files::write_file(
        &dir.join(FILE),
        &serde_json::to_vec_pretty(all)?,
        0o600,
        true,
    )
}
