//! Faults on a real server process: killed (SIGKILL) while 32 clients post reports, and
//! its database on a disk that fills up. A report acknowledged (`201`) is a report kept,
//! byte for byte, and it decrypts; a full disk gets `507`, never a `500`, reads go on,
//! and writes come back by themselves when there is room again.
//!
//! The organisation is made in the test (root key, one moderator "alice", the bundle)
//! so that every stored ciphertext can be decrypted with her identity.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use http::{Method, StatusCode};
use jasmine_client::bundle::{self, KeyBundle, ModeratorSecrets, ServerLimits, VerifiedBundle};
use jasmine_client::envelope;
use jasmine_client::keys::PublicKey;
use jasmine_client::report::Report;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_client::Day;
use jasmine_tests::Server;

/// An organisation made in the test, its files written in `dir`.
struct TestOrg {
    root_pub: String,
    bundle_file: String,
    moderator: ModeratorSecrets,
    bundle: VerifiedBundle,
}

impl TestOrg {
    /// A server on `data` for this organisation, with the configuration file `config`.
    fn start_server(&self, data: &Path, config: &str) -> Server {
        Server::start_with(
            data,
            &self.root_pub,
            Some(&self.bundle_file),
            &["--config", config],
        )
    }

    /// A reply of alice's, signed and sealed to the reporter's `recipient` and to her.
    fn sealed_reply(&self, recipient: &str, mailbox: &str, text: &str) -> Vec<u8> {
        use jasmine_client::mailbox::{seal_reply, Reply, MESSAGE_FORMAT};
        let reply = Reply {
            format: MESSAGE_FORMAT,
            mailbox: mailbox.to_string(),
            written_on: Day::today_utc(),
            text: text.to_string(),
            signed_by: "alice".into(),
        };
        seal_reply(&reply, recipient, self.moderator.alert_key(), &self.bundle).unwrap()
    }
}

fn test_org(dir: &Path) -> TestOrg {
    std::fs::create_dir_all(dir).unwrap();
    let mut rng = rand::rngs::OsRng;
    let today = Day::today_utc();
    let root = SigningKey::generate(&mut rng);
    let moderator = ModeratorSecrets::generate("alice", &mut rng);
    let draft = KeyBundle {
        organisation: "Faults".into(),
        version: 1,
        issued: today,
        expires: today.add_days(90),
        onion: String::new(),
        check_key: None,
        moderators: vec![moderator.public_entry("Alice")],
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    let signed = bundle::sign_bundle(&draft, &root).unwrap();
    let pinned = PublicKey::from(&root);
    let bundle = bundle::verify_bundle(&signed, &pinned, today, None).unwrap();
    let root_pub = dir.join("root.pub");
    std::fs::write(&root_pub, pinned.to_base64()).unwrap();
    let bundle_file = dir.join("bundle.json");
    std::fs::write(&bundle_file, &signed).unwrap();
    TestOrg {
        root_pub: root_pub.display().to_string(),
        bundle_file: bundle_file.display().to_string(),
        moderator,
        bundle,
    }
}

/// A configuration without the admission puzzle (what is tested here is storage, not
/// admission) and with room for every report of the test.
fn config_file(dir: &Path) -> String {
    let path = dir.join("jasmine-server.toml");
    std::fs::write(
        &path,
        "[admission]\npuzzle = false\n\n[connections]\nmax_connections = 256\n",
    )
    .unwrap();
    path.display().to_string()
}

/// `count` distinct reports (the narrative says which), sealed to the org's moderator.
fn sealed_reports(org: &TestOrg, count: usize, narrative_len: usize) -> Vec<(Report, Vec<u8>)> {
    (0..count)
        .map(|i| {
            let mut report = Report::example(Day::today_utc().add_days(-1));
            let mut narrative = format!("report {i}: ");
            while narrative.len() < narrative_len {
                narrative.push_str("il a refusé de payer et m'a menacée. ");
            }
            report.narrative = narrative;
            let sealed = envelope::seal_report(&report, &org.bundle).unwrap();
            (report, sealed)
        })
        .collect()
}

/// What one posting client saw: the acknowledged (id, index) pairs and every other
/// status.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<(String, usize)>,
    refused: Vec<(StatusCode, String)>,
}

