//! Keys over time, end to end with the real binaries: a report and two alerts under
//! bundle 1 (alice, bob); alice rotates her keys, bob's laptop is lost (revoked), carol
//! joins: bundle 2, signed with `--previous bundle-1.json --revoke bob`. Then a report
//! under bundle 2. Alice's rotated key file reads both reports; carol reads only the
//! second; the old API keys can no longer pull or publish; alice's alert from before
//! her rotation still verifies (former key), bob's no longer does until it is retracted.

use jasmine_tests::{bundle_sign_args, fails, ok, org_and_server, run};

fn report(marker: &str) -> String {
    serde_json::json!({
        "language": "fr",
        "when": {"date": "2026-11-20", "precision": "day"},
        "place": {"country": "FR", "region": "59", "city": "Lille", "setting": "street"},
        "categories": ["threats"],
        "severity": "risky",
        "aggressor": {"description": "", "phones": [], "handles": [], "plates": []},
        "narrative": marker,
        "follow_up": {"kind": "none"},
        "consent_to_publish": true
    })
    .to_string()
}

#[test]
fn rotation_revocation_and_a_new_moderator() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice", "bob"]);
    let url = server.url.clone();
    let root = org.path("root.pub");
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let send = |marker: &str| {
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
                "--codename",
            ],
        )
    };
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    let before = send("ROTATION-BEFORE");
    assert!(before.contains("encrypted to the 2 moderator(s)"));
    // The reporter writes before the rotation: sealed to alice's old key.
    let codename = before
        .split_whitespace()
        .find(|w| w.len() == 29 && w.split('-').count() == 6)
        .unwrap();
    std::fs::write(reporter.join("codename.txt"), codename).unwrap();
    // The association writes first (a reporter answers only in a conversation a
    // moderator opened); then she answers.
    keys(&[
        "pull",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--inbox",
        "inbox-alice",
        "--no-ack",
    ]);
    let first = keys(&["list", "--inbox", "inbox-alice"])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    keys(&[
        "reply",
        &first,
        "--inbox",
        "inbox-alice",
        "--key",
        "alice.offline.age",
        "--bundle",
        "bundle-1.json",
        "--root-key",
        "root.pub",
        "--text",
        "ROTATION-FIRST-REPLY",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
    ]);
    ok(
        "jasmine",
        &reporter,
        &[
            "answer",
            "--codename-file",
            "codename.txt",
            "--text",
            "ROTATION-OLD-ANSWER",
            "--server",
            &url,
            "--root-key-file",
            &root,
        ],
    );

    // Before the change, alice and bob each publish an alert with their keys.
    let mut alert_ids = Vec::new();
    for who in ["alice", "bob"] {
        let inbox = format!("inbox-{who}");
        let (api, key) = (format!("{who}.api.key"), format!("{who}.offline.age"));
        let (draft, alert) = (format!("{who}-draft.json"), format!("{who}-alert.json"));
        keys(&[
            "pull",
            "--api-key",
            &api,
            "--server",
            &url,
            "--inbox",
            &inbox,
            "--no-ack",
        ]);
        let id = keys(&["list", "--inbox", &inbox])
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        keys(&[
            "alert", "draft", &id, "--inbox", &inbox, "--key", &key, "--out", &draft,
        ]);
        keys(&[
            "alert", "sign", "--draft", &draft, "--key", &key, "--out", &alert,
        ]);
        keys(&["publish", &alert, "--api-key", &api, "--server", &url]);
        let signed: serde_json::Value =
            serde_json::from_slice(&std::fs::read(org.dir.join(&alert)).unwrap()).unwrap();
        alert_ids.push(signed["alert"]["id"].as_str().unwrap().to_string());
    }

    // Bob withdraws alice's alert (with his key, valid today).
    keys(&[
        "alert",
        "retract",
        "--alert-id",
        &alert_ids[0],
        "--reason",
        "duplicate",
        "--key",
        "bob.offline.age",
        "--out",
        "bob-retracts-alice.json",
    ]);
    keys(&[
        "publish",
        "bob-retracts-alice.json",
        "--api-key",
        "bob.api.key",
        "--server",
        &url,
    ]);
    let public = |path: &str| {
        let out = std::process::Command::new("curl")
            .args(["-s", &format!("{url}{path}")])
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(!public("/fr/alerts").contains(&alert_ids[0]), "retracted");

    // Alice rotates; carol joins; bob is revoked. Bundle 2 goes to the server.
    let rotated = keys(&[
        "moderator",
        "rotate",
        "--key",
        "alice.offline.age",
        "--name",
        "Moderator alice",
        "--dir",
        "rotated",
    ]);
    assert!(rotated.contains("older reports stay readable"), "{rotated}");
    keys(&[
        "moderator",
        "keygen",
        "--id",
        "carol",
        "--name",
        "Moderator carol",
        "--dir",
        ".",
    ]);
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &bundle_sign_args(
            "2",
            &["carol.card.json"],
            "x.json",
            &["--previous", "bundle-1.json", "--revoke", "mallory"],
        ),
        1,
    );
    assert!(refused.contains("no moderator 'mallory'"), "{refused}");
    // Alice's key retires: the bundle must list what it signed, from what the server
    // published (fetched online, carried to the root key's machine).
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &bundle_sign_args(
            "2",
            &["rotated/alice.card.json", "carol.card.json"],
            "x.json",
            &["--previous", "bundle-1.json", "--revoke", "bob"],
        ),
        1,
    );
    assert!(refused.contains("--published"), "{refused}");
    keys(&[
        "bundle",
        "published",
        "--api-key",
        "alice.api.key",
        "--server",
        &url,
        "--out",
        "published.json",
    ]);
    let signed = keys(&bundle_sign_args(
        "2",
        &["rotated/alice.card.json", "carol.card.json"],
        "bundle-2.json",
        &[
            "--previous",
            "bundle-1.json",
            "--revoke",
            "bob",
            "--published",
            "published.json",
        ],
    ));
    assert!(
        signed.contains("former key of 'alice': the 1 alert(s)")
            && signed.contains("'bob' revoked"),
        "{signed}"
    );
    org.upload_bundle("bundle-2.json", &url);
    assert!(send("ROTATION-AFTER").contains("encrypted to the 2 moderator(s)"));

    // The old API keys are refused; so is an alert signed with bob's key, whoever uploads it.
    for api in ["bob.api.key", "alice.api.key"] {
        let refused = fails(
            "jasmine-keys",
            &org.dir,
            &["pull", "--api-key", api, "--server", &url, "--inbox", "x"],
            1,
        );
        assert!(
            refused.contains("401") || refused.to_lowercase().contains("not a moderator"),
            "{api}: {refused}"
        );
    }
    keys(&[
        "alert",
        "sign",
        "--draft",
        "bob-draft.json",
        "--key",
        "bob.offline.age",
        "--out",
        "bob-again.json",
    ]);
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "publish",
            "bob-again.json",
            "--api-key",
            "carol.api.key",
            "--server",
            &url,
        ],
        1,
    );
    assert!(refused.contains("bob"), "{refused}");

    // Alice's rotated key file reads the report from before and the one after.
    keys(&[
        "pull",
        "--api-key",
        "rotated/alice.api.key",
        "--server",
        &url,
        "--out",
        "alice.jasmine",
        "--root-key",
        "root.pub",
    ]);
    keys(&[
        "import",
        "alice.jasmine",
        "--root-key",
        "root.pub",
        "--desk",
        "desk-alice",
        "--key",
        "rotated/alice.offline.age",
    ]);
    let cases = keys(&[
        "cases",
        "--desk",
        "desk-alice",
        "--key",
        "rotated/alice.offline.age",
    ]);
    let mut seen = Vec::new();
    for id in cases
        .lines()
        .filter(|l| l.contains("received"))
        .map(|l| l.split_whitespace().next().unwrap())
    {
        let shown = keys(&[
            "show",
            id,
            "--desk",
            "desk-alice",
            "--key",
            "rotated/alice.offline.age",
        ]);
        if shown.contains("ROTATION-BEFORE") {
            assert!(
                shown.contains("ROTATION-OLD-ANSWER"),
                "a message sealed to the old key reads on the desk: {shown}"
            );
        }
        seen.push(if shown.contains("ROTATION-BEFORE") {
            "before"
        } else if shown.contains("ROTATION-AFTER") {
            "after"
        } else {
            "?"
        });
    }
    seen.sort();
    assert_eq!(seen, vec!["after", "before"]);

    // Carol gets only the report made after she joined.
    keys(&[
        "pull",
        "--api-key",
        "carol.api.key",
        "--server",
        &url,
        "--inbox",
        "inbox-carol",
    ]);
    let carol = keys(&["list", "--inbox", "inbox-carol"]);
    assert_eq!(carol.lines().count(), 1, "{carol}");
    let id = carol.split_whitespace().next().unwrap();
    assert!(keys(&[
        "show",
        id,
        "--inbox",
        "inbox-carol",
        "--key",
        "carol.offline.age"
    ])
    .contains("ROTATION-AFTER"));

    // The feed: alice's alert from before her rotation still verifies; bob's does not,
    // and the server, which re-checks what it stored when a bundle is installed, hides
    // it (HTML, Atom, JSON, API) — and ignores bob's retraction of alice's alert, which
    // shows again.
    let feed = run(
        "jasmine",
        &reporter,
        &[
            "alerts",
            "--server",
            &url,
            "--root-key-file",
            &root,
            "--json",
        ],
    );
    assert!(
        feed.status.success(),
        "{}",
        String::from_utf8_lossy(&feed.stderr)
    );
    let shown: Vec<serde_json::Value> = serde_json::from_slice(&feed.stdout).unwrap();
    let shown_ids: Vec<&str> = shown.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(shown_ids, vec![alert_ids[0].as_str()]);
    for path in ["/v1/alerts", "/fr/alerts", "/alerts.atom", "/alerts.json"] {
        let page = public(path);
        assert!(
            !page.contains(&alert_ids[1]),
            "{path} shows the revoked key's alert"
        );
        assert!(
            page.contains(&alert_ids[0]),
            "{path} hides alice's alert: {page}"
        );
    }
    assert!(
        server
            .log()
            .contains("no longer verify against key bundle 2"),
        "{}",
        server.log()
    );
    // Whoever keeps alice's retired key signs a new alert, dated today (the day the
    // key retired, so `until` alone would let it through), and a hostile server slips
    // it into its feed: readers refuse it, because bundle 2 lists what that key signed.
    let mut draft: serde_json::Value =
        serde_json::from_slice(&std::fs::read(org.dir.join("alice-draft.json")).unwrap()).unwrap();
    draft["alert"]["id"] = serde_json::Value::from("0f".repeat(16));
    std::fs::write(org.dir.join("backdated-draft.json"), draft.to_string()).unwrap();
    keys(&[
        "alert",
        "sign",
        "--draft",
        "backdated-draft.json",
        "--key",
        "alice.offline.age",
        "--out",
        "alice-backdated.json",
    ]);
    let backdated: serde_json::Value =
        serde_json::from_slice(&std::fs::read(org.dir.join("alice-backdated.json")).unwrap())
            .unwrap();
    let backdated_id = backdated["alert"]["id"].as_str().unwrap().to_string();
    {
        let db = rusqlite::Connection::open(server.data_dir.join("jasmine.sqlite3")).unwrap();
        db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        db.execute(
            "INSERT INTO alerts (id, published_on, region, severity, signed_json) VALUES (?1, ?2, '59', 'risky', ?3)",
            rusqlite::params![
                backdated_id,
                backdated["alert"]["published"].as_str().unwrap(),
                backdated.to_string()
            ],
        )
        .unwrap();
    }
    let feed = run(
        "jasmine",
        &reporter,
        &["alerts", "--server", &url, "--root-key-file", &root],
    );
    let (shown, warned) = (
        String::from_utf8_lossy(&feed.stdout),
        String::from_utf8_lossy(&feed.stderr),
    );
    assert!(!shown.contains(&backdated_id), "{shown}");
    assert!(
        warned.contains("not among what it signed before it was retired"),
        "{warned}"
    );
    {
        let db = rusqlite::Connection::open(server.data_dir.join("jasmine.sqlite3")).unwrap();
        db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
        db.execute("DELETE FROM alerts WHERE id = ?1", [&backdated_id])
            .unwrap();
    }

    // Carol retracts bob's alert; the feed is whole again.
    keys(&[
        "alert",
        "retract",
        "--alert-id",
        &alert_ids[1],
        "--reason",
        "key lost",
        "--key",
        "carol.offline.age",
        "--out",
        "retract-bob.json",
    ]);
    keys(&[
        "publish",
        "retract-bob.json",
        "--api-key",
        "carol.api.key",
        "--server",
        &url,
    ]);
    let alerts = ok(
        "jasmine",
        &reporter,
        &["alerts", "--server", &url, "--root-key-file", &root],
    );
    assert!(alerts.contains("signed by alice"), "{alerts}");
}
