//! Backups that restore (`docs/DEPLOY.md`, "Backups"): `jasmine-server backup` writes
//! one age file, encrypted to keys the operator names, holding a consistent snapshot of
//! the database, the check key, the onion service's key and address, and the
//! configuration; `jasmine-server restore` checks it whole and puts it back into a
//! fresh data folder.
//!
//! The snapshot is SQLite's `VACUUM INTO` from a read-only connection: a consistent
//! copy taken in one read transaction while the server keeps serving (WAL), which
//! leaves out the free pages where deleted ciphertexts were. Inside the age file is a
//! tar archive (every entry 0600, dated 1970: no timestamp says when anything was
//! written) that ends with `MANIFEST.json`, the size and SHA-256 of every file. A
//! restore refuses, before anything is put in place: a file that is not an age file or
//! not for the identity given, a backup cut short or changed (age's authentication),
//! an archive without its manifest or with an entry it does not list, a database that
//! fails SQLite's integrity check, another organisation's backup, and a data folder
//! that already holds a database.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use jasmine_client::Day;
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::check_key;
use crate::{DATABASE_FILE, KEYSTORE_DIR, ONION_ADDRESS_FILE as ADDRESS_FILE};

/// `jasmine` of the manifest.
const KIND: &str = "server-backup";
/// The manifest's format version.
const VERSION: u32 = 1;
/// The manifest's name in the archive (its last entry).
const MANIFEST: &str = "MANIFEST.json";
/// The configuration's name in the archive.
const CONFIG_ENTRY: &str = "config/jasmine-server.toml";

/// Where a server keeps what a backup holds.
#[derive(Clone, Debug)]
pub struct Places {
    /// The data folder (the database, the check key, the onion address).
    pub data_dir: PathBuf,
    /// Tor's folder (the onion service key is in `state/keystore` under it).
    pub tor_dir: PathBuf,
}

/// The manifest: what the archive holds, checked on restore.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always `server-backup`.
    pub jasmine: String,
    /// Always 1.
    pub version: u32,
    /// The day it was made.
    pub created_on: Day,
    /// The version of `jasmine-server` that made it.
    pub server_version: String,
    /// The organisation's root public key the server was pinned to, when known.
    pub root_key: Option<String>,
    /// Every file, in archive order.
    pub files: Vec<ManifestFile>,
}

/// One file of the archive.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestFile {
    /// Its path in the archive.
    pub path: String,
    /// Its length in bytes.
    pub size: u64,
    /// SHA-256 of its bytes, lowercase hex.
    pub sha256: String,
}

/// What a backup or a restore did.
#[derive(Debug)]
pub struct Summary {
    /// The files, as the manifest lists them.
    pub manifest: Manifest,
}

impl Summary {
    /// Whether the onion service's key is among the files.
    pub fn has_onion_key(&self) -> bool {
        self.manifest
            .files
            .iter()
            .any(|f| f.path.starts_with("tor/state/keystore/"))
    }

    /// Whether the configuration is among the files.
    pub fn has_config(&self) -> bool {
        self.manifest.files.iter().any(|f| f.path == CONFIG_ENTRY)
    }
}

/// Removes a file when dropped (the snapshot, a partial backup).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// A fresh name in `dir` that nothing else uses.
fn scratch_name(dir: &Path, what: &str) -> PathBuf {
    let mut random = [0u8; 8];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut random);
    dir.join(format!(".{what}-{}", hex::encode(random)))
}

/// Reads through `inner` and hashes what it read.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    size: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
}

