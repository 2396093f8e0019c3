//! Durable submissions per second, from one run:
//!
//! 1. raw: the storage path alone (same SQLite settings, same group-commit writer),
//!    64 concurrent writers, no HTTP;
//! 2. http: the real `jasmine-server` binary on loopback, 64 concurrent clients each
//!    posting 4 KiB-bucket age ciphertexts (checked like any report) over keep-alive;
//! 3. for reference, one commit per row (what group commit avoids).
//!
//! Prints rows/s, p50/p99 latency and the http/raw ratio. `make bench` runs it.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use jasmine_client::bundle::{
    sign_bundle, verify_bundle, KeyBundle, ModeratorSecrets, ServerLimits,
};
use jasmine_client::keys::PublicKey;
use jasmine_client::report::Report;
use jasmine_client::{envelope, Day};
use jasmine_server::storage::{Storage, StorageConfig, WriteOp};

const CLIENTS: usize = 64;
const WARMUP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(6);

struct Figures {
    rows: usize,
    seconds: f64,
    latencies: Vec<Duration>,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.rows as f64 / self.seconds
    }
    fn percentile(&self, p: f64) -> Duration {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or_default()
    }
    fn line(&self, name: &str) -> String {
        format!(
            "{name:<44} {:>9.0} rows/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} rows in {:.1} s)",
            self.rate(),
            self.percentile(0.5).as_secs_f64() * 1000.0,
            self.percentile(0.99).as_secs_f64() * 1000.0,
            self.rows,
            self.seconds
        )
    }
}

/// Runs `CLIENTS` loops of `one` for WARMUP + MEASURE, counting what finished in MEASURE.
async fn drive<F, Fut>(one: F) -> Figures
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let one = Arc::new(one);
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let end = measure_from + MEASURE;
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let one = one.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = 0;
                loop {
                    let began = Instant::now();
                    if began >= end {
                        break;
                    }
                    one(client * 1_000_000 + i).await;
                    let done = Instant::now();
                    if began >= measure_from && done <= end {
                        latencies.push(done - began);
                    }
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.expect("client task"));
    }
    Figures {
        rows: latencies.len(),
        seconds: MEASURE.as_secs_f64(),
        latencies,
    }
}

fn storage_config(dir: &Path) -> StorageConfig {
    let defaults = jasmine_server::Config::default();
    StorageConfig {
        path: dir.join(jasmine_server::DATABASE_FILE),
        queue_capacity: defaults.write_queue,
        max_stored_bytes: u64::MAX,
        budgets: unlimited_budgets(),
        readers: defaults.readers,
    }
}

/// This bench measures the storage path, not admission control: no budget it could
/// reach (the `attack` bench measures the budgets and the puzzle).
fn unlimited_budgets() -> jasmine_server::config::BudgetConfig {
    jasmine_server::config::BudgetConfig {
        reports_bytes: u64::MAX / 4,
        reports_bytes_per_day: u64::MAX / 4,
        reserve_bytes_per_day: 0,
        messages_bytes: u64::MAX / 4,
    }
}

/// The same for the server binary: no puzzle, budgets out of reach.
const UNLIMITED_CONFIG: &str = "max_stored_bytes = 1099511627776
[budgets]
reports_bytes = 1099511627776
reports_bytes_per_day = 1099511627776
reserve_bytes_per_day = 0
[admission]
puzzle = false
";

