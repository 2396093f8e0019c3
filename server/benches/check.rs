//! The private check, from one run (`make bench`):
//!
//! 1. bare: the `voprf` crate's `blind_evaluate` (with its proof) on one core (core 1),
//!    no HTTP; and the same reading the element from its 32 bytes and writing the
//!    answer's, as any server must;
//! 2. server: the real `jasmine-server` binary pinned to one core (`taskset -c 0`),
//!    `POST /v1/check` from 16 keep-alive clients on the other core (puzzle off, so that
//!    evaluations are what is measured): evaluations per second per core, and the
//!    server/bare ratio;
//! 3. a whole check as `jasmine check` makes it (client-lib's `JasmineClient::check`
//!    over loopback: bundle, puzzle at the quiet difficulty, blind evaluation with its
//!    proof checked, the list of 10,000 signed entries downloaded and looked up): p50
//!    and p99 of 40 checks one after the other, of the blind evaluation alone, and of
//!    the release `jasmine check` binary itself when `make bench` has built it;
//! 4. the list's size for 10,000 entries, as served and gzipped;
//! 5. what a thief of the check key computes per guess, F(k, x) directly: guesses per
//!    second per core, and the time to try every French mobile number.

use std::io::Write as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use jasmine_client::alert::{sign_alert, Alert, AlertAggressor, LocalizedText};
use jasmine_client::bundle::{sign_bundle, KeyBundle, ModeratorSecrets, ServerLimits};
use jasmine_client::checklist::{sign_entry, CheckEntry};
use jasmine_client::client::JasmineClient;
use jasmine_client::identifier::Kind;
use jasmine_client::keys::PublicKey;
use jasmine_client::oprf::{self, CheckKey};
use jasmine_client::report::{Category, Severity};
use jasmine_client::transport::DirectHttp;
use jasmine_client::Day;
use voprf::{Ristretto255, VoprfClient, VoprfServer};

const CLIENTS: usize = 16;
const MEASURE: Duration = Duration::from_secs(5);
const ENTRIES: usize = 10_000;
const CHECKS: usize = 40;

fn start_server(
    tmp: &Path,
    data: &str,
    config: &str,
    root: &PublicKey,
    pin: bool,
) -> (Child, String) {
    let config_path = tmp.join(format!("{data}.toml"));
    std::fs::write(&config_path, config).unwrap();
    let binary = env!("CARGO_BIN_EXE_jasmine-server");
    let pinned = pin && Path::new("/usr/bin/taskset").exists();
    let mut command = if pinned {
        let mut c = Command::new("/usr/bin/taskset");
        c.args(["-c", "0", binary]);
        c
    } else {
        Command::new(binary)
    };
    let mut child = command
        .arg("--config")
        .arg(&config_path)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.join(data))
        .args(["--root-key", &root.to_base64(), "--bundle-file"])
        .arg(tmp.join("bundle.json"))
        .env("JASMINE_LOG", "warn,jasmine_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jasmine-server");
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on http://".len()..].trim().to_string();
        }
    };
    if pin && !pinned {
        println!("(taskset not found: the server is not pinned to one core)");
    }
    (child, address)
}

