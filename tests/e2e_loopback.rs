//! End to end on loopback with the real binaries: `jasmine-keys` makes the keys,
//! `jasmine-server` stores, `jasmine` reports and reads alerts, the Debian `age` CLI
//! decrypts what the server stored, and bad input changes nothing.

use std::collections::BTreeSet;
use std::process::Command;

use http::{Method, StatusCode};
use jasmine_client::client::{JasmineClient, ModeratorCredentials};
use jasmine_client::keys::PublicKey;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_client::{alert, api_auth, envelope, padding, report::Report, Day};
use jasmine_tests::{fails, ok, run, run_with_input, Org, Server};

const MARKER: &str = "PLAINTEXT-MARKER-7f3a";

fn report_json(marker: &str) -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-25", "precision": "day", "part_of_day": "night"},
        "place": {"country": "FR", "region": "13", "city": "Marseille", "setting": "client_place"},
        "categories": ["condom_removal", "theft_or_non_payment"],
        "severity": "very_dangerous",
        "aggressor": {"description": "Homme, 35 ans, tatouage au cou", "phones": ["06 12 34 56 78"], "handles": ["@loup13"], "plates": []},
        "narrative": format!("{marker} Il a enlevé le préservatif. Écrivez-moi : lola@exemple.fr"),
        "follow_up": {"kind": "contact", "details": "lola@exemple.fr"},
        "consent_to_publish": true
    })
    .to_string()
}

fn root_of(org: &Org) -> PublicKey {
    PublicKey::from_base64(
        std::fs::read_to_string(org.dir.join("root.pub"))
            .unwrap()
            .trim(),
    )
    .unwrap()
}

/// Whether any file of the server's data folder (the database, its WAL and whatever
/// else is there; every one read) holds `needle`.
fn database_holds(server: &Server, needle: &str) -> bool {
    !jasmine_tests::files_containing(&server.data_dir, needle).is_empty()
}

