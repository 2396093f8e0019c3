//! Test kit for Jasmine's end-to-end tests: finds the real binaries, runs them with
//! the right environment, starts `jasmine-server` on a free loopback port, and stops
//! it (by PID, on drop) even when a test fails.
#![forbid(unsafe_code)]

pub mod hostile;
pub mod tor_net;
pub mod vectors;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// The passphrase every test key uses.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// Path of a workspace binary in the same target folder as this test.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: build the binaries first (`cargo build --workspace --bins`; `make test` does it)",
        path.display()
    );
    path
}

/// The committed test vectors.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors")
}

/// Runs a binary with `args` in `cwd`, with the test passphrase in the environment.
pub fn run(name: &str, cwd: &Path, args: &[&str]) -> Output {
    run_with_input(name, cwd, args, None)
}

/// Same as [`run`], feeding `input` on stdin.
pub fn run_with_input(name: &str, cwd: &Path, args: &[&str], input: Option<&str>) -> Output {
    let mut child = Command::new(bin(name))
        .args(args)
        .current_dir(cwd)
        .env("JASMINE_PASSPHRASE", PASSPHRASE)
        .env_remove("JASMINE_SERVER")
        .env_remove("JASMINE_ROOT_KEY")
        .env("XDG_STATE_HOME", cwd.join("state"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        if let Some(text) = input {
            stdin.write_all(text.as_bytes()).expect("write stdin");
        }
    }
    child.wait_with_output().expect("wait for the command")
}

/// Runs and asserts success; returns stdout.
pub fn ok(name: &str, cwd: &Path, args: &[&str]) -> String {
    let out = run(name, cwd, args);
    assert!(
        out.status.success(),
        "{name} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Runs and asserts failure with exit code `code`; returns stderr.
pub fn fails(name: &str, cwd: &Path, args: &[&str], code: i32) -> String {
    let out = run(name, cwd, args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{name} {args:?} should exit {code}:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).expect("utf-8 output")
}

/// The URL a starting server announces on its standard output ("listening on
/// http://…"), sent on the channel once printed; every line also goes to `log` when
/// given. The child's stdout must be piped.
pub fn announced_url(
    child: &mut Child,
    log: Option<Arc<Mutex<Vec<String>>>>,
) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("a piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(i) = line.find("listening on http://") {
                let _ = tx.send(line[i + "listening on ".len()..].trim().to_string());
            }
            if let Some(log) = &log {
                log.lock().expect("log").push(line);
            }
        }
    });
    rx
}

/// An organisation with `moderators`, created with the real `jasmine-keys` in `dir`.
pub struct Org {
    /// Folder holding every key file.
    pub dir: PathBuf,
    /// Moderator ids.
    pub moderators: Vec<String>,
}

impl Org {
    /// Creates the root key, the moderators and bundle version 1 (`bundle-1.json`).
    pub fn create(dir: &Path, moderators: &[&str]) -> Org {
        std::fs::create_dir_all(dir).expect("org dir");
        ok("jasmine-keys", dir, &["org", "init", "--dir", "."]);
        for id in moderators {
            ok(
                "jasmine-keys",
                dir,
                &[
                    "moderator",
                    "keygen",
                    "--id",
                    id,
                    "--name",
                    &format!("Moderator {id}"),
                    "--dir",
                    ".",
                ],
            );
        }
        let org = Org {
            dir: dir.to_path_buf(),
            moderators: moderators.iter().map(|m| m.to_string()).collect(),
        };
        org.sign_bundle(1, moderators);
        org
    }

    /// Signs `bundle-<version>.json` listing `moderators`.
    pub fn sign_bundle(&self, version: u64, moderators: &[&str]) -> PathBuf {
        let out = format!("bundle-{version}.json");
        let version = version.to_string();
        let cards: Vec<String> = moderators
            .iter()
            .map(|m| format!("{m}.card.json"))
            .collect();
        let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
        ok(
            "jasmine-keys",
            &self.dir,
            &bundle_sign_args(&version, &cards, &out, &[]),
        );
        self.dir.join(out)
    }

    /// `jasmine-keys bundle upload` of `file`, checked against `root.pub`, to `server`;
    /// its output.
    pub fn upload_bundle(&self, file: &str, server: &str) -> String {
        ok(
            "jasmine-keys",
            &self.dir,
            &[
                "bundle",
                "upload",
                "--bundle",
                file,
                "--root-pub",
                "root.pub",
                "--server",
                server,
            ],
        )
    }

