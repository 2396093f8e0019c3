//! The desk commands of the air-gapped flow: `import` an inbox file (offline), list
//! `cases`, add a `note`, `close` a case, `discard-unreadable` junk, write the
//! `outbox` file (offline).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use jasmine_client::bundle::verify_bundle;
use jasmine_client::Day;

use crate::airgap::{self, Inbox};
use crate::desk::{Desk, Note, Status};
use crate::{keyfiles, PassphraseArg};

/// What every desk command needs.
#[derive(Args)]
pub struct DeskArgs {
    /// Your desk folder (created by the first import).
    #[arg(long, default_value = "desk")]
    desk: PathBuf,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

impl DeskArgs {
    fn keys(&self) -> Result<keyfiles::OfflineKeys> {
        self.passphrase.offline_keys(&self.key)
    }

    fn open(&self) -> Result<(keyfiles::OfflineKeys, Desk)> {
        let keys = self.keys()?;
        let desk = Desk::open(&self.desk, &keys, None)?;
        Ok((keys, desk))
    }
}

/// `import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The inbox file written by `pull --out` on the online machine.
    file: PathBuf,
    /// The organisation's root public key (root.pub): the file must be for it.
    #[arg(long)]
    root_key: PathBuf,
    /// A signed key bundle (bundle-N.json) to check the file against, instead of the
    /// one the file carries (both are checked against the root key).
    #[arg(long)]
    bundle: Option<PathBuf>,
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn import(args: ImportArgs) -> Result<()> {
    let organisation = keyfiles::read_public_key(&args.root_key)?;
    let shown = args.file.display();
    let file: airgap::Signed<Inbox> = airgap::read(&args.file, "inbox", &organisation)?;
    let inbox = &file.content;
    let keys = args.desk.keys()?;
    let mut desk = Desk::open(&args.desk.desk, &keys, Some(&organisation))?;
    if desk.state.organisation_key != organisation {
        bail!("this desk belongs to another organisation; nothing was taken");
    }
    if inbox.moderator != keys.id {
        bail!(
            "{shown} was pulled with {}'s API key, not yours ({}): import only the inbox files pulled with your own API key; nothing was taken",
            inbox.moderator,
            keys.id
        );
    }
    // The bundle that says which API key is this moderator's, checked against the
    // root key (never older than one this desk already took a file with).
    let seen = desk.state.highest_bundle;
    let bundle = match &args.bundle {
        Some(path) => {
            let signed = crate::files::read_file(path)?;
            verify_bundle(&signed, &organisation, Day::today_utc(), seen).with_context(|| {
                format!("{} is not a valid bundle for this root key", path.display())
            })?
        }
        None => verify_bundle(
            &serde_json::to_vec(&inbox.bundle)?,
            &organisation,
            Day::today_utc(),
            seen,
        )
        .with_context(|| {
            format!(
                "{shown} carries no valid key bundle for this root key: give the current one with --bundle bundle-N.json; nothing was taken"
            )
        })?,
    };
    let Some(me) = bundle.bundle().moderator(&keys.id) else {
        bail!(
            "you ({}) are not a moderator of bundle version {}; use the current bundle (--bundle bundle-N.json); nothing was taken",
            keys.id,
            bundle.version()
        );
    };
    if file.verify(&[me.api_key]).is_err() {
        bail!(
            "{shown} is not signed by {}'s API key of bundle version {}: it was changed after it was written, or written elsewhere. Do not import it: pull again on your online machine (`jasmine-keys pull --out`) and carry the new file; nothing was taken",
            keys.id,
            bundle.version()
        );
    }
    let counts = desk.import(inbox, &keys, bundle.bundle())?;
    desk.save()?;
    println!(
        "Imported {} new report(s) and {} mailbox message(s) from {} (pulled on {}).",
        counts.reports,
        counts.messages,
        args.file.display(),
        inbox.created_on
    );
    if counts.unreadable() > 0 {
        println!(
            "{} unreadable (set aside; see `jasmine-keys cases`; discard them with `jasmine-keys discard-unreadable`).",
            counts.unreadable()
        );
    }
    if counts.unverified_alerts > 0 {
        println!(
            "{} published alert(s) do not verify against bundle version {}: not kept.",
            counts.unverified_alerts,
            bundle.version()
        );
    }
    if counts.check.signed > 0 {
        println!(
            "{} check-list entr(y/ies) signed: they go with your next outbox file.",
            counts.check.signed
        );
    }
    if counts.check.refused > 0 {
        println!(
            "{} evaluation(s) for the check list do not verify against the check key of bundle version {}: refused (the server may be using another key); they are asked for again with your next outbox file.",
            counts.check.refused,
            bundle.version()
        );
    }
    println!(
        "They are acknowledged to the server with your next outbox file (jasmine-keys outbox)."
    );
    Ok(())
}

/// `cases`.
#[derive(Args)]
pub struct CasesArgs {
    /// Only cases with this status (new, in_review, published, answered, closed, unreadable).
    #[arg(long)]
    status: Option<String>,
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn cases(args: CasesArgs) -> Result<()> {
    let only = match &args.status {
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
            anyhow::anyhow!("unknown status '{s}'; use one of: {}", names.join(", "))
        })?),
        None => None,
    };
    let (_, desk) = args.desk.open()?;
    let mut shown = 0;
    let mut cases: Vec<_> = desk.state.cases.iter().collect();
    cases.sort_by(|a, b| (a.1.received_on, a.0).cmp(&(b.1.received_on, b.0)));
    let (unreadable, readable): (Vec<_>, Vec<_>) =
        cases.into_iter().partition(|(_, c)| c.is_unreadable());
    for (id, case) in readable {
        if only.is_some_and(|s| s != case.status) {
            continue;
        }
        shown += 1;
        let mut extra = String::new();
        if !case.notes.is_empty() {
            extra.push_str(&format!("  {} note(s)", case.notes.len()));
        }
        if !case.alerts.is_empty() {
            extra.push_str(&format!("  {} alert(s)", case.alerts.len()));
        }
        if case.replies > 0 {
            extra.push_str(&format!("  {} repl(y/ies)", case.replies));
        }
        println!(
            "{id}  received {}  {:<9}{extra}",
            case.received_on,
            case.status.as_str()
        );
    }
    let unreadable_messages = desk
        .state
        .messages
        .values()
        .filter(|m| m.unreadable.is_some())
        .count();
    let show_unreadable = only.is_none_or(|s| s == Status::Unreadable)
        && (!unreadable.is_empty() || unreadable_messages > 0);
    if shown == 0 && !show_unreadable {
        println!("No case.");
    }
    if show_unreadable {
        println!(
            "Unreadable, set aside (never reviewed): {} report(s), {unreadable_messages} mailbox message(s). Discard them with `jasmine-keys discard-unreadable`.",
            unreadable.len()
        );
        for (id, case) in unreadable {
            let why = case.why_unreadable.map(|w| w.label()).unwrap_or("unknown");
            println!("  {id}  received {}  unreadable: {why}", case.received_on);
        }
    }
    let pending = &desk.state.pending;
    if !pending.is_empty() {
        println!(
            "Waiting for the outbox: {} alert(s), {} retraction(s), {} repl(y/ies), {} acknowledgement(s).",
            pending.alerts.len(),
            pending.retractions.len(),
            pending.replies.len(),
            pending.acknowledge.reports.len() + pending.acknowledge.messages.len()
        );
    }
    Ok(())
}

