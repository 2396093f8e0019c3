//! The check list (`docs/PROTOCOL.md` §5b): what the association knows, as signed
//! entries `{alert id, tag}` where the tag is the first 32 bytes of the check
//! function's output ([`crate::oprf`]) for one identifier of the alert's aggressor.
//! Whoever downloads the list learns how many identifiers it holds and which alert
//! each belongs to, but not one identifier: computing a tag takes the server's key.
//!
//! Each entry is signed by a moderator's alert key (domain `jasmine/check-entry/v1`),
//! so a server cannot add entries; clients verify the entries that name their tag
//! against the bundle and ignore the rest ([`alerts_for`]).

use base64::{engine::general_purpose::STANDARD, Engine as _};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::alert::is_alert_id;
use crate::bundle::KeyBundle;
use crate::keys::{self, Domain};
use crate::oprf::CheckOutput;
use crate::Error;

/// Bytes of an output kept in the list: 256 bits, far beyond any collision, half
/// the list's size.
pub const TAG_BYTES: usize = 32;

/// What a list entry names: the first [`TAG_BYTES`] of an output.
pub type Tag = [u8; TAG_BYTES];

/// The tag of an output.
pub fn tag_of(output: &CheckOutput) -> Tag {
    let mut tag = [0u8; TAG_BYTES];
    tag.copy_from_slice(&output[..TAG_BYTES]);
    tag
}

/// One entry, as signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEntry {
    /// The alert whose aggressor has this identifier.
    pub alert_id: String,
    /// The identifier's tag, standard base64 of [`TAG_BYTES`] bytes.
    pub tag: String,
    /// Moderator id of the signer.
    pub signed_by: String,
}

impl CheckEntry {
    /// An entry for `alert_id` and `output`, to be signed by `signed_by`.
    pub fn new(alert_id: &str, output: &CheckOutput, signed_by: &str) -> CheckEntry {
        CheckEntry {
            alert_id: alert_id.to_string(),
            tag: STANDARD.encode(tag_of(output)),
            signed_by: signed_by.to_string(),
        }
    }

    /// Checks the form.
    pub fn validate(&self) -> Result<(), Error> {
        if !is_alert_id(&self.alert_id) {
            return Err(Error::malformed(
                "check entry",
                "alert_id must be 32 lowercase hex characters",
            ));
        }
        self.tag_bytes()?;
        if !crate::bundle::is_moderator_id(&self.signed_by) {
            return Err(Error::malformed(
                "check entry",
                "signed_by is not a moderator id",
            ));
        }
        Ok(())
    }

    /// The tag's bytes.
    pub fn tag_bytes(&self) -> Result<Tag, Error> {
        STANDARD
            .decode(&self.tag)
            .ok()
            .and_then(|bytes| Tag::try_from(bytes).ok())
            .ok_or_else(|| {
                Error::malformed(
                    "check entry",
                    format!("tag must be standard base64 of {TAG_BYTES} bytes"),
                )
            })
    }
}

/// Signs an entry with a moderator's alert key: `{"entry": …, "signature": …}`.
pub fn sign_entry(entry: &CheckEntry, key: &ed25519_dalek::SigningKey) -> Result<Value, Error> {
    entry.validate()?;
    let value =
        serde_json::to_value(entry).map_err(|e| Error::malformed("check entry", e.to_string()))?;
    let signature = keys::sign(Domain::CheckEntry, key, &value)?;
    Ok(keys::wrap_signed("entry", value, signature))
}

/// Verifies a signed entry against the **current** alert keys of `bundle`'s
/// moderators: an entry is a standing claim, so it lives only as long as its
/// signer's key (a moderator who rotates keys signs her entries again).
pub fn verify_entry(signed: Value, bundle: &KeyBundle) -> Result<(CheckEntry, Tag), Error> {
    let (value, signature) = keys::unwrap_signed(signed, "entry", "check entry")?;
    let entry: CheckEntry = serde_json::from_value(value.clone())
        .map_err(|e| Error::malformed("check entry", e.to_string()))?;
    entry.validate()?;
    let moderator = bundle
        .moderator(&entry.signed_by)
        .ok_or_else(|| Error::UnknownSigner(entry.signed_by.clone()))?;
    keys::verify(
        Domain::CheckEntry,
        &moderator.alert_key,
        &value,
        &signature,
        "check entry",
    )?;
    let tag = entry.tag_bytes()?;
    Ok((entry, tag))
}

