//! Files on disk: written atomically (temporary file, fsync, rename), secrets with
//! mode 0600, and secret files encrypted with a passphrase (age's scrypt recipient).

use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use anyhow::{bail, Context, Result};
use zeroize::Zeroizing;

/// Writes `bytes` to `path` atomically, with `mode`, refusing to overwrite unless `replace`.
pub fn write_file(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> Result<()> {
    if !replace && path.exists() {
        bail!(
            "{} already exists; move it away first (nothing was overwritten)",
            path.display()
        );
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).with_context(|| format!("cannot create folder {}", dir.display()))?;
    let name = path
        .file_name()
        .context("a file name is needed")?
        .to_string_lossy()
        .to_string();
    let temporary: PathBuf = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&temporary)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    let written = file.write_all(bytes).and_then(|_| file.sync_all());
    if let Err(e) = written {
        let _ = fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))?;
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Reads a whole file with a message that names it.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// An exclusive lock on a folder (the file `<folder>.lock` beside it, locked by the
/// operating system), held until dropped: one `jasmine-keys` at a time uses a desk or an
/// inbox folder. The operating system releases it if the process dies, so a crash
/// never leaves it stuck. Beside the folder, not in it: taking the lock creates nothing
/// inside, so a command that refuses its input leaves no desk behind.
pub struct FolderLock {
    _file: fs::File,
}

/// Takes [`FolderLock`] on `dir` (which need not exist yet), or says which folder is in
/// use; `what` names it in the message ("the desk", "the inbox folder").
pub fn lock_folder(dir: &Path, what: &str) -> Result<FolderLock> {
    let path = lock_path(dir);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(FolderLock { _file: file }),
        Err(fs::TryLockError::WouldBlock) => bail!(
            "{what} {} is in use by another jasmine-keys (it holds {}): let that one finish, then run this again; nothing was changed",
            dir.display(),
            path.display()
        ),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("cannot lock {}", path.display()))
        }
    }
}

/// Where the lock of `dir` lives: `<dir>.lock` beside it (`<dir>/.lock` for a root).
pub fn lock_path(dir: &Path) -> PathBuf {
    match dir.file_name() {
        Some(name) => {
            let mut file = name.to_os_string();
            file.push(".lock");
            dir.with_file_name(file)
        }
        None => dir.join(".lock"),
    }
}

/// Encrypts `secret` with the passphrase and writes it 0600.
pub fn write_secret(path: &Path, secret: &[u8], passphrase: &SecretString) -> Result<()> {
    let encryptor = age::Encryptor::with_user_passphrase(passphrase.clone());
    let mut out = Vec::new();
    let mut writer = encryptor
        .wrap_output(&mut out)
        .context("cannot encrypt the key file")?;
    writer
        .write_all(secret)
        .context("cannot encrypt the key file")?;
    writer.finish().context("cannot encrypt the key file")?;
    write_file(path, &out, 0o600, false)
}

/// Reads and decrypts a passphrase-protected file.
pub fn read_secret(path: &Path, passphrase: &SecretString) -> Result<Zeroizing<Vec<u8>>> {
    let bytes = read_file(path)?;
    let decryptor = age::Decryptor::new_buffered(&bytes[..])
        .with_context(|| format!("{} is not a Jasmine key file", path.display()))?;
    if !decryptor.is_scrypt() {
        bail!("{} is not a passphrase-protected key file", path.display());
    }
    let mut identity = age::scrypt::Identity::new(passphrase.clone());
    // age caps the work it accepts at what it times this machine to do in ~16 s, from
    // one short measurement: on a loaded machine that cap can fall below the work
    // factor the file was written with (about 1 s, timed when it was written), and a
    // right passphrase reads as wrong. These are the moderator's own files: accept any
    // work factor up to 2^22 (age's own limit for trusted files).
    identity.set_max_work_factor(22);
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .map_err(|_| {
            anyhow::anyhow!(
                "wrong passphrase for {} (or the file is damaged)",
                path.display()
            )
        })?;
    let mut plain = Zeroizing::new(Vec::new());
    reader
        .read_to_end(&mut plain)
        .map_err(|_| anyhow::anyhow!("{} is damaged", path.display()))?;
    Ok(plain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn secrets_are_0600_and_need_the_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.age");
        write_secret(&path, b"seed", &SecretString::from("right".to_string())).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(
            &read_secret(&path, &SecretString::from("right".to_string())).unwrap()[..],
            b"seed"
        );
        let wrong = read_secret(&path, &SecretString::from("wrong".to_string())).unwrap_err();
        assert!(wrong.to_string().contains("wrong passphrase"), "{wrong}");
        assert!(
            write_file(&path, b"x", 0o600, false).is_err(),
            "never overwrites a key"
        );
    }
}
