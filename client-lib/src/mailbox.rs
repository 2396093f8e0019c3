//! Reply mailboxes: the conversation between the moderators and a reporter who asked
//! for follow-up with a codename (`docs/PROTOCOL.md` §4.11).
//!
//! Every message is age-encrypted, padded like a report, to the reporter's reply
//! recipient **and** to every moderator of the current bundle, so that both sides can
//! read the whole conversation. Its plaintext is one of:
//!
//! - `{"reply": {…, "signed_by": id}, "signature": …}`: from a moderator, signed with
//!   their alert key for the domain `jasmine/reply/v1`;
//! - `{"answer": {…}, "signature": …}`: from the reporter, signed with the answer key
//!   her codename gives (`jasmine/answer/v1`), whose public half her report carries.
//!   Knowing the mailbox id (which the server sees) is not enough to write in her
//!   name. `{"answer": {…}}` without a signature was written before answers were
//!   signed: it is read, marked unverified, and refused where her report gives a key.
//!
//! Both carry the mailbox id: a message read from another mailbox than the one it
//! names is refused, so a server cannot move messages between conversations.
//!
//! The server files messages under the mailbox *key*,
//! `hex(SHA-256("jasmine/mailbox-key/v1" || id))`, never under the id itself: a copy
//! of its database does not give what is needed to read or answer a mailbox.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::attachment::{self, Attachment, Image, MAX_ATTACHMENTS};
use crate::bundle::{KeyBundle, VerifiedBundle};
use crate::codename::ReplyKeys;
use crate::keys::{self, Domain};
use crate::{envelope, padding, Day, Error};

/// The message format version this crate writes and reads.
pub const MESSAGE_FORMAT: u32 = 1;
/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 10_000;

/// Whether `text` has the form of a mailbox id (32 lowercase hex characters).
pub fn is_mailbox_id(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The key the server files a mailbox under: `hex(SHA-256("jasmine/mailbox-key/v1" || id))`.
pub fn mailbox_key(mailbox: &str) -> String {
    hex::encode(Sha256::digest(
        [b"jasmine/mailbox-key/v1".as_slice(), mailbox.as_bytes()].concat(),
    ))
}

/// A moderator's reply, as signed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// Always [`MESSAGE_FORMAT`].
    pub format: u32,
    /// The mailbox it belongs to.
    pub mailbox: String,
    /// The day it was written.
    pub written_on: Day,
    /// What the moderator says.
    pub text: String,
    /// The moderator's id in the bundle.
    pub signed_by: String,
}

/// A reporter's answer.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// Always [`MESSAGE_FORMAT`].
    pub format: u32,
    /// The mailbox it belongs to.
    pub mailbox: String,
    /// The day it was written.
    pub written_on: Day,
    /// What the reporter says (may be empty when she sends images).
    pub text: String,
    /// The images sent with it, in the order of its attachments file
    /// (`docs/PROTOCOL.md` §4.12); absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    /// A moderator; `verified` says whether the signature was checked against a bundle
    /// that lists them.
    Moderator {
        /// Moderator id.
        id: String,
        /// Display name, when a bundle was given.
        name: Option<String>,
        /// Whether the signature verified.
        verified: bool,
    },
    /// The reporter; `verified` says whether the signature was checked against the
    /// answer key of her report.
    Reporter {
        /// Whether the signature verified.
        verified: bool,
    },
}

impl Sender {
    /// Whether the message's signature was checked and holds.
    pub fn is_verified(&self) -> bool {
        match self {
            Sender::Moderator { verified, .. } | Sender::Reporter { verified } => *verified,
        }
    }

    /// Whether the reporter wrote it.
    pub fn is_reporter(&self) -> bool {
        matches!(self, Sender::Reporter { .. })
    }
}

/// A decrypted message. The text is wiped on drop and never printed by `Debug`.
pub struct Message {
    /// Who wrote it.
    pub sender: Sender,
    /// The day it was written.
    pub written_on: Day,
    /// What it says.
    pub text: Zeroizing<String>,
    /// The images she sent with it (an answer only), as its signed `attachments` lists
    /// them; the images themselves are in the message's attachments file.
    pub attachments: Vec<Attachment>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("sender", &self.sender)
            .field("written_on", &self.written_on)
            .field("text", &"[hidden]")
            .field("attachments", &self.attachments.len())
            .finish()
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

impl Drop for Answer {
    fn drop(&mut self) {
        self.text.zeroize();
    }
}

/// A message says something: a text, or (an answer only) images with or without one.
fn check_text(text: &str, with_images: bool) -> Result<(), Error> {
    if text.trim().is_empty() && !with_images {
        return Err(Error::malformed("message", "the message is empty"));
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Error::malformed(
            "message",
            format!(
                "the message has {chars} characters, more than the {MAX_MESSAGE_CHARS} allowed"
            ),
        ));
    }
    Ok(())
}