    /// As a reporter working in `dir`: sends `docs/examples/report.json` to `server`
    /// with the real `jasmine` CLI.
    pub fn send_example_report(&self, dir: &Path, server: &str) {
        std::fs::create_dir_all(dir).expect("reporter dir");
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/examples/report.json");
        std::fs::copy(example, dir.join("report.json")).expect("example report");
        let root = self.path("root.pub");
        ok(
            "jasmine",
            dir,
            &[
                "report",
                "--server",
                server,
                "--root-key-file",
                &root,
                "--file",
                "report.json",
            ],
        );
    }

    /// As moderator `who`: pulls from `server` into `inbox-<who>`, drafts an alert from
    /// the first report (choosing to publish the aggressor's phone numbers), signs it and publishes it; `extra` is added to the online
    /// commands (e.g. a Tor network file). Returns (report id, signed alert JSON).
    pub fn publish_first_report(
        &self,
        who: &str,
        server: &str,
        extra: &[&str],
    ) -> (String, serde_json::Value) {
        let inbox = format!("inbox-{who}");
        let api_key = format!("{who}.api.key");
        let key = format!("{who}.offline.age");
        let online = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--server", server]);
            all.extend(extra);
            ok("jasmine-keys", &self.dir, &all)
        };
        online(&["pull", "--api-key", &api_key, "--inbox", &inbox]);
        let listing = ok("jasmine-keys", &self.dir, &["list", "--inbox", &inbox]);
        let id = listing
            .split_whitespace()
            .next()
            .expect("a pulled report")
            .to_string();
        ok(
            "jasmine-keys",
            &self.dir,
            &[
                "alert",
                "draft",
                &id,
                "--inbox",
                &inbox,
                "--key",
                &key,
                "--out",
                "draft.json",
                "--keep-phones",
            ],
        );
        ok(
            "jasmine-keys",
            &self.dir,
            &[
                "alert",
                "sign",
                "--draft",
                "draft.json",
                "--key",
                &key,
                "--out",
                "alert.json",
            ],
        );
        online(&["publish", "alert.json", "--api-key", &api_key]);
        let signed = serde_json::from_slice(
            &std::fs::read(self.dir.join("alert.json")).expect("alert.json"),
        )
        .expect("signed alert");
        std::fs::remove_file(self.dir.join("draft.json")).expect("draft");
        std::fs::remove_file(self.dir.join("alert.json")).expect("alert");
        (id, signed)
    }

    /// `jasmine-keys pull --server … --api-key … --inbox …` (then `extra`) in the org
    /// folder; its output.
    pub fn pull(&self, server: &str, api_key: &str, inbox: &str, extra: &[&str]) -> String {
        let args = [
            &[
                "pull",
                "--server",
                server,
                "--api-key",
                api_key,
                "--inbox",
                inbox,
            ][..],
            extra,
        ]
        .concat();
        ok("jasmine-keys", &self.dir, &args)
    }

    /// Path of a file in the org folder.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

/// The arguments of `jasmine-keys bundle sign` with the test organisation's root key and
/// name: `version`, one `--card` per card file, `--out`, then `extra` (`--previous`,
/// `--revoke`, `--onion`…).
pub fn bundle_sign_args<'a>(
    version: &'a str,
    cards: &[&'a str],
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "bundle",
        "sign",
        "--root-key",
        "root.key.age",
        "--organisation",
        "Test Org",
        "--version",
        version,
        "--out",
        out,
    ];
    for card in cards {
        args.extend(["--card", card]);
    }
    args.extend(extra);
    args
}

/// An organisation with `moderators` in `<tmp>/org` (bundle 1 signed), and a server on
/// `<tmp>/data` that serves that bundle.
pub fn org_and_server(tmp: &Path, moderators: &[&str]) -> (Org, Server) {
    let org = Org::create(&tmp.join("org"), moderators);
    let server = Server::start(
        &tmp.join("data"),
        &org.path("root.pub"),
        Some(&org.path("bundle-1.json")),
    );
    (org, server)
}

/// Like [`org_and_server`], for the private check: the server's check key (created in
/// `<tmp>/data` by `jasmine-server --print-check-key`) is signed into bundle 2
/// (`bundle-2.json`), which the server serves.
pub fn org_and_server_with_check(tmp: &Path, moderators: &[&str]) -> (Org, Server) {
    let data = tmp.join("data");
    let check_key = ok(
        "jasmine-server",
        tmp,
        &[
            "--data-dir",
            data.to_str().expect("utf-8 path"),
            "--print-check-key",
        ],
    );
    let org = Org::create(&tmp.join("org"), moderators);
    let cards: Vec<String> = moderators
        .iter()
        .map(|m| format!("{m}.card.json"))
        .collect();
    let cards: Vec<&str> = cards.iter().map(String::as_str).collect();
    ok(
        "jasmine-keys",
        &org.dir,
        &bundle_sign_args(
            "2",
            &cards,
            "bundle-2.json",
            &["--check-key", check_key.trim()],
        ),
    );
    let server = Server::start(
        &data,
        &org.path("root.pub"),
        Some(&org.path("bundle-2.json")),
    );
    (org, server)
}

