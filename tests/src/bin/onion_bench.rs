//! `make bench-onion`: the same page served by Jasmine's arti onion service and by a C
//! tor onion service (Debian `tor`, `HiddenServicePort 80` to the same loopback
//! listener), side by side on the tests' private Tor network, fetched through one C tor
//! client with curl. For each: the time from the service's start to the first
//! successful fetch, then 50 fetches on the client's established circuit and 50 each on
//! a new circuit (a new rendezvous: SOCKS isolation by user name), p50 and p99 from
//! curl's own `time_total`; and, from the C tor client's millisecond log, the service's
//! share of each new circuit (from the introduction point's INTRODUCE_ACK to the
//! service's RENDEZVOUS2: where an onion service implementation can be slower). The C
//! tor service is measured first, then arti; a second round (`--rounds 2`) measures
//! them again in the other order. `ONION_BENCH_KEEP=1` keeps every node's logs.
//!
//! `cargo run -p jasmine-tests --bin onion-bench -- [--server-bin PATH] [--fetches N] [--rounds R]`
//! (PATH: a release `jasmine-server`; `make bench-onion` builds one).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use jasmine_tests::tor_net::TorNet;

/// How often a service that is not reachable yet is asked again, and NEWNYM sent (C tor
/// remembers a failed descriptor fetch; it carries out NEWNYM at most every 10 s).
const RETRY: Duration = Duration::from_millis(1000);
/// The page both services serve.
const PAGE: &str = "/fr/r";

struct Options {
    server_bin: PathBuf,
    fetches: usize,
    rounds: usize,
}

