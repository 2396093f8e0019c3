//! A private Tor network on 127.0.0.1 for the onion tests: 3 directory authorities,
//! 5 relays and a C tor client (for `curl --socks5-hostname`), all Debian `tor`,
//! with keys generated on the spot. It writes the arti configuration that points
//! Jasmine's embedded Tor at this network. Every process is killed by PID when the
//! [`TorNet`] is dropped, also when a test fails. One network runs at a time in a test
//! process (the others wait): two would share two cores with two arti services.
//!
//! The C tor client also logs its onion-service client activity at debug level
//! (`[rend]debug`, in `client/rend-debug.log`): it says there whether a service's
//! descriptor, once decrypted, carried `pow-params` ([`TorNet::client_rend_log`]),
//! with millisecond timestamps (the onion benchmark times the service's share of a
//! rendezvous from them).
//!
//! The recipe (torrc options, the `hsdir_interval` that makes arti's time periods
//! match C tor's, the subnet prefixes that stop relays on one IP from counting as
//! one family) is in `../shared/TOR_TESTNET.md` of the design card.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

const AUTHORITIES: usize = 3;
const RELAYS: usize = 5;
/// The C tor client's `[rend]` debug log, in its data directory.
const CLIENT_REND_LOG: &str = "client/rend-debug.log";

/// Held by the running network of this process.
static ONE_NETWORK: Mutex<()> = Mutex::new(());

/// A running private Tor network.
pub struct TorNet {
    /// Folder holding every node's data.
    pub dir: PathBuf,
    /// The arti configuration file for this network.
    pub arti_config: PathBuf,
    /// SOCKS port of the C tor client.
    pub socks_port: u16,
    /// Control port of the C tor client (loopback, no authentication: a test network).
    control_port: u16,
    /// The `DirAuthority` lines every node's torrc carries.
    dir_authorities: String,
    children: Vec<Child>,
    /// Released after the nodes are killed (fields drop after `Drop::drop`).
    _one_network: MutexGuard<'static, ()>,
}

struct Node {
    name: String,
    dir: PathBuf,
    or_port: u16,
    dir_port: u16,
}

struct AuthorityIds {
    v3ident: String,
    rsa: String,
    ed25519: String,
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn run(command: &mut Command, what: &str) -> String {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run ({e}); is Debian's `tor` installed?"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn first_field_after(text: &str, prefix: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|rest| rest.split_whitespace().last().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("no '{prefix}' line in:\n{text}"))
}

impl Node {
    fn new(root: &Path, name: String) -> Node {
        let dir = root.join(&name);
        std::fs::create_dir_all(dir.join("keys")).expect("node dir");
        set_private(&dir);
        Node {
            name,
            dir,
            or_port: free_port(),
            dir_port: free_port(),
        }
    }

