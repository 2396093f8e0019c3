//! A storage flood against the real `jasmine-server` on loopback, with and without
//! admission control (issue 11), side by side from one run:
//!
//! A. without admission control: `[admission] puzzle = false`, budgets as large as a
//!    64 MiB quota;
//! B. with admission control: the default `[admission]` settings (puzzle on), the same
//!    64 MiB quota with a report budget, a day budget and a reserve.
//!
//! In each, one process floods `POST /v1/reports` from `ATTACKERS` tasks as fast as its
//! threads allow, with junk that passes the server's shape check (a well-formed age
//! header with one X25519 stanza per moderator, then random bytes as long as a 64 KiB
//! bucket's payload), while `LEGIT` clients each submit one real report per second. In
//! B the attacker first floods without solving, then solves every puzzle with
//! `jasmine_client::puzzle::solve`. The attacker, the legitimate clients and the server
//! run in separate thread pools (the server in its own process), so each one's CPU time
//! is measured apart. Prints acceptance, latency, the attacker's yield per CPU-second,
//! the difficulty reached and the time the flood needs to fill the budgets.
//! `make bench` runs it.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use ed25519_dalek::SigningKey;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use jasmine_client::bundle::{
    sign_bundle, verify_bundle, KeyBundle, ModeratorSecrets, ServerLimits, VerifiedBundle,
};
use jasmine_client::client::{ClientError, JasmineClient};
use jasmine_client::keys::PublicKey;
use jasmine_client::puzzle::{self, Challenge};
use jasmine_client::report::Report;
use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
use jasmine_client::{age_shape, envelope, padding, Day};
use jasmine_server::admission::size_bits;
use jasmine_server::config::AdmissionConfig;
use rand::{RngCore, SeedableRng};

const MIB: u64 = 1024 * 1024;
/// `max_stored_bytes` of both servers.
const QUOTA: u64 = 64 * MIB;
/// B's budgets: reports 3/4 of the total and a quarter of the day budget reserved, as
/// in the defaults (1536 of 2048 MiB, 32 of 128 MiB).
const B_REPORTS: u64 = 48 * MIB;
const B_DAY: u64 = 16 * MIB;
const B_RESERVE: u64 = 4 * MIB;
const B_MESSAGES: u64 = 16 * MIB;
/// The default budgets, for the extrapolation.
const DEFAULT_TOTAL: u64 = 2048 * MIB;
const MODERATORS: usize = 3;
const ATTACKERS: usize = 16;
/// Puzzles the attacker solves at once: one per core of this machine.
const SOLVER_THREADS: usize = 2;
const LEGIT: usize = 8;
const MEASURE: Duration = Duration::from_secs(30);
const UNSOLVED: Duration = Duration::from_secs(5);
/// How long legitimate submissions begun in the window may take to finish.
const GRACE: Duration = Duration::from_secs(20);
const BASELINE_ATTEMPTS: usize = 200;
/// Idle pool threads never exit during a run, so that summing the live threads'
/// CPU time misses none.
const KEEP_ALIVE: Duration = Duration::from_secs(3600);
const LEGIT_THREADS: &str = "jasmine-legit";

/// `[admission] puzzle = false` and budgets as large as the quota.
fn config_a() -> String {
    format!(
        "max_stored_bytes = {QUOTA}
[budgets]
reports_bytes = {QUOTA}
reports_bytes_per_day = {QUOTA}
reserve_bytes_per_day = 0
messages_bytes = {QUOTA}
[admission]
puzzle = false
"
    )
}

/// The default `[admission]`, the same quota shared out by budgets.
fn config_b() -> String {
    format!(
        "max_stored_bytes = {QUOTA}
[budgets]
reports_bytes = {B_REPORTS}
reports_bytes_per_day = {B_DAY}
reserve_bytes_per_day = {B_RESERVE}
messages_bytes = {B_MESSAGES}
"
    )
}

