//! Attachments (`docs/PROTOCOL.md` §4.12): the scrubbed images a report or an answer
//! carries, in a second age file linked to it by the hashes in its `attachments`
//! member.
//!
//! The images are concatenated in order and framed into the **attachment buckets**
//! (every `m × 2^e` bytes, `m` in 4..=7, `e` in 14..=23: 64 KiB to 56 MiB, a quarter
//! of an octave apart), so that the stored size says only roughly how much was sent.
//! The reader splits the plaintext by the sizes the report gives and checks every
//! image's SHA-256: a server that swapped, dropped or reordered images is caught.
//! Making the images themselves (decoding and re-encoding, so that no metadata
//! survives) is [`crate::scrub`]'s business.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::{envelope, padding, Error};

/// Most images per report or answer.
pub const MAX_ATTACHMENTS: usize = 5;
/// Largest image sent, in bytes (after scrubbing).
pub const MAX_ATTACHMENT_BYTES: u64 = 10 * 1024 * 1024;

/// The attachment buckets, smallest first: `m × 2^e` for `e` in 14..=23 and `m` in
/// 4..=7.
pub const BUCKETS: [usize; 40] = attachment_buckets();

const fn attachment_buckets() -> [usize; 40] {
    let mut out = [0usize; 40];
    let mut i = 0;
    let mut e = 14;
    while e <= 23 {
        let mut m = 4;
        while m <= 7 {
            out[i] = m << e;
            i += 1;
            m += 1;
        }
        e += 1;
    }
    out
}

/// Room for an attachments file's age header (version line, stanzas, MAC line) on
/// top of its payload: enough for hundreds of moderators.
const HEADER_ROOM: u64 = 64 * 1024;

/// Largest attachments file a server needs to accept: the payload of the largest
/// bucket and room for its header.
pub const MAX_FILE_BYTES: u64 =
    padding::payload_len_for_bucket(BUCKETS[BUCKETS.len() - 1]) as u64 + HEADER_ROOM;

/// What a `multipart/form-data` body adds around a report and its attachments file
/// (boundaries and part headers), at most.
pub const MULTIPART_ROOM: u64 = 16 * 1024;

/// Largest request body that carries a report of at most `max_report_bytes` and its
/// attachments (`POST /v1/reports`, `docs/PROTOCOL.md` §6.3.4).
pub fn max_upload_bytes(max_report_bytes: u64) -> u64 {
    max_report_bytes
        .saturating_add(MAX_FILE_BYTES)
        .saturating_add(MULTIPART_ROOM)
}

/// The two image formats that are sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImageType {
    /// `image/jpeg` (photos).
    #[serde(rename = "image/jpeg")]
    Jpeg,
    /// `image/png` (screenshots chosen as PNG).
    #[serde(rename = "image/png")]
    Png,
}

impl ImageType {
    /// The media type.
    pub fn as_str(self) -> &'static str {
        match self {
            ImageType::Jpeg => "image/jpeg",
            ImageType::Png => "image/png",
        }
    }

    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ImageType::Jpeg => "jpg",
            ImageType::Png => "png",
        }
    }
}

/// One entry of a report's (or an answer's) `attachments` member.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// Its format.
    #[serde(rename = "type")]
    pub media_type: ImageType,
    /// Its length in bytes, 1 to [`MAX_ATTACHMENT_BYTES`].
    pub size: u64,
    /// SHA-256 of its bytes, 64 lowercase hex.
    pub sha256: String,
}

impl Attachment {
    /// The entry that describes `image`.
    pub fn of(image: &Image) -> Attachment {
        Attachment {
            media_type: image.media_type,
            size: image.bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&image.bytes[..])),
        }
    }

    /// Whether the entry keeps the rules of §4.12 (rule 18 of the report's problems).
    pub fn is_valid(&self) -> bool {
        (1..=MAX_ATTACHMENT_BYTES).contains(&self.size)
            && self.sha256.len() == 64
            && self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    }
}