/// Moves the calling thread (and the threads it starts after) to `core`.
fn pin_this_thread(core: usize) -> bool {
    // The main thread's id is the process id; `taskset -p` sets that thread only.
    Path::new("/usr/bin/taskset").exists()
        && Command::new("/usr/bin/taskset")
            .args([
                "-p",
                "-c",
                &core.to_string(),
                &std::process::id().to_string(),
            ])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// Evaluations per second of the bare `voprf` crate on this thread: `blind_evaluate`
/// alone, and with the element read from its bytes and the answer written, as any
/// server must.
fn bare_rates() -> (f64, f64) {
    let mut rng = rand::rngs::OsRng;
    let server = VoprfServer::<Ristretto255>::new(&mut rng).unwrap();
    let blinded = VoprfClient::<Ristretto255>::blind(b"jasmine bench", &mut rng)
        .unwrap()
        .message;
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < MEASURE {
        std::hint::black_box(server.blind_evaluate(&mut rng, &blinded));
        count += 1;
    }
    let bare = count as f64 / start.elapsed().as_secs_f64();
    let wire = blinded.serialize();
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < MEASURE {
        let element = voprf::BlindedElement::<Ristretto255>::deserialize(&wire).unwrap();
        let result = server.blind_evaluate(&mut rng, &element);
        std::hint::black_box((result.message.serialize(), result.proof.serialize()));
        count += 1;
    }
    (bare, count as f64 / start.elapsed().as_secs_f64())
}

/// Requests per second of `method` `path` with `body` from `clients` keep-alive
/// connections, over MEASURE after a second of warm-up.
async fn load(address: &str, method: &str, path: &str, body: Bytes, clients: usize) -> f64 {
    let done = Arc::new(AtomicUsize::new(0));
    let measure_from = Instant::now() + Duration::from_secs(1);
    let deadline = measure_from + MEASURE;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (address, done, body) = (address.to_string(), done.clone(), body.clone());
        let (method, path) = (method.to_string(), path.to_string());
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .unwrap();
            tokio::spawn(connection);
            while Instant::now() < deadline {
                let request = http::Request::builder()
                    .method(method.as_str())
                    .uri(path.as_str())
                    .header(http::header::HOST, &address)
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(Full::new(body.clone()))
                    .unwrap();
                let response = sender.send_request(request).await.expect("response");
                assert_eq!(response.status(), http::StatusCode::OK);
                let _ = response.into_body().collect().await;
                let now = Instant::now();
                if now >= measure_from && now < deadline {
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    done.load(Ordering::Relaxed) as f64 / MEASURE.as_secs_f64()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

fn main() {
    // The baselines and the server run on core 0 (the server through `taskset -c 0`),
    // the clients on core 1: the same core for what is compared, and the clients off it.
    let pinned =
        std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2 && pin_this_thread(0);
    println!(
        "{}",
        if pinned {
            "baselines and server on core 0, clients on core 1"
        } else {
            "(not pinned: fewer than 2 cores or no taskset; the figures mix server and clients)"
        }
    );
    let mut rng = rand::rngs::OsRng;
    let tmp = tempfile::tempdir().unwrap();
    let today = Day::today_utc();
    let root = SigningKey::generate(&mut rng);
    let root_public = PublicKey::from(&root);
    let moderator = ModeratorSecrets::generate("alice", &mut rng);
    let key = CheckKey::generate(&mut rng);
    let bundle = KeyBundle {
        organisation: "Bench".into(),
        version: 1,
        issued: today,
        expires: today.add_days(30),
        onion: String::new(),
        check_key: Some(key.public_key()),
        moderators: vec![moderator.public_entry("Alice")],
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    std::fs::write(
        tmp.path().join("bundle.json"),
        sign_bundle(&bundle, &root).unwrap(),
    )
    .unwrap();
    for data in ["evaluate", "check"] {
        std::fs::create_dir_all(tmp.path().join(data)).unwrap();
        std::fs::write(
            tmp.path().join(data).join("check.key"),
            key.to_base64().as_bytes(),
        )
        .unwrap();
    }

    // 1. Bare voprf, on the server's core (measured again after the server's run).
    let (bare, bare_wire) = bare_rates();
    // 2. The server, pinned to one core, puzzle off.
    let (mut server, address) = start_server(
        tmp.path(),
        "evaluate",
        "[admission]\npuzzle = false\n",
        &root_public,
        true,
    );
    let input = oprf::check_input(Kind::Phone, "+33600000000");
    let (_, request) = oprf::blind(&input, &mut rng).unwrap();
    let body = Bytes::from(format!("{{\"blinded\":\"{}\"}}", request.to_base64()));
    if pinned {
        pin_this_thread(1);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // One element for every request: each evaluation draws its proof's randomness anew.
    let served = runtime.block_on(load(&address, "POST", "/v1/check", body, CLIENTS));
    if pinned {
        pin_this_thread(0);
    }
    let (bare_after, bare_wire_after) = bare_rates();
    let (bare, bare_wire) = (bare.max(bare_after), bare_wire.max(bare_wire_after));
    // What a thief of the check key computes per guess: F(k, x) directly, no blinding,
    // no proof.
    let start = Instant::now();
    let mut guesses = 0u64;
    while start.elapsed() < MEASURE {
        let number = format!("+336{:08}", guesses % 100_000_000);
        std::hint::black_box(
            key.output(&oprf::check_input(Kind::Phone, &number))
                .unwrap(),
        );
        guesses += 1;
    }
    let guess_rate = guesses as f64 / start.elapsed().as_secs_f64();
    let floor = runtime.block_on(load(&address, "GET", "/v1/status", Bytes::new(), CLIENTS));
    let _ = server.kill();
    let _ = server.wait();

    // 3 and 4. Whole checks against a list of 10,000 signed entries, puzzle on.
    let (mut server, address) = start_server(tmp.path(), "check", "", &root_public, false);
    let _ = server.kill();
    let _ = server.wait();
    let listed_input = oprf::check_input(Kind::Phone, "+33612345678");
    {
        // Stored as the desk would have published them (alerts and signed entries).
        let db = rusqlite::Connection::open(
            tmp.path().join("check").join(jasmine_server::DATABASE_FILE),
        )
        .unwrap();
        let tx = db.unchecked_transaction().unwrap();
        for i in 0..ENTRIES {
            let alert_id = format!("{i:032x}");
            let output = if i == 0 {
                key.output(&listed_input).unwrap()
            } else {
                key.output(&oprf::check_input(Kind::Phone, &format!("+3361{i:07}")))
                    .unwrap()
            };
            let entry = CheckEntry::new(&alert_id, &output, "alice");
            let signed = sign_entry(&entry, moderator.alert_key()).unwrap();
            // A real signed alert: the server hides what does not verify.
            let alert = Alert {
                id: alert_id.clone(),
                published: today,
                signed_by: "alice".into(),
                occurred_on: today,
                occurred_precision: Default::default(),
                country: "FR".into(),
                region: "69".into(),
                city: None,
                categories: vec![Category::TheftOrNonPayment],
                severity: Severity::Dangerous,
                summary: LocalizedText {
                    language: "fr".into(),
                    text: "Il est parti sans payer.".into(),
                },
                translations: Vec::new(),
                aggressor: AlertAggressor::default(),
            };
            let signed_alert = sign_alert(&alert, moderator.alert_key()).unwrap();
            tx.execute(
                "INSERT INTO alerts (id, published_on, region, severity, signed_json) VALUES (?1, ?2, '69', 'dangerous', ?3)",
                rusqlite::params![
                    alert_id,
                    today.to_string(),
                    String::from_utf8(signed_alert).unwrap()
                ],
            )
            .unwrap();
            tx.execute(
                "INSERT INTO check_entries (alert_id, tag, signed_json) VALUES (?1, ?2, ?3)",
                rusqlite::params![alert_id, entry.tag, signed.to_string()],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    let (mut server, address) = {
        let _ = address;
        start_server(tmp.path(), "check", "", &root_public, false)
    };
    let url = format!("http://{address}");
    let (list_bytes, gzipped, times, found, mut evaluations) = runtime.block_on(async {
        let client = JasmineClient::new(DirectHttp::new(&url).unwrap());
        let list = client.fetch_checklist().await.unwrap();
        let json = serde_json::to_vec(&list).unwrap();
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(&json).unwrap();
        let gzipped = encoder.finish().unwrap().len();
        let verified = client
            .fetch_bundle(&root_public, Day::today_utc(), None)
            .await
            .unwrap();
        let mut evaluations = Vec::new();
        for _ in 0..CHECKS {
            let began = Instant::now();
            client
                .evaluate_blindly(verified.bundle(), &listed_input)
                .await
                .unwrap();
            evaluations.push(began.elapsed());
        }
        let mut times = Vec::new();
        let mut found = 0;
        for _ in 0..CHECKS {
            let began = Instant::now();
            let verified = client
                .fetch_bundle(&root_public, Day::today_utc(), None)
                .await
                .unwrap();
            let result = client.check(verified.bundle(), &listed_input).await;
            times.push(began.elapsed());
            found += usize::from(result.is_ok_and(|r| r.alerts.len() == 1));
        }
        (json.len(), gzipped, times, found, evaluations)
    });
    // The same with the `jasmine` binary itself, built in release beside this one
    // (`make bench` builds it): process start, state folder and all.
    let cli = Path::new(env!("CARGO_BIN_EXE_jasmine-server")).with_file_name("jasmine");
    let mut cli_times = Vec::new();
    if cli.exists() {
        std::fs::write(tmp.path().join("root.pub"), root_public.to_base64()).unwrap();
        for _ in 0..CHECKS {
            let began = Instant::now();
            let out = Command::new(&cli)
                .args([
                    "check",
                    "+33 6 12 34 56 78",
                    "--server",
                    &url,
                    "--root-key-file",
                ])
                .arg(tmp.path().join("root.pub"))
                .arg("--state-dir")
                .arg(tmp.path().join("cli-state"))
                .output()
                .expect("run jasmine");
            cli_times.push(began.elapsed());
            assert!(
                String::from_utf8_lossy(&out.stdout).contains("1 alert(s)"),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        cli_times.sort();
    }
    let _ = server.kill();
    let _ = server.wait();
    let mut sorted = times;
    sorted.sort();
    evaluations.sort();

    println!("check evaluation, {} s measured", MEASURE.as_secs());
    println!(
        "  bare voprf blind_evaluate (with proof), core 0 (best of 2)  {bare:>9.0} evaluations/s"
    );
    println!("  bare voprf, element read from bytes and answer written     {bare_wire:>9.0} evaluations/s");
    println!("  jasmine-server POST /v1/check, 1 core, {CLIENTS} clients           {served:>9.0} evaluations/s");
    println!(
        "  ratio server / bare = {:.2}, server / bare with bytes = {:.2}   (target >= 0.80)",
        served / bare,
        served / bare_wire
    );
    println!(
        "  a key thief's guesses, F(k, x) directly, core 0               {guess_rate:>9.0} per second: every French mobile number (2e8) in {:.1} core-hours",
        2e8 / guess_rate / 3600.0
    );
    println!(
        "  for scale: GET /v1/status, same server and clients         {floor:>9.0} requests/s"
    );
    println!(
        "whole check over loopback (client-lib, what `jasmine check` runs; puzzle at the quiet difficulty; list of {ENTRIES} entries): p50 {:.1} ms, p99 {:.1} ms over {CHECKS} checks ({found} found the listed alert)",
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
    );
    if cli_times.is_empty() {
        println!("  (no release `jasmine` beside the bench: `make bench` builds it to time the CLI itself)");
    } else {
        println!(
            "  the `jasmine check` binary itself (release, process start included): p50 {:.1} ms, p99 {:.1} ms over {CHECKS} checks",
            percentile(&cli_times, 0.5),
            percentile(&cli_times, 0.99),
        );
    }
    println!(
        "  of which the blind evaluation alone (puzzle, POST /v1/check, proof checked): p50 {:.1} ms, p99 {:.1} ms; the rest is the list and the public feed read whole ({ENTRIES} alerts, every one verified)",
        percentile(&evaluations, 0.5),
        percentile(&evaluations, 0.99),
    );
    println!(
        "the list of {ENTRIES} entries: {} bytes as served ({:.0} bytes an entry), {} bytes gzipped",
        list_bytes,
        list_bytes as f64 / ENTRIES as f64,
        gzipped
    );
}
