//! A moderator's day, end to end with the real binaries: 30 reports of varied content
//! → `pull --out` → offline `import` → `match` finds the three planted repeat
//! aggressors and nothing else → `review`, driven through its prompts like a person
//! at the keyboard: 10 alerts published, 5 replies, the rest archived → `outbox` →
//! `publish` → the feed holds the 10 alerts, each codename reads its reply, the server
//! has deleted every report → `stats` counts exactly the submitted set; a later report
//! about a published aggressor is flagged in review.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

use jasmine_tests::{bin, ok, org_and_server, Org, PASSPHRASE};

const PUBLISH: [usize; 10] = [0, 2, 4, 6, 8, 10, 12, 16, 18, 20];
const CODENAME: [usize; 5] = [1, 5, 9, 14, 22];
const CATEGORIES: [&str; 13] = [
    "rape",
    "attempted_rape",
    "sexual_assault",
    "condom_removal",
    "physical_violence",
    "armed_robbery",
    "theft_or_non_payment",
    "threats",
    "harassment",
    "blackmail_or_outing",
    "attempted_murder",
    "institutional_violence",
    "other",
];
const REGIONS: [&str; 6] = ["75", "13", "69", "31", "59", "93"];
const SEVERITIES: [&str; 4] = ["annoying", "risky", "dangerous", "very_dangerous"];

fn planned(i: usize) -> serde_json::Value {
    let mut categories = vec![CATEGORIES[i % 13]];
    if i.is_multiple_of(4) && CATEGORIES[i % 13] != "theft_or_non_payment" {
        categories.push("theft_or_non_payment");
    }
    let phone = match i {
        3 => "06 11 22 33 44".to_string(),
        17 => "+33 6 11 22 33 44".to_string(),
        _ => format!("07 12 34 56 {i:02}"),
    };
    let plate = match i {
        8 => "GH-456-JK".to_string(),
        21 => "gh 456 jk".to_string(),
        _ => format!("AA-{i:03}-ZZ"),
    };
    let handle = match i {
        12 => "@Predator75".to_string(),
        25 => "predator75".to_string(),
        _ => format!("@client{i}"),
    };
    let extra = if i.is_multiple_of(5) {
        format!(" Rappelez-moi au 06 50 50 50 {i:02}.")
    } else {
        String::new()
    };
    serde_json::json!({
        "language": "fr",
        "when": {"date": format!("2026-{:02}-{:02}", 1 + i % 10, 1 + (i * 7) % 27), "precision": "day"},
        "place": {"country": "FR", "region": REGIONS[i % 6], "city": "Ville", "setting": "hotel"},
        "categories": categories,
        "severity": SEVERITIES[i % 4],
        "aggressor": {"description": format!("Homme numéro {i}"), "phones": [phone], "handles": [handle], "plates": [plate]},
        "narrative": format!("MOD-MARKER-{i:02} Il a été violent.{extra}"),
        "follow_up": {"kind": "none"},
        "consent_to_publish": PUBLISH.contains(&i) || i.is_multiple_of(3)
    })
}