fn check_mailbox(mailbox: &str) -> Result<(), Error> {
    if is_mailbox_id(mailbox) {
        Ok(())
    } else {
        Err(Error::malformed(
            "message",
            "the mailbox id must be 32 lowercase hex characters",
        ))
    }
}

fn seal_value(
    value: &Value,
    recipients: &[age::x25519::Recipient],
    limit: usize,
) -> Result<Vec<u8>, Error> {
    let json = Zeroizing::new(
        serde_json::to_vec(value).map_err(|e| Error::malformed("message", e.to_string()))?,
    );
    let framed = padding::pad(&json)?;
    let ciphertext = envelope::seal(&framed, recipients)?;
    if ciphertext.len() > limit {
        return Err(Error::TooLarge {
            size: ciphertext.len(),
            limit,
        });
    }
    Ok(ciphertext)
}

fn recipients_with(
    bundle: &VerifiedBundle,
    reporter: &str,
) -> Result<Vec<age::x25519::Recipient>, Error> {
    let mut recipients = bundle.recipients();
    recipients.push(crate::bundle::parse_recipient(reporter)?);
    Ok(recipients)
}

/// A moderator's signed reply, encrypted to the reporter's `recipient` and to every
/// moderator of `bundle`.
pub fn seal_reply(
    reply: &Reply,
    recipient: &str,
    alert_key: &ed25519_dalek::SigningKey,
    bundle: &VerifiedBundle,
) -> Result<Vec<u8>, Error> {
    check_mailbox(&reply.mailbox)?;
    check_text(&reply.text, false)?;
    if reply.format != MESSAGE_FORMAT {
        return Err(Error::malformed("message", "unsupported format"));
    }
    let value =
        serde_json::to_value(reply).map_err(|e| Error::malformed("message", e.to_string()))?;
    let signature = keys::sign(Domain::Reply, alert_key, &value)?;
    let signed = keys::wrap_signed("reply", value, signature);
    seal_value(
        &signed,
        &recipients_with(bundle, recipient)?,
        bundle.bundle().limits.max_report_bytes as usize,
    )
}

/// A reporter's answer, encrypted to every moderator of `bundle` and to the
/// reporter's own reply key (so the conversation stays readable with the codename).
pub fn seal_answer(
    text: &str,
    reply_keys: &ReplyKeys,
    bundle: &VerifiedBundle,
    today: Day,
) -> Result<Vec<u8>, Error> {
    Ok(seal_answer_with_images(text, &[], reply_keys, bundle, today)?.envelope)
}

/// An answer as sent: its envelope, and its attachments file when it carries images.
pub struct SealedAnswer {
    /// The answer's age file.
    pub envelope: Vec<u8>,
    /// The images' attachments file (`docs/PROTOCOL.md` §4.12), sealed to the same
    /// recipients as the envelope.
    pub attachments: Option<Vec<u8>>,
}

/// A reporter's answer with `images` (scrubbed already, [`crate::scrub`]; at most
/// [`MAX_ATTACHMENTS`]): the images go into an attachments file sealed to the same
/// recipients as the answer, which names each by its size and SHA-256 under her
/// signature. The text may be empty when there are images.
pub fn seal_answer_with_images(
    text: &str,
    images: &[Image],
    reply_keys: &ReplyKeys,
    bundle: &VerifiedBundle,
    today: Day,
) -> Result<SealedAnswer, Error> {
    check_text(text, !images.is_empty())?;
    if images.len() > MAX_ATTACHMENTS {
        return Err(Error::malformed(
            "message",
            format!("at most {MAX_ATTACHMENTS} images go with one answer"),
        ));
    }
    let recipients = recipients_with(bundle, &reply_keys.recipient)?;
    let (attachments, entries) = if images.is_empty() {
        (None, Vec::new())
    } else {
        let (file, entries) = attachment::seal(images, &recipients)?;
        (Some(file), entries)
    };
    let answer = Answer {
        format: MESSAGE_FORMAT,
        mailbox: reply_keys.mailbox.clone(),
        written_on: today,
        text: text.to_string(),
        attachments: entries,
    };
    let signed = signed_answer(&answer, &reply_keys.answer_key)?;
    let envelope = seal_value(
        &signed,
        &recipients,
        bundle.bundle().limits.max_report_bytes as usize,
    )?;
    Ok(SealedAnswer {
        envelope,
        attachments,
    })
}

