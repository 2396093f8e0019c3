//! The check list as strangers hand it over: a `GET /v1/checklist` body as a client
//! reads it from a server, and each of its entries signed again with alice's alert key
//! so that the fuzzer's JSON reaches the entry's rules behind the signature (what
//! `POST /v1/mod/checklist` and the desk's import verify). An entry that verifies is
//! well formed and is found under its own tag; one whose tag is changed is not. And an
//! identifier as typed on the check page: its normalisation normalises to itself (the
//! desk normalises a draft's identifiers again when it signs).
#![no_main]

use jasmine_client::checklist::{alerts_for, verify_entry, CheckList};
use jasmine_client::identifier::{normalize, Kind};
use jasmine_client::keys::Domain;
use jasmine_fuzz::{fixtures, signed_again};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    if let Ok(text) = std::str::from_utf8(data) {
        for kind in [Kind::Phone, Kind::Plate, Kind::Handle] {
            if let Some(once) = normalize(kind, text, "FR") {
                assert_eq!(
                    normalize(kind, &once, "FR").as_deref(),
                    Some(once.as_str()),
                    "{kind:?} {text:?}"
                );
            }
        }
    }
    let Ok(value) = jasmine_client::canonical::parse_strict(data, "check list") else {
        return;
    };
    let Ok(list) = serde_json::from_value::<CheckList>(value) else {
        return;
    };
    for entry in list.entries.iter().take(64) {
        let _ = verify_entry(entry.clone(), &f.bundle);
        let Ok(bytes) = serde_json::to_vec(entry) else {
            continue;
        };
        let Some(resigned) = signed_again(&bytes, "entry", Domain::CheckEntry, f.moderator.alert_key())
        else {
            continue;
        };
        let resigned: serde_json::Value = serde_json::from_slice(&resigned).expect("JSON");
        if let Ok((entry, tag)) = verify_entry(resigned.clone(), &f.bundle) {
            entry.validate().expect("a verified entry is well formed");
            let one = CheckList {
                entries: vec![resigned],
            };
            assert_eq!(alerts_for(&one, &f.bundle, &tag), (vec![entry.alert_id.clone()], 0));
            let mut other = tag;
            other[0] ^= 1;
            assert_eq!(alerts_for(&one, &f.bundle, &other), (Vec::new(), 0));
        }
    }
});