/// The server binary, killed when dropped.
struct Server {
    child: Child,
    address: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(dir: &Path, name: &str, config: &str, root: &PublicKey) -> Server {
    let config_file = dir.join(format!("{name}.toml"));
    std::fs::write(&config_file, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_jasmine-server"))
        .arg("--config")
        .arg(&config_file)
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.join(name))
        .args(["--root-key", &root.to_base64(), "--bundle-file"])
        .arg(dir.join("bundle.json"))
        .env("JASMINE_LOG", "warn,jasmine_server=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start jasmine-server");
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next().expect("server output").unwrap();
        if let Some(i) = line.find("listening on http://") {
            break line[i + "listening on http://".len()..].trim().to_string();
        }
    };
    // Keep reading the log so that a full pipe never blocks the server.
    std::thread::spawn(move || lines.for_each(drop));
    Server { child, address }
}

/// CPU time of this process's threads whose name starts with `prefix`.
fn threads_cpu(prefix: &str) -> Duration {
    let mut total = Duration::ZERO;
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return total;
    };
    for task in tasks.flatten() {
        let path = task.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        if !comm.trim_end().starts_with(prefix) {
            continue;
        }
        total += match std::fs::read_to_string(path.join("schedstat")) {
            Ok(text) => Duration::from_nanos(
                text.split_whitespace()
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0),
            ),
            Err(_) => stat_cpu(&path.join("stat")),
        };
    }
    total
}

/// utime + stime of a `/proc/…/stat` file (in USER_HZ, 100 per second on Linux).
fn stat_cpu(path: &Path) -> Duration {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let fields: Vec<u64> = text
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .map(|f| f.parse().unwrap_or(0))
        .collect();
    let ticks = fields.get(11).copied().unwrap_or(0) + fields.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

#[derive(Clone, Copy)]
struct Cpu {
    attacker: Duration,
    legit: Duration,
    server: Duration,
}

impl Cpu {
    fn now(attacker_threads: &str, server_pid: u32) -> Cpu {
        Cpu {
            attacker: threads_cpu(attacker_threads),
            legit: threads_cpu(LEGIT_THREADS),
            server: stat_cpu(Path::new(&format!("/proc/{server_pid}/stat"))),
        }
    }
}

fn random_b64(rng: &mut impl RngCore, len: usize) -> String {
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    STANDARD_NO_PAD.encode(bytes)
}

/// Junk the shape check accepts: an age header with one X25519 stanza per moderator
/// and a MAC line, all random, then random bytes of a 64 KiB bucket's payload length.
fn junk(rng: &mut impl RngCore) -> Vec<u8> {
    let mut file = b"age-encryption.org/v1\n".to_vec();
    for _ in 0..MODERATORS {
        let share = random_b64(rng, 32);
        let body = random_b64(rng, 32);
        file.extend_from_slice(format!("-> X25519 {share}\n{body}\n").as_bytes());
    }
    let mac = random_b64(rng, 32);
    file.extend_from_slice(format!("--- {mac}\n").as_bytes());
    let mut payload = vec![0u8; padding::payload_len_for_bucket(padding::MAX_BUCKET)];
    rng.fill_bytes(&mut payload);
    file.extend_from_slice(&payload);
    file
}

/// The stable error code of a refusal, or the status.
fn error_code(status: StatusCode, body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| format!("http_{}", status.as_u16()))
}

/// One keep-alive connection, made again after an error.
struct Conn {
    address: String,
    sender: Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
}