/// Posts reports, taking the next index from `next`, until they run out or the server
/// stops answering (it was killed).
async fn post_reports(
    url: String,
    reports: Arc<Vec<(Report, Vec<u8>)>>,
    next: Arc<AtomicUsize>,
    acked: Arc<AtomicUsize>,
    seen: Arc<Mutex<Seen>>,
) {
    let transport = DirectHttp::new(&url).unwrap();
    loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        if i >= reports.len() {
            return;
        }
        let request = ApiRequest::new(Method::POST, "/v1/reports")
            .with_body("application/octet-stream", reports[i].1.clone());
        let Ok(response) = transport.send(request).await else {
            return;
        };
        let mut seen = seen.lock().unwrap();
        if response.status == StatusCode::CREATED {
            let receipt: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            seen.acknowledged
                .push((receipt["id"].as_str().unwrap().to_string(), i));
            acked.fetch_add(1, Ordering::SeqCst);
        } else {
            seen.refused.push((
                response.status,
                String::from_utf8_lossy(&response.body).into_owned(),
            ));
        }
    }
}

/// Checks that every acknowledged report is in the database as it was sent, and that
/// it decrypts with the moderator's identity to the report that was sealed.
fn assert_all_kept(data: &Path, org: &TestOrg, reports: &[(Report, Vec<u8>)], seen: &Seen) {
    let db = rusqlite::Connection::open_with_flags(
        data.join("jasmine.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    for (id, i) in &seen.acknowledged {
        let stored: Vec<u8> = db
            .query_row("SELECT ciphertext FROM reports WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap_or_else(|e| panic!("report {id} was acknowledged but is not stored: {e}"));
        assert!(stored == reports[*i].1, "report {id} is not what was sent");
        let opened = envelope::open_report(&stored, org.moderator.age_identity())
            .unwrap_or_else(|e| panic!("report {id} does not decrypt: {e}"));
        assert_eq!(opened, reports[*i].0);
    }
}

#[test]
fn every_acknowledged_report_survives_kill_9_under_load() {
    const ROUNDS: usize = 10;
    const CLIENTS: usize = 32;
    let tmp = tempfile::tempdir().unwrap();
    let org = test_org(&tmp.path().join("org"));
    let config = config_file(tmp.path());
    let data = tmp.path().join("data");
    let reports = Arc::new(sealed_reports(&org, 6000, 200));
    let next = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for round in 0..ROUNDS {
        let server = org.start_server(&data, &config);
        let acked = Arc::new(AtomicUsize::new(0));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                runtime.spawn(post_reports(
                    server.url.clone(),
                    reports.clone(),
                    next.clone(),
                    acked.clone(),
                    seen.clone(),
                ))
            })
            .collect();
        // Killed in full flow: after some acknowledgements, at a moment that differs
        // from round to round.
        let started = Instant::now();
        let wanted = 40 + 25 * round;
        while acked.load(Ordering::SeqCst) < wanted {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "round {round}: only {} reports acknowledged in 120 s",
                acked.load(Ordering::SeqCst)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(7 * round as u64));
        server.stop();
        for client in clients {
            runtime.block_on(client).unwrap();
        }
        eprintln!(
            "round {round}: killed after {} acknowledgements in this round",
            acked.load(Ordering::SeqCst)
        );
    }
    let seen = seen.lock().unwrap();
    assert!(
        seen.refused
            .iter()
            .all(|(status, _)| !status.is_server_error()),
        "{:?}",
        seen.refused
    );
    // Restarted once more (it opens what the kills left), then checked.
    let server = org.start_server(&data, &config);
    let stored = server.stored_reports() as usize;
    assert!(
        stored >= seen.acknowledged.len(),
        "{stored} stored < {} acknowledged",
        seen.acknowledged.len()
    );
    assert_all_kept(&data, &org, &reports, &seen);
    eprintln!(
        "{} reports acknowledged over {ROUNDS} kills, all kept and readable ({stored} stored)",
        seen.acknowledged.len()
    );
}

/// What the moderator burst saw: acknowledged report ids, and stored replies (id,
/// mailbox, ciphertext).
#[derive(Default)]
struct ModeratorSeen {
    acknowledged: Vec<String>,
    replies: Vec<(String, String, Vec<u8>)>,
    /// Refusals (anything but the transport failing when the server is killed).
    server_errors: Vec<String>,
}

