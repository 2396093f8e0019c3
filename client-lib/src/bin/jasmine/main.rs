//! `jasmine`: the reporter's command-line client. Builds a report (from a file or by
//! asking), encrypts it on this machine to the moderators of the verified key bundle,
//! and sends only the ciphertext; reads and answers the association's replies with a
//! codename; reads and verifies the public alerts.
#![forbid(unsafe_code)]

mod prompts;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use base64::Engine as _;
use clap::{Args, Parser, Subcommand};
use jasmine_client::attachment::{self, Image, MAX_ATTACHMENTS};
use jasmine_client::bundle::VerifiedBundle;
use jasmine_client::client::{AlertQuery, JasmineClient};
use jasmine_client::codename::{Codename, ReplyKeys};
use jasmine_client::keys::PublicKey;
use jasmine_client::report::{Category, FollowUp, Report, REPORT_FORMAT};
use jasmine_client::transport::{AnyTransport, TorSettings};
use jasmine_client::{envelope, mailbox, scrub, Day};
use zeroize::Zeroizing;

/// Report violence anonymously to Jasmine, and read the alerts.
#[derive(Parser)]
#[command(name = "jasmine", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Send a report (encrypted here, before it leaves this machine).
    Report(ReportArgs),
    /// Write a photo or screenshot as `report --attach` would send it: scrubbed of
    /// everything but its pixels. Nothing is sent.
    Scrub(ScrubArgs),
    /// Read the association's answers to your report, with your codename.
    Replies(CodenameArgs),
    /// Answer the association, with your codename (encrypted here, like a report).
    Answer(AnswerArgs),
    /// Delete your conversation from the server, with your codename.
    Forget(CodenameArgs),
    /// Read the alerts, checking every signature.
    Alerts(AlertsArgs),
    /// Check a phone number, plate or handle against the association's check list,
    /// without telling the server which one (it is blinded here).
    Check(CheckArgs),
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    connection: Connection,
    /// The phone number, number plate or handle, in any notation.
    identifier: String,
    /// What it is: phone, plate or handle.
    #[arg(long, default_value = "phone")]
    kind: String,
    /// The country a phone number without an international prefix is read in.
    #[arg(long, default_value = "FR")]
    country: String,
    /// Print the alerts found as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct Connection {
    /// The Jasmine server (http://127.0.0.1:8080 in development).
    #[arg(long, env = "JASMINE_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// The organisation's root public key (base64), as published by the organisation.
    #[arg(long, env = "JASMINE_ROOT_KEY")]
    root_key: Option<String>,
    /// A file holding the root public key (root.pub).
    #[arg(long)]
    root_key_file: Option<PathBuf>,
    /// Where the highest key bundle version seen, and Tor's state, are kept.
    #[arg(long, env = "JASMINE_STATE_DIR")]
    state_dir: Option<PathBuf>,
    /// An arti configuration file for a Tor network other than the public one (tests).
    #[arg(long, env = "JASMINE_TOR_NETWORK_CONFIG")]
    tor_network_config: Option<PathBuf>,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    connection: Connection,
    /// The report as a JSON or TOML file; without it, questions are asked.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Ask for answers with a codename (with --file; without it, the question is asked).
    #[arg(long)]
    codename: bool,
    /// An image to send with it (a photo or a screenshot: JPEG, PNG or WebP), at most
    /// 5. It is scrubbed here before it is encrypted: decoded and encoded again from
    /// its pixels alone, so that its location, camera, time and every other tag are
    /// left behind. See it first with `jasmine scrub`.
    #[arg(long = "attach", value_name = "FILE")]
    attach: Vec<PathBuf>,
    /// Print the server's receipt (and the codename) as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ScrubArgs {
    /// The photo or screenshot, as you would attach it.
    file: PathBuf,
    /// Where to write it as it would be sent (scrubbed); look at it before sending.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
struct CodenameArgs {
    #[command(flatten)]
    connection: Connection,
    /// A file holding your codename (otherwise $JASMINE_CODENAME, otherwise it is asked).
    #[arg(long)]
    codename_file: Option<PathBuf>,
}

