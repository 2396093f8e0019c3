//! Conversations with reporters who chose a codename: `reply` (offline: seals and
//! signs a reply into an outbox file; with `--api-key`, posts it at once), the
//! conversation shown under a report by `show`, and `waiting` (which reports wait for
//! an answer).
//!
//! Mailbox messages pulled by `pull` sit in `<inbox>/messages/` as `<id>.age` and
//! `<id>.meta.json`, ciphertext only; a reply written here is kept there too (it is
//! encrypted to the moderators as well as to the reporter), so `show` can print the
//! whole conversation without the network.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use clap::Args;
use jasmine_client::client::JasmineClient;
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::wire::{MailboxPost, MessageFrom, PendingMessage};
use jasmine_client::Day;
use zeroize::Zeroizing;

use crate::{block_on, display, files, keyfiles, PassphraseArg, ServerArg};

/// `reply`.
#[derive(Args)]
pub struct ReplyArgs {
    /// Report id (as listed by `list`); the report must ask for answers with a codename.
    id: String,
    #[command(flatten)]
    source: crate::source::SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    /// The current signed key bundle (replies are encrypted to every moderator in it).
    #[arg(long)]
    bundle: PathBuf,
    /// The organisation's root public key file (root.pub), to check the bundle.
    #[arg(long)]
    root_key: PathBuf,
    /// The reply (otherwise --file, otherwise it is read from standard input).
    #[arg(long)]
    text: Option<String>,
    /// A file holding the reply.
    #[arg(long)]
    file: Option<PathBuf>,
    /// Folder where the sealed reply is written, for `publish` on the online machine.
    #[arg(long, default_value = "outbox")]
    outbox: PathBuf,
    /// Post the reply now with this API key (online), instead of writing it to the outbox.
    #[arg(long)]
    api_key: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArg,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

fn reply_text(args: &ReplyArgs) -> Result<Zeroizing<String>> {
    let text = Zeroizing::new(match (&args.text, &args.file) {
        (Some(text), _) => text.clone(),
        (None, Some(path)) => String::from_utf8(files::read_file(path)?)
            .with_context(|| format!("{} is not UTF-8 text", path.display()))?,
        (None, None) => {
            eprintln!("Write the reply, then end the input (Ctrl-D):");
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)?;
            text
        }
    });
    if text.trim().is_empty() {
        bail!("the reply is empty; nothing was written");
    }
    Ok(text)
}

pub fn reply(args: ReplyArgs) -> Result<()> {
    let text = reply_text(&args)?;
    let bundle = keyfiles::read_bundle(&args.bundle, &args.root_key)?;
    let keys = args.passphrase.offline_keys(&args.key)?;
    if bundle.bundle().moderator(&keys.id).is_none() {
        bail!(
            "you ({}) are not a moderator of bundle version {}; use the current bundle",
            keys.id,
            bundle.version()
        );
    }
    let mut source = args.source.open(&keys)?;
    let report: Report = source.open_report(&args.id, &keys)?;
    let today = Day::today_utc();
    let (mailbox, sealed) = crate::reply::seal_for(&args.id, &report, &text, &keys, &bundle)?;
    let mailbox = &mailbox;
    let local_id = jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng);
    // The reply file's id is its item id too: published twice, it is stored once.
    let post = MailboxPost {
        mailbox: mailbox.clone(),
        ciphertext: STANDARD.encode(&sealed),
        item_id: Some(local_id.clone()),
    };
    match (&args.api_key, source.desk_mut()) {
        (None, Some(desk)) => {
            // Air-gapped: the reply waits on the desk for the next outbox file.
            desk.queue_reply(&args.id, mailbox, &sealed)?;
            desk.save()?;
            println!(
                "Reply sealed and signed; it goes with the next outbox file (jasmine-keys outbox)."
            );
            return Ok(());
        }
        (Some(api_key), _) => {
            let credentials = keyfiles::read_api(api_key)?;
            let client = JasmineClient::new(block_on(args.server.transport())??);
            let receipt = block_on(client.post_reply(&credentials, mailbox, &sealed, None))??;
            println!(
                "Reply posted on {}: the reporter reads it with their codename.",
                receipt.received_on
            );
        }
        (None, None) => {
            let path = args.outbox.join(format!("reply-{local_id}.json"));
            let mut json = serde_json::to_vec_pretty(&post)?;
            json.push(b'\n');
            files::write_file(&path, &json, 0o600, false)?;
            println!(
                "Reply sealed and signed into {}; on the online machine: jasmine-keys publish {}",
                path.display(),
                path.display()
            );
        }
    }
    let Some(inbox) = (match &source {
        crate::source::Source::Folder(dir) => Some(dir.clone()),
        crate::source::Source::Desk(_) => None,
    }) else {
        return Ok(());
    };
    crate::inbox::store_message(
        &inbox,
        &PendingMessage {
            id: local_id,
            posted_on: today,
            from: MessageFrom::Moderator,
            bundle_version: bundle.version(),
            size: sealed.len() as u64,
            attachments_size: None,
        },
        &sealed,
        None,
    )?;
    Ok(())
}

/// `waiting`.
#[derive(Args)]
pub struct WaitingArgs {
    #[command(flatten)]
    source: crate::source::SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn waiting(args: WaitingArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let source = args.source.open(&keys)?;
    let mut conversations = source.conversations(&keys)?;
    let mut waiting = 0;
    for (id, received_on) in source.reports()? {
        let report = match source.open_report(&id, &keys) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("warning: {}", display::escape_lines(&format!("{e:#}")));
                continue;
            }
        };
        let FollowUp::Codename { mailbox, .. } = &report.follow_up else {
            continue;
        };
        let messages = conversations.remove(mailbox).unwrap_or_default();
        let status = match messages.last() {
            None => "no reply yet".to_string(),
            Some(m) if m.sender.is_reporter() => {
                format!("the reporter wrote on {}", m.written_on)
            }
            Some(_) => continue,
        };
        waiting += 1;
        println!("{id}  received {received_on}  {status}");
    }
    if waiting == 0 {
        println!("No report is waiting for an answer.");
    } else {
        println!("{waiting} report(s) wait for an answer: jasmine-keys reply <id> …");
    }
    if !conversations.is_empty() {
        println!(
            "{} conversation(s) belong to reports that are not here.",
            conversations.len()
        );
    }
    Ok(())
}
