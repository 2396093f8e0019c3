//! The key bundle: who the moderators are, signed by the organisation's root key.
//!
//! Clients pin the root public key. A bundle is accepted only if (1) its root
//! signature verifies over `jasmine/bundle/v1`, (2) it is well formed, (3) today lies
//! within `issued..=expires`, and (4) its version is not lower than the highest
//! version this client has already accepted (rollback protection). See
//! `docs/PROTOCOL.md` §3.

use std::collections::HashSet;

use age::secrecy::ExposeSecret;
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::keys::{self, Domain, PublicKey};
use crate::{Day, Error};

/// Most moderators one bundle may list.
pub const MAX_MODERATORS: usize = 32;

/// The organisation's statement of who may read reports and sign alerts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyBundle {
    /// Name of the organisation running this Jasmine.
    pub organisation: String,
    /// Strictly increasing with every new bundle the organisation signs.
    pub version: u64,
    /// First day of validity.
    pub issued: Day,
    /// Last day of validity.
    pub expires: Day,
    /// The service's onion address (`…onion`), or empty when not yet known.
    pub onion: String,
    /// The public key of the server's private check (`crate::oprf`): every
    /// evaluation's proof is checked against it, so that a server cannot use another
    /// key per asker. Absent when the service has no check list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_key: Option<crate::oprf::CheckPublicKey>,
    /// The moderators; every report is encrypted to all of them.
    pub moderators: Vec<ModeratorEntry>,
    /// Alert keys no longer in use (a moderator who left, or rotated keys): alerts and
    /// retractions they signed up to `until` still verify. A revoked (lost) key is not
    /// listed, so nothing it signed verifies any more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former: Vec<FormerKey>,
    /// Limits the server applies, so clients can check before sending.
    pub limits: ServerLimits,
}

/// A retired alert key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormerKey {
    /// The moderator id it belonged to.
    pub id: String,
    /// Their display name.
    pub name: String,
    /// The retired Ed25519 alert key.
    pub alert_key: PublicKey,
    /// Last day on which what it signed is valid.
    pub until: Day,
    /// The digests ([`crate::alert::signed_digest`]) of every alert and retraction it
    /// signed before it was retired: it verifies those only, so that whoever keeps the
    /// key cannot sign more, backdated. Absent in bundles written before this rule
    /// (their former keys verify by `until` alone); every bundle `jasmine-keys` signs
    /// now has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Vec<String>>,
}

/// Most retired keys a bundle lists.
pub const MAX_FORMER_KEYS: usize = 256;

/// Most digests the former keys of one bundle list together.
pub const MAX_FORMER_SIGNED: usize = 20_000;

/// One moderator's public keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModeratorEntry {
    /// Short stable identifier: lowercase letters, digits and `-`, 1 to 32 characters.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The age X25519 recipient (`age1…`) that reports are encrypted to.
    pub age_recipient: String,
    /// Ed25519 key that signs this moderator's alerts and retractions (kept offline).
    pub alert_key: PublicKey,
    /// Ed25519 key that signs this moderator's API requests (kept online).
    pub api_key: PublicKey,
}

/// Limits of the server, published in the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerLimits {
    /// Largest report ciphertext the server accepts, in bytes.
    pub max_report_bytes: u64,
    /// Days a report is kept when not every moderator has acknowledged it.
    pub retention_days: u32,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_report_bytes: 96 * 1024,
            retention_days: 60,
        }
    }
}

