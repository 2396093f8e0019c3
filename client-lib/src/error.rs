//! The one error type of the protocol code. Messages never contain key material,
//! plaintext or identifiers of reporters.

use crate::Day;

/// What went wrong in the protocol code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input that does not follow the format (the reason says where).
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which kind of object was being read.
        what: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A signature that does not verify for this purpose and key.
    #[error("the signature on the {0} does not verify")]
    BadSignature(&'static str),
    /// The key bundle's validity ended.
    #[error("the key bundle expired on {expires}; ask the organisation for a new one")]
    BundleExpired {
        /// Last day of validity.
        expires: Day,
    },
    /// The key bundle is not valid yet (issued in the future).
    #[error("the key bundle is issued for {issued}, which is in the future; check the clock")]
    BundleNotYetValid {
        /// First day of validity.
        issued: Day,
    },
    /// The key bundle is older than one already seen.
    #[error("key bundle version {offered} is older than version {seen} already seen: refusing a rollback")]
    BundleRollback {
        /// Version offered.
        offered: u64,
        /// Highest version seen before.
        seen: u64,
    },
    /// A signer that the key bundle does not list.
    #[error("'{0}' is not a moderator of the current key bundle")]
    UnknownSigner(String),
    /// Too much data for one report.
    #[error("the report is {size} bytes once encoded, more than the {limit} bytes allowed")]
    TooLarge {
        /// Encoded size.
        size: usize,
        /// Largest size allowed.
        limit: usize,
    },
    /// Decryption failed: wrong key, or damaged ciphertext. Deliberately vague.
    #[error("could not decrypt: not encrypted to this key, or damaged")]
    DecryptionFailed,
    /// Encryption failed (should not happen with a verified bundle).
    #[error("could not encrypt: {0}")]
    Encryption(String),
}

impl Error {
    pub(crate) fn malformed(what: &'static str, reason: impl Into<String>) -> Self {
        Error::Malformed {
            what,
            reason: reason.into(),
        }
    }
}
