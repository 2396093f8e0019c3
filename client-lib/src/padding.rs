//! Size padding of plaintexts: `[u32 big-endian length][bytes][zero padding]` up to
//! the next bucket, so that a ciphertext's length says only which bucket it fell in.
//!
//! Buckets are the powers of two from 1 KiB to 64 KiB. Because every plaintext fills
//! a bucket exactly, the server can check that a ciphertext's payload has one of the
//! seven allowed lengths without holding any key (see [`payload_len_for_bucket`]).

use zeroize::Zeroizing;

use crate::Error;

/// Smallest bucket.
pub const MIN_BUCKET: usize = 1024;
/// Largest bucket; a report must fit in it.
pub const MAX_BUCKET: usize = 64 * 1024;
/// Length prefix size.
const PREFIX: usize = 4;
/// age's payload chunk size.
const AGE_CHUNK: usize = 64 * 1024;
/// age's payload nonce and per-chunk tag sizes.
const AGE_NONCE: usize = 16;
const AGE_TAG: usize = 16;

/// The report buckets: the powers of two from 1 KiB to 64 KiB.
pub const REPORT_BUCKETS: [usize; 7] = [1024, 2048, 4096, 8192, 16384, 32768, 65536];

/// Every report bucket size, smallest first.
pub fn buckets() -> impl Iterator<Item = usize> {
    REPORT_BUCKETS.into_iter()
}

/// The bucket a message of `len` bytes is framed into, if it fits at all.
pub fn bucket_for(len: usize) -> Option<usize> {
    bucket_among(&REPORT_BUCKETS, len)
}

/// Frames `message` into its bucket. The result is zeroized on drop.
pub fn pad(message: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    pad_among(&REPORT_BUCKETS, message)
}

/// Reads the message back out of a framed bucket, checking the frame strictly.
pub fn unpad(framed: &[u8]) -> Result<&[u8], Error> {
    unpad_among(&REPORT_BUCKETS, framed, "padded plaintext")
}

/// The smallest of `buckets` (ascending) that holds a message of `len` bytes and
/// its length prefix.
pub(crate) fn bucket_among(buckets: &[usize], len: usize) -> Option<usize> {
    let framed = len.checked_add(PREFIX)?;
    buckets.iter().copied().find(|&b| b >= framed)
}

/// Frames `message` into the smallest of `buckets` that holds it
/// (`docs/PROTOCOL.md` §4.4, with another set of buckets for attachments, §4.12).
pub(crate) fn pad_among(buckets: &[usize], message: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
    let largest = buckets.last().copied().unwrap_or(0);
    let bucket = bucket_among(buckets, message.len())
        .filter(|_| u32::try_from(message.len()).is_ok())
        .ok_or(Error::TooLarge {
            size: message.len().saturating_add(PREFIX),
            limit: largest,
        })?;
    let mut framed = Zeroizing::new(Vec::with_capacity(bucket));
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    framed.resize(bucket, 0);
    Ok(framed)
}

/// Reads a message back out of a frame made by [`pad_among`] with the same
/// `buckets`, checking the frame strictly (§4.5); `what` names it in errors.
pub(crate) fn unpad_among<'a>(
    buckets: &[usize],
    framed: &'a [u8],
    what: &'static str,
) -> Result<&'a [u8], Error> {
    if !buckets.contains(&framed.len()) {
        return Err(Error::malformed(
            what,
            format!("{} bytes is not a bucket size", framed.len()),
        ));
    }
    let (prefix, rest) = framed.split_at(PREFIX);
    let len = u32::from_be_bytes(prefix.try_into().expect("split at 4")) as usize;
    if len > rest.len() {
        return Err(Error::malformed(what, "length prefix beyond the bucket"));
    }
    let (message, padding) = rest.split_at(len);
    if padding.iter().any(|&b| b != 0) {
        return Err(Error::malformed(what, "padding is not all zero"));
    }
    if bucket_among(buckets, len) != Some(framed.len()) {
        return Err(Error::malformed(
            what,
            "message framed into a larger bucket than needed",
        ));
    }
    Ok(message)
}

/// Length of the age payload (nonce + encrypted chunks) for a plaintext of `bucket` bytes.
pub const fn payload_len_for_bucket(bucket: usize) -> usize {
    let chunks = if bucket == 0 {
        1
    } else {
        bucket.div_ceil(AGE_CHUNK)
    };
    AGE_NONCE + bucket + chunks * AGE_TAG
}

/// The bucket whose age payload has exactly `payload_len` bytes, if any.
pub fn bucket_of_payload_len(payload_len: usize) -> Option<usize> {
    bucket_of_payload_among(&REPORT_BUCKETS, payload_len)
}

/// The one of `buckets` whose age payload is `payload_len` bytes long, if any.
pub(crate) fn bucket_of_payload_among(buckets: &[usize], payload_len: usize) -> Option<usize> {
    buckets
        .iter()
        .copied()
        .find(|&b| payload_len_for_bucket(b) == payload_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges_of_the_buckets() {
        assert_eq!(bucket_for(0), Some(1024));
        assert_eq!(bucket_for(1020), Some(1024));
        assert_eq!(bucket_for(1021), Some(2048));
        assert_eq!(bucket_for(MAX_BUCKET - 4), Some(MAX_BUCKET));
        assert_eq!(bucket_for(MAX_BUCKET - 3), None);
        assert_eq!(payload_len_for_bucket(1024), 1056);
        assert_eq!(payload_len_for_bucket(65536), 65568);
        assert_eq!(bucket_of_payload_len(4128), Some(4096));
        assert_eq!(bucket_of_payload_len(4129), None);
    }

    #[test]
    fn fail_bad_frames() {
        assert!(unpad(&[0u8; 1000]).is_err(), "not a bucket");
        let mut framed = pad(b"hello").unwrap().to_vec();
        framed[100] = 1;
        assert!(unpad(&framed).is_err(), "non-zero padding");
        let mut framed = pad(b"hello").unwrap().to_vec();
        framed[..4].copy_from_slice(&5000u32.to_be_bytes());
        assert!(unpad(&framed).is_err(), "length past the end");
        let mut big = vec![0u8; 2048];
        big[..4].copy_from_slice(&10u32.to_be_bytes());
        assert!(unpad(&big).is_err(), "oversized bucket");
        assert!(matches!(
            pad(&vec![1u8; MAX_BUCKET]),
            Err(Error::TooLarge { .. })
        ));
    }

    proptest! {
        #[test]
        fn pad_then_unpad_is_identity(message in proptest::collection::vec(any::<u8>(), 0..9000)) {
            let framed = pad(&message).unwrap();
            prop_assert!(buckets().any(|b| b == framed.len()));
            prop_assert_eq!(unpad(&framed).unwrap(), &message[..]);
        }

        #[test]
        fn only_the_bucket_leaks(a in 0usize..1020, b in 0usize..1020) {
            prop_assert_eq!(pad(&vec![7u8; a]).unwrap().len(), pad(&vec![9u8; b]).unwrap().len());
        }
    }
}