#[derive(Args)]
struct AnswerArgs {
    #[command(flatten)]
    codename: CodenameArgs,
    /// The message (otherwise --file, otherwise it is asked).
    #[arg(long)]
    text: Option<String>,
    /// A file holding the message.
    #[arg(long)]
    file: Option<PathBuf>,
    /// An image to send with it (JPEG, PNG or WebP), at most 5; scrubbed here before it
    /// is encrypted, as with `report --attach`. With images the text may be left empty
    /// (--text "").
    #[arg(long = "attach", value_name = "FILE")]
    attach: Vec<PathBuf>,
}

#[derive(Args)]
struct AlertsArgs {
    #[command(flatten)]
    connection: Connection,
    /// Only alerts published on or after this day (YYYY-MM-DD).
    #[arg(long)]
    since: Option<String>,
    /// Only this département or region.
    #[arg(long)]
    region: Option<String>,
    /// Only this category (e.g. condom_removal, rape, armed_robbery).
    #[arg(long)]
    category: Option<String>,
    /// Most alerts to show.
    #[arg(long, default_value_t = 50)]
    limit: u64,
    /// Print verified alerts as JSON.
    #[arg(long)]
    json: bool,
}

impl Connection {
    fn root(&self) -> Result<PublicKey> {
        let text = match (&self.root_key, &self.root_key_file) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) => std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
            (None, None) => bail!("give the organisation's root key with --root-key, --root-key-file or JASMINE_ROOT_KEY"),
        };
        PublicKey::from_base64(text.trim()).context("the root key")
    }

    /// The transport: Tor (embedded) for an onion address, plain HTTP otherwise.
    fn transport(&self, rt: &tokio::runtime::Runtime) -> Result<AnyTransport> {
        let tor = TorSettings {
            dir: state::state_dir(self.state_dir.clone())?.join("tor"),
            network_config: self.tor_network_config.clone(),
        };
        if jasmine_client::transport::tor::is_onion_url(&self.server) {
            eprintln!("Connecting to Tor…");
        }
        Ok(rt.block_on(AnyTransport::for_url(&self.server, &tor))?)
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn read_report_file(path: &PathBuf) -> Result<Report> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut value: serde_json::Value = if path.extension().is_some_and(|e| e == "toml") {
        let parsed: toml::Value = toml::from_str(&text)
            .with_context(|| format!("{} is not valid TOML", path.display()))?;
        serde_json::to_value(parsed)?
    } else {
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", path.display()))?
    };
    if let Some(object) = value.as_object_mut() {
        object.entry("format").or_insert(REPORT_FORMAT.into());
    }
    let report: Report = serde_json::from_value(value)
        .with_context(|| format!("{} is not a report", path.display()))?;
    report
        .validate()
        .with_context(|| format!("{} cannot be sent", path.display()))?;
    Ok(report)
}

/// Scrubs the images to attach, before anything else is done: a file that cannot be
/// sent stops everything while nothing has left this machine.
fn scrub_attachments(files: &[PathBuf]) -> Result<Vec<Image>> {
    if files.len() > MAX_ATTACHMENTS {
        bail!(
            "{} images given with --attach: at most {MAX_ATTACHMENTS} can go with one message",
            files.len()
        );
    }
    files
        .iter()
        .map(|path| {
            let chosen = Zeroizing::new(
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?,
            );
            let image = scrub::scrub(&chosen)
                .with_context(|| format!("{} cannot be attached", path.display()))?;
            eprintln!(
                "{}: scrubbed ({} bytes as {}; nothing but its pixels is sent)",
                path.display(),
                image.bytes.len(),
                image.media_type.as_str()
            );
            Ok(image)
        })
        .collect()
}

fn scrub_one(args: ScrubArgs) -> Result<()> {
    let chosen = Zeroizing::new(
        std::fs::read(&args.file)
            .with_context(|| format!("cannot read {}", args.file.display()))?,
    );
    let image = scrub::scrub(&chosen)
        .with_context(|| format!("{} cannot be attached", args.file.display()))?;
    write_private(&args.out, &image.bytes)?;
    println!(
        "{} written: {} bytes, {}, as `jasmine report --attach {}` would send it.",
        args.out.display(),
        image.bytes.len(),
        image.media_type.as_str(),
        args.file.display()
    );
    Ok(())
}

