//! What can be checked of an age file without any key: the header's structure, the
//! stanzas' types and sizes, and the payload's length. The server uses this to refuse
//! garbage before storing it; it never decrypts.
//!
//! Rules for a Jasmine report envelope (`docs/PROTOCOL.md` §4.8):
//! binary age v1; exactly one `X25519` stanza per moderator of the current bundle,
//! each with one 32-byte ephemeral share and a 32-byte body; at most one "grease"
//! stanza (tag ending in `-grease`, which age-rs adds on purpose); nothing else; a
//! payload whose length is that of one padding bucket.

use age_core::format::read::age_stanza;
use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine as _};

use crate::padding;

const MAGIC: &[u8] = b"age-encryption.org/v1\n";
const MAC_PREFIX: &[u8] = b"--- ";
const ENCODED_MAC_LEN: usize = 43;

/// Why an envelope was refused. The text is safe to return to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShapeError {
    /// Not binary age v1 (armored files and other versions are refused).
    #[error("not a binary age v1 file (it must start with 'age-encryption.org/v1')")]
    NotAgeV1,
    /// The header could not be parsed.
    #[error("the age header is malformed")]
    MalformedHeader,
    /// A stanza of a type Jasmine does not use.
    #[error("unexpected recipient stanza type '{0}' (only X25519 is used)")]
    UnexpectedStanza(String),
    /// An X25519 stanza of the wrong size.
    #[error("an X25519 stanza has the wrong size")]
    BadX25519Stanza,
    /// Wrong number of X25519 stanzas.
    #[error("encrypted to {found} recipients, but {expected} are expected (the moderators of the key bundle, plus the reporter for a mailbox message); fetch the current key bundle")]
    WrongRecipientCount {
        /// Stanzas found.
        found: usize,
        /// Moderators in the bundle.
        expected: usize,
    },
    /// More than one grease stanza.
    #[error("more than one grease stanza")]
    TooMuchGrease,
    /// The payload length matches no padding bucket.
    #[error(
        "the payload length {0} matches no padding bucket (pad it as the protocol says, §4.4 and §4.12)"
    )]
    UnpaddedPayload(usize),
}

/// What the header and length say about an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeShape {
    /// Number of X25519 stanzas.
    pub x25519_stanzas: usize,
    /// Number of grease stanzas.
    pub grease_stanzas: usize,
    /// Header length in bytes (up to and including the MAC line).
    pub header_len: usize,
    /// Padded plaintext size implied by the payload length.
    pub bucket: usize,
}

/// Parses the header and checks the payload length.
pub fn inspect(file: &[u8]) -> Result<EnvelopeShape, ShapeError> {
    inspect_among(file, &padding::REPORT_BUCKETS)
}

/// [`inspect`], for a payload padded into one of `buckets`.
fn inspect_among(file: &[u8], buckets: &[usize]) -> Result<EnvelopeShape, ShapeError> {
    let mut rest = file.strip_prefix(MAGIC).ok_or(ShapeError::NotAgeV1)?;
    let mut x25519_stanzas = 0;
    let mut grease_stanzas = 0;
    while !rest.starts_with(b"---") {
        let (after, stanza) = age_stanza(rest).map_err(|_| ShapeError::MalformedHeader)?;
        if stanza.tag == "X25519" {
            let share_ok = stanza.args.len() == 1
                && stanza.args[0].len() == 43
                && STANDARD_NO_PAD
                    .decode(stanza.args[0])
                    .is_ok_and(|b| b.len() == 32);
            if !share_ok || stanza.body().len() != 32 {
                return Err(ShapeError::BadX25519Stanza);
            }
            x25519_stanzas += 1;
        } else if stanza.tag.ends_with("-grease") {
            grease_stanzas += 1;
            if grease_stanzas > 1 {
                return Err(ShapeError::TooMuchGrease);
            }
        } else {
            return Err(ShapeError::UnexpectedStanza(printable(stanza.tag)));
        }
        rest = after;
    }
    let mac_line = rest
        .strip_prefix(MAC_PREFIX)
        .ok_or(ShapeError::MalformedHeader)?;
    if mac_line.len() < ENCODED_MAC_LEN + 1 || mac_line[ENCODED_MAC_LEN] != b'\n' {
        return Err(ShapeError::MalformedHeader);
    }
    let mac_ok = STANDARD_NO_PAD
        .decode(&mac_line[..ENCODED_MAC_LEN])
        .is_ok_and(|m| m.len() == 32);
    if !mac_ok {
        return Err(ShapeError::MalformedHeader);
    }
    let payload = &mac_line[ENCODED_MAC_LEN + 1..];
    let header_len = file.len() - payload.len();
    let bucket = padding::bucket_of_payload_among(buckets, payload.len())
        .ok_or(ShapeError::UnpaddedPayload(payload.len()))?;
    if x25519_stanzas == 0 {
        return Err(ShapeError::WrongRecipientCount {
            found: 0,
            expected: 1,
        });
    }
    Ok(EnvelopeShape {
        x25519_stanzas,
        grease_stanzas,
        header_len,
        bucket,
    })
}

