//! The key files of the organisation and of moderators, and how they are read back.
//!
//! | file | holds | protection |
//! |---|---|---|
//! | `root.key.age` | organisation root Ed25519 key | passphrase (age scrypt), 0600, offline |
//! | `root.pub` | root public key, base64 | public |
//! | `<id>.offline.age` | age identity + alert-signing key | passphrase, 0600, offline machine |
//! | `<id>.api.key` | API-signing key | 0600, online machine |
//! | `<id>.card.json` | public keys for the bundle | public |

use std::path::Path;

use age::secrecy::SecretString;
use anyhow::{bail, Context, Result};
use ed25519_dalek::SigningKey;
use jasmine_client::bundle::{ModeratorEntry, ModeratorSecrets};
use jasmine_client::client::ModeratorCredentials;
use jasmine_client::keys::{signing_key_from_base64, signing_key_to_base64, PublicKey};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::files;

// The key files' contents, as written and read: wiped when dropped (the base64 of the
// keys, the age identities).
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct RootKeyFile {
    kind: String,
    ed25519_seed: String,
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct OfflineKeyFile {
    kind: String,
    id: String,
    age_identity: String,
    alert_key: String,
    /// Age identities of earlier key rotations, newest first: reports encrypted to
    /// older bundles stay readable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    previous_age_identities: Vec<String>,
}

#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(deny_unknown_fields)]
struct ApiKeyFile {
    kind: String,
    id: String,
    api_key: String,
}

const ROOT_KIND: &str = "jasmine-root-key/v1";
const OFFLINE_KIND: &str = "jasmine-moderator-offline/v1";
const API_KIND: &str = "jasmine-moderator-api/v1";

fn to_secret_json<T: Serialize>(value: &T) -> Result<Zeroizing<Vec<u8>>> {
    Ok(Zeroizing::new(serde_json::to_vec(value)?))
}

/// Writes a new root key (encrypted) and its public key.
pub fn write_root(dir: &Path, key: &SigningKey, passphrase: &SecretString) -> Result<()> {
    let file = RootKeyFile {
        kind: ROOT_KIND.into(),
        ed25519_seed: signing_key_to_base64(key).to_string(),
    };
    files::write_secret(
        &dir.join("root.key.age"),
        &to_secret_json(&file)?,
        passphrase,
    )?;
    let public = format!("{}\n", PublicKey::from(key).to_base64());
    files::write_file(&dir.join("root.pub"), public.as_bytes(), 0o644, false)
}

/// Reads the root key.
pub fn read_root(path: &Path, passphrase: &SecretString) -> Result<SigningKey> {
    let plain = files::read_secret(path, passphrase)?;
    let mut file: RootKeyFile = serde_json::from_slice(&plain)
        .with_context(|| format!("{} is not a root key file", path.display()))?;
    if file.kind != ROOT_KIND {
        bail!(
            "{} is a '{}' file, not a root key",
            path.display(),
            file.kind
        );
    }
    Ok(signing_key_from_base64(&Zeroizing::new(std::mem::take(
        &mut file.ed25519_seed,
    )))?)
}

/// Reads a public key file (`root.pub`).
pub fn read_public_key(path: &Path) -> Result<PublicKey> {
    let text =
        String::from_utf8(files::read_file(path)?).context("the public key file is not text")?;
    PublicKey::from_base64(text.trim())
        .with_context(|| format!("{} does not hold a public key", path.display()))
}

/// Writes a new moderator's three files.
pub fn write_moderator(
    dir: &Path,
    secrets: &ModeratorSecrets,
    name: &str,
    passphrase: &SecretString,
    previous: &[Zeroizing<String>],
) -> Result<()> {
    let id = secrets.id();
    let offline = OfflineKeyFile {
        kind: OFFLINE_KIND.into(),
        id: id.into(),
        age_identity: secrets.age_identity_text().to_string(),
        alert_key: signing_key_to_base64(secrets.alert_key()).to_string(),
        previous_age_identities: previous.iter().map(|p| p.to_string()).collect(),
    };
    files::write_secret(
        &dir.join(format!("{id}.offline.age")),
        &to_secret_json(&offline)?,
        passphrase,
    )?;
    let api = ApiKeyFile {
        kind: API_KIND.into(),
        id: id.into(),
        api_key: signing_key_to_base64(secrets.api_key()).to_string(),
    };
    files::write_file(
        &dir.join(format!("{id}.api.key")),
        &to_secret_json(&api)?,
        0o600,
        false,
    )?;
    let mut card = serde_json::to_vec_pretty(&secrets.public_entry(name))?;
    card.push(b'\n');
    files::write_file(&dir.join(format!("{id}.card.json")), &card, 0o644, false)
}

/// A moderator's offline keys: decrypt reports, sign alerts.
pub struct OfflineKeys {
    /// Moderator id.
    pub id: String,
    /// Decrypts reports.
    pub age_identity: age::x25519::Identity,
    /// Signs alerts and retractions.
    pub alert_key: SigningKey,
    /// Identities of earlier rotations, newest first.
    pub previous: Vec<age::x25519::Identity>,
    age_identity_text: Zeroizing<String>,
    previous_texts: Vec<Zeroizing<String>>,
}

impl OfflineKeys {
    /// The age identity as text (for export).
    pub fn age_identity_text(&self) -> &str {
        &self.age_identity_text
    }

    /// Every identity, the current one first, as text (for a rotation).
    pub fn all_identity_texts(&self) -> Vec<Zeroizing<String>> {
        std::iter::once(self.age_identity_text.clone())
            .chain(self.previous_texts.iter().cloned())
            .collect()
    }

    /// Every identity, the current one first.
    pub fn identities(&self) -> impl Iterator<Item = &age::x25519::Identity> {
        std::iter::once(&self.age_identity).chain(self.previous.iter())
    }

    /// Decrypts with whichever identity the ciphertext was made for.
    pub fn try_each<T>(
        &self,
        mut open: impl FnMut(&age::x25519::Identity) -> Result<T, jasmine_client::Error>,
    ) -> Result<T, jasmine_client::Error> {
        let mut last = jasmine_client::Error::DecryptionFailed;
        for identity in self.identities() {
            match open(identity) {
                Ok(value) => return Ok(value),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

/// Reads and verifies the current bundle file against the root key file.
pub fn read_bundle(path: &Path, root_key: &Path) -> Result<jasmine_client::bundle::VerifiedBundle> {
    let root = read_public_key(root_key)?;
    let signed = files::read_file(path)?;
    jasmine_client::bundle::verify_bundle(&signed, &root, jasmine_client::Day::today_utc(), None)
        .with_context(|| format!("{} is not a valid bundle for this root key", path.display()))
}

#[cfg(test)]
impl OfflineKeys {
    /// Fresh keys for a moderator, without a key file (unit tests).
    pub fn for_tests(id: &str) -> OfflineKeys {
        let secrets = ModeratorSecrets::generate(id, &mut rand::rngs::OsRng);
        let text = secrets.age_identity_text();
        OfflineKeys {
            id: id.to_string(),
            age_identity: secrets.age_identity().clone(),
            alert_key: secrets.alert_key().clone(),
            previous: Vec::new(),
            age_identity_text: Zeroizing::new(text.to_string()),
            previous_texts: Vec::new(),
        }
    }
}

/// Reads a moderator's offline key file.
pub fn read_offline(path: &Path, passphrase: &SecretString) -> Result<OfflineKeys> {
    let plain = files::read_secret(path, passphrase)?;
    let mut file: OfflineKeyFile = serde_json::from_slice(&plain)
        .with_context(|| format!("{} is not a moderator key file", path.display()))?;
    if file.kind != OFFLINE_KIND {
        bail!(
            "{} is a '{}' file, not a moderator's offline keys",
            path.display(),
            file.kind
        );
    }
    let text = Zeroizing::new(std::mem::take(&mut file.age_identity));
    let parse = |text: &str| {
        text.parse::<age::x25519::Identity>()
            .map_err(|_| anyhow::anyhow!("{} holds a damaged age identity", path.display()))
    };
    let age_identity = parse(&text)?;
    let previous_texts: Vec<Zeroizing<String>> = std::mem::take(&mut file.previous_age_identities)
        .into_iter()
        .map(Zeroizing::new)
        .collect();
    let previous = previous_texts
        .iter()
        .map(|t| parse(t))
        .collect::<Result<Vec<_>>>()?;
    Ok(OfflineKeys {
        id: std::mem::take(&mut file.id),
        age_identity,
        alert_key: signing_key_from_base64(&Zeroizing::new(std::mem::take(&mut file.alert_key)))?,
        previous,
        age_identity_text: text,
        previous_texts,
    })
}

/// Reads a moderator's API key file.
pub fn read_api(path: &Path) -> Result<ModeratorCredentials> {
    let plain = Zeroizing::new(files::read_file(path)?);
    let mut file: ApiKeyFile = serde_json::from_slice(&plain)
        .with_context(|| format!("{} is not an API key file", path.display()))?;
    if file.kind != API_KIND {
        bail!(
            "{} is a '{}' file, not an API key",
            path.display(),
            file.kind
        );
    }
    Ok(ModeratorCredentials {
        id: std::mem::take(&mut file.id),
        api_key: signing_key_from_base64(&Zeroizing::new(std::mem::take(&mut file.api_key)))?,
    })
}

/// Reads a moderator card.
pub fn read_card(path: &Path) -> Result<ModeratorEntry> {
    serde_json::from_slice(&files::read_file(path)?)
        .with_context(|| format!("{} is not a moderator card", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wiped_on_drop<T: ZeroizeOnDrop>() {}

    /// The key files' contents are wiped when dropped, as written and as read (the
    /// check fails to compile if one is not).
    #[test]
    fn key_file_contents_are_wiped_on_drop() {
        wiped_on_drop::<RootKeyFile>();
        wiped_on_drop::<OfflineKeyFile>();
        wiped_on_drop::<ApiKeyFile>();
        let mut file = ApiKeyFile {
            kind: API_KIND.into(),
            id: "alice".into(),
            api_key: "c2VjcmV0".into(),
        };
        file.zeroize();
        assert!(file.api_key.is_empty() && file.id.is_empty());
    }
}