/// Writes `bytes` to a new file only its owner can read.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    std::io::Write::write_all(&mut file, bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn report(args: ReportArgs) -> Result<()> {
    let images = scrub_attachments(&args.attach)?;
    let root = args.connection.root()?;
    let seen = state::SeenVersions::open(args.connection.state_dir.clone(), &root)?;
    let rt = runtime()?;
    let transport = args.connection.transport(&rt)?;
    let today = Day::today_utc();
    let bundle = rt
        .block_on(JasmineClient::new(transport.clone()).fetch_bundle(&root, today, seen.highest()))
        .context("cannot get the moderators' keys")?;
    seen.record(bundle.version())?;
    // Over Tor, the report goes to the onion address the organisation signed.
    let client = JasmineClient::new(
        transport
            .follow_bundle_onion(&bundle.bundle().onion)
            .unwrap_or(transport),
    );
    let (mut report, wants_codename) = match &args.file {
        Some(path) => (read_report_file(path)?, args.codename),
        None => match prompts::ask_report(today)? {
            Some(asked) => asked,
            None => {
                eprintln!("Nothing was sent.");
                return Ok(());
            }
        },
    };
    let codename = if wants_codename {
        let codename = Codename::generate(&mut rand::rngs::OsRng);
        let keys = codename.derive()?;
        report.follow_up = FollowUp::through_codename(&keys);
        Some(codename)
    } else {
        None
    };
    let attachments = if images.is_empty() {
        None
    } else {
        let (file, entries) = attachment::seal(&images, &bundle.recipients())?;
        report.attachments = entries;
        Some(file)
    };
    drop(images);
    let ciphertext = envelope::seal_report(&report, &bundle)?;
    drop(report);
    let receipt = match attachments {
        None => rt.block_on(client.submit_report(ciphertext)),
        Some(file) => rt.block_on(client.submit_report_with_attachments(ciphertext, file)),
    }
    .context("the report was not sent")?;
    if args.json {
        let mut value = serde_json::to_value(&receipt)?;
        if let Some(codename) = &codename {
            value["codename"] = codename.display().as_str().into();
        }
        println!("{value}");
    } else {
        println!(
            "Your report was received and stored on {}, encrypted to the {} moderator(s) of {}.",
            receipt.received_on,
            bundle.bundle().moderators.len(),
            bundle.bundle().organisation
        );
        println!("Only they can read it. Take care of yourself.");
        if let Some(codename) = &codename {
            println!();
            println!("YOUR CODENAME — write it down now and keep it secret:");
            println!();
            println!("    {}", codename.display().as_str());
            println!();
            println!(
                "With it, and only with it, you read the association's answers and answer them:"
            );
            println!("    jasmine replies      jasmine answer      jasmine forget (deletes the conversation)");
            println!(
                "Anyone who has it can read the conversation. Nobody can give it back to you if"
            );
            println!(
                "you lose it: not the association, not the server. It is not stored anywhere."
            );
        }
    }
    Ok(())
}

impl CodenameArgs {
    /// The codename, read from the file, the environment or the terminal, and its keys.
    fn keys(&self) -> Result<ReplyKeys> {
        let typed = Zeroizing::new(match &self.codename_file {
            Some(path) => std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            None => match std::env::var("JASMINE_CODENAME") {
                Ok(value) => value,
                Err(_) => prompts::ask_codename()?,
            },
        });
        let codename = Codename::parse(&typed).context(
            "this is not your codename; copy it again exactly as it was shown (six groups of four)",
        )?;
        Ok(codename.derive()?)
    }

