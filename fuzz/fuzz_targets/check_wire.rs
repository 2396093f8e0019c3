//! The private check's wire forms (client-lib `oprf`): a blinded element as a server
//! would read it from a stranger, an evaluation and proof as a client reads them from a
//! server, a public key as read from a bundle, a secret key as read from a file. What
//! parses writes back to the same text, and a blinded element that parses can be
//! evaluated.
#![no_main]

use jasmine_client::oprf::{BlindedRequest, CheckKey, CheckPublicKey, Evaluation};
use libfuzzer_sys::fuzz_target;
use rand::{rngs::StdRng, SeedableRng};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(blinded) = BlindedRequest::from_base64(text) {
        assert_eq!(blinded.to_base64(), text.trim());
        let key = CheckKey::from_seed(&[7; 32], b"fuzz").expect("a key");
        let _ = key.evaluate(&blinded, &mut StdRng::seed_from_u64(1));
    }
    if let Ok(public) = CheckPublicKey::from_base64(text) {
        assert_eq!(public.to_base64(), text.trim());
    }
    if let Ok(key) = CheckKey::from_base64(text) {
        assert_eq!(*key.to_base64(), text.trim());
    }
    if let Some((element, proof)) = text.split_once(',') {
        if let Ok(evaluation) = Evaluation::from_base64(element, proof) {
            let (e, p) = evaluation.to_base64();
            assert_eq!((e.as_str(), p.as_str()), (element.trim(), proof.trim()));
        }
    }
});
