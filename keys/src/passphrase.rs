//! Where passphrases come from: `--passphrase-file`, then `JASMINE_PASSPHRASE`, then
//! a prompt on the terminal (asked twice when creating a key).

use std::io::IsTerminal;
use std::path::PathBuf;

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{bail, Context, Result};

/// The environment variable read for scripted use.
pub const ENV: &str = "JASMINE_PASSPHRASE";

/// How to obtain the passphrase.
#[derive(Clone, Debug, Default)]
pub struct PassphraseSource {
    /// A file whose first line is the passphrase.
    pub file: Option<PathBuf>,
}

impl PassphraseSource {
    /// Gets the passphrase for `what`; `new` asks twice and refuses short ones.
    pub fn get(&self, what: &str, new: bool) -> Result<SecretString> {
        let passphrase = if let Some(path) = &self.file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
            text.lines().next().unwrap_or("").to_string()
        } else if let Ok(value) = std::env::var(ENV) {
            value
        } else if std::io::stdin().is_terminal() {
            let first = rpassword::prompt_password(format!("Passphrase for {what}: "))?;
            if new {
                let again = rpassword::prompt_password("Same passphrase again: ")?;
                if again != first {
                    bail!("the two passphrases differ; nothing was written");
                }
            }
            first
        } else {
            bail!("no passphrase for {what}: give --passphrase-file FILE or set {ENV}");
        };
        let passphrase = SecretString::from(passphrase);
        if passphrase.expose_secret().is_empty() {
            bail!("the passphrase for {what} is empty");
        }
        if new && passphrase.expose_secret().chars().count() < 4 {
            bail!("choose a passphrase of at least 4 characters (a few words are best)");
        }
        Ok(passphrase)
    }
}
