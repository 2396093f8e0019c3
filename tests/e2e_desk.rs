//! The moderator's air-gapped desk, end to end with the real binaries: `pull --out`
//! writes one inbox file and acknowledges nothing; `import` takes it onto the
//! encrypted desk (refusing a replay, a damaged copy, another organisation's file);
//! offline review signs an alert, seals a reply, adds a note, closes a case; `outbox`
//! writes one file; `publish` uploads it, acknowledgements last, and refuses it twice.
//! No file on the desk or in transit holds plaintext.
//!
//! Junk cannot stop a desk: reports posted to the anonymous server that are well-formed
//! age files but do not decrypt, or decrypt but are no report, are set aside as
//! unreadable on `import`, never shown by `review` (which also sets aside a case that
//! breaks on the desk and goes on), and deleted by `discard-unreadable`; their
//! acknowledgements still let the server delete them.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use base64::{engine::general_purpose::STANDARD_NO_PAD, Engine as _};
use jasmine_client::client::JasmineClient;
use jasmine_client::keys::PublicKey;
use jasmine_client::transport::DirectHttp;
use jasmine_client::{age_shape, envelope, padding, Day};
use jasmine_tests::{bin, fails, files_containing, ok, org_and_server, Org, PASSPHRASE};
use rand::RngCore;

fn report(marker: &str) -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-20", "precision": "day"},
        "place": {"country": "FR", "region": "31", "city": "Toulouse", "setting": "car"},
        "categories": ["armed_robbery"],
        "severity": "very_dangerous",
        "aggressor": {"description": "Homme armé", "phones": ["06 98 76 54 32"], "handles": [], "plates": ["AA-123-BB"]},
        "narrative": format!("{marker} Il m'a menacée avec un couteau."),
        "follow_up": {"kind": "none"},
        "consent_to_publish": true
    })
    .to_string()
}

