//! Snapshots of what `jasmine-keys` and `jasmine` print, for every command and for the
//! errors people meet, in one realistic session on loopback. The transcript, with
//! ids, days, keys, codenames, ports and temporary paths replaced by placeholders, is
//! compared with `tests/snapshots/cli.txt`; run with `UPDATE_SNAPSHOTS=1` to rewrite
//! it after a deliberate change, and review the diff.
//!
//! Two more tests check what the transcript only shows: a report whose texts hold
//! terminal escapes and bidirectional overrides is printed escaped by every command
//! that shows it (no raw control character reaches the terminal), and a weak passphrase
//! is refused when a key is made, while an existing key opens with any passphrase.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use jasmine_client::client::JasmineClient;
use jasmine_client::keys::PublicKey;
use jasmine_client::terminal::is_unsafe;
use jasmine_client::transport::DirectHttp;
use jasmine_client::{envelope, padding, Day};
use jasmine_tests::{bin, ok, run, run_with_input, Org, Server, PASSPHRASE};
use regex::Regex;

struct Transcript {
    text: String,
    replacements: Vec<(String, String)>,
}

impl Transcript {
    fn normalise(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (from, to) in &self.replacements {
            out = out.replace(from, to);
        }
        let rules = [
            (
                r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){5}",
                "<codename>",
            ),
            (r"\b[0-9a-f]{32}\b", "<id>"),
            (r"\b\d{4}-\d{2}-\d{2}\b", "<day>"),
            // A key may begin with `+` or `/`, where `\b` does not match.
            (r"(^|[^A-Za-z0-9+/])[A-Za-z0-9+/]{43}=", "${1}<key>"),
            (r"127\.0\.0\.1:\d+", "127.0.0.1:<port>"),
            (r"\b\d+ bytes\b", "<n> bytes"),
        ];
        for (pattern, placeholder) in rules {
            out = Regex::new(pattern)
                .unwrap()
                .replace_all(&out, placeholder)
                .into_owned();
        }
        out
    }

    /// Runs a command and records it; `unordered` sorts the output lines (listings of
    /// random ids).
    fn record(
        &mut self,
        dir: &Path,
        name: &str,
        args: &[&str],
        input: Option<&str>,
        unordered: bool,
    ) -> String {
        let out = run_with_input(name, dir, args, input);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let mut shown_out = self.normalise(&stdout);
        if unordered {
            let mut lines: Vec<&str> = shown_out.lines().collect();
            lines.sort();
            shown_out = lines.join("\n") + if lines.is_empty() { "" } else { "\n" };
        }
        self.text.push_str(&format!(
            "$ {name} {}\n[exit {}]\n{}{}",
            self.normalise(&args.join(" ")),
            out.status.code().unwrap_or(-1),
            shown_out,
            self.normalise(&stderr)
                .lines()
                .map(|l| format!("! {l}\n"))
                .collect::<String>()
        ));
        self.text.push('\n');
        stdout
    }
}

fn report(marker: &str) -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-20", "precision": "day"},
        "place": {"country": "FR", "region": "13", "city": "Marseille", "setting": "hotel"},
        "categories": ["theft_or_non_payment"],
        "severity": "dangerous",
        "aggressor": {"description": "Homme, 40 ans", "phones": ["06 12 34 56 78"], "handles": [], "plates": []},
        "narrative": format!("{marker} Il est parti sans payer. Je m'appelle Lola, 07 11 22 33 44."),
        "follow_up": {"kind": "none"},
        "consent_to_publish": true
    })
    .to_string()
}

/// Posts two junk reports anonymously, in a shape the server accepts: one encrypted to
/// strangers (it does not decrypt), one to the moderators but holding no report.
fn post_junk(url: &str, root_pub: &str) {
    let root = std::fs::read_to_string(root_pub).unwrap();
    let root = PublicKey::from_base64(root.trim()).unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = JasmineClient::new(DirectHttp::new(url).unwrap());
        let bundle = client
            .fetch_bundle(&root, Day::today_utc(), None)
            .await
            .unwrap();
        let moderators = bundle.recipients();
        let strangers: Vec<_> = moderators
            .iter()
            .map(|_| age::x25519::Identity::generate().to_public())
            .collect();
        let framed = padding::pad(br#"{"junk": true}"#).unwrap();
        for recipients in [&strangers, &moderators] {
            let ciphertext = envelope::seal(&framed, recipients).unwrap();
            client.submit_report(ciphertext).await.unwrap();
        }
    });
}

