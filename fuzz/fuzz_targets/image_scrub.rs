//! An image as a stranger chose it (`jasmine report --attach`, the form without
//! JavaScript on the server, and again on the moderator's desk): scrubbing never
//! panics, never decodes what its header says is too large, and whatever it sends is
//! a JPEG or PNG that decodes, within the limits, with nothing but pixels in it.
#![no_main]

use jasmine_client::attachment::{ImageType, MAX_ATTACHMENT_BYTES};
use jasmine_client::scrub::{self, MAX_SENT_SIDE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = scrub::declared(data);
    let Ok(image) = scrub::scrub(data) else {
        return;
    };
    assert!(image.bytes.len() as u64 <= MAX_ATTACHMENT_BYTES);
    let sent = scrub::declared(&image.bytes).expect("what is sent reads back");
    assert!(sent.width.max(sent.height) <= MAX_SENT_SIDE);
    let again = scrub::scrub(&image.bytes).expect("what is sent scrubs again");
    if image.media_type == ImageType::Png {
        assert_eq!(again.media_type, ImageType::Png);
    }
    for marker in [&b"Exif\0\0"[..], b"ICC_PROFILE", b"http://ns.adobe.com/xap", b"iTXt", b"eXIf", b"tEXt"] {
        assert!(
            !image.bytes.windows(marker.len()).any(|w| w == marker),
            "metadata survived"
        );
    }
});