/// `{"answer": answer, "signature": …}`, signed with the answer key.
pub fn signed_answer(
    answer: &Answer,
    answer_key: &ed25519_dalek::SigningKey,
) -> Result<Value, Error> {
    let value =
        serde_json::to_value(answer).map_err(|e| Error::malformed("message", e.to_string()))?;
    let signature = keys::sign(Domain::Answer, answer_key, &value)?;
    Ok(keys::wrap_signed("answer", value, signature))
}

/// Decrypts a message read from `mailbox`.
///
/// - A moderator's reply is verified when `bundles` are given (one that fails is
///   refused): it must verify with the signer's current or retired alert key in one of
///   them, the first that verifies naming the signer. Without any, the sender is
///   marked unverified.
/// - A reporter's answer is verified when her `answer_key` (from her report) is given:
///   one with a bad signature, or none, is refused. Without a key, the sender is marked
///   unverified.
pub fn open_message(
    ciphertext: &[u8],
    identity: &age::x25519::Identity,
    mailbox: &str,
    bundles: &[KeyBundle],
    answer_key: Option<&crate::keys::PublicKey>,
) -> Result<Message, Error> {
    let framed = envelope::open(ciphertext, identity)?;
    read_message(padding::unpad(&framed)?, mailbox, bundles, answer_key)
}

/// Reads a message's plaintext (decrypted and unpadded) from `mailbox`, with the checks
/// of [`open_message`]: what a stranger's bytes go through once they decrypt.
pub fn read_message(
    plaintext: &[u8],
    mailbox: &str,
    bundles: &[KeyBundle],
    answer_key: Option<&crate::keys::PublicKey>,
) -> Result<Message, Error> {
    let value = crate::canonical::parse_strict(plaintext, "message")?;
    let is_reply = value.get("reply").is_some();
    let (sender, written_on, text, named_mailbox, attachments) = if is_reply {
        let (inner, signature) = keys::unwrap_signed(value, "reply", "reply")?;
        let signer = inner
            .get("signed_by")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let (name, verified) = if bundles.is_empty() {
            (None, false)
        } else {
            // The moderator's current alert key, or a retired one (a reply written
            // before a rotation); a revoked key is in neither.
            let mut known = false;
            let mut name = None;
            for bundle in bundles {
                for (key, retired) in bundle.alert_keys(&signer) {
                    known = true;
                    if keys::verify(Domain::Reply, &key, &inner, &signature, "reply").is_ok() {
                        name = Some(match (bundle.moderator(&signer), retired) {
                            (Some(m), _) => m.name.clone(),
                            (None, Some(f)) => f.name.clone(),
                            (None, None) => signer.clone(),
                        });
                        break;
                    }
                }
                if name.is_some() {
                    break;
                }
            }
            match (name, known) {
                (Some(name), _) => (Some(name), true),
                (None, true) => return Err(Error::BadSignature("reply")),
                (None, false) => return Err(Error::UnknownSigner(signer)),
            }
        };
        let reply: Reply =
            serde_json::from_value(inner).map_err(|e| Error::malformed("reply", e.to_string()))?;
        let sender = Sender::Moderator {
            id: reply.signed_by.clone(),
            name,
            verified,
        };
        (
            sender,
            reply.written_on,
            reply.text.clone(),
            reply.mailbox.clone(),
            Vec::new(),
        )
    } else {
        let Value::Object(mut object) = value else {
            return Err(Error::malformed("message", "not a JSON object"));
        };
        let inner = object
            .remove("answer")
            .ok_or_else(|| Error::malformed("message", "neither a reply nor an answer"))?;
        let signature = match object.remove("signature") {
            None => None,
            Some(Value::String(signature)) => Some(signature),
            Some(_) => return Err(Error::malformed("answer", "the signature is not a string")),
        };
        if let Some(extra) = object.keys().next() {
            return Err(Error::malformed(
                "message",
                format!("unexpected member '{extra}'"),
            ));
        }
        let verified = match (answer_key, &signature) {
            (Some(key), Some(signature)) => {
                keys::verify(Domain::Answer, key, &inner, signature, "answer")?;
                true
            }
            (Some(_), None) => return Err(Error::BadSignature("answer")),
            (None, _) => false,
        };
        let answer: Answer =
            serde_json::from_value(inner).map_err(|e| Error::malformed("answer", e.to_string()))?;
        if answer.attachments.len() > MAX_ATTACHMENTS
            || !answer.attachments.iter().all(Attachment::is_valid)
        {
            return Err(Error::malformed(
                "answer",
                format!("attachments: at most {MAX_ATTACHMENTS} images, each 1 to 10 MiB with its SHA-256"),
            ));
        }
        (
            Sender::Reporter { verified },
            answer.written_on,
            answer.text.clone(),
            answer.mailbox.clone(),
            answer.attachments.clone(),
        )
    };
    let text = Zeroizing::new(text);
    if named_mailbox != mailbox {
        return Err(Error::malformed(
            "message",
            "it belongs to another mailbox (the server may be mixing conversations)",
        ));
    }
    check_text(&text, !attachments.is_empty())?;
    Ok(Message {
        sender,
        written_on,
        text,
        attachments,
    })
}