/// A scrubbed image, as sent and as read back. Its bytes are zeroized on drop and
/// never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Image {
    /// Its format.
    pub media_type: ImageType,
    /// The encoded image.
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Image {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Image")
            .field("media_type", &self.media_type)
            .field("size", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The bucket the images of `total` bytes are framed into.
pub fn bucket_for(total: usize) -> Option<usize> {
    padding::bucket_among(&BUCKETS, total)
}

/// The framed plaintext of an attachments file: the images concatenated, framed into
/// their bucket. Zeroized on drop.
pub fn frame(images: &[Image]) -> Result<Zeroizing<Vec<u8>>, Error> {
    check_count(images.len())?;
    let total: usize = images.iter().map(|i| i.bytes.len()).sum();
    let mut body = Zeroizing::new(Vec::with_capacity(total));
    for image in images {
        if image.bytes.is_empty() || image.bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
            return Err(Error::malformed(
                "attachments",
                format!(
                    "an image must be 1 to {MAX_ATTACHMENT_BYTES} bytes, not {}",
                    image.bytes.len()
                ),
            ));
        }
        body.extend_from_slice(&image.bytes);
    }
    padding::pad_among(&BUCKETS, &body)
}

/// The images' bytes out of a framed plaintext, checking the frame strictly.
pub fn unframe(framed: &[u8]) -> Result<&[u8], Error> {
    let body = padding::unpad_among(&BUCKETS, framed, "attachments file")?;
    if body.is_empty() {
        return Err(Error::malformed("attachments file", "it holds no image"));
    }
    Ok(body)
}

/// Splits the images' bytes by the sizes of `entries` and checks each one's hash: the
/// lengths must add up exactly and every SHA-256 must match.
pub fn split(body: &[u8], entries: &[Attachment]) -> Result<Vec<Image>, Error> {
    check_count(entries.len())?;
    let total = entries
        .iter()
        .try_fold(0u64, |sum, e| sum.checked_add(e.size))
        .unwrap_or(u64::MAX);
    if total != body.len() as u64 {
        return Err(Error::malformed(
            "attachments file",
            format!(
                "it holds {} bytes of images, but the report lists {total}: it is not the file sent with this report",
                body.len()
            ),
        ));
    }
    let mut images = Vec::with_capacity(entries.len());
    let mut rest = body;
    for (n, entry) in entries.iter().enumerate() {
        let (bytes, after) = rest.split_at(entry.size as usize);
        rest = after;
        let digest = hex::encode(Sha256::digest(bytes));
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            digest.as_bytes(),
            entry.sha256.as_bytes(),
        )) {
            return Err(Error::malformed(
                "attachments file",
                format!(
                    "image {} is not the one the report lists (its SHA-256 differs)",
                    n + 1
                ),
            ));
        }
        images.push(Image {
            media_type: entry.media_type,
            bytes: Zeroizing::new(bytes.to_vec()),
        });
    }
    Ok(images)
}

fn check_count(count: usize) -> Result<(), Error> {
    if count == 0 || count > MAX_ATTACHMENTS {
        return Err(Error::malformed(
            "attachments",
            format!("1 to {MAX_ATTACHMENTS} images, not {count}"),
        ));
    }
    Ok(())
}

/// Seals `images` into an attachments file for `recipients` (those of the envelope
/// it goes with); returns it with the entries to put in the report or answer.
pub fn seal(
    images: &[Image],
    recipients: &[age::x25519::Recipient],
) -> Result<(Vec<u8>, Vec<Attachment>), Error> {
    let framed = frame(images)?;
    let file = envelope::seal(&framed, recipients)?;
    Ok((file, images.iter().map(Attachment::of).collect()))
}

