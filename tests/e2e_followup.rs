//! Follow-up without identity, end to end on loopback with the real binaries: a report
//! with a codename → a moderator replies (offline outbox, then publish) → the reporter
//! reads with the codename → answers → both moderators read the conversation; wrong
//! and mistyped codenames; deletion. Afterwards the server's files hold no plaintext,
//! no codename and no mailbox id.

use std::path::Path;

use base64::Engine as _;

use http::{Method, StatusCode};
use jasmine_client::codename::Codename;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_tests::{fails, ok, org_and_server, Org, Server};

const REPORT_MARKER: &str = "REPORT-MARKER-c0d3";
const REPLY_MARKER: &str = "REPLY-MARKER-51a2";
const ANSWER_MARKER: &str = "ANSWER-MARKER-9be4";
const SECOND_REPLY_MARKER: &str = "SECOND-REPLY-MARKER-77d0";
const FORGED_MARKER: &str = "FORGED-ANSWER-MARKER-3e1f";

fn report_json() -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-25", "precision": "day"},
        "place": {"country": "FR", "region": "69", "city": "Lyon", "setting": "hotel"},
        "categories": ["physical_violence"],
        "severity": "dangerous",
        "aggressor": {"description": "Homme, 50 ans", "phones": [], "handles": [], "plates": []},
        "narrative": format!("{REPORT_MARKER} Il m'a frappée à l'hôtel."),
        "follow_up": {"kind": "none"},
        "consent_to_publish": false
    })
    .to_string()
}

/// Every byte of the server's data files (database, WAL, shared memory).
fn server_bytes(data_dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(data_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            all.extend(std::fs::read(path).unwrap());
        }
    }
    all
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn codename_in(output: &str) -> String {
    output
        .split_whitespace()
        .find(|w| w.len() == 29 && w.split('-').count() == 6)
        .unwrap_or_else(|| panic!("no codename in:\n{output}"))
        .to_string()
}