/// A tar header for a regular file of `size` bytes, 0600, dated 1970.
fn header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(0);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// The files under `dir`, relative to it, sorted (regular files only).
fn files_under(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    if !dir.is_dir() {
        return Ok(found);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in fs::read_dir(&at)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                found.push(
                    entry
                        .path()
                        .strip_prefix(dir)
                        .unwrap_or(&entry.path())
                        .to_path_buf(),
                );
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Takes the consistent snapshot of the database into `into` (which must not exist).
fn snapshot(database: &Path, into: &Path) -> Result<(), String> {
    let connection = Connection::open_with_flags(
        database,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("cannot open {}: {e}", database.display()))?;
    connection
        .busy_timeout(std::time::Duration::from_secs(30))
        .map_err(|e| e.to_string())?;
    connection
        .execute("VACUUM INTO ?1", [into.to_string_lossy()])
        .map_err(|e| format!("cannot take a snapshot of {}: {e}", database.display()))?;
    fs::set_permissions(into, std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Writes the backup of `places` (and of `config`, when given) to `out`, encrypted to
/// `recipients`. `out` must not exist; it appears only once complete.
pub fn backup(
    places: &Places,
    config: Option<&Path>,
    root_key: Option<String>,
    recipients: &[age::x25519::Recipient],
    out: &Path,
) -> Result<Summary, String> {
    if recipients.is_empty() {
        return Err("name at least one age recipient (--to age1… or --to-file FILE): the backup is encrypted to them, and only their keys restore it".into());
    }
    let database = places.data_dir.join(DATABASE_FILE);
    if !database.is_file() {
        return Err(format!(
            "no database in {}: nothing to back up (is --data-dir, or data_dir in the configuration, right?)",
            places.data_dir.display()
        ));
    }
    if out.exists() {
        return Err(format!(
            "{} already exists: choose another name (a backup never overwrites a file)",
            out.display()
        ));
    }
    let snapshot_file = Scratch(scratch_name(&places.data_dir, "backup-snapshot"));
    snapshot(&database, &snapshot_file.0)?;

    // What goes in, in order: (path in the archive, file on disk).
    let mut entries: Vec<(String, PathBuf)> =
        vec![(format!("data/{DATABASE_FILE}"), snapshot_file.0.clone())];
    for name in [check_key::FILE, ADDRESS_FILE] {
        let path = places.data_dir.join(name);
        if path.is_file() {
            entries.push((format!("data/{name}"), path));
        }
    }
    let keystore = places.tor_dir.join(KEYSTORE_DIR);
    for relative in
        files_under(&keystore).map_err(|e| format!("cannot read {}: {e}", keystore.display()))?
    {
        let name = relative.to_string_lossy().into_owned();
        entries.push((
            format!("tor/{KEYSTORE_DIR}/{name}"),
            keystore.join(relative),
        ));
    }
    if let Some(config) = config {
        entries.push((CONFIG_ENTRY.to_string(), config.to_path_buf()));
    }

    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let partial = Scratch(scratch_name(parent, "backup-partial"));
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial.0)
        .map_err(|e| format!("cannot write in {}: {e}", parent.display()))?;
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| format!("cannot encrypt to the recipients given: {e}"))?;
    let written = |e: io::Error| format!("cannot write {}: {e}", out.display());
    let stream = encryptor
        .wrap_output(BufWriter::new(file))
        .map_err(written)?;
    let mut archive = tar::Builder::new(stream);
    let mut files = Vec::new();
    for (name, path) in &entries {
        let source =
            File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let size = source.metadata().map_err(|e| e.to_string())?.len();
        let mut reader = Hashing {
            inner: source,
            hash: Sha256::new(),
            size: 0,
        };
        archive
            .append_data(&mut header(size), name, &mut reader)
            .map_err(written)?;
        if reader.size != size {
            return Err(format!(
                "{} changed while it was read; run the backup again",
                path.display()
            ));
        }
        files.push(ManifestFile {
            path: name.clone(),
            size,
            sha256: hex::encode(reader.hash.finalize()),
        });
    }
    let manifest = Manifest {
        jasmine: KIND.into(),
        version: VERSION,
        created_on: Day::today_utc(),
        server_version: env!("CARGO_PKG_VERSION").into(),
        root_key,
        files,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    archive
        .append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())
        .map_err(written)?;
    let stream = archive.into_inner().map_err(written)?;
    let file = stream
        .finish()
        .map_err(written)?
        .into_inner()
        .map_err(|e| written(e.into_error()))?;
    file.sync_all().map_err(written)?;
    fs::rename(&partial.0, out).map_err(written)?;
    std::mem::forget(partial);
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
    Ok(Summary { manifest })
}

/// A path of the archive, checked: relative, no `..`, one of the places a backup
/// writes. Returns where it goes under the staging folder.
fn allowed(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    if !path.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    let known = name == MANIFEST
        || name == CONFIG_ENTRY
        || name == format!("data/{DATABASE_FILE}")
        || name == format!("data/{}", check_key::FILE)
        || name == format!("data/{ADDRESS_FILE}")
        || name.starts_with(&format!("tor/{KEYSTORE_DIR}/"));
    known.then(|| path.to_path_buf())
}

/// Restores the backup `from`, decrypted with one of `identities`, into `places` (the
/// data folder must hold no database; the onion key's folder must be empty), and the
/// configuration to `config_out` when given. With `root_key`, a backup of a server
/// pinned to another organisation's key is refused.
pub fn restore(
    from: &Path,
    identities: &[Box<dyn age::Identity + Send + Sync>],
    places: &Places,
    config_out: Option<&Path>,
    root_key: Option<&str>,
) -> Result<Summary, String> {
    let database = places.data_dir.join(DATABASE_FILE);
    if database.exists() {
        return Err(format!(
            "{} already holds a database: restore onto a fresh data folder (or move that one aside first); nothing was changed",
            places.data_dir.display()
        ));
    }
    let keystore = places.tor_dir.join(KEYSTORE_DIR);
    if !files_under(&keystore).unwrap_or_default().is_empty() {
        return Err(format!(
            "{} already holds an onion service key: restore onto a fresh data folder (or move it aside first); nothing was changed",
            keystore.display()
        ));
    }
    if let Some(path) = config_out.filter(|p| p.exists()) {
        return Err(format!(
            "{} already exists: name another file for the restored configuration; nothing was changed",
            path.display()
        ));
    }
    let file = File::open(from).map_err(|e| format!("cannot open {}: {e}", from.display()))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| {
        format!(
            "{} is not a Jasmine backup (not an age file, or damaged): {e}",
            from.display()
        )
    })?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => format!(
                "{} is not encrypted to the identity given: it is another key's backup (another operator's, or another organisation's); nothing was changed",
                from.display()
            ),
            other => format!("{} cannot be decrypted: {other}; nothing was changed", from.display()),
        })?;

    fs::create_dir_all(&places.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", places.data_dir.display()))?;
    let staging = scratch_name(&places.data_dir, "restore");
    fs::DirBuilder::new()
        .mode(0o700)
        .create(&staging)
        .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
    let result = unpack_and_check(reader, &staging, root_key).and_then(|manifest| {
        put_in_place(&staging, places, config_out, &manifest)?;
        Ok(Summary { manifest })
    });
    let _ = fs::remove_dir_all(&staging);
    result
}

