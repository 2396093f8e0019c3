//! The README's commands, run as a newcomer types them: `make run` (in a new data
//! folder, on a free port instead of 8080), then every command of "The whole loop, by
//! hand" in a shell, in the README's order, from a folder where `./target` and `./docs`
//! are the repository's. The README's placeholders (`<id>`, `<alert id>`,
//! `outbox/reply-….json`, the codename it asks for) are filled in from what the commands
//! before printed, and each sample output the README shows under a command (`#   …`)
//! must be in what the command printed, up to the sample's first figure or ellipsis.
//! The onion example needs the real Tor network and is not run here; e2e_tor runs the
//! same commands over a private one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// One command of the README and the sample lines it shows under it.
#[derive(Debug)]
struct Step {
    command: String,
    samples: Vec<String>,
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// The commands of the fenced `sh` block under `heading`, continuation lines joined,
/// comments after a command dropped, sample outputs attached to their command.
fn steps_under(readme: &str, heading: &str) -> Vec<Step> {
    let after = readme
        .split_once(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("the README has no heading {heading:?}"))
        .1;
    let block = after
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("\n```"))
        .expect("a ```sh block under the heading")
        .0;
    let mut steps: Vec<Step> = Vec::new();
    let mut pending = String::new();
    let mut samples_open = false;
    for line in block.lines() {
        let trimmed = line.trim_start();
        if pending.is_empty() && trimmed.starts_with('#') {
            match trimmed.strip_prefix("#   ") {
                Some(sample) if samples_open => {
                    steps.last_mut().unwrap().samples.push(sample.to_string())
                }
                _ => samples_open = false,
            }
            continue;
        }
        if trimmed.is_empty() {
            samples_open = false;
            continue;
        }
        let code = line
            .split_once("  #")
            .map_or(line, |(code, _)| code)
            .trim_end();
        match code.strip_suffix('\\') {
            Some(part) => pending.push_str(part),
            None => {
                pending.push_str(code);
                steps.push(Step {
                    command: std::mem::take(&mut pending).trim().to_string(),
                    samples: Vec::new(),
                });
                samples_open = true;
            }
        }
    }
    steps
}

/// `make run` in its own process group, killed with it when dropped.
struct MakeRun {
    child: Child,
    url: String,
}

impl MakeRun {
    fn start(data: &Path) -> MakeRun {
        use std::os::unix::process::CommandExt;
        let port = jasmine_tests::tor_net::free_port();
        let mut child = Command::new("make")
            .arg("-C")
            .arg(repository())
            .arg("run")
            .arg(format!("DATA={}", data.display()))
            .arg(format!("LISTEN=127.0.0.1:{port}"))
            .env("JASMINE_PASSPHRASE", "demo")
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("make");
        let url = jasmine_tests::announced_url(&mut child, None)
            .recv_timeout(Duration::from_secs(120))
            .expect("`make run` serves within 2 minutes");
        MakeRun { child, url }
    }
}

impl Drop for MakeRun {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.child.wait();
    }
}

/// What the commands printed so far tells the placeholders.
#[derive(Default)]
struct Placeholders {
    report_id: Option<String>,
    alert_id: Option<String>,
    codename: Option<String>,
}

impl Placeholders {
    fn learn(&mut self, output: &str) {
        for line in output.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if first.len() >= 16 && first.chars().all(|c| c.is_ascii_hexdigit()) {
                self.report_id = Some(first.to_string());
            }
            if line.starts_with("ALERT ") {
                self.alert_id = line.rsplit(' ').next().map(str::to_string);
            }
            let word = line.trim();
            let groups: Vec<&str> = word.split('-').collect();
            if groups.len() == 6
                && groups
                    .iter()
                    .all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_alphanumeric()))
            {
                self.codename = Some(word.to_string());
            }
        }
    }

    fn fill(&self, command: &str, folder: &Path) -> String {
        let mut filled = command.to_string();
        if filled.contains("<id>") {
            let id = self
                .report_id
                .as_deref()
                .expect("a report id printed before <id>");
            filled = filled.replace("<id>", id);
        }
        if filled.contains("<alert id>") {
            let id = self
                .alert_id
                .as_deref()
                .expect("an alert printed before <alert id>");
            filled = filled.replace("<alert id>", id);
        }
        if filled.contains("outbox/reply-….json") {
            let reply = std::fs::read_dir(folder.join("outbox"))
                .expect("an outbox")
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("reply-") && n.ends_with(".json"))
                .max()
                .expect("a reply in the outbox");
            filled = filled.replace("outbox/reply-….json", &format!("outbox/{reply}"));
        }
        let unquoted: String = filled.split('"').step_by(2).collect();
        assert!(
            !unquoted.contains('<') && !unquoted.contains('…'),
            "the README's command {command:?} has a placeholder this test does not fill"
        );
        filled
    }
}