#[test]
fn report_reply_read_answer_and_forget_with_a_codename() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice", "bob"]);
    let root = org.path("root.pub");
    let bundle = org.path("bundle-1.json");
    let data = tmp.path().join("data");
    let server = Server::start(&data, &root, Some(&bundle));
    let url = server.url.clone();
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    std::fs::write(reporter.join("report.json"), report_json()).unwrap();
    let as_reporter = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &url, "--root-key-file", &root]);
        ok("jasmine", &reporter, &all)
    };

    // The report, with a codename; the codename is shown once, with the warning.
    let out = as_reporter(&["report", "--file", "report.json", "--codename"]);
    assert!(out.contains("YOUR CODENAME"), "{out}");
    assert!(out.contains("Nobody can give it back to you"), "{out}");
    let codename = codename_in(&out);
    std::fs::write(reporter.join("codename.txt"), format!("{codename}\n")).unwrap();
    let mailbox = Codename::parse(&codename)
        .unwrap()
        .derive()
        .unwrap()
        .mailbox;

    let read = |codename_file: &str| as_reporter(&["replies", "--codename-file", codename_file]);
    let empty = read("codename.txt");
    assert!(empty.contains("No messages yet"), "{empty}");

    // A valid codename that is not hers: the same answer as her empty mailbox.
    let stranger = Codename::generate(&mut rand::rngs::OsRng)
        .display()
        .to_string();
    std::fs::write(reporter.join("stranger.txt"), &stranger).unwrap();
    assert_eq!(read("stranger.txt"), empty);

    // Mistyped: two groups swapped, or a group missing: refused, with what to do.
    let mut groups: Vec<&str> = codename.split('-').collect();
    groups.swap(1, 2);
    std::fs::write(reporter.join("swapped.txt"), groups.join("-")).unwrap();
    std::fs::write(reporter.join("short.txt"), &codename[..24]).unwrap();
    for typo in ["swapped.txt", "short.txt"] {
        let message = fails(
            "jasmine",
            &reporter,
            &[
                "replies",
                "--codename-file",
                typo,
                "--server",
                &url,
                "--root-key-file",
                &root,
            ],
            1,
        );
        assert!(message.contains("copy it again exactly"), "{message}");
    }
    // Case and separators do not matter.
    std::fs::write(
        reporter.join("lower.txt"),
        codename.to_lowercase().replace('-', " "),
    )
    .unwrap();
    assert_eq!(read("lower.txt"), empty);

    // Alice pulls, sees the report waiting, replies offline into the outbox, publishes.
    let alice = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    org.pull(&url, "alice.api.key", "inbox-alice", &[]);
    let id = alice(&["list", "--inbox", "inbox-alice"])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let waiting = alice(&[
        "waiting",
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
    ]);
    assert!(
        waiting.contains(&id) && waiting.contains("no reply yet"),
        "{waiting}"
    );
    let shown = alice(&[
        "show",
        &id,
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
    ]);
    assert!(
        shown.contains("codename (anonymous)") && shown.contains("no message yet"),
        "{shown}"
    );
    let sealed = alice(&[
        "reply",
        &id,
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
        "--bundle",
        "bundle-1.json",
        "--root-key",
        "root.pub",
        "--text",
        &format!("{REPLY_MARKER} Bonjour, voulez-vous un accompagnement ?"),
        "--outbox",
        "outbox",
    ]);
    assert!(sealed.contains("jasmine-keys publish"), "{sealed}");
    let outbox: Vec<_> = std::fs::read_dir(org.dir.join("outbox")).unwrap().collect();
    assert_eq!(outbox.len(), 1);
    let reply_file = outbox[0].as_ref().unwrap().path();
    assert!(
        !holds(&std::fs::read(&reply_file).unwrap(), REPLY_MARKER),
        "the outbox holds ciphertext only"
    );
    let posted = alice(&[
        "publish",
        &reply_file.display().to_string(),
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
    ]);
    assert!(posted.contains("Reply posted"), "{posted}");
    let after_reply = alice(&[
        "waiting",
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
    ]);
    assert!(
        after_reply.contains("No report is waiting"),
        "{after_reply}"
    );

    // The reporter reads the signed reply and answers.
    let conversation = read("codename.txt");
    assert!(conversation.contains(REPLY_MARKER), "{conversation}");
    assert!(
        conversation.contains("Moderator alice, signature verified"),
        "{conversation}"
    );
    let answered = as_reporter(&[
        "answer",
        "--codename-file",
        "codename.txt",
        "--text",
        &format!("{ANSWER_MARKER} Oui, merci."),
    ]);
    assert!(
        answered.contains("encrypted to the 2 moderator(s)"),
        "{answered}"
    );
    let conversation = read("codename.txt");
    let (r, a) = (
        conversation.find(REPLY_MARKER).unwrap(),
        conversation.find(ANSWER_MARKER).unwrap(),
    );
    assert!(r < a, "oldest first:\n{conversation}");
    assert!(conversation.contains("from you"), "{conversation}");

    // Someone who knows the mailbox id but not the codename (the server sees the id in
    // every read) answers in her name, signed with another key. The server stores it
    // (it cannot tell); her reading, and the moderators', leave it out.
    let verified = jasmine_client::bundle::verify_bundle(
        &std::fs::read(&bundle).unwrap(),
        &jasmine_client::keys::PublicKey::from_base64(&std::fs::read_to_string(&root).unwrap())
            .unwrap(),
        jasmine_client::Day::today_utc(),
        None,
    )
    .unwrap();
    let mut forger = Codename::parse(&codename).unwrap().derive().unwrap();
    forger.answer_key = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let forged = jasmine_client::mailbox::seal_answer(
        &format!("{FORGED_MARKER} Appelez-moi au 06 00 00 00 00."),
        &forger,
        &verified,
        jasmine_client::Day::today_utc(),
    )
    .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (status, stored) = runtime.block_on(call(
        &url,
        post(
            "/v1/mailbox/answer",
            serde_json::json!({
                "mailbox": mailbox,
                "ciphertext": base64::engine::general_purpose::STANDARD.encode(&forged),
            }),
        ),
    ));
    assert!(status.is_success(), "{status} {stored}");
    let reading = jasmine_tests::run(
        "jasmine",
        &reporter,
        &[
            "replies",
            "--codename-file",
            "codename.txt",
            "--server",
            &url,
            "--root-key-file",
            &root,
        ],
    );
    let (shown, warned) = (
        String::from_utf8_lossy(&reading.stdout),
        String::from_utf8_lossy(&reading.stderr),
    );
    assert_eq!(reading.status.code(), Some(1), "{shown}\n{warned}");
    assert!(
        shown.contains(ANSWER_MARKER) && !shown.contains(FORGED_MARKER),
        "{shown}"
    );
    assert!(
        warned.contains("signature") && warned.contains("may be tampering"),
        "{warned}"
    );

    // Alice sees the answer waiting, pulls it, reads the conversation, replies online.
    org.pull(&url, "alice.api.key", "inbox-alice", &[]);
    let waiting = alice(&[
        "waiting",
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
    ]);
    assert!(waiting.contains("the reporter wrote on"), "{waiting}");
    let shown = alice(&[
        "show",
        &id,
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
    ]);
    assert!(
        shown.contains(REPLY_MARKER) && shown.contains(ANSWER_MARKER),
        "{shown}"
    );
    assert!(
        shown.find(REPLY_MARKER) < shown.find(ANSWER_MARKER),
        "{shown}"
    );
    assert!(!shown.contains(FORGED_MARKER), "{shown}");
    let online = alice(&[
        "reply",
        &id,
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
        "--bundle",
        "bundle-1.json",
        "--root-key",
        "root.pub",
        "--text",
        SECOND_REPLY_MARKER,
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
    ]);
    assert!(online.contains("Reply posted"), "{online}");

    // Bob, the other moderator, gets the report and the whole conversation.
    org.pull(&url, "bob.api.key", "inbox-bob", &[]);
    let bob_sees = ok(
        "jasmine-keys",
        &org.dir,
        &[
            "show",
            &id,
            "--inbox",
            "inbox-bob",
            "--key",
            "bob.offline.age",
        ],
    );
    for marker in [
        REPORT_MARKER,
        REPLY_MARKER,
        ANSWER_MARKER,
        SECOND_REPLY_MARKER,
    ] {
        assert!(bob_sees.contains(marker), "{marker} missing:\n{bob_sees}");
    }
    assert!(!bob_sees.contains(FORGED_MARKER), "{bob_sees}");
    assert!(bob_sees.contains("moderator alice"), "{bob_sees}");

    // A reply to a report without a codename is refused with the reason.
    org.send_example_report(&tmp.path().join("other-reporter"), &url);
    org.pull(&url, "alice.api.key", "inbox-alice", &[]);
    let listing = alice(&["list", "--inbox", "inbox-alice"]);
    let other = listing
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .find(|i| *i != id)
        .unwrap()
        .to_string();
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "reply",
            &other,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
            "--text",
            "x",
        ],
        1,
    );
    assert!(
        refused.contains("did not ask for answers with a codename"),
        "{refused}"
    );

    // The server's files: ciphertext only; no codename, no mailbox id.
    let bytes = server_bytes(&data);
    for needle in [
        REPORT_MARKER,
        REPLY_MARKER,
        ANSWER_MARKER,
        SECOND_REPLY_MARKER,
        &mailbox,
        &codename,
        &codename.replace('-', ""),
    ] {
        assert!(!holds(&bytes, needle), "the server's files hold {needle}");
    }
    let db = server.database();
    let (messages, mailboxes): (i64, i64) = db
        .query_row(
            "SELECT (SELECT count(*) FROM mailbox_messages), (SELECT count(*) FROM mailboxes)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // Two replies, her answer, and the forged one (stored: only the readers can tell).
    assert_eq!((messages, mailboxes), (4, 1));

    // The reporter deletes the conversation: gone from the server.
    let forgotten = as_reporter(&["forget", "--codename-file", "codename.txt"]);
    assert!(forgotten.contains("deleted"), "{forgotten}");
    assert_eq!(read("codename.txt"), empty);
    let left: i64 = db
        .query_row("SELECT count(*) FROM mailbox_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
}

async fn call(url: &str, request: ApiRequest) -> (StatusCode, serde_json::Value) {
    // An answer carries a solved admission puzzle (§6.9), checked before anything else:
    // attach one, so that the server goes on to check the rest.
    let request = if request.path_and_query == "/v1/mailbox/answer" {
        solved_answer(url, request).await
    } else {
        request
    };
    let response = DirectHttp::new(url).unwrap().send(request).await.unwrap();
    let body = serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
    (response.status, body)
}

async fn solved_answer(url: &str, request: ApiRequest) -> ApiRequest {
    jasmine_tests::with_solved_puzzle(url, jasmine_client::puzzle::Purpose::Answer, 98304, request)
        .await
}

fn post(path: &str, body: serde_json::Value) -> ApiRequest {
    ApiRequest::new(Method::POST, path).with_body("application/json", body.to_string().into_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_api_refuses_bad_input_and_reveals_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.as_str();

    // Unknown and never-used mailboxes: the same empty answer.
    let unknown = call(
        url,
        post(
            "/v1/mailbox/read",
            serde_json::json!({"mailbox": "0123456789abcdef0123456789abcdef"}),
        ),
    )
    .await;
    assert_eq!(
        unknown,
        (StatusCode::OK, serde_json::json!({"messages": []}))
    );
    let deleted = call(
        url,
        post(
            "/v1/mailbox/delete",
            serde_json::json!({"mailbox": "0123456789abcdef0123456789abcdef"}),
        ),
    )
    .await;
    assert_eq!(
        deleted,
        (StatusCode::OK, serde_json::json!({"deleted": true}))
    );

    // Bad ids, bad bodies, bad envelopes: 4xx with a reason, nothing stored.
    let cases = [
        (
            "/v1/mailbox/read",
            serde_json::json!({"mailbox": "not-hex"}),
            "bad_mailbox",
        ),
        (
            "/v1/mailbox/read",
            serde_json::json!({"box": "x"}),
            "malformed",
        ),
        (
            "/v1/mailbox/answer",
            serde_json::json!({"mailbox": "0123456789abcdef0123456789abcdef", "ciphertext": "!!"}),
            "malformed",
        ),
        (
            "/v1/mailbox/answer",
            serde_json::json!({"mailbox": "0123456789abcdef0123456789abcdef", "ciphertext": "YWdl"}),
            "malformed_envelope",
        ),
    ];
    for (path, body, code) in cases {
        let (status, answer) = call(url, post(path, body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {body}");
        assert_eq!(answer["error"], code, "{answer}");
        assert!(answer["reason"].as_str().unwrap().len() > 10);
    }
    // An answer encrypted to the moderators only (as a report is) lacks the reporter.
    let framed = jasmine_client::padding::pad(b"{}").unwrap();
    let card: serde_json::Value =
        serde_json::from_slice(&std::fs::read(org.dir.join("alice.card.json")).unwrap()).unwrap();
    let alice: age::x25519::Recipient = card["age_recipient"].as_str().unwrap().parse().unwrap();
    let to_moderators_only = jasmine_client::envelope::seal(&framed, &[alice]).unwrap();
    let (status, answer) = call(
        url,
        post(
            "/v1/mailbox/answer",
            serde_json::json!({
                "mailbox": "0123456789abcdef0123456789abcdef",
                "ciphertext": base64::engine::general_purpose::STANDARD.encode(&to_moderators_only),
            }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        answer["reason"]
            .as_str()
            .unwrap()
            .contains("2 are expected"),
        "{answer}"
    );
    // Without a puzzle, an answer is refused before its body is read.
    let unsolved = DirectHttp::new(url)
        .unwrap()
        .send(post(
            "/v1/mailbox/answer",
            serde_json::json!({"mailbox": "0123456789abcdef0123456789abcdef", "ciphertext": "YWdl"}),
        ))
        .await
        .unwrap();
    assert_eq!(unsolved.status, StatusCode::PRECONDITION_REQUIRED);
    // The moderator endpoints want a signature.
    let (status, _) = call(url, post("/v1/mod/mailbox/reply", serde_json::json!({}))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(url, ApiRequest::new(Method::GET, "/v1/mod/messages")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let stored: i64 = server
        .database()
        .query_row("SELECT count(*) FROM mailbox_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0);
}
