//! Codenames: how a reporter gets answers without an identity (`docs/PROTOCOL.md` §4.10).
//!
//! A codename is 100 random bits written as 20 Crockford base32 characters, plus a
//! 4-character checksum, shown in six groups of four (`7K2M-QX9D-…`), easy to copy
//! and to read aloud. Reading one back ignores case, spaces and dashes, and reads
//! `O` as `0` and `I`/`L` as `1`; the checksum catches typos and swapped groups, so a
//! mistyped codename is refused instead of silently opening another (empty) mailbox.
//!
//! From the 20 data characters, Argon2id (64 MiB, 3 passes, 1 lane, fixed salt
//! `jasmine/codename/v1`) derives 64 bytes: the first 32 are an X25519 secret, the age
//! identity that reads the replies; the last 32 give the mailbox id,
//! `hex(SHA-256("jasmine/mailbox/v1" || bytes[32..64]))[..32]`; all 64 give the seed
//! of the Ed25519 key that signs her answers, `SHA-256("jasmine/answer-key/v1" ||
//! bytes[0..64])`, whose public half the report carries (inside its ciphertext).

use std::fmt;

use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::Error;

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Data characters (100 bits).
const DATA_CHARS: usize = 20;
/// Checksum characters (20 bits of SHA-256).
const CHECK_CHARS: usize = 4;
/// Argon2id parameters: memory in KiB, passes, lanes.
pub const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
/// Argon2id passes.
pub const ARGON2_PASSES: u32 = 3;
/// Argon2id lanes.
pub const ARGON2_LANES: u32 = 1;
const SALT: &[u8] = b"jasmine/codename/v1";
const MAILBOX_TAG: &[u8] = b"jasmine/mailbox/v1";
const ANSWER_KEY_TAG: &[u8] = b"jasmine/answer-key/v1";

/// A codename: only its 20 data characters (upper case), wiped on drop (clones too).
/// `Debug` hides it.
#[derive(Clone)]
pub struct Codename(Zeroizing<String>);

/// What a codename gives: the key that reads replies, the mailbox they go to, and the
/// key that signs her answers (wiped on drop).
pub struct ReplyKeys {
    /// The age identity that decrypts replies (`AGE-SECRET-KEY-1…`).
    pub identity: age::x25519::Identity,
    /// The matching recipient (`age1…`), which the report carries.
    pub recipient: String,
    /// The mailbox id (32 hex characters), which the report carries.
    pub mailbox: String,
    /// Signs her answers; its public half ([`ReplyKeys::answer_public`]) is in the report.
    pub answer_key: ed25519_dalek::SigningKey,
}

impl ReplyKeys {
    /// The public key that checks her answers, which the report carries.
    pub fn answer_public(&self) -> crate::keys::PublicKey {
        crate::keys::PublicKey::from(&self.answer_key)
    }
}

fn checksum(data: &str) -> String {
    let digest =
        Sha256::digest([b"jasmine/codename-check/v1\0".as_slice(), data.as_bytes()].concat());
    let bits =
        (u32::from(digest[0]) << 12) | (u32::from(digest[1]) << 4) | (u32::from(digest[2]) >> 4);
    (0..CHECK_CHARS)
        .map(|i| ALPHABET[((bits >> (5 * (CHECK_CHARS - 1 - i))) & 31) as usize] as char)
        .collect()
}

