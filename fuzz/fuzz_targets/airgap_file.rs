//! The files that cross the air gap (inbox: online → offline, outbox: offline →
//! online), read by the desk from a USB stick. The raw bytes first; then the fuzzer's
//! JSON with its checksum made right, so that it reaches the signature check and serde.
#![no_main]

use jasmine_keys::airgap::{self, Inbox, Outbox};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn read_both(bytes: &[u8]) {
    let f = jasmine_fuzz::fixtures();
    let keys = [jasmine_client::keys::PublicKey::from(f.moderator.api_key())];
    if let Ok(inbox) = airgap::read_bytes::<Inbox>(bytes, "fuzz.json", "inbox", &f.root_public) {
        let _ = inbox.verify(&keys);
    }
    if let Ok(outbox) = airgap::read_bytes::<Outbox>(bytes, "fuzz.json", "outbox", &f.root_public) {
        let _ = outbox.verify(&keys);
    }
}

fuzz_target!(|data: &[u8]| {
    read_both(data);
    let Ok(mut value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let Some(object) = value.as_object_mut() else {
        return;
    };
    object.remove("sha256");
    let Ok(sum) = airgap::checksum(&value) else {
        return;
    };
    value["sha256"] = Value::String(sum);
    if let Ok(bytes) = serde_json::to_vec(&value) {
        read_both(&bytes);
    }
});