    fn session(
        &self,
    ) -> Result<(
        tokio::runtime::Runtime,
        JasmineClient<AnyTransport>,
        VerifiedBundle,
    )> {
        let root = self.connection.root()?;
        let seen = state::SeenVersions::open(self.connection.state_dir.clone(), &root)?;
        let rt = runtime()?;
        let transport = self.connection.transport(&rt)?;
        let bundle = rt
            .block_on(JasmineClient::new(transport.clone()).fetch_bundle(
                &root,
                Day::today_utc(),
                seen.highest(),
            ))
            .context("cannot get the moderators' keys")?;
        seen.record(bundle.version())?;
        let client = JasmineClient::new(
            transport
                .follow_bundle_onion(&bundle.bundle().onion)
                .unwrap_or(transport),
        );
        Ok((rt, client, bundle))
    }
}

fn replies(args: CodenameArgs) -> Result<()> {
    let keys = args.keys()?;
    let (rt, client, bundle) = args.session()?;
    let entries = rt
        .block_on(client.read_mailbox(&keys.mailbox))
        .context("cannot read the conversation")?;
    if entries.is_empty() {
        println!("No messages yet. The association answers as soon as it can; come back later.");
        return Ok(());
    }
    let mut unreadable = 0;
    println!(
        "Your conversation with {} ({} message(s)):",
        bundle.bundle().organisation,
        entries.len()
    );
    for entry in &entries {
        let opened = base64::engine::general_purpose::STANDARD
            .decode(&entry.ciphertext)
            .map_err(|_| jasmine_client::Error::DecryptionFailed)
            .and_then(|c| {
                mailbox::open_message(
                    &c,
                    &keys.identity,
                    &keys.mailbox,
                    std::slice::from_ref(bundle.bundle()),
                    Some(&keys.answer_public()),
                )
            });
        match opened {
            Ok(message) => print!("{}", prompts::message_text(&message)),
            Err(e) => {
                unreadable += 1;
                eprintln!(
                    "warning: a message of {} could not be read and is not shown: {e}",
                    entry.posted_on
                );
            }
        }
    }
    if unreadable > 0 {
        bail!("{unreadable} message(s) did not decrypt or verify: the server may be tampering");
    }
    Ok(())
}

fn answer(args: AnswerArgs) -> Result<()> {
    // The images first: a file that cannot be sent stops everything before the
    // codename is asked for.
    let images = scrub_attachments(&args.attach)?;
    let keys = args.codename.keys()?;
    let text = Zeroizing::new(match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
        (None, None) => prompts::ask_message()?,
    });
    if text.trim().is_empty() && images.is_empty() {
        bail!("the message is empty and no image is attached; nothing was sent");
    }
    let (rt, client, bundle) = args.codename.session()?;
    let sealed =
        mailbox::seal_answer_with_images(&text, &images, &keys, &bundle, Day::today_utc())?;
    drop(images);
    let receipt = match &sealed.attachments {
        None => rt.block_on(client.post_answer(&keys.mailbox, &sealed.envelope)),
        Some(file) => {
            rt.block_on(client.post_answer_with_attachments(&keys.mailbox, &sealed.envelope, file))
        }
    }
    .context("your answer was not sent")?;
    println!(
        "Your answer was stored on {}, encrypted to the {} moderator(s) of {} and to your codename.",
        receipt.received_on,
        bundle.bundle().moderators.len(),
        bundle.bundle().organisation
    );
    if !args.attach.is_empty() {
        println!(
            "{} image(s) went with it, scrubbed here and encrypted the same way.",
            args.attach.len()
        );
    }
    Ok(())
}

fn forget(args: CodenameArgs) -> Result<()> {
    let keys = args.keys()?;
    let (rt, client, _) = args.session()?;
    rt.block_on(client.delete_mailbox(&keys.mailbox))
        .context("the conversation was not deleted")?;
    println!("Your conversation is deleted from the server (if there was one). The association keeps what it already read.");
    Ok(())
}

