//! The Debian packages as `make deb` builds them (cargo-deb, from the binaries of the
//! build under test): what each installs, the conffile, the maintainer scripts, the
//! hardened systemd unit (`systemd-analyze verify`, and `systemd-analyze security`
//! rates it "OK" or better), and the packaged server started from its unit's command
//! line with its packaged configuration, answering on loopback and serving the
//! packaged information pages. Then the real thing: the three packages installed with
//! apt into a clean Debian root (debootstrap), the server run there as its system
//! user, an upgrade from the previous package that keeps the data and the
//! administrator's configuration, a backup and a restore; and that root booted with
//! systemd as its PID 1 (systemd-nspawn), the service started from its unit with its
//! onion service on the private Tor network, reached through Tor inside its sandbox.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
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

/// The jasmine-server unit as installed under `root` (in `lib/` or `usr/lib/`).
fn installed_unit(root: &Path) -> String {
    let path = ["lib", "usr/lib"]
        .iter()
        .map(|d| root.join(d).join("systemd/system/jasmine-server.service"))
        .find(|p| p.exists())
        .expect("the unit is installed");
    std::fs::read_to_string(path).unwrap()
}

/// The value of the unit's `key=` line.
fn unit_setting<'a>(unit: &'a str, key: &str) -> &'a str {
    unit.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no {key}= in the unit"))
}

/// The unit's `Environment=NAME=value` lines.
fn unit_environment(unit: &str) -> impl Iterator<Item = (&str, &str)> {
    unit.lines()
        .filter_map(|l| l.strip_prefix("Environment="))
        .map(|line| line.split_once('=').unwrap())
}