impl Conn {
    async fn send(
        &mut self,
        method: Method,
        path: &str,
        puzzle_header: Option<&str>,
        body: Bytes,
    ) -> Option<(StatusCode, Bytes)> {
        if self.sender.is_none() {
            let stream = tokio::net::TcpStream::connect(&self.address).await.ok()?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .ok()?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        let sender = self.sender.as_mut()?;
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.address);
        if !body.is_empty() {
            request = request.header(http::header::CONTENT_TYPE, "application/octet-stream");
        }
        if let Some(value) = puzzle_header {
            request = request.header(puzzle::HEADER, value);
        }
        let request = request.body(Full::new(body)).ok()?;
        let result = async {
            sender.ready().await?;
            let response = sender.send_request(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, hyper::Error>((status, body))
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result.ok()
    }
}

/// What the attacker got in one phase.
#[derive(Default)]
struct Tally {
    sent: u64,
    accepted: u64,
    accepted_bytes: u64,
    /// When each accepted write was answered (since the start), and its size.
    accepted_log: Vec<(Duration, u64)>,
    refused: BTreeMap<String, u64>,
    /// Attempts of the puzzles solved in the window.
    attempts: u64,
    difficulty_max: u8,
    /// When a write was first refused for lack of space (`storage_full` or
    /// `budget_spent`), and the attacker's CPU time until then.
    full_at: Option<(Duration, Duration)>,
}

struct AttackPlan {
    address: String,
    solve: bool,
    start: Instant,
    end: Instant,
    threads: &'static str,
    cpu_start: Duration,
}

/// One attacker task: junk writes back to back on one connection until the end.
async fn attacker(
    plan: Arc<AttackPlan>,
    solvers: Arc<tokio::sync::Semaphore>,
    tally: Arc<Mutex<Tally>>,
) {
    let mut conn = Conn {
        address: plan.address.clone(),
        sender: None,
    };
    let mut rng = rand::rngs::StdRng::from_entropy();
    while Instant::now() < plan.end {
        let body = Bytes::from(junk(&mut rng));
        let size = body.len();
        let header = if plan.solve {
            let Ok(_permit) = solvers.acquire().await else {
                break;
            };
            let path = format!("/v1/puzzle?for=report&size={size}");
            let Some((status, answer)) = conn.send(Method::GET, &path, None, Bytes::new()).await
            else {
                continue;
            };
            let Ok(challenge) = serde_json::from_slice::<Challenge>(&answer) else {
                *tally
                    .lock()
                    .unwrap()
                    .refused
                    .entry(format!("puzzle: {}", error_code(status, &answer)))
                    .or_default() += 1;
                continue;
            };
            if Instant::now() >= plan.end {
                break;
            }
            {
                let mut t = tally.lock().unwrap();
                t.difficulty_max = t.difficulty_max.max(challenge.difficulty);
            }
            let solved = tokio::task::spawn_blocking(move || {
                puzzle::solve(&challenge, &mut rand::rngs::OsRng, |_| {})
            })
            .await;
            let Ok(Ok(solution)) = solved else {
                break;
            };
            if Instant::now() >= plan.end {
                break;
            }
            tally.lock().unwrap().attempts += solution.attempts;
            Some(solution.header_value())
        } else {
            None
        };
        let response = conn
            .send(Method::POST, "/v1/reports", header.as_deref(), body)
            .await;
        let done = Instant::now();
        if done > plan.end {
            break;
        }
        let mut t = tally.lock().unwrap();
        t.sent += 1;
        match response {
            Some((StatusCode::CREATED, _)) => {
                t.accepted += 1;
                t.accepted_bytes += size as u64;
                t.accepted_log.push((done - plan.start, size as u64));
            }
            Some((status, answer)) => {
                let code = error_code(status, &answer);
                if (code == "storage_full" || code == "budget_spent") && t.full_at.is_none() {
                    let cpu = threads_cpu(plan.threads).saturating_sub(plan.cpu_start);
                    t.full_at = Some((done - plan.start, cpu));
                }
                *t.refused.entry(code).or_default() += 1;
            }
            None => *t.refused.entry("connection_error".into()).or_default() += 1,
        }
    }
}

/// What the legitimate clients got in one phase.
#[derive(Default)]
struct LegitTally {
    attempted: u64,
    accepted: u64,
    latencies: Vec<Duration>,
    /// When each accepted one was answered.
    accepted_at: Vec<Instant>,
    refused: BTreeMap<String, u64>,
}

impl LegitTally {
    fn percentile(&self, p: f64) -> Option<Duration> {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 - 1.0) * p).round() as usize)
            .copied()
    }
}

/// One real report: sealed, then posted (B: with its puzzle, as the app does).
async fn submit_one(
    address: String,
    bundle: Arc<VerifiedBundle>,
    with_puzzle: bool,
) -> Result<(Duration, Instant), String> {
    let began = Instant::now();
    let ciphertext = envelope::seal_report(&Report::example(Day::today_utc()), &bundle)
        .map_err(|e| format!("seal: {e}"))?;
    let transport = DirectHttp::new(&format!("http://{address}")).map_err(|e| e.to_string())?;
    if with_puzzle {
        JasmineClient::new(transport)
            .submit_report(ciphertext)
            .await
            .map_err(|e| match e {
                ClientError::Refused { code, .. } => code,
                ClientError::Transport(_) => "transport_error".into(),
                ClientError::Puzzle(_) => "puzzle_unsolvable".into(),
                _ => "bad_response".into(),
            })?;
    } else {
        let request = ApiRequest::new(Method::POST, "/v1/reports")
            .with_body("application/octet-stream", ciphertext);
        let response = transport
            .send(request)
            .await
            .map_err(|_| "transport_error".to_string())?;
        if response.status != StatusCode::CREATED {
            return Err(error_code(response.status, &response.body));
        }
    }
    Ok((began.elapsed(), Instant::now()))
}

