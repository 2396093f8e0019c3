//! Opening what reaches the moderator: a report or a mailbox message, decrypted in
//! memory with any of the moderator's age identities (every key version) and checked
//! (padding frame, format, and for a report [`Report::validate`]), or the reason it
//! cannot be read. Anyone can post a report to the anonymous server, so a ciphertext
//! that does not open is junk to set aside, never a reason to stop: the reason says
//! only which check failed, never anything of its bytes.
//!
//! A message is also checked against what the desk trusts ([`Trust`]): a moderator's
//! reply must verify with that moderator's alert key in a bundle the desk imported,
//! a reporter's answer with the answer key her report gives, and the server's label
//! (moderator or reporter) must match who signed it. One that fails is set aside: a
//! server, or anyone who learned a mailbox id, cannot put words in her mouth or in a
//! moderator's.

use std::collections::BTreeMap;

use jasmine_client::bundle::KeyBundle;
use jasmine_client::keys::PublicKey;
use jasmine_client::mailbox::{self, Message};
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::wire::MessageFrom;
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
    /// Its signature does not verify: not written by whom it claims (a moderator's
    /// reply not signed by that moderator, an answer not signed with her answer key).
    BadSignature,
    /// The server says a moderator posted it and it is an answer, or the reverse.
    WrongSender,
}

impl Unreadable {
    /// The reason, for people.
    pub fn label(self) -> &'static str {
        match self {
            Unreadable::DoesNotDecrypt => "does not decrypt",
            Unreadable::NotAValidReport => "not a valid report",
            Unreadable::NotAValidMessage => "not a valid message",
            Unreadable::FileMissing => "its file is missing",
            Unreadable::BadSignature => {
                "its signature does not verify: not written by whom it claims"
            }
            Unreadable::WrongSender => "the server names another sender than the one who signed it",
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

/// What messages are checked against.
#[derive(Clone, Debug, Default)]
pub struct Trust {
    /// Key bundles (each verified against the root key when it was imported), newest
    /// first: a reply must verify with its signer's alert key in one of them.
    pub bundles: Vec<KeyBundle>,
    /// For each mailbox a report on the desk names, the key that signs her answers,
    /// or `None` when the report was written before answers were signed.
    pub answer_keys: BTreeMap<String, Option<PublicKey>>,
}

impl Trust {
    /// Records the answer key of `report`, if it asks for follow-up with a codename.
    pub fn add_report(&mut self, report: &Report) {
        if let FollowUp::Codename {
            mailbox,
            answer_key,
            ..
        } = &report.follow_up
        {
            let key = answer_key
                .as_deref()
                .and_then(|k| PublicKey::from_base64(k).ok());
            self.answer_keys.insert(mailbox.clone(), key);
        }
    }
}

/// Decrypts and checks a mailbox message: the frame, the strict format, the mailbox
/// it names, its text, its signature against `trust`, and, when the server's label
/// `from` is given, that it matches who signed it. Returns (mailbox id, message).
///
/// A reply is verified when `trust` holds a bundle (with none, it is marked
/// unverified); an answer when the report of its mailbox gives an answer key (a report
/// written before answers were signed, or none on this desk: marked unverified).
pub fn message(
    ciphertext: &[u8],
    keys: &OfflineKeys,
    trust: &Trust,
    from: Option<MessageFrom>,
) -> Result<(String, Message), Unreadable> {
    for identity in keys.identities() {
        match mailbox::mailbox_of(ciphertext, identity) {
            Ok(mailbox) => {
                let answer_key = trust.answer_keys.get(&mailbox).copied().flatten();
                let message = open_checked(ciphertext, identity, &mailbox, trust, answer_key)?;
                let labelled_right = match from {
                    Some(MessageFrom::Moderator) => !message.sender.is_reporter(),
                    Some(MessageFrom::Reporter) => message.sender.is_reporter(),
                    None => true,
                };
                if !labelled_right {
                    return Err(Unreadable::WrongSender);
                }
                return Ok((mailbox, message));
            }
            Err(Error::DecryptionFailed) => continue,
            Err(_) => return Err(Unreadable::NotAValidMessage),
        }
    }
    Err(Unreadable::DoesNotDecrypt)
}

fn open_checked(
    ciphertext: &[u8],
    identity: &age::x25519::Identity,
    mailbox: &str,
    trust: &Trust,
    answer_key: Option<PublicKey>,
) -> Result<Message, Unreadable> {
    mailbox::open_message(
        ciphertext,
        identity,
        mailbox,
        &trust.bundles,
        answer_key.as_ref(),
    )
    .map_err(|e| match e {
        Error::BadSignature(_) | Error::UnknownSigner(_) => Unreadable::BadSignature,
        _ => Unreadable::NotAValidMessage,
    })
}

/// A message opened, with the id it has on the server and the desk (which
/// `jasmine-keys attachment save` takes for an answer's images). It reads as the
/// [`Message`] it holds.
pub struct Opened {
    /// The message id.
    pub id: String,
    /// The message.
    pub message: Message,
}

impl std::ops::Deref for Opened {
    type Target = Message;

    fn deref(&self) -> &Message {
        &self.message
    }
}

/// Conversations by mailbox id, oldest message first.
pub type Conversations = BTreeMap<String, Vec<Opened>>;

/// Ids of what failed to open, each with the reason.
pub type Unopened = Vec<(String, Unreadable)>;

/// One message to open: its id, the server's label, its ciphertext.
pub type Sealed = (String, Option<MessageFrom>, Vec<u8>);

/// Opens messages, in the order given, checks each against `trust`, and groups them by
/// the mailbox each names; those that do not open or check come apart, with the reason.
pub fn conversations(
    messages: impl IntoIterator<Item = Sealed>,
    keys: &OfflineKeys,
    trust: &Trust,
) -> (Conversations, Unopened) {
    let (mut by_mailbox, mut unreadable) = (BTreeMap::<_, Vec<_>>::new(), Vec::new());
    for (id, from, ciphertext) in messages {
        match message(&ciphertext, keys, trust, from) {
            Ok((mailbox, message)) => by_mailbox
                .entry(mailbox)
                .or_default()
                .push(Opened { id, message }),
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
        let trust = Trust::default();
        assert_eq!(
            message(&sealed_report(&me), &keys, &trust, None).unwrap_err(),
            Unreadable::NotAValidMessage
        );
        assert_eq!(
            message(&sealed_report(&stranger), &keys, &trust, None).unwrap_err(),
            Unreadable::DoesNotDecrypt
        );
    }
}