/// Opens an attachments file with `identity` and returns the images `entries` (the
/// report's or answer's `attachments`) list, checked.
pub fn open(
    file: &[u8],
    identity: &age::x25519::Identity,
    entries: &[Attachment],
) -> Result<Vec<Image>, Error> {
    let framed = envelope::open(file, identity)?;
    split(unframe(&framed)?, entries)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn image(bytes: &[u8]) -> Image {
        Image {
            media_type: ImageType::Png,
            bytes: Zeroizing::new(bytes.to_vec()),
        }
    }

    #[test]
    fn the_buckets_are_a_quarter_octave_apart_from_64_kib_to_56_mib() {
        assert_eq!(BUCKETS[0], 64 * 1024);
        assert_eq!(BUCKETS[1], 80 * 1024);
        assert_eq!(BUCKETS[39], 56 * 1024 * 1024);
        assert!(BUCKETS.windows(2).all(|w| w[0] < w[1]));
        for w in BUCKETS.windows(2) {
            let growth = w[1] as f64 / w[0] as f64;
            assert!((1.14..=1.25).contains(&growth), "{w:?}");
        }
        // Five of the largest images fit the largest bucket.
        assert!(bucket_for(5 * MAX_ATTACHMENT_BYTES as usize).is_some());
        assert_eq!(bucket_for(BUCKETS[39] - 3), None);
        assert_eq!(bucket_for(1), Some(65536));
        assert_eq!(bucket_for(65532), Some(65536));
        assert_eq!(bucket_for(65533), Some(81920));
    }

    #[test]
    fn images_round_trip_and_a_swapped_or_cut_file_is_caught() {
        let alice = age::x25519::Identity::generate();
        let images = [image(b"first image"), image(&[7u8; 70_000])];
        let (file, entries) = seal(&images, &[alice.to_public()]).unwrap();
        assert_eq!(open(&file, &alice, &entries).unwrap(), images);
        crate::age_shape::check_attachments_envelope(&file, 1).unwrap();
        assert!(crate::age_shape::check_report_envelope(&file, 1).is_err());

        let mut reordered = entries.clone();
        reordered.swap(0, 1);
        let e = open(&file, &alice, &reordered).unwrap_err().to_string();
        assert!(e.contains("SHA-256"), "{e}");
        let e = open(&file, &alice, &entries[..1]).unwrap_err().to_string();
        assert!(e.contains("not the file sent"), "{e}");
        let (other, _) = seal(
            &[image(b"first imagf"), images[1].clone()],
            &[alice.to_public()],
        )
        .unwrap();
        assert!(open(&other, &alice, &entries).is_err());
        assert!(frame(&[]).is_err());
        assert!(frame(&vec![image(b"x"); 6]).is_err());
        assert!(frame(&[image(b"")]).is_err());
    }

    #[test]
    fn fail_frames_that_break_a_rule() {
        let framed = frame(&[image(b"hello")]).unwrap();
        assert_eq!(framed.len(), 65536);
        assert_eq!(unframe(&framed).unwrap(), b"hello");
        let mut dirty = framed.to_vec();
        dirty[1000] = 1;
        assert!(unframe(&dirty).is_err(), "padding not zero");
        let mut empty = vec![0u8; 65536];
        assert!(unframe(&empty).is_err(), "no image");
        empty[..4].copy_from_slice(&70_000u32.to_be_bytes());
        assert!(unframe(&empty).is_err(), "length beyond the bucket");
        let mut larger = vec![0u8; 81920];
        larger[..4].copy_from_slice(&5u32.to_be_bytes());
        larger[4..9].copy_from_slice(b"hello");
        assert!(unframe(&larger).is_err(), "a larger bucket than needed");
        assert!(unframe(&[0u8; 1024]).is_err(), "a report bucket");
    }

    #[test]
    fn fail_entries_outside_the_rules() {
        let good = Attachment::of(&image(b"x"));
        assert!(good.is_valid());
        let mut e = good.clone();
        e.size = 0;
        assert!(!e.is_valid());
        e.size = MAX_ATTACHMENT_BYTES + 1;
        assert!(!e.is_valid());
        let mut e = good.clone();
        e.sha256 = e.sha256.to_uppercase();
        assert!(!e.is_valid());
        let mut e = good;
        e.sha256.pop();
        assert!(!e.is_valid());
        let json = r#"{"type":"image/gif","size":1,"sha256":"00"}"#;
        assert!(serde_json::from_str::<Attachment>(json).is_err());
    }

    proptest! {
        #[test]
        fn frame_then_unframe_is_identity(len in 1usize..200_000) {
            let bytes = vec![3u8; len];
            let framed = frame(&[image(&bytes)]).unwrap();
            prop_assert!(BUCKETS.contains(&framed.len()));
            prop_assert!(framed.len() as f64 <= (len + 4).max(65536) as f64 * 1.25 + 1.0);
            prop_assert_eq!(unframe(&framed).unwrap(), &bytes[..]);
        }
    }
}
