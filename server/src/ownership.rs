//! Who owns the data folder. The package's service runs as the `jasmine` system user
//! in `/var/lib/jasmine` (0700, its own); an administrator who runs `jasmine-server` as
//! root on that folder would leave files the service cannot read (a root-owned
//! `check.key` stops it at its next start). So a command that writes there refuses to
//! run as root on a folder another user owns, and says how to run it; the restore,
//! which runs as root to read the operator's backup key, gives what it puts back to the
//! folder's owner.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The owner (uid, gid) of `dir` when this process runs as root and `dir` belongs to
/// somebody else; None otherwise (not root, the folder is root's, or it does not exist
/// yet).
fn foreign_owner(dir: &Path) -> Option<(u32, u32)> {
    if !rustix::process::geteuid().is_root() {
        return None;
    }
    let meta = std::fs::metadata(dir).ok()?;
    (meta.uid() != 0).then_some((meta.uid(), meta.gid()))
}

/// Refuses to `what` (e.g. "start the server") as root in a data folder that belongs to
/// another user, naming the user to run as.
pub fn refuse_root_in_foreign_folder(dir: &Path, what: &str) -> Result<(), String> {
    match foreign_owner(dir) {
        None => Ok(()),
        Some((uid, _)) => Err(format!(
            "{} belongs to {} and this runs as root: a file it wrote there could not be read by the service. To {what}, run it as that user: sudo -u {} jasmine-server …",
            dir.display(),
            user_name(uid).map_or(format!("uid {uid}"), |n| format!("the user {n}")),
            user_name(uid).unwrap_or_else(|| format!("'#{uid}'")),
        )),
    }
}

/// Gives `dir` and everything under it to the data folder's owner, when this runs as
/// root and `data_dir` belongs to somebody else (see the module's doc).
pub fn give_to_folder_owner(data_dir: &Path, dir: &Path) -> Result<(), String> {
    let Some((uid, gid)) = foreign_owner(data_dir) else {
        return Ok(());
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        std::os::unix::fs::lchown(&path, Some(uid), Some(gid))
            .map_err(|e| format!("cannot give {} to uid {uid}: {e}", path.display()))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            {
                stack.push(entry.map_err(|e| e.to_string())?.path());
            }
        }
    }
    Ok(())
}

/// The name /etc/passwd gives `uid`, if any.
fn user_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid.to_string()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_of_ones_own_is_never_refused() {
        let dir = tempfile::tempdir().unwrap();
        // Made by this process: its owner is whoever runs the test, root included.
        assert!(refuse_root_in_foreign_folder(dir.path(), "start").is_ok());
        assert!(refuse_root_in_foreign_folder(&dir.path().join("absent"), "start").is_ok());
    }

    #[test]
    fn root_is_refused_in_another_users_folder_and_gives_back_what_it_restores() {
        assert!(
            rustix::process::geteuid().is_root(),
            "only root can make a folder another user owns: run the tests as root (CI does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("restored"), b"x").unwrap();
        std::os::unix::fs::chown(&data, Some(4242), Some(4243)).unwrap();
        let refused = refuse_root_in_foreign_folder(&data, "start the server").unwrap_err();
        assert!(
            refused.contains("uid 4242") || refused.contains("the user "),
            "{refused}"
        );
        assert!(refused.contains("sudo -u"), "{refused}");
        give_to_folder_owner(&data, &data).unwrap();
        let meta = std::fs::metadata(data.join("restored")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (4242, 4243));
    }
}
