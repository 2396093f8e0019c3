//! The admission puzzle (`docs/PROTOCOL.md` §6.9): a memory-hard proof of work that
//! every anonymous write made by a program carries, so that flooding the server costs
//! the flooder CPU and memory while one report costs a reporter little.
//!
//! The server hands out an opaque, MAC'd, single-use **challenge** with a difficulty
//! `d`. The client looks for an 8-byte nonce `N` such that
//! `Argon2id(challenge ‖ N, salt = "jasmine/puzzle/v1", 1 MiB, 1 pass, 1 lane)` starts
//! with `d` zero bits (on average `2^d` tries), and sends both in the
//! `Jasmine-Puzzle` header. Checking a solution costs the server one hash.
//!
//! This module does no I/O: the server side (issuing and checking challenges) lives
//! in the server; the page script implements the same hash (`server/web-js/src/puzzle.js`),
//! and `tests/vectors/puzzle.json` proves the two agree.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rand::RngCore;

use crate::Error;

/// Name of the request header carrying a solution.
pub const HEADER: &str = "jasmine-puzzle";
/// The Argon2id salt: the domain of the puzzle.
pub const SALT: &[u8] = b"jasmine/puzzle/v1";
/// Argon2id memory per attempt, in KiB.
pub const MEMORY_KIB: u32 = 1024;
/// Argon2id passes per attempt.
pub const PASSES: u32 = 1;
/// Argon2id lanes.
pub const LANES: u32 = 1;
/// The highest difficulty a server may ask for.
pub const MAX_DIFFICULTY: u8 = 32;
/// Length of a nonce in bytes.
pub const NONCE_BYTES: usize = 8;
/// Longest challenge a client accepts (bytes).
pub const MAX_CHALLENGE_BYTES: usize = 256;

/// What an anonymous write is for: a challenge for one cannot pay for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// `POST /v1/reports`.
    Report,
    /// `POST /v1/mailbox/answer`.
    Answer,
    /// `POST /v1/check`: every evaluation is also one guess for whoever enumerates
    /// numbers against the check key.
    Check,
}

impl Purpose {
    /// The name used in `GET /v1/puzzle?for=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Report => "report",
            Purpose::Answer => "answer",
            Purpose::Check => "check",
        }
    }

    /// Parses the name used in `GET /v1/puzzle?for=`.
    pub fn parse(text: &str) -> Option<Purpose> {
        match text {
            "report" => Some(Purpose::Report),
            "answer" => Some(Purpose::Answer),
            "check" => Some(Purpose::Check),
            _ => None,
        }
    }

    /// One byte for the challenge.
    pub fn code(self) -> u8 {
        match self {
            Purpose::Report => 1,
            Purpose::Answer => 2,
            Purpose::Check => 3,
        }
    }

    /// The purpose of a challenge byte.
    pub fn from_code(code: u8) -> Option<Purpose> {
        match code {
            1 => Some(Purpose::Report),
            2 => Some(Purpose::Answer),
            3 => Some(Purpose::Check),
            _ => None,
        }
    }
}

/// The hash of one attempt.
pub fn attempt_hash(challenge: &[u8], nonce: &[u8; NONCE_BYTES]) -> [u8; 32] {
    let params = argon2::Params::new(MEMORY_KIB, PASSES, LANES, Some(32))
        .expect("the puzzle's Argon2 parameters are valid");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut password = Vec::with_capacity(challenge.len() + NONCE_BYTES);
    password.extend_from_slice(challenge);
    password.extend_from_slice(nonce);
    let mut out = [0u8; 32];
    argon
        .hash_password_into(&password, SALT, &mut out)
        .expect("the puzzle's Argon2 input lengths are valid");
    out
}

/// Number of leading zero bits (most significant bit of byte 0 first).
pub fn leading_zero_bits(bytes: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in bytes {
        if *byte == 0 {
            bits += 8;
        } else {
            return bits + byte.leading_zeros();
        }
    }
    bits
}

/// Whether `nonce` solves `challenge` at `difficulty`.
pub fn is_solution(challenge: &[u8], nonce: &[u8; NONCE_BYTES], difficulty: u8) -> bool {
    leading_zero_bits(&attempt_hash(challenge, nonce)) >= u32::from(difficulty)
}

/// A challenge as the server hands it out (`GET /v1/puzzle`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Challenge {
    /// Opaque bytes, base64url without padding.
    pub challenge: String,
    /// Zero bits the solution's hash must start with.
    pub difficulty: u8,
    /// Seconds the challenge stays valid.
    pub expires_in: u64,
}

