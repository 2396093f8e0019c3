//! The key of the private check (`docs/PROTOCOL.md` §5b): `check.key` in the data
//! folder, created (0600, random) on first start and never sent anywhere. Its public
//! half is what the organisation signs into the key bundle
//! (`jasmine-server --print-check-key`, then `jasmine-keys bundle sign --check-key`);
//! the server evaluates only while the current bundle names this key.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use jasmine_client::oprf::CheckKey;

/// The key file's name in the data folder.
pub const FILE: &str = "check.key";

/// The key file of `data_dir`.
pub fn path_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

/// Reads the key in `data_dir`, creating it first if there is none.
pub fn load_or_create(data_dir: &Path) -> Result<CheckKey, String> {
    let path = path_in(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => CheckKey::from_base64(&text).map_err(|e| {
            format!(
                "{} is damaged ({e}); restore it from a backup (a new key would need a new bundle)",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = CheckKey::generate(&mut rand::rngs::OsRng);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(key.to_base64().as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(
                "created the check key {}; its public half for the key bundle is {}",
                path.display(),
                key.public_key().to_base64()
            );
            Ok(key)
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        let mode = std::fs::metadata(path_in(dir.path()))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = load_or_create(dir.path()).unwrap();
        assert_eq!(first.public_key(), again.public_key());
        std::fs::write(path_in(dir.path()), "not a key").unwrap();
        let refused = load_or_create(dir.path()).err().unwrap();
        assert!(refused.contains("damaged"), "{refused}");
        assert!(!refused.contains("not a key"), "{refused}");
    }
}