#[test]
fn acknowledgements_and_replies_survive_kill_9_in_a_burst() {
    use jasmine_client::client::{ClientError, JasmineClient, ModeratorCredentials};
    use jasmine_client::mailbox;
    const ROUNDS: usize = 6;
    let tmp = tempfile::tempdir().unwrap();
    let org = test_org(&tmp.path().join("org"));
    let config = config_file(tmp.path());
    let data = tmp.path().join("data");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    // The reports to acknowledge, stored first.
    let reports = Arc::new(sealed_reports(&org, 1200, 200));
    let server = org.start_server(&data, &config);
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    let posted = Arc::new(Mutex::new(Seen::default()));
    let clients: Vec<_> = (0..8)
        .map(|_| {
            runtime.spawn(post_reports(
                server.url.clone(),
                reports.clone(),
                next.clone(),
                acked.clone(),
                posted.clone(),
            ))
        })
        .collect();
    for client in clients {
        runtime.block_on(client).unwrap();
    }
    server.stop();
    let ids: Arc<Vec<String>> = Arc::new(
        posted
            .lock()
            .unwrap()
            .acknowledged
            .iter()
            .map(|(id, _)| id.clone())
            .collect(),
    );
    assert_eq!(ids.len(), reports.len());
    // A reporter's reply key, and the replies sealed to her and to alice.
    let reporter = age::x25519::Identity::generate();
    let recipient = reporter.to_public().to_string();
    let replies: Arc<Vec<(String, Vec<u8>)>> = Arc::new(
        (0..1200)
            .map(|i| {
                let mailbox = format!("{:032x}", 0xfeed_0000_u64 + (i % 40) as u64);
                let sealed = org.sealed_reply(&recipient, &mailbox, &format!("Réponse {i}"));
                (mailbox, sealed)
            })
            .collect(),
    );
    let credentials = Arc::new(ModeratorCredentials {
        id: "alice".into(),
        api_key: org.moderator.api_key().clone(),
    });
    let seen = Arc::new(Mutex::new(ModeratorSeen::default()));
    let next_ack = Arc::new(AtomicUsize::new(0));
    let next_reply = Arc::new(AtomicUsize::new(0));
    for round in 0..ROUNDS {
        let server = org.start_server(&data, &config);
        let done = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::new();
        for c in 0..32 {
            let (url, ids, replies, credentials, seen, done) = (
                server.url.clone(),
                ids.clone(),
                replies.clone(),
                credentials.clone(),
                seen.clone(),
                done.clone(),
            );
            let (next_ack, next_reply) = (next_ack.clone(), next_reply.clone());
            clients.push(runtime.spawn(async move {
                let client = JasmineClient::new(DirectHttp::new(&url).unwrap());
                loop {
                    // Half the clients acknowledge, half reply.
                    if c % 2 == 0 {
                        let i = next_ack.fetch_add(1, Ordering::SeqCst);
                        let Some(id) = ids.get(i) else { return };
                        match client.acknowledge_report(&credentials, id).await {
                            Ok(result) => {
                                assert!(result.deleted, "alice is the only moderator");
                                seen.lock().unwrap().acknowledged.push(id.clone());
                            }
                            // The server was killed: the transport fails. Anything
                            // else (a refusal) is a finding.
                            Err(ClientError::Transport(_)) => return,
                            Err(e) => {
                                seen.lock().unwrap().server_errors.push(e.to_string());
                                return;
                            }
                        }
                    } else {
                        let i = next_reply.fetch_add(1, Ordering::SeqCst);
                        let Some((mailbox, sealed)) = replies.get(i) else {
                            return;
                        };
                        match client.post_reply(&credentials, mailbox, sealed, None).await {
                            Ok(receipt) => seen.lock().unwrap().replies.push((
                                receipt.id,
                                mailbox.clone(),
                                sealed.clone(),
                            )),
                            Err(ClientError::Transport(_)) => return,
                            Err(e) => {
                                seen.lock().unwrap().server_errors.push(e.to_string());
                                return;
                            }
                        }
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
            }));
        }
        let started = Instant::now();
        while done.load(Ordering::SeqCst) < 30 + 15 * round {
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "round {round}: too slow"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        server.stop();
        for client in clients {
            let _ = runtime.block_on(client);
        }
    }
    let seen = seen.lock().unwrap();
    assert!(seen.server_errors.is_empty(), "{:?}", seen.server_errors);
    assert!(!seen.acknowledged.is_empty() && !seen.replies.is_empty());
    let server = org.start_server(&data, &config);
    let db = server.database();
    // An acknowledgement answered is a report deleted, for good.
    for id in &seen.acknowledged {
        let left: i64 = db
            .query_row("SELECT count(*) FROM reports WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            left, 0,
            "report {id} was acknowledged (deleted) but is back"
        );
    }
    // A reply answered is a reply kept, and she can read it.
    for (id, mailbox, sealed) in &seen.replies {
        let stored: Vec<u8> = db
            .query_row(
                "SELECT ciphertext FROM mailbox_messages WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap_or_else(|e| panic!("reply {id} was acknowledged but is not stored: {e}"));
        assert!(stored == *sealed, "reply {id} is not what was sent");
        let message = mailbox::open_message(
            &stored,
            &reporter,
            mailbox,
            &[org.bundle.bundle().clone()],
            None,
        )
        .unwrap_or_else(|e| panic!("reply {id} does not open: {e}"));
        assert!(
            message.sender.is_verified() && !message.sender.is_reporter(),
            "reply {id}"
        );
    }
    eprintln!(
        "{} acknowledgements and {} replies answered over {ROUNDS} kills: all held",
        seen.acknowledged.len(),
        seen.replies.len()
    );
}

/// A tmpfs of `megabytes` mounted at `dir`, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    fn mount(dir: &Path, megabytes: u32) -> SmallDisk {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .output()
            .expect("mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill it, which needs root (CI runs as root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk {
            dir: dir.to_path_buf(),
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}

async fn get_status(url: &str, path: &str) -> StatusCode {
    DirectHttp::new(url)
        .unwrap()
        .send(ApiRequest::new(Method::GET, path))
        .await
        .map(|r| r.status)
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

#[test]
fn a_full_disk_refuses_with_507_keeps_serving_reads_and_recovers_by_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let org = test_org(&tmp.path().join("org"));
    let config = config_file(tmp.path());
    let disk = SmallDisk::mount(&tmp.path().join("disk"), 12);
    // Room that the test gives back later, as an operator would by deleting a file.
    let ballast = disk.dir.join("ballast");
    std::fs::write(&ballast, vec![0u8; 3 << 20]).unwrap();
    let data = disk.dir.join("data");
    let server = org.start_server(&data, &config);
    // About 16 KiB each: the 9 MiB left fill up after some hundreds.
    let reports = Arc::new(sealed_reports(&org, 1500, 6000));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let acked = Arc::new(AtomicUsize::new(0));
    // Posted one by one until the disk refuses, then 20 more.
    let transport = DirectHttp::new(&server.url).unwrap();
    let mut refused_after_full = 0;
    let mut full_at = None;
    for i in 0..reports.len() {
        let request = ApiRequest::new(Method::POST, "/v1/reports")
            .with_body("application/octet-stream", reports[i].1.clone());
        let response = runtime.block_on(transport.send(request)).unwrap();
        let body = String::from_utf8_lossy(&response.body).into_owned();
        assert!(
            !response.status.is_server_error()
                || response.status == StatusCode::INSUFFICIENT_STORAGE,
            "report {i}: {} {body}",
            response.status
        );
        if response.status == StatusCode::CREATED {
            let receipt: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
            seen.lock()
                .unwrap()
                .acknowledged
                .push((receipt["id"].as_str().unwrap().to_string(), i));
        } else {
            assert_eq!(response.status, StatusCode::INSUFFICIENT_STORAGE, "{body}");
            assert!(body.contains("storage_full"), "{body}");
            full_at.get_or_insert(i);
            refused_after_full += 1;
            if refused_after_full == 20 {
                break;
            }
        }
    }
    let full_at = full_at.expect("the disk never filled up");
    next.store(full_at + 20, Ordering::SeqCst);
    eprintln!("the disk filled up after {full_at} reports");
    // Reads go on: the key bundle, the alerts, the pages.
    for path in ["/v1/keys", "/v1/alerts", "/fr/", "/fr/h"] {
        assert_eq!(
            runtime.block_on(get_status(&server.url, path)),
            StatusCode::OK,
            "{path}"
        );
    }
    // Nothing acknowledged was lost on the way.
    assert_all_kept(&data, &org, &reports, &seen.lock().unwrap());

    // Room again: writes succeed by themselves, without a restart.
    std::fs::remove_file(&ballast).unwrap();
    let started = Instant::now();
    let clients: Vec<_> = (0..4)
        .map(|_| {
            runtime.spawn(post_reports(
                server.url.clone(),
                Arc::new(reports[..full_at + 80].to_vec()),
                next.clone(),
                acked.clone(),
                seen.clone(),
            ))
        })
        .collect();
    for client in clients {
        runtime.block_on(client).unwrap();
    }
    assert!(
        acked.load(Ordering::SeqCst) >= 40,
        "after room came back, only {} of 60 reports were taken in {:?}",
        acked.load(Ordering::SeqCst),
        started.elapsed()
    );
    // And all of it survives a kill.
    server.stop();
    let server = org.start_server(&data, &config);
    assert!(server.stored_reports() as usize >= seen.lock().unwrap().acknowledged.len());
    assert_all_kept(&data, &org, &reports, &seen.lock().unwrap());
    drop(server);
}

/// Where each probe (a byte run) is found in the files under `dir`: the file, or
/// `None`. Every file is read; one that cannot be read fails the test.
fn probes_in_files(dir: &Path, probes: &[Vec<u8>]) -> Vec<Option<String>> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let bytes = std::fs::read(&path)
                    .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
                files.push((path.display().to_string(), bytes));
            }
        }
    }
    assert!(
        files.len() >= 2,
        "the database and its WAL at least: {}",
        files.len()
    );
    probes
        .iter()
        .map(|probe| {
            files
                .iter()
                .find(|(_, bytes)| bytes.windows(probe.len()).any(|w| w == &probe[..]))
                .map(|(name, _)| name.clone())
        })
        .collect()
}