impl Codename {
    /// A fresh codename (100 random bits).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Codename {
        let mut text = Zeroizing::new(String::with_capacity(DATA_CHARS));
        for _ in 0..DATA_CHARS {
            text.push(ALPHABET[(rng.next_u32() & 31) as usize] as char);
        }
        Codename(text)
    }

    /// The codename with these 20 data characters (test vectors, and clients that
    /// generate the characters themselves). Refuses anything but 20 upper-case
    /// characters of the alphabet.
    pub fn from_data(data: &str) -> Result<Codename, Error> {
        if data.len() != DATA_CHARS || !data.bytes().all(|b| ALPHABET.contains(&b)) {
            return Err(Error::malformed(
                "codename",
                "the data part is 20 characters of 0-9 and A-Z without I, L, O, U",
            ));
        }
        Ok(Codename(Zeroizing::new(data.to_string())))
    }

    /// Reads a codename as typed: case, spaces and dashes do not matter; `O`→`0`,
    /// `I`/`L`→`1`. A wrong length or a failing checksum is refused.
    pub fn parse(typed: &str) -> Result<Codename, Error> {
        let mut clean = Zeroizing::new(String::with_capacity(DATA_CHARS + CHECK_CHARS));
        for c in typed.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' | '_' | '.' | '\t' | '\n' | '\r' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if ALPHABET.contains(&(c as u8)) && c.is_ascii() => c,
                _ => {
                    return Err(Error::malformed(
                        "codename",
                        "it has a character that no codename has",
                    ))
                }
            };
            clean.push(c);
        }
        if clean.len() != DATA_CHARS + CHECK_CHARS {
            return Err(Error::malformed(
                "codename",
                format!(
                    "a codename has {} characters; this one has {}",
                    DATA_CHARS + CHECK_CHARS,
                    clean.len()
                ),
            ));
        }
        let (data, check) = clean.split_at(DATA_CHARS);
        if checksum(data) != check {
            return Err(Error::malformed(
                "codename",
                "it has a typo (the last group does not match); check each group",
            ));
        }
        Ok(Codename(Zeroizing::new(data.to_string())))
    }

    /// The codename to show: six groups of four, dash-separated (zeroized on drop).
    pub fn display(&self) -> Zeroizing<String> {
        let mut full = Zeroizing::new(format!("{}{}", self.0.as_str(), checksum(&self.0)));
        let grouped: String = full
            .as_bytes()
            .chunks(4)
            .map(|g| std::str::from_utf8(g).expect("ascii"))
            .collect::<Vec<_>>()
            .join("-");
        full.zeroize();
        Zeroizing::new(grouped)
    }

    /// Derives the reply key and the mailbox id (memory-hard: about 64 MiB, a fraction
    /// of a second in an optimised build).
    pub fn derive(&self) -> Result<ReplyKeys, Error> {
        let params = argon2::Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, Some(64))
            .map_err(|e| Error::Encryption(e.to_string()))?;
        let argon = argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params.clone(),
        );
        let mut out = Zeroizing::new([0u8; 64]);
        // The 64 MiB of working memory holds what the codename gives: wiped after use.
        let mut memory = Zeroizing::new(vec![argon2::Block::default(); params.block_count()]);
        argon
            .hash_password_into_with_memory(
                self.0.as_bytes(),
                SALT,
                out.as_mut(),
                memory.as_mut_slice(),
            )
            .map_err(|e| Error::Encryption(e.to_string()))?;
        let mut secret = Zeroizing::new([0u8; 32]);
        secret.copy_from_slice(&out[..32]);
        // The reply key is an X25519 key pair; age writes it as bech32 text.
        let public = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret));
        let recipient = bech32::encode_lower::<bech32::Bech32>(
            bech32::Hrp::parse("age").expect("hrp"),
            public.as_bytes(),
        )
        .map_err(|e| Error::Encryption(e.to_string()))?;
        let identity_text = Zeroizing::new(
            bech32::encode_upper::<bech32::Bech32>(
                bech32::Hrp::parse("AGE-SECRET-KEY-").expect("hrp"),
                secret.as_ref(),
            )
            .map_err(|e| Error::Encryption(e.to_string()))?,
        );
        let identity: age::x25519::Identity = identity_text
            .parse()
            .map_err(|_| Error::Encryption("derived key is not an age identity".into()))?;
        if identity.to_public().to_string() != recipient {
            return Err(Error::Encryption("derived key pair does not match".into()));
        }
        let mailbox = hex::encode(&Sha256::digest([MAILBOX_TAG, &out[32..]].concat())[..16]);
        let mut seed: Zeroizing<[u8; 32]> = Zeroizing::new(
            Sha256::new()
                .chain_update(ANSWER_KEY_TAG)
                .chain_update(&out[..])
                .finalize()
                .into(),
        );
        let answer_key = ed25519_dalek::SigningKey::from_bytes(&seed);
        seed.zeroize();
        Ok(ReplyKeys {
            recipient,
            identity,
            mailbox,
            answer_key,
        })
    }
}

impl fmt::Debug for Codename {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Codename([hidden])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    #[test]
    fn shown_codenames_read_back_whatever_the_typing() {
        let codename = Codename::generate(&mut OsRng);
        let shown = codename.display().to_string();
        assert_eq!(shown.len(), 24 + 5);
        assert_eq!(shown.split('-').count(), 6);
        for typed in [
            shown.clone(),
            shown.to_lowercase(),
            shown.replace('-', " "),
            shown.replace('-', ""),
            format!("  {shown}\n"),
        ] {
            assert_eq!(
                Codename::parse(&typed).unwrap().display().as_str(),
                shown.as_str(),
                "{typed}"
            );
        }
        let confusable = shown.replace('0', "o").replace('1', "l");
        assert_eq!(
            Codename::parse(&confusable).unwrap().display().as_str(),
            shown.as_str()
        );
    }

    #[test]
    fn fail_typos_swapped_groups_and_wrong_lengths_are_refused() {
        let shown = Codename::generate(&mut OsRng).display().to_string();
        let groups: Vec<&str> = shown.split('-').collect();
        let mut swapped = groups.clone();
        swapped.swap(0, 1);
        if swapped != groups {
            assert!(Codename::parse(&swapped.join("-"))
                .unwrap_err()
                .to_string()
                .contains("typo"));
        }
        let mut typo = shown.clone().into_bytes();
        typo[2] = if typo[2] == b'A' { b'B' } else { b'A' };
        assert!(Codename::parse(std::str::from_utf8(&typo).unwrap()).is_err());
        assert!(Codename::parse(&shown[..shown.len() - 5])
            .unwrap_err()
            .to_string()
            .contains("24 characters"));
        assert!(Codename::parse("ÉÉÉÉ").is_err());
        assert_eq!(
            format!("{:?}", Codename::parse(&shown).unwrap()),
            "Codename([hidden])"
        );
    }

    #[test]
    fn derivation_is_stable_and_the_key_reads_what_is_sent_to_it() {
        let codename = Codename::parse("0000-0000-0000-0000-0000").err();
        assert!(
            codename.is_some(),
            "a codename without its checksum is refused"
        );
        let data = "7K2MQX9DA4RT8ZWCPB3N";
        let shown = format!("{data}{}", checksum(data));
        let keys = Codename::parse(&shown).unwrap().derive().unwrap();
        let again = Codename::parse(&shown.to_lowercase())
            .unwrap()
            .derive()
            .unwrap();
        assert_eq!(
            (keys.mailbox.as_str(), keys.recipient.as_str()),
            (again.mailbox.as_str(), again.recipient.as_str())
        );
        assert_eq!(keys.mailbox.len(), 32);
        let sealed = crate::envelope::seal(b"reply", &[keys.recipient.parse().unwrap()]).unwrap();
        assert_eq!(
            &crate::envelope::open(&sealed, &again.identity).unwrap()[..],
            b"reply"
        );
        let other = Codename::generate(&mut OsRng).derive().unwrap();
        assert_ne!(other.mailbox, keys.mailbox);
        assert!(crate::envelope::open(&sealed, &other.identity).is_err());
    }
}
