//! The age envelope: a padded report encrypted to every moderator of a verified key
//! bundle, as binary age v1 with one X25519 stanza per moderator. Any age
//! implementation decrypts it with a moderator's identity.

use std::io::{Read, Write};

use zeroize::Zeroizing;

use crate::bundle::VerifiedBundle;
use crate::report::Report;
use crate::{padding, Error};

/// Encrypts already-framed bytes to the given recipients.
pub fn seal(framed: &[u8], recipients: &[age::x25519::Recipient]) -> Result<Vec<u8>, Error> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Error::Encryption(e.to_string()))?;
    let mut ciphertext = Vec::with_capacity(framed.len() + 256 * (recipients.len() + 1));
    let mut writer = encryptor
        .wrap_output(&mut ciphertext)
        .map_err(|e| Error::Encryption(e.to_string()))?;
    writer
        .write_all(framed)
        .map_err(|e| Error::Encryption(e.to_string()))?;
    writer
        .finish()
        .map_err(|e| Error::Encryption(e.to_string()))?;
    Ok(ciphertext)
}

/// Decrypts age ciphertext with one identity; the plaintext is zeroized on drop.
pub fn open(
    ciphertext: &[u8],
    identity: &age::x25519::Identity,
) -> Result<Zeroizing<Vec<u8>>, Error> {
    let decryptor =
        age::Decryptor::new_buffered(ciphertext).map_err(|_| Error::DecryptionFailed)?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|_| Error::DecryptionFailed)?;
    let mut plaintext = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plaintext)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(plaintext)
}

/// Pads and encrypts a report to every moderator of `bundle`, within its size limit.
pub fn seal_report(report: &Report, bundle: &VerifiedBundle) -> Result<Vec<u8>, Error> {
    let json = Zeroizing::new(report.to_json()?);
    let framed = padding::pad(&json)?;
    let ciphertext = seal(&framed, &bundle.recipients())?;
    let limit = bundle.bundle().limits.max_report_bytes as usize;
    if ciphertext.len() > limit {
        return Err(Error::TooLarge {
            size: ciphertext.len(),
            limit,
        });
    }
    Ok(ciphertext)
}

/// Decrypts, unpads and parses a report.
pub fn open_report(ciphertext: &[u8], identity: &age::x25519::Identity) -> Result<Report, Error> {
    let framed = open(ciphertext, identity)?;
    Report::from_json(padding::unpad(&framed)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::age_shape;
    use crate::bundle::{sign_bundle, verify_bundle, KeyBundle, ModeratorSecrets, ServerLimits};
    use crate::keys::PublicKey;
    use crate::Day;
    use ed25519_dalek::SigningKey;
    use rand::rngs::OsRng;

    fn bundle_of(moderators: &[&ModeratorSecrets]) -> VerifiedBundle {
        let root = SigningKey::from_bytes(&[4; 32]);
        let today = Day::parse("2026-11-28").unwrap();
        let bundle = KeyBundle {
            organisation: "Test".into(),
            version: 1,
            issued: today,
            expires: today.add_days(10),
            onion: String::new(),
            check_key: None,
            moderators: moderators.iter().map(|m| m.public_entry(m.id())).collect(),
            former: Vec::new(),
            limits: ServerLimits::default(),
        };
        verify_bundle(
            &sign_bundle(&bundle, &root).unwrap(),
            &PublicKey::from(&root),
            today,
            None,
        )
        .unwrap()
    }

    #[test]
    fn every_moderator_reads_the_report_and_nobody_else() {
        let alice = ModeratorSecrets::generate("alice", &mut OsRng);
        let bob = ModeratorSecrets::generate("bob", &mut OsRng);
        let eve = ModeratorSecrets::generate("eve", &mut OsRng);
        let bundle = bundle_of(&[&alice, &bob]);
        let report = Report::example(Day::parse("2026-11-27").unwrap());
        let ciphertext = seal_report(&report, &bundle).unwrap();
        assert_eq!(
            open_report(&ciphertext, alice.age_identity()).unwrap(),
            report
        );
        assert_eq!(
            open_report(&ciphertext, bob.age_identity()).unwrap(),
            report
        );
        assert!(matches!(
            open_report(&ciphertext, eve.age_identity()),
            Err(Error::DecryptionFailed)
        ));
        let shape = age_shape::inspect(&ciphertext).unwrap();
        assert_eq!(shape.x25519_stanzas, 2);
        assert_eq!(shape.bucket, 1024);
    }

    #[test]
    fn fail_truncated_or_flipped_ciphertext() {
        let alice = ModeratorSecrets::generate("alice", &mut OsRng);
        let bundle = bundle_of(&[&alice]);
        let ciphertext =
            seal_report(&Report::example(Day::parse("2026-11-27").unwrap()), &bundle).unwrap();
        for cut in [10, ciphertext.len() / 2, ciphertext.len() - 1] {
            assert!(open_report(&ciphertext[..cut], alice.age_identity()).is_err());
        }
        let mut flipped = ciphertext.clone();
        let last = flipped.len() - 5;
        flipped[last] ^= 1;
        assert!(matches!(
            open_report(&flipped, alice.age_identity()),
            Err(Error::DecryptionFailed)
        ));
    }
}