#[test]
fn inbox_file_desk_outbox_file_and_nothing_decrypted_on_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let markers = ["DESK-MARKER-ONE", "DESK-MARKER-TWO", "DESK-MARKER-THREE"];
    let codename = send_reports(&org, &reporter, &url, &markers);
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);

    // Online: one inbox file; the server keeps everything until the outbox says so.
    let pulled = keys(&[
        "pull",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--out",
        "inbox-1.jasmine",
        "--root-key",
        "root.pub",
    ]);
    assert!(pulled.contains("Wrote 3 report(s)"), "{pulled}");
    assert_eq!(server.stored_reports(), 3);
    let inbox_bytes = std::fs::read(org.dir.join("inbox-1.jasmine")).unwrap();

    // Offline: take it onto the desk, once.
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let import = |file: &str, root: &str| {
        let mut args = vec!["import", file, "--root-key", root];
        args.extend(desk);
        args.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>| {
        ok(
            "jasmine-keys",
            &org.dir,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let refuse = |args: Vec<String>| {
        fails(
            "jasmine-keys",
            &org.dir,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            1,
        )
    };
    // Another organisation's root key, and a damaged copy, are refused first.
    let stranger = Org::create(&tmp.path().join("stranger"), &["eve"]);
    let other = refuse(import("inbox-1.jasmine", &stranger.path("root.pub")));
    assert!(other.contains("another organisation"), "{other}");
    let mut damaged = inbox_bytes.clone();
    let at = damaged.len() / 2;
    damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
    std::fs::write(org.dir.join("damaged.jasmine"), &damaged).unwrap();
    let error = refuse(import("damaged.jasmine", "root.pub"));
    assert!(error.contains("damaged"), "{error}");
    assert!(!org.dir.join("desk").exists(), "nothing was taken");
    let imported = run(import("inbox-1.jasmine", "root.pub"));
    assert!(imported.contains("Imported 3 new report(s)"), "{imported}");
    let replay = refuse(import("inbox-1.jasmine", "root.pub"));
    assert!(replay.contains("already imported"), "{replay}");

    let with_desk = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(desk);
        keys(&all)
    };
    let cases = with_desk(&["cases"]);
    assert_eq!(
        cases.matches(" new ").count() + cases.matches(" new\n").count(),
        3,
        "{cases}"
    );
    assert!(cases.contains("3 acknowledgement(s)"), "{cases}");
    let ids: Vec<String> = cases
        .lines()
        .filter(|l| l.contains("received"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let mut by_marker = std::collections::BTreeMap::new();
    for id in &ids {
        let shown = with_desk(&["show", id]);
        let marker = markers.iter().find(|m| shown.contains(*m)).unwrap();
        by_marker.insert(*marker, id.clone());
    }
    let (one, two, three) = (
        &by_marker["DESK-MARKER-ONE"],
        &by_marker["DESK-MARKER-TWO"],
        &by_marker["DESK-MARKER-THREE"],
    );
    assert!(
        with_desk(&["cases", "--status", "in_review"])
            .lines()
            .filter(|l| l.contains("received"))
            .count()
            == 3
    );

    // Decisions: an alert from one, a reply to two, a note and closing three.
    with_desk(&["alert", "draft", one, "--out", "draft.json"]);
    sign_draft(&org);
    with_desk(&[
        "reply",
        two,
        "--bundle",
        "bundle-1.json",
        "--root-key",
        "root.pub",
        "--text",
        "DESK-REPLY-MARKER Nous sommes là.",
    ]);
    with_desk(&["note", three, "--text", "DESK-NOTE-MARKER rappeler lundi"]);
    with_desk(&["close", three]);
    let cases = with_desk(&["cases"]);
    for (id, status) in [(one, "published"), (two, "answered"), (three, "closed")] {
        assert!(
            cases
                .lines()
                .any(|l| l.starts_with(id.as_str()) && l.contains(status)),
            "{id} {status}: {cases}"
        );
    }
    let written = with_desk(&["outbox", "--out", "outbox-1.jasmine"]);
    assert!(
        written.contains("1 alert(s), 0 retraction(s), 1 repl(y/ies), 3 acknowledgement(s)"),
        "{written}"
    );
    assert!(with_desk(&["outbox", "--out", "outbox-2.jasmine"]).contains("Nothing waits"));

    // Nothing decrypted anywhere on disk: desk, inbox and outbox files hold only
    // ciphertext and (in the outbox) the signed public alert made from report one.
    std::fs::remove_file(org.dir.join("draft.json")).unwrap();
    for needle in [
        "DESK-MARKER-TWO",
        "DESK-MARKER-THREE",
        "DESK-REPLY-MARKER",
        "DESK-NOTE-MARKER",
        "rappeler",
    ] {
        let found = files_containing(&org.dir, needle);
        assert!(found.is_empty(), "{needle} in {found:?}");
    }
    // Report one's text is only in the signed public alert: the outbox file and the
    // desk's copy of it.
    let found = files_containing(&org.dir, "DESK-MARKER-ONE");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found
            .iter()
            .all(|f| f.ends_with("outbox-1.jasmine") || f.contains("/desk/outboxes/")),
        "the desk holds plaintext: {found:?}"
    );

    // Online: publish, acknowledgements last; then the server has deleted the reports.
    let publish = |file: &str| {
        vec![
            "publish",
            file,
            "--api-key",
            "alice.api.key",
            "--root-key",
            "root.pub",
            "--state-dir",
            "online-state",
            "--server",
            &url,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let published = run(publish("outbox-1.jasmine"));
    assert!(published.contains("5 of 5 item(s) sent now"), "{published}");
    assert_eq!(
        server.stored_reports(),
        0,
        "acknowledged by the only moderator"
    );
    let again = refuse(publish("outbox-1.jasmine"));
    assert!(again.contains("already published"), "{again}");
    let alerts = ok(
        "jasmine",
        &reporter,
        &[
            "alerts",
            "--server",
            &url,
            "--root-key-file",
            &org.path("root.pub"),
        ],
    );
    assert!(
        alerts.contains("  signed by alice (verified)\n"),
        "{alerts}"
    );
    std::fs::write(reporter.join("codename.txt"), &codename).unwrap();
    let replies = ok(
        "jasmine",
        &reporter,
        &[
            "replies",
            "--codename-file",
            "codename.txt",
            "--server",
            &url,
            "--root-key-file",
            &org.path("root.pub"),
        ],
    );
    assert!(replies.contains("DESK-REPLY-MARKER"), "{replies}");

    // The reporter answers; the next inbox file brings the answer to the desk.
    ok(
        "jasmine",
        &reporter,
        &[
            "answer",
            "--codename-file",
            "codename.txt",
            "--text",
            "DESK-ANSWER-MARKER merci",
            "--server",
            &url,
            "--root-key-file",
            &org.path("root.pub"),
        ],
    );
    keys(&[
        "pull",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--out",
        "inbox-2.jasmine",
        "--root-key",
        "root.pub",
    ]);
    run(import("inbox-2.jasmine", "root.pub"));
    let waiting = with_desk(&["waiting"]);
    assert!(
        waiting.contains(two.as_str()) && waiting.contains("the reporter wrote"),
        "{waiting}"
    );
    let shown = with_desk(&["show", two]);
    assert!(
        shown.contains("DESK-REPLY-MARKER") && shown.contains("DESK-ANSWER-MARKER"),
        "{shown}"
    );

    // Exporting a case is the one way decrypted data leaves the desk: encrypted to the
    // moderators, readable with any age tool.
    with_desk(&[
        "export",
        two,
        "--bundle",
        "bundle-1.json",
        "--root-key",
        "root.pub",
        "--out",
        "case.age",
    ]);
    assert!(
        files_containing(&org.dir, "DESK-ANSWER-MARKER").is_empty(),
        "the export is encrypted"
    );
    keys(&[
        "moderator",
        "export-age-identity",
        "--key",
        "alice.offline.age",
        "--out",
        "alice.identity",
    ]);
    let out = std::process::Command::new("age")
        .args(["--decrypt", "--identity", "alice.identity", "case.age"])
        .current_dir(&org.dir)
        .output()
        .expect("the age CLI");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        exported["report"]["narrative"],
        "DESK-MARKER-TWO Il m'a menacée avec un couteau."
    );
    assert_eq!(
        exported["conversation"][1]["text"],
        "DESK-ANSWER-MARKER merci"
    );
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// Five ciphertexts the server accepts (binary age v1, one X25519 stanza per moderator,
/// a padded payload length) that are no report: three do not decrypt with the
/// moderator's key, two decrypt but are not a valid report.
fn junk_reports(moderators: &[age::x25519::Recipient]) -> Vec<Vec<u8>> {
    let strangers: Vec<_> = moderators
        .iter()
        .map(|_| age::x25519::Identity::generate().to_public())
        .collect();
    let to_strangers = envelope::seal(&padding::pad(b"{}").unwrap(), &strangers).unwrap();

    // The moderators' real header, then random bytes for the payload.
    let real = envelope::seal(&padding::pad(b"{}").unwrap(), moderators).unwrap();
    let header_len = age_shape::inspect(&real).unwrap().header_len;
    let mut random_payload = real[..header_len].to_vec();
    random_payload.extend(random_bytes(real.len() - header_len));

    // A header made of random stanzas and MAC, then a random payload.
    let b64 = |n: usize| STANDARD_NO_PAD.encode(random_bytes(n));
    let mut random_header = b"age-encryption.org/v1\n".to_vec();
    for _ in moderators {
        random_header.extend(format!("-> X25519 {}\n{}\n", b64(32), b64(32)).as_bytes());
    }
    random_header.extend(format!("--- {}\n", b64(32)).as_bytes());
    random_header.extend(random_bytes(padding::payload_len_for_bucket(1024)));

    // Age-encrypted to the moderators for real, but garbage inside.
    let garbage_json = envelope::seal(
        &padding::pad(br#"{"language": "fr", "narrative": 12, "junk": true}"#).unwrap(),
        moderators,
    )
    .unwrap();
    let broken_frame = envelope::seal(&[0xff; 1024], moderators).unwrap();

    let junk = vec![
        to_strangers,
        random_payload,
        random_header,
        garbage_json,
        broken_frame,
    ];
    for ciphertext in &junk {
        age_shape::check_report_envelope(ciphertext, moderators.len())
            .expect("a shape the server accepts");
    }
    junk
}

/// Posts the junk reports anonymously, as anyone could, with the client library.
fn post_junk(org: &Org, url: &str) -> usize {
    let root = std::fs::read_to_string(org.dir.join("root.pub")).unwrap();
    let root = PublicKey::from_base64(root.trim()).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = JasmineClient::new(DirectHttp::new(url).unwrap());
        let bundle = client
            .fetch_bundle(&root, Day::today_utc(), None)
            .await
            .unwrap();
        let junk = junk_reports(&bundle.recipients());
        for ciphertext in &junk {
            client
                .submit_report(ciphertext.clone())
                .await
                .expect("the server takes the junk: it cannot read it");
        }
        junk.len()
    })
}

/// Runs `review` on alice's desk, answering each decision prompt with the next of
/// `answers` (then `q`). Gives up, killing it, if it prints nothing for 60 seconds.
/// Returns what it printed.
fn drive_review(dir: &Path, answers: &[&str]) -> String {
    let mut child = Command::new(bin("jasmine-keys"))
        .args(["review", "--desk", "desk", "--key", "alice.offline.age"])
        .current_dir(dir)
        .env("JASMINE_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start review");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let (mut all, mut since_answer) = (Vec::new(), Vec::new());
    let mut answers = answers.iter();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(chunk) => {
                all.extend(&chunk);
                since_answer.extend(&chunk);
                if since_answer.ends_with(b"[q]uit: ") {
                    let answer = answers.next().unwrap_or(&"q");
                    let _ = writeln!(stdin, "{answer}");
                    since_answer.clear();
                }
            }
            Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "review printed nothing for 60 s:\n{}",
                    String::from_utf8_lossy(&all)
                );
            }
        }
    }
    drop(stdin);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let all = String::from_utf8_lossy(&all).into_owned();
    assert!(status.success(), "review failed: {err}\n{all}");
    all
}