impl Org {
    /// As alice: `jasmine-keys pull --out <out>` from `server` (an inbox file); its output.
    pub fn pull_to_file(&self, server: &str, out: &str) -> String {
        ok(
            "jasmine-keys",
            &self.dir,
            &[
                "pull",
                "--api-key",
                "alice.api.key",
                "--server",
                server,
                "--out",
                out,
                "--root-key",
                "root.pub",
            ],
        )
    }

    /// As alice: `jasmine-keys publish <file>` (an outbox file) to `server`; its output.
    pub fn publish_file(&self, server: &str, file: &str) -> String {
        ok(
            "jasmine-keys",
            &self.dir,
            &[
                "publish",
                file,
                "--api-key",
                "alice.api.key",
                "--root-key",
                "root.pub",
                "--server",
                server,
            ],
        )
    }

    /// As alice, through the air gap (desk `desk`): takes what waits on `server`, drafts
    /// an alert from the first report with its aggressor's identifiers on the check list,
    /// and carries it out, the blinded identifiers out and their evaluations back, and
    /// the signed entries out. Returns the alert's id.
    pub fn publish_with_check_list(&self, server: &str) -> String {
        let keys = |args: &[&str]| ok("jasmine-keys", &self.dir, args);
        let desk = ["--desk", "desk", "--key", "alice.offline.age"];
        let with_desk = |args: &[&str]| keys(&[args, &desk[..]].concat());
        let pull = |out: &str| self.pull_to_file(server, out);
        let publish = |file: &str| self.publish_file(server, file);
        pull("check-in-1.jasmine");
        with_desk(&["import", "check-in-1.jasmine", "--root-key", "root.pub"]);
        let first = with_desk(&["cases"])
            .lines()
            .find(|l| l.contains("received"))
            .and_then(|l| l.split_whitespace().next())
            .expect("a report on the desk")
            .to_string();
        with_desk(&[
            "alert",
            "draft",
            &first,
            "--out",
            "check-draft.json",
            "--check-list",
        ]);
        let draft: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.dir.join("check-draft.json")).expect("draft"),
        )
        .expect("draft JSON");
        keys(&[
            "alert",
            "sign",
            "--draft",
            "check-draft.json",
            "--key",
            "alice.offline.age",
            "--desk",
            "desk",
        ]);
        std::fs::remove_file(self.dir.join("check-draft.json")).expect("draft");
        with_desk(&["outbox", "--out", "check-out-1.jasmine"]);
        publish("check-out-1.jasmine");
        pull("check-in-2.jasmine");
        with_desk(&["import", "check-in-2.jasmine", "--root-key", "root.pub"]);
        with_desk(&["outbox", "--out", "check-out-2.jasmine"]);
        publish("check-out-2.jasmine");
        draft["alert"]["id"].as_str().expect("alert id").to_string()
    }
}

/// The files below `dir` (recursively) whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    folder_snapshot(dir)
        .into_iter()
        .filter(|(_, (bytes, _))| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(name, _)| dir.join(name).display().to_string())
        .collect()
}

/// Every file under `dir` (relative path) with its bytes and modification time: two
/// snapshots are equal only if nothing was written, created or deleted in between.
pub fn folder_snapshot(
    dir: &Path,
) -> std::collections::BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
    let mut files = std::collections::BTreeMap::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                // A file gone between the listing and the read (SQLite's journal) is
                // left out: it is then missing from the snapshot, which a comparison sees.
                // Any other failure to read one fails the test: a scan that skips a
                // file proves nothing about it.
                let read = std::fs::read(&path)
                    .and_then(|bytes| Ok((bytes, path.metadata()?.modified()?)));
                match read {
                    Ok(file) => {
                        files.insert(name, file);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => panic!("{} cannot be read: {e}", path.display()),
                }
            }
        }
    }
    files
}