#[test]
fn every_command_prints_what_the_snapshot_says() {
    let tmp = tempfile::tempdir().unwrap();
    let org_dir = tmp.path().join("org");
    let org = Org::create(&org_dir, &["alice"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let url = server.url.clone();
    let root = org.path("root.pub");
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    std::fs::write(reporter.join("r.json"), report("SNAP")).unwrap();
    std::fs::write(reporter.join("bad.json"), "{\"language\": \"fr\"}").unwrap();
    let mut t = Transcript {
        text: String::new(),
        replacements: vec![(tmp.path().display().to_string(), "<tmp>".into())],
    };
    let k = "jasmine-keys";
    let j = "jasmine";
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let with = |base: &[&'static str], extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().chain(extra.iter()).copied().collect()
    };
    let url_s: &'static str = Box::leak(url.clone().into_boxed_str());
    let root_s: &'static str = Box::leak(root.clone().into_boxed_str());

    // Organisation and keys.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::write(fresh.join("short.txt"), "demo\n").unwrap();
    std::fs::write(fresh.join("guessable.txt"), "Summer2024!!\n").unwrap();
    for weak in ["short.txt", "guessable.txt"] {
        t.record(
            &fresh,
            k,
            &["org", "init", "--dir", ".", "--passphrase-file", weak],
            None,
            false,
        );
    }
    t.record(&fresh, k, &["org", "init", "--dir", "."], None, false);
    t.record(&fresh, k, &["org", "init", "--dir", "."], None, false);
    t.record(&fresh, k, &["demo", "--dir", "demo"], None, false);
    t.record(
        &org_dir,
        k,
        &[
            "moderator",
            "keygen",
            "--id",
            "Bad Id",
            "--name",
            "x",
            "--dir",
            ".",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "moderator",
            "keygen",
            "--id",
            "dora",
            "--name",
            "Dora",
            "--dir",
            "dora",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "moderator",
            "rotate",
            "--key",
            "dora/dora.offline.age",
            "--name",
            "Dora",
            "--dir",
            "dora2",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "moderator",
            "export-age-identity",
            "--key",
            "dora/dora.offline.age",
            "--out",
            "dora.identity",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "bundle",
            "sign",
            "--root-key",
            "root.key.age",
            "--organisation",
            "Test Org",
            "--version",
            "1",
            "--card",
            "alice.card.json",
            "--out",
            "again.json",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "bundle",
            "upload",
            "--bundle",
            "bundle-1.json",
            "--root-pub",
            "root.pub",
            "--server",
            url_s,
        ],
        None,
        false,
    );

    // A reporter.
    t.record(
        &reporter,
        j,
        &[
            "report",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
            "--file",
            "bad.json",
        ],
        None,
        false,
    );
    let with_codename = t.record(
        &reporter,
        j,
        &[
            "report",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
            "--file",
            "r.json",
            "--codename",
        ],
        None,
        false,
    );
    let codename = Regex::new(r"[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){5}")
        .unwrap()
        .find(&with_codename)
        .expect("the codename is printed")
        .as_str()
        .to_string();
    std::fs::write(reporter.join("codename.txt"), &codename).unwrap();
    t.record(
        &reporter,
        j,
        &[
            "report",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
            "--file",
            "r.json",
        ],
        None,
        false,
    );
    t.record(
        &reporter,
        j,
        &["replies", "--server", url_s, "--root-key-file", root_s],
        Some("7K2M-QX9D-A4RT-8ZWC-PB3N-WD12\n"),
        false,
    );
    t.record(
        &reporter,
        j,
        &[
            "alerts",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
            "--category",
            "murder",
        ],
        None,
        false,
    );

    // The online machine, then the desk.
    t.record(
        &org_dir,
        k,
        &[
            "pull",
            "--api-key",
            "alice.api.key",
            "--server",
            url_s,
            "--out",
            "in-1.jasmine",
            "--root-key",
            "root.pub",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(
            &[
                "import",
                "in-1.jasmine",
                "--root-key",
                "dora/dora.card.json",
            ],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["import", "in-1.jasmine", "--root-key", "root.pub"], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["import", "in-1.jasmine", "--root-key", "root.pub"], &desk),
        None,
        false,
    );
    let cases = t.record(&org_dir, k, &with(&["cases"], &desk), None, true);
    t.record(
        &org_dir,
        k,
        &with(&["cases", "--status", "done"], &desk),
        None,
        false,
    );
    let ids: Vec<&'static str> = cases
        .lines()
        .filter(|l| l.contains("received"))
        .map(|l| {
            &*Box::leak(
                l.split_whitespace()
                    .next()
                    .unwrap()
                    .to_string()
                    .into_boxed_str(),
            )
        })
        .collect();
    let mut codename_case = "";
    let mut plain_case = "";
    for id in &ids {
        let shown = run(k, &org_dir, &with(&["show", id], &desk));
        if String::from_utf8_lossy(&shown.stdout).contains("codename") {
            codename_case = id;
        } else {
            plain_case = id;
        }
    }
    t.record(
        &org_dir,
        k,
        &with(&["show", plain_case], &desk),
        None,
        false,
    );
    t.record(&org_dir, k, &with(&["show", "0123"], &desk), None, false);
    t.record(&org_dir, k, &with(&["waiting"], &desk), None, false);
    t.record(&org_dir, k, &with(&["match"], &desk), None, false);
    t.record(
        &org_dir,
        k,
        &with(
            &["stats", "--from", "2026-01-01", "--to", "2026-12-31"],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(
            &["stats", "--from", "2026-12-31", "--to", "2026-01-01"],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["note", plain_case, "--text", " "], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["note", plain_case, "--text", "à rappeler"], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(
            &[
                "reply",
                plain_case,
                "--bundle",
                "bundle-1.json",
                "--root-key",
                "root.pub",
                "--text",
                "x",
            ],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(
            &["alert", "draft", plain_case, "--out", "draft.json"],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "alert",
            "sign",
            "--draft",
            "draft.json",
            "--key",
            "alice.offline.age",
            "--desk",
            "desk",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(
            &[
                "review",
                "--bundle",
                "bundle-1.json",
                "--root-key",
                "root.pub",
            ],
            &desk,
        ),
        Some("x\nr\nBonjour, nous sommes là.\n.\n"),
        false,
    );
    let _ = codename_case;
    t.record(
        &org_dir,
        k,
        &with(
            &[
                "export",
                plain_case,
                "--bundle",
                "bundle-1.json",
                "--root-key",
                "root.pub",
                "--out",
                "case.age",
            ],
            &desk,
        ),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "alert",
            "retract",
            "--alert-id",
            "0123456789abcdef0123456789abcdef",
            "--reason",
            "test",
            "--key",
            "alice.offline.age",
            "--desk",
            "desk",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["close", plain_case], &desk),
        None,
        false,
    );
    t.record(&org_dir, k, &with(&["cases"], &desk), None, true);
    t.record(
        &org_dir,
        k,
        &with(&["outbox", "--out", "out-1.jasmine"], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["outbox", "--out", "out-2.jasmine"], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "publish",
            "out-1.jasmine",
            "--api-key",
            "alice.api.key",
            "--server",
            url_s,
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "publish",
            "out-1.jasmine",
            "--api-key",
            "alice.api.key",
            "--root-key",
            "root.pub",
            "--state-dir",
            "state",
            "--server",
            url_s,
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "publish",
            "out-1.jasmine",
            "--api-key",
            "alice.api.key",
            "--root-key",
            "root.pub",
            "--state-dir",
            "state",
            "--server",
            url_s,
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "publish",
            "in-1.jasmine",
            "--api-key",
            "alice.api.key",
            "--root-key",
            "root.pub",
            "--state-dir",
            "state",
            "--server",
            url_s,
        ],
        None,
        false,
    );
    t.record(
        &reporter,
        j,
        &["alerts", "--server", url_s, "--root-key-file", root_s],
        None,
        false,
    );
    // This service's bundle names no check key; and an identifier too short to check.
    t.record(
        &reporter,
        j,
        &[
            "check",
            "06 12 34 56 78",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
        ],
        None,
        false,
    );
    t.record(
        &reporter,
        j,
        &[
            "check",
            "x",
            "--kind",
            "handle",
            "--server",
            url_s,
            "--root-key-file",
            root_s,
        ],
        None,
        false,
    );

    let reader = [
        "--server",
        url_s,
        "--root-key-file",
        root_s,
        "--codename-file",
        "codename.txt",
    ];
    t.record(&reporter, j, &with(&["replies"], &reader), None, false);
    t.record(
        &reporter,
        j,
        &with(&["answer", "--text", "Merci."], &reader),
        None,
        false,
    );
    t.record(
        &reporter,
        j,
        &with(&["answer", "--text", " "], &reader),
        None,
        false,
    );
    t.record(&reporter, j, &with(&["forget"], &reader), None, false);
    t.record(&reporter, j, &with(&["replies"], &reader), None, false);

    // The single-machine flow and the leftovers.
    t.record(
        &org_dir,
        k,
        &[
            "pull",
            "--api-key",
            "alice.api.key",
            "--server",
            url_s,
            "--inbox",
            "inbox",
        ],
        None,
        false,
    );
    t.record(&org_dir, k, &["list", "--inbox", "inbox"], None, false);
    t.record(
        &org_dir,
        k,
        &[
            "alert",
            "retract",
            "--alert-id",
            "nope",
            "--key",
            "alice.offline.age",
            "--out",
            "r.json",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &[
            "pull",
            "--api-key",
            "alice.api.key",
            "--server",
            "http://127.0.0.1:9",
            "--inbox",
            "inbox",
        ],
        None,
        false,
    );

    // Junk that anyone can post: set aside on import, never reviewed, discarded.
    post_junk(url_s, root_s);
    t.record(
        &org_dir,
        k,
        &[
            "pull",
            "--api-key",
            "alice.api.key",
            "--server",
            url_s,
            "--out",
            "in-2.jasmine",
            "--root-key",
            "root.pub",
        ],
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["import", "in-2.jasmine", "--root-key", "root.pub"], &desk),
        None,
        false,
    );
    let cases = t.record(&org_dir, k, &with(&["cases"], &desk), None, true);
    let junk: &'static str = Box::leak(
        cases
            .lines()
            .find(|l| l.contains("unreadable: not a valid report"))
            .and_then(|l| l.split_whitespace().next())
            .expect("an unreadable case is listed")
            .to_string()
            .into_boxed_str(),
    );
    t.record(&org_dir, k, &with(&["show", junk], &desk), None, false);
    t.record(&org_dir, k, &with(&["review"], &desk), None, false);
    t.record(
        &org_dir,
        k,
        &with(&["discard-unreadable"], &desk),
        None,
        false,
    );
    t.record(
        &org_dir,
        k,
        &with(&["discard-unreadable"], &desk),
        None,
        false,
    );
    t.record(&org_dir, k, &with(&["cases"], &desk), None, true);

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/cli.txt");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &t.text).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected != t.text {
        let actual = path.with_extension("actual.txt");
        std::fs::write(&actual, &t.text).unwrap();
        panic!(
            "the CLI output differs from {}; see {} (UPDATE_SNAPSHOTS=1 rewrites the snapshot)",
            path.display(),
            actual.display()
        );
    }
}

/// `jasmine-keys` in `dir` with `passphrase` in `JASMINE_PASSPHRASE` (no terminal).
fn keys_with(dir: &Path, passphrase: &str, args: &[&str]) -> Output {
    Command::new(bin("jasmine-keys"))
        .args(args)
        .current_dir(dir)
        .env("JASMINE_PASSPHRASE", passphrase)
        .env_remove("JASMINE_SERVER")
        .stdin(Stdio::null())
        .output()
        .expect("run jasmine-keys")
}

/// Asserts that `args` fail with exit code 1 and a message holding each of `needles`.
fn refused(dir: &Path, passphrase: &str, args: &[&str], needles: &[&str]) {
    let out = keys_with(dir, passphrase, args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: no '{needle}' in {stderr}"
        );
    }
}

#[test]
fn weak_passphrases_are_refused_when_a_key_is_made_and_any_opens_a_key() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let advice = "Use four or more random words";
    for weak in ["abcd", "Summer2024!!", "jasmine jasmine"] {
        refused(
            dir,
            weak,
            &["org", "init", "--dir", "."],
            &[
                "too weak to protect the new root key",
                advice,
                "Nothing was written",
            ],
        );
        refused(
            dir,
            weak,
            &["moderator", "keygen", "--id", "alice", "--name", "Alice"],
            &["too weak to protect the moderator's offline keys", advice],
        );
    }
    let short =
        String::from_utf8_lossy(&keys_with(dir, "abcd", &["org", "init"]).stderr).into_owned();
    assert!(
        short.contains("it has 4 character(s), and at least 12 are needed"),
        "{short}"
    );
    assert!(!dir.join("root.key.age").exists() && !dir.join("alice.offline.age").exists());

    // The test passphrase passes the rule.
    ok("jasmine-keys", dir, &["org", "init", "--dir", "."]);
    ok(
        "jasmine-keys",
        dir,
        &["moderator", "keygen", "--id", "alice", "--name", "Alice"],
    );

    // The demo keys keep their public passphrase, and say so; a weak passphrase still
    // opens an existing key.
    let demo = ok("jasmine-keys", dir, &["demo", "--dir", "demo"]);
    assert!(demo.contains("exempt from the strength rule"), "{demo}");
    let key = "demo/demo-moderator.offline.age";
    let export = [
        "moderator",
        "export-age-identity",
        "--key",
        key,
        "--out",
        "id.txt",
    ];
    assert!(keys_with(dir, "demo", &export).status.success());

    // Rotation writes a new key file: the weak passphrase is not carried over.
    let rotate = [
        "moderator",
        "rotate",
        "--key",
        key,
        "--name",
        "D",
        "--dir",
        "new",
    ];
    refused(
        dir,
        "demo",
        &rotate,
        &["too weak", "--new-passphrase-file", advice],
    );
    std::fs::write(dir.join("weak.txt"), "abcd\n").unwrap();
    let with_file = [&rotate[..], &["--new-passphrase-file", "weak.txt"]].concat();
    refused(
        dir,
        "demo",
        &with_file,
        &["too weak to protect the new offline keys"],
    );
    assert!(!dir.join("new/demo-moderator.offline.age").exists());
    std::fs::write(dir.join("strong.txt"), format!("{PASSPHRASE}\n")).unwrap();
    let with_file = [&rotate[..], &["--new-passphrase-file", "strong.txt"]].concat();
    let out = keys_with(dir, "demo", &with_file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(new passphrase)"));
    let new_key = "new/demo-moderator.offline.age";
    let export = [
        "moderator",
        "export-age-identity",
        "--key",
        new_key,
        "--out",
        "id2.txt",
    ];
    assert!(keys_with(dir, PASSPHRASE, &export).status.success());
    refused(dir, "demo", &export, &["wrong passphrase"]);
}

/// The raw control and bidirectional characters in `text`, other than line breaks.
fn raw_controls(text: &str) -> Vec<String> {
    text.chars()
        .filter(|c| *c != '\n' && is_unsafe(*c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
        .collect()
}

#[test]
fn reporters_texts_are_printed_escaped_never_raw() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let url = server.url.as_str();
    let root = org.path("root.pub");
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    // Clear the screen, set the window title, colour, and turn a text around.
    let hostile = serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-20", "precision": "day"},
        "place": {"country": "FR", "region": "1\u{202e}3", "city": "Mar\u{1b}]0;owned\u{7}seille", "setting": "hotel"},
        "categories": ["theft_or_non_payment"],
        "severity": "dangerous",
        "aggressor": {"description": "\u{9b}31mHomme\u{1b}[0m", "phones": [], "handles": ["@lo\u{202e}up"], "plates": []},
        "narrative": "HOSTILE \u{1b}[2J\u{1b}[H Il est parti \u{202e}reyap snas\u{202c} sans payer.\n\u{2067}fin\u{2069}",
        "follow_up": {"kind": "none"},
        "consent_to_publish": true
    });
    std::fs::write(reporter.join("hostile.json"), hostile.to_string()).unwrap();
    let mut with_codename = hostile.clone();
    with_codename["narrative"] = "CODENAME \u{1b}[2J same handle".into();
    std::fs::write(reporter.join("codename.json"), with_codename.to_string()).unwrap();
    let send = |file: &str, extra: &[&str]| {
        let args = [
            &[
                "report",
                "--server",
                url,
                "--root-key-file",
                &root,
                "--file",
                file,
            ][..],
            extra,
        ]
        .concat();
        ok("jasmine", &reporter, &args)
    };
    send("hostile.json", &[]);
    let receipt: serde_json::Value =
        serde_json::from_str(&send("codename.json", &["--codename", "--json"])).unwrap();
    std::fs::write(
        reporter.join("codename.txt"),
        receipt["codename"].as_str().unwrap(),
    )
    .unwrap();
    let reader = [
        "--server",
        url,
        "--root-key-file",
        &root,
        "--codename-file",
        "codename.txt",
    ];

    let keys = |args: &[&str], input: Option<&str>| -> String {
        let out = run_with_input("jasmine-keys", &org.dir, args, input);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{args:?}: {all}");
        let raw = raw_controls(&all);
        assert!(raw.is_empty(), "{args:?}: raw {raw:?} in:\n{all}");
        assert!(!all.contains('\u{1b}'), "{args:?}: a raw ESC");
        all
    };
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let pull_and_import = |file: &str| {
        keys(
            &[
                "pull",
                "--api-key",
                "alice.api.key",
                "--server",
                url,
                "--out",
                file,
                "--root-key",
                "root.pub",
            ],
            None,
        );
        keys(
            &[&["import", file, "--root-key", "root.pub"][..], &desk].concat(),
            None,
        );
    };
    pull_and_import("in-1.jasmine");
    let cases = keys(&[&["cases"][..], &desk].concat(), None);
    let ids: Vec<&str> = cases
        .lines()
        .filter(|l| l.contains("received"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ids.len(), 2, "{cases}");
    let show = |id: &str| keys(&[&["show", id][..], &desk].concat(), None);
    let codename_case = *ids.iter().find(|id| show(id).contains("CODENAME")).unwrap();

    // A conversation: the moderator writes first, the reporter answers; each side
    // prints the other's text escaped.
    keys(
        &[
            &[
                "reply",
                codename_case,
                "--bundle",
                "bundle-1.json",
                "--root-key",
                "root.pub",
                "--api-key",
                "alice.api.key",
                "--server",
                url,
                "--text",
                "REPLY \u{1b}[2J \u{202e}ruojnob",
            ][..],
            &desk,
        ]
        .concat(),
        None,
    );
    let out = run("jasmine", &reporter, &[&["replies"][..], &reader].concat());
    let replies = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{replies}");
    assert!(raw_controls(&replies).is_empty(), "{replies}");
    assert!(
        replies.contains("REPLY \\u{1b}[2J \\u{202e}ruojnob"),
        "{replies}"
    );
    ok(
        "jasmine",
        &reporter,
        &[
            &["answer", "--text", "ANSWER \u{1b}[31m \u{202e}olleh"][..],
            &reader,
        ]
        .concat(),
    );
    pull_and_import("in-2.jasmine");

    let mut shown = String::new();
    for id in &ids {
        shown.push_str(&show(id));
        let json = keys(&[&["show", id, "--json"][..], &desk].concat(), None);
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            report["place"]["region"], "1\u{202e}3",
            "the JSON means the same"
        );
    }
    for escaped in [
        "HOSTILE \\u{1b}[2J\\u{1b}[H Il est parti \\u{202e}reyap snas\\u{202c} sans payer.",
        "\\u{2067}fin\\u{2069}",
        "Mar\\u{1b}]0;owned\\u{7}seille",
        "1\\u{202e}3",
        "\\u{9b}31mHomme\\u{1b}[0m",
        "@lo\\u{202e}up",
        "ANSWER \\u{1b}[31m \\u{202e}olleh",
    ] {
        assert!(shown.contains(escaped), "show: no {escaped} in:\n{shown}");
    }

    // Review: publish an alert from the first case (every question answered by its
    // default), then stop.
    let review = keys(
        &[&["review"][..], &desk].concat(),
        Some(&format!("p\n{}q\n", "\n".repeat(20))),
    );
    for escaped in [
        "\\u{1b}[2J",
        "\\u{202e}",
        "REPEAT AGGRESSOR: same handle lo\\u{202e}up",
        "Mar\\u{1b}]0;owned\\u{7}seille",
        "The alert, as it would be published:",
    ] {
        assert!(
            review.contains(escaped),
            "review: no {escaped} in:\n{review}"
        );
    }
    let matched = keys(&[&["match"][..], &desk].concat(), None);
    assert!(matched.contains("Same handle lo\\u{202e}up:"), "{matched}");
    let stats = keys(
        &[
            &["stats", "--from", "2026-01-01", "--to", "2026-12-31"][..],
            &desk,
        ]
        .concat(),
        None,
    );
    assert!(stats.contains("FR-1\\u{202e}3"), "{stats}");
    keys(
        &[
            &["alert", "draft", ids[0], "--out", "draft.json"][..],
            &desk,
        ]
        .concat(),
        None,
    );
}