fn alerts(args: AlertsArgs) -> Result<()> {
    let root = args.connection.root()?;
    let seen = state::SeenVersions::open(args.connection.state_dir.clone(), &root)?;
    if let Some(c) = &args.category {
        if Category::parse(c).is_none() {
            let names: Vec<_> = Category::ALL.iter().map(|c| c.as_str()).collect();
            bail!("unknown category '{c}'; use one of: {}", names.join(", "));
        }
    }
    let query = AlertQuery {
        since: args.since.as_deref().map(Day::parse).transpose()?,
        region: args.region.clone(),
        category: args.category.clone(),
        offset: None,
        limit: Some(args.limit),
    };
    let rt = runtime()?;
    let client = JasmineClient::new(args.connection.transport(&rt)?);
    let bundle = rt
        .block_on(client.fetch_bundle(&root, Day::today_utc(), seen.highest()))
        .context("cannot get the key bundle to check the alerts")?;
    seen.record(bundle.version())?;
    let feed = rt.block_on(client.fetch_alerts(&query, bundle.bundle()))?;
    if args.json {
        let json = serde_json::to_string_pretty(&feed.alerts)?;
        println!("{}", jasmine_client::terminal::escape_json(&json));
    } else if feed.alerts.is_empty() {
        println!("No alerts.");
    } else {
        for a in &feed.alerts {
            print!("{}", prompts::alert_text(a));
        }
    }
    for reason in &feed.rejected {
        eprintln!(
            "warning: an entry of the feed failed verification and is not shown: {}",
            jasmine_client::terminal::escape(reason)
        );
    }
    if !feed.rejected.is_empty() {
        bail!(
            "{} entr(y/ies) of the feed did not verify: the server may be tampering",
            feed.rejected.len()
        );
    }
    Ok(())
}

fn check(args: CheckArgs) -> Result<()> {
    use jasmine_client::identifier::{self, Kind};
    let kind = Kind::parse(&args.kind)
        .with_context(|| format!("--kind '{}': use phone, plate or handle", args.kind))?;
    let normalised =
        identifier::normalize(kind, &args.identifier, &args.country).with_context(|| {
            format!(
                "'{}' is too short to be a {}",
                args.identifier,
                kind.label()
            )
        })?;
    let root = args.connection.root()?;
    let seen = state::SeenVersions::open(args.connection.state_dir.clone(), &root)?;
    let rt = runtime()?;
    let client = JasmineClient::new(args.connection.transport(&rt)?);
    let bundle = rt
        .block_on(client.fetch_bundle(&root, Day::today_utc(), seen.highest()))
        .context("cannot get the key bundle")?;
    seen.record(bundle.version())?;
    if bundle.bundle().check_key.is_none() {
        bail!("this service does not offer the check: its key bundle names no check key (the organisation has not set it up)");
    }
    let input = jasmine_client::oprf::check_input(kind, &normalised);
    let found = match rt.block_on(client.check(bundle.bundle(), &input)) {
        Err(jasmine_client::client::ClientError::Protocol(jasmine_client::Error::BadSignature(
            _,
        ))) => bail!(
            "the server's answer was not made with the check key the organisation signed: it may be trying to tell one asker from another. Nothing was checked; do not trust this server's answers"
        ),
        other => other?,
    };
    if found.ignored_entries > 0 {
        eprintln!(
            "warning: {} entr(y/ies) of the check list are signed by no moderator and were ignored: the server may be tampering",
            found.ignored_entries
        );
    }
    if args.json {
        let json = serde_json::to_string_pretty(&found.alerts)?;
        println!("{}", jasmine_client::terminal::escape_json(&json));
        return Ok(());
    }
    if found.alerts.is_empty() {
        println!(
            "No report is known for this {}. That does not mean he is safe: most violence is never reported.",
            kind.label()
        );
    } else {
        println!(
            "Warning: {} alert(s) of the association name this {}:",
            found.alerts.len(),
            kind.label()
        );
        for a in &found.alerts {
            print!("{}", prompts::alert_text(a));
        }
    }
    if !found.withdrawn.is_empty() {
        println!(
            "({} alert(s) that named it were withdrawn by the association.)",
            found.withdrawn.len()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(a) => report(a),
        Command::Scrub(a) => scrub_one(a),
        Command::Replies(a) => replies(a),
        Command::Answer(a) => answer(a),
        Command::Forget(a) => forget(a),
        Command::Alerts(a) => alerts(a),
        Command::Check(a) => check(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!(
                "jasmine: {}",
                jasmine_client::terminal::escape_lines(&format!("{e:#}"))
            );
            ExitCode::from(1)
        }
    }
}
