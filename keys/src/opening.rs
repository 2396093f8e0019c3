//! Opening what reaches the moderator: a report or a mailbox message, decrypted in
//! memory with any of the moderator's age identities (every key version) and checked
//! (padding frame, format, and for a report [`Report::validate`]), or the reason it
//! cannot be read. Anyone can post a report to the anonymous server, so a ciphertext
//! that does not open is junk to set aside, never a reason to stop: the reason says
//! only which check failed, never anything of its bytes.

use std::collections::BTreeMap;

use jasmine_client::mailbox::{self, Message};
use jasmine_client::report::Report;
use jasmine_client::{envelope, padding, Error};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keyfiles::OfflineKeys;

/// Why a report or a message cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreadable {
    /// No identity of the moderator decrypts it (junk, or encrypted to others only).
    DoesNotDecrypt,
    /// It decrypts, but is not a valid report.
    NotAValidReport,
    /// It decrypts, but is not a valid mailbox message.
    NotAValidMessage,
    /// Its ciphertext file is missing from the desk, or cannot be read.
    FileMissing,
}

impl Unreadable {
    /// The reason, for people.
    pub fn label(self) -> &'static str {
        match self {
            Unreadable::DoesNotDecrypt => "does not decrypt",
            Unreadable::NotAValidReport => "not a valid report",
            Unreadable::NotAValidMessage => "not a valid message",
            Unreadable::FileMissing => "its file is missing",
        }
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// The plaintext of the first identity that decrypts `ciphertext`.
fn decrypt(ciphertext: &[u8], keys: &OfflineKeys) -> Result<Zeroizing<Vec<u8>>, Unreadable> {
    keys.identities()
        .find_map(|identity| envelope::open(ciphertext, identity).ok())
        .ok_or(Unreadable::DoesNotDecrypt)
}

/// Decrypts, unpads, parses and validates a report.
pub fn report(ciphertext: &[u8], keys: &OfflineKeys) -> Result<Report, Unreadable> {
    let framed = decrypt(ciphertext, keys)?;
    let json = padding::unpad(&framed).map_err(|_| Unreadable::NotAValidReport)?;
    // `from_json` parses and runs `Report::validate`.
    Report::from_json(json).map_err(|_| Unreadable::NotAValidReport)
}

/// Decrypts and checks a mailbox message (frame, strict format, the signed envelope of
/// a reply, the mailbox it names, its text): (mailbox id, message). A reply's
/// signature is verified where a key bundle is at hand (the reporter's side).
pub fn message(ciphertext: &[u8], keys: &OfflineKeys) -> Result<(String, Message), Unreadable> {
    for identity in keys.identities() {
        match mailbox::mailbox_of(ciphertext, identity) {
            Ok(mailbox) => {
                return mailbox::open_message(ciphertext, identity, &mailbox, None)
                    .map(|message| (mailbox, message))
                    .map_err(|_| Unreadable::NotAValidMessage)
            }
            Err(Error::DecryptionFailed) => continue,
            Err(_) => return Err(Unreadable::NotAValidMessage),
        }
    }
    Err(Unreadable::DoesNotDecrypt)
}

/// Conversations by mailbox id, oldest message first.
pub type Conversations = BTreeMap<String, Vec<Message>>;

/// Ids of what failed to open, each with the reason.
pub type Unopened = Vec<(String, Unreadable)>;

/// Opens messages `(id, ciphertext)`, in the order given, and groups them by the
/// mailbox each names; those that do not open come apart, with the reason.
pub fn conversations(
    messages: impl IntoIterator<Item = (String, Vec<u8>)>,
    keys: &OfflineKeys,
) -> (Conversations, Unopened) {
    let (mut by_mailbox, mut unreadable) = (BTreeMap::<_, Vec<_>>::new(), Vec::new());
    for (id, ciphertext) in messages {
        match message(&ciphertext, keys) {
            Ok((mailbox, message)) => by_mailbox.entry(mailbox).or_default().push(message),
            Err(why) => unreadable.push((id, why)),
        }
    }
    (by_mailbox, unreadable)
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use jasmine_client::Day;

    /// A report sealed (padded) to `recipient`, as a reporter's page would.
    pub fn sealed_report(recipient: &age::x25519::Recipient) -> Vec<u8> {
        let report = Report::example(Day::parse("2026-11-27").unwrap());
        sealed_bytes(&report.to_json().unwrap(), recipient)
    }

    /// `bytes`, padded and sealed to `recipient`.
    pub fn sealed_bytes(bytes: &[u8], recipient: &age::x25519::Recipient) -> Vec<u8> {
        envelope::seal(
            &padding::pad(bytes).unwrap(),
            std::slice::from_ref(recipient),
        )
        .unwrap()
    }

    #[test]
    fn a_report_opens_and_junk_says_only_why_not() {
        let keys = OfflineKeys::for_tests("alice");
        let me = keys.age_identity.to_public();
        assert!(report(&sealed_report(&me), &keys).is_ok());

        let stranger = age::x25519::Identity::generate().to_public();
        assert_eq!(
            report(&sealed_report(&stranger), &keys).unwrap_err(),
            Unreadable::DoesNotDecrypt
        );
        let mut random_payload = sealed_report(&me);
        let end = random_payload.len();
        for (i, byte) in random_payload[end - 300..].iter_mut().enumerate() {
            *byte = (i * 7) as u8;
        }
        assert_eq!(
            report(&random_payload, &keys).unwrap_err(),
            Unreadable::DoesNotDecrypt
        );
        assert_eq!(
            report(b"not age at all", &keys).unwrap_err(),
            Unreadable::DoesNotDecrypt
        );
        for not_a_report in [&b"{\"hello\": 1}"[..], b"\xff\xfe", b"[]"] {
            assert_eq!(
                report(&sealed_bytes(not_a_report, &me), &keys).unwrap_err(),
                Unreadable::NotAValidReport
            );
        }
        let unpadded = envelope::seal(b"{}", std::slice::from_ref(&me)).unwrap();
        assert_eq!(
            report(&unpadded, &keys).unwrap_err(),
            Unreadable::NotAValidReport
        );
        assert_eq!(
            message(&sealed_report(&me), &keys).unwrap_err(),
            Unreadable::NotAValidMessage
        );
        assert_eq!(
            message(&sealed_report(&stranger), &keys).unwrap_err(),
            Unreadable::DoesNotDecrypt
        );
    }
}
