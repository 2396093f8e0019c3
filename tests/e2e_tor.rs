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
}

#[test]
fn without_a_tor_network_the_server_keeps_serving_loopback_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    // A network whose authorities and caches are nowhere: Tor can never bootstrap.
    let dead = tmp.path().join("dead-network.toml");
    let nobody = jasmine_tests::tor_net::free_port();
    std::fs::write(
        &dead,
        format!(
            "[tor_network]\nfallback_caches = [ {{ rsa_identity = \"0123456789ABCDEF0123456789ABCDEF01234567\", ed_identity = \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\", orports = [\"127.0.0.1:{nobody}\"] }} ]\n[tor_network.authorities]\nv3idents = [\"0123456789ABCDEF0123456789ABCDEF01234567\"]\n"
        ),
    )
    .unwrap();
    let dead = dead.display().to_string();
    let server = Server::start_with(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
        &["--onion", "--tor-network-config", &dead],
    );
    assert!(
        read_onion(&server).ends_with(".onion"),
        "the address is known before Tor is reachable"
    );
    assert!(
        server.wait_for_log(
            "the onion service is not reachable yet",
            Duration::from_secs(90)
        ),
        "no warning in:\n{}",
        server.log()
    );
    // Loopback still answers, and keeps taking reports.
    let reporter = tmp.path().join("reporter");
    std::fs::create_dir_all(&reporter).unwrap();
    std::fs::copy(
        jasmine_tests::vectors_dir().join("../../docs/examples/report.json"),
        reporter.join("report.json"),
    )
    .unwrap();
    ok(
        "jasmine",
        &reporter,
        &[
            "report",
            "--server",
            &server.url,
            "--root-key-file",
            &org.path("root.pub"),
            "--file",
            "report.json",
        ],
    );
    assert_eq!(server.stored_reports(), 1);
}

#[test]
fn with_proof_of_work_the_descriptor_carries_pow_params_and_clients_still_get_in() {
    let started = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let net = TorNet::start(&tmp.path().join("tor-net"));
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    // The switch as an operator sets it, in the configuration file.
    let config = tmp.path().join("jasmine-server.toml");
    std::fs::write(
        &config,
        format!(
            "[onion]\nenabled = true\nproof_of_work = true\ntor_network_config = \"{}\"\n",
            net.arti_config.display()
        ),
    )
    .unwrap();
    let config = config.display().to_string();
    let server = Server::start_with(
        &tmp.path().join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
        &["--config", &config],
    );
    assert!(
        server.log().contains("onion service proof of work: on"),
        "{}",
        server.log()
    );
    let onion = read_onion(&server);
    let onion_url = format!("http://{onion}");
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

    // C tor + curl reach the service, byte for byte.
    let keys = net.curl(&format!("{onion_url}/v1/keys"), Duration::from_secs(300));
    assert_eq!(keys, std::fs::read(org.dir.join("bundle-2.json")).unwrap());
    eprintln!(
        "PoW onion service reachable through C tor after {:?}",
        started.elapsed()
    );
    // ... with a descriptor whose second (encrypted) layer holds `pow-params`: C tor
    // decrypted it, parsed the line and, the service being quiet, was asked for no
    // work (effort 0), so it introduced itself without solving a puzzle.
    let seen = net.client_rend_log(POW_PARAMS_SEEN);
    assert!(
        !seen.is_empty(),
        "C tor saw no pow-params in the descriptor of {onion}"
    );
    for line in &seen {
        eprintln!("C tor: {line}");
    }
    assert!(
        seen.iter()
            .any(|l| l.ends_with(&format!("{POW_PARAMS_SEEN}0"))),
        "a quiet service suggests no work: {seen:?}"
    );
    let index =
        String::from_utf8(net.curl(&format!("{onion_url}/fr/"), Duration::from_secs(60))).unwrap();
    assert!(index.contains("Jasmine"), "{index}");

    // arti's client (built with hs-pow-full, as `jasmine` is) reaches it too.
    let reader = tmp.path().join("reader");
    std::fs::create_dir_all(&reader).unwrap();
    let root = org.path("root.pub");
    let tor_config = net.arti_config.display().to_string();
    let alerts = ok(
        "jasmine",
        &reader,
        &[
            "alerts",
            "--server",
            &onion_url,
            "--root-key-file",
            &root,
            "--tor-network-config",
            &tor_config,
        ],
    );
    assert!(alerts.contains("No alerts."), "{alerts}");
    eprintln!(
        "PoW onion service reachable through arti after {:?}",
        started.elapsed()
    );
    // arti's proof-of-work parts said nothing wrong (their warnings all name "PoW":
    // no seed, no verifier, replay log or state not saved, accept loop failed).
    let log = server.log();
    assert!(!log.contains("PoW"), "{log}");
}