/// `LEGIT` clients, each starting one submission per second from `start` to `end`
/// (whether or not the previous one has finished), then waiting up to `GRACE` for them.
async fn legit(
    address: String,
    bundle: Arc<VerifiedBundle>,
    with_puzzle: bool,
    start: Instant,
    end: Instant,
) -> LegitTally {
    let clients: Vec<_> = (0..LEGIT as u32)
        .map(|i| {
            let address = address.clone();
            let bundle = bundle.clone();
            tokio::spawn(async move {
                let mut submissions = Vec::new();
                let mut next = start + Duration::from_secs(1) * i / LEGIT as u32;
                while next < end {
                    tokio::time::sleep_until(next.into()).await;
                    submissions.push(tokio::spawn(submit_one(
                        address.clone(),
                        bundle.clone(),
                        with_puzzle,
                    )));
                    next += Duration::from_secs(1);
                }
                submissions
            })
        })
        .collect();
    let deadline = end + GRACE;
    let mut tally = LegitTally::default();
    for client in clients {
        for mut submission in client.await.expect("legitimate client") {
            tally.attempted += 1;
            let outcome = match tokio::time::timeout_at(deadline.into(), &mut submission).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(_)) => Err("panicked".into()),
                Err(_) => {
                    submission.abort();
                    Err(format!("unfinished {} s after the window", GRACE.as_secs()))
                }
            };
            match outcome {
                Ok((latency, at)) => {
                    tally.accepted += 1;
                    tally.latencies.push(latency);
                    tally.accepted_at.push(at);
                }
                Err(code) => *tally.refused.entry(code).or_default() += 1,
            }
        }
    }
    tally
}

/// The difficulty the server asks now for a report of `size` bytes.
async fn difficulty(address: &str, size: usize) -> Option<u8> {
    let transport = DirectHttp::new(&format!("http://{address}")).ok()?;
    let path = format!("/v1/puzzle?for=report&size={size}");
    let response = transport
        .send(ApiRequest::new(Method::GET, path))
        .await
        .ok()?;
    serde_json::from_slice::<Challenge>(&response.body)
        .ok()
        .map(|c| c.difficulty)
}

struct Setup {
    address: String,
    server_pid: u32,
    bundle: Arc<VerifiedBundle>,
    junk_size: usize,
    legit_size: usize,
}

struct PhaseSpec {
    /// Name of the attacker's threads (one pool per phase).
    threads: &'static str,
    solve: bool,
    duration: Duration,
    /// Legitimate clients, with or without the puzzle.
    legit: Option<bool>,
}

struct Phase {
    start: Instant,
    duration: Duration,
    tally: Tally,
    legit: LegitTally,
    /// CPU time spent in the window.
    cpu: Cpu,
    /// The difficulty asked at the end of the window for the junk and for a report.
    probe: (Option<u8>, Option<u8>),
}

