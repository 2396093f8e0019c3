//! Ed25519 keys as they appear in Jasmine's JSON, and domain-separated signatures.
//!
//! Every signature covers `tag || 0x00 || JCS(object)` where `tag` names the purpose
//! (`jasmine/bundle/v1`, `jasmine/alert/v1`, …). A signature made for one purpose
//! therefore never verifies for another, even over identical bytes.

use std::fmt;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{canonical, Error};

/// What a signature is for. The tag is part of the signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// The organisation's root key signs a key bundle.
    Bundle,
    /// A moderator's alert key signs a public alert.
    Alert,
    /// A moderator's alert key signs the retraction of an alert.
    Retraction,
    /// A moderator's API key signs a request to the moderator API.
    Api,
    /// A moderator's alert key signs a reply to a reporter (inside its ciphertext).
    Reply,
    /// A reporter's answer key (derived from her codename) signs her answer (inside
    /// its ciphertext).
    Answer,
    /// A moderator's API key signs an inbox file (online machine → offline desk).
    Inbox,
    /// A moderator's alert key signs an outbox file (offline desk → online machine).
    Outbox,
    /// A moderator's alert key signs an entry of the check list.
    CheckEntry,
}

impl Domain {
    /// The domain tag written before the signed bytes.
    pub const fn tag(self) -> &'static str {
        match self {
            Domain::Bundle => "jasmine/bundle/v1",
            Domain::Alert => "jasmine/alert/v1",
            Domain::Retraction => "jasmine/retraction/v1",
            Domain::Api => "jasmine/api/v2",
            Domain::Reply => "jasmine/reply/v1",
            Domain::Answer => "jasmine/answer/v1",
            Domain::Inbox => "jasmine/inbox/v1",
            Domain::Outbox => "jasmine/outbox/v1",
            Domain::CheckEntry => "jasmine/check-entry/v1",
        }
    }

    /// All domains, for tests that check they never cross.
    pub const ALL: [Domain; 9] = [
        Domain::Bundle,
        Domain::Alert,
        Domain::Retraction,
        Domain::Api,
        Domain::Reply,
        Domain::Answer,
        Domain::Inbox,
        Domain::Outbox,
        Domain::CheckEntry,
    ];
}

/// The exact bytes that get signed for `domain` over the canonical form of `value`.
pub fn signing_message(domain: Domain, value: &Value) -> Result<Vec<u8>, Error> {
    let canonical = canonical::to_canonical_bytes(value)?;
    let mut message = Vec::with_capacity(domain.tag().len() + 1 + canonical.len());
    message.extend_from_slice(domain.tag().as_bytes());
    message.push(0);
    message.extend_from_slice(&canonical);
    Ok(message)
}

/// Signs `value` for `domain`; returns the signature in base64.
pub fn sign(domain: Domain, key: &SigningKey, value: &Value) -> Result<String, Error> {
    let message = signing_message(domain, value)?;
    Ok(STANDARD.encode(key.sign(&message).to_bytes()))
}

/// Verifies a base64 signature over `value` for `domain` (strict Ed25519 verification).
pub fn verify(
    domain: Domain,
    key: &PublicKey,
    value: &Value,
    signature_b64: &str,
    what: &'static str,
) -> Result<(), Error> {
    let raw = STANDARD
        .decode(signature_b64)
        .map_err(|_| Error::malformed(what, "signature is not base64"))?;
    let raw: [u8; 64] = raw
        .try_into()
        .map_err(|_| Error::malformed(what, "signature is not 64 bytes"))?;
    let message = signing_message(domain, value)?;
    key.0
        .verify_strict(&message, &Signature::from_bytes(&raw))
        .map_err(|_| Error::BadSignature(what))
}

/// An Ed25519 public key, written in JSON as standard base64 of its 32 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub VerifyingKey);