impl KeyBundle {
    /// Checks everything that does not depend on the date or on earlier bundles.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |reason: String| Err(Error::malformed("key bundle", reason));
        if self.organisation.trim().is_empty() || self.organisation.chars().count() > 120 {
            return bad("organisation must be 1 to 120 characters".into());
        }
        if self.version == 0 || self.version > (1 << 53) - 1 {
            return bad("version must be a positive integer below 2^53".into());
        }
        if self.issued > self.expires {
            return bad("expires is before issued".into());
        }
        if !self.onion.is_empty() && !is_onion_address(&self.onion) {
            return bad(format!("'{}' is not a v3 onion address", self.onion));
        }
        if self.moderators.is_empty() || self.moderators.len() > MAX_MODERATORS {
            return bad(format!("must list 1 to {MAX_MODERATORS} moderators"));
        }
        let mut ids = HashSet::new();
        let mut keys = HashSet::new();
        let mut recipients = HashSet::new();
        for m in &self.moderators {
            if !is_moderator_id(&m.id) {
                return bad(format!(
                    "moderator id '{}' must be 1 to 32 of a-z, 0-9 and '-'",
                    m.id
                ));
            }
            if !ids.insert(m.id.as_str()) {
                return bad(format!("moderator id '{}' appears twice", m.id));
            }
            if m.name.trim().is_empty() || m.name.chars().count() > 120 {
                return bad(format!(
                    "moderator '{}' needs a name of 1 to 120 characters",
                    m.id
                ));
            }
            parse_recipient(&m.age_recipient)?;
            if !recipients.insert(m.age_recipient.as_str()) {
                return bad(format!("moderator '{}' reuses an age recipient", m.id));
            }
            if !keys.insert(m.alert_key.0.to_bytes()) || !keys.insert(m.api_key.0.to_bytes()) {
                return bad(format!("moderator '{}' reuses a signing key", m.id));
            }
        }
        if self.former.len() > MAX_FORMER_KEYS {
            return bad(format!("must list at most {MAX_FORMER_KEYS} former keys"));
        }
        for f in &self.former {
            if !is_moderator_id(&f.id) || f.name.trim().is_empty() || f.name.chars().count() > 120 {
                return bad(format!(
                    "former key of '{}' needs a valid id and name",
                    f.id
                ));
            }
            if f.until > self.issued {
                return bad(format!(
                    "former key of '{}' is valid until after the bundle was issued",
                    f.id
                ));
            }
            if !keys.insert(f.alert_key.0.to_bytes()) {
                return bad(format!(
                    "former key of '{}' is also a current key, or listed twice",
                    f.id
                ));
            }
            if let Some(signed) = &f.signed {
                let distinct: HashSet<&String> = signed.iter().collect();
                if distinct.len() != signed.len()
                    || !signed.iter().all(|d| crate::alert::is_signed_digest(d))
                {
                    return bad(format!(
                        "former key of '{}': what it signed must be distinct digests of 32 lowercase hex characters",
                        f.id
                    ));
                }
            }
        }
        let listed: usize = self
            .former
            .iter()
            .map(|f| f.signed.as_ref().map_or(0, Vec::len))
            .sum();
        if listed > MAX_FORMER_SIGNED {
            return bad(format!(
                "former keys may list at most {MAX_FORMER_SIGNED} signed documents together"
            ));
        }
        let limits = &self.limits;
        if !(4096..=16 * 1024 * 1024).contains(&limits.max_report_bytes) {
            return bad("limits.max_report_bytes must be between 4096 and 16777216".into());
        }
        if !(1..=3650).contains(&limits.retention_days) {
            return bad("limits.retention_days must be between 1 and 3650".into());
        }
        Ok(())
    }

    /// The alert keys that may have signed as `id`: the current one (no retirement),
    /// then retired ones.
    pub fn alert_keys(&self, id: &str) -> Vec<(PublicKey, Option<&FormerKey>)> {
        self.moderator(id)
            .map(|m| (m.alert_key, None))
            .into_iter()
            .chain(
                self.former
                    .iter()
                    .filter(|f| f.id == id)
                    .map(|f| (f.alert_key, Some(f))),
            )
            .collect()
    }

    /// The moderator with this id.
    pub fn moderator(&self, id: &str) -> Option<&ModeratorEntry> {
        self.moderators.iter().find(|m| m.id == id)
    }
}

/// Whether `id` is an acceptable moderator id.
pub fn is_moderator_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

fn is_onion_address(text: &str) -> bool {
    match text.strip_suffix(".onion") {
        Some(label) => {
            label.len() == 56
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        }
        None => false,
    }
}

/// Parses an age X25519 recipient (`age1…`).
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, Error> {
    text.parse::<age::x25519::Recipient>().map_err(|_| {
        Error::malformed(
            "key bundle",
            format!("'{text}' is not an age X25519 recipient"),
        )
    })
}