/// A solved challenge, ready for the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solution {
    /// The challenge as received (base64url).
    pub challenge: String,
    /// The nonce found.
    pub nonce: [u8; NONCE_BYTES],
    /// Attempts it took.
    pub attempts: u64,
}

impl Solution {
    /// The value of the `Jasmine-Puzzle` header: `<challenge>.<nonce hex>`.
    pub fn header_value(&self) -> String {
        format!("{}.{}", self.challenge, hex::encode(self.nonce))
    }
}

/// Decodes a challenge's bytes (base64url without padding, at most
/// [`MAX_CHALLENGE_BYTES`]).
pub fn decode_challenge(text: &str) -> Result<Vec<u8>, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| Error::malformed("puzzle", "the challenge is not base64url"))?;
    if bytes.is_empty() || bytes.len() > MAX_CHALLENGE_BYTES {
        return Err(Error::malformed(
            "puzzle",
            "the challenge has an impossible length",
        ));
    }
    Ok(bytes)
}

/// Splits a `Jasmine-Puzzle` header into the challenge bytes and the nonce.
pub fn parse_header(value: &str) -> Result<(Vec<u8>, [u8; NONCE_BYTES]), Error> {
    let (challenge, nonce) = value.trim().split_once('.').ok_or_else(|| {
        Error::malformed(
            "puzzle",
            "the Jasmine-Puzzle header is <challenge>.<nonce hex>",
        )
    })?;
    let challenge = decode_challenge(challenge)?;
    let mut out = [0u8; NONCE_BYTES];
    if nonce.len() != 2 * NONCE_BYTES
        || !nonce
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(Error::malformed(
            "puzzle",
            "the nonce is 16 lowercase hex characters",
        ));
    }
    hex::decode_to_slice(nonce, &mut out)
        .map_err(|_| Error::malformed("puzzle", "the nonce is not hex"))?;
    Ok((challenge, out))
}

/// Solves a challenge: tries nonces from a random start, calling `progress` with the
/// number of attempts so far every 16 attempts. Refuses a difficulty above
/// [`MAX_DIFFICULTY`] (a hostile server could otherwise keep a client busy for ever).
pub fn solve(
    challenge: &Challenge,
    rng: &mut impl RngCore,
    mut progress: impl FnMut(u64),
) -> Result<Solution, Error> {
    if challenge.difficulty > MAX_DIFFICULTY {
        return Err(Error::malformed(
            "puzzle",
            format!(
                "the server asks for difficulty {}, above the protocol's {MAX_DIFFICULTY}",
                challenge.difficulty
            ),
        ));
    }
    let bytes = decode_challenge(&challenge.challenge)?;
    let mut counter = rng.next_u64();
    let mut attempts = 0u64;
    loop {
        let nonce = counter.to_le_bytes();
        attempts += 1;
        if is_solution(&bytes, &nonce, challenge.difficulty) {
            return Ok(Solution {
                challenge: challenge.challenge.clone(),
                nonce,
                attempts,
            });
        }
        if attempts.is_multiple_of(16) {
            progress(attempts);
        }
        counter = counter.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_zero_bits_counts_from_the_first_byte() {
        assert_eq!(leading_zero_bits(&[0x80]), 0);
        assert_eq!(leading_zero_bits(&[0x01]), 7);
        assert_eq!(leading_zero_bits(&[0x00, 0x20]), 10);
        assert_eq!(leading_zero_bits(&[0, 0]), 16);
    }

    #[test]
    fn a_solution_verifies_and_travels_in_the_header() {
        let challenge = Challenge {
            challenge: URL_SAFE_NO_PAD.encode(b"some challenge bytes"),
            difficulty: 6,
            expires_in: 60,
        };
        let solution = solve(&challenge, &mut rand::rngs::OsRng, |_| {}).unwrap();
        let (bytes, nonce) = parse_header(&solution.header_value()).unwrap();
        assert_eq!(bytes, b"some challenge bytes");
        assert!(is_solution(&bytes, &nonce, 6));
        // A solution is bound to its challenge.
        assert!(!(0..4u8).all(|i| is_solution(&[i], &nonce, 6)));
    }

    #[test]
    fn fail_malformed_headers_and_hostile_difficulties() {
        for bad in [
            "",
            "abc",
            "abc.0011223344556677aa",
            "abc.00112233445566ZZ",
            "abc.00112233445566AA",
            "a+c.0011223344556677",
            ".0011223344556677",
        ] {
            assert!(parse_header(bad).is_err(), "{bad}");
        }
        let hostile = Challenge {
            challenge: "AAAA".into(),
            difficulty: MAX_DIFFICULTY + 1,
            expires_in: 60,
        };
        assert!(solve(&hostile, &mut rand::rngs::OsRng, |_| {}).is_err());
    }
}