/// A running `jasmine-server`, stopped on drop.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Its data folder.
    pub data_dir: PathBuf,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the server on a free loopback port and waits until it listens.
    pub fn start(data_dir: &Path, root_pub: &str, bundle: Option<&str>) -> Server {
        Server::start_with(data_dir, root_pub, bundle, &[])
    }

    /// Same as [`Server::start`], with more command-line arguments.
    pub fn start_with(
        data_dir: &Path,
        root_pub: &str,
        bundle: Option<&str>,
        extra: &[&str],
    ) -> Server {
        let mut command = Command::new(bin("jasmine-server"));
        command
            .args(["--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--root-key-file", root_pub])
            .args(extra)
            .env("JASMINE_LOG", "warn,jasmine_server=info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(b) = bundle {
            command.args(["--bundle-file", b]);
        }
        let mut child = command.spawn().expect("start jasmine-server");
        let log = Arc::new(Mutex::new(Vec::new()));
        let rx = announced_url(&mut child, Some(log.clone()));
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                let out = child.wait_with_output().expect("server output");
                panic!(
                    "jasmine-server did not start:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        };
        Server {
            child,
            url,
            data_dir: data_dir.to_path_buf(),
            log,
        }
    }

    /// Everything the server has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").join("\n")
    }

    /// Waits up to `patience` for a log line containing `needle`.
    pub fn wait_for_log(&self, needle: &str, patience: Duration) -> bool {
        let started = std::time::Instant::now();
        while started.elapsed() < patience {
            if self.log().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        false
    }

    /// A read-only connection to the server's database.
    pub fn database(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(
            self.data_dir.join("jasmine.sqlite3"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the database")
    }

    /// Number of stored reports.
    pub fn stored_reports(&self) -> i64 {
        self.database()
            .query_row("SELECT count(*) FROM reports", [], |r| r.get(0))
            .expect("count reports")
    }

    /// Stops the server (SIGKILL: nothing acknowledged may depend on a clean stop).
    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what the server said (the harness prints it with the failure).
        if std::thread::panicking() {
            let log = self.log();
            let lines: Vec<&str> = log.lines().collect();
            let from = lines.len().saturating_sub(60);
            eprintln!(
                "--- the last {} lines of the server's log:\n{}",
                lines.len() - from,
                lines[from..].join("\n")
            );
        }
    }
}

/// The neutral code of an information page in the site's addresses (`/fr/i/<code>`),
/// as the server makes it (`server/src/web/content.rs`).
pub fn page_code(slug: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(format!("jasmine/page/{slug}").as_bytes())[..3])
}

/// The single-use token (`once`) of the form on the page at `path` of the server at
/// `url`, as a browser would post it with the form.
pub async fn form_token(url: &str, path: &str) -> String {
    use jasmine_client::transport::{ApiRequest, DirectHttp, Transport};
    let response = DirectHttp::new(url)
        .expect("server address")
        .send(ApiRequest::new(http::Method::GET, path))
        .await
        .expect("the form page");
    let page = String::from_utf8_lossy(&response.body);
    let marker = "name=\"once\" value=\"";
    let start = page
        .find(marker)
        .unwrap_or_else(|| panic!("no form token on {path}"))
        + marker.len();
    page[start..start + page[start..].find('"').expect("end of the token")].to_string()
}

/// `request` with a solved admission puzzle (`docs/PROTOCOL.md` §6.9) for `purpose`
/// and a body of `size` bytes (at least 1), asked of the server at `url`: for tests that
/// send an anonymous write by hand and check what the server says about the rest.
pub async fn with_solved_puzzle(
    url: &str,
    purpose: jasmine_client::puzzle::Purpose,
    size: usize,
    mut request: jasmine_client::transport::ApiRequest,
) -> jasmine_client::transport::ApiRequest {
    use jasmine_client::transport::Transport;
    let answer = jasmine_client::transport::DirectHttp::new(url)
        .expect("a server address")
        .send(jasmine_client::transport::ApiRequest::new(
            http::Method::GET,
            format!("/v1/puzzle?for={}&size={}", purpose.as_str(), size.max(1)),
        ))
        .await
        .expect("the server answers");
    assert!(
        answer.status.is_success(),
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let challenge: jasmine_client::puzzle::Challenge =
        serde_json::from_slice(&answer.body).expect("a puzzle");
    let solution = tokio::task::spawn_blocking(move || {
        jasmine_client::puzzle::solve(&challenge, &mut rand::rngs::OsRng, |_| {})
            .expect("a solvable puzzle")
    })
    .await
    .expect("the solver");
    request.headers.push((
        http::HeaderName::from_static(jasmine_client::puzzle::HEADER),
        solution.header_value(),
    ));
    request
}

/// Rewrites an inbox or outbox file (`jasmine-keys` air-gap file) as `change` leaves
/// it, with its `sha256` recomputed, so that only its signature can tell.
pub fn reseal_airgap_file(path: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    use std::io::Write as _;
    let mut value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("air-gap file")).expect("JSON");
    value.as_object_mut().expect("an object").remove("sha256");
    change(&mut value);
    let canonical = jasmine_client::canonical::to_canonical_bytes(&value).expect("canonical");
    let mut child = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the sha256sum tool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&canonical)
        .expect("write stdin");
    let out = child.wait_with_output().expect("sha256sum");
    let text = String::from_utf8(out.stdout).expect("hex");
    value["sha256"] = text.split_whitespace().next().expect("a hash").into();
    std::fs::write(path, serde_json::to_vec_pretty(&value).expect("JSON")).expect("write");
}
