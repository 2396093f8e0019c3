//! The two files that cross the air gap between a moderator's online and offline
//! machines (`docs/MODERATION.md`).
//!
//! - An **inbox file** (online → offline) holds report and mailbox-message
//!   ciphertexts exactly as the server stored them.
//! - An **outbox file** (offline → online) holds what the offline machine decided:
//!   signed alerts and retractions, sealed replies, and the acknowledgements that let
//!   the server delete reports once they are safe on the offline machine.
//!
//! Both are one JSON object, self-describing (`"jasmine": "inbox"` / `"outbox"`,
//! `"version": 1`), bound to an organisation by its root public key, named by a random
//! `file_id` (so a file is taken only once), and closed by `"sha256"`, the hash of the
//! canonical JSON (RFC 8785) of every other member. A file that is damaged, of another
//! kind or version, meant for another organisation, or already taken is refused with
//! a message that says what to do. Nothing in either file is plaintext.

use std::path::Path;

use anyhow::{bail, Context, Result};
use jasmine_client::keys::PublicKey;
use jasmine_client::wire::MessageFrom;
use jasmine_client::Day;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::files;

/// The file format version this tool writes and reads.
pub const VERSION: u32 = 1;

/// A report ciphertext in an inbox file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxReport {
    /// Report id on the server.
    pub id: String,
    /// Day received.
    pub received_on: Day,
    /// Key bundle version it was accepted under.
    pub bundle_version: u64,
    /// The age file, standard base64.
    pub ciphertext: String,
}

/// A mailbox message ciphertext in an inbox file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxMessage {
    /// Message id on the server.
    pub id: String,
    /// Day posted.
    pub posted_on: Day,
    /// Who posted it.
    pub from: MessageFrom,
    /// Key bundle version it was accepted under.
    pub bundle_version: u64,
    /// The age file, standard base64.
    pub ciphertext: String,
}

/// Online → offline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inbox {
    /// Always `"inbox"`.
    pub jasmine: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// Random id of this file (32 hex).
    pub file_id: String,
    /// The organisation's root public key.
    pub organisation_key: PublicKey,
    /// The moderator whose API key pulled it.
    pub moderator: String,
    /// Day written.
    pub created_on: Day,
    /// Report ciphertexts.
    pub reports: Vec<InboxReport>,
    /// Mailbox message ciphertexts.
    pub messages: Vec<InboxMessage>,
    /// The published alerts (public, verified on the online machine), so that the
    /// offline desk can match new reports against them.
    #[serde(default)]
    pub alerts: Vec<jasmine_client::alert::Alert>,
}

/// A sealed reply in an outbox file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxReply {
    /// Random id of this item (so a retried publication does not post it twice).
    pub item_id: String,
    /// The report it answers (for the moderator's records).
    pub report_id: String,
    /// The mailbox id.
    pub mailbox: String,
    /// The sealed reply, standard base64.
    pub ciphertext: String,
}

/// What the offline machine hands over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgements {
    /// Reports now kept on the offline machine.
    pub reports: Vec<String>,
    /// Mailbox messages now kept on the offline machine.
    pub messages: Vec<String>,
}

/// Offline → online.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    /// Always `"outbox"`.
    pub jasmine: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// Random id of this file (32 hex).
    pub file_id: String,
    /// The organisation's root public key.
    pub organisation_key: PublicKey,
    /// The moderator who wrote it.
    pub moderator: String,
    /// Day written.
    pub created_on: Day,
    /// Signed alerts, as signed.
    pub alerts: Vec<Value>,
    /// Signed retractions, as signed.
    pub retractions: Vec<Value>,
    /// Sealed replies.
    pub replies: Vec<OutboxReply>,
    /// Acknowledgements, sent last.
    pub acknowledge: Acknowledgements,
}

/// A fresh file id.
pub fn new_file_id() -> String {
    jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng)
}

fn checksum(value: &Value) -> Result<String> {
    let canonical = jasmine_client::canonical::to_canonical_bytes(value)?;
    Ok(hex::encode(Sha256::digest(canonical)))
}

