//! Single-use form tokens. The pages without JavaScript that answer with her words (the
//! report's confirmation with its codename, a conversation, the medical summary) are
//! answers to a POST; Back or reload would post it again and show it all again, to
//! whoever holds the phone. Each such form carries a token (`once`), good for one post:
//! a second post of it gets a page that shows nothing and asks again.
//!
//! A token is `base64url(nonce 16 ‖ expiry 8 ‖ HMAC-SHA256(key, "jasmine/form-once/v1"
//! ‖ nonce ‖ expiry)[..16])`, the key random and held in memory only (a restart voids
//! every token, which only asks her to start again). Spent nonces are remembered until
//! their expiry.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

/// How long a form may stay open before it is sent: writing a report takes time.
const LIFETIME_SECS: u64 = 12 * 3600;
/// Most spent tokens remembered; past it, expired ones are forgotten first, then the
/// oldest (a flood of posts can make a replay go through, never a real post fail).
const MAX_SPENT: usize = 200_000;
const NONCE: usize = 16;
const MAC: usize = 16;

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// No token, or not one of ours.
    Missing,
    /// Older than its lifetime.
    Expired,
    /// Already posted once.
    Spent,
}

/// Issues and spends tokens.
pub struct FormTokens {
    key: Zeroizing<[u8; 32]>,
    spent: Mutex<HashMap<[u8; NONCE], u64>>,
}

fn now() -> u64 {
    crate::auth::now_unix()
}

impl Default for FormTokens {
    fn default() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(key.as_mut());
        FormTokens {
            key,
            spent: Mutex::new(HashMap::new()),
        }
    }
}

impl FormTokens {
    fn mac(&self, signed: &[u8]) -> [u8; MAC] {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(self.key.as_ref()).expect("HMAC takes any key");
        mac.update(b"jasmine/form-once/v1");
        mac.update(signed);
        let mut out = [0u8; MAC];
        out.copy_from_slice(&mac.finalize().into_bytes()[..MAC]);
        out
    }

    /// A fresh token for one form.
    pub fn issue(&self) -> String {
        self.issue_at(now())
    }

    fn issue_at(&self, now: u64) -> String {
        let mut token = [0u8; NONCE + 8 + MAC];
        rand::rngs::OsRng.fill_bytes(&mut token[..NONCE]);
        token[NONCE..NONCE + 8].copy_from_slice(&(now + LIFETIME_SECS).to_be_bytes());
        let mac = self.mac(&token[..NONCE + 8]);
        token[NONCE + 8..].copy_from_slice(&mac);
        URL_SAFE_NO_PAD.encode(token)
    }

    /// Spends `token`: `Ok` the first time only.
    pub fn spend(&self, token: &str) -> Result<(), Refused> {
        self.spend_at(token, now())
    }

    fn spend_at(&self, token: &str, now: u64) -> Result<(), Refused> {
        let raw = URL_SAFE_NO_PAD
            .decode(token.trim())
            .map_err(|_| Refused::Missing)?;
        if raw.len() != NONCE + 8 + MAC {
            return Err(Refused::Missing);
        }
        let expected = self.mac(&raw[..NONCE + 8]);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &expected[..],
            &raw[NONCE + 8..],
        )) {
            return Err(Refused::Missing);
        }
        let expiry = u64::from_be_bytes(raw[NONCE..NONCE + 8].try_into().expect("8 bytes"));
        if expiry < now {
            return Err(Refused::Expired);
        }
        let nonce: [u8; NONCE] = raw[..NONCE].try_into().expect("16 bytes");
        let mut spent = self.spent.lock().expect("form tokens");
        if spent.len() >= MAX_SPENT {
            spent.retain(|_, until| *until >= now);
            while spent.len() >= MAX_SPENT {
                let oldest = spent
                    .iter()
                    .min_by_key(|(_, until)| **until)
                    .map(|(n, _)| *n)
                    .expect("not empty");
                spent.remove(&oldest);
            }
        }
        if spent.insert(nonce, expiry).is_some() {
            return Err(Refused::Spent);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_good_once_until_it_expires() {
        let tokens = FormTokens::default();
        let token = tokens.issue_at(1000);
        assert_eq!(tokens.spend_at(&token, 1001), Ok(()));
        assert_eq!(tokens.spend_at(&token, 1002), Err(Refused::Spent));
        let late = tokens.issue_at(1000);
        assert_eq!(
            tokens.spend_at(&late, 1001 + LIFETIME_SECS),
            Err(Refused::Expired)
        );
        let other = FormTokens::default().issue_at(1000);
        assert_eq!(tokens.spend_at(&other, 1001), Err(Refused::Missing));
        assert_eq!(tokens.spend_at("", 1001), Err(Refused::Missing));
        let mut forged = URL_SAFE_NO_PAD.decode(tokens.issue_at(1000)).unwrap();
        forged[NONCE] ^= 1; // a later expiry
        assert_eq!(
            tokens.spend_at(&URL_SAFE_NO_PAD.encode(forged), 1001),
            Err(Refused::Missing)
        );
    }
}