/// The mailbox a message names, for a moderator who does not know yet which
/// conversation it belongs to. Verifies nothing else.
pub fn mailbox_of(ciphertext: &[u8], identity: &age::x25519::Identity) -> Result<String, Error> {
    let framed = envelope::open(ciphertext, identity)?;
    let value = crate::canonical::parse_strict(padding::unpad(&framed)?, "message")?;
    ["reply", "answer"]
        .iter()
        .find_map(|member| value.get(member)?.get("mailbox")?.as_str())
        .filter(|m| is_mailbox_id(m))
        .map(str::to_string)
        .ok_or_else(|| Error::malformed("message", "no mailbox id"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::age_shape;
    use crate::bundle::{sign_bundle, verify_bundle, ModeratorSecrets, ServerLimits};
    use crate::codename::Codename;
    use crate::keys::PublicKey;
    use rand::rngs::OsRng;

    fn setup() -> (ModeratorSecrets, VerifiedBundle, Day) {
        let today = Day::parse("2026-11-29").unwrap();
        let root = ed25519_dalek::SigningKey::generate(&mut OsRng);
        let alice = ModeratorSecrets::generate("alice", &mut OsRng);
        let draft = KeyBundle {
            organisation: "T".into(),
            version: 1,
            issued: today,
            expires: today.add_days(30),
            onion: String::new(),
            check_key: None,
            moderators: vec![alice.public_entry("Alice")],
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        let signed = sign_bundle(&draft, &root).unwrap();
        let bundle = verify_bundle(&signed, &PublicKey::from(&root), today, None).unwrap();
        (alice, bundle, today)
    }

    #[test]
    fn both_sides_read_the_whole_conversation() {
        let (alice, bundle, today) = setup();
        let reporter = Codename::generate(&mut OsRng).derive().unwrap();
        let reply = Reply {
            format: MESSAGE_FORMAT,
            mailbox: reporter.mailbox.clone(),
            written_on: today,
            text: "Bonjour, nous pouvons vous accompagner.".into(),
            signed_by: "alice".into(),
        };
        let sealed = seal_reply(&reply, &reporter.recipient, alice.alert_key(), &bundle).unwrap();
        assert_eq!(
            age_shape::check_mailbox_envelope(&sealed, 1)
                .unwrap()
                .x25519_stanzas,
            2
        );
        let read = open_message(
            &sealed,
            &reporter.identity,
            &reporter.mailbox,
            std::slice::from_ref(bundle.bundle()),
            None,
        )
        .unwrap();
        assert_eq!(read.text.as_str(), reply.text);
        assert_eq!(
            read.sender,
            Sender::Moderator {
                id: "alice".into(),
                name: Some("Alice".into()),
                verified: true
            }
        );
        let by_moderator =
            open_message(&sealed, alice.age_identity(), &reporter.mailbox, &[], None).unwrap();
        assert!(matches!(
            by_moderator.sender,
            Sender::Moderator {
                verified: false,
                ..
            }
        ));

        let answer = seal_answer("Merci, oui.", &reporter, &bundle, today).unwrap();
        let her_key = reporter.answer_public();
        for identity in [&reporter.identity, alice.age_identity()] {
            for (key, verified) in [(Some(&her_key), true), (None, false)] {
                let read = open_message(
                    &answer,
                    identity,
                    &reporter.mailbox,
                    std::slice::from_ref(bundle.bundle()),
                    key,
                )
                .unwrap();
                assert_eq!(
                    (read.sender, read.text.as_str()),
                    (Sender::Reporter { verified }, "Merci, oui.")
                );
            }
        }
        assert_eq!(
            mailbox_of(&answer, alice.age_identity()).unwrap(),
            reporter.mailbox
        );
        assert!(!format!("{read:?}").contains("Bonjour"));
    }

    /// Her answer with images: the attachments file opens for her codename and for
    /// every moderator, its entries are signed with her text, and an answer may be
    /// only images; more than five, or nothing at all, is refused.
    #[test]
    fn an_answer_carries_images_sealed_to_the_same_recipients() {
        let (alice, bundle, today) = setup();
        let reporter = Codename::generate(&mut OsRng).derive().unwrap();
        let images: Vec<Image> = [b"first image".as_slice(), b"second"]
            .iter()
            .map(|bytes| Image {
                media_type: attachment::ImageType::Png,
                bytes: Zeroizing::new(bytes.to_vec()),
            })
            .collect();
        let sealed = seal_answer_with_images("", &images, &reporter, &bundle, today).unwrap();
        let file = sealed.attachments.as_deref().unwrap();
        assert_eq!(
            age_shape::check_attachments_envelope(file, 2)
                .unwrap()
                .x25519_stanzas,
            2
        );
        for identity in [&reporter.identity, alice.age_identity()] {
            let message = open_message(
                &sealed.envelope,
                identity,
                &reporter.mailbox,
                &[],
                Some(&reporter.answer_public()),
            )
            .unwrap();
            assert!(message.sender.is_verified() && message.text.is_empty());
            assert_eq!(message.attachments.len(), 2);
            let opened = attachment::open(file, identity, &message.attachments).unwrap();
            assert_eq!(opened[1].bytes.as_slice(), b"second");
        }
        // Without images an empty answer says nothing: refused.
        assert!(seal_answer_with_images(" ", &[], &reporter, &bundle, today).is_err());
        let six: Vec<Image> = (0..6).map(|_| images[0].clone()).collect();
        assert!(seal_answer_with_images("x", &six, &reporter, &bundle, today).is_err());
        // An answer without images is as before: no `attachments` member.
        let plain = seal_answer("Merci", &reporter, &bundle, today).unwrap();
        let framed = envelope::open(&plain, &reporter.identity).unwrap();
        assert!(!String::from_utf8_lossy(padding::unpad(&framed).unwrap()).contains("attachments"));
    }

    #[test]
    fn fail_forged_moved_and_foreign_messages() {
        let (alice, bundle, today) = setup();
        let reporter = Codename::generate(&mut OsRng).derive().unwrap();
        let other = Codename::generate(&mut OsRng).derive().unwrap();
        let mut reply = Reply {
            format: MESSAGE_FORMAT,
            mailbox: reporter.mailbox.clone(),
            written_on: today,
            text: "x".into(),
            signed_by: "alice".into(),
        };
        // Signed by someone who is not alice.
        let mallory = ModeratorSecrets::generate("alice", &mut OsRng);
        let forged = seal_reply(&reply, &reporter.recipient, mallory.alert_key(), &bundle).unwrap();
        assert!(matches!(
            open_message(
                &forged,
                &reporter.identity,
                &reporter.mailbox,
                std::slice::from_ref(bundle.bundle()),
                None,
            ),
            Err(Error::BadSignature(_))
        ));
        // Read from another mailbox than the one it names.
        let sealed = seal_reply(&reply, &reporter.recipient, alice.alert_key(), &bundle).unwrap();
        assert!(
            open_message(&sealed, &reporter.identity, &other.mailbox, &[], None)
                .unwrap_err()
                .to_string()
                .contains("another mailbox")
        );
        // Another codename cannot read it.
        assert!(matches!(
            open_message(&sealed, &other.identity, &reporter.mailbox, &[], None),
            Err(Error::DecryptionFailed)
        ));
        reply.text = " ".into();
        assert!(seal_reply(&reply, &reporter.recipient, alice.alert_key(), &bundle).is_err());
        assert!(seal_answer(
            &"a".repeat(MAX_MESSAGE_CHARS + 1),
            &reporter,
            &bundle,
            today
        )
        .is_err());
        assert!(
            is_mailbox_id(&reporter.mailbox) && !is_mailbox_id("ABCDEF0123456789abcdef0123456789")
        );
        assert_ne!(mailbox_key(&reporter.mailbox), reporter.mailbox);
    }

    /// Someone who knows the mailbox id (the server sees it in every read) but not the
    /// codename cannot write in her name: an answer signed with another key, or not
    /// signed, is refused where her report gives her answer key.
    #[test]
    fn fail_answers_not_signed_by_her() {
        let (_, bundle, today) = setup();
        let reporter = Codename::generate(&mut OsRng).derive().unwrap();
        let her_key = reporter.answer_public();
        let answer = Answer {
            format: MESSAGE_FORMAT,
            mailbox: reporter.mailbox.clone(),
            written_on: today,
            text: "Appelez-moi au 06 00 00 00 00".into(),
            attachments: Vec::new(),
        };
        let seal = |value: &Value| {
            seal_value(
                value,
                &recipients_with(&bundle, &reporter.recipient).unwrap(),
                65536,
            )
            .unwrap()
        };
        let impostor = ed25519_dalek::SigningKey::generate(&mut OsRng);
        let forged = seal(&signed_answer(&answer, &impostor).unwrap());
        let unsigned =
            seal(&serde_json::json!({ "answer": serde_json::to_value(&answer).unwrap() }));
        let open = |ciphertext: &[u8], key| {
            open_message(ciphertext, &reporter.identity, &reporter.mailbox, &[], key)
        };
        assert!(matches!(
            open(&forged, Some(&her_key)),
            Err(Error::BadSignature(_))
        ));
        assert!(matches!(
            open(&unsigned, Some(&her_key)),
            Err(Error::BadSignature(_))
        ));
        // Without her key (a report written before answers were signed), both read,
        // and are marked unverified.
        for ciphertext in [&forged, &unsigned] {
            assert_eq!(
                open(ciphertext, None).unwrap().sender,
                Sender::Reporter { verified: false }
            );
        }
        let hers = seal(&signed_answer(&answer, &reporter.answer_key).unwrap());
        assert!(open(&hers, Some(&her_key)).unwrap().sender.is_verified());
    }

    /// A reply verifies with any of the bundles given, with the signer's current or
    /// retired alert key: a moderator who has left still signed what she wrote then.
    #[test]
    fn a_reply_verifies_with_a_retired_key_in_any_bundle_given() {
        let (alice, bundle, today) = setup();
        let reporter = Codename::generate(&mut OsRng).derive().unwrap();
        let reply = Reply {
            format: MESSAGE_FORMAT,
            mailbox: reporter.mailbox.clone(),
            written_on: today,
            text: "Nous sommes là.".into(),
            signed_by: "alice".into(),
        };
        let sealed = seal_reply(&reply, &reporter.recipient, alice.alert_key(), &bundle).unwrap();
        // A later bundle: alice has left; her alert key is a former key.
        let mut later = bundle.bundle().clone();
        let entry = later.moderators.remove(0);
        later
            .moderators
            .push(ModeratorSecrets::generate("bob", &mut OsRng).public_entry("Bob"));
        later.former.push(crate::bundle::FormerKey {
            id: "alice".into(),
            name: entry.name,
            alert_key: entry.alert_key,
            until: today,
            signed: Some(Vec::new()),
        });
        let open = |bundles: &[KeyBundle]| {
            open_message(
                &sealed,
                &reporter.identity,
                &reporter.mailbox,
                bundles,
                None,
            )
        };
        assert_eq!(
            open(std::slice::from_ref(&later)).unwrap().sender,
            Sender::Moderator {
                id: "alice".into(),
                name: Some("Alice".into()),
                verified: true
            }
        );
        // Without her key in any bundle, refused; with no bundle, unverified.
        let mut revoked = later.clone();
        revoked.former.clear();
        assert!(matches!(open(&[revoked]), Err(Error::UnknownSigner(_))));
        assert!(!open(&[]).unwrap().sender.is_verified());
    }
}
