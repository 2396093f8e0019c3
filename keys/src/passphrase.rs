//! Where passphrases come from: `--passphrase-file`, then `JASMINE_PASSPHRASE`, then
//! a prompt on the terminal (asked twice when creating a key); and how strong a new one
//! must be.
//!
//! The root key and the moderators' offline keys are age files encrypted with a
//! passphrase (scrypt): whoever steals one can try passphrases offline, as fast as their
//! hardware computes scrypt. So a passphrase is checked when it is *set* (`org init`,
//! `moderator keygen`, the new file of `moderator rotate`): at least [`MIN_CHARS`]
//! characters, and a `zxcvbn` strength score of at least [`MIN_SCORE`] (an estimate of
//! the guesses a cracker needs, knowing common passwords, words, names, dates, keyboard
//! patterns and substitutions). Opening an existing key works with any passphrase. The
//! `demo` keys are exempt: their passphrase, "demo", is public by design.

use std::io::IsTerminal;
use std::path::PathBuf;

use age::secrecy::{ExposeSecret, SecretString};
use anyhow::{bail, Context, Result};

/// The environment variable read for scripted use.
pub const ENV: &str = "JASMINE_PASSPHRASE";

/// The fewest characters a new passphrase may have.
pub const MIN_CHARS: usize = 12;

/// The lowest `zxcvbn` score (0 to 4) a new passphrase may have. 4 means an estimated
/// 10^10 guesses or more: "strong protection from an offline slow-hash attack", which is
/// what a stolen key file faces (each guess costs the attacker one scrypt computation,
/// about a second of a CPU core). Score 3 (10^8 guesses, weeks for a few hundred cores)
/// still admits `Summer2024!!` or `Marseille2024!`; four random words score 4 easily.
pub const MIN_SCORE: u8 = 4;

/// What to do, said with every refusal.
pub const ADVICE: &str = "Use four or more random words (for example picked with dice from a word list), at least 12 characters, and use them nowhere else";

/// How to obtain the passphrase.
#[derive(Clone, Debug, Default)]
pub struct PassphraseSource {
    /// A file whose first line is the passphrase.
    pub file: Option<PathBuf>,
}

impl PassphraseSource {
    /// Gets the passphrase of an existing key (`what`); any passphrase is accepted.
    pub fn get(&self, what: &str) -> Result<SecretString> {
        self.read(what, false)
    }

    /// Gets the passphrase that will protect a new key file (`what`): asked twice at
    /// the prompt, and refused unless [`check_new`] accepts it. `related` are words a
    /// cracker would try first (the moderator's id and name).
    pub fn get_new(&self, what: &str, related: &[&str]) -> Result<SecretString> {
        let passphrase = self.read(what, true)?;
        check_new(passphrase.expose_secret(), what, related)?;
        Ok(passphrase)
    }

    fn read(&self, what: &str, twice: bool) -> Result<SecretString> {
        let passphrase = if let Some(path) = &self.file {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read passphrase file {}", path.display()))?;
            text.lines().next().unwrap_or("").to_string()
        } else if let Ok(value) = std::env::var(ENV) {
            value
        } else if std::io::stdin().is_terminal() {
            return prompt(what, twice);
        } else {
            bail!("no passphrase for {what}: give --passphrase-file FILE or set {ENV}");
        };
        let passphrase = SecretString::from(passphrase);
        if passphrase.expose_secret().is_empty() {
            bail!("the passphrase for {what} is empty");
        }
        Ok(passphrase)
    }
}

/// Asks for a passphrase on the terminal (`twice`: again, to catch a typo).
pub fn prompt(what: &str, twice: bool) -> Result<SecretString> {
    let first = SecretString::from(rpassword::prompt_password(format!(
        "Passphrase for {what}: "
    ))?);
    if twice {
        let again = SecretString::from(rpassword::prompt_password("Same passphrase again: ")?);
        if again.expose_secret() != first.expose_secret() {
            bail!("the two passphrases differ; nothing was written");
        }
    }
    if first.expose_secret().is_empty() {
        bail!("the passphrase for {what} is empty");
    }
    Ok(first)
}

/// Refuses a passphrase too weak to protect a key file (`what`), saying why and what to
/// do instead; `related` are words a cracker would try first.
pub fn check_new(passphrase: &str, what: &str, related: &[&str]) -> Result<()> {
    if let Some(why) = weakness(passphrase, related) {
        bail!(
            "this passphrase is too weak to protect {what}: {why}. {ADVICE}. Nothing was written."
        );
    }
    Ok(())
}

/// Why `passphrase` is too weak for a new key, or `None` if it is strong enough.
pub fn weakness(passphrase: &str, related: &[&str]) -> Option<String> {
    let chars = passphrase.chars().count();
    if chars < MIN_CHARS {
        return Some(format!(
            "it has {chars} character(s), and at least {MIN_CHARS} are needed"
        ));
    }
    let mut inputs = vec!["jasmine", "jasmine-keys", "moderator", "passphrase"];
    inputs.extend(related.iter().copied());
    let estimate = zxcvbn::zxcvbn(passphrase, &inputs);
    let score = u8::from(estimate.score());
    if score >= MIN_SCORE {
        return None;
    }
    let hint = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" ({})", w.to_string().trim_end_matches('.')))
        .unwrap_or_default();
    Some(format!(
        "it is too easy to guess{hint}: its estimated strength is {score} on a scale of 0 to 4, and {MIN_SCORE} is needed"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passphrases_are_refused_with_what_to_do() {
        for weak in [
            "demo",
            "abcd",
            "password",
            "password1234",
            "jasmine-keys2024",
            "qwertyuiopasdf",
            "aaaaaaaaaaaaaaaa",
            "123456789012",
            "Marseille2024!",
            "Summer2024!!",
            "Jasmine2026!",
            "bonjour bonjour",
            "alice alice alice",
        ] {
            let why = weakness(weak, &["alice", "Moderator alice"]);
            assert!(why.is_some(), "'{weak}' was accepted");
            let error = check_new(weak, "the new root key", &[])
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("too weak to protect the new root key"),
                "{error}"
            );
            assert!(error.contains("four or more random words"), "{error}");
        }
        let short = weakness("x7#Kq!", &[]).unwrap();
        assert!(short.contains("6 character(s)"), "{short}");
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        for strong in [
            // The passphrase of every test key (tests/src/lib.rs).
            "correct horse battery staple",
            "violet tramway oyster pencil",
            "soleil chaussure minuit parapluie",
            "blue green red yellow",
            "7hQ#vL2p!xR9wZ",
        ] {
            assert_eq!(weakness(strong, &[]), None, "'{strong}' was refused");
        }
    }
}
