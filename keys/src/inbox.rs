//! The inbox folder of the online machine (`pull --inbox`, without the air gap): each
//! report as `<id>.age` beside `<id>.meta.json`, each mailbox message the same under
//! `messages/`. The ciphertext is written first: its meta file marks a complete entry.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use jasmine_client::envelope;
use jasmine_client::report::Report;
use jasmine_client::wire::{MessageFrom, PendingMessage, PendingReport};
use jasmine_client::Day;

use crate::files;
use crate::keyfiles::OfflineKeys;
use crate::opening;

/// Stores one pulled report (ciphertext first: the meta file marks a complete entry).
pub fn store_report(inbox: &Path, report: &PendingReport, ciphertext: &[u8]) -> Result<()> {
    let meta = serde_json::to_vec_pretty(report)?;
    // Ciphertext first: the meta file marks a complete entry.
    files::write_file(
        &inbox.join(format!("{}.age", report.id)),
        ciphertext,
        0o600,
        true,
    )?;
    files::write_file(
        &inbox.join(format!("{}.meta.json", report.id)),
        &meta,
        0o600,
        true,
    )
}

/// Stores a pulled report's attachments file, before its envelope and meta file.
pub fn store_attachments(inbox: &Path, id: &str, file: &[u8]) -> Result<()> {
    files::write_file(
        &inbox.join(format!("{id}.attachments.age")),
        file,
        0o600,
        true,
    )
}

/// A report's attachments file in an inbox, if it has one.
pub fn attachments_file(inbox: &Path, id: &str) -> Result<Option<Vec<u8>>> {
    if !jasmine_client::alert::is_alert_id(id) {
        bail!("'{id}' is not a report id (32 hex characters; see `jasmine-keys list`)");
    }
    let path = inbox.join(format!("{id}.attachments.age"));
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(files::read_file(&path)?))
}

/// The reports of an inbox, oldest first.
pub fn entries(inbox: &Path) -> Result<Vec<PendingReport>> {
    let mut entries = Vec::new();
    for item in std::fs::read_dir(inbox)
        .with_context(|| format!("cannot open inbox {}", inbox.display()))?
    {
        let path = item?.path();
        if path.to_string_lossy().ends_with(".meta.json") {
            let meta: PendingReport = serde_json::from_slice(&files::read_file(&path)?)
                .with_context(|| format!("{} is damaged", path.display()))?;
            entries.push(meta);
        }
    }
    entries.sort_by(|a, b| a.received_on.cmp(&b.received_on).then(a.id.cmp(&b.id)));
    Ok(entries)
}

/// Reads and decrypts a report from an inbox.
pub fn open_report(inbox: &Path, id: &str, key: &OfflineKeys) -> Result<Report> {
    if !jasmine_client::alert::is_alert_id(id) {
        bail!("'{id}' is not a report id (32 hex characters; see `jasmine-keys list`)");
    }
    let path = inbox.join(format!("{id}.age"));
    if !path.exists() {
        bail!(
            "no report {id} in {} (run `jasmine-keys pull` first)",
            inbox.display()
        );
    }
    let ciphertext = files::read_file(&path)?;
    key.try_each(|identity| envelope::open_report(&ciphertext, identity))
        .with_context(|| format!("report {id}"))
}

/// The folder of mailbox messages inside an inbox.
pub fn messages_dir(inbox: &Path) -> PathBuf {
    inbox.join("messages")
}

/// Stores one mailbox message (its attachments file and ciphertext first: the meta
/// file marks a complete entry).
pub fn store_message(
    inbox: &Path,
    meta: &PendingMessage,
    ciphertext: &[u8],
    attachments: Option<&[u8]>,
) -> Result<()> {
    let dir = messages_dir(inbox);
    if let Some(file) = attachments {
        files::write_file(
            &dir.join(format!("{}.attachments.age", meta.id)),
            file,
            0o600,
            true,
        )?;
    }
    files::write_file(
        &dir.join(format!("{}.age", meta.id)),
        ciphertext,
        0o600,
        true,
    )?;
    files::write_file(
        &dir.join(format!("{}.meta.json", meta.id)),
        &serde_json::to_vec_pretty(meta)?,
        0o600,
        true,
    )
}

/// A mailbox message's attachments file in an inbox, if it has one.
pub fn message_attachments_file(inbox: &Path, id: &str) -> Result<Option<Vec<u8>>> {
    if !jasmine_client::alert::is_alert_id(id) {
        bail!("'{id}' is not a message id (32 hex characters, as `show` lists it)");
    }
    let path = messages_dir(inbox).join(format!("{id}.attachments.age"));
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(files::read_file(&path)?))
}

/// Every message in the inbox that opens with the moderator's keys and checks against
/// `trust`, grouped by mailbox, oldest first (by day; within a day, in the order they
/// were stored).
pub fn conversations(
    inbox: &Path,
    keys: &OfflineKeys,
    trust: &opening::Trust,
) -> Result<crate::opening::Conversations> {
    let dir = messages_dir(inbox);
    let mut found: Vec<(Day, std::time::SystemTime, String, MessageFrom, Vec<u8>)> = Vec::new();
    if dir.exists() {
        for item in
            std::fs::read_dir(&dir).with_context(|| format!("cannot open {}", dir.display()))?
        {
            let path = item?.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.ends_with(".age") && !name.ends_with(".attachments.age") {
                let meta_path = path.with_extension("meta.json");
                let Ok(meta_bytes) = std::fs::read(&meta_path) else {
                    continue; // incomplete entry
                };
                let meta: PendingMessage = serde_json::from_slice(&meta_bytes)
                    .with_context(|| format!("{} is damaged", meta_path.display()))?;
                let stored = std::fs::metadata(&meta_path)?.modified()?;
                found.push((
                    meta.posted_on,
                    stored,
                    meta.id,
                    meta.from,
                    files::read_file(&path)?,
                ));
            }
        }
    }
    found.sort_by_key(|entry| (entry.0, entry.1));
    let (by_mailbox, unreadable) = opening::conversations(
        found
            .into_iter()
            .map(|(_, _, id, from, ciphertext)| (id, Some(from), ciphertext)),
        keys,
        trust,
    );
    crate::display::warn_skipped(&unreadable);
    Ok(by_mailbox)
}
