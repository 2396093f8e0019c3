//! Backups that restore (`docs/DEPLOY.md`, "Backups"), with the real binaries and the
//! real `age-keygen`: a running server with a pending report, a published alert, a
//! conversation, a check key, an onion service key and a configuration is backed up
//! (encrypted to the operator's age key), stopped, and restored onto a fresh data
//! folder, where a new server serves the same onion address, report, alert and
//! conversation. A backup that is damaged, cut short, for another key, of another
//! organisation, or not a backup at all is refused with a message, and a data folder
//! that already holds a database is never overwritten.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use jasmine_tests::{fails, ok, Org, Server};

/// An arti configuration for a Tor network that does not answer (one cache on a closed
/// port of 127.0.0.1): the onion service makes its key and address, and never reaches
/// any network.
const DEAD_NETWORK: &str = r#"[tor_network]
fallback_caches = [
  { rsa_identity = "0123456789ABCDEF0123456789ABCDEF01234567", ed_identity = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", orports = ["127.0.0.1:9"] },
]

[tor_network.authorities]
v3idents = ["0123456789ABCDEF0123456789ABCDEF01234567"]
"#;

/// A configuration the restore must give back as it was.
const CONFIG: &str = "[mailbox]\nexpiry_days = 45\n";

fn start(org: &Org, data: &Path, tmp: &Path) -> Server {
    let network = tmp.join("dead-network.toml");
    std::fs::write(&network, DEAD_NETWORK).unwrap();
    let config = tmp.join("jasmine-server.toml");
    if !config.exists() {
        std::fs::write(&config, CONFIG).unwrap();
    }
    let server = Server::start_with(
        data,
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
        &[
            "--config",
            config.to_str().unwrap(),
            "--onion",
            "--tor-network-config",
            network.to_str().unwrap(),
        ],
    );
    let address = data.join("onion-address");
    for _ in 0..100 {
        if address.exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

fn age_keygen(dir: &Path, name: &str) -> String {
    let out = Command::new("age-keygen")
        .arg("-o")
        .arg(dir.join(name))
        .output()
        .expect("age-keygen (Debian age) runs");
    assert!(out.status.success());
    let public = Command::new("age-keygen")
        .arg("-y")
        .arg(dir.join(name))
        .output()
        .unwrap();
    String::from_utf8(public.stdout).unwrap().trim().to_string()
}

#[test]
fn a_backup_restores_onto_a_fresh_folder_and_a_bad_one_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let org = Org::create(&tmp.join("org"), &["alice"]);
    let data = tmp.join("data");
    let server = start(&org, &data, tmp);
    let onion = std::fs::read_to_string(data.join("onion-address")).unwrap();
    assert!(onion.trim().ends_with(".onion"), "{onion}");
    ok(
        "jasmine-server",
        tmp,
        &["--data-dir", data.to_str().unwrap(), "--print-check-key"],
    );

    // A published alert; then a report with a codename, pending, which the
    // association answers (a conversation).
    let reporter = tmp.join("reporter");
    org.send_example_report(&reporter, &server.url);
    let (_, alert) = org.publish_first_report("alice", &server.url, &[]);
    let root = org.path("root.pub");
    let receipt: serde_json::Value = serde_json::from_str(&ok(
        "jasmine",
        &reporter,
        &[
            "report",
            "--server",
            &server.url,
            "--root-key-file",
            &root,
            "--file",
            "report.json",
            "--codename",
            "--json",
        ],
    ))
    .unwrap();
    let codename = receipt["codename"].as_str().unwrap().to_string();
    std::fs::write(reporter.join("codename.txt"), &codename).unwrap();
    org.pull(&server.url, "alice.api.key", "inbox", &["--no-ack"]);
    let listed = ok("jasmine-keys", &org.dir, &["list", "--inbox", "inbox"]);
    let pending = listed.split_whitespace().next().unwrap().to_string();
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "reply",
            &pending,
            "--inbox",
            "inbox",
            "--key",
            "alice.offline.age",
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
            "--text",
            "BACKUP-REPLY-MARKER nous sommes là",
            "--api-key",
            "alice.api.key",
            "--server",
            &server.url,
        ],
    );

    // The backup, while the server runs, to the operator's age key.
    let operator = age_keygen(tmp, "operator.key");
    let config = tmp.join("jasmine-server.toml");
    let backup = tmp.join("backup.age");
    let made = ok(
        "jasmine-server",
        tmp,
        &[
            "backup",
            "--data-dir",
            data.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--root-key-file",
            &root,
            "--out",
            backup.to_str().unwrap(),
            "--to",
            &operator,
        ],
    );
    assert!(made.contains("the onion service's key"), "{made}");
    assert!(made.contains("the check key"), "{made}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let sealed = std::fs::read(&backup).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1\n"));
    for clear in [b"SQLite format 3".as_slice(), onion.trim().as_bytes()] {
        assert!(!sealed.windows(clear.len()).any(|w| w == clear));
    }
    // The real age CLI opens it: a tar whose last entry is the manifest.
    let listing = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "age -d -i {} {} | tar -tv",
            tmp.join("operator.key").display(),
            backup.display()
        ))
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.trim_end().ends_with("MANIFEST.json"), "{listing}");
    assert!(listing.contains("data/jasmine.sqlite3") && listing.contains("tor/state/keystore/"));
    assert!(
        listing
            .lines()
            .all(|l| l.starts_with("-rw-------") && l.contains("1970-01-01")),
        "{listing}"
    );
    server.stop();

    // Restored onto a fresh folder, a new server has it all.
    let fresh = tmp.join("fresh");
    let restore = |into: &Path, from: &Path, identity: &str, root: &str| {
        jasmine_tests::run(
            "jasmine-server",
            tmp,
            &[
                "restore",
                "--from",
                from.to_str().unwrap(),
                "--identity",
                tmp.join(identity).to_str().unwrap(),
                "--data-dir",
                into.to_str().unwrap(),
                "--root-key-file",
                root,
                "--config-out",
                into.with_extension("toml").to_str().unwrap(),
            ],
        )
    };
    let restored = restore(&fresh, &backup, "operator.key", &root);
    let said = String::from_utf8_lossy(&restored.stdout).into_owned()
        + &String::from_utf8_lossy(&restored.stderr);
    assert!(restored.status.success(), "{said}");
    assert!(said.contains("Restored"), "{said}");
    assert_eq!(
        std::fs::read_to_string(fresh.with_extension("toml")).unwrap(),
        CONFIG
    );
    assert_eq!(
        std::fs::read(fresh.join("check.key")).unwrap(),
        std::fs::read(data.join("check.key")).unwrap()
    );
    std::fs::remove_file(fresh.join("onion-address")).unwrap();
    let again = start(&org, &fresh, tmp);
    assert_eq!(
        std::fs::read_to_string(fresh.join("onion-address")).unwrap(),
        onion,
        "the same onion address, from the restored key"
    );
    let alerts = ok(
        "jasmine",
        &reporter,
        &["alerts", "--server", &again.url, "--root-key-file", &root],
    );
    let summary = alert["alert"]["summary"]["text"].as_str().unwrap();
    assert!(
        alerts.contains(summary) && alerts.contains("signed by alice (verified)"),
        "{alerts}"
    );
    let replies = ok(
        "jasmine",
        &reporter,
        &[
            "replies",
            "--codename-file",
            "codename.txt",
            "--server",
            &again.url,
            "--root-key-file",
            &root,
        ],
    );
    assert!(replies.contains("BACKUP-REPLY-MARKER"), "{replies}");
    org.pull(&again.url, "alice.api.key", "inbox-restored", &[]);
    let listed = ok(
        "jasmine-keys",
        &org.dir,
        &["list", "--inbox", "inbox-restored"],
    );
    assert!(listed.contains(&pending), "{listed}");
    again.stop();

    // Refused, and nothing changed.
    let refused = |into: &Path, from: &Path, identity: &str, root: &str| {
        let out = restore(into, from, identity, root);
        assert!(!out.status.success());
        assert!(
            !into.join("jasmine.sqlite3").exists(),
            "a database was left in {}",
            into.display()
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let said = String::from_utf8_lossy(&restore(&fresh, &backup, "operator.key", &root).stderr)
        .into_owned();
    assert!(said.contains("already holds a database"), "{said}");
    let mut changed = sealed.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x40;
    std::fs::write(tmp.join("changed.age"), &changed).unwrap();
    let said = refused(
        &tmp.join("d1"),
        &tmp.join("changed.age"),
        "operator.key",
        &root,
    );
    assert!(said.contains("damaged"), "{said}");
    std::fs::write(tmp.join("cut.age"), &sealed[..sealed.len() * 2 / 3]).unwrap();
    let said = refused(&tmp.join("d2"), &tmp.join("cut.age"), "operator.key", &root);
    assert!(said.contains("damaged"), "{said}");
    age_keygen(tmp, "stranger.key");
    let said = refused(&tmp.join("d3"), &backup, "stranger.key", &root);
    assert!(
        said.contains("not encrypted to the identity given"),
        "{said}"
    );
    let other = Org::create(&tmp.join("other-org"), &["bob"]);
    let said = refused(
        &tmp.join("d4"),
        &backup,
        "operator.key",
        &other.path("root.pub"),
    );
    assert!(said.contains("another organisation"), "{said}");
    std::fs::write(tmp.join("notes.txt"), "not a backup").unwrap();
    let said = refused(
        &tmp.join("d5"),
        &tmp.join("notes.txt"),
        "operator.key",
        &root,
    );
    assert!(said.contains("not a Jasmine backup"), "{said}");
    // An age file for the right key that is not a backup.
    let status = Command::new("age")
        .args(["-r", &operator, "-o"])
        .arg(tmp.join("other.age"))
        .arg(tmp.join("notes.txt"))
        .status()
        .unwrap();
    assert!(status.success());
    let said = refused(
        &tmp.join("d6"),
        &tmp.join("other.age"),
        "operator.key",
        &root,
    );
    assert!(said.contains("not a Jasmine backup"), "{said}");
    let said = fails(
        "jasmine-server",
        tmp,
        &[
            "backup",
            "--data-dir",
            tmp.join("nowhere").to_str().unwrap(),
            "--out",
            "x.age",
            "--to",
            &operator,
        ],
        1,
    );
    assert!(said.contains("nothing to back up"), "{said}");
}