/// The ids of the cases `review` showed, in order.
fn reviewed(transcript: &str) -> Vec<String> {
    transcript
        .lines()
        .filter(|l| l.starts_with("=== Case"))
        .map(|l| l.split(" — ").nth(1).unwrap().trim().to_string())
        .collect()
}

/// The report files on the desk, by id.
fn desk_reports(dir: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir.join("desk/reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter_map(|name| name.strip_suffix(".age").map(String::from))
        .collect()
}

#[test]
fn junk_reports_are_set_aside_never_reviewed_and_discarded() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    assert_eq!(post_junk(&org, &url), 5);
    let root = org.path("root.pub");
    for marker in ["JUNK-REAL-ONE", "JUNK-REAL-TWO", "JUNK-REAL-THREE"] {
        std::fs::write(reporter.join("r.json"), report(marker)).unwrap();
        ok(
            "jasmine",
            &reporter,
            &[
                "report",
                "--server",
                &url,
                "--root-key-file",
                &root,
                "--file",
                "r.json",
            ],
        );
    }
    assert_eq!(server.stored_reports(), 8);
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let with_desk = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(desk);
        keys(&all)
    };
    keys(&[
        "pull",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--out",
        "inbox.jasmine",
        "--root-key",
        "root.pub",
    ]);

    // Import opens every report: the junk is set aside, the real ones are new cases.
    let imported = with_desk(&["import", "inbox.jasmine", "--root-key", "root.pub"]);
    assert!(imported.contains("Imported 8 new report(s)"), "{imported}");
    assert!(
        imported.contains(
            "5 unreadable (set aside; see `jasmine-keys cases`; discard them with `jasmine-keys discard-unreadable`)"
        ),
        "{imported}"
    );
    let cases = with_desk(&["cases"]);
    assert!(
        cases.contains("Unreadable, set aside (never reviewed): 5 report(s), 0 mailbox message(s)"),
        "{cases}"
    );
    let id_of = |line: &str| line.split_whitespace().next().unwrap().to_string();
    let junk: Vec<String> = cases
        .lines()
        .filter(|l| l.contains("unreadable: "))
        .map(id_of)
        .collect();
    let real: Vec<String> = cases
        .lines()
        .filter(|l| l.contains(" new"))
        .map(id_of)
        .collect();
    assert_eq!((junk.len(), real.len()), (5, 3), "{cases}");
    assert_eq!(
        cases.matches("unreadable: does not decrypt").count(),
        3,
        "{cases}"
    );
    assert_eq!(
        cases.matches("unreadable: not a valid report").count(),
        2,
        "{cases}"
    );
    assert!(cases.contains("8 acknowledgement(s)"), "{cases}");

    // Every other view leaves the junk out, and says so when asked for one.
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &[&["show", &junk[0]][..], &desk].concat(),
        1,
    );
    assert!(refused.contains("set aside as unreadable"), "{refused}");
    for view in [&["match"][..], &["waiting"]] {
        let out = run_desk_quietly(&org.dir, view, &desk);
        assert!(junk.iter().all(|id| !out.contains(id)), "{out}");
    }
    let stats = run_desk_quietly(
        &org.dir,
        &["stats", "--from", "2026-01-01", "--to", "2026-12-31"],
        &desk,
    );
    assert!(
        stats.contains("to 2026-12-31: 3\n"),
        "only the real reports count: {stats}"
    );

    // Review walks exactly the three real reports: skip, skip, archive.
    let transcript = drive_review(&org.dir, &["s", "s", "a"]);
    assert_eq!(reviewed(&transcript), real, "{transcript}");
    assert!(transcript.contains("Case 3 of 3"), "{transcript}");
    assert!(!transcript.contains("cannot be read"), "{transcript}");
    for marker in ["JUNK-REAL-ONE", "JUNK-REAL-TWO", "JUNK-REAL-THREE"] {
        assert!(transcript.contains(marker), "{marker}: {transcript}");
    }

    // Discard: the five ciphertexts leave the desk, the real ones stay.
    let all_files = desk_reports(&org.dir);
    assert_eq!(all_files.len(), 8);
    let discarded = with_desk(&["discard-unreadable"]);
    assert!(
        discarded.contains("Discarded 5 unreadable report(s) and 0 mailbox message(s)"),
        "{discarded}"
    );
    let left = desk_reports(&org.dir);
    assert_eq!(left, real.iter().cloned().collect(), "{left:?}");
    assert!(junk.iter().all(|id| !left.contains(id)));
    let cases = with_desk(&["cases"]);
    assert!(!cases.to_lowercase().contains("unreadable"), "{cases}");
    assert!(
        with_desk(&["discard-unreadable"]).contains("nothing was discarded"),
        "a second discard finds nothing"
    );

    // A case that breaks on the desk after import does not stop review either: it is
    // set aside with a notice, and review goes on to the next.
    let skipped: Vec<String> = with_desk(&["cases", "--status", "in_review"])
        .lines()
        .filter(|l| l.contains("received"))
        .map(id_of)
        .collect();
    assert_eq!(skipped.len(), 2);
    let (broken, intact) = (&skipped[0], &skipped[1]);
    std::fs::write(
        org.dir.join("desk/reports").join(format!("{broken}.age")),
        b"age-encryption.org/v1\nbroken on the desk",
    )
    .unwrap();
    let transcript = drive_review(&org.dir, &["a"]);
    assert!(
        transcript.contains(&format!(
            "Case {broken} cannot be read (does not decrypt): set aside as unreadable"
        )),
        "{transcript}"
    );
    assert_eq!(reviewed(&transcript), vec![intact.clone()], "{transcript}");
    assert!(transcript.contains("Review done"), "{transcript}");
    let discarded = with_desk(&["discard-unreadable"]);
    assert!(
        discarded.contains("Discarded 1 unreadable report(s)"),
        "{discarded}"
    );
    assert!(!desk_reports(&org.dir).contains(broken));

    // The acknowledgements of all eight went on: the server deletes the junk too.
    let written = with_desk(&["outbox", "--out", "outbox.jasmine"]);
    assert!(written.contains("8 acknowledgement(s)"), "{written}");
    keys(&[
        "publish",
        "outbox.jasmine",
        "--api-key",
        "alice.api.key",
        "--root-key",
        "root.pub",
        "--state-dir",
        "online-state",
        "--server",
        &url,
    ]);
    assert_eq!(server.stored_reports(), 0);
}

