//! `jasmine-keys`: the tool of the organisation and of its moderators.
//!
//! Offline commands (keys, bundles, reading reports, signing alerts) never touch the
//! network; online commands (`bundle upload`, `pull`, `publish`) only move
//! ciphertext and signed files. Exit codes: 0 done, 1 failed, 2 wrong usage.
#![forbid(unsafe_code)]

mod cmd_alerts;
mod cmd_attachments;
mod cmd_desk;
mod cmd_insight;
mod cmd_org;
mod cmd_replies;
mod cmd_reports;
mod cmd_review;
mod images;
mod published;
mod publishing;
mod source;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use jasmine_client::transport::{AnyTransport, TorSettings};
use jasmine_keys::{
    airgap, desk, display, evaluations, files, inbox, keyfiles, matching, opening, passphrase,
    reply, sanitize, signing, stats,
};

use crate::passphrase::PassphraseSource;

/// Keys, bundles, reports and alerts for the Jasmine organisation and moderators.
#[derive(Parser)]
#[command(name = "jasmine-keys", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The organisation's root key.
    #[command(subcommand)]
    Org(OrgCommand),
    /// A moderator's keys.
    #[command(subcommand)]
    Moderator(ModeratorCommand),
    /// Key bundles: who the moderators are.
    #[command(subcommand)]
    Bundle(BundleCommand),
    /// (online) Download new ciphertexts: into one inbox file for the offline machine (--out), or into an inbox folder.
    Pull(cmd_reports::PullArgs),
    /// (offline) Take an inbox file onto your desk (the encrypted case list).
    Import(cmd_desk::ImportArgs),
    /// (offline) Walk the open cases: read each, then publish an alert, reply, archive or note.
    Review(cmd_review::ReviewArgs),
    /// (offline) The cases on your desk and where they stand.
    Cases(cmd_desk::CasesArgs),
    /// (offline) Add a note to a case (kept encrypted on the desk).
    Note(cmd_desk::NoteArgs),
    /// (offline) Close (archive) a case.
    Close(cmd_desk::CloseArgs),
    /// (offline) Delete the unreadable reports and messages set aside on import or in review (junk).
    ///
    /// Unreadable: they do not decrypt with your keys, or decrypt but are not a valid
    /// report or message. Anyone can post to the server, so `import` and `review` set
    /// them aside (status `unreadable`, listed apart by `cases`, never reviewed). This
    /// deletes their ciphertext files and their entries from the case list, and prints
    /// how many. Their acknowledgements still go with your outbox file: the server
    /// deletes them once every moderator has acknowledged them.
    DiscardUnreadable(cmd_desk::DiscardUnreadableArgs),
    /// (offline) Export a case, encrypted to every moderator of the bundle.
    Export(cmd_desk::ExportArgs),
    /// (offline) Write what waits on the desk into one outbox file for the online machine.
    Outbox(cmd_desk::OutboxArgs),
    /// (offline) Repeat aggressors: reports and alerts that share a phone number, plate or handle.
    Match(cmd_insight::MatchArgs),
    /// (offline) Figures for advocacy: reports by category, month, region, severity (table, CSV, SVG).
    Stats(cmd_insight::StatsArgs),
    /// (offline) List the reports in an inbox folder.
    List(cmd_reports::ListArgs),
    /// (offline) Decrypt and show one report, with its conversation.
    Show(cmd_reports::ShowArgs),
    /// (offline) Seal and sign a reply to a reporter who chose a codename (online with --api-key).
    Reply(cmd_replies::ReplyArgs),
    /// (offline) The reports that wait for an answer.
    Waiting(cmd_replies::WaitingArgs),
    /// (offline) Draft, sign or retract alerts.
    #[command(subcommand)]
    Alert(AlertCommand),
    /// (offline) A report's images: write one, decrypted, for viewing here.
    #[command(subcommand)]
    Attachment(AttachmentCommand),
    /// (online) Upload an outbox file (or a signed alert, a retraction, a sealed reply).
    Publish(cmd_alerts::PublishArgs),
    /// Create a demo organisation, moderator and bundle (passphrase "demo"): for trying Jasmine only.
    Demo(cmd_org::DemoArgs),
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create the organisation's root key (root.key.age, root.pub).
    Init(cmd_org::InitArgs),
}

#[derive(Subcommand)]
enum ModeratorCommand {
    /// Create a moderator's keys: <id>.offline.age, <id>.api.key, <id>.card.json.
    Keygen(cmd_org::KeygenArgs),
    /// New keys for the same moderator (keeps the earlier age identities for older reports).
    Rotate(cmd_org::RotateArgs),
    /// Write the moderator's age identity in the standard age format (to decrypt with any age tool).
    ExportAgeIdentity(cmd_org::ExportArgs),
}

#[derive(Subcommand)]
enum BundleCommand {
    /// Sign a key bundle with the root key.
    Sign(cmd_org::SignBundleArgs),
    /// (online) Upload a signed bundle to the server.
    Upload(cmd_org::UploadArgs),
    /// (online) Write every alert and retraction the server ever published, for `bundle sign --published`.
    Published(cmd_org::PublishedArgs),
}

#[derive(Subcommand)]
enum AttachmentCommand {
    /// Write image N of a report (as `show` lists them) into a file only you can read.
    Save(cmd_attachments::SaveArgs),
}

