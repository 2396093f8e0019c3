//! What a moderator signs on the offline machine (an alert, a retraction), checked
//! once signed: the signature is verified again with the public half of the key that
//! made it before anything is written.

use anyhow::{Context, Result};
use jasmine_client::alert::Alert;
use jasmine_client::keys::{Domain, PublicKey};
use jasmine_client::Day;

use crate::keyfiles::OfflineKeys;

/// Signs `alert` as this moderator, today, after validating it; checks the signature.
pub fn sign_alert(alert: &mut Alert, keys: &OfflineKeys) -> Result<Vec<u8>> {
    alert.signed_by = keys.id.clone();
    alert.published = Day::today_utc();
    alert.validate().context("the draft cannot be signed")?;
    let signed = jasmine_client::alert::sign_alert(alert, &keys.alert_key)?;
    check_own_signature(&signed, "alert", Domain::Alert, &keys.alert_key)?;
    Ok(signed)
}

/// Checks that `signed` (a signed document, `member` inside) verifies with `key`: what
/// was just signed is what will be published.
pub fn check_own_signature(
    signed: &[u8],
    member: &str,
    domain: Domain,
    key: &ed25519_dalek::SigningKey,
) -> Result<()> {
    let (value, signature) = jasmine_client::keys::unwrap_signed(
        serde_json::from_slice(signed)?,
        member,
        "signed file",
    )?;
    jasmine_client::keys::verify(
        domain,
        &PublicKey::from(key),
        &value,
        &signature,
        "signed file",
    )?;
    Ok(())
}