/// Runs a desk command that must succeed without a warning; its output.
fn run_desk_quietly(dir: &Path, args: &[&str], desk: &[&str]) -> String {
    let all = [args, desk].concat();
    let out = jasmine_tests::run("jasmine-keys", dir, &all);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{all:?}: {stdout}{stderr}");
    assert!(stderr.is_empty(), "{all:?} warns: {stderr}");
    stdout.into_owned()
}

/// Air-gap files are signed: an inbox file by the moderator's API key (checked on the
/// desk against the bundle), an outbox file by her alert key (checked by `publish`
/// against the server's bundle). A file changed on the way, even with its checksum
/// made right again, or carried to another moderator's machine, is refused before
/// anything is taken or sent; the published alerts travel as signed.
#[test]
fn air_gap_files_are_signed_and_bound_to_their_moderator() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice", "bob"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    org.send_example_report(&reporter, &url);
    org.send_example_report(&reporter, &url);
    // Bob publishes an alert (and acknowledges both reports from his own inbox).
    org.publish_first_report("bob", &url, &[]);
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    let refuse = |args: &[&str]| fails("jasmine-keys", &org.dir, args, 1);
    let pull = |who: &str, out: &str| {
        keys(&[
            "pull",
            "--api-key",
            &format!("{who}.api.key"),
            "--server",
            &url,
            "--out",
            out,
            "--root-key",
            "root.pub",
        ])
    };
    let pulled = pull("alice", "inbox-a.jasmine");
    assert!(
        pulled.contains("2 report(s)") && pulled.contains("1 published alert(s)"),
        "{pulled}"
    );
    pull("bob", "inbox-b.jasmine");
    let inbox: serde_json::Value =
        serde_json::from_slice(&std::fs::read(org.dir.join("inbox-a.jasmine")).unwrap()).unwrap();
    assert_eq!(inbox["version"], 2);
    assert!(inbox["signature"].is_string());
    assert!(inbox["alerts"][0]["signature"].is_string(), "{inbox}");
    assert!(inbox["bundle"]["signature"].is_string(), "{inbox}");

    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    fn import<'a>(file: &'a str, desk: &[&'a str]) -> Vec<&'a str> {
        [&["import", file, "--root-key", "root.pub"][..], desk].concat()
    }
    // Changed on the way, checksum made right again: only the signature tells.
    let tampered = org.dir.join("tampered.jasmine");
    for change in [
        (|v: &mut serde_json::Value| {
            v["alerts"][0]["alert"]["summary"]["text"] = "Faux: appelez le 06 00 00 00 00".into()
        }) as fn(&mut serde_json::Value),
        |v| v["reports"][0]["received_on"] = "2026-01-01".into(),
        |v| {
            let first = v["reports"][0]["ciphertext"].clone();
            v["reports"][1]["ciphertext"] = first;
        },
    ] {
        std::fs::copy(org.dir.join("inbox-a.jasmine"), &tampered).unwrap();
        jasmine_tests::reseal_airgap_file(&tampered, change);
        let error = refuse(&import("tampered.jasmine", &desk));
        assert!(
            error.contains("is not signed by alice's API key") && error.contains("pull again"),
            "{error}"
        );
        std::fs::remove_file(&tampered).unwrap();
    }
    // Bob's inbox file on Alice's desk.
    let error = refuse(&import("inbox-b.jasmine", &desk));
    assert!(
        error.contains("was pulled with bob's API key, not yours (alice)"),
        "{error}"
    );
    // Bob's inbox file relabelled as Alice's: his API key signed it, not hers.
    std::fs::copy(org.dir.join("inbox-b.jasmine"), &tampered).unwrap();
    jasmine_tests::reseal_airgap_file(&tampered, |v| v["moderator"] = "alice".into());
    let error = refuse(&import("tampered.jasmine", &desk));
    assert!(
        error.contains("is not signed by alice's API key"),
        "{error}"
    );
    // An unsigned file of the earlier version says what to do.
    std::fs::copy(org.dir.join("inbox-a.jasmine"), &tampered).unwrap();
    jasmine_tests::reseal_airgap_file(&tampered, |v| {
        v["version"] = 1.into();
        v.as_object_mut().unwrap().remove("signature");
    });
    let error = refuse(&import("tampered.jasmine", &desk));
    assert!(
        error.contains("unsigned inbox file (version 1")
            && error.contains("update jasmine-keys on the online machine"),
        "{error}"
    );
    assert!(!org.dir.join("desk").exists(), "nothing was taken");

    let imported = keys(&import("inbox-a.jasmine", &desk));
    assert!(imported.contains("Imported 2 new report(s)"), "{imported}");
    assert!(!imported.contains("do not verify"), "{imported}");
    let written = keys(&[&["outbox", "--out", "outbox-a.jasmine"][..], &desk].concat());
    assert!(written.contains("2 acknowledgement(s)"), "{written}");

    let publish = |file: &str, who: &str| {
        [
            "publish",
            file,
            "--api-key",
            &format!("{who}.api.key"),
            "--root-key",
            "root.pub",
            "--state-dir",
            &format!("online-{who}"),
            "--server",
            &url,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    };
    let publish_refused = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refuse(&args)
    };
    // Alice's outbox carried to Bob's online machine.
    let error = publish_refused(publish("outbox-a.jasmine", "bob"));
    assert!(
        error.contains("was written on alice's desk, but bob.api.key is bob's API key"),
        "{error}"
    );
    // Relabelled as Bob's: Bob's alert key did not sign it.
    let relabelled = org.dir.join("outbox-r.jasmine");
    std::fs::copy(org.dir.join("outbox-a.jasmine"), &relabelled).unwrap();
    jasmine_tests::reseal_airgap_file(&relabelled, |v| v["moderator"] = "bob".into());
    let error = publish_refused(publish("outbox-r.jasmine", "bob"));
    assert!(
        error.contains("is not signed by bob's alert key"),
        "{error}"
    );
    // Changed on the way (an acknowledgement dropped), checksum made right again.
    let changed = org.dir.join("outbox-c.jasmine");
    std::fs::copy(org.dir.join("outbox-a.jasmine"), &changed).unwrap();
    jasmine_tests::reseal_airgap_file(&changed, |v| {
        v["acknowledge"]["reports"] = serde_json::json!([]);
    });
    let error = publish_refused(publish("outbox-c.jasmine", "alice"));
    assert!(
        error.contains("is not signed by alice's alert key") && error.contains("Nothing was sent"),
        "{error}"
    );
    assert_eq!(server.stored_reports(), 2, "nothing was acknowledged");

    let args = publish("outbox-a.jasmine", "alice");
    let published = keys(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(published.contains("2 of 2 item(s) sent now"), "{published}");
    assert_eq!(server.stored_reports(), 0);
}

/// As alice: signs `draft.json` onto her desk (`desk`), for the next outbox file.
fn sign_draft(org: &Org) {
    ok(
        "jasmine-keys",
        &org.dir,
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
    );
}

/// As a reporter working in `dir`: sends one report per marker with the `jasmine` CLI,
/// the second one asking for answers with a codename; returns that codename (empty
/// with fewer than two markers).
fn send_reports(org: &Org, dir: &Path, url: &str, markers: &[&str]) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let root = org.path("root.pub");
    let mut codename = String::new();
    for (i, marker) in markers.iter().enumerate() {
        std::fs::write(dir.join("r.json"), report(marker)).unwrap();
        let mut args = vec![
            "report",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--file",
            "r.json",
            "--json",
        ];
        if i == 1 {
            args.push("--codename");
        }
        let receipt: serde_json::Value = serde_json::from_str(&ok("jasmine", dir, &args)).unwrap();
        if i == 1 {
            codename = receipt["codename"].as_str().unwrap().to_string();
        }
    }
    codename
}