#[derive(Subcommand)]
enum AlertCommand {
    /// Propose a sanitized alert from a report.
    Draft(cmd_alerts::DraftArgs),
    /// Sign a reviewed draft with your alert key.
    Sign(cmd_alerts::SignArgs),
    /// Sign the retraction of a published alert.
    Retract(cmd_alerts::RetractArgs),
}

/// Where the server is.
#[derive(Args, Clone, Debug)]
pub struct ServerArg {
    /// The Jasmine server (http://127.0.0.1:8080 in development).
    #[arg(long, env = "JASMINE_SERVER", default_value = "http://127.0.0.1:8080")]
    pub server: String,
    /// Folder for Tor's state and cache, when the server is an onion address
    /// (default: $XDG_STATE_HOME/jasmine-keys/tor or ~/.local/state/jasmine-keys/tor).
    #[arg(long, env = "JASMINE_TOR_DIR")]
    pub tor_dir: Option<PathBuf>,
    /// An arti configuration file for a Tor network other than the public one (tests).
    #[arg(long, env = "JASMINE_TOR_NETWORK_CONFIG")]
    pub tor_network_config: Option<PathBuf>,
}

impl ServerArg {
    /// The transport to the server: Tor (embedded) for an onion address, plain HTTP otherwise.
    pub async fn transport(&self) -> anyhow::Result<AnyTransport> {
        let dir = match &self.tor_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("XDG_STATE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))
                .ok_or_else(|| anyhow::anyhow!("no folder for Tor's state: give --tor-dir"))?
                .join("jasmine-keys/tor"),
        };
        let tor = TorSettings {
            dir,
            network_config: self.tor_network_config.clone(),
        };
        Ok(AnyTransport::for_url(&self.server, &tor).await?)
    }
}

/// Where the passphrase comes from.
#[derive(Args, Clone, Debug, Default)]
pub struct PassphraseArg {
    /// File whose first line is the passphrase (otherwise $JASMINE_PASSPHRASE, otherwise a prompt).
    #[arg(long)]
    pub passphrase_file: Option<PathBuf>,
}

impl PassphraseArg {
    /// The source.
    pub fn source(&self) -> PassphraseSource {
        PassphraseSource {
            file: self.passphrase_file.clone(),
        }
    }

    /// Asks for the passphrase of the moderator's offline key file and opens it.
    pub fn offline_keys(&self, key: &std::path::Path) -> anyhow::Result<keyfiles::OfflineKeys> {
        let passphrase = self.source().get(&key.display().to_string())?;
        keyfiles::read_offline(key, &passphrase)
    }
}

/// Runs a future on the process's one runtime (the Tor client, once started, lives
/// on it between calls).
pub fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    static RUNTIME: std::sync::OnceLock<std::io::Result<tokio::runtime::Runtime>> =
        std::sync::OnceLock::new();
    let runtime = RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
        })
        .as_ref()
        .map_err(|e| anyhow::anyhow!("cannot start the runtime: {e}"))?;
    Ok(runtime.block_on(future))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Org(OrgCommand::Init(a)) => cmd_org::init(a),
        Command::Moderator(ModeratorCommand::Keygen(a)) => cmd_org::keygen(a),
        Command::Moderator(ModeratorCommand::Rotate(a)) => cmd_org::rotate(a),
        Command::Moderator(ModeratorCommand::ExportAgeIdentity(a)) => {
            cmd_org::export_age_identity(a)
        }
        Command::Bundle(BundleCommand::Sign(a)) => cmd_org::sign_bundle(a),
        Command::Bundle(BundleCommand::Upload(a)) => cmd_org::upload_bundle(a),
        Command::Bundle(BundleCommand::Published(a)) => cmd_org::published(a),
        Command::Pull(a) => cmd_reports::pull(a),
        Command::Import(a) => cmd_desk::import(a),
        Command::Review(a) => cmd_review::review(a),
        Command::Cases(a) => cmd_desk::cases(a),
        Command::Note(a) => cmd_desk::note(a),
        Command::Close(a) => cmd_desk::close(a),
        Command::DiscardUnreadable(a) => cmd_desk::discard_unreadable(a),
        Command::Outbox(a) => cmd_desk::outbox(a),
        Command::Export(a) => cmd_desk::export(a),
        Command::Match(a) => cmd_insight::run_match(a),
        Command::Stats(a) => cmd_insight::run_stats(a),
        Command::List(a) => cmd_reports::list(a),
        Command::Show(a) => cmd_reports::show(a),
        Command::Reply(a) => cmd_replies::reply(a),
        Command::Waiting(a) => cmd_replies::waiting(a),
        Command::Attachment(AttachmentCommand::Save(a)) => cmd_attachments::save(a),
        Command::Alert(AlertCommand::Draft(a)) => cmd_alerts::draft(a),
        Command::Alert(AlertCommand::Sign(a)) => cmd_alerts::sign(a),
        Command::Alert(AlertCommand::Retract(a)) => cmd_alerts::retract(a),
        Command::Publish(a) => cmd_alerts::publish(a),
        Command::Demo(a) => cmd_org::demo(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // An error can quote what it failed to read (a report's field): escaped.
            eprintln!("jasmine-keys: {}", display::escape_lines(&format!("{e:#}")));
            ExitCode::from(1)
        }
    }
}