fn per_row_commits(dir: &Path, ciphertext: &[u8]) -> Figures {
    let conn = rusqlite::Connection::open(dir.join("per-row.sqlite3")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;
         CREATE TABLE reports (id TEXT PRIMARY KEY, received_on TEXT NOT NULL, bundle_version INTEGER NOT NULL, ciphertext BLOB NOT NULL) WITHOUT ROWID;",
    )
    .unwrap();
    let start = Instant::now();
    let mut latencies = Vec::new();
    let mut i = 0u64;
    while start.elapsed() < Duration::from_secs(3) {
        let began = Instant::now();
        conn.execute(
            "INSERT INTO reports VALUES (?1, '2026-11-28', 1, ?2)",
            rusqlite::params![format!("{i:032x}"), ciphertext],
        )
        .unwrap();
        latencies.push(began.elapsed());
        i += 1;
    }
    Figures {
        rows: latencies.len(),
        seconds: start.elapsed().as_secs_f64(),
        latencies,
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let today = Day::today_utc();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let moderators: Vec<_> = (0..3)
        .map(|i| ModeratorSecrets::generate(&format!("m{i}"), &mut rand::rngs::OsRng))
        .collect();
    let bundle = KeyBundle {
        organisation: "Bench".into(),
        version: 1,
        issued: today,
        expires: today.add_days(30),
        onion: String::new(),
        check_key: None,
        moderators: moderators.iter().map(|m| m.public_entry(m.id())).collect(),
        former: Vec::new(),
        limits: ServerLimits::default(),
    };
    let signed = sign_bundle(&bundle, &root).unwrap();
    let verified = verify_bundle(&signed, &PublicKey::from(&root), today, None).unwrap();
    let mut report = Report::example(today);
    report.narrative = "x".repeat(3000);
    let ciphertext = Bytes::from(envelope::seal_report(&report, &verified).unwrap());
    println!("ciphertext: {} bytes (4 KiB bucket), {CLIENTS} concurrent clients, {} s measured after {} s warm-up", ciphertext.len(), MEASURE.as_secs(), WARMUP.as_secs());

    // 1. Raw storage path.
    let raw_dir = tmp.path().join("raw");
    std::fs::create_dir_all(&raw_dir).unwrap();
    let storage = Storage::open(&storage_config(&raw_dir)).unwrap();
    let raw = runtime.block_on({
        let storage = storage.clone();
        let ciphertext = ciphertext.clone();
        drive(move |n| {
            let storage = storage.clone();
            let ciphertext = ciphertext.to_vec();
            async move {
                storage
                    .write(WriteOp::InsertReport {
                        id: format!("{n:032x}"),
                        received_on: Day::today_utc(),
                        bundle_version: 1,
                        ciphertext,
                        attachments: None,
                        may_use_reserve: true,
                    })
                    .await
                    .expect("raw write");
            }
        })
    });
    drop(storage);

    // 2. The real server over HTTP on loopback.
    let http_dir = tmp.path().join("http");
    std::fs::write(tmp.path().join("bundle.json"), &signed).unwrap();
    std::fs::write(tmp.path().join("server.toml"), UNLIMITED_CONFIG).unwrap();
    let mut server = Command::new(env!("CARGO_BIN_EXE_jasmine-server"))
        .arg("--config")
        .arg(tmp.path().join("server.toml"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&http_dir)
        .args([
            "--root-key",
            &PublicKey::from(&root).to_base64(),
            "--bundle-file",
        ])
        .arg(tmp.path().join("bundle.json"))
        .env("JASMINE_LOG", "warn,jasmine_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jasmine-server");
    let address = {
        use std::io::BufRead;
        let stdout = server.stdout.take().unwrap();
        let mut lines = std::io::BufReader::new(stdout).lines();
        loop {
            let line = lines.next().expect("server output").unwrap();
            if let Some(i) = line.find("listening on http://") {
                break line[i + "listening on http://".len()..].trim().to_string();
            }
        }
    };
    let http_body = ciphertext.clone();
    let http = runtime.block_on(async move {
        let mut senders = Vec::new();
        for _ in 0..CLIENTS {
            let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(connection);
            senders.push(tokio::sync::Mutex::new(sender));
        }
        let senders = Arc::new(senders);
        let address = address.clone();
        let figures = drive(move |n| {
            let senders = senders.clone();
            let body = http_body.clone();
            let host = address.clone();
            async move {
                let mut sender = senders[n / 1_000_000].lock().await;
                let request = http::Request::post("/v1/reports")
                    .header(http::header::HOST, host)
                    .header(http::header::CONTENT_TYPE, "application/octet-stream")
                    .body(Full::new(body))
                    .unwrap();
                let response = sender.send_request(request).await.expect("response");
                let status = response.status();
                let _ = response.into_body().collect().await;
                assert_eq!(status, http::StatusCode::CREATED);
            }
        })
        .await;
        figures
    });
    let _ = server.kill();
    let _ = server.wait();

    // 3. Reference: one commit per row.
    let per_row = per_row_commits(tmp.path(), &ciphertext);

    println!("{}", raw.line("raw storage path (group commit, no HTTP)"));
    println!("{}", http.line("jasmine-server over HTTP on loopback"));
    println!(
        "{}",
        per_row.line("reference: one commit per row, 1 writer")
    );
    println!(
        "ratio http / raw = {:.2}   (target >= 0.80; p99 target < 50 ms)",
        http.rate() / raw.rate()
    );
}