    /// Starts Debian's `tor` on this node's torrc (and nothing of the system's).
    fn spawn(&self) -> Child {
        Command::new("tor")
            .arg("-f")
            .arg(self.torrc())
            .args(["--defaults-torrc", "/dev/null"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tor")
    }

    fn torrc(&self) -> PathBuf {
        self.dir.join("torrc")
    }

    /// Generates the authority's v3 key and certificate, and the relay keys.
    fn authority_ids(&self) -> AuthorityIds {
        let mut gencert = Command::new("tor-gencert");
        gencert
            .current_dir(self.dir.join("keys"))
            .args(["--create-identity-key", "-m", "12", "-a"])
            .arg(format!("127.0.0.1:{}", self.dir_port))
            .args([
                "-i",
                "authority_identity_key",
                "-s",
                "authority_signing_key",
                "-c",
                "authority_certificate",
                "--passphrase-fd",
                "0",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = gencert.spawn().expect("tor-gencert (Debian package tor)");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"\n")
            .expect("passphrase");
        let out = child.wait_with_output().expect("tor-gencert");
        assert!(
            out.status.success(),
            "tor-gencert: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let certificate = std::fs::read_to_string(self.dir.join("keys/authority_certificate"))
            .expect("certificate");
        let v3ident = first_field_after(&certificate, "fingerprint ");
        let minimal = format!(
            "DataDirectory {}\nORPort 127.0.0.1:{}\nAddress 127.0.0.1\nSocksPort 0\nNickname {}\n",
            self.dir.display(),
            self.or_port,
            self.name
        );
        std::fs::write(self.torrc(), minimal).expect("torrc");
        run(
            Command::new("tor")
                .args(["--list-fingerprint", "-f"])
                .arg(self.torrc())
                .args(["--defaults-torrc", "/dev/null"]),
            "tor --list-fingerprint",
        );
        let rsa = std::fs::read_to_string(self.dir.join("fingerprint")).expect("fingerprint");
        let ed = std::fs::read_to_string(self.dir.join("fingerprint-ed25519"))
            .expect("fingerprint-ed25519");
        AuthorityIds {
            v3ident,
            rsa: rsa.split_whitespace().last().expect("rsa").to_string(),
            ed25519: ed.split_whitespace().last().expect("ed25519").to_string(),
        }
    }
}

#[cfg(unix)]
fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
}

const COMMON: &str = "TestingTorNetwork 1
AssumeReachable 1
PathsNeededToBuildCircuits 0.25
TestingDirAuthVoteExit *
TestingDirAuthVoteHSDir *
TestingDirAuthVoteGuard *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
ClientUseIPv6 0
RunAsDaemon 0
ShutdownWaitLength 0
SafeLogging 1
";

const AUTHORITY: &str = "AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
V3AuthVotingInterval 20
TestingV3AuthInitialVotingInterval 20
V3AuthVoteDelay 4
TestingV3AuthInitialVoteDelay 4
V3AuthDistDelay 4
TestingV3AuthInitialDistDelay 4
ConsensusParams hsdir_interval=8
";

impl TorNet {
    /// Generates keys, writes every torrc and the arti configuration, starts all nodes.
    pub fn start(root: &Path) -> TorNet {
        // A test that failed while holding it poisons it; the network is gone anyway.
        let one_network = ONE_NETWORK.lock().unwrap_or_else(|e| e.into_inner());
        std::fs::create_dir_all(root).expect("network dir");
        let authorities: Vec<Node> = (0..AUTHORITIES)
            .map(|i| Node::new(root, format!("auth{i}")))
            .collect();
        let relays: Vec<Node> = (0..RELAYS)
            .map(|i| Node::new(root, format!("relay{i}")))
            .collect();
        let client = Node::new(root, "client".into());
        let ids: Vec<AuthorityIds> = authorities.iter().map(Node::authority_ids).collect();

        let mut dir_authorities = String::new();
        for (node, id) in authorities.iter().zip(&ids) {
            let _ = writeln!(
                dir_authorities,
                "DirAuthority {} orport={} no-v2 v3ident={} 127.0.0.1:{} {}",
                node.name, node.or_port, id.v3ident, node.dir_port, id.rsa
            );
        }
        let relay_part = |node: &Node| {
            format!(
                "SocksPort 0\nORPort 127.0.0.1:{}\nAddress 127.0.0.1\nDirPort 127.0.0.1:{}\nExitRelay 0\nExitPolicy reject *:*\nContactInfo jasmine-tests\n",
                node.or_port, node.dir_port
            )
        };
        let socks_port = free_port();
        let control_port = free_port();
        let write = |node: &Node, role: String| {
            let text = format!(
                "{COMMON}{dir_authorities}DataDirectory {}\nNickname {}\nLog notice file {}\n{role}",
                node.dir.display(),
                node.name,
                node.dir.join("notice.log").display()
            );
            std::fs::write(node.torrc(), text).expect("torrc");
        };
        for node in &authorities {
            write(node, format!("{}{AUTHORITY}", relay_part(node)));
        }
        for node in &relays {
            write(node, relay_part(node));
        }
        write(
            &client,
            format!(
                "SocksPort 127.0.0.1:{socks_port}\nControlPort 127.0.0.1:{control_port}\nLogTimeGranularity 1\nLog [rend]debug file {}\n",
                root.join(CLIENT_REND_LOG).display()
            ),
        );

        let mut arti = String::from("[tor_network]\nfallback_caches = [\n");
        for (node, id) in authorities.iter().zip(&ids) {
            let _ = writeln!(
                arti,
                "  {{ rsa_identity = \"{}\", ed_identity = \"{}\", orports = [\"127.0.0.1:{}\"] }},",
                id.rsa, id.ed25519, node.or_port
            );
        }
        arti.push_str("]\n\n[tor_network.authorities]\nv3idents = [");
        arti.push_str(
            &ids.iter()
                .map(|i| format!("\"{}\"", i.v3ident))
                .collect::<Vec<_>>()
                .join(", "),
        );
        arti.push_str(
            "]\n\n[path_rules]\nipv4_subnet_family_prefix = 33\nipv6_subnet_family_prefix = 129\n\n[preemptive_circuits]\ninitial_predicted_ports = []\n",
        );
        let arti_config = root.join("arti.toml");
        std::fs::write(&arti_config, arti).expect("arti config");

        let mut net = TorNet {
            dir: root.to_path_buf(),
            arti_config,
            socks_port,
            control_port,
            dir_authorities: dir_authorities.clone(),
            children: Vec::new(),
            _one_network: one_network,
        };
        for node in authorities
            .iter()
            .chain(&relays)
            .chain(std::iter::once(&client))
        {
            net.children.push(node.spawn());
        }
        net
    }

    /// Fetches `url` through the C tor client with curl, retrying until `patience`
    /// runs out. Returns the body of the first successful answer.
    pub fn curl(&self, url: &str, patience: Duration) -> Vec<u8> {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < patience {
            let out = Command::new("curl")
                .args([
                    "--silent",
                    "--show-error",
                    "--fail",
                    "--max-time",
                    "30",
                    "--socks5-hostname",
                ])
                .arg(format!("127.0.0.1:{}", self.socks_port))
                .arg(url)
                .output()
                .expect("curl must be installed");
            if out.status.success() {
                return out.stdout;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            self.assert_alive();
            // C tor remembers a failed descriptor fetch (each directory asked is not asked
            // again for 15 minutes) and failed introduction points: a fetch tried before
            // the service had uploaded its descriptor would fail until then. NEWNYM
            // forgets all of it, as a new Tor Browser identity does.
            self.new_identity();
            std::thread::sleep(Duration::from_secs(3));
        }
        panic!(
            "{url} was not reachable through Tor within {patience:?}: {last}\n{}",
            self.client_story()
        );
    }

    /// Waits until the C tor client says it has bootstrapped (a consensus, enough
    /// descriptors, circuits): the network is usable.
    pub fn wait_bootstrapped(&self, patience: Duration) {
        let started = Instant::now();
        let log = self.dir.join("client/notice.log");
        while started.elapsed() < patience {
            if std::fs::read_to_string(&log).is_ok_and(|t| t.contains("Bootstrapped 100%")) {
                return;
            }
            self.assert_alive();
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!(
            "the C tor client did not bootstrap within {patience:?}: {}",
            self.client_story()
        );
    }

    /// Starts a C tor onion service (Debian `tor`, `HiddenServicePort 80` to
    /// `127.0.0.1:target_port`) on this network, as the node `name`; killed with the
    /// network. Returns its address once tor has written it (the service is then being
    /// published, not yet reachable).
    pub fn start_c_onion_service(&mut self, name: &str, target_port: u16) -> String {
        let node = Node::new(&self.dir, name.to_string());
        let service_dir = node.dir.join("hs");
        std::fs::create_dir_all(&service_dir).expect("service dir");
        set_private(&service_dir);
        let text = format!(
            "{COMMON}{}DataDirectory {}\nNickname {}\nLog notice file {}\nSocksPort 0\nHiddenServiceDir {}\nHiddenServicePort 80 127.0.0.1:{target_port}\n",
            self.dir_authorities,
            node.dir.display(),
            node.name,
            node.dir.join("notice.log").display(),
            service_dir.display()
        );
        std::fs::write(node.torrc(), text).expect("torrc");
        self.children.push(node.spawn());
        let hostname = service_dir.join("hostname");
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(30) {
            if let Ok(address) = std::fs::read_to_string(&hostname) {
                return address.trim().to_string();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "the C tor onion service wrote no hostname in {}",
            service_dir.display()
        );
    }

    /// Sends NEWNYM to the C tor client: it forgets its onion-service client state
    /// (descriptors, failed fetches, failed introduction points) and its circuits.
    pub fn new_identity(&self) {
        use std::io::Read as _;
        let Ok(mut control) = std::net::TcpStream::connect(("127.0.0.1", self.control_port)) else {
            return;
        };
        let _ = control.set_read_timeout(Some(Duration::from_secs(5)));
        let _ = control.write_all(b"AUTHENTICATE\r\nSIGNAL NEWNYM\r\nQUIT\r\n");
        let mut answer = String::new();
        let _ = control.read_to_string(&mut answer);
    }

    /// What the C tor client said, for a failure message: the end of its notice log
    /// and of its onion-service debug log (descriptor fetches, introductions, rendezvous).
    pub fn client_story(&self) -> String {
        let tail = |path: PathBuf, lines: usize| {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            let from = all.len().saturating_sub(lines);
            format!(
                "--- the last {} lines of {}:\n{}",
                all.len() - from,
                path.display(),
                all[from..].join("\n")
            )
        };
        format!(
            "{}\n{}",
            tail(self.dir.join("client/notice.log"), 30),
            tail(self.dir.join(CLIENT_REND_LOG), 80)
        )
    }

    /// The lines of the C tor client's onion-service debug log that contain `needle`.
    pub fn client_rend_log(&self, needle: &str) -> Vec<String> {
        std::fs::read_to_string(self.dir.join(CLIENT_REND_LOG))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_string)
            .collect()
    }

    fn assert_alive(&self) {
        // Nothing to do if every node still runs; a dead node makes every wait futile.
        for entry in std::fs::read_dir(&self.dir).expect("network dir").flatten() {
            let log = entry.path().join("notice.log");
            if let Ok(text) = std::fs::read_to_string(&log) {
                assert!(
                    !text.contains("[err]"),
                    "a Tor node failed: {}",
                    log.display()
                );
            }
        }
    }
}

impl Drop for TorNet {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
        }
        for child in &mut self.children {
            let _ = child.wait();
        }
    }
}