/// [`inspect`], then checks the recipient count against the bundle's moderators.
pub fn check_report_envelope(file: &[u8], moderators: usize) -> Result<EnvelopeShape, ShapeError> {
    let shape = inspect(file)?;
    if shape.x25519_stanzas != moderators {
        return Err(ShapeError::WrongRecipientCount {
            found: shape.x25519_stanzas,
            expected: moderators,
        });
    }
    Ok(shape)
}

/// [`inspect`], then checks a mailbox message: one stanza per moderator, plus one for
/// the reporter's reply key.
pub fn check_mailbox_envelope(file: &[u8], moderators: usize) -> Result<EnvelopeShape, ShapeError> {
    let shape = inspect(file)?;
    if shape.x25519_stanzas != moderators + 1 {
        return Err(ShapeError::WrongRecipientCount {
            found: shape.x25519_stanzas,
            expected: moderators + 1,
        });
    }
    Ok(shape)
}

/// Checks an attachments file (`docs/PROTOCOL.md` §4.12): the same structure as a
/// report's envelope, a payload padded into an attachment bucket, and `recipients`
/// X25519 stanzas (those of the envelope it goes with).
pub fn check_attachments_envelope(
    file: &[u8],
    recipients: usize,
) -> Result<EnvelopeShape, ShapeError> {
    let shape = inspect_among(file, &crate::attachment::BUCKETS)?;
    if shape.x25519_stanzas != recipients {
        return Err(ShapeError::WrongRecipientCount {
            found: shape.x25519_stanzas,
            expected: recipients,
        });
    }
    Ok(shape)
}

fn printable(tag: &str) -> String {
    tag.chars()
        .take(32)
        .filter(|c| c.is_ascii_graphic())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::seal;

    fn recipients(n: usize) -> Vec<age::x25519::Recipient> {
        (0..n)
            .map(|_| age::x25519::Identity::generate().to_public())
            .collect()
    }

    #[test]
    fn a_padded_envelope_passes_for_the_right_count() {
        let framed = padding::pad(b"{}").unwrap();
        let file = seal(&framed, &recipients(3)).unwrap();
        let shape = check_report_envelope(&file, 3).unwrap();
        assert_eq!((shape.x25519_stanzas, shape.bucket), (3, 1024));
        assert!(shape.grease_stanzas <= 1);
        assert_eq!(
            check_report_envelope(&file, 2),
            Err(ShapeError::WrongRecipientCount {
                found: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn fail_unpadded_truncated_armored_and_passphrase_files() {
        let file = seal(b"not padded", &recipients(1)).unwrap();
        assert!(matches!(
            inspect(&file),
            Err(ShapeError::UnpaddedPayload(_))
        ));

        let padded = seal(&padding::pad(b"x").unwrap(), &recipients(1)).unwrap();
        assert!(matches!(
            inspect(&padded[..padded.len() - 1]),
            Err(ShapeError::UnpaddedPayload(_))
        ));
        assert!(inspect(&padded[..40]).is_err());
        assert_eq!(
            inspect(b"-----BEGIN AGE ENCRYPTED FILE-----\n"),
            Err(ShapeError::NotAgeV1)
        );
        assert_eq!(inspect(b""), Err(ShapeError::NotAgeV1));

        let scrypt = age::Encryptor::with_user_passphrase("pw".to_string().into());
        let mut out = vec![];
        let mut w = scrypt.wrap_output(&mut out).unwrap();
        std::io::Write::write_all(&mut w, &padding::pad(b"x").unwrap()).unwrap();
        w.finish().unwrap();
        assert_eq!(
            inspect(&out),
            Err(ShapeError::UnexpectedStanza("scrypt".into()))
        );
    }

    #[test]
    fn fail_garbage_never_panics() {
        let mut file = seal(&padding::pad(b"x").unwrap(), &recipients(1)).unwrap();
        for i in 0..file.len().min(400) {
            let saved = file[i];
            file[i] = b'!';
            let _ = inspect(&file);
            file[i] = saved;
        }
    }
}
