//! Signatures on moderator API requests (version 2).
//!
//! A moderator's online machine signs every API request with the moderator's API key
//! (`jasmine/api/v2`) over the canonical JSON of
//! `{audience, moderator, method, path, body_sha256, date, nonce}` and sends it as
//!
//! ```text
//! Authorization: Jasmine-Ed25519-v2 moderator="alice", audience="<onion address>", date="1764370000", nonce="<32 hex>", body_sha256="<64 hex>", signature="<base64>"
//! ```
//!
//! - `audience` names the server the request was made for (the onion address, or the
//!   host of a direct address): a server refuses a request signed for another, so a
//!   hostile server cannot relay a moderator's request to the real one.
//! - `body_sha256` travels in the header, so the server checks the signature before
//!   it reads a byte of the body, then checks the body against the hash.
//!
//! The server also checks that `date` (Unix seconds) is within its clock window and
//! that the nonce was not seen before. Version 1 headers (`Jasmine-Ed25519`, without
//! audience) are refused with what to do.

use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::bundle::KeyBundle;
use crate::keys::{self, Domain};
use crate::Error;

/// The authorization scheme name.
pub const SCHEME: &str = "Jasmine-Ed25519-v2";

/// The scheme of version 1, refused since version 2.
const SCHEME_V1: &str = "Jasmine-Ed25519";

/// Longest audience accepted (a DNS name is at most 253 characters).
pub const MAX_AUDIENCE: usize = 253;

/// The parts of an `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// Moderator id.
    pub moderator: String,
    /// The server the request was signed for.
    pub audience: String,
    /// Unix seconds when the request was signed.
    pub date: u64,
    /// 16 random bytes, hex.
    pub nonce: String,
    /// SHA-256 of the body, lowercase hex.
    pub body_sha256: String,
    /// Base64 Ed25519 signature.
    pub signature: String,
}

/// The audience of a direct address's `host[:port]`: the host, lowercase, without
/// port or brackets.
pub fn audience_of_authority(authority: &str) -> String {
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() && !host.ends_with(':') => host,
        _ => authority,
    };
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn claims(request: &SignedRequest, method: &str, path: &str) -> Value {
    json!({
        "audience": request.audience,
        "moderator": request.moderator,
        "method": method.to_ascii_uppercase(),
        "path": path,
        "body_sha256": request.body_sha256,
        "date": request.date,
        "nonce": request.nonce,
    })
}

/// What a request is: who signs it, for which server, and what it asks.
pub struct RequestToSign<'a> {
    /// Moderator id.
    pub moderator: &'a str,
    /// The server's name (see [`crate::transport::Transport::audience`]).
    pub audience: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// Path and query, as the server will see it.
    pub path_and_query: &'a str,
    /// The body.
    pub body: &'a [u8],
}

/// Signs a request; returns the value of the `Authorization` header.
pub fn authorization<R: RngCore + CryptoRng>(
    key: &SigningKey,
    request: &RequestToSign<'_>,
    now_unix: u64,
    rng: &mut R,
) -> Result<String, Error> {
    let mut raw = [0u8; 16];
    rng.fill_bytes(&mut raw);
    let mut signed = SignedRequest {
        moderator: request.moderator.to_string(),
        audience: request.audience.to_string(),
        date: now_unix,
        nonce: hex::encode(raw),
        body_sha256: body_hash(request.body),
        signature: String::new(),
    };
    check_fields(&signed)?;
    signed.signature = keys::sign(
        Domain::Api,
        key,
        &claims(&signed, request.method, request.path_and_query),
    )?;
    Ok(format!(
        "{SCHEME} moderator=\"{}\", audience=\"{}\", date=\"{}\", nonce=\"{}\", body_sha256=\"{}\", signature=\"{}\"",
        signed.moderator, signed.audience, signed.date, signed.nonce, signed.body_sha256, signed.signature
    ))
}

fn bad(reason: &str) -> Error {
    Error::malformed("authorization", reason.to_string())
}

/// The values a header may carry: nothing that would need quoting.
fn check_fields(request: &SignedRequest) -> Result<(), Error> {
    let plain = |v: &str| {
        v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(&b))
    };
    if request.moderator.is_empty() || request.moderator.len() > 32 || !plain(&request.moderator) {
        return Err(bad("moderator must be a moderator id"));
    }
    if request.audience.is_empty()
        || request.audience.len() > MAX_AUDIENCE
        || !plain(&request.audience)
    {
        return Err(bad("audience must be the server's host name"));
    }
    let hex_of = |v: &str, len: usize| {
        v.len() == len && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    };
    if !hex_of(&request.nonce, 32) {
        return Err(bad("nonce must be 32 lowercase hex characters"));
    }
    if !hex_of(&request.body_sha256, 64) {
        return Err(bad("body_sha256 must be 64 lowercase hex characters"));
    }
    Ok(())
}