/// Signs `bundle` with the root key; returns the signed bundle as JSON bytes.
pub fn sign_bundle(bundle: &KeyBundle, root: &SigningKey) -> Result<Vec<u8>, Error> {
    bundle.validate()?;
    let value =
        serde_json::to_value(bundle).map_err(|e| Error::malformed("key bundle", e.to_string()))?;
    let signature = keys::sign(Domain::Bundle, root, &value)?;
    let signed = keys::wrap_signed("bundle", value, signature);
    let mut bytes = serde_json::to_vec_pretty(&signed)
        .map_err(|e| Error::malformed("key bundle", e.to_string()))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A bundle whose signature, form and dates have been checked.
#[derive(Clone, Debug)]
pub struct VerifiedBundle {
    bundle: KeyBundle,
    signed_json: Vec<u8>,
}

impl VerifiedBundle {
    /// The bundle's content.
    pub fn bundle(&self) -> &KeyBundle {
        &self.bundle
    }

    /// The signed JSON exactly as it was verified (to store or serve again).
    pub fn signed_json(&self) -> &[u8] {
        &self.signed_json
    }

    /// The version.
    pub fn version(&self) -> u64 {
        self.bundle.version
    }

    /// The age recipients of every moderator, in bundle order.
    pub fn recipients(&self) -> Vec<age::x25519::Recipient> {
        self.bundle
            .moderators
            .iter()
            .map(|m| {
                parse_recipient(&m.age_recipient).expect("checked when the bundle was verified")
            })
            .collect()
    }
}

/// Verifies signed bundle JSON against the pinned root key on `today`.
///
/// `highest_seen` is the highest version this verifier accepted before, if any; a
/// lower version is refused as a rollback.
pub fn verify_bundle(
    signed_json: &[u8],
    root: &PublicKey,
    today: Day,
    highest_seen: Option<u64>,
) -> Result<VerifiedBundle, Error> {
    let bundle = verify_bundle_signature(signed_json, root)?;
    if today > bundle.expires {
        return Err(Error::BundleExpired {
            expires: bundle.expires,
        });
    }
    if today < bundle.issued {
        return Err(Error::BundleNotYetValid {
            issued: bundle.issued,
        });
    }
    if let Some(seen) = highest_seen {
        if bundle.version < seen {
            return Err(Error::BundleRollback {
                offered: bundle.version,
                seen,
            });
        }
    }
    Ok(VerifiedBundle {
        bundle,
        signed_json: signed_json.to_vec(),
    })
}

/// Checks only the root signature and the form, not the dates: for reading old
/// bundles (for example to know who could read an old report).
pub fn verify_bundle_signature(signed_json: &[u8], root: &PublicKey) -> Result<KeyBundle, Error> {
    let signed = crate::canonical::parse_strict(signed_json, "key bundle")?;
    let (value, signature) = keys::unwrap_signed(signed, "bundle", "key bundle")?;
    keys::verify(Domain::Bundle, root, &value, &signature, "key bundle")?;
    let bundle: KeyBundle =
        serde_json::from_value(value).map_err(|e| Error::malformed("key bundle", e.to_string()))?;
    bundle.validate()?;
    Ok(bundle)
}

/// A moderator's three secret keys. No `Debug`, zeroized on drop (by the key types).
pub struct ModeratorSecrets {
    id: String,
    age_identity: age::x25519::Identity,
    alert_key: SigningKey,
    api_key: SigningKey,
}

impl ModeratorSecrets {
    /// Fresh keys for moderator `id`.
    pub fn generate<R: RngCore + CryptoRng>(id: &str, rng: &mut R) -> Self {
        ModeratorSecrets {
            id: id.to_string(),
            age_identity: age::x25519::Identity::generate(),
            alert_key: SigningKey::generate(rng),
            api_key: SigningKey::generate(rng),
        }
    }

    /// Assembles keys read back from storage.
    pub fn from_parts(
        id: &str,
        age_identity: age::x25519::Identity,
        alert_key: SigningKey,
        api_key: SigningKey,
    ) -> Self {
        ModeratorSecrets {
            id: id.to_string(),
            age_identity,
            alert_key,
            api_key,
        }
    }

    /// The moderator id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The age identity that decrypts reports.
    pub fn age_identity(&self) -> &age::x25519::Identity {
        &self.age_identity
    }

    /// The age identity as `AGE-SECRET-KEY-1…` text (zeroized on drop).
    pub fn age_identity_text(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(self.age_identity.to_string().expose_secret().to_string())
    }

    /// The key that signs alerts.
    pub fn alert_key(&self) -> &SigningKey {
        &self.alert_key
    }

    /// The key that signs API requests.
    pub fn api_key(&self) -> &SigningKey {
        &self.api_key
    }

    /// The public entry for a key bundle.
    pub fn public_entry(&self, name: &str) -> ModeratorEntry {
        ModeratorEntry {
            id: self.id.clone(),
            name: name.to_string(),
            age_recipient: self.age_identity.to_public().to_string(),
            alert_key: PublicKey::from(&self.alert_key),
            api_key: PublicKey::from(&self.api_key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    fn fixture(version: u64) -> (SigningKey, KeyBundle) {
        let root = SigningKey::from_bytes(&[1; 32]);
        let today = Day::parse("2026-11-28").unwrap();
        let m = ModeratorSecrets::generate("alice", &mut OsRng);
        let bundle = KeyBundle {
            organisation: "Test".into(),
            version,
            issued: today,
            expires: today.add_days(30),
            onion: String::new(),
            check_key: None,
            moderators: vec![m.public_entry("Alice")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        (root, bundle)
    }

    #[test]
    fn a_signed_bundle_verifies_within_its_dates() {
        let (root, bundle) = fixture(3);
        let signed = sign_bundle(&bundle, &root).unwrap();
        let today = bundle.issued.add_days(5);
        let verified = verify_bundle(&signed, &PublicKey::from(&root), today, Some(3)).unwrap();
        assert_eq!(verified.bundle(), &bundle);
        assert_eq!(verified.recipients().len(), 1);
    }

    #[test]
    fn fail_expired_future_rollback_and_foreign_root() {
        let (root, bundle) = fixture(3);
        let signed = sign_bundle(&bundle, &root).unwrap();
        let pinned = PublicKey::from(&root);
        assert!(matches!(
            verify_bundle(&signed, &pinned, bundle.expires.add_days(1), None),
            Err(Error::BundleExpired { .. })
        ));
        assert!(matches!(
            verify_bundle(&signed, &pinned, bundle.issued.add_days(-1), None),
            Err(Error::BundleNotYetValid { .. })
        ));
        assert!(matches!(
            verify_bundle(&signed, &pinned, bundle.issued, Some(4)),
            Err(Error::BundleRollback {
                offered: 3,
                seen: 4
            })
        ));
        let other = PublicKey::from(&SigningKey::from_bytes(&[2; 32]));
        assert!(matches!(
            verify_bundle(&signed, &other, bundle.issued, None),
            Err(Error::BadSignature(_))
        ));
    }

    #[test]
    fn fail_unknown_fields_and_bad_entries_are_refused_even_when_signed() {
        let (root, mut bundle) = fixture(1);
        let mut value = serde_json::to_value(&bundle).unwrap();
        value["surprise"] = serde_json::Value::from(1);
        let signature = keys::sign(Domain::Bundle, &root, &value).unwrap();
        let bytes = serde_json::to_vec(&keys::wrap_signed("bundle", value, signature)).unwrap();
        assert!(matches!(
            verify_bundle(&bytes, &PublicKey::from(&root), bundle.issued, None),
            Err(Error::Malformed { .. })
        ));
        bundle.moderators.push(bundle.moderators[0].clone());
        assert!(
            sign_bundle(&bundle, &root).is_err(),
            "duplicate moderator must be refused"
        );
        bundle.moderators.pop();
        bundle.moderators[0].id = "Alice Smith".into();
        assert!(
            sign_bundle(&bundle, &root).is_err(),
            "bad id must be refused"
        );
    }
}