/// Unpacks the archive into `staging`, checking every entry against the manifest, and
/// the database with SQLite's integrity check.
fn unpack_and_check<R: Read>(
    reader: R,
    staging: &Path,
    root_key: Option<&str>,
) -> Result<Manifest, String> {
    let damaged = |why: String| {
        format!("the backup is damaged or is not a Jasmine backup: {why}; nothing was changed")
    };
    let mut archive = tar::Archive::new(reader);
    let mut seen: Vec<ManifestFile> = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in archive.entries().map_err(|e| damaged(e.to_string()))? {
        let mut entry = entry.map_err(|e| damaged(e.to_string()))?;
        let name = entry
            .path()
            .map_err(|e| damaged(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        if manifest.is_some() {
            return Err(damaged(format!("'{name}' comes after the manifest")));
        }
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged(format!("'{name}' is not a regular file")));
        }
        let Some(relative) = allowed(&name) else {
            return Err(damaged(format!("unexpected entry '{name}'")));
        };
        if name == MANIFEST {
            let mut json = Vec::new();
            entry
                .by_ref()
                .take(1024 * 1024)
                .read_to_end(&mut json)
                .map_err(|e| damaged(e.to_string()))?;
            manifest = Some(
                serde_json::from_slice(&json)
                    .map_err(|e| damaged(format!("its manifest does not read: {e}")))?,
            );
            continue;
        }
        let target = staging.join(&relative);
        if let Some(parent) = target.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| e.to_string())?;
        }
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&target)
            .map_err(|e| damaged(format!("'{name}' twice, or cannot be written: {e}")))?;
        let mut reader = Hashing {
            inner: &mut entry,
            hash: Sha256::new(),
            size: 0,
        };
        io::copy(&mut reader, &mut out).map_err(|e| damaged(e.to_string()))?;
        out.sync_all().map_err(|e| e.to_string())?;
        seen.push(ManifestFile {
            path: name,
            size: reader.size,
            sha256: hex::encode(reader.hash.finalize()),
        });
    }
    let manifest =
        manifest.ok_or_else(|| damaged("its manifest is missing (cut short?)".into()))?;
    if manifest.jasmine != KIND || manifest.version != VERSION {
        return Err(damaged(format!(
            "its manifest says '{}' version {}, not a Jasmine server backup version {VERSION}",
            manifest.jasmine, manifest.version
        )));
    }
    let listed: Vec<(&str, u64, &str)> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.size, f.sha256.as_str()))
        .collect();
    let found: Vec<(&str, u64, &str)> = seen
        .iter()
        .map(|f| (f.path.as_str(), f.size, f.sha256.as_str()))
        .collect();
    if listed != found {
        return Err(damaged(
            "its files are not those its manifest lists (sizes, SHA-256 or names differ)".into(),
        ));
    }
    if !listed
        .iter()
        .any(|(path, _, _)| *path == format!("data/{DATABASE_FILE}"))
    {
        return Err(damaged("it holds no database".into()));
    }
    if let (Some(expected), Some(found)) = (root_key, manifest.root_key.as_deref()) {
        if expected.trim() != found.trim() {
            return Err(format!(
                "this backup is of a server of another organisation (root key {found}, not {}); nothing was changed",
                expected.trim()
            ));
        }
    }
    let restored = staging.join("data").join(DATABASE_FILE);
    let connection = Connection::open_with_flags(&restored, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| damaged(format!("its database does not open: {e}")))?;
    let integrity: String = connection
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| damaged(format!("its database does not read: {e}")))?;
    if integrity != "ok" {
        return Err(damaged(format!(
            "its database fails SQLite's integrity check: {integrity}"
        )));
    }
    Ok(manifest)
}

