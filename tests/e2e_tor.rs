//! Jasmine over Tor, on a private Tor network on 127.0.0.1 (Debian `tor`): the server
//! publishes its onion service with embedded arti; `jasmine` reports and reads alerts
//! over arti; `jasmine-keys` pulls and publishes over arti; C tor with curl fetches
//! the site and the key bundle; a restarted server keeps its onion address. With
//! `[onion] proof_of_work`, the descriptor carries `pow-params` (seen by C tor once
//! decrypted) and C tor + curl and `jasmine` still reach the service.

use std::time::{Duration, Instant};

use jasmine_tests::tor_net::TorNet;
use jasmine_tests::{bundle_sign_args, ok, Org, Server};

const MARKER: &str = "OVER-TOR-MARKER-51c2";
/// What C tor (0.4.9, built with `pow: yes`) logs at `[rend]debug` before each
/// introduction when the service's decrypted descriptor holds a `pow-params` line.
const POW_PARAMS_SEEN: &str = "PoW params present in descriptor, suggested_effort=";

fn read_onion(server: &Server) -> String {
    let path = server.data_dir.join("onion-address");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .trim()
        .to_string()
}

#[test]
fn the_whole_loop_over_a_private_tor_network() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let net = TorNet::start(&tmp.path().join("tor-net"));
    let tor_config = net.arti_config.display().to_string();
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let data = tmp.path().join("data");
    let onion_args = ["--onion", "--tor-network-config", tor_config.as_str()];
    let server = Server::start_with(
        &data,
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
        &onion_args,
    );
    let onion = read_onion(&server);
    assert!(onion.ends_with(".onion") && onion.len() == 62, "{onion}");
    let onion_url = format!("http://{onion}");

    // The organisation signs the onion address into bundle 2 (uploaded on loopback).
    ok(
        "jasmine-keys",
        &org.dir,
        &bundle_sign_args(
            "2",
            &["alice.card.json"],
            "bundle-2.json",
            &["--onion", &onion],
        ),
    );
    org.upload_bundle("bundle-2.json", &server.url);

    // C tor + curl: the site and the key bundle, byte for byte (this is also the wait
    // for the network: a successful request, not a sleep).
    let keys = net.curl(&format!("{onion_url}/v1/keys"), Duration::from_secs(300));
    assert_eq!(keys, std::fs::read(org.dir.join("bundle-2.json")).unwrap());
    let index =
        String::from_utf8(net.curl(&format!("{onion_url}/fr/"), Duration::from_secs(60))).unwrap();
    assert!(index.contains("Jasmine"), "{index}");
    eprintln!(
        "onion service reachable through C tor after {:?}",
        started.elapsed()
    );
    // Proof of work is off by default: C tor found no `pow-params` in the descriptor.
    assert_eq!(
        net.client_rend_log(POW_PARAMS_SEEN),
        Vec::<String>::new(),
        "proof of work is off by default"
    );

    // A reporter over arti.
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    let report = std::fs::read_to_string(
        jasmine_tests::vectors_dir().join("../../docs/examples/report.json"),
    )
    .unwrap()
    .replace("Il a enlevé", &format!("{MARKER} Il a enlevé"));
    std::fs::write(reporter.join("report.json"), report).unwrap();
    let root = org.path("root.pub");
    let tor = ["--tor-network-config", tor_config.as_str()];
    let mut args = vec![
        "report",
        "--server",
        &onion_url,
        "--root-key-file",
        &root,
        "--file",
        "report.json",
    ];
    args.extend(tor);
    let sent = ok("jasmine", &reporter, &args);
    assert!(sent.contains("received and stored"), "{sent}");
    assert_eq!(server.stored_reports(), 1);
    eprintln!("report submitted over arti after {:?}", started.elapsed());

    // The moderator pulls over arti, reads offline, publishes over arti.
    let mut args = vec![
        "pull",
        "--server",
        &onion_url,
        "--api-key",
        "alice.api.key",
        "--inbox",
        "inbox",
    ];
    args.extend(tor);
    assert!(ok("jasmine-keys", &org.dir, &args).contains("Pulled 1 new report(s)"));
    assert_eq!(
        server.stored_reports(),
        0,
        "acknowledged over Tor, so deleted"
    );
    let listing = ok("jasmine-keys", &org.dir, &["list", "--inbox", "inbox"]);
    let id = listing.split_whitespace().next().unwrap().to_string();
    let shown = ok(
        "jasmine-keys",
        &org.dir,
        &[
            "show",
            &id,
            "--inbox",
            "inbox",
            "--key",
            "alice.offline.age",
        ],
    );
    assert!(shown.contains(MARKER), "{shown}");
    ok(
        "jasmine-keys",
        &org.dir,
        &[
            "alert",
            "draft",
            &id,
            "--inbox",
            "inbox",
            "--key",
            "alice.offline.age",
            "--out",
            "draft.json",
        ],
    );
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
    let mut args = vec![
        "publish",
        "alert.json",
        "--server",
        &onion_url,
        "--api-key",
        "alice.api.key",
    ];
    args.extend(tor);
    ok("jasmine-keys", &org.dir, &args);

    // Anyone reads and verifies the alert over arti.
    let mut args = vec!["alerts", "--server", &onion_url, "--root-key-file", &root];
    args.extend(tor);
    let alerts = ok("jasmine", &reporter, &args);
    assert!(
        alerts.contains(MARKER) && alerts.contains("signed by alice (verified)"),
        "{alerts}"
    );
    eprintln!("alert read over arti after {:?}", started.elapsed());

    // Nothing about requests reached the log: no report id, no path with an id.
    let log = server.log();
    assert!(
        !log.contains(&id) && !log.contains("/v1/mod/reports/"),
        "{log}"
    );

    // Restart: same onion address, reachable again.
    server.stop();
    let server = Server::start_with(&data, &org.path("root.pub"), None, &onion_args);
    assert_eq!(
        read_onion(&server),
        onion,
        "the onion address must survive a restart"
    );
    let keys = net.curl(&format!("{onion_url}/v1/keys"), Duration::from_secs(300));
    assert_eq!(keys, std::fs::read(org.dir.join("bundle-2.json")).unwrap());
    eprintln!(
        "reachable again after restart, {:?} in all",
        started.elapsed()
    );

    // The operator's view of it: on loopback, arti's state of the service (descriptor
    // published, introduction points up), whatever it is; through the onion, nothing of
    // it. (On this 5-relay network arti's state stays `bootstrapping` or
    // `degraded_unreachable` even while C tor reaches the service, so the state is
    // shown, and check-onion below is the end-to-end proof.)
    let status = loopback_status(&server.url);
    assert_eq!(status["onion"]["address"], onion, "{status}");
    let state = status["onion"]["state"].as_str().unwrap().to_string();
    assert!(
        [
            "bootstrapping",
            "running",
            "degraded_reachable",
            "degraded_unreachable",
            "recovering"
        ]
        .contains(&state.as_str()),
        "{status}"
    );
    eprintln!("arti's state of the onion service: {state}");
    let seen_from_tor: serde_json::Value = serde_json::from_slice(
        &net.curl(&format!("{onion_url}/v1/status"), Duration::from_secs(60)),
    )
    .unwrap();
    assert!(seen_from_tor.get("onion").is_none(), "{seen_from_tor}");
    let metrics = curl_loopback(&format!("{}/metrics", server.url));
    assert!(
        metrics.contains(&format!(
            "jasmine_onion_service_reachable{{state=\"{state}\"}}"
        )),
        "{metrics}"
    );
    // check-onion: its own Tor client fetches the address and says how long it took.
    let check = |timeout: &str| {
        jasmine_tests::run(
            "jasmine-server",
            tmp.path(),
            &[
                "check-onion",
                "--data-dir",
                data.to_str().unwrap(),
                "--tor-network-config",
                &tor_config,
                "--timeout-secs",
                timeout,
            ],
        )
    };
    let healthy = check("300");
    let said = String::from_utf8_lossy(&healthy.stdout).into_owned();
    assert!(
        healthy.status.success() && said.contains("is reachable") && said.contains(&onion),
        "{said}{}",
        String::from_utf8_lossy(&healthy.stderr)
    );
    eprintln!("check-onion, healthy: {}", said.trim());
    // Stopped: unreachable, and it says so.
    server.stop();
    let stopped = check("90");
    let said = String::from_utf8_lossy(&stopped.stderr).into_owned();
    assert!(
        !stopped.status.success() && said.contains("unreachable"),
        "{said}"
    );
    eprintln!("check-onion, stopped: {}", said.trim());
}

/// What the loopback listener answers at `url`, as text.
fn curl_loopback(url: &str) -> String {
    let out = std::process::Command::new("curl")
        .args(["-sS", url])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The loopback listener's `GET /v1/status`.
fn loopback_status(url: &str) -> serde_json::Value {
    serde_json::from_str(&curl_loopback(&format!("{url}/v1/status"))).unwrap()
}
