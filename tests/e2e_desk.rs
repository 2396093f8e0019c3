//! The moderator's air-gapped desk, end to end with the real binaries: `pull --out`
//! writes one inbox file and acknowledges nothing; `import` takes it onto the
//! encrypted desk (refusing a replay, a damaged copy, another organisation's file);
//! offline review signs an alert, seals a reply, adds a note, closes a case; `outbox`
//! writes one file; `publish` uploads it, acknowledgements last, and refuses it twice.
//! No file on the desk or in transit holds plaintext.

use jasmine_tests::{fails, files_containing, ok, org_and_server, Org};

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
    let mut codename = String::new();
    let root = org.path("root.pub");
    for (i, marker) in markers.iter().enumerate() {
        std::fs::write(reporter.join("r.json"), report(marker)).unwrap();
        let mut args = vec![
            "report",
            "--server",
            &url,
            "--root-key-file",
            &root,
            "--file",
            "r.json",
            "--json",
        ];
        if i == 1 {
            args.push("--codename");
        }
        let receipt: serde_json::Value =
            serde_json::from_str(&ok("jasmine", &reporter, &args)).unwrap();
        if i == 1 {
            codename = receipt["codename"].as_str().unwrap().to_string();
        }
    }
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
    keys(&[
        "alert",
        "sign",
        "--draft",
        "draft.json",
        "--key",
        "alice.offline.age",
        "--desk",
        "desk",
    ]);
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
        alerts.contains("signed by alice (verified)") || alerts.contains("verified"),
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