/// Writes `content` with its checksum (refusing to overwrite).
pub fn write<T: Serialize>(path: &Path, content: &T) -> Result<()> {
    let mut value = serde_json::to_value(content)?;
    let sum = checksum(&value)?;
    value["sha256"] = Value::String(sum);
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    files::write_file(path, &bytes, 0o600, false)
}

/// Reads a file of `kind` ("inbox" or "outbox"), checking kind, version, checksum and
/// organisation. Replays are the caller's to check (by `file_id`).
pub fn read<T: for<'de> Deserialize<'de>>(
    path: &Path,
    kind: &str,
    organisation: &PublicKey,
) -> Result<T> {
    let shown = path.display();
    let bytes = files::read_file(path)?;
    let damaged = || {
        format!(
            "{shown} is damaged (not the file that was written); copy it again from the other machine"
        )
    };
    let mut value = jasmine_client::canonical::parse_strict(&bytes, "file")
        .map_err(|_| anyhow::anyhow!(damaged()))?;
    let Some(object) = value.as_object_mut() else {
        bail!(damaged());
    };
    match object.get("jasmine").and_then(Value::as_str) {
        Some(k) if k == kind => {}
        Some(other) => bail!("{shown} is an {other} file, not an {kind} file"),
        None => bail!("{shown} is not a Jasmine {kind} file"),
    }
    match object.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => bail!(
            "{shown} is an {kind} file of version {v}; this jasmine-keys reads version {VERSION}: use the same version on both machines"
        ),
        None => bail!(damaged()),
    }
    let Some(Value::String(sum)) = object.remove("sha256") else {
        bail!(damaged());
    };
    if checksum(&value)? != sum {
        bail!(damaged());
    }
    if value.get("organisation_key").and_then(Value::as_str) != Some(&organisation.to_base64()) {
        bail!(
            "{shown} is meant for another organisation (its root key is not {}); nothing was taken",
            organisation.to_base64()
        );
    }
    serde_json::from_value(value).with_context(damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inbox(org: &PublicKey) -> Inbox {
        Inbox {
            jasmine: "inbox".into(),
            version: VERSION,
            file_id: new_file_id(),
            organisation_key: *org,
            moderator: "alice".into(),
            created_on: Day::parse("2026-11-29").unwrap(),
            reports: vec![InboxReport {
                id: "ab".repeat(16),
                received_on: Day::parse("2026-11-28").unwrap(),
                bundle_version: 1,
                ciphertext: "YWdl".into(),
            }],
            messages: vec![],
            alerts: vec![],
        }
    }

    #[test]
    fn files_read_back_and_fail_when_damaged_foreign_or_of_another_kind() {
        let dir = tempfile::tempdir().unwrap();
        let org = PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[1; 32]));
        let other = PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[2; 32]));
        let path = dir.path().join("inbox.jasmine");
        let written = inbox(&org);
        write(&path, &written).unwrap();
        assert_eq!(read::<Inbox>(&path, "inbox", &org).unwrap(), written);
        assert!(read::<Inbox>(&path, "inbox", &other)
            .unwrap_err()
            .to_string()
            .contains("another organisation"));
        assert!(read::<Outbox>(&path, "outbox", &org)
            .unwrap_err()
            .to_string()
            .contains("not an outbox file"));
        let text = std::fs::read_to_string(&path).unwrap();
        for damage in [
            text.replace("2026-11-28", "2026-11-27"),
            text[..text.len() / 2].to_string(),
            text.replace("\"version\": 1", "\"version\": 2"),
        ] {
            std::fs::write(&path, damage).unwrap();
            let error = read::<Inbox>(&path, "inbox", &org).unwrap_err().to_string();
            assert!(
                error.contains("damaged") || error.contains("version 2"),
                "{error}"
            );
        }
        assert!(write(&path, &written)
            .unwrap_err()
            .to_string()
            .contains("already exists"));
    }
}
