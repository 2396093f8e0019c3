//! `jasmine`: the reporter's command-line client. Builds a report (from a file or by
//! asking), encrypts it on this machine to the moderators of the verified key bundle,
//! and sends only the ciphertext; reads and verifies the public alerts.
#![forbid(unsafe_code)]

mod prompts;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use jasmine_client::client::{AlertQuery, JasmineClient};
use jasmine_client::keys::PublicKey;
use jasmine_client::report::{Category, Report, REPORT_FORMAT};
use jasmine_client::transport::{AnyTransport, TorSettings};
use jasmine_client::{envelope, Day};

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
    /// Read the alerts, checking every signature.
    Alerts(AlertsArgs),
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
    /// Print the server's receipt as JSON.
    #[arg(long)]
    json: bool,
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

fn report(args: ReportArgs) -> Result<()> {
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
    let report = match &args.file {
        Some(path) => read_report_file(path)?,
        None => match prompts::ask_report(today)? {
            Some(report) => report,
            None => {
                eprintln!("Nothing was sent.");
                return Ok(());
            }
        },
    };
    let ciphertext = envelope::seal_report(&report, &bundle)?;
    drop(report);
    let receipt = rt
        .block_on(client.submit_report(ciphertext))
        .context("the report was not sent")?;
    if args.json {
        println!("{}", serde_json::to_string(&receipt)?);
    } else {
        println!(
            "Your report was received and stored on {}, encrypted to the {} moderator(s) of {}.",
            receipt.received_on,
            bundle.bundle().moderators.len(),
            bundle.bundle().organisation
        );
        println!("Only they can read it. Take care of yourself.");
    }
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
        println!("{}", serde_json::to_string_pretty(&feed.alerts)?);
    } else if feed.alerts.is_empty() {
        println!("No alerts.");
    } else {
        for a in &feed.alerts {
            print!("{}", prompts::alert_text(a));
        }
    }
    for reason in &feed.rejected {
        eprintln!("warning: an entry of the feed failed verification and is not shown: {reason}");
    }
    if !feed.rejected.is_empty() {
        bail!(
            "{} entr(y/ies) of the feed did not verify: the server may be tampering",
            feed.rejected.len()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report(a) => report(a),
        Command::Alerts(a) => alerts(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jasmine: {e:#}");
            ExitCode::from(1)
        }
    }
}