/// `note`.
#[derive(Args)]
pub struct NoteArgs {
    /// Report id.
    id: String,
    /// The note (kept encrypted on the desk).
    #[arg(long)]
    text: String,
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn note(args: NoteArgs) -> Result<()> {
    if args.text.trim().is_empty() {
        bail!("the note is empty; nothing was written");
    }
    let (_, mut desk) = args.desk.open()?;
    let case = desk.case_mut(&args.id)?;
    case.notes.push(Note {
        on: jasmine_client::Day::today_utc(),
        text: args.text.trim().to_string(),
    });
    if case.status == Status::New {
        case.status = Status::InReview;
    }
    desk.save()?;
    println!("Note added to {}.", args.id);
    Ok(())
}

/// `close`.
#[derive(Args)]
pub struct CloseArgs {
    /// Report id.
    id: String,
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn close(args: CloseArgs) -> Result<()> {
    let (_, mut desk) = args.desk.open()?;
    desk.case_mut(&args.id)?.status = Status::Closed;
    desk.save()?;
    println!("Case {} closed (archived on the desk).", args.id);
    Ok(())
}

/// `discard-unreadable`.
#[derive(Args)]
pub struct DiscardUnreadableArgs {
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn discard_unreadable(args: DiscardUnreadableArgs) -> Result<()> {
    let (_, mut desk) = args.desk.open()?;
    let discarded = desk.discard_unreadable()?;
    if discarded.reports + discarded.messages == 0 {
        println!("Nothing unreadable on the desk; nothing was discarded.");
        return Ok(());
    }
    desk.save()?;
    println!(
        "Discarded {} unreadable report(s) and {} mailbox message(s): their ciphertexts are deleted from the desk.",
        discarded.reports, discarded.messages
    );
    println!(
        "Their acknowledgements still go with your outbox file (jasmine-keys outbox): the server deletes them too."
    );
    Ok(())
}

/// `outbox`.
#[derive(Args)]
pub struct OutboxArgs {
    /// Where to write the outbox file (for `publish` on the online machine).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    desk: DeskArgs,
}

pub fn outbox(args: OutboxArgs) -> Result<()> {
    let (keys, mut desk) = args.desk.open()?;
    if desk.state.pending.is_empty() {
        println!("Nothing waits for the outbox; no file was written.");
        return Ok(());
    }
    let outbox = desk.write_outbox(&args.out, &keys.alert_key)?;
    desk.save()?;
    println!(
        "Outbox written to {}: {} alert(s), {} retraction(s), {} repl(y/ies), {} acknowledgement(s).",
        args.out.display(),
        outbox.alerts.len(),
        outbox.retractions.len(),
        outbox.replies.len(),
        outbox.acknowledge.reports.len() + outbox.acknowledge.messages.len()
    );
    println!(
        "On the online machine: jasmine-keys publish {}",
        args.out.display()
    );
    println!(
        "A copy stays in {}: if the file is lost, carry that copy.",
        args.desk.desk.join("outboxes").display()
    );
    Ok(())
}

/// `export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Report id.
    id: String,
    /// The current signed key bundle: the export is encrypted to every moderator in it.
    #[arg(long)]
    bundle: PathBuf,
    /// The organisation's root public key (root.pub), to check the bundle.
    #[arg(long)]
    root_key: PathBuf,
    /// Where to write the encrypted export (an age file).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    desk: DeskArgs,
}

/// Images as an export carries them: `[{type, base64}]`.
fn images_json(images: &[jasmine_client::attachment::Image]) -> Vec<serde_json::Value> {
    images
        .iter()
        .map(|image| {
            serde_json::json!({
                "type": image.media_type.as_str(),
                "base64": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &image.bytes[..]),
            })
        })
        .collect()
}

/// Writes a case (the report, its notes and its conversation) as JSON, age-encrypted
/// to every moderator of the bundle: the only way anything decrypted leaves the desk.
pub fn export(args: ExportArgs) -> Result<()> {
    let bundle = keyfiles::read_bundle(&args.bundle, &args.root_key)?;
    let (keys, desk) = args.desk.open()?;
    let case = desk.state.cases.get(&args.id).cloned().ok_or_else(|| {
        anyhow::anyhow!(
            "no report {} on the desk (see `jasmine-keys cases`)",
            args.id
        )
    })?;
    let source = crate::source::Source::Desk(Box::new(desk));
    let report = source.open_report(&args.id, &keys)?;
    let mut conversation = Vec::new();
    if let jasmine_client::report::FollowUp::Codename { mailbox, .. } = &report.follow_up {
        for m in source
            .conversations(&keys)?
            .remove(mailbox)
            .unwrap_or_default()
        {
            let from = match &m.sender {
                jasmine_client::mailbox::Sender::Reporter { .. } => "reporter".to_string(),
                jasmine_client::mailbox::Sender::Moderator { id, .. } => id.clone(),
            };
            let images = crate::images::open_listed(
                &source,
                crate::images::Owner::Message(&m.id),
                &m.attachments,
                &keys,
            )?;
            conversation.push(serde_json::json!({
                "from": from,
                "written_on": m.written_on,
                "text": m.text.as_str(),
                "images": images_json(&images),
            }));
        }
    }
    // The images go with the case, decrypted and checked (§4.12), in base64.
    let images = images_json(&crate::images::open(&source, &args.id, &report, &keys)?);
    let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&serde_json::json!({
        "jasmine": "case-export",
        "report_id": args.id,
        "received_on": case.received_on,
        "status": case.status.as_str(),
        "notes": case.notes,
        "report": report,
        "conversation": conversation,
        "images": images,
    }))?);
    let sealed = jasmine_client::envelope::seal(&json, &bundle.recipients())?;
    crate::files::write_file(&args.out, &sealed, 0o600, false)?;
    println!(
        "Case {} exported to {}, encrypted to the {} moderator(s) of bundle version {} (age -d -i <identity> reads it).",
        args.id,
        args.out.display(),
        bundle.bundle().moderators.len(),
        bundle.version()
    );
    Ok(())
}