fn options() -> Options {
    let mut options = Options {
        server_bin: Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/jasmine-server"),
        fetches: 50,
        rounds: 1,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--server-bin" => options.server_bin = PathBuf::from(value),
            "--fetches" => options.fetches = value.parse().expect("--fetches N"),
            "--rounds" => options.rounds = value.parse().expect("--rounds R"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(
        options.server_bin.exists(),
        "{} is missing: cargo build --release -p jasmine-server (make bench-onion does it)",
        options.server_bin.display()
    );
    options
}

/// One curl fetch of `url` through the C tor client; its `time_total` in seconds, or
/// None if it failed. `isolation` names a SOCKS user: a new circuit for a new name.
fn fetch(net: &TorNet, url: &str, isolation: Option<&str>) -> Option<f64> {
    let mut curl = Command::new("curl");
    curl.args([
        "--silent",
        "--fail",
        "--output",
        "/dev/null",
        "--max-time",
        "30",
    ])
    .args(["--write-out", "%{time_total}", "--socks5-hostname"])
    .arg(format!("127.0.0.1:{}", net.socks_port));
    if let Some(user) = isolation {
        curl.args(["--proxy-user", &format!("{user}:x")]);
    }
    let out = curl.arg(url).output().expect("curl");
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// Seconds from `started` to the first successful fetch of `url`.
fn first_fetch(net: &TorNet, url: &str, started: Instant) -> f64 {
    let patience = Duration::from_secs(600);
    while started.elapsed() < patience {
        if fetch(net, url, None).is_some() {
            return started.elapsed().as_secs_f64();
        }
        net.new_identity();
        std::thread::sleep(RETRY);
    }
    panic!(
        "{url} unreachable after {patience:?}:\n{}",
        net.client_story()
    );
}

struct Timings {
    first: f64,
    same_circuit: Vec<f64>,
    new_circuit: Vec<f64>,
    /// For each new circuit, from the C tor client's log: from the introduction point's
    /// INTRODUCE_ACK to the service's RENDEZVOUS2 (the service gets the introduction,
    /// opens a circuit to the rendezvous point and answers: the service's share).
    service_share: Vec<f64>,
    /// Fetches that failed (curl's 30 s limit, a circuit that broke): left out above.
    failed: usize,
}

/// The C tor client's onion-service debug log (millisecond timestamps).
fn rend_log(net: &TorNet) -> PathBuf {
    net.dir.join("client/rend-debug.log")
}

/// Seconds since midnight of a tor log line ("Dec 03 02:40:57.123 [info] …").
fn log_time(line: &str) -> Option<f64> {
    let clock = line.split_whitespace().nth(2)?;
    let mut parts = clock.split(':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some(hours * 3600.0 + minutes * 60.0 + seconds)
}

/// Each INTRODUCE_ACK paired with the next RENDEZVOUS2 in `log` (fetches run one at a
/// time): their intervals in seconds.
fn service_shares(log: &str) -> Vec<f64> {
    let mut shares = Vec::new();
    let mut acked = None;
    for line in log.lines() {
        if line.contains("Received INTRODUCE_ACK") {
            acked = log_time(line);
        } else if line.contains("Got RENDEZVOUS2 cell") {
            if let (Some(from), Some(to)) = (acked.take(), log_time(line)) {
                shares.push(to - from);
            }
        }
    }
    shares
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at]
}

fn summary(values: &[f64]) -> (f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    (percentile(&sorted, 0.5), percentile(&sorted, 0.99))
}

fn measure(net: &TorNet, url: &str, started: Instant, fetches: usize, tag: &str) -> Timings {
    let first = first_fetch(net, url, started);
    let log_before = std::fs::metadata(rend_log(net)).map_or(0, |m| m.len()) as usize;
    let mut same_circuit = Vec::new();
    let mut new_circuit = Vec::new();
    let mut failed = 0;
    for i in 0..fetches {
        match fetch(net, url, None) {
            Some(seconds) => same_circuit.push(seconds),
            None => failed += 1,
        }
        match fetch(net, url, Some(&format!("{tag}-{i}"))) {
            Some(seconds) => new_circuit.push(seconds),
            None => failed += 1,
        }
    }
    let log = std::fs::read(rend_log(net)).unwrap_or_default();
    let service_share = service_shares(&String::from_utf8_lossy(&log[log_before.min(log.len())..]));
    Timings {
        first,
        same_circuit,
        new_circuit,
        service_share,
        failed,
    }
}

/// The release server on a loopback listener, with arti's onion service on `net` when
/// `onion`; its process, loopback port and onion address.
fn start_jasmine(
    server_bin: &Path,
    net: &TorNet,
    data: &Path,
    onion: bool,
) -> (Child, u16, Option<String>) {
    let root = jasmine_tests::vectors::root_key().verifying_key();
    let root = base64::engine::general_purpose::STANDARD.encode(root.to_bytes());
    let mut command = Command::new(server_bin);
    command
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(["--root-key", &root]);
    if onion {
        command
            .args(["--onion", "--tor-network-config"])
            .arg(&net.arti_config);
    }
    let mut child = command
        .env("JASMINE_LOG", "warn,jasmine_server=info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(data.with_extension("log")).expect("server log"))
        .spawn()
        .expect("jasmine-server");
    let url = jasmine_tests::announced_url(&mut child, None)
        .recv_timeout(Duration::from_secs(60))
        .expect("listening");
    let port: u16 = url
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("a loopback port");
    let address = onion.then(|| {
        std::fs::read_to_string(data.join("onion-address"))
            .expect("onion-address")
            .trim()
            .to_string()
    });
    (child, port, address)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn print_row(what: &str, t: &Timings) {
    let (same50, same99) = summary(&t.same_circuit);
    let (new50, new99) = summary(&t.new_circuit);
    let share = if t.service_share.is_empty() {
        "-".to_string()
    } else {
        let (p50, p99) = summary(&t.service_share);
        format!(
            "{:.0} ms {:.0} ms ({})",
            p50 * 1e3,
            p99 * 1e3,
            t.service_share.len()
        )
    };
    let share = if t.failed > 0 {
        format!("{share}   {} fetch(es) failed", t.failed)
    } else {
        share
    };
    println!(
        "{what:<28} {:>9.1} s   {:>7.0} ms {:>7.0} ms   {:>7.0} ms {:>7.0} ms   {share}",
        t.first,
        same50 * 1e3,
        same99 * 1e3,
        new50 * 1e3,
        new99 * 1e3
    );
}

fn main() {
    let options = options();
    // ONION_BENCH_KEEP=1 keeps every node's logs (printed: where).
    let mut tmp = tempfile::Builder::new()
        .prefix("onion-bench")
        .tempdir()
        .unwrap();
    if std::env::var_os("ONION_BENCH_KEEP").is_some() {
        tmp.disable_cleanup(true);
        println!("kept in {}", tmp.path().display());
    }
    let mut net = TorNet::start(&tmp.path().join("tor-net"));
    let network_started = Instant::now();
    net.wait_bootstrapped(Duration::from_secs(300));
    println!(
        "private Tor network (3 authorities, 5 relays, 1 C tor client) bootstrapped in {:.1} s; page {PAGE}, {} fetches each, curl time_total",
        network_started.elapsed().as_secs_f64(),
        options.fetches
    );
    let tor_version = Command::new("tor").arg("--version").output().unwrap();
    println!(
        "C tor: {}",
        String::from_utf8_lossy(&tor_version.stdout)
            .lines()
            .next()
            .unwrap_or("")
    );
    println!(
        "{:<28} {:>11}   {:>21}   {:>21}   service's share of a new circuit p50/p99 (n)",
        "", "start→first", "same circuit p50/p99", "new circuit p50/p99"
    );
    let mut ratios = Vec::new();
    for round in 0..options.rounds {
        // The C tor service forwards to a loopback-only Jasmine server; arti's service is
        // another Jasmine server's own. The same binary serves the same page to both.
        let (plain, plain_port, _) = start_jasmine(
            &options.server_bin,
            &net,
            &tmp.path().join(format!("plain-{round}")),
            false,
        );
        let mut measured: Vec<(&str, Timings)> = Vec::new();
        let mut with_onion = None;
        for turn in 0..2 {
            if (turn == 0) == (round % 2 == 0) {
                let started = Instant::now();
                let address = net.start_c_onion_service(&format!("service{round}"), plain_port);
                let url = format!("http://{address}{PAGE}");
                let timings = measure(&net, &url, started, options.fetches, &format!("c{round}"));
                measured.push(("C tor onion service", timings));
            } else {
                let started = Instant::now();
                let data = tmp.path().join(format!("data-{round}"));
                let (child, _, onion) = start_jasmine(&options.server_bin, &net, &data, true);
                let url = format!("http://{}{PAGE}", onion.unwrap());
                let timings = measure(&net, &url, started, options.fetches, &format!("a{round}"));
                measured.push(("arti onion service (Jasmine)", timings));
                with_onion = Some(child);
            }
        }
        println!("round {} ({} first)", round + 1, measured[0].0);
        for (what, timings) in &measured {
            print_row(what, timings);
        }
        let arti = &measured
            .iter()
            .find(|(w, _)| w.starts_with("arti"))
            .unwrap()
            .1;
        let c = &measured
            .iter()
            .find(|(w, _)| w.starts_with("C tor"))
            .unwrap()
            .1;
        ratios.push((
            arti.first / c.first,
            summary(&arti.same_circuit).0 / summary(&c.same_circuit).0,
            summary(&arti.same_circuit).1 / summary(&c.same_circuit).1,
            summary(&arti.new_circuit).0 / summary(&c.new_circuit).0,
            summary(&arti.new_circuit).1 / summary(&c.new_circuit).1,
        ));
        if !arti.service_share.is_empty() && !c.service_share.is_empty() {
            let (arti_share, c_share) =
                (summary(&arti.service_share).0, summary(&c.service_share).0);
            let (arti_new, c_new) = (summary(&arti.new_circuit).0, summary(&c.new_circuit).0);
            println!(
                "  new circuit p50: arti {:+.0} ms against C tor, of which the service's share {:+.0} ms and the rest (the client's circuits, the same client) {:+.0} ms",
                (arti_new - c_new) * 1e3,
                (arti_share - c_share) * 1e3,
                ((arti_new - arti_share) - (c_new - c_share)) * 1e3
            );
        }
        stop(plain);
        stop(with_onion.unwrap());
    }
    for (round, r) in ratios.iter().enumerate() {
        println!(
            "round {}: arti / C tor = {:.2} start→first, {:.2} / {:.2} same circuit p50/p99, {:.2} / {:.2} new circuit p50/p99 (target <= 1.2)",
            round + 1,
            r.0,
            r.1,
            r.2,
            r.3,
            r.4
        );
    }
    drop(net);
}
