//! Keys over time, end to end with the real binaries: a report under bundle 1 (alice,
//! bob); alice rotates her keys, bob's laptop is lost (removed), carol joins: bundle 2.
//! Then a report under bundle 2. Alice's rotated key file reads both reports; carol
//! reads only the second; bob's and alice's old API keys can no longer pull or publish,
//! and an alert signed by bob's key is refused.

use jasmine_tests::{fails, ok, Org, Server};

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
fn rotation_removal_and_a_new_moderator() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice", "bob"]);
    let server = Server::start(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
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
            ],
        )
    };
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    assert!(send("ROTATION-BEFORE").contains("encrypted to the 2 moderator(s)"));

    // Bob signs an alert while still a moderator (published later, after he is removed).
    keys(&[
        "pull",
        "--api-key",
        "bob.api.key",
        "--server",
        &url,
        "--inbox",
        "inbox-bob",
        "--no-ack",
    ]);
    let bob_report = keys(&["list", "--inbox", "inbox-bob"])
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    keys(&[
        "alert",
        "draft",
        &bob_report,
        "--inbox",
        "inbox-bob",
        "--key",
        "bob.offline.age",
        "--out",
        "bob-draft.json",
    ]);
    keys(&[
        "alert",
        "sign",
        "--draft",
        "bob-draft.json",
        "--key",
        "bob.offline.age",
        "--out",
        "bob-alert.json",
    ]);

    // Alice rotates; carol joins; bob is removed. Bundle 2 goes to the server.
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
    keys(&[
        "bundle",
        "sign",
        "--root-key",
        "root.key.age",
        "--organisation",
        "Test Org",
        "--version",
        "2",
        "--card",
        "rotated/alice.card.json",
        "--card",
        "carol.card.json",
        "--out",
        "bundle-2.json",
    ]);
    keys(&[
        "bundle",
        "upload",
        "--bundle",
        "bundle-2.json",
        "--root-pub",
        "root.pub",
        "--server",
        &url,
    ]);
    assert!(send("ROTATION-AFTER").contains("encrypted to the 2 moderator(s)"));

    // The old API keys are refused; so is bob's alert, whoever uploads it.
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
    let refused = fails(
        "jasmine-keys",
        &org.dir,
        &[
            "publish",
            "bob-alert.json",
            "--api-key",
            "rotated/alice.api.key",
            "--server",
            &url,
        ],
        1,
    );
    assert!(
        refused.contains("bob") || refused.contains("unknown_signer"),
        "{refused}"
    );

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
    // The new alice key and carol sign and publish.
    keys(&[
        "alert",
        "draft",
        id,
        "--inbox",
        "inbox-carol",
        "--key",
        "carol.offline.age",
        "--out",
        "carol-draft.json",
    ]);
    keys(&[
        "alert",
        "sign",
        "--draft",
        "carol-draft.json",
        "--key",
        "carol.offline.age",
        "--out",
        "carol-alert.json",
    ]);
    keys(&[
        "publish",
        "carol-alert.json",
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
    assert!(
        alerts.contains("signed by carol") || alerts.contains("carol"),
        "{alerts}"
    );
}
