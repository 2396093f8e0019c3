//! The two files that cross the air gap between a moderator's online and offline
//! machines (`docs/MODERATION.md`).
//!
//! - An **inbox file** (online → offline) holds report and mailbox-message
//!   ciphertexts exactly as the server stored them, the published alerts as signed,
//!   and the key bundle as the server serves it (signed by the root key).
//! - An **outbox file** (offline → online) holds what the offline machine decided:
//!   signed alerts and retractions, sealed replies, blinded identifiers for the check
//!   list and signed check-list entries, and the acknowledgements that let the server
//!   delete reports once they are safe on the offline machine. The inbox file brings
//!   back the server's evaluations of the blinded identifiers.
//!
//! Both are one JSON object, self-describing (`"jasmine": "inbox"` / `"outbox"`,
//! `"version": 2`), bound to an organisation by its root public key, named by a random
//! `file_id` (so a file is taken only once), **signed** (`"signature"`, Ed25519 over the
//! canonical JSON (RFC 8785) of every member but `signature` and `sha256`: an inbox
//! file by the moderator's API key, domain `jasmine/inbox/v1`; an outbox file by the
//! moderator's alert key, domain `jasmine/outbox/v1`), and closed by `"sha256"`, the
//! hash of the canonical JSON of every other member. A file that is damaged, unsigned,
//! of another kind or version, meant for another organisation, or already taken is
//! refused with a message that says what to do; whose key must have signed it is the
//! caller's to say ([`Signed::verify`]). Nothing in either file is plaintext.

use std::path::Path;

use anyhow::{bail, Context, Result};
use ed25519_dalek::SigningKey;
use jasmine_client::keys::{self, Domain, PublicKey};
use jasmine_client::wire::MessageFrom;
use jasmine_client::Day;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::files;

/// The file format version this tool writes and reads (1 was unsigned).
pub const VERSION: u32 = 2;

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
    /// Its attachments file (`docs/PROTOCOL.md` §4.12), standard base64, when it has
    /// one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<String>,
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
    /// Its attachments file (an answer's images, `docs/PROTOCOL.md` §4.12), standard
    /// base64, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<String>,
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
    /// The key bundle as the server serves it (`{"bundle": …, "signature": …}`,
    /// signed by the root key), so that the desk can check this file and its alerts.
    pub bundle: Value,
    /// The published alerts as signed (`{"alert": …, "signature": …}`), so that the
    /// offline desk can match new reports against them once it has verified them.
    pub alerts: Vec<Value>,
    /// The server's evaluations of the desk's blinded identifiers (sent with an
    /// earlier outbox file), for the check list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_evaluations: Vec<InboxCheckEvaluation>,
}

/// The server's evaluation of one blinded identifier, with its proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxCheckEvaluation {
    /// The desk's item id of the blinded identifier.
    pub item_id: String,
    /// The evaluated element, standard base64.
    pub evaluated: String,
    /// The proof, standard base64.
    pub proof: String,
}

/// A blinded identifier in an outbox file, for the server to evaluate: the
/// identifier itself never leaves the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutboxCheckRequest {
    /// Random id the desk chose (32 hex).
    pub item_id: String,
    /// The blinded element, standard base64.
    pub blinded: String,
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
    /// Blinded identifiers for the check list, for the server to evaluate (the
    /// evaluations come back in the next inbox file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_requests: Vec<OutboxCheckRequest>,
    /// Signed check-list entries (`{"entry": …, "signature": …}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_entries: Vec<Value>,
    /// Acknowledgements, sent last.
    pub acknowledge: Acknowledgements,
}

/// A fresh file id.
pub fn new_file_id() -> String {
    jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng)
}

/// The `sha256` member of a file: SHA-256 of the canonical JSON of everything else.
pub fn checksum(value: &Value) -> Result<String> {
    let canonical = jasmine_client::canonical::to_canonical_bytes(value)?;
    Ok(hex::encode(Sha256::digest(canonical)))
}

/// The signature domain of a file of `kind`.
fn domain(kind: &str) -> Domain {
    if kind == "inbox" {
        Domain::Inbox
    } else {
        Domain::Outbox
    }
}

