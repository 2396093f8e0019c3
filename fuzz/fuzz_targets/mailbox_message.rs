//! A mailbox message's plaintext, once it decrypts (`docs/PROTOCOL.md` §4.11): a reply
//! or her answer, with the images an answer lists (§4.12). Read from the mailbox of the
//! first codename of `tests/vectors/codenames.json`, with her answer key and without
//! it: it never panics, and what is read keeps the rules (its text within 10,000
//! characters and not empty unless images go with it, at most five valid entries).
#![no_main]

use jasmine_client::attachment::{Attachment, MAX_ATTACHMENTS};
use jasmine_client::keys::PublicKey;
use jasmine_client::mailbox::{self, MAX_MESSAGE_CHARS};
use libfuzzer_sys::fuzz_target;

/// The first vector codename's mailbox and answer key.
const MAILBOX: &str = "4d7fa7ae60b9c7994f01d1e8ea0bf210";
const ANSWER_KEY: &str = "4/rrVqfRAzD8/oZsC+sGXq1wp2E5GM6iyNIA63a2nMQ=";

fuzz_target!(|data: &[u8]| {
    let key = PublicKey::from_base64(ANSWER_KEY).expect("the vector's key");
    for answer_key in [Some(&key), None] {
        let Ok(message) = mailbox::read_message(data, MAILBOX, &[], answer_key) else {
            continue;
        };
        assert!(message.text.chars().count() <= MAX_MESSAGE_CHARS);
        assert!(!message.text.trim().is_empty() || !message.attachments.is_empty());
        assert!(message.attachments.len() <= MAX_ATTACHMENTS);
        assert!(message.attachments.iter().all(Attachment::is_valid));
        if answer_key.is_some() && message.sender.is_reporter() {
            assert!(message.sender.is_verified());
        }
    }
});
