//! Moving report ciphertexts into an inbox folder (online) and reading them (offline).
//!
//! An inbox holds `<id>.age` (the ciphertext, exactly as received) and
//! `<id>.meta.json` (day received, bundle version). Nothing decrypted is written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use jasmine_client::age_shape;
use jasmine_client::client::JasmineClient;

use crate::{block_on, display, files, keyfiles, PassphraseArg, ServerArg};

/// `pull`.
#[derive(Args)]
pub struct PullArgs {
    /// Your API key file (<id>.api.key).
    #[arg(long)]
    api_key: PathBuf,
    /// Inbox folder.
    #[arg(long, default_value = "inbox")]
    inbox: PathBuf,
    /// Keep the reports on the server (do not acknowledge them).
    #[arg(long)]
    no_ack: bool,
    /// Air-gapped flow: write everything into this one inbox file for the offline
    /// machine instead (nothing is acknowledged until its outbox file is published).
    #[arg(long, requires = "root_key")]
    out: Option<PathBuf>,
    /// The organisation's root public key (root.pub), named in the inbox file.
    #[arg(long)]
    root_key: Option<PathBuf>,
    /// Where `publish` left the server's evaluations for the check list, which the
    /// inbox file carries (default: $XDG_STATE_HOME/jasmine-keys or ~/.local/state/jasmine-keys).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArg,
}

/// An attachments file the listing announces (`attachments_size`), fetched; `None`
/// when it announces none (the request is then never sent).
async fn fetched_if(
    announced: Option<u64>,
    fetch: impl std::future::Future<Output = Result<Vec<u8>, jasmine_client::client::ClientError>>,
) -> Result<Option<Vec<u8>>, jasmine_client::client::ClientError> {
    match announced {
        Some(_) => Ok(Some(fetch.await?)),
        None => Ok(None),
    }
}

/// `pull --out`: one inbox file; nothing acknowledged.
fn pull_to_file(args: &PullArgs, out: &Path, root_key: &Path) -> Result<()> {
    let organisation = keyfiles::read_public_key(root_key)?;
    let credentials = keyfiles::read_api(&args.api_key)?;
    let transport = block_on(args.server.transport())??;
    let client = JasmineClient::new(transport.clone());
    let (reports, messages, bundle, alerts) = block_on(async {
        let mut reports = Vec::new();
        for report in client.pending_reports(&credentials).await?.reports {
            if !jasmine_client::alert::is_alert_id(&report.id) {
                bail!("the server sent a malformed report id; stopping");
            }
            let ciphertext = client.fetch_report(&credentials, &report.id).await?;
            let attachments = fetched_if(
                report.attachments_size,
                client.fetch_report_attachments(&credentials, &report.id),
            )
            .await?;
            reports.push(crate::desk::PulledReport {
                listed: report,
                ciphertext,
                attachments,
            });
        }
        let mut messages = Vec::new();
        for message in client.pending_messages(&credentials).await?.messages {
            if !jasmine_client::alert::is_alert_id(&message.id) {
                bail!("the server sent a malformed message id; stopping");
            }
            let ciphertext = client.fetch_message(&credentials, &message.id).await?;
            let attachments = fetched_if(
                message.attachments_size,
                client.fetch_message_attachments(&credentials, &message.id),
            )
            .await?;
            messages.push(crate::desk::PulledMessage {
                listed: message,
                ciphertext,
                attachments,
            });
        }
        // The bundle and the published alerts, verified here and carried as signed,
        // so that the desk verifies them again against the root key.
        let bundle = client
            .fetch_bundle(&organisation, jasmine_client::Day::today_utc(), None)
            .await?;
        let alerts = crate::published::fetch(&transport)
            .await?
            .standing_alerts(bundle.bundle());
        let bundle: serde_json::Value = serde_json::from_slice(bundle.signed_json())?;
        Ok((reports, messages, bundle, alerts))
    })??;
    let state_dir = crate::evaluations::state_dir(args.state_dir.clone())?;
    let inbox = crate::desk::inbox_of(
        &organisation,
        &credentials.id,
        reports,
        messages,
        bundle,
        alerts,
        crate::evaluations::waiting(&state_dir)?,
    );
    crate::airgap::write(out, &inbox, &credentials.api_key)?;
    // Carried now: the desk takes them from this file.
    crate::evaluations::remove(&state_dir, &inbox.check_evaluations)?;
    println!(
        "Wrote {} report(s), {} mailbox message(s) and {} published alert(s) into {}.",
        inbox.reports.len(),
        inbox.messages.len(),
        inbox.alerts.len(),
        out.display()
    );
    if !inbox.check_evaluations.is_empty() {
        println!(
            "It also carries the server's {} evaluation(s) for the check list.",
            inbox.check_evaluations.len()
        );
    }
    println!(
        "Carry it to the offline machine: jasmine-keys import {}",
        out.display()
    );
    println!("The server keeps them until your outbox file acknowledges them.");
    Ok(())
}

