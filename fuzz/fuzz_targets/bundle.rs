//! A key bundle as a client or the server receives it: the raw bytes against the pinned
//! root key, then the fuzzer's `bundle` member signed again with the (test) root key so
//! that it reaches the bundle's own rules. A bundle that verifies has recipients that
//! parse (the server and clients rely on it).
#![no_main]

use jasmine_client::bundle;
use jasmine_client::keys::Domain;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = jasmine_fuzz::fixtures();
    let _ = bundle::verify_bundle(data, &f.root_public, f.today, Some(1));
    let Some(signed) = jasmine_fuzz::signed_again(data, "bundle", Domain::Bundle, &f.root) else {
        return;
    };
    if let Ok(verified) = bundle::verify_bundle(&signed, &f.root_public, f.today, None) {
        assert_eq!(
            verified.recipients().len(),
            verified.bundle().moderators.len()
        );
        for moderator in &verified.bundle().moderators {
            assert!(verified.bundle().moderator(&moderator.id).is_some());
        }
    }
});
