//! Signed alerts and retractions, as every reader of the public feed and the server
//! verify them: the raw bytes against the bundle, then the fuzzer's `alert` or
//! `retraction` member signed again with the moderator's (test) alert key, so that it
//! reaches the format rules. What verifies also validates.
#![no_main]

use jasmine_client::alert;
use jasmine_client::keys::Domain;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = jasmine_fuzz::fixtures();
    let _ = alert::verify_alert(data, &f.bundle);
    let _ = alert::verify_retraction(data, &f.bundle);
    let key = f.moderator.alert_key();
    if let Some(signed) = jasmine_fuzz::signed_again(data, "alert", Domain::Alert, key) {
        if let Ok(alert) = alert::verify_alert(&signed, &f.bundle) {
            assert!(alert.validate().is_ok());
            assert!(alert::is_alert_id(&alert.id));
            let _ = alert.occurred_text();
        }
    }
    if let Some(signed) = jasmine_fuzz::signed_again(data, "retraction", Domain::Retraction, key) {
        if let Ok(retraction) = alert::verify_retraction(&signed, &f.bundle) {
            assert!(retraction.validate().is_ok());
        }
    }
});
