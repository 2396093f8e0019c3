//! Alerts: draft from a report (offline), sign (offline), retract (offline), publish
//! (online).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use jasmine_client::alert::{self, Retraction};
use jasmine_client::client::JasmineClient;
use jasmine_client::keys;
use jasmine_client::Day;
use rand::rngs::OsRng;

use crate::sanitize::{self, AlertDraft};
use crate::{block_on, display, files, keyfiles, PassphraseArg, ServerArg};

/// `alert draft`.
#[derive(Args)]
pub struct DraftArgs {
    /// Report id in the inbox.
    id: String,
    #[command(flatten)]
    source: crate::source::SourceArgs,
    /// Your offline key file.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the draft (mode 0600).
    #[arg(long)]
    out: PathBuf,
    /// Publish the aggressor's phone numbers.
    #[arg(long)]
    keep_phones: bool,
    /// Publish the aggressor's number plates.
    #[arg(long)]
    keep_plates: bool,
    /// Publish the aggressor's handles and profile links.
    #[arg(long)]
    keep_handles: bool,
    /// Put the aggressor's phone numbers, plates and handles on the check list (they
    /// stay out of the alert's text): anyone can then check an identifier without
    /// telling the server which one.
    #[arg(long)]
    check_list: bool,
    /// How precisely the alert dates what happened: day, week or month (the exact day
    /// can point to the reporter).
    #[arg(long, default_value = "week")]
    date: String,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn draft(args: DraftArgs) -> Result<()> {
    let keys = args.passphrase.offline_keys(&args.key)?;
    let report = args.source.open(&keys)?.open_report(&args.id, &keys)?;
    if !report.consent_to_publish {
        bail!("the person who sent report {} did not agree to a public alert; it must not be published", args.id);
    }
    let choices = sanitize::Choices {
        keep_findings: Vec::new(),
        keep_phones: args.keep_phones,
        keep_plates: args.keep_plates,
        keep_handles: args.keep_handles,
        date: alert::OccurredPrecision::parse(&args.date)
            .with_context(|| format!("--date '{}': use day, week or month", args.date))?,
        check_list: args.check_list,
    };
    let mut draft = sanitize::propose(&report, &keys.id, Day::today_utc(), &mut OsRng, &choices);
    draft.report = Some(args.id.clone());
    let mut json = serde_json::to_vec_pretty(&draft)?;
    json.push(b'\n');
    files::write_file(&args.out, &json, 0o600, false)?;
    println!(
        "Draft alert written to {}. Before signing it, check:",
        args.out.display()
    );
    for point in &draft.review {
        // The points quote what was found in the report's text.
        println!("  - {}", display::escape(point));
    }
    println!(
        "Edit the file's \"alert\" part if needed, then: jasmine-keys alert sign --draft {}",
        args.out.display()
    );
    Ok(())
}

/// `alert sign`.
#[derive(Args)]
pub struct SignArgs {
    /// The reviewed draft.
    #[arg(long)]
    draft: PathBuf,
    /// Your offline key file.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the signed alert (or use --desk).
    #[arg(long, required_unless_present = "desk")]
    out: Option<PathBuf>,
    /// Air-gapped flow: keep the signed alert on your desk for the next outbox file.
    #[arg(long)]
    desk: Option<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn sign(args: SignArgs) -> Result<()> {
    let draft: AlertDraft =
        serde_json::from_slice(&files::read_file(&args.draft)?).with_context(|| {
            format!(
                "{} is not an alert draft (was it edited into invalid JSON?)",
                args.draft.display()
            )
        })?;
    let keys = args.passphrase.offline_keys(&args.key)?;
    let check_list = draft
        .check_list
        .iter()
        .map(|item| item.parse(&draft.alert.country))
        .collect::<Result<Vec<_>>>()?;
    if !check_list.is_empty() && args.desk.is_none() {
        bail!("the draft puts identifiers on the check list: sign it with --desk (they are blinded on the desk), or remove `check_list` from the draft");
    }
    let mut alert = draft.alert;
    let signed = crate::signing::sign_alert(&mut alert, &keys)?;
    if let Some(dir) = &args.desk {
        let mut desk = crate::desk::Desk::open(dir, &keys, None)?;
        desk.queue_alert(draft.report.as_deref(), &alert.id, &signed)?;
        desk.queue_check(&alert.id, &check_list)?;
        desk.save()?;
        println!(
            "Alert {} signed by '{}'; it goes with the next outbox file (jasmine-keys outbox).",
            alert.id, keys.id
        );
        if !check_list.is_empty() {
            println!(
                "{} identifier(s) blinded for the check list: they go with the next outbox file; once the server's evaluations come back in an inbox file, `import` signs their entries for the outbox after.",
                check_list.len()
            );
        }
        return Ok(());
    }
    let out = args.out.as_ref().context("give --out or --desk")?;
    files::write_file(out, &signed, 0o644, false)?;
    println!(
        "Alert {} signed by '{}' and written to {}.",
        alert.id,
        keys.id,
        out.display()
    );
    Ok(())
}

/// `alert retract`.
#[derive(Args)]
pub struct RetractArgs {
    /// Id of the published alert.
    #[arg(long)]
    alert_id: String,
    /// Why (published with the retraction).
    #[arg(long, default_value = "")]
    reason: String,
    /// Your offline key file.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the signed retraction (or use --desk).
    #[arg(long, required_unless_present = "desk")]
    out: Option<PathBuf>,
    /// Air-gapped flow: keep the signed retraction on your desk for the next outbox file.
    #[arg(long)]
    desk: Option<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn retract(args: RetractArgs) -> Result<()> {
    if !alert::is_alert_id(&args.alert_id) {
        bail!(
            "'{}' is not an alert id (32 lowercase hex characters)",
            args.alert_id
        );
    }
    let keys = args.passphrase.offline_keys(&args.key)?;
    let retraction = Retraction {
        alert_id: args.alert_id.clone(),
        retracted_on: Day::today_utc(),
        signed_by: keys.id.clone(),
        reason: args.reason,
    };
    let signed = alert::sign_retraction(&retraction, &keys.alert_key)?;
    crate::signing::check_own_signature(
        &signed,
        "retraction",
        keys::Domain::Retraction,
        &keys.alert_key,
    )?;
    if let Some(dir) = &args.desk {
        let mut desk = crate::desk::Desk::open(dir, &keys, None)?;
        desk.queue_retraction(&args.alert_id, &signed)?;
        desk.save()?;
        println!(
            "Retraction of alert {} signed; it goes with the next outbox file (jasmine-keys outbox).",
            args.alert_id
        );
        return Ok(());
    }
    let out = args.out.as_ref().context("give --out or --desk")?;
    files::write_file(out, &signed, 0o644, false)?;
    println!(
        "Retraction of alert {} signed and written to {}.",
        args.alert_id,
        out.display()
    );
    Ok(())
}

/// `publish`.
#[derive(Args)]
pub struct PublishArgs {
    /// An outbox file, or a signed alert, retraction or sealed reply file.
    file: PathBuf,
    /// Your API key file.
    #[arg(long)]
    api_key: PathBuf,
    /// The organisation's root public key (root.pub), to check an outbox file.
    #[arg(long)]
    root_key: Option<PathBuf>,
    /// Where the ids of published outbox files are remembered, so that none is
    /// published twice (default: $XDG_STATE_HOME/jasmine-keys or ~/.local/state/jasmine-keys).
    #[arg(long)]
    state_dir: Option<PathBuf>,
    #[command(flatten)]
    server: ServerArg,
}

pub fn publish(args: PublishArgs) -> Result<()> {
    let bytes = files::read_file(&args.file)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", args.file.display()))?;
    if value.get("jasmine").is_some() {
        return crate::publishing::publish_outbox(
            &args.file,
            &args.api_key,
            args.root_key.as_deref(),
            args.state_dir.clone(),
            &args.server,
        );
    }
    let credentials = keyfiles::read_api(&args.api_key)?;
    let client = JasmineClient::new(block_on(args.server.transport())??);
    if value.get("alert").is_some() {
        block_on(client.publish_alert(&credentials, bytes))??;
        println!("Alert published.");
    } else if value.get("retraction").is_some() {
        block_on(client.publish_retraction(&credentials, bytes))??;
        println!("Retraction published: the alert is withdrawn from the feed.");
    } else if let Ok(post) = serde_json::from_value::<jasmine_client::wire::MailboxPost>(value) {
        use base64::Engine as _;
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(&post.ciphertext)
            .with_context(|| format!("{} holds a damaged reply", args.file.display()))?;
        let receipt = block_on(client.post_reply(
            &credentials,
            &post.mailbox,
            &sealed,
            post.item_id.as_deref(),
        ))??;
        println!(
            "Reply posted on {}: the reporter reads it with their codename.",
            receipt.received_on
        );
    } else {
        bail!(
            "{} is neither a signed alert, a signed retraction nor a sealed reply",
            args.file.display()
        );
    }
    Ok(())
}