#[test]
fn a_second_jasmine_keys_on_the_same_desk_or_inbox_is_refused_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    let pull_out = |file: &str| {
        ok(
            "jasmine-keys",
            &org.dir,
            &[
                "pull",
                "--api-key",
                "alice.api.key",
                "--server",
                &url,
                "--out",
                file,
                "--root-key",
                "root.pub",
            ],
        )
    };
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let import = |file: &str| {
        let mut args = vec!["import", file, "--root-key", "root.pub"];
        args.extend(desk);
        jasmine_tests::run("jasmine-keys", &org.dir, &args)
    };
    send_reports(&org, &reporter, &url, &["LOCK-ONE"]);
    pull_out("inbox-1.jasmine");
    assert!(import("inbox-1.jasmine").status.success());
    send_reports(&org, &reporter, &url, &["LOCK-TWO"]);
    pull_out("inbox-2.jasmine");

    // A review waits at its prompt, holding the desk.
    let mut review = Command::new(bin("jasmine-keys"))
        .args(["review", "--desk", "desk", "--key", "alice.offline.age"])
        .current_dir(&org.dir)
        .env("JASMINE_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = review.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !seen.ends_with(b"[q]uit: ") {
        let n = stdout.read(&mut buffer).unwrap();
        assert!(
            n > 0,
            "review ended early: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.extend(&buffer[..n]);
    }
    let second = import("inbox-2.jasmine");
    assert_eq!(second.status.code(), Some(1));
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(said.contains("in use by another jasmine-keys"), "{said}");
    // The review goes on and ends as usual; then the import goes through.
    writeln!(review.stdin.as_mut().unwrap(), "q").unwrap();
    drop(review.stdin.take());
    assert!(review.wait().unwrap().success());
    let imported = import("inbox-2.jasmine");
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let mut cases_args = vec!["cases"];
    cases_args.extend(desk);
    let cases = ok("jasmine-keys", &org.dir, &cases_args);
    assert_eq!(cases.matches(" new").count(), 2, "{cases}");

    // Two pulls into one inbox folder: while one holds it, the other is refused before
    // it fetches or acknowledges anything.
    let inbox = org.dir.join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(org.dir.join("inbox.lock"))
        .unwrap();
    held.try_lock().unwrap();
    let pull = || {
        jasmine_tests::run(
            "jasmine-keys",
            &org.dir,
            &[
                "pull",
                "--api-key",
                "alice.api.key",
                "--server",
                &url,
                "--inbox",
                "inbox",
            ],
        )
    };
    let refused = pull();
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("in use by another jasmine-keys"));
    assert_eq!(server.stored_reports(), 2, "nothing was acknowledged");
    drop(held);
    let pulled = pull();
    assert!(
        pulled.status.success(),
        "{}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    assert_eq!(
        std::fs::read_dir(&inbox)
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".meta.json"))
            .count(),
        2
    );
}