fn run_phase(main: &tokio::runtime::Runtime, setup: &Setup, spec: PhaseSpec) -> Phase {
    let attack_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(SOLVER_THREADS)
        .thread_name(spec.threads)
        .thread_keep_alive(KEEP_ALIVE)
        .enable_all()
        .build()
        .expect("attacker runtime");
    let tally = Arc::new(Mutex::new(Tally::default()));
    let solvers = Arc::new(tokio::sync::Semaphore::new(SOLVER_THREADS));
    let before = Cpu::now(spec.threads, setup.server_pid);
    let start = Instant::now();
    let end = start + spec.duration;
    let plan = Arc::new(AttackPlan {
        address: setup.address.clone(),
        solve: spec.solve,
        start,
        end,
        threads: spec.threads,
        cpu_start: before.attacker,
    });
    for _ in 0..ATTACKERS {
        attack_runtime.spawn(attacker(plan.clone(), solvers.clone(), tally.clone()));
    }
    let (legit, after, probe) = main.block_on(async {
        let legit = spec.legit.map(|with_puzzle| {
            tokio::spawn(legit(
                setup.address.clone(),
                setup.bundle.clone(),
                with_puzzle,
                start,
                end,
            ))
        });
        tokio::time::sleep_until(end.into()).await;
        let after = Cpu::now(spec.threads, setup.server_pid);
        let probe = if spec.solve {
            (
                difficulty(&setup.address, setup.junk_size).await,
                difficulty(&setup.address, setup.legit_size).await,
            )
        } else {
            (None, None)
        };
        let legit = match legit {
            Some(task) => task.await.expect("legitimate clients"),
            None => LegitTally::default(),
        };
        (legit, after, probe)
    });
    // A puzzle being solved when the window closed is left to finish on its own.
    attack_runtime.shutdown_background();
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    Phase {
        start,
        duration: spec.duration,
        tally,
        legit,
        cpu: Cpu {
            attacker: after.attacker.saturating_sub(before.attacker),
            legit: after.legit.saturating_sub(before.legit),
            server: after.server.saturating_sub(before.server),
        },
        probe,
    }
}