#[test]
fn full_loop_with_the_real_binaries() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice", "bob"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    std::fs::write(reporter.join("report.json"), report_json(MARKER)).unwrap();
    let url = server.url.as_str();
    let root = org.path("root.pub");

    // A report from a file, and one answered question by question.
    let receipt: serde_json::Value = serde_json::from_str(&ok(
        "jasmine",
        &reporter,
        &[
            "report",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--file",
            "report.json",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(receipt["received_on"], Day::today_utc().to_string());
    let answers = "en\n\ny\n\n93\nSaint-Denis\n2\n5,6\n4\nTall man\n+33 7 00 00 00 00\n\nGrey van\nAB-123-CD\nINTERACTIVE-MARKER he hit me and took the money\n.\n2\ny\ny\n";
    let out = run_with_input(
        "jasmine",
        &reporter,
        &["report", "--server", url, "--root-key-file", &root],
        Some(answers),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("received and stored"), "{printed}");
    assert!(
        printed.contains("YOUR CODENAME"),
        "asked for answers with a codename: {printed}"
    );
    assert_eq!(server.stored_reports(), 2);
    assert!(
        !database_holds(&server, MARKER) && !database_holds(&server, "INTERACTIVE-MARKER"),
        "plaintext reached the server"
    );

    // Alice pulls: the reports stay on the server until Bob has them too.
    let pulled = org.pull(url, "alice.api.key", "inbox-alice", &[]);
    assert!(pulled.contains("Pulled 2 new report(s)"), "{pulled}");
    assert_eq!(server.stored_reports(), 2);
    let again = org.pull(url, "alice.api.key", "inbox-alice", &[]);
    assert!(again.contains("Pulled 0 new report(s)"), "{again}");

    // What the server stored decrypts with the Debian age CLI and Alice's identity.
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "moderator",
            "export-age-identity",
            "--key",
            "alice.offline.age",
            "--out",
            "alice.identity",
        ],
    );
    let listing = ok(
        "jasmine-keys",
        &org.dir,
        &["list", "--inbox", "inbox-alice"],
    );
    let ids: Vec<&str> = listing
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{listing}");
    let mut narratives = Vec::new();
    for id in &ids {
        // The blob as the server stored it (Bob has not acknowledged: it is still
        // there), the same bytes Alice pulled, and the age CLI decrypts it.
        let stored: Vec<u8> = server
            .database()
            .query_row("SELECT ciphertext FROM reports WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            stored,
            std::fs::read(org.dir.join(format!("inbox-alice/{id}.age"))).unwrap()
        );
        let stored_file = tmp.path().join(format!("stored-{id}.age"));
        std::fs::write(&stored_file, &stored).unwrap();
        let out = Command::new("age")
            .arg("--decrypt")
            .arg("--identity")
            .arg(org.dir.join("alice.identity"))
            .arg(&stored_file)
            .output()
            .expect("the Debian `age` CLI must be installed");
        assert!(
            out.status.success(),
            "age: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report = Report::from_json(padding::unpad(&out.stdout).unwrap()).unwrap();
        narratives.push((id.to_string(), report.narrative));
    }
    let (file_report_id, _) = narratives
        .iter()
        .find(|(_, n)| n.starts_with(MARKER))
        .expect("file report")
        .clone();
    assert!(narratives
        .iter()
        .any(|(_, n)| n.starts_with("INTERACTIVE-MARKER")));

    // show, then Bob pulls: every moderator has them, so the server deletes them.
    let shown = ok(
        "jasmine-keys",
        &org.dir,
        &[
            "show",
            &file_report_id,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
        ],
    );
    assert!(
        shown.contains(MARKER)
            && shown.contains("condom_removal")
            && shown.contains("Marseille, 13, FR"),
        "{shown}"
    );
    let bob = org.pull(url, "bob.api.key", "inbox-bob", &[]);
    assert!(bob.contains("2 of them are now deleted"), "{bob}");
    assert_eq!(server.stored_reports(), 0);

    // Draft, sign, publish an alert; the reporter's contact never reaches it.
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "alert",
            "draft",
            &file_report_id,
            "--inbox",
            "inbox-alice",
            "--key",
            "alice.offline.age",
            "--out",
            "draft.json",
        ],
    );
    let draft = std::fs::read_to_string(org.dir.join("draft.json")).unwrap();
    assert!(!draft.contains("lola@exemple.fr"), "{draft}");
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
            "--out",
            "alert.json",
        ],
    );
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "publish",
            "alert.json",
            "--server",
            url,
            "--api-key",
            "alice.api.key",
        ],
    );
    let alerts = ok(
        "jasmine",
        &reporter,
        &["alerts", "--server", url, "--root-key-file", &root],
    );
    assert!(
        alerts.contains("Il a enlevé le préservatif")
            && alerts.contains("signed by alice (verified)"),
        "{alerts}"
    );
    assert!(
        alerts.contains("very_dangerous") && !alerts.contains("lola@exemple.fr"),
        "{alerts}"
    );
    let as_json: serde_json::Value = serde_json::from_str(&ok(
        "jasmine",
        &reporter,
        &[
            "alerts",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--json",
            "--category",
            "condom_removal",
        ],
    ))
    .unwrap();
    let alert_id = as_json[0]["id"].as_str().unwrap().to_string();
    let filtered = ok(
        "jasmine",
        &reporter,
        &[
            "alerts",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--region",
            "75",
        ],
    );
    assert!(filtered.contains("No alerts."), "{filtered}");

    // Bob retracts it: it leaves the feed.
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "alert",
            "retract",
            "--alert-id",
            &alert_id,
            "--reason",
            "duplicate",
            "--key",
            "bob.offline.age",
            "--out",
            "retraction.json",
        ],
    );
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "publish",
            "retraction.json",
            "--server",
            url,
            "--api-key",
            "bob.api.key",
        ],
    );
    assert!(ok(
        "jasmine",
        &reporter,
        &["alerts", "--server", url, "--root-key-file", &root]
    )
    .contains("No alerts."));
}

async fn send(url: &str, request: ApiRequest) -> (StatusCode, serde_json::Value) {
    let response = DirectHttp::new(url).unwrap().send(request).await.unwrap();
    let body = serde_json::from_slice(&response.body).unwrap_or(serde_json::Value::Null);
    (response.status, body)
}

fn post_report(body: Vec<u8>) -> ApiRequest {
    ApiRequest::new(Method::POST, "/v1/reports").with_body("application/octet-stream", body)
}