/// Writes `content`, signed with `key` (the API key for an inbox file, the alert key
/// for an outbox file), with its checksum (refusing to overwrite).
pub fn write<T: Serialize>(path: &Path, content: &T, key: &SigningKey) -> Result<()> {
    let mut value = serde_json::to_value(content)?;
    let kind = value["jasmine"].as_str().unwrap_or_default().to_string();
    let signature = keys::sign(domain(&kind), key, &value)?;
    value["signature"] = Value::String(signature);
    let sum = checksum(&value)?;
    value["sha256"] = Value::String(sum);
    let mut bytes = serde_json::to_vec_pretty(&value)?;
    bytes.push(b'\n');
    files::write_file(path, &bytes, 0o600, false)
}

/// A file read back, whose signature is still to be checked with [`Signed::verify`].
pub struct Signed<T> {
    /// What it holds.
    pub content: T,
    kind: String,
    body: Value,
    signature: String,
}

impl<T> Signed<T> {
    /// Checks the signature against any of `keys` (the signer's keys, current first);
    /// `Err` says the file was changed or signed by another key.
    pub fn verify(&self, keys: &[PublicKey]) -> Result<()> {
        let domain = domain(&self.kind);
        if keys
            .iter()
            .any(|key| keys::verify(domain, key, &self.body, &self.signature, "file").is_ok())
        {
            Ok(())
        } else {
            bail!("bad signature")
        }
    }
}

/// Reads a file of `kind` ("inbox" or "outbox"), checking kind, version, checksum and
/// organisation. The signature ([`Signed::verify`]) and replays (by `file_id`) are the
/// caller's to check.
pub fn read<T: for<'de> Deserialize<'de>>(
    path: &Path,
    kind: &str,
    organisation: &PublicKey,
) -> Result<Signed<T>> {
    let bytes = files::read_file(path)?;
    read_bytes(&bytes, &path.display().to_string(), kind, organisation)
}

