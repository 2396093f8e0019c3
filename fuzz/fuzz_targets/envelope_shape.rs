//! The server's shape check of an age envelope (`age_shape`), which is all it can check
//! of a report or message before storing it. Whatever it accepts, age's own header
//! parser must read too (else junk that "passed" would stop the moderators), and the
//! moderator's decryption path must refuse or open it without panicking.
#![no_main]

use jasmine_client::{age_shape, envelope};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(shape) = age_shape::inspect(data) else {
        return;
    };
    assert!(shape.x25519_stanzas >= 1 && shape.header_len <= data.len());
    for moderators in 1..=3 {
        let report = age_shape::check_report_envelope(data, moderators);
        assert_eq!(report.is_ok(), shape.x25519_stanzas == moderators);
        let message = age_shape::check_mailbox_envelope(data, moderators);
        assert_eq!(message.is_ok(), shape.x25519_stanzas == moderators + 1);
    }
    assert!(
        age::Decryptor::new_buffered(data).is_ok(),
        "the shape check accepted a header that age cannot read"
    );
    let fixtures = jasmine_fuzz::fixtures();
    let _ = envelope::open(data, fixtures.moderator.age_identity());
});