pub fn pull(args: PullArgs) -> Result<()> {
    if let (Some(out), Some(root_key)) = (&args.out, &args.root_key) {
        return pull_to_file(&args, out, root_key);
    }
    let credentials = keyfiles::read_api(&args.api_key)?;
    // One pull at a time into a folder: two would fetch and acknowledge the same reports.
    let _lock = files::lock_folder(&args.inbox, "the inbox folder")?;
    let client = JasmineClient::new(block_on(args.server.transport())??);
    let (pulled, deleted, messages) = block_on(async {
        let pending = client.pending_reports(&credentials).await?;
        let (mut pulled, mut deleted) = (0usize, 0usize);
        for report in pending.reports {
            if !jasmine_client::alert::is_alert_id(&report.id) {
                bail!("the server sent a malformed report id; stopping");
            }
            let ciphertext = client.fetch_report(&credentials, &report.id).await?;
            if let Err(e) = age_shape::inspect(&ciphertext) {
                eprintln!(
                    "warning: report {} is not a well-formed envelope ({e}); kept anyway",
                    report.id
                );
            }
            let attachments = fetched_if(
                report.attachments_size,
                client.fetch_report_attachments(&credentials, &report.id),
            )
            .await?;
            if let Some(file) = &attachments {
                crate::inbox::store_attachments(&args.inbox, &report.id, file)?;
            }
            crate::inbox::store_report(&args.inbox, &report, &ciphertext)?;
            pulled += 1;
            if !args.no_ack
                && client
                    .acknowledge_report(&credentials, &report.id)
                    .await?
                    .deleted
            {
                deleted += 1;
            }
        }
        let mut messages = 0usize;
        for message in client.pending_messages(&credentials).await?.messages {
            if !jasmine_client::alert::is_alert_id(&message.id) {
                bail!("the server sent a malformed message id; stopping");
            }
            let ciphertext = client.fetch_message(&credentials, &message.id).await?;
            let attachments = fetched_if(
                message.attachments_size,
                client.fetch_message_attachments(&credentials, &message.id),
            )
            .await?;
            crate::inbox::store_message(
                &args.inbox,
                &message,
                &ciphertext,
                attachments.as_deref(),
            )?;
            messages += 1;
            if !args.no_ack {
                client
                    .acknowledge_message(&credentials, &message.id)
                    .await?;
            }
        }
        Ok((pulled, deleted, messages))
    })??;
    println!(
        "Pulled {pulled} new report(s) and {messages} mailbox message(s) into {}.",
        args.inbox.display()
    );
    if !args.no_ack {
        println!("{deleted} of them are now deleted from the server (every moderator has them).");
    }
    Ok(())
}

/// `list`.
#[derive(Args)]
pub struct ListArgs {
    /// Inbox folder.
    #[arg(long, default_value = "inbox")]
    inbox: PathBuf,
}

pub fn list(args: ListArgs) -> Result<()> {
    let entries = crate::inbox::entries(&args.inbox)?;
    if entries.is_empty() {
        println!("No reports in {}.", args.inbox.display());
    }
    for e in entries {
        println!(
            "{}  received {}  bundle v{}  {} bytes",
            e.id, e.received_on, e.bundle_version, e.size
        );
    }
    Ok(())
}

/// `show`.
#[derive(Args)]
pub struct ShowArgs {
    /// Report id (as listed by `list`).
    id: String,
    #[command(flatten)]
    source: crate::source::SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn show(args: ShowArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let mut source = args.source.open(&keys)?;
    let report = source.open_report(&args.id, &keys)?;
    if let Some(desk) = source.desk_mut() {
        let case = desk.case_mut(&args.id)?;
        if case.status == crate::desk::Status::New {
            case.status = crate::desk::Status::InReview;
            desk.save()?;
        }
    }
    if args.json {
        let json = serde_json::to_string_pretty(&report)?;
        println!("{}", display::escape_json(&json));
    } else {
        print!("{}", display::report_text(&args.id, &report));
        if let jasmine_client::report::FollowUp::Codename { mailbox, .. } = &report.follow_up {
            let mut conversations = source.conversations(&keys)?;
            let messages = conversations.remove(mailbox).unwrap_or_default();
            print!("{}", crate::display::conversation_text(&messages));
        }
    }
    Ok(())
}