impl PublicKey {
    /// Parses base64 of 32 bytes that form a valid Ed25519 point.
    pub fn from_base64(text: &str) -> Result<PublicKey, Error> {
        let raw = STANDARD
            .decode(text.trim())
            .map_err(|_| Error::malformed("public key", "not base64"))?;
        let raw: [u8; 32] = raw
            .try_into()
            .map_err(|_| Error::malformed("public key", "not 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&raw)
            .map_err(|_| Error::malformed("public key", "not an Ed25519 public key"))?;
        if key.is_weak() {
            return Err(Error::malformed("public key", "weak Ed25519 key"));
        }
        Ok(PublicKey(key))
    }

    /// The key as base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.as_bytes())
    }
}

impl From<&SigningKey> for PublicKey {
    fn from(key: &SigningKey) -> Self {
        PublicKey(key.verifying_key())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_base64())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        PublicKey::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

/// Reads an Ed25519 secret key from base64 of its 32-byte seed.
pub fn signing_key_from_base64(text: &str) -> Result<SigningKey, Error> {
    let mut raw = zeroize::Zeroizing::new(
        STANDARD
            .decode(text.trim())
            .map_err(|_| Error::malformed("secret key", "not base64"))?,
    );
    let seed: &[u8; 32] = raw
        .as_slice()
        .try_into()
        .map_err(|_| Error::malformed("secret key", "not 32 bytes"))?;
    let key = SigningKey::from_bytes(seed);
    zeroize::Zeroize::zeroize(&mut *raw);
    Ok(key)
}

/// Writes an Ed25519 secret key as base64 of its seed, in a zeroizing string.
pub fn signing_key_to_base64(key: &SigningKey) -> zeroize::Zeroizing<String> {
    let seed = zeroize::Zeroizing::new(key.to_bytes());
    zeroize::Zeroizing::new(STANDARD.encode(*seed))
}

/// Wraps a signed object as `{"<member>": value, "signature": "…"}`.
pub fn wrap_signed(member: &str, value: Value, signature: String) -> Value {
    let mut object = serde_json::Map::new();
    object.insert(member.to_string(), value);
    object.insert("signature".to_string(), Value::String(signature));
    Value::Object(object)
}

/// Splits `{"<member>": value, "signature": "…"}` (exactly those two members).
pub fn unwrap_signed(
    signed: Value,
    member: &str,
    what: &'static str,
) -> Result<(Value, String), Error> {
    let Value::Object(mut object) = signed else {
        return Err(Error::malformed(what, "not a JSON object"));
    };
    let value = object
        .remove(member)
        .ok_or_else(|| Error::malformed(what, format!("missing member '{member}'")))?;
    let signature = match object.remove("signature") {
        Some(Value::String(s)) => s,
        _ => return Err(Error::malformed(what, "missing signature")),
    };
    if let Some(extra) = object.keys().next() {
        return Err(Error::malformed(
            what,
            format!("unexpected member '{extra}'"),
        ));
    }
    Ok((value, signature))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn fail_a_signature_never_crosses_domains() {
        let signer = key(7);
        let public = PublicKey::from(&signer);
        let value = json!({"version": 1, "x": "y"});
        for made_for in Domain::ALL {
            let sig = sign(made_for, &signer, &value).unwrap();
            for checked_as in Domain::ALL {
                let result = verify(checked_as, &public, &value, &sig, "test");
                assert_eq!(
                    result.is_ok(),
                    made_for == checked_as,
                    "{made_for:?} as {checked_as:?}"
                );
            }
        }
    }

    #[test]
    fn signature_ignores_member_order_and_whitespace() {
        let signer = key(9);
        let a: Value = serde_json::from_str(r#"{"a":1,"b":"two"}"#).unwrap();
        let b: Value = serde_json::from_str("{ \"b\" : \"two\",\n \"a\" : 1 }").unwrap();
        let sig = sign(Domain::Alert, &signer, &a).unwrap();
        verify(Domain::Alert, &PublicKey::from(&signer), &b, &sig, "test").unwrap();
    }

    #[test]
    fn secret_key_text_round_trips() {
        let signer = key(3);
        let text = signing_key_to_base64(&signer);
        assert_eq!(
            signing_key_from_base64(&text).unwrap().to_bytes(),
            signer.to_bytes()
        );
        assert!(signing_key_from_base64("AAAA").is_err());
    }

    proptest! {
        #[test]
        fn fail_any_change_to_the_signed_text_breaks_the_signature(text in ".{0,64}", other in ".{0,64}") {
            prop_assume!(text != other);
            let signer = key(5);
            let sig = sign(Domain::Bundle, &signer, &json!({"t": text})).unwrap();
            let changed = json!({"t": other});
            let result = verify(Domain::Bundle, &PublicKey::from(&signer), &changed, &sig, "t");
            prop_assert!(result.is_err());
        }
    }
}