/// Drives `review` through its prompts; returns report id → planned index, and the
/// repeat-aggressor flags printed per index.
fn drive_review(
    org: &Org,
) -> (
    BTreeMap<String, usize>,
    BTreeMap<usize, Vec<String>>,
    String,
) {
    let mut child = Command::new(bin("jasmine-keys"))
        .args([
            "review",
            "--desk",
            "desk",
            "--key",
            "alice.offline.age",
            "--bundle",
            "bundle-1.json",
            "--root-key",
            "root.pub",
        ])
        .current_dir(&org.dir)
        .env("JASMINE_PASSPHRASE", PASSPHRASE)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // What review prints, read on a thread so that the loop below can give up on a
    // review that stops talking (a prompt this loop does not know) instead of waiting
    // for ever.
    let (chunks, printed) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 || chunks.send(buffer[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut all = String::new();
    let mut since_answer = String::new();
    let (mut ids, mut flags) = (BTreeMap::new(), BTreeMap::<usize, Vec<String>>::new());
    let mut current: Option<usize> = None;
    let mut reply_sent = false;
    loop {
        let chunk = match printed.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("review printed nothing for 60 s; so far:\n{all}");
            }
        };
        all.push_str(&chunk);
        since_answer.push_str(&chunk);
        if let Some(at) = since_answer.rfind("=== Case") {
            let header = &since_answer[at..];
            if let Some(m) = header.find("MOD-MARKER-") {
                let i: usize = header[m + 11..m + 13].parse().unwrap();
                let id = header.split(" — ").nth(1).unwrap().trim().to_string();
                ids.insert(id, i);
                current = Some(i);
                let found: Vec<String> = header
                    .lines()
                    .filter(|l| l.contains("REPEAT AGGRESSOR"))
                    .map(String::from)
                    .collect();
                flags.insert(i, found);
            }
        }
        let answer = if since_answer.ends_with("[q]uit: ") {
            let i = current.expect("a case is shown");
            reply_sent = false;
            if PUBLISH.contains(&i) {
                "p"
            } else if CODENAME.contains(&i) {
                "r"
            } else {
                "a"
            }
            .to_string()
        } else if since_answer.ends_with("[y/N] ") {
            if current == Some(8) && since_answer.contains("number plates") {
                "y"
            } else {
                ""
            }
            .to_string()
        } else if since_answer.ends_with("[Y/n] ") {
            "y".to_string()
        } else if since_answer.ends_with("> ") {
            if reply_sent {
                ".".to_string()
            } else {
                reply_sent = true;
                format!(
                    "MOD-REPLY-{:02} Bonjour, nous pouvons vous accompagner.",
                    current.unwrap()
                )
            }
        } else {
            continue;
        };
        writeln!(stdin, "{answer}").unwrap();
        since_answer.clear();
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
    assert!(status.success(), "review failed: {err}\n{all}");
    (ids, flags, all)
}

#[test]
fn thirty_reports_reviewed_published_answered_archived_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let (org, server) = org_and_server(tmp.path(), &["alice"]);
    let url = server.url.clone();
    let root = org.path("root.pub");
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let mut codenames = BTreeMap::new();
    for i in 0..30 {
        std::fs::write(reporter.join("r.json"), planned(i).to_string()).unwrap();
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
        if CODENAME.contains(&i) {
            args.push("--codename");
        }
        let receipt: serde_json::Value =
            serde_json::from_str(&ok("jasmine", &reporter, &args)).unwrap();
        if CODENAME.contains(&i) {
            codenames.insert(i, receipt["codename"].as_str().unwrap().to_string());
        }
    }
    let keys = |args: &[&str]| ok("jasmine-keys", &org.dir, args);
    keys(&[
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
    keys(&[
        "import",
        "inbox-1.jasmine",
        "--root-key",
        "root.pub",
        "--desk",
        "desk",
        "--key",
        "alice.offline.age",
    ]);

    // Review everything, as a person would.
    let (ids, flags, transcript) = drive_review(&org);
    assert_eq!(ids.len(), 30, "every case was shown:\n{transcript}");
    let index_of = |line: &str| -> Option<usize> {
        ids.iter()
            .find(|(id, _)| line.contains(id.as_str()))
            .map(|(_, i)| *i)
    };
    // The planted pairs are flagged in review, and nothing else is.
    let flagged: BTreeSet<usize> = flags
        .iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(i, _)| *i)
        .collect();
    assert_eq!(flagged, BTreeSet::from([3, 17, 8, 21, 12, 25]), "{flags:?}");
    assert!(
        transcript.contains(
            "Review done: 10 alert(s) signed, 5 repl(y/ies) sealed, 15 case(s) archived."
        ),
        "{transcript}"
    );

    // `match` finds the three planted repeat aggressors and nothing else.
    let matched = keys(&["match", "--desk", "desk", "--key", "alice.offline.age"]);
    assert!(matched.contains("3 identifier(s) shared."), "{matched}");
    let mut groups: Vec<(String, BTreeSet<usize>)> = Vec::new();
    for line in matched.lines() {
        if let Some(what) = line.strip_prefix("Same ") {
            groups.push((what.trim_end_matches(':').to_string(), BTreeSet::new()));
        } else if let Some(i) = index_of(line) {
            groups.last_mut().unwrap().1.insert(i);
        }
    }
    assert_eq!(
        groups,
        vec![
            ("phone +33611223344".to_string(), BTreeSet::from([3, 17])),
            ("plate GH456JK".to_string(), BTreeSet::from([8, 21])),
            ("handle predator75".to_string(), BTreeSet::from([12, 25])),
        ]
    );

    // The outbox carries it all to the server.
    keys(&[
        "outbox",
        "--out",
        "outbox-1.jasmine",
        "--desk",
        "desk",
        "--key",
        "alice.offline.age",
    ]);
    let published = keys(&[
        "publish",
        "outbox-1.jasmine",
        "--api-key",
        "alice.api.key",
        "--root-key",
        "root.pub",
        "--state-dir",
        "state",
        "--server",
        &url,
    ]);
    assert!(
        published.contains("10 alert(s), 0 retraction(s), 5 repl(y/ies), 30 acknowledgement(s)"),
        "{published}"
    );
    assert_eq!(server.stored_reports(), 0);
    let feed: Vec<serde_json::Value> = serde_json::from_str(&ok(
        "jasmine",
        &reporter,
        &[
            "alerts",
            "--server",
            &url,
            "--root-key-file",
            &root,
            "--json",
            "--limit",
            "100",
        ],
    ))
    .unwrap();
    let mut published_markers: BTreeSet<usize> = BTreeSet::new();
    for alert in &feed {
        let text = alert["summary"]["text"].as_str().unwrap();
        let i: usize = text[text.find("MOD-MARKER-").unwrap() + 11..][..2]
            .parse()
            .unwrap();
        published_markers.insert(i);
        assert!(
            !text.contains("06 50 50 50"),
            "the scanner's findings are removed: {text}"
        );
        assert_eq!(
            alert["aggressor"]["phones"],
            serde_json::json!([]),
            "kept only when chosen"
        );
    }
    assert_eq!(published_markers, BTreeSet::from(PUBLISH));
    for (i, codename) in &codenames {
        std::fs::write(reporter.join("codename.txt"), codename).unwrap();
        let read = ok(
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
        assert!(read.contains(&format!("MOD-REPLY-{i:02}")), "{i}: {read}");
    }

    // Statistics, against the submitted set.
    keys(&[
        "stats",
        "--desk",
        "desk",
        "--key",
        "alice.offline.age",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--csv",
        "stats.csv",
        "--charts",
        "charts",
    ]);
    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    for i in 0..30 {
        let p = planned(i);
        *expected.entry(("total".into(), "all".into())).or_default() += 1;
        for c in p["categories"].as_array().unwrap() {
            *expected
                .entry(("category".into(), c.as_str().unwrap().into()))
                .or_default() += 1;
        }
        *expected
            .entry((
                "month".into(),
                p["when"]["date"].as_str().unwrap()[..7].into(),
            ))
            .or_default() += 1;
        *expected
            .entry((
                "region".into(),
                format!("FR-{}", p["place"]["region"].as_str().unwrap()),
            ))
            .or_default() += 1;
        *expected
            .entry(("severity".into(), p["severity"].as_str().unwrap().into()))
            .or_default() += 1;
    }
    let csv = std::fs::read_to_string(org.dir.join("stats.csv")).unwrap();
    let counted: BTreeMap<(String, String), usize> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let parts: Vec<&str> = l.split(',').collect();
            (
                (parts[0].to_string(), parts[1].to_string()),
                parts[2].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(counted, expected);
    let chart = std::fs::read_to_string(org.dir.join("charts/categories.svg")).unwrap();
    assert!(chart.starts_with("<svg") && chart.contains("theft or non payment"));
    let daily = std::fs::read_to_string(org.dir.join("charts/days.svg")).unwrap();
    let columns = daily.matches("</title></rect>").count();
    let distinct_days: BTreeSet<String> = (0..30)
        .map(|i| planned(i)["when"]["date"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        columns,
        distinct_days.len(),
        "one column per day with reports"
    );

    // A new report about the aggressor whose plate was published is flagged.
    let mut later = planned(29);
    later["aggressor"]["plates"] = serde_json::json!(["GH 456 JK"]);
    later["narrative"] = "MOD-MARKER-31 Encore lui.".into();
    std::fs::write(reporter.join("r.json"), later.to_string()).unwrap();
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
    keys(&[
        "import",
        "inbox-2.jasmine",
        "--root-key",
        "root.pub",
        "--desk",
        "desk",
        "--key",
        "alice.offline.age",
    ]);
    let matched = keys(&["match", "--desk", "desk", "--key", "alice.offline.age"]);
    let plate_group = matched
        .split("Same ")
        .find(|g| g.starts_with("plate GH456JK"))
        .unwrap();
    assert!(
        plate_group.contains("alert "),
        "the published alert carries the plate: {plate_group}"
    );
    assert_eq!(plate_group.matches("report ").count(), 3, "{plate_group}");
}