/// `request` (a report) with a solved admission puzzle for its size, capped at the
/// bundle's limit, so that the server goes on to check the rest.
async fn solved(url: &str, request: ApiRequest) -> ApiRequest {
    let size = request.body.len().min(98304);
    jasmine_tests::with_solved_puzzle(url, jasmine_client::puzzle::Purpose::Report, size, request)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_oversized_submissions_get_4xx_and_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice", "bob"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let client = JasmineClient::new(DirectHttp::new(&server.url).unwrap());
    let bundle = client
        .fetch_bundle(&root_of(&org), Day::today_utc(), None)
        .await
        .unwrap();
    let good = envelope::seal_report(&Report::example(Day::today_utc()), &bundle).unwrap();
    let only_alice =
        envelope::seal(&padding::pad(b"{}").unwrap(), &bundle.recipients()[..1]).unwrap();
    let unpadded = envelope::seal(b"not padded", &bundle.recipients()).unwrap();
    let oversized = vec![b'a'; bundle.bundle().limits.max_report_bytes as usize + 1];
    let cases: Vec<(&str, ApiRequest, StatusCode, &str)> = vec![
        (
            "garbage",
            post_report(b"hello".to_vec()),
            StatusCode::BAD_REQUEST,
            "not a binary age v1 file",
        ),
        (
            "empty",
            post_report(Vec::new()),
            StatusCode::BAD_REQUEST,
            "must be the age-encrypted report",
        ),
        (
            "truncated",
            post_report(good[..good.len() - 7].to_vec()),
            StatusCode::BAD_REQUEST,
            "padding bucket",
        ),
        (
            "header only",
            post_report(good[..200].to_vec()),
            StatusCode::BAD_REQUEST,
            "the age header is malformed",
        ),
        (
            "unpadded",
            post_report(unpadded),
            StatusCode::BAD_REQUEST,
            "padding bucket",
        ),
        (
            "too few recipients",
            post_report(only_alice),
            StatusCode::BAD_REQUEST,
            "fetch the current key bundle",
        ),
        (
            "oversized",
            post_report(oversized),
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than",
        ),
        (
            "unsigned moderator call",
            ApiRequest::new(Method::GET, "/v1/mod/reports"),
            StatusCode::UNAUTHORIZED,
            "sign the request",
        ),
        (
            "bad bundle",
            ApiRequest::new(Method::PUT, "/v1/keys").with_body("application/json", "{}"),
            StatusCode::BAD_REQUEST,
            "missing member",
        ),
        (
            "bad filter",
            ApiRequest::new(Method::GET, "/v1/alerts?category=murder"),
            StatusCode::BAD_REQUEST,
            "unknown category",
        ),
        (
            "bad date",
            ApiRequest::new(Method::GET, "/v1/alerts?since=yesterday"),
            StatusCode::BAD_REQUEST,
            "YYYY-MM-DD",
        ),
        (
            "unknown filter",
            ApiRequest::new(Method::GET, "/v1/alerts?ip=1"),
            StatusCode::BAD_REQUEST,
            "unknown field",
        ),
        (
            "no such route",
            ApiRequest::new(Method::GET, "/admin"),
            StatusCode::NOT_FOUND,
            "no such endpoint or page",
        ),
        (
            "wrong method",
            ApiRequest::new(Method::DELETE, "/v1/reports"),
            StatusCode::METHOD_NOT_ALLOWED,
            "method",
        ),
    ];
    // Whatever is refused writes nothing: every file of the data folder, bytes and
    // modification time, is the same afterwards.
    let before = jasmine_tests::folder_snapshot(&server.data_dir);
    for (name, request, status, reason) in cases {
        let request = if request.method == Method::POST && request.path_and_query == "/v1/reports" {
            solved(&server.url, request).await
        } else {
            request
        };
        let (got, body) = send(&server.url, request).await;
        assert_eq!(got, status, "{name}: {body}");
        let text = body["reason"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: no JSON reason in {body}"));
        assert!(
            text.contains(reason),
            "{name}: reason '{text}' lacks '{reason}'"
        );
    }
    let after = jasmine_tests::folder_snapshot(&server.data_dir);
    let changed: Vec<&String> = after
        .keys()
        .chain(before.keys())
        .filter(|name| before.get(*name) != after.get(*name))
        .collect();
    assert!(changed.is_empty(), "refused requests changed {changed:?}");
    assert_eq!(
        server.stored_reports(),
        0,
        "a refused submission was stored"
    );
    // A well-formed report still needs its admission puzzle (§6.9), checked before its
    // body is read ...
    let (status, body) = send(&server.url, post_report(good.clone())).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED, "{body}");
    assert_eq!(body["error"], "puzzle_required");
    assert_eq!(server.stored_reports(), 0);
    // ... which the client solves.
    client.submit_report(good).await.unwrap();
    assert_eq!(server.stored_reports(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_alerts_replays_and_rolled_back_bundles_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice", "bob"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let url = server.url.clone();
    let root = root_of(&org);
    let client = JasmineClient::new(DirectHttp::new(&url).unwrap());
    let bundle = client
        .fetch_bundle(&root, Day::today_utc(), None)
        .await
        .unwrap();
    let api_key = jasmine_client::keys::signing_key_from_base64(
        serde_json::from_slice::<serde_json::Value>(
            &std::fs::read(org.dir.join("alice.api.key")).unwrap(),
        )
        .unwrap()["api_key"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let alice = ModeratorCredentials {
        id: "alice".into(),
        api_key: api_key.clone(),
    };

    // An alert claiming to be Alice's, signed with a key that is not her alert key.
    let forged = alert::Alert {
        occurred_precision: alert::OccurredPrecision::Day,
        id: alert::new_alert_id(&mut rand::rngs::OsRng),
        published: Day::today_utc(),
        signed_by: "alice".into(),
        occurred_on: Day::today_utc(),
        country: "FR".into(),
        region: "75".into(),
        city: None,
        categories: vec![jasmine_client::report::Category::Threats],
        severity: jasmine_client::report::Severity::Risky,
        summary: alert::LocalizedText {
            language: "fr".into(),
            text: "Fausse alerte".into(),
        },
        translations: vec![],
        aggressor: Default::default(),
    };
    let forged_json = alert::sign_alert(
        &forged,
        &ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng),
    )
    .unwrap();
    let err = client
        .publish_alert(&alice, forged_json.clone())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("422") && err.contains("does not verify"),
        "{err}"
    );
    std::fs::write(org.dir.join("forged.json"), &forged_json).unwrap();
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "publish",
            "forged.json",
            "--server",
            &url,
            "--api-key",
            "alice.api.key",
        ],
        1,
    );
    assert!(message.contains("does not verify"), "{message}");

    // A hostile server slips the forged alert into its own feed: readers refuse it.
    {
        let db = rusqlite::Connection::open(server.data_dir.join("jasmine.sqlite3")).unwrap();
        db.execute(
            "INSERT INTO alerts (id, published_on, region, severity, signed_json) VALUES (?1, ?2, '75', 'risky', ?3)",
            rusqlite::params![forged.id, Day::today_utc().to_string(), String::from_utf8(forged_json).unwrap()],
        )
        .unwrap();
    }
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let root_file = org.path("root.pub");
    let message = fails(
        "jasmine",
        &reporter,
        &["alerts", "--server", &url, "--root-key-file", &root_file],
        1,
    );
    assert!(
        message.contains("did not verify") && message.contains("does not verify"),
        "{message}"
    );

    // A signed moderator request is good once: its replay is refused.
    let path = "/v1/mod/reports";
    let now = time_now();
    let signed_for = |audience: &str, body: &[u8], date: u64| {
        let header = api_auth::authorization(
            &api_key,
            &api_auth::RequestToSign {
                moderator: "alice",
                audience,
                method: "GET",
                path_and_query: path,
                body,
            },
            date,
            &mut rand::rngs::OsRng,
        )
        .unwrap();
        let mut request = ApiRequest::new(Method::GET, path);
        request.headers.push((http::header::AUTHORIZATION, header));
        request
    };
    let request = signed_for("127.0.0.1", b"", now);
    assert_eq!(send(&url, request.clone()).await.0, StatusCode::OK);
    let (status, body) = send(&url, request).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["reason"].as_str().unwrap().contains("replay"),
        "{body}"
    );
    let stale = signed_for("127.0.0.1", b"", now - 3600);
    assert_eq!(send(&url, stale).await.0, StatusCode::UNAUTHORIZED);
    // A request Alice signed for another server (say, a hostile one that relays it
    // here) is refused, as is a body other than the one she signed.
    let (status, body) = send(&url, signed_for("elsewhere.onion", b"", now)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["reason"].as_str().unwrap().contains("another server"),
        "{body}"
    );
    let mut swapped = signed_for("127.0.0.1", b"", now);
    swapped.body = bytes::Bytes::from_static(b"[1]");
    let (status, body) = send(&url, swapped).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["reason"]
            .as_str()
            .unwrap()
            .contains("not the body that was signed"),
        "{body}"
    );

    // Bundle 2 drops Bob. The reporter sees it; the server will not go back to 1.
    org.sign_bundle(2, &["alice"]);
    org.upload_bundle("bundle-2.json", &url);
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "bundle",
            "upload",
            "--bundle",
            "bundle-1.json",
            "--root-pub",
            "root.pub",
            "--server",
            &url,
        ],
        1,
    );
    assert!(message.contains("refusing a rollback"), "{message}");
    std::fs::write(reporter.join("report.json"), report_json("after rotation")).unwrap();
    ok(
        "jasmine",
        &reporter,
        &[
            "report",
            "--server",
            &url,
            "--root-key-file",
            &root_file,
            "--file",
            "report.json",
        ],
    );
    // A report sealed to the old bundle (Alice and Bob) no longer matches the server's.
    let old = envelope::seal_report(&Report::example(Day::today_utc()), &bundle).unwrap();
    let (status, body) = send(&url, solved(&url, post_report(old)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // A server that serves the old bundle (seized, or restored from an old backup) is refused.
    let old_server = Server::start(
        &tmp.path().join("old-data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let message = fails(
        "jasmine",
        &reporter,
        &[
            "report",
            "--server",
            &old_server.url,
            "--root-key-file",
            &root_file,
            "--file",
            "report.json",
        ],
        1,
    );
    assert!(message.contains("rollback"), "{message}");
    assert_eq!(old_server.stored_reports(), 0);
}

fn time_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_submissions_land_exactly_once_and_survive_a_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let data = tmp.path().join("data");
    let server = Server::start(
        &data,
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    let client = JasmineClient::new(DirectHttp::new(&server.url).unwrap());
    let bundle = client
        .fetch_bundle(&root_of(&org), Day::today_utc(), None)
        .await
        .unwrap();
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let mut report = Report::example(Day::today_utc());
            report.narrative = format!("concurrent-{i:02}");
            let ciphertext = envelope::seal_report(&report, &bundle).unwrap();
            let url = server.url.clone();
            tokio::spawn(async move {
                JasmineClient::new(DirectHttp::new(&url).unwrap())
                    .submit_report(ciphertext)
                    .await
            })
        })
        .collect();
    let mut ids = BTreeSet::new();
    for task in tasks {
        ids.insert(
            task.await
                .unwrap()
                .expect("every submission is acknowledged")
                .id,
        );
    }
    assert_eq!(ids.len(), 50);

    // Kill the server without warning: every acknowledged report is still there.
    server.stop();
    let server = Server::start(&data, &org.path("root.pub"), None);
    assert_eq!(server.stored_reports(), 50);

    org.pull(&server.url, "alice.api.key", "inbox", &["--no-ack"]);
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "moderator",
            "export-age-identity",
            "--key",
            "alice.offline.age",
            "--out",
            "alice.identity",
        ],
    );
    let identity_text = std::fs::read_to_string(org.dir.join("alice.identity")).unwrap();
    let identity: age::x25519::Identity = identity_text.lines().last().unwrap().parse().unwrap();
    let mut seen = BTreeSet::new();
    for id in &ids {
        let ciphertext = std::fs::read(org.dir.join(format!("inbox/{id}.age"))).unwrap();
        let narrative = envelope::open_report(&ciphertext, &identity)
            .unwrap()
            .narrative;
        assert!(seen.insert(narrative), "a report arrived twice");
    }
    let expected: BTreeSet<String> = (0..50).map(|i| format!("concurrent-{i:02}")).collect();
    assert_eq!(seen, expected);
    assert_eq!(
        server.stored_reports(),
        50,
        "--no-ack keeps them on the server"
    );
    let out = run(
        "jasmine-keys",
        &org.dir,
        &[
            "pull",
            "--server",
            &server.url,
            "--api-key",
            "alice.api.key",
            "--inbox",
            "inbox",
        ],
    );
    assert!(out.status.success());
    assert_eq!(server.stored_reports(), 0);
}