/// Starts `command` (a server) and waits for its "listening on" line: the child and
/// its URL.
fn start_server(mut command: Command) -> (Child, String) {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    match jasmine_tests::announced_url(&mut child, None).recv_timeout(Duration::from_secs(30)) {
        Ok(url) => (child, url),
        Err(_) => {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the packaged server did not start: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
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
    let unit = installed_unit(&root);
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
    let exec = unit_setting(&unit, "ExecStart");
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
    command.envs(unit_environment(&unit));
    command.args(["--bundle-file", &org.path("bundle-1.json")]);
    let (mut child, url) = start_server(command);
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

/// A copy of the clean Debian root (`tests/package/debian-root.sh`, made once in
/// `target/debian-root`) at `into`.
fn clean_debian_root(into: &Path) {
    assert!(
        nix_is_root(),
        "this test installs packages into a Debian root with chroot, which needs root (CI runs as root)"
    );
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    let made = target.join("debian-root");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("package/debian-root.sh");
    run(script.to_str().unwrap(), &[made.to_str().unwrap()]);
    run(
        "cp",
        &[
            "-a",
            &format!("{}/.", made.display()),
            into.to_str().unwrap(),
        ],
    );
}

fn nix_is_root() -> bool {
    run("id", &["-u"]).trim() == "0"
}

/// Runs `entry` (chroot or nsenter, with the command after it) with the Debian
/// system's environment only, non-interactive: whether it succeeded, and its output.
fn in_debian(mut entry: Command) -> (bool, String) {
    let out = entry
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// `command args` inside the Debian root, as root: whether it succeeded, and its output.
fn in_root_output(root: &Path, command: &str, args: &[&str]) -> (bool, String) {
    let mut chroot = Command::new("/usr/sbin/chroot");
    chroot.arg(root).arg(command).args(args);
    in_debian(chroot)
}

/// Same, asserting success; its output.
fn in_root(root: &Path, command: &str, args: &[&str]) -> String {
    let (succeeded, text) = in_root_output(root, command, args);
    assert!(succeeded, "chroot {command} {args:?}:\n{text}");
    text
}

/// The jasmine-server package as the previous release: `JASMINE_PREVIOUS_SERVER_DEB`
/// when set; otherwise this build relabelled one version lower (`<version>~previous`),
/// as Jasmine has not released a package before this one.
fn previous_server_package(new: &Path, work: &Path) -> PathBuf {
    if let Some(file) = std::env::var_os("JASMINE_PREVIOUS_SERVER_DEB") {
        return PathBuf::from(file);
    }
    let version = deb(&["-f"], new)
        .lines()
        .find_map(|l| l.strip_prefix("Version: ").map(str::to_string))
        .expect("a Version field");
    let tree = work.join("previous-tree");
    run(
        "dpkg-deb",
        &["-R", new.to_str().unwrap(), tree.to_str().unwrap()],
    );
    let control = tree.join("DEBIAN/control");
    let text = std::fs::read_to_string(&control).unwrap();
    std::fs::write(
        &control,
        text.replace(
            &format!("Version: {version}\n"),
            &format!("Version: {version}~previous\n"),
        ),
    )
    .unwrap();
    let out = work.join("jasmine-server_previous.deb");
    run(
        "dpkg-deb",
        &[
            "--root-owner-group",
            "-Zxz",
            "-b",
            tree.to_str().unwrap(),
            out.to_str().unwrap(),
        ],
    );
    out
}

/// The administrator's first start in the Debian root (docs/DEPLOY.md §3): the
/// organisation's root key and bundle in /etc/jasmine, and in the packaged config the
/// bundle, a free port, then `more` edits. The config's path, the port, the config.
fn first_start(
    root: &Path,
    org: &Org,
    more: impl FnOnce(String) -> String,
) -> (PathBuf, u16, String) {
    std::fs::copy(org.path("root.pub"), root.join("etc/jasmine/root.pub")).unwrap();
    std::fs::copy(
        org.path("bundle-1.json"),
        root.join("etc/jasmine/bundle.json"),
    )
    .unwrap();
    let config_path = root.join("etc/jasmine/jasmine-server.toml");
    let packaged = std::fs::read_to_string(&config_path).unwrap();
    let port = jasmine_tests::tor_net::free_port();
    let edited = more(
        packaged
            .replace(
                "listen = \"127.0.0.1:8080\"",
                &format!("listen = \"127.0.0.1:{port}\""),
            )
            .replace(
                "# bundle_file = \"bundle.json\"",
                "bundle_file = \"/etc/jasmine/bundle.json\"",
            ),
    );
    assert_ne!(
        edited, packaged,
        "the packaged config has the lines an administrator sets"
    );
    std::fs::write(&config_path, &edited).unwrap();
    (config_path, port, edited)
}

/// The packaged server, started in the Debian root as the unit would: its system
/// user, the installed unit's command line and environment.
fn start_in_root(root: &Path) -> (Child, String) {
    let unit = installed_unit(root);
    let user = unit_setting(&unit, "User");
    let mut command = Command::new("/usr/sbin/chroot");
    command
        .arg(format!("--userspec={user}:{user}"))
        .arg(root)
        .args(unit_setting(&unit, "ExecStart").split_whitespace())
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .envs(unit_environment(&unit));
    start_server(command)
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The user's uid and home in the root's passwd file.
fn passwd_entry(root: &Path, user: &str) -> (u32, String, String) {
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with(&format!("{user}:")))
        .unwrap_or_else(|| panic!("no {user} user:\n{passwd}"));
    let fields: Vec<&str> = line.split(':').collect();
    (
        fields[2].parse().unwrap(),
        fields[5].to_string(),
        fields[6].to_string(),
    )
}

#[test]
fn the_packages_install_into_a_clean_debian_root_and_an_upgrade_keeps_the_data() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    clean_debian_root(&root);
    let new_server = package("jasmine-server");
    let previous = previous_server_package(&new_server, tmp.path());
    let debs = root.join("tmp/debs");
    std::fs::create_dir_all(&debs).unwrap();
    for (from, to) in [
        (previous.clone(), "jasmine-server_previous.deb"),
        (new_server.clone(), "jasmine-server_new.deb"),
        (package("jasmine-keys"), "jasmine-keys.deb"),
        (package("jasmine"), "jasmine.deb"),
    ] {
        std::fs::copy(from, debs.join(to)).unwrap();
    }

    // 1. The previous release, and the two others, as an administrator installs them
    // (docs/DEPLOY.md §1: apt, which fetches their dependencies).
    in_root(
        &root,
        "apt-get",
        &[
            "install",
            "-y",
            "--no-install-recommends",
            "/tmp/debs/jasmine-server_previous.deb",
            "/tmp/debs/jasmine-keys.deb",
            "/tmp/debs/jasmine.deb",
        ],
    );
    let listed = in_root(&root, "dpkg-query", &["-W", "-f=${Package} ${Status}\n"]);
    for name in ["jasmine-server", "jasmine-keys", "jasmine"] {
        assert!(
            listed.contains(&format!("{name} install ok installed")),
            "{name} is not installed:\n{listed}"
        );
    }
    // Each binary runs in the clean root: the packages' dependencies are all it needs.
    for binary in ["jasmine-server", "jasmine-keys", "jasmine"] {
        let version = in_root(&root, binary, &["--version"]);
        assert!(version.starts_with(binary), "{version}");
    }
    let conffiles = in_root(
        &root,
        "dpkg-query",
        &["-W", "-f=${Conffiles}", "jasmine-server"],
    );
    assert!(
        conffiles.contains("/etc/jasmine/jasmine-server.toml"),
        "{conffiles}"
    );
    let (uid, home, shell) = passwd_entry(&root, "jasmine");
    assert!(uid < 1000, "a system user: uid {uid}");
    assert_eq!(home, "/var/lib/jasmine");
    assert!(
        shell.ends_with("nologin") || shell.ends_with("false"),
        "{shell}"
    );
    let data = root.join("var/lib/jasmine");
    let meta = std::fs::metadata(&data).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    assert_eq!(meta.uid(), uid);

    // 2. The administrator's first start (docs/DEPLOY.md §3).
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    let (config_path, port, edited) = first_start(&root, &org, |config| config);
    let (server, url) = start_in_root(&root);
    assert_eq!(url, format!("http://127.0.0.1:{port}"));
    org.send_example_report(&tmp.path().join("reporter"), &url);
    stop(server);
    let database = data.join("jasmine.sqlite3");
    assert_eq!(std::fs::metadata(&database).unwrap().uid(), uid);
    let stored = std::fs::metadata(&database).unwrap().len();

    // 3. The upgrade, as apt does it, with nothing forced: the administrator's config
    // stays without a question (stdin is closed), the user and its data stay.
    in_root(
        &root,
        "apt-get",
        &["install", "-y", "/tmp/debs/jasmine-server_new.deb"],
    );
    let version = in_root(
        &root,
        "dpkg-query",
        &["-W", "-f=${Version}", "jasmine-server"],
    );
    assert_eq!(
        version,
        deb(&["-f"], &new_server)
            .lines()
            .find_map(|l| l.strip_prefix("Version: "))
            .unwrap()
    );
    assert_eq!(std::fs::read_to_string(&config_path).unwrap(), edited);
    assert_eq!(passwd_entry(&root, "jasmine").0, uid);
    assert!(std::fs::metadata(&database).unwrap().len() >= stored);
    let (server, url) = start_in_root(&root);
    let status = run("curl", &["-sS", "-f", &format!("{url}/v1/status")]);
    assert!(status.contains("\"bundle_version\":1"), "{status}");

    // 4. A backup, as root while the service runs; then a new machine's empty data
    // folder (as the package makes it) and the restore, as root (docs/DEPLOY.md §8).
    let backup_key = root.join("root/backup.key");
    run("age-keygen", &["-o", backup_key.to_str().unwrap()]);
    let recipient = run("age-keygen", &["-y", backup_key.to_str().unwrap()]);
    let config_arg = ["--config", "/etc/jasmine/jasmine-server.toml"];
    let written = in_root(
        &root,
        "jasmine-server",
        &[
            &["backup"],
            &config_arg[..],
            &["--out", "/root/backup.age", "--to", recipient.trim()],
        ]
        .concat(),
    );
    assert!(
        written.contains("Backup written to /root/backup.age"),
        "{written}"
    );
    stop(server);
    let (succeeded, refused) = in_root_output(
        &root,
        "jasmine-server",
        &[&["--print-check-key"], &config_arg[..]].concat(),
    );
    assert!(!succeeded);
    assert!(
        refused.contains("sudo -u jasmine"),
        "as root in the service's folder, it refuses and says how: {refused}"
    );
    std::fs::rename(&data, root.join("root/old-data")).unwrap();
    in_root(
        &root,
        "install",
        &[
            "-d",
            "-m",
            "0700",
            "-o",
            "jasmine",
            "-g",
            "jasmine",
            "/var/lib/jasmine",
        ],
    );
    let restored = in_root(
        &root,
        "jasmine-server",
        &[
            &["restore"],
            &config_arg[..],
            &[
                "--from",
                "/root/backup.age",
                "--identity",
                "/root/backup.key",
            ],
        ]
        .concat(),
    );
    assert!(restored.contains("Restored"), "{restored}");
    for entry in std::fs::read_dir(&data).unwrap() {
        let entry = entry.unwrap();
        assert_eq!(
            entry.metadata().unwrap().uid(),
            uid,
            "{} is given back to the service's user",
            entry.path().display()
        );
    }
    let (server, url) = start_in_root(&root);
    let pulled = org.pull(&url, "alice.api.key", "inbox", &[]);
    assert!(
        pulled.contains("Pulled 1 new report(s)"),
        "the report sent before the upgrade is still there after the upgrade, the backup and the restore: {pulled}"
    );
    stop(server);

    // 5. Removing, even purging, the package never deletes the data folder.
    in_root(&root, "dpkg", &["--purge", "jasmine-server"]);
    assert!(!config_path.exists(), "purge removes the conffile");
    assert!(database.exists(), "purge keeps /var/lib/jasmine");
}

/// The Debian root booted with systemd as its PID 1 (`systemd-nspawn -b`, sharing the
/// host's network); powered off when dropped.
struct Booted {
    nspawn: Child,
    /// The container's PID 1, as the host sees it.
    init: u32,
}

impl Booted {
    fn boot(root: &Path) -> Booted {
        // nspawn refuses to prepare its mounts under a /run that is not a tmpfs, as on
        // this kind of VM: give it one of its own.
        let propagate = Path::new("/run/systemd/nspawn");
        std::fs::create_dir_all(propagate).unwrap();
        let mounted = std::fs::read_to_string("/proc/self/mounts").unwrap();
        if !mounted
            .lines()
            .any(|l| l.split(' ').nth(1) == Some("/run/systemd/nspawn"))
        {
            run("mount", &["-t", "tmpfs", "tmpfs", "/run/systemd/nspawn"]);
        }
        let nspawn = Command::new("systemd-nspawn")
            .args(["--quiet", "--boot", "--register=no", "--keep-unit"])
            .args(["--console=pipe", "--directory"])
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("systemd-nspawn (apt-get install systemd-container; .ci/run does it)");
        let started = std::time::Instant::now();
        // nspawn's child becomes the container's PID 1, systemd, after a short-lived
        // intermediate process.
        let init = loop {
            let children =
                std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", nspawn.id()))
                    .unwrap_or_default();
            let systemd = children.split_whitespace().find(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|comm| comm.trim() == "systemd")
            });
            if let Some(pid) = systemd {
                break pid.parse::<u32>().unwrap();
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "systemd-nspawn started no systemd within 90 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        let machine = Booted { nspawn, init };
        loop {
            let state = machine.try_run("systemctl", &["is-system-running"]);
            if state.contains("running") || state.contains("degraded") {
                return machine;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "the Debian root did not finish booting with systemd within 90 s: {state}"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// `command args` inside the booted system (all its namespaces): whether it
    /// succeeded, and its output.
    fn output(&self, command: &str, args: &[&str]) -> (bool, String) {
        let mut nsenter = Command::new("nsenter");
        nsenter
            .args(["--target", &self.init.to_string(), "--all", "--"])
            .arg(command)
            .args(args);
        in_debian(nsenter)
    }

    /// Its output, whatever its exit status.
    fn try_run(&self, command: &str, args: &[&str]) -> String {
        self.output(command, args).1
    }

    /// Its output, asserting success.
    fn run(&self, command: &str, args: &[&str]) -> String {
        let (succeeded, text) = self.output(command, args);
        assert!(succeeded, "{command} {args:?} in the booted root:\n{text}");
        text
    }
}

impl Drop for Booted {
    fn drop(&mut self) {
        let _ = self.try_run("systemctl", &["poweroff"]);
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(Some(_)) = self.nspawn.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // Killing the container's PID 1 ends every process of its namespace.
        let _ = Command::new("kill")
            .args(["-9", &self.init.to_string()])
            .status();
        let _ = self.nspawn.kill();
        let _ = self.nspawn.wait();
    }
}

#[test]
fn the_hardened_unit_serves_under_systemd_and_its_onion_is_reachable() {
    let tmp = tempfile::tempdir().unwrap();
    // The private Tor network bootstraps while the root is made ready.
    let net = jasmine_tests::tor_net::TorNet::start(&tmp.path().join("tor-net"));
    let root = tmp.path().join("root");
    std::fs::create_dir(&root).unwrap();
    clean_debian_root(&root);
    std::fs::create_dir_all(root.join("tmp/debs")).unwrap();
    std::fs::copy(
        package("jasmine-server"),
        root.join("tmp/debs/jasmine-server.deb"),
    )
    .unwrap();
    in_root(
        &root,
        "apt-get",
        &[
            "install",
            "-y",
            "--no-install-recommends",
            "/tmp/debs/jasmine-server.deb",
        ],
    );

    // DEPLOY.md §3: the keys, the contact, the onion service on (here on the private
    // network: its arti configuration, copied where the service may read it).
    let org = Org::create(&tmp.path().join("org"), &["alice"]);
    std::fs::copy(&net.arti_config, root.join("etc/jasmine/testnet-arti.toml")).unwrap();
    let (_, port, edited) = first_start(&root, &org, |config| {
        config
        .replace(
            "association_contact = \"\"",
            "association_contact = \"contact@association.example\"",
        )
        .replace("[onion]\n", "[onion]\ntor_network_config = \"/etc/jasmine/testnet-arti.toml\"\n")
        .replace(
            "# start and written to <data_dir>/onion-address; the key stays in tor_dir.\nenabled = false",
            "# start and written to <data_dir>/onion-address; the key stays in tor_dir.\nenabled = true",
        )
    });
    assert!(edited.contains("enabled = true") && edited.contains("testnet-arti.toml"));

    let machine = Booted::boot(&root);
    machine.run("systemctl", &["enable", "--now", "jasmine-server"]);
    let url = format!("http://127.0.0.1:{port}");
    let started = std::time::Instant::now();
    let status = loop {
        let out = Command::new("curl")
            .args(["-sS", "-f", &format!("{url}/v1/status")])
            .output()
            .unwrap();
        if out.status.success() {
            break String::from_utf8_lossy(&out.stdout).into_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the service does not answer on loopback:\n{}",
            machine.try_run("journalctl", &["-u", "jasmine-server", "--no-pager"])
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    assert!(status.contains("\"bundle_version\":1"), "{status}");
    assert_eq!(
        machine
            .run("systemctl", &["is-active", "jasmine-server"])
            .trim(),
        "active"
    );
    let shown = machine.run(
        "systemctl",
        &[
            "show",
            "jasmine-server",
            "-p",
            "User",
            "-p",
            "NoNewPrivileges",
            "-p",
            "ProtectSystem",
        ],
    );
    assert!(
        shown.contains("User=jasmine") && shown.contains("ProtectSystem=strict"),
        "{shown}"
    );

    // Reachable through Tor from a C tor client while the unit's sandbox holds it
    // (seccomp, no W+X memory, read-only system), and from check-onion as DEPLOY says.
    let onion = std::fs::read_to_string(root.join("var/lib/jasmine/onion-address")).unwrap();
    let through_tor = net.curl(
        &format!("http://{}/v1/status", onion.trim()),
        Duration::from_secs(300),
    );
    assert!(String::from_utf8_lossy(&through_tor).contains("\"bundle_version\":1"));
    let checked = machine.run(
        "runuser",
        &[
            "-u",
            "jasmine",
            "--",
            "jasmine-server",
            "check-onion",
            "--config",
            "/etc/jasmine/jasmine-server.toml",
        ],
    );
    assert!(checked.contains("is reachable"), "{checked}");

    // The journal: the service's own lines, plain text, and arti sized its memory quota
    // from the machine (the unit leaves /proc/meminfo readable).
    let journal = machine.run("journalctl", &["-u", "jasmine-server", "--no-pager"]);
    assert!(
        journal.contains("listening on http://127.0.0.1:"),
        "{journal}"
    );
    assert!(journal.contains("onion service address"), "{journal}");
    assert!(
        !journal.contains('\u{1b}'),
        "no terminal colours in the journal:\n{journal}"
    );
    assert!(
        !journal.contains("Unable to get the total available memory"),
        "{journal}"
    );
    assert_eq!(
        machine
            .run("systemctl", &["is-active", "jasmine-server"])
            .trim(),
        "active",
        "{journal}"
    );
}