/// Parses an `Authorization` header value.
pub fn parse_authorization(header: &str) -> Result<SignedRequest, Error> {
    let params = match header.split_once(' ') {
        Some((SCHEME, params)) => params,
        Some((SCHEME_V1, _)) => {
            return Err(bad(
                "version 1 request signatures (without the server's name) are no longer accepted: update jasmine-keys",
            ))
        }
        _ => return Err(bad("expected the Jasmine-Ed25519-v2 scheme")),
    };
    let mut slots: [Option<String>; 6] = Default::default();
    const NAMES: [&str; 6] = [
        "moderator",
        "audience",
        "date",
        "nonce",
        "body_sha256",
        "signature",
    ];
    for part in params.split(',') {
        let (name, value) = part
            .trim()
            .split_once('=')
            .ok_or_else(|| bad("parameter without '='"))?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(|| bad("parameter values must be quoted"))?;
        let slot = NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| bad("unknown parameter"))?;
        if slots[slot].replace(value.to_string()).is_some() {
            return Err(bad("parameter given twice"));
        }
    }
    let mut take = |i: usize| {
        slots[i]
            .take()
            .ok_or_else(|| bad(&format!("missing {}", NAMES[i])))
    };
    let request = SignedRequest {
        moderator: take(0)?,
        audience: take(1)?,
        date: take(2)?
            .parse()
            .map_err(|_| bad("date must be Unix seconds"))?,
        nonce: take(3)?,
        body_sha256: take(4)?,
        signature: take(5)?,
    };
    check_fields(&request)?;
    Ok(request)
}

impl SignedRequest {
    /// Verifies the signature against the moderator's API key in `bundle`, before the
    /// body is read (the body's hash is in the header). The audience, the date window
    /// and nonce reuse are the server's to check, and the body with [`Self::check_body`].
    pub fn verify(
        &self,
        bundle: &KeyBundle,
        method: &str,
        path_and_query: &str,
    ) -> Result<(), Error> {
        let moderator = bundle
            .moderator(&self.moderator)
            .ok_or_else(|| Error::UnknownSigner(self.moderator.clone()))?;
        keys::verify(
            Domain::Api,
            &moderator.api_key,
            &claims(self, method, path_and_query),
            &self.signature,
            "API request",
        )
    }

