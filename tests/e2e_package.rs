//! The Debian packages as `make deb` builds them (cargo-deb, from the binaries of the
//! build under test): what each installs, the conffile, the maintainer scripts, the
//! hardened systemd unit (`systemd-analyze verify`, and `systemd-analyze security`
//! rates it "OK" or better), and the packaged server started from its unit's command
//! line with its packaged configuration, answering on loopback and serving the
//! packaged information pages.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use jasmine_tests::Org;

/// The package `name` in `target/debian`, built by `make deb`.
fn package(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/debian");
    let prefix = format!("{name}_");
    std::fs::read_dir(&dir)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            let file = p.file_name().unwrap().to_string_lossy().into_owned();
            file.starts_with(&prefix) && file.ends_with(".deb")
        })
        .unwrap_or_else(|| {
            panic!(
                "no {name} package in {}: run `make deb` first (`make test` does it)",
                dir.display()
            )
        })
}

fn run(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn deb(args: &[&str], package: &Path) -> String {
    let mut all = args.to_vec();
    all.push(package.to_str().unwrap());
    run("dpkg-deb", &all)
}

#[test]
fn each_package_installs_what_it_says() {
    let server = package("jasmine-server");
    let files = deb(&["-c"], &server);
    for expected in [
        "./usr/bin/jasmine-server",
        "./etc/jasmine/jasmine-server.toml",
        "/systemd/system/jasmine-server.service",
        "./usr/share/jasmine/content/fr/",
        "./usr/share/jasmine/content/directory.toml",
        "./usr/share/doc/jasmine-server/DEPLOY.md",
        "./usr/share/doc/jasmine-server/copyright",
    ] {
        assert!(
            files.contains(expected),
            "{expected} is not in the package:\n{files}"
        );
    }
    assert!(
        deb(&["-I"], &server).contains("conffiles"),
        "the package has conffiles"
    );
    let fields = deb(&["-f"], &server);
    assert!(fields.contains("Package: jasmine-server"), "{fields}");
    assert!(
        fields.contains("adduser"),
        "it depends on adduser: {fields}"
    );
    let keys = deb(&["-c"], &package("jasmine-keys"));
    assert!(keys.contains("./usr/bin/jasmine-keys") && keys.contains("MODERATION.md"));
    let app = deb(&["-c"], &package("jasmine"));
    assert!(app.contains("./usr/bin/jasmine\n") || app.trim_end().ends_with("./usr/bin/jasmine"));
}

#[test]
fn the_packaged_server_starts_from_its_hardened_unit() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let server = package("jasmine-server");
    run(
        "dpkg-deb",
        &["-x", server.to_str().unwrap(), root.to_str().unwrap()],
    );
    run(
        "dpkg-deb",
        &[
            "-e",
            server.to_str().unwrap(),
            root.join("DEBIAN").to_str().unwrap(),
        ],
    );
    // The conffile, and the maintainer scripts: the system user and its 0700 folder.
    let conffiles = std::fs::read_to_string(root.join("DEBIAN/conffiles")).unwrap();
    assert!(
        conffiles.contains("/etc/jasmine/jasmine-server.toml"),
        "{conffiles}"
    );
    let postinst = std::fs::read_to_string(root.join("DEBIAN/postinst")).unwrap();
    assert!(postinst.contains("adduser --system") && postinst.contains("-m 0700"));
    assert!(!postinst.contains("#DEBHELPER#"), "{postinst}");
    run(
        "sh",
        &["-n", root.join("DEBIAN/postinst").to_str().unwrap()],
    );

    // The unit, as installed.
    let unit_path = ["lib", "usr/lib"]
        .iter()
        .map(|d| root.join(d).join("systemd/system/jasmine-server.service"))
        .find(|p| p.exists())
        .expect("the unit is installed");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    for hardening in [
        "User=jasmine",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "MemoryDenyWriteExecute=yes",
        "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
        "SystemCallFilter=@system-service",
        "CapabilityBoundingSet=\n",
        "UMask=0077",
        "JASMINE_LOG=warn,jasmine_server=info",
    ] {
        assert!(unit.contains(hardening), "{hardening} is not in the unit");
    }
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    let words: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(words[0], "/usr/bin/jasmine-server");
    // systemd checks the unit (with the packaged binary where it would be installed),
    // and rates its exposure.
    let here = tmp.path().join("jasmine-server.service");
    let packaged_binary = root.join("usr/bin/jasmine-server");
    std::fs::write(
        &here,
        unit.replace("/usr/bin/jasmine-server", packaged_binary.to_str().unwrap()),
    )
    .unwrap();
    run("systemd-analyze", &["verify", here.to_str().unwrap()]);
    let security = run(
        "systemd-analyze",
        &[
            "security",
            "--offline=true",
            "--no-pager",
            here.to_str().unwrap(),
        ],
    );
    let overall = security
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .expect("an overall exposure level");
    let words: Vec<&str> = overall.split_whitespace().collect();
    let at = words.iter().position(|w| w.ends_with(".service:")).unwrap();
    let score: f64 = words[at + 1].parse().unwrap();
    let label = words[at + 2];
    eprintln!("systemd-analyze security: {score} {label}");
    assert!(matches!(label, "OK" | "SAFE") && score < 2.0, "{overall}");

    // The packaged server, from the unit's command line and environment, with the
    // packaged configuration: only its paths moved into this test's folder.
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let packaged = std::fs::read_to_string(root.join("etc/jasmine/jasmine-server.toml")).unwrap();
    for line in [
        "data_dir = \"/var/lib/jasmine\"",
        "root_key_file = \"/etc/jasmine/root.pub\"",
        "content_dir = \"/usr/share/jasmine/content\"",
        "listen = \"127.0.0.1:8080\"",
    ] {
        assert!(
            packaged.lines().any(|l| l == line),
            "{line} is not in the packaged config"
        );
    }
    let config = packaged
        .replace(
            "/var/lib/jasmine",
            tmp.path().join("var-lib-jasmine").to_str().unwrap(),
        )
        .replace("/etc/jasmine/root.pub", &org.path("root.pub"))
        .replace(
            "/usr/share/jasmine/content",
            root.join("usr/share/jasmine/content").to_str().unwrap(),
        )
        .replace("127.0.0.1:8080", "127.0.0.1:0");
    let config_path = tmp.path().join("jasmine-server.toml");
    std::fs::write(&config_path, config).unwrap();
    let mut command = Command::new(&packaged_binary);
    for word in exec.split_whitespace().skip(1) {
        command.arg(if word == "/etc/jasmine/jasmine-server.toml" {
            config_path.to_str().unwrap()
        } else {
            word
        });
    }
    for line in unit.lines().filter_map(|l| l.strip_prefix("Environment=")) {
        let (name, value) = line.split_once('=').unwrap();
        command.env(name, value);
    }
    let mut child = command
        .args(["--bundle-file", &org.path("bundle-1.json")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.find("listening on http://") {
                let _ = tx.send(line[at + "listening on ".len()..].trim().to_string());
            }
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(30));
    let url = match url {
        Ok(url) => url,
        Err(_) => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the packaged server did not start: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    let status = run("curl", &["-sS", "-f", &format!("{url}/v1/status")]);
    assert!(status.contains("\"bundle_version\":1"), "{status}");
    // An information page, from the packaged content folder.
    let help = run("curl", &["-sS", "-f", &format!("{url}/fr/i")]);
    assert!(help.contains("<html"), "{help}");
    let data = tmp.path().join("var-lib-jasmine");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&data).unwrap().permissions().mode() & 0o777,
        0o700
    );
    assert!(data.join("jasmine.sqlite3").exists());
    let _ = child.kill();
    let _ = child.wait();
}