/// The list as served by `GET /v1/checklist`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckList {
    /// Signed entries.
    pub entries: Vec<Value>,
}

/// What the list says of one tag: the alerts of the entries that name `tag` and
/// verify against `bundle`, and how many entries that name it do not verify (a server
/// cannot add entries: they are ignored). Only the entries that name the tag are
/// verified: the others cannot change the answer, and a phone need not check ten
/// thousand signatures.
pub fn alerts_for(list: &CheckList, bundle: &KeyBundle, tag: &Tag) -> (Vec<String>, usize) {
    let wanted = STANDARD.encode(tag);
    let mut alerts: Vec<String> = Vec::new();
    let mut ignored = 0;
    for signed in &list.entries {
        if signed["entry"]["tag"].as_str() != Some(wanted.as_str()) {
            continue;
        }
        match verify_entry(signed.clone(), bundle) {
            Ok((entry, _)) if !alerts.contains(&entry.alert_id) => alerts.push(entry.alert_id),
            Ok(_) => {}
            Err(_) => ignored += 1,
        }
    }
    (alerts, ignored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{ModeratorSecrets, ServerLimits};
    use crate::Day;

    fn bundle_of(moderators: &[&ModeratorSecrets]) -> KeyBundle {
        let today = Day::parse("2026-12-01").unwrap();
        KeyBundle {
            organisation: "Test".into(),
            version: 1,
            issued: today,
            expires: today.add_days(30),
            onion: String::new(),
            check_key: None,
            moderators: moderators.iter().map(|m| m.public_entry(m.id())).collect(),
            former: Vec::new(),
            limits: ServerLimits::default(),
        }
    }

    #[test]
    fn fail_only_entries_signed_by_a_listed_moderator_count() {
        let mut rng = rand::rngs::OsRng;
        let alice = ModeratorSecrets::generate("alice", &mut rng);
        let mallory = ModeratorSecrets::generate("mallory", &mut rng);
        let bundle = bundle_of(&[&alice]);
        let alert = "0123456789abcdef0123456789abcdef";
        let good = sign_entry(
            &CheckEntry::new(alert, &[7u8; 64], "alice"),
            alice.alert_key(),
        )
        .unwrap();
        // Signed by a key the bundle does not list.
        let stranger = sign_entry(
            &CheckEntry::new(alert, &[8u8; 64], "mallory"),
            mallory.alert_key(),
        )
        .unwrap();
        // Claims alice but is signed with mallory's key.
        let forged = sign_entry(
            &CheckEntry::new(alert, &[9u8; 64], "alice"),
            mallory.alert_key(),
        )
        .unwrap();
        // alice's entry pointing to another alert.
        let mut altered = good.clone();
        altered["entry"]["alert_id"] = Value::String("f".repeat(32));
        // Unsigned.
        let unsigned = serde_json::json!({"entry": good["entry"].clone()});
        // Each of them claims the same tag as alice's.
        let mut claims = Vec::new();
        for mut bad in [stranger, forged, altered] {
            bad["entry"]["tag"] = good["entry"]["tag"].clone();
            claims.push(bad);
        }
        claims.push(unsigned);
        let mut entries = vec![good];
        entries.extend(claims);
        let list = CheckList { entries };
        let (alerts, ignored) = alerts_for(&list, &bundle, &[7u8; 32]);
        assert_eq!(ignored, 4);
        assert_eq!(alerts, vec![alert.to_string()]);
        // Another tag finds nothing.
        assert_eq!(alerts_for(&list, &bundle, &[8u8; 32]), (Vec::new(), 0));
    }
}