    /// Whether `body` is the body that was signed.
    pub fn check_body(&self, body: &[u8]) -> Result<(), Error> {
        if bool::from(
            body_hash(body)
                .as_bytes()
                .ct_eq(self.body_sha256.as_bytes()),
        ) {
            Ok(())
        } else {
            Err(Error::malformed(
                "request body",
                "it is not the body that was signed".to_string(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{ModeratorSecrets, ServerLimits};
    use crate::Day;
    use rand::rngs::OsRng;

    fn bundle_of(m: &ModeratorSecrets) -> KeyBundle {
        let today = Day::parse("2026-11-28").unwrap();
        KeyBundle {
            organisation: "T".into(),
            version: 1,
            issued: today,
            expires: today,
            onion: String::new(),
            check_key: None,
            moderators: vec![m.public_entry("A")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        }
    }

    fn sign(key: &SigningKey, audience: &str, method: &str, path: &str, body: &[u8]) -> String {
        let request = RequestToSign {
            moderator: "alice",
            audience,
            method,
            path_and_query: path,
            body,
        };
        authorization(key, &request, 1000, &mut OsRng).unwrap()
    }

    #[test]
    fn signed_request_verifies_only_as_sent() {
        let m = ModeratorSecrets::generate("alice", &mut OsRng);
        let bundle = bundle_of(&m);
        let path = "/v1/mod/reports/ab/ack";
        let header = sign(m.api_key(), "x.onion", "post", path, b"body");
        let parsed = parse_authorization(&header).unwrap();
        assert_eq!((parsed.date, parsed.audience.as_str()), (1000, "x.onion"));
        parsed.verify(&bundle, "POST", path).unwrap();
        parsed.check_body(b"body").unwrap();
        assert!(parsed.check_body(b"bodx").is_err());
        assert!(parsed.verify(&bundle, "GET", path).is_err());
        assert!(parsed
            .verify(&bundle, "POST", "/v1/mod/reports/cd/ack")
            .is_err());
        for change in [
            |r: &mut SignedRequest| r.date += 1,
            |r: &mut SignedRequest| r.audience = "y.onion".into(),
            |r: &mut SignedRequest| r.body_sha256 = body_hash(b"other"),
            |r: &mut SignedRequest| r.nonce = "0".repeat(32),
        ] {
            let mut changed = parsed.clone();
            change(&mut changed);
            assert!(
                changed.verify(&bundle, "POST", path).is_err(),
                "{changed:?}"
            );
        }
        // An alert key is not an API key.
        let wrong = sign(m.alert_key(), "x.onion", "GET", "/", b"");
        let wrong = parse_authorization(&wrong).unwrap();
        assert!(wrong.verify(&bundle, "GET", "/").is_err());
    }

    /// The example of PROTOCOL.md §6.4.2, with the vector API key (seed `0x5d + i`).
    #[test]
    fn protocol_example() {
        let seed: [u8; 32] = std::array::from_fn(|i| 0x5d + i as u8);
        let key = SigningKey::from_bytes(&seed);
        let mut request = SignedRequest {
            moderator: "vector-moderator".into(),
            audience: "jasminevectorexampleaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion".into(),
            date: 1796083200,
            nonce: "000102030405060708090a0b0c0d0e0f".into(),
            body_sha256: body_hash(b""),
            signature: String::new(),
        };
        let path = "/v1/mod/reports/00112233445566778899aabbccddeeff/ack";
        let claims = claims(&request, "POST", path);
        assert_eq!(
            String::from_utf8(crate::canonical::to_canonical_bytes(&claims).unwrap()).unwrap(),
            r#"{"audience":"jasminevectorexampleaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion","body_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","date":1796083200,"method":"POST","moderator":"vector-moderator","nonce":"000102030405060708090a0b0c0d0e0f","path":"/v1/mod/reports/00112233445566778899aabbccddeeff/ack"}"#
        );
        request.signature = keys::sign(Domain::Api, &key, &claims).unwrap();
        let header = "Jasmine-Ed25519-v2 moderator=\"vector-moderator\", audience=\"jasminevectorexampleaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.onion\", date=\"1796083200\", nonce=\"000102030405060708090a0b0c0d0e0f\", body_sha256=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\", signature=\"cU62G2tvqbPlpzZTZlyjsDsJmiXjBbw60G9arxQ6OOnH4EvMY0GRVRVwb3q0ury8A6I+BRpaQ3OtTVRvpvu5Bg==\"";
        assert_eq!(parse_authorization(header).unwrap(), request);
    }

    #[test]
    fn audience_is_the_host_alone() {
        for (authority, audience) in [
            ("127.0.0.1:8080", "127.0.0.1"),
            ("LocalHost:80", "localhost"),
            ("[::1]:8080", "::1"),
            ("abc.onion", "abc.onion"),
            ("abc.onion.:80", "abc.onion"),
        ] {
            assert_eq!(audience_of_authority(authority), audience, "{authority}");
        }
    }

    #[test]
    fn fail_malformed_headers() {
        let nonce = "0".repeat(32);
        let hash = "0".repeat(64);
        let good = format!("Jasmine-Ed25519-v2 moderator=\"a\", audience=\"h\", date=\"1\", nonce=\"{nonce}\", body_sha256=\"{hash}\", signature=\"s\"");
        parse_authorization(&good).unwrap();
        for bad in [
            String::new(),
            "Bearer x".into(),
            "Jasmine-Ed25519-v2 moderator=alice".into(),
            good.replace("date=\"1\"", "date=\"x\""),
            good.replace("moderator=\"a\"", "moderator=\"a\", moderator=\"b\""),
            good.replace("audience=\"h\", ", ""),
            good.replace("audience=\"h\"", "audience=\"h\\\"x\""),
            good.replace(&hash, &"A".repeat(64)),
            good.replace(&nonce, "00"),
            good.replace("Jasmine-Ed25519-v2", "Jasmine-Ed25519"),
        ] {
            assert!(parse_authorization(&bad).is_err(), "{bad}");
        }
        let v1 = parse_authorization(&good.replace("-v2", "")).unwrap_err();
        assert!(v1.to_string().contains("update jasmine-keys"), "{v1}");
    }
}
