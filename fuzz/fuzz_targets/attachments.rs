//! An attachments file's plaintext as the moderator's desk reads it (`docs/PROTOCOL.md`
//! §4.12): unframing and splitting by the report's sizes never panic, a frame that is
//! taken is one that framing would make, and split images are exactly the bytes the
//! report lists (sizes and SHA-256).
#![no_main]

use jasmine_client::attachment::{self, Attachment, Image, ImageType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(body) = attachment::unframe(data) {
        let image = Image {
            media_type: ImageType::Png,
            bytes: body.to_vec().into(),
        };
        if body.len() as u64 <= attachment::MAX_ATTACHMENT_BYTES {
            assert_eq!(&attachment::frame(&[image]).expect("frames")[..], data);
        }
    }
    // The first byte says how many entries, the next four bytes each a size; the rest
    // is the body. Entries carry the body's own hashes for half the cases.
    let Some((&count, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(count % 7);
    if rest.len() < count * 4 {
        return;
    }
    let (sizes, body) = rest.split_at(count * 4);
    let mut at = 0usize;
    let entries: Vec<Attachment> = sizes
        .chunks(4)
        .map(|c| {
            let size = u64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]]) % 70_000);
            let start = at.min(body.len());
            let end = (at + size as usize).min(body.len());
            at += size as usize;
            let mut entry = Attachment::of(&Image {
                media_type: ImageType::Jpeg,
                bytes: body[start..end].to_vec().into(),
            });
            entry.size = size;
            if c[0] & 1 == 1 {
                entry.sha256 = "00".repeat(32);
            }
            entry
        })
        .collect();
    if let Ok(images) = attachment::split(body, &entries) {
        assert_eq!(images.len(), entries.len());
        let joined: Vec<u8> = images.iter().flat_map(|i| i.bytes.iter().copied()).collect();
        assert_eq!(joined, body);
        for (image, entry) in images.iter().zip(&entries) {
            assert_eq!(&Attachment::of(image), entry);
        }
    }
});