/// [`read`] of a file's bytes (`shown` names it in messages): also what the fuzz
/// targets call.
pub fn read_bytes<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    shown: &str,
    kind: &str,
    organisation: &PublicKey,
) -> Result<Signed<T>> {
    let damaged = || {
        format!(
            "{shown} is damaged (not the file that was written); copy it again from the other machine"
        )
    };
    let mut value = jasmine_client::canonical::parse_strict(bytes, "file")
        .map_err(|_| anyhow::anyhow!(damaged()))?;
    let Some(object) = value.as_object_mut() else {
        bail!(damaged());
    };
    match object.get("jasmine").and_then(Value::as_str) {
        Some(k) if k == kind => {}
        Some(other) => bail!("{shown} is an {other} file, not an {kind} file"),
        None => bail!("{shown} is not a Jasmine {kind} file"),
    }
    let (again, old) = if kind == "inbox" {
        (
            "pull it again (`jasmine-keys pull --out`)",
            "update jasmine-keys on the online machine and pull it again (`jasmine-keys pull --out`); nothing was taken",
        )
    } else {
        (
            "write it again (`jasmine-keys outbox`)",
            "publish it with the jasmine-keys that wrote it, then update jasmine-keys on both machines; nothing was sent",
        )
    };
    match object.get("version").and_then(Value::as_u64) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(1) => bail!(
            "{shown} is an unsigned {kind} file (version 1, from an older jasmine-keys); this jasmine-keys takes only signed files (version {VERSION}): {old}"
        ),
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
    let Some(Value::String(signature)) = value.as_object_mut().and_then(|o| o.remove("signature"))
    else {
        bail!("{shown} is not signed; {again} with this jasmine-keys; nothing was taken");
    };
    let content = serde_json::from_value(value.clone()).with_context(damaged)?;
    Ok(Signed {
        content,
        kind: kind.to_string(),
        body: value,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

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
                attachments: None,
            }],
            messages: vec![],
            bundle: serde_json::json!({"bundle": {}, "signature": ""}),
            check_evaluations: vec![],
            alerts: vec![],
        }
    }

    /// Rewrites a file as `change` leaves it, with a correct checksum: only the
    /// signature can tell.
    fn tamper(path: &Path, change: impl FnOnce(&mut Value)) {
        let mut value: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        value.as_object_mut().unwrap().remove("sha256");
        change(&mut value);
        let sum = checksum(&value).unwrap();
        value["sha256"] = Value::String(sum);
        std::fs::write(path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    }

    #[test]
    fn files_read_back_and_fail_when_damaged_foreign_or_of_another_kind() {
        let dir = tempfile::tempdir().unwrap();
        let org = PublicKey::from(&key(1));
        let other = PublicKey::from(&key(2));
        let path = dir.path().join("inbox.jasmine");
        let written = inbox(&org);
        write(&path, &written, &key(3)).unwrap();
        assert_eq!(
            read::<Inbox>(&path, "inbox", &org).unwrap().content,
            written
        );
        assert!(read::<Inbox>(&path, "inbox", &other)
            .err()
            .unwrap()
            .to_string()
            .contains("another organisation"));
        assert!(read::<Outbox>(&path, "outbox", &org)
            .err()
            .unwrap()
            .to_string()
            .contains("not an outbox file"));
        let text = std::fs::read_to_string(&path).unwrap();
        for damage in [
            text.replace("2026-11-28", "2026-11-27"),
            text[..text.len() / 2].to_string(),
            text.replace("\"version\": 2", "\"version\": 3"),
        ] {
            std::fs::write(&path, damage).unwrap();
            let error = read::<Inbox>(&path, "inbox", &org)
                .err()
                .unwrap()
                .to_string();
            assert!(
                error.contains("damaged") || error.contains("version 3"),
                "{error}"
            );
        }
        assert!(write(&path, &written, &key(3))
            .unwrap_err()
            .to_string()
            .contains("already exists"));
    }

    #[test]
    fn fail_a_file_verifies_only_with_its_signer_and_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let org = PublicKey::from(&key(1));
        let (signer, stranger) = (key(3), key(4));
        let path = dir.path().join("inbox.jasmine");
        write(&path, &inbox(&org), &signer).unwrap();
        let file = read::<Inbox>(&path, "inbox", &org).unwrap();
        file.verify(&[PublicKey::from(&signer)]).unwrap();
        file.verify(&[PublicKey::from(&stranger), PublicKey::from(&signer)])
            .unwrap();
        assert!(file.verify(&[PublicKey::from(&stranger)]).is_err());
        assert!(file.verify(&[]).is_err());

        // A report changed, checksum recomputed: it reads, but no longer verifies.
        tamper(&path, |v| v["reports"][0]["ciphertext"] = "YWdm".into());
        let file = read::<Inbox>(&path, "inbox", &org).unwrap();
        assert!(file.verify(&[PublicKey::from(&signer)]).is_err());

        // The same body signed for an outbox does not pass as an inbox file.
        let path = dir.path().join("cross.jasmine");
        write(&path, &inbox(&org), &signer).unwrap();
        tamper(&path, |v| {
            let body = {
                let mut b = v.clone();
                b.as_object_mut().unwrap().remove("signature");
                b
            };
            v["signature"] = keys::sign(Domain::Outbox, &signer, &body).unwrap().into();
        });
        let file = read::<Inbox>(&path, "inbox", &org).unwrap();
        assert!(file.verify(&[PublicKey::from(&signer)]).is_err());
    }

    #[test]
    fn an_unsigned_or_version_1_file_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let org = PublicKey::from(&key(1));
        let path = dir.path().join("inbox.jasmine");
        write(&path, &inbox(&org), &key(3)).unwrap();
        tamper(&path, |v| {
            v.as_object_mut().unwrap().remove("signature");
        });
        let error = read::<Inbox>(&path, "inbox", &org)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("is not signed") && error.contains("pull it again"),
            "{error}"
        );
        tamper(&path, |v| v["version"] = 1.into());
        let error = read::<Inbox>(&path, "inbox", &org)
            .err()
            .unwrap()
            .to_string();
        assert!(
            error.contains("unsigned inbox file (version 1")
                && error.contains("update jasmine-keys on the online machine"),
            "{error}"
        );
    }
}