#[test]
fn deleted_means_gone_from_every_file_of_the_data_folder() {
    use jasmine_client::client::{JasmineClient, ModeratorCredentials};
    let tmp = tempfile::tempdir().unwrap();
    let org = test_org(&tmp.path().join("org"));
    let config = tmp.path().join("jasmine-server.toml");
    std::fs::write(
        &config,
        "compact_interval_secs = 1\n\n[admission]\npuzzle = false\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let data = tmp.path().join("data");
    let server = org.start_server(&data, &config);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client = JasmineClient::new(DirectHttp::new(&server.url).unwrap());
    let credentials = ModeratorCredentials {
        id: "alice".into(),
        api_key: org.moderator.api_key().clone(),
    };
    // A probe of each ciphertext: 32 bytes from its payload (random-looking, unique).
    let probe = |sealed: &[u8]| sealed[sealed.len() - 200..sealed.len() - 168].to_vec();
    let reports = sealed_reports(&org, 20, 200);
    let mut report_ids = Vec::new();
    for (_, sealed) in &reports {
        let request = ApiRequest::new(Method::POST, "/v1/reports")
            .with_body("application/octet-stream", sealed.clone());
        let response = runtime.block_on(client_send(&server.url, request));
        assert_eq!(response.0, StatusCode::CREATED, "{}", response.1);
        let receipt: serde_json::Value = serde_json::from_str(&response.1).unwrap();
        report_ids.push(receipt["id"].as_str().unwrap().to_string());
    }
    let reporter = age::x25519::Identity::generate();
    let recipient = reporter.to_public().to_string();
    let forgotten = format!("{:032x}", 0xf0f0_u64);
    let kept = format!("{:032x}", 0x0f0f_u64);
    let mut replies = Vec::new();
    for (n, mailbox) in [&forgotten, &kept, &forgotten, &kept]
        .into_iter()
        .enumerate()
    {
        let sealed = org.sealed_reply(&recipient, mailbox, &format!("Réponse {n}"));
        runtime
            .block_on(client.post_reply(&credentials, mailbox, &sealed, None))
            .unwrap();
        replies.push((mailbox == &forgotten, sealed));
    }
    // Every second report acknowledged (deleted: alice is the only moderator), one
    // mailbox forgotten by its reporter.
    for id in report_ids.iter().step_by(2) {
        let result = runtime
            .block_on(client.acknowledge_report(&credentials, id))
            .unwrap();
        assert!(result.deleted);
    }
    runtime.block_on(client.delete_mailbox(&forgotten)).unwrap();

    let mut probes: Vec<Vec<u8>> = reports.iter().map(|(_, s)| probe(s)).collect();
    probes.extend(replies.iter().map(|(_, s)| probe(s)));
    let deleted: Vec<bool> = (0..reports.len())
        .map(|i| i % 2 == 0)
        .chain(replies.iter().map(|(gone, _)| *gone))
        .collect();
    // The next compaction (every second here) leaves none of it in any file.
    let started = Instant::now();
    loop {
        let found = probes_in_files(&data, &probes);
        let lingering: Vec<_> = found
            .iter()
            .zip(&deleted)
            .enumerate()
            .filter(|(_, (at, gone))| **gone && at.is_some())
            .map(|(i, (at, _))| format!("#{i} in {}", at.as_ref().unwrap()))
            .collect();
        let missing: Vec<usize> = found
            .iter()
            .zip(&deleted)
            .enumerate()
            .filter(|(_, (at, gone))| !**gone && at.is_none())
            .map(|(i, _)| i)
            .collect();
        assert!(
            missing.is_empty(),
            "kept ciphertexts not found: {missing:?}"
        );
        if lingering.is_empty() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "deleted ciphertexts still in the data folder after 20 s: {lingering:?}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    eprintln!(
        "deleted ciphertexts gone from every file after {:?}",
        started.elapsed()
    );
    drop(server);
}

async fn client_send(url: &str, request: ApiRequest) -> (StatusCode, String) {
    let response = DirectHttp::new(url).unwrap().send(request).await.unwrap();
    (
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}
