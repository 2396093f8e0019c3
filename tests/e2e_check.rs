//! The private check end to end, with the real binaries (`docs/PROTOCOL.md` §5b): three
//! reports name one aggressor's phone in three notations; the moderator publishes an
//! alert and, through the air gap, puts the number on the check list; `jasmine check`
//! finds it in a fourth notation, and nothing else; no form of the number is on the
//! server or the online machine; forged entries are ignored; a retraction removes the
//! match; a server answering with another key is refused.

use std::path::Path;

use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::checklist::{self, CheckEntry};
use jasmine_client::identifier::Kind;
use jasmine_client::oprf::{self, CheckKey};
use jasmine_tests::{bin, fails, files_containing, ok, org_and_server_with_check, Org, Server};

const NOTATIONS: [&str; 3] = ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678"];
const FOURTH: &str = "06.12.34.56.78";
const UNKNOWN: &str = "07 99 88 77 66";

/// Every form of the number the test looks for in files and logs.
const FORMS: [&str; 6] = [
    "612345678",
    "12 34 56 78",
    "12.34.56.78",
    "6 12 34",
    "0033612",
    "+336",
];

fn report(phone: &str, n: usize) -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-20", "precision": "day"},
        "place": {"country": "FR", "region": "69", "city": "Lyon", "setting": "hotel"},
        "categories": ["theft_or_non_payment"],
        "severity": "dangerous",
        "aggressor": {"description": "Homme, la quarantaine", "phones": [phone], "handles": [], "plates": []},
        "narrative": format!("Report {n}: il est parti sans payer et a pris mon téléphone."),
        "follow_up": {"kind": "none"},
        "consent_to_publish": true
    })
    .to_string()
}

/// `jasmine check <identifier>` against `url`, as a reporter working in `dir`.
fn check(org: &Org, dir: &Path, url: &str, identifier: &str) -> String {
    ok(
        "jasmine",
        dir,
        &[
            "check",
            identifier,
            "--server",
            url,
            "--root-key-file",
            &org.path("root.pub"),
        ],
    )
}

/// Every file below `dir` and the server's log hold no form of the number.
fn assert_no_form_of_the_number(dirs: &[&Path], log: &str) {
    for form in FORMS {
        for dir in dirs {
            let found = files_containing(dir, form);
            assert!(found.is_empty(), "'{form}' in {found:?}");
        }
        assert!(!log.contains(form), "'{form}' in the server's log");
    }
}