/// Median cost of one puzzle attempt, on a quiet machine.
fn attempt_baseline() -> Duration {
    let mut challenge = [0u8; 47];
    rand::rngs::OsRng.fill_bytes(&mut challenge);
    for n in 0..10u64 {
        std::hint::black_box(puzzle::attempt_hash(&challenge, &n.to_le_bytes()));
    }
    let mut times: Vec<Duration> = (0..BASELINE_ATTEMPTS as u64)
        .map(|n| {
            let began = Instant::now();
            std::hint::black_box(puzzle::attempt_hash(&challenge, &(n + 10).to_le_bytes()));
            began.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn mib(bytes: f64) -> f64 {
    bytes / MIB as f64
}

fn duration_text(seconds: f64) -> String {
    if !seconds.is_finite() {
        "never".into()
    } else if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1e3)
    } else if seconds < 120.0 {
        format!("{seconds:.1} s")
    } else if seconds < 2.0 * 3600.0 {
        format!("{:.1} min", seconds / 60.0)
    } else if seconds < 48.0 * 3600.0 {
        format!("{:.1} h", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86400.0)
    }
}

fn ms(d: Option<Duration>) -> String {
    match d {
        Some(d) if d < Duration::from_millis(100) => format!("{:.1}", d.as_secs_f64() * 1e3),
        Some(d) => format!("{:.0}", d.as_secs_f64() * 1e3),
        None => "-".into(),
    }
}

fn codes(map: &BTreeMap<String, u64>) -> String {
    if map.is_empty() {
        return "none".into();
    }
    map.iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Time to fill `total` bytes at `rate` bytes/s when at most `per_day` bytes are
/// accepted per UTC day (the flood starting at midnight).
fn fill_time(rate: f64, per_day: u64, total: u64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    if rate * 86400.0 <= per_day as f64 {
        return total as f64 / rate;
    }
    let whole_days = ((total as f64 / per_day as f64).ceil() - 1.0).max(0.0);
    whole_days * 86400.0 + (total as f64 - whole_days * per_day as f64) / rate
}

fn row(label: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) {
    println!("{label:<42} {a:<40} {b}");
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let admission = AdmissionConfig::default();
    let defaults = jasmine_server::config::BudgetConfig::default();
    let main_runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name(LEGIT_THREADS)
        .thread_keep_alive(KEEP_ALIVE)
        .enable_all()
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let today = Day::today_utc();
    let root = SigningKey::generate(&mut rand::rngs::OsRng);
    let moderators: Vec<_> = (0..MODERATORS)
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
    let root_public = PublicKey::from(&root);
    let verified = Arc::new(verify_bundle(&signed, &root_public, today, None).unwrap());
    std::fs::write(tmp.path().join("bundle.json"), &signed).unwrap();

    let sample = junk(&mut rand::rngs::OsRng);
    age_shape::check_report_envelope(&sample, MODERATORS).expect("the junk passes the shape check");
    let junk_size = sample.len();
    let legit_size = envelope::seal_report(&Report::example(today), &verified)
        .unwrap()
        .len();

    let attempt = attempt_baseline();

    // A. Without admission control.
    let server_a = start_server(tmp.path(), "a", &config_a(), &root_public);
    let setup_a = Setup {
        address: server_a.address.clone(),
        server_pid: server_a.child.id(),
        bundle: verified.clone(),
        junk_size,
        legit_size,
    };
    let a = run_phase(
        &main_runtime,
        &setup_a,
        PhaseSpec {
            threads: "atk-a",
            solve: false,
            duration: MEASURE,
            legit: Some(false),
        },
    );
    drop(server_a);

    // B. With admission control: first without solving, then solving every puzzle.
    let server_b = start_server(tmp.path(), "b", &config_b(), &root_public);
    let setup_b = Setup {
        address: server_b.address.clone(),
        server_pid: server_b.child.id(),
        ..setup_a
    };
    let unsolved = run_phase(
        &main_runtime,
        &setup_b,
        PhaseSpec {
            threads: "atk-b-nosolve",
            solve: false,
            duration: UNSOLVED,
            legit: None,
        },
    );
    let b = run_phase(
        &main_runtime,
        &setup_b,
        PhaseSpec {
            threads: "atk-b-solve",
            solve: true,
            duration: MEASURE,
            legit: Some(true),
        },
    );
    drop(server_b);

    // Figures.
    let window = MEASURE.as_secs_f64();
    let attempt_ms = attempt.as_secs_f64() * 1e3;
    println!(
        "Storage flood against jasmine-server on loopback: {cores} cores shared by the server, the attacker and the legitimate clients (CPU figures are core-seconds, out of {cores} x the window)"
    );
    println!(
        "baseline: one puzzle attempt (jasmine_client::puzzle::attempt_hash, Argon2id 1 MiB, 1 pass) = {attempt_ms:.2} ms, median of {BASELINE_ATTEMPTS} on the idle machine; difficulty d = 2^d attempts on average"
    );
    println!(
        "attacker: one process, {ATTACKERS} tasks on keep-alive connections, junk = {junk_size} bytes (well-formed age header, {MODERATORS} X25519 stanzas, random 64 KiB-bucket payload); in B puzzles solved with jasmine_client::puzzle::solve in spawn_blocking, at most {SOLVER_THREADS} at once (one per core)"
    );
    println!(
        "legitimate: {LEGIT} clients x 1 report/s, {legit_size}-byte envelope::seal_report(Report::example), a new connection each; latency = sealing + puzzle + POST, of the accepted ones; A posts without a puzzle (none is asked), B uses JasmineClient::submit_report"
    );
    println!(
        "CPU: attacker and legitimate threads (separate pools) summed from /proc/self/task/*/schedstat; server from /proc/<pid>/stat"
    );
    println!(
        "A: max_stored_bytes {} MiB; [budgets] reports {} MiB, per day {} MiB, reserve 0; [admission] puzzle = false",
        QUOTA / MIB,
        QUOTA / MIB,
        QUOTA / MIB
    );
    println!(
        "B: max_stored_bytes {} MiB; [budgets] reports {} MiB, per day {} MiB, reserve {} MiB, messages {} MiB; [admission] defaults: min difficulty {}, max {}, +2 bits per doubling of the accepted rate above {} MiB/h (half-life {} s), +1 bit per doubling of the body above 4 KiB",
        QUOTA / MIB,
        B_REPORTS / MIB,
        B_DAY / MIB,
        B_RESERVE / MIB,
        B_MESSAGES / MIB,
        admission.min_difficulty,
        admission.max_difficulty,
        mib(admission.quiet_bytes_per_hour as f64),
        admission.rate_half_life_secs
    );
    println!(
        "B, first {:.0} s, flood without solving: {} junk writes sent, {} accepted ({}); attacker CPU {:.1} s, server CPU {:.1} s",
        UNSOLVED.as_secs_f64(),
        unsolved.tally.sent,
        unsolved.tally.accepted,
        codes(&unsolved.tally.refused),
        unsolved.cpu.attacker.as_secs_f64(),
        unsolved.cpu.server.as_secs_f64()
    );
    println!();
    row(
        "",
        "A. without admission control",
        "B. with admission control",
    );
    row(
        "measured window",
        format!("{window:.0} s"),
        format!("{window:.0} s, right after the unsolved flood"),
    );
    let accepted = |l: &LegitTally| {
        format!(
            "{} / {} ({:.1} %)",
            l.accepted,
            l.attempted,
            100.0 * l.accepted as f64 / l.attempted.max(1) as f64
        )
    };
    row(
        "legitimate reports accepted / attempted",
        accepted(&a.legit),
        accepted(&b.legit),
    );
    let latency =
        |l: &LegitTally| format!("{} / {} ms", ms(l.percentile(0.5)), ms(l.percentile(0.99)));
    row(
        "legitimate latency p50 / p99",
        latency(&a.legit),
        latency(&b.legit),
    );
    row(
        "legitimate refusals",
        codes(&a.legit.refused),
        codes(&b.legit.refused),
    );
    row(
        "attacker writes sent / accepted",
        format!("{} / {}", a.tally.sent, a.tally.accepted),
        format!("{} / {}", b.tally.sent, b.tally.accepted),
    );
    row(
        "attacker accepted bytes",
        format!("{:.1} MiB", mib(a.tally.accepted_bytes as f64)),
        format!("{:.2} MiB", mib(b.tally.accepted_bytes as f64)),
    );
    // A: the yield until the quota was full (afterwards nothing is accepted).
    let a_cpu_yield = a.tally.full_at.map_or(a.cpu.attacker, |(_, cpu)| cpu);
    let b_cpu = b.cpu.attacker;
    row(
        "attacker CPU-seconds",
        format!(
            "{:.1} ({:.2} until the quota was full)",
            a.cpu.attacker.as_secs_f64(),
            a_cpu_yield.as_secs_f64()
        ),
        format!("{:.1}", b_cpu.as_secs_f64()),
    );
    let per_cpu = |n: f64, cpu: Duration| n / cpu.as_secs_f64().max(1e-9);
    row(
        "attacker accepted writes per CPU-second",
        format!("{:.0}", per_cpu(a.tally.accepted as f64, a_cpu_yield)),
        format!("{:.2}", per_cpu(b.tally.accepted as f64, b_cpu)),
    );
    row(
        "attacker accepted bytes per CPU-second",
        format!(
            "{:.1} MiB",
            mib(per_cpu(a.tally.accepted_bytes as f64, a_cpu_yield))
        ),
        format!(
            "{:.1} KiB",
            per_cpu(b.tally.accepted_bytes as f64, b_cpu) / 1024.0
        ),
    );
    row(
        "attacker puzzle attempts (per CPU-second)",
        "- (no puzzle)",
        format!(
            "{} ({:.0}; idle machine: {:.0})",
            b.tally.attempts,
            per_cpu(b.tally.attempts as f64, b_cpu),
            1e3 / attempt_ms
        ),
    );
    let probe = |d: Option<u8>| d.map_or("?".into(), |d| d.to_string());
    row(
        "difficulty reached (bits)",
        "- (no puzzle)",
        format!(
            "max seen {}; at the end {} for the junk, {} for a report",
            b.tally.difficulty_max,
            probe(b.probe.0),
            probe(b.probe.1)
        ),
    );
    row(
        "attacker refusals",
        codes(&a.tally.refused),
        codes(&b.tally.refused),
    );
    let share = |p: &Phase| {
        format!(
            "{:.1} / {:.1} / {:.1} of {}",
            p.cpu.attacker.as_secs_f64(),
            p.cpu.legit.as_secs_f64(),
            p.cpu.server.as_secs_f64(),
            cores as f64 * p.duration.as_secs_f64()
        )
    };
    row("CPU-s attacker / legitimate / server", share(&a), share(&b));
    println!();

    match a.tally.full_at {
        Some((at, _)) => {
            let at = at.as_secs_f64();
            let two_gib = at * DEFAULT_TOTAL as f64 / QUOTA as f64;
            println!(
                "A, measured: the {} MiB quota was full {at:.2} s after the flood began ({:.1} MiB/s); 2 GiB at that rate: {} (issue 11's baseline without admission: about 45 s for 2 GiB with 16 connections)",
                QUOTA / MIB,
                mib(QUOTA as f64) / at,
                duration_text(two_gib)
            );
            let gap = QUOTA.saturating_sub(a.tally.accepted_bytes);
            let full = a.start + Duration::from_secs_f64(at);
            println!(
                "A: the junk left {:.1} KiB of the quota unused, room for {} small reports: {} of the {} legitimate reports A accepted were accepted after the first storage_full (a flooder switching to small junk would close the gap)",
                gap as f64 / 1024.0,
                gap / legit_size as u64,
                a.legit.accepted_at.iter().filter(|t| **t > full).count(),
                a.legit.accepted
            );
        }
        None => println!(
            "A: the quota was not full within the window ({:.1} MiB accepted)",
            mib(a.tally.accepted_bytes as f64)
        ),
    }
    let rate = b.tally.accepted_bytes as f64 / window;
    let tail = Duration::from_secs(10);
    let tail_bytes: u64 = b
        .tally
        .accepted_log
        .iter()
        .filter(|(at, _)| *at >= MEASURE - tail)
        .map(|(_, size)| size)
        .sum();
    let tail_rate = tail_bytes as f64 / tail.as_secs_f64();
    if let Some((at, _)) = b.tally.full_at {
        println!(
            "B, measured: a write was first refused for lack of budget {:.1} s into the window",
            at.as_secs_f64()
        );
    }
    println!(
        "B, extrapolated at the observed rate, {:.1} KiB/s = {:.1} MiB/h over the window ({:.1} KiB/s over its last {} s); the difficulty keeps rising, so a longer flood gets less:",
        rate / 1024.0,
        mib(rate * 3600.0),
        tail_rate / 1024.0,
        tail.as_secs()
    );
    println!(
        "  this bench's budgets: the day's report budget ({} MiB) in {}, the whole report budget ({} MiB) in {}",
        B_DAY / MIB,
        duration_text(B_DAY as f64 / rate),
        B_REPORTS / MIB,
        duration_text(fill_time(rate, B_DAY, B_REPORTS))
    );
    println!(
        "  the default budgets:   the day's report budget ({} MiB) in {}, the whole report budget ({} MiB) in {} (at most the day budget per UTC day)",
        defaults.reports_bytes_per_day / MIB,
        duration_text(defaults.reports_bytes_per_day as f64 / rate),
        defaults.reports_bytes / MIB,
        duration_text(fill_time(
            rate,
            defaults.reports_bytes_per_day,
            defaults.reports_bytes
        ))
    );
    // Once the decaying rate has caught up with a flood of r bytes/s, a write of S
    // bytes costs 2^(min + size bits) x (r / quiet)^2 attempts; an attacker making A
    // attempts per second then settles where r^3 = S x A x quiet^2 / 2^(min + size bits).
    let attempts_per_second = b.tally.attempts as f64 / window;
    let quiet = admission.quiet_bytes_per_hour as f64 / 3600.0;
    let base = f64::from(admission.min_difficulty) + f64::from(size_bits(junk_size as u64));
    let mut steady = (junk_size as f64 * attempts_per_second * quiet * quiet / base.exp2()).cbrt();
    let mut steady_bits = (2.0 * (steady / quiet).log2()).max(0.0);
    let max = f64::from(admission.max_difficulty);
    if base + steady_bits > max {
        steady_bits = max - base;
        steady = junk_size as f64 * attempts_per_second / max.exp2();
    }
    let legit_bits = (f64::from(admission.min_difficulty) + steady_bits.ceil()).min(max);
    println!(
        "  steady state of the difficulty law for this attacker alone ({attempts_per_second:.0} attempts/s, bits not rounded up, in its favour): {:.1} KiB/s = {:.1} MiB/h at {:.1} + {:.1} bits; the default day budget in {}, the default report budget in {}; a legitimate report then needs {:.0} bits = {} of one core on the idle machine",
        steady / 1024.0,
        mib(steady * 3600.0),
        base,
        steady_bits,
        duration_text(defaults.reports_bytes_per_day as f64 / steady),
        duration_text(fill_time(
            steady,
            defaults.reports_bytes_per_day,
            defaults.reports_bytes
        )),
        legit_bits,
        duration_text(legit_bits.exp2() * attempt.as_secs_f64())
    );
}