/// `publish` killed (SIGKILL) at moments that differ from run to run until one run
/// finishes; then its record of what was sent is lost and it publishes the whole file
/// again, as if it had died after every item was stored and before any was noted. The
/// server holds every alert, reply and acknowledgement exactly once: alerts by their
/// id, replies by the item id the desk gave them, acknowledgements by being harmless
/// twice.
#[test]
fn an_interrupted_publication_run_again_puts_everything_on_the_server_exactly_once() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let root = org.path("root.pub");
    let codename = send_reports(&org, &reporter, &url, &["ONCE-ONE", "ONCE-TWO"]);
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    keys(&[
        "pull",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--out",
        "in.jasmine",
        "--root-key",
        "root.pub",
    ]);
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let with_desk = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(desk);
        keys(&all)
    };
    with_desk(&["import", "in.jasmine", "--root-key", "root.pub"]);
    let cases = with_desk(&["cases"]);
    let ids: Vec<String> = cases
        .lines()
        .filter(|l| l.contains("received"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let (mut first, mut second) = (String::new(), String::new());
    for id in &ids {
        if with_desk(&["show", id]).contains("ONCE-ONE") {
            first = id.clone();
        } else {
            second = id.clone();
        }
    }
    with_desk(&["alert", "draft", &first, "--out", "draft.json"]);
    sign_draft(&org);
    for text in ["ONCE-REPLY-A", "ONCE-REPLY-B"] {
        with_desk(&[
            "reply",
            &second,
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
            "--text",
            text,
        ]);
    }
    let written = with_desk(&["outbox", "--out", "out.jasmine"]);
    assert!(
        written.contains("1 alert(s), 0 retraction(s), 2 repl(y/ies), 2 acknowledgement(s)"),
        "{written}"
    );

    let publish = || {
        let mut command = Command::new(bin("jasmine-keys"));
        command
            .args([
                "publish",
                "out.jasmine",
                "--api-key",
                "alice.api.key",
                "--root-key",
                "root.pub",
                "--state-dir",
                "online-state",
                "--server",
                &url,
            ])
            .current_dir(&org.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let mut kills = 0;
    for delay in (0..40).map(|i| Duration::from_millis(3 * i)) {
        let mut child = publish().spawn().unwrap();
        std::thread::sleep(delay);
        if child.try_wait().unwrap().is_some() {
            let status = child.wait().unwrap();
            if status.success() {
                break;
            }
            // Finished without sending (already complete) or failed: say why.
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            assert!(err.contains("already published"), "{err}");
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
    }
    eprintln!("publish killed {kills} time(s) before a run finished");
    // Whatever the kills left, one more run completes the file.
    let last = publish().output().unwrap();
    let said = String::from_utf8_lossy(&last.stderr);
    assert!(
        last.status.success() || said.contains("already published"),
        "{said}"
    );

    // The worst case: the record of what was sent is gone, everything is sent again.
    std::fs::remove_dir_all(org.dir.join("online-state")).unwrap();
    let again = publish().output().unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    // Exactly once on the server.
    assert_eq!(server.stored_reports(), 0, "both acknowledgements arrived");
    let db = server.database();
    let alerts: i64 = db
        .query_row("SELECT count(*) FROM alerts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(alerts, 1);
    let replies: i64 = db
        .query_row(
            "SELECT count(*) FROM mailbox_messages WHERE sender = 'moderator'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(replies, 2, "each reply once");
    // And she reads both, once each.
    std::fs::write(reporter.join("codename.txt"), &codename).unwrap();
    let read = ok(
        "jasmine",
        &reporter,
        &[
            "replies",
            "--server",
            &url,
            "--root-key-file",
            &root,
            "--codename-file",
            "codename.txt",
        ],
    );
    assert_eq!(read.matches("ONCE-REPLY-A").count(), 1, "{read}");
    assert_eq!(read.matches("ONCE-REPLY-B").count(), 1, "{read}");
}
