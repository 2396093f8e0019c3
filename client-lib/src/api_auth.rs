//! Signatures on moderator API requests.
//!
//! A moderator's online machine signs every API request with the moderator's API key
//! (`jasmine/api/v1`) over the canonical JSON of
//! `{moderator, method, path, body_sha256, date, nonce}` and sends it as
//!
//! ```text
//! Authorization: Jasmine-Ed25519 moderator="alice", date="1764370000", nonce="<32 hex>", signature="<base64>"
//! ```
//!
//! The server checks the signature against the current bundle, that `date` (Unix
//! seconds) is within its clock window, and that the nonce was not seen before.

use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::bundle::KeyBundle;
use crate::keys::{self, Domain};
use crate::Error;

/// The authorization scheme name.
pub const SCHEME: &str = "Jasmine-Ed25519";

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// Moderator id.
    pub moderator: String,
    /// Unix seconds when the request was signed.
    pub date: u64,
    /// 16 random bytes, hex.
    pub nonce: String,
    /// Base64 Ed25519 signature.
    pub signature: String,
}

fn claims(moderator: &str, method: &str, path: &str, body: &[u8], date: u64, nonce: &str) -> Value {
    json!({
        "moderator": moderator,
        "method": method.to_ascii_uppercase(),
        "path": path,
        "body_sha256": hex::encode(Sha256::digest(body)),
        "date": date,
        "nonce": nonce,
    })
}

/// Signs a request; returns the value of the `Authorization` header.
pub fn authorization<R: RngCore + CryptoRng>(
    key: &SigningKey,
    moderator: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    now_unix: u64,
    rng: &mut R,
) -> Result<String, Error> {
    let mut raw = [0u8; 16];
    rng.fill_bytes(&mut raw);
    let nonce = hex::encode(raw);
    let signature = keys::sign(
        Domain::Api,
        key,
        &claims(moderator, method, path_and_query, body, now_unix, &nonce),
    )?;
    Ok(format!(
        "{SCHEME} moderator=\"{moderator}\", date=\"{now_unix}\", nonce=\"{nonce}\", signature=\"{signature}\""
    ))
}

/// Parses an `Authorization` header value.
pub fn parse_authorization(header: &str) -> Result<SignedRequest, Error> {
    let bad = |reason: &str| Error::malformed("authorization", reason.to_string());
    let params = header
        .strip_prefix(SCHEME)
        .and_then(|rest| rest.strip_prefix(' '))
        .ok_or_else(|| bad("expected the Jasmine-Ed25519 scheme"))?;
    let (mut moderator, mut date, mut nonce, mut signature) = (None, None, None, None);
    for part in params.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| bad("parameter without '='"))?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| bad("parameter values must be quoted"))?;
        let slot = match name {
            "moderator" => &mut moderator,
            "date" => &mut date,
            "nonce" => &mut nonce,
            "signature" => &mut signature,
            _ => return Err(bad("unknown parameter")),
        };
        if slot.replace(value.to_string()).is_some() {
            return Err(bad("parameter given twice"));
        }
    }
    let nonce = nonce.ok_or_else(|| bad("missing nonce"))?;
    if nonce.len() != 32 || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("nonce must be 32 hex characters"));
    }
    Ok(SignedRequest {
        moderator: moderator.ok_or_else(|| bad("missing moderator"))?,
        date: date
            .ok_or_else(|| bad("missing date"))?
            .parse()
            .map_err(|_| bad("date must be Unix seconds"))?,
        nonce,
        signature: signature.ok_or_else(|| bad("missing signature"))?,
    })
}

/// Verifies the signature of a parsed request against the moderator's API key in
/// `bundle`. The date window and nonce reuse are the server's to check.
pub fn verify_request(
    request: &SignedRequest,
    bundle: &KeyBundle,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Result<(), Error> {
    let moderator = bundle
        .moderator(&request.moderator)
        .ok_or_else(|| Error::UnknownSigner(request.moderator.clone()))?;
    let value = claims(
        &request.moderator,
        method,
        path_and_query,
        body,
        request.date,
        &request.nonce,
    );
    keys::verify(
        Domain::Api,
        &moderator.api_key,
        &value,
        &request.signature,
        "API request",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{ModeratorSecrets, ServerLimits};
    use crate::Day;
    use rand::rngs::OsRng;

    #[test]
    fn signed_request_verifies_only_as_sent() {
        let m = ModeratorSecrets::generate("alice", &mut OsRng);
        let today = Day::parse("2026-11-28").unwrap();
        let bundle = KeyBundle {
            organisation: "T".into(),
            version: 1,
            issued: today,
            expires: today,
            onion: String::new(),
            moderators: vec![m.public_entry("A")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        let header = authorization(
            m.api_key(),
            "alice",
            "post",
            "/v1/mod/reports/ab/ack",
            b"",
            1000,
            &mut OsRng,
        )
        .unwrap();
        let parsed = parse_authorization(&header).unwrap();
        assert_eq!(parsed.date, 1000);
        verify_request(&parsed, &bundle, "POST", "/v1/mod/reports/ab/ack", b"").unwrap();
        assert!(verify_request(&parsed, &bundle, "GET", "/v1/mod/reports/ab/ack", b"").is_err());
        assert!(verify_request(&parsed, &bundle, "POST", "/v1/mod/reports/cd/ack", b"").is_err());
        assert!(verify_request(&parsed, &bundle, "POST", "/v1/mod/reports/ab/ack", b"x").is_err());
        let mut later = parsed.clone();
        later.date += 1;
        assert!(verify_request(&later, &bundle, "POST", "/v1/mod/reports/ab/ack", b"").is_err());
        // An alert key is not an API key.
        let wrong = authorization(m.alert_key(), "alice", "GET", "/", b"", 1, &mut OsRng).unwrap();
        assert!(verify_request(
            &parse_authorization(&wrong).unwrap(),
            &bundle,
            "GET",
            "/",
            b""
        )
        .is_err());
    }

    #[test]
    fn fail_malformed_headers() {
        for bad in [
            "",
            "Bearer x",
            "Jasmine-Ed25519 moderator=alice",
            "Jasmine-Ed25519 moderator=\"a\", date=\"x\", nonce=\"00000000000000000000000000000000\", signature=\"s\"",
            "Jasmine-Ed25519 moderator=\"a\", moderator=\"b\", date=\"1\", nonce=\"00000000000000000000000000000000\", signature=\"s\"",
        ] {
            assert!(parse_authorization(bad).is_err(), "{bad}");
        }
    }
}
