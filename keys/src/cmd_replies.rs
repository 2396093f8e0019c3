//! Conversations with reporters who chose a codename: `reply` (offline: seals and
//! signs a reply into an outbox file; with `--api-key`, posts it at once), the
//! conversation shown under a report by `show`, and `waiting` (which reports wait for
//! an answer).
//!
//! Mailbox messages pulled by `pull` sit in `<inbox>/messages/` as `<id>.age` and
//! `<id>.meta.json`, ciphertext only; a reply written here is kept there too (it is
//! encrypted to the moderators as well as to the reporter), so `show` can print the
//! whole conversation without the network.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use clap::Args;
use jasmine_client::bundle::{verify_bundle, VerifiedBundle};
use jasmine_client::client::JasmineClient;
use jasmine_client::mailbox::{self, Message, Reply, MESSAGE_FORMAT};
use jasmine_client::report::{FollowUp, Report};
use jasmine_client::wire::{MailboxPost, MessageFrom, PendingMessage};
use jasmine_client::Day;
use zeroize::Zeroizing;

use crate::{block_on, display, files, keyfiles, PassphraseArg, ServerArg};

/// The folder of mailbox messages inside an inbox.
pub fn messages_dir(inbox: &Path) -> PathBuf {
    inbox.join("messages")
}

/// Stores one mailbox message (ciphertext first: the meta file marks a complete entry).
pub fn store_message(inbox: &Path, meta: &PendingMessage, ciphertext: &[u8]) -> Result<()> {
    let dir = messages_dir(inbox);
    files::write_file(
        &dir.join(format!("{}.age", meta.id)),
        ciphertext,
        0o600,
        true,
    )?;
    files::write_file(
        &dir.join(format!("{}.meta.json", meta.id)),
        &serde_json::to_vec_pretty(meta)?,
        0o600,
        true,
    )
}

/// Every message in the inbox that opens with the moderator's keys and checks against
/// `trust`, grouped by mailbox, oldest first (by day; within a day, in the order they
/// were stored).
pub fn conversations(
    inbox: &Path,
    keys: &keyfiles::OfflineKeys,
    trust: &crate::opening::Trust,
) -> Result<BTreeMap<String, Vec<Message>>> {
    let dir = messages_dir(inbox);
    let mut found: Vec<(Day, std::time::SystemTime, String, MessageFrom, Vec<u8>)> = Vec::new();
    if dir.exists() {
        for item in
            std::fs::read_dir(&dir).with_context(|| format!("cannot open {}", dir.display()))?
        {
            let path = item?.path();
            if path.extension().is_some_and(|e| e == "age") {
                let meta_path = path.with_extension("meta.json");
                let Ok(meta_bytes) = std::fs::read(&meta_path) else {
                    continue; // incomplete entry
                };
                let meta: PendingMessage = serde_json::from_slice(&meta_bytes)
                    .with_context(|| format!("{} is damaged", meta_path.display()))?;
                let stored = std::fs::metadata(&meta_path)?.modified()?;
                found.push((
                    meta.posted_on,
                    stored,
                    meta.id,
                    meta.from,
                    files::read_file(&path)?,
                ));
            }
        }
    }
    found.sort_by_key(|entry| (entry.0, entry.1));
    let (by_mailbox, unreadable) = crate::opening::conversations(
        found
            .into_iter()
            .map(|(_, _, id, from, ciphertext)| (id, Some(from), ciphertext)),
        keys,
        trust,
    );
    warn_skipped(&unreadable);
    Ok(by_mailbox)
}

/// Warns of each message left out of the conversations.
pub fn warn_skipped(unreadable: &[(String, crate::opening::Unreadable)]) {
    for (id, why) in unreadable {
        eprintln!("warning: message {id} is not shown ({why}); skipped");
    }
}

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

/// Seals and signs a reply to the reporter of `report`: (mailbox id, ciphertext).
pub fn seal_for(
    id: &str,
    report: &Report,
    text: &str,
    keys: &keyfiles::OfflineKeys,
    bundle: &VerifiedBundle,
) -> Result<(String, Vec<u8>)> {
    let FollowUp::Codename {
        recipient, mailbox, ..
    } = &report.follow_up
    else {
        bail!(
            "report {id} did not ask for answers with a codename; there is no mailbox to reply to"
        );
    };
    let sealed = mailbox::seal_reply(
        &Reply {
            format: MESSAGE_FORMAT,
            mailbox: mailbox.clone(),
            written_on: Day::today_utc(),
            text: text.to_string(),
            signed_by: keys.id.clone(),
        },
        recipient,
        &keys.alert_key,
        bundle,
    )?;
    Ok((mailbox.clone(), sealed))
}

/// Reads and verifies the current bundle file against the root key file.
pub fn read_bundle(path: &Path, root_key: &Path) -> Result<VerifiedBundle> {
    let root = keyfiles::read_public_key(root_key)?;
    let signed = files::read_file(path)?;
    verify_bundle(&signed, &root, Day::today_utc(), None)
        .with_context(|| format!("{} is not a valid bundle for this root key", path.display()))
}

pub fn reply(args: ReplyArgs) -> Result<()> {
    let text = reply_text(&args)?;
    let bundle = read_bundle(&args.bundle, &args.root_key)?;
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
    let (mailbox, sealed) = seal_for(&args.id, &report, &text, &keys, &bundle)?;
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
    store_message(
        &inbox,
        &PendingMessage {
            id: local_id,
            posted_on: today,
            from: MessageFrom::Moderator,
            bundle_version: bundle.version(),
            size: sealed.len() as u64,
        },
        &sealed,
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