#[test]
fn cli_errors_say_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let root = org.path("root.pub");

    // Nobody listening: the reporter is told the server cannot be reached, nothing else.
    let closed = "http://127.0.0.1:9";
    let message = fails(
        "jasmine",
        &org.dir,
        &[
            "report",
            "--server",
            closed,
            "--root-key-file",
            &root,
            "--file",
            "x.json",
        ],
        1,
    );
    assert!(
        message.contains("cannot reach the server at http://127.0.0.1:9"),
        "{message}"
    );

    let server = Server::start(
        &tmp.path().join("data"),
        &root,
        Some(&org.path("bundle-1.json")),
    );
    let url = server.url.as_str();
    let message = fails(
        "jasmine",
        &org.dir,
        &[
            "report",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--file",
            "missing.json",
        ],
        1,
    );
    assert!(message.contains("cannot read missing.json"), "{message}");
    let message = fails("jasmine", &org.dir, &["report", "--server", url], 1);
    assert!(
        message.contains("give the organisation's root key"),
        "{message}"
    );
    let message = fails(
        "jasmine",
        &org.dir,
        &[
            "alerts",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--category",
            "murder",
        ],
        1,
    );
    assert!(
        message.contains("unknown category 'murder'; use one of: rape"),
        "{message}"
    );
    let usage = fails("jasmine", &org.dir, &["report", "--frobnicate"], 2);
    assert!(usage.contains("unexpected argument"), "{usage}");

    // A report in TOML works; a report with a mistake says which.
    std::fs::write(
        org.dir.join("report.toml"),
        "language = \"en\"\nnarrative = \"He refused to pay.\"\nseverity = \"risky\"\ncategories = [\"theft_or_non_payment\"]\nconsent_to_publish = false\n\
         [when]\ndate = \"2026-11-01\"\nprecision = \"month\"\n[place]\ncountry = \"FR\"\nsetting = \"car\"\n[aggressor]\n[follow_up]\nkind = \"none\"\n",
    )
    .unwrap();
    ok(
        "jasmine",
        &org.dir,
        &[
            "report",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--file",
            "report.toml",
        ],
    );
    std::fs::write(
        org.dir.join("bad.json"),
        report_json("x").replace("\"FR\"", "\"France\""),
    )
    .unwrap();
    let message = fails(
        "jasmine",
        &org.dir,
        &[
            "report",
            "--server",
            url,
            "--root-key-file",
            &root,
            "--file",
            "bad.json",
        ],
        1,
    );
    assert!(message.contains("two-letter country code"), "{message}");
    assert_eq!(server.stored_reports(), 1);

    // The moderator's mistakes.
    let wrong = Command::new(jasmine_tests::bin("jasmine-keys"))
        .args([
            "show",
            "0123456789abcdef0123456789abcdef",
            "--key",
            "alice.offline.age",
        ])
        .current_dir(&org.dir)
        .env("JASMINE_PASSPHRASE", "not the passphrase")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("wrong passphrase for alice.offline.age")
    );
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "show",
            "0123456789abcdef0123456789abcdef",
            "--key",
            "alice.offline.age",
        ],
        1,
    );
    assert!(
        message.contains("run `jasmine-keys pull` first"),
        "{message}"
    );
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &["moderator", "keygen", "--id", "Alice!", "--name", "A"],
        1,
    );
    assert!(message.contains("not a valid moderator id"), "{message}");
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &["moderator", "keygen", "--id", "alice", "--name", "A"],
        1,
    );
    assert!(message.contains("already exists"), "{message}");
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &["pull", "--server", url, "--api-key", "nope.api.key"],
        1,
    );
    assert!(message.contains("cannot read nope.api.key"), "{message}");
    std::fs::write(
        org.dir.join("alice.expired.json"),
        std::fs::read(jasmine_tests::vectors_dir().join("fail_bundle_expired.json")).unwrap(),
    )
    .unwrap();
    let message = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "bundle",
            "upload",
            "--bundle",
            "alice.expired.json",
            "--root-pub",
            &jasmine_tests::vectors_dir()
                .join("root.pub")
                .display()
                .to_string(),
            "--server",
            url,
        ],
        1,
    );
    assert!(message.contains("expired on 2025-12-31"), "{message}");
}