/// The parts of a sample output that do not vary: the runs of its words that hold no
/// figure, ellipsis or `<placeholder>`, each of 4 characters or more.
fn fixed_parts(sample: &str) -> Vec<String> {
    let varies = |word: &str| word.contains(|c: char| c.is_ascii_digit() || "…<>".contains(c));
    sample
        .split_whitespace()
        .collect::<Vec<_>>()
        .split(|word| varies(word))
        .map(|run| run.join(" "))
        .filter(|part| part.chars().count() >= 4)
        .collect()
}

/// Whether `printed` holds each of the sample's fixed parts, in order (spaces compared
/// as one).
fn shows(printed: &str, sample: &str) -> bool {
    let printed = printed.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut from = 0;
    for part in fixed_parts(sample) {
        match printed[from..].find(&part) {
            Some(at) => from += at + part.len(),
            None => return false,
        }
    }
    true
}

#[test]
fn the_whole_loop_by_hand_runs_as_the_readme_shows_it() {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let steps = steps_under(&readme, "## The whole loop, by hand");
    assert!(steps.len() > 20, "{steps:#?}");
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path();
    for shared in ["target", "docs"] {
        std::os::unix::fs::symlink(repository().join(shared), folder.join(shared)).unwrap();
    }
    let make_run = MakeRun::start(&folder.join("data"));
    let mut prelude = String::new();
    let mut known = Placeholders::default();
    let mut checked_samples = 0;
    for step in &steps {
        let is_assignment = step.command.starts_with("export ")
            || step
                .command
                .split_once('=')
                .is_some_and(|(name, _)| name.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
        if is_assignment {
            prelude.push_str(&step.command);
            prelude.push('\n');
            continue;
        }
        let command = known.fill(&step.command, folder);
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(format!("{prelude}{command}"))
            .current_dir(folder)
            .env("JASMINE_SERVER", &make_run.url)
            .env("HOME", folder)
            .env("XDG_STATE_HOME", folder.join("state"))
            .env_remove("JASMINE_PASSPHRASE")
            .env_remove("JASMINE_ROOT_KEY")
            .stdin(Stdio::null());
        if let Some(codename) = &known.codename {
            shell.env("JASMINE_CODENAME", codename);
        }
        let out = shell.output().unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "the README's command failed:\n{command}\n{printed}"
        );
        for sample in &step.samples {
            assert!(
                shows(&printed, sample),
                "the README shows {sample:?} under\n{command}\nwhich printed:\n{printed}"
            );
            checked_samples += usize::from(!fixed_parts(sample).is_empty());
        }
        known.learn(&printed);
    }
    assert!(
        checked_samples >= 6,
        "only {checked_samples} samples checked"
    );
    drop(make_run);
}

#[test]
fn the_readme_parser_reads_commands_samples_and_continuations() {
    let readme = "x\n## H\n\n```sh\nexport A=1\n# a comment\nrun one  # said after\n#   out one\n#   out two\n\n#   not a sample\nrun \\\n    two\n```\n";
    let steps = steps_under(readme, "## H");
    let commands: Vec<&str> = steps.iter().map(|s| s.command.as_str()).collect();
    assert_eq!(commands, ["export A=1", "run one", "run     two"]);
    assert_eq!(steps[1].samples, ["out one", "out two"]);
    assert!(steps[2].samples.is_empty());
    assert_eq!(
        fixed_parts("Pulled 1 new report(s) into inbox."),
        ["Pulled", "new report(s) into inbox."]
    );
    assert_eq!(
        fixed_parts("<id>  received 2026-11-29  no reply yet"),
        ["received", "no reply yet"]
    );
    assert!(fixed_parts("    7K2M-QX9D-A4RT-8ZWC-PB3N-WD11").is_empty());
    assert!(shows(
        "Pulled 3 new report(s) into inbox.",
        "Pulled 1 new report(s) into inbox."
    ));
    assert!(!shows(
        "Pulled 3 new report(s) and 0 message(s) into inbox.",
        "Pulled 1 new report(s) into inbox."
    ));
    assert!(!shows(
        "into inbox. Pulled 3 new report(s)",
        "Pulled 1 new report(s) into inbox."
    ));
}