/// Moves the checked files from `staging` to where the server reads them.
fn put_in_place(
    staging: &Path,
    places: &Places,
    config_out: Option<&Path>,
    manifest: &Manifest,
) -> Result<(), String> {
    for file in &manifest.files {
        let from = staging.join(&file.path);
        let to = if let Some(name) = file.path.strip_prefix("data/") {
            places.data_dir.join(name)
        } else if let Some(rest) = file.path.strip_prefix("tor/") {
            places.tor_dir.join(rest)
        } else if file.path == CONFIG_ENTRY {
            match config_out {
                Some(path) => path.to_path_buf(),
                None => continue,
            }
        } else {
            continue;
        };
        if let Some(parent) = to.parent() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        // Across file systems (a config elsewhere) a rename fails: copy then.
        if fs::rename(&from, &to).is_err() {
            fs::copy(&from, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            fs::set_permissions(&to, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The age recipients of `--to` values and of `--to-file` files (one per line, `#`
/// comments, as `age -R` reads them).
pub fn recipients(
    given: &[String],
    files: &[PathBuf],
) -> Result<Vec<age::x25519::Recipient>, String> {
    let mut lines: Vec<(String, String)> = given
        .iter()
        .map(|r| ("--to".to_string(), r.clone()))
        .collect();
    for file in files {
        let text =
            fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            lines.push((file.display().to_string(), line.to_string()));
        }
    }
    lines
        .into_iter()
        .map(|(whence, line)| {
            line.parse::<age::x25519::Recipient>().map_err(|_| {
                format!("'{line}' ({whence}) is not an age recipient (age1…, as age-keygen -y prints it)")
            })
        })
        .collect()
}

/// The identities of an age identity file (`AGE-SECRET-KEY-1…` lines, as `age-keygen`
/// writes them).
pub fn identities(file: &Path) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>, String> {
    let read = |e: String| format!("cannot read the identity file {}: {e}", file.display());
    let identities = age::IdentityFile::from_file(file.to_string_lossy().into_owned())
        .map_err(|e| read(e.to_string()))?
        .into_identities()
        .map_err(|e| read(e.to_string()))?;
    if identities.is_empty() {
        return Err(read("it holds no age identity (AGE-SECRET-KEY-1…)".into()));
    }
    Ok(identities)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_places_a_backup_writes_are_taken() {
        for good in [
            "MANIFEST.json",
            "data/jasmine.sqlite3",
            "data/check.key",
            "data/onion-address",
            "tor/state/keystore/hss/jasmine/ks_hs_id.ed25519_expanded_private",
            "config/jasmine-server.toml",
        ] {
            assert!(allowed(good).is_some(), "{good}");
        }
        for bad in [
            "/etc/passwd",
            "data/../../x",
            "tor/state/keystore/../../../x",
            "data/other.sqlite3",
            "tor/state/other",
            "./data/jasmine.sqlite3",
            "",
        ] {
            assert!(allowed(bad).is_none(), "{bad}");
        }
    }
}