#[test]
fn a_number_on_the_check_list_is_found_in_any_notation_and_only_by_the_signed_key() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    // The server's check key, signed into bundle 2 by the organisation.
    // The server's check key, signed into bundle 2, which the server serves.
    let (org, server) = org_and_server_with_check(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();

    // Before anything is listed, a check finds nothing.
    let nothing = check(&org, &reporter, &url, FOURTH);
    assert!(nothing.contains("No report is known"), "{nothing}");

    // Three reports, three notations.
    for (n, phone) in NOTATIONS.iter().enumerate() {
        std::fs::write(reporter.join("r.json"), report(phone, n)).unwrap();
        ok(
            "jasmine",
            &reporter,
            &[
                "report",
                "--server",
                &url,
                "--root-key-file",
                &org.path("root.pub"),
                "--file",
                "r.json",
            ],
        );
    }
    std::fs::remove_file(reporter.join("r.json")).unwrap();

    // Air gap: pull, import, draft with the check list, sign on the desk, outbox.
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    let desk = ["--desk", "desk", "--key", "alice.offline.age"];
    let with_desk = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(desk);
        keys(&all)
    };
    let pull = |out: &str| org.pull_to_file(&url, out);
    let publish = |file: &str| org.publish_file(&url, file);
    pull("inbox-1.jasmine");
    with_desk(&["import", "inbox-1.jasmine", "--root-key", "root.pub"]);
    // The desk's matching sees one aggressor in the three notations.
    let matched = with_desk(&["match"]);
    assert!(matched.contains("+33612345678"), "{matched}");
    let ids: Vec<String> = with_desk(&["cases"])
        .lines()
        .filter(|l| l.contains("received"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    with_desk(&[
        "alert",
        "draft",
        &ids[0],
        "--out",
        "draft.json",
        "--check-list",
    ]);
    let draft: serde_json::Value =
        serde_json::from_slice(&std::fs::read(org.dir.join("draft.json")).unwrap()).unwrap();
    assert_eq!(
        draft["check_list"],
        serde_json::json!([{"kind": "phone", "identifier": "+33612345678"}])
    );
    assert_eq!(draft["alert"]["aggressor"]["phones"], serde_json::json!([]));
    let alert_id = draft["alert"]["id"].as_str().unwrap().to_string();
    let signed = keys(&[
        "alert",
        "sign",
        "--draft",
        "draft.json",
        "--key",
        "alice.offline.age",
        "--desk",
        "desk",
    ]);
    assert!(signed.contains("1 identifier(s) blinded"), "{signed}");
    std::fs::remove_file(org.dir.join("draft.json")).unwrap();
    with_desk(&["outbox", "--out", "outbox-1.jasmine"]);
    let published = publish("outbox-1.jasmine");
    assert!(
        published.contains("1 identifier(s) for the check list were evaluated"),
        "{published}"
    );
    // Published, but not yet listed: the entry is signed on the desk.
    assert!(check(&org, &reporter, &url, FOURTH).contains("No report is known"));
    let pulled = pull("inbox-2.jasmine");
    assert!(
        pulled.contains("1 evaluation(s) for the check list"),
        "{pulled}"
    );
    let imported = with_desk(&["import", "inbox-2.jasmine", "--root-key", "root.pub"]);
    assert!(
        imported.contains("1 check-list entr(y/ies) signed"),
        "{imported}"
    );
    with_desk(&["outbox", "--out", "outbox-2.jasmine"]);
    let published = publish("outbox-2.jasmine");
    assert!(
        published.contains(" 1 check-list entr(y/ies),"),
        "{published}"
    );

    // A fourth notation finds the alert; an unknown number finds nothing.
    let found = check(&org, &reporter, &url, FOURTH);
    assert!(
        found.contains("1 alert(s) of the association name this phone"),
        "{found}"
    );
    assert!(found.contains(&alert_id), "{found}");
    let unknown = check(&org, &reporter, &url, UNKNOWN);
    assert!(unknown.contains("No report is known"), "{unknown}");
    assert!(unknown.contains("does not mean he is safe"), "{unknown}");

    // No form of the number on the server (data folder, log) or on the online
    // machine's side of the gap (inbox and outbox files, the state folder).
    let mut log = server.log();
    server.stop();
    let online: Vec<_> = [
        "inbox-1.jasmine",
        "inbox-2.jasmine",
        "outbox-1.jasmine",
        "outbox-2.jasmine",
    ]
    .iter()
    .map(|f| org.dir.join(f))
    .collect();
    let outside = tmp.path().join("online");
    std::fs::create_dir_all(&outside).unwrap();
    for file in &online {
        std::fs::copy(file, outside.join(file.file_name().unwrap())).unwrap();
    }
    // A start after the check's work logs nothing of it either.
    let server = Server::start(&data, &org.path("root.pub"), None);
    log.push_str(&server.log());
    server.stop();
    assert_no_form_of_the_number(&[&data, &outside, &org.dir.join("state")], &log);

    // The server forges entries for the unknown number: unsigned, and signed by a key
    // no bundle lists, under alice's name. Clients ignore them.
    let key =
        CheckKey::from_base64(&std::fs::read_to_string(data.join("check.key")).unwrap()).unwrap();
    let output = key
        .output(&oprf::check_input(Kind::Phone, "+33799887766"))
        .unwrap();
    let entry = CheckEntry::new(&alert_id, &output, "alice");
    let stranger = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
    let forged = checklist::sign_entry(&entry, &stranger).unwrap();
    let unsigned = serde_json::json!({"entry": entry, "signature": STANDARD.encode([0u8; 64])});
    {
        let db = rusqlite::Connection::open(data.join("jasmine.sqlite3")).unwrap();
        for (n, value) in [forged, unsigned].iter().enumerate() {
            // Each under its own (alert, tag) key.
            let mut tag = entry.tag.clone();
            tag.push_str(&n.to_string());
            db.execute(
                "INSERT INTO check_entries (alert_id, tag, signed_json) VALUES (?1, ?2, ?3)",
                rusqlite::params![alert_id, tag, value.to_string()],
            )
            .unwrap();
        }
    }
    let server = Server::start(&data, &org.path("root.pub"), None);
    let url = server.url.clone();
    let out = jasmine_tests::run(
        "jasmine",
        &reporter,
        &[
            "check",
            UNKNOWN,
            "--server",
            &url,
            "--root-key-file",
            &org.path("root.pub"),
        ],
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("No report is known"), "{stdout}");
    assert!(
        stderr.contains("2 entr(y/ies) of the check list are signed by no moderator"),
        "{stderr}"
    );

    // A server answering with another key than the bundle's is refused.
    let other = CheckKey::generate(&mut rand::rngs::OsRng);
    let hostile = jasmine_tests::hostile::proxy(
        &url,
        Box::new(move |request| {
            if request.method != "POST" || request.target != "/v1/check" {
                return None;
            }
            let body: serde_json::Value = serde_json::from_slice(&request.body).ok()?;
            let blinded = oprf::BlindedRequest::from_base64(body["blinded"].as_str()?).ok()?;
            let (evaluated, proof) = other.evaluate(&blinded, &mut rand::rngs::OsRng).to_base64();
            Some((
                200,
                serde_json::json!({"evaluated": evaluated, "proof": proof}).to_string(),
            ))
        }),
    );
    let refused = fails(
        "jasmine",
        &reporter,
        &[
            "check",
            FOURTH,
            "--server",
            &hostile,
            "--root-key-file",
            &org.path("root.pub"),
        ],
        1,
    );
    assert!(
        refused.contains("not made with the check key the organisation signed"),
        "{refused}"
    );
    // The honest server, asked the same, finds the alert.
    assert!(check(&org, &reporter, &url, FOURTH).contains(&alert_id));

    // A retraction removes the match.
    keys(&[
        "alert",
        "retract",
        "--alert-id",
        &alert_id,
        "--reason",
        "erreur",
        "--key",
        "alice.offline.age",
        "--desk",
        "desk",
    ]);
    with_desk(&["outbox", "--out", "outbox-3.jasmine"]);
    org.publish_file(&url, "outbox-3.jasmine");
    let after = check(&org, &reporter, &url, FOURTH);
    assert!(after.contains("No report is known"), "{after}");
    let listed: i64 = server
        .database()
        .query_row("SELECT count(*) FROM check_entries", [], |r| r.get(0))
        .unwrap();
    assert_eq!(listed, 0, "the retracted alert's entries are gone");
    assert!(bin("jasmine").exists());
}
