//! Alerts: draft from a report (offline), sign (offline), retract (offline), publish
//! (online).

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use jasmine_client::alert::{self, Retraction};
use jasmine_client::client::JasmineClient;
use jasmine_client::keys::{self, PublicKey};
use jasmine_client::Day;
use rand::rngs::OsRng;

use crate::sanitize::{self, AlertDraft};
use crate::{block_on, cmd_reports, files, keyfiles, PassphraseArg, ServerArg};

/// `alert draft`.
#[derive(Args)]
pub struct DraftArgs {
    /// Report id in the inbox.
    id: String,
    /// Inbox folder.
    #[arg(long, default_value = "inbox")]
    inbox: PathBuf,
    /// Your offline key file.
    #[arg(long)]
    key: PathBuf,
    /// Where to write the draft (mode 0600).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn draft(args: DraftArgs) -> Result<()> {
    let passphrase = args
        .passphrase
        .source()
        .get(&args.key.display().to_string(), false)?;
    let keys = keyfiles::read_offline(&args.key, &passphrase)?;
    let report = cmd_reports::open_from_inbox(&args.inbox, &args.id, &keys)?;
    if !report.consent_to_publish {
        bail!("the person who sent report {} did not agree to a public alert; it must not be published", args.id);
    }
    let draft = sanitize::propose(&report, &keys.id, Day::today_utc(), &mut OsRng);
    let mut json = serde_json::to_vec_pretty(&draft)?;
    json.push(b'\n');
    files::write_file(&args.out, &json, 0o600, false)?;
    println!(
        "Draft alert written to {}. Before signing it, check:",
        args.out.display()
    );
    for point in &draft.review {
        println!("  - {point}");
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
    /// Where to write the signed alert.
    #[arg(long)]
    out: PathBuf,
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
    let passphrase = args
        .passphrase
        .source()
        .get(&args.key.display().to_string(), false)?;
    let keys = keyfiles::read_offline(&args.key, &passphrase)?;
    let mut alert = draft.alert;
    alert.signed_by = keys.id.clone();
    alert.published = Day::today_utc();
    alert.validate().context("the draft cannot be signed")?;
    let signed = alert::sign_alert(&alert, &keys.alert_key)?;
    check_own_signature(&signed, "alert", keys::Domain::Alert, &keys.alert_key)?;
    files::write_file(&args.out, &signed, 0o644, false)?;
    println!(
        "Alert {} signed by '{}' and written to {}.",
        alert.id,
        keys.id,
        args.out.display()
    );
    Ok(())
}

fn check_own_signature(
    signed: &[u8],
    member: &str,
    domain: keys::Domain,
    key: &ed25519_dalek::SigningKey,
) -> Result<()> {
    let (value, signature) =
        keys::unwrap_signed(serde_json::from_slice(signed)?, member, "signed file")?;
    keys::verify(
        domain,
        &PublicKey::from(key),
        &value,
        &signature,
        "signed file",
    )?;
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
    /// Where to write the signed retraction.
    #[arg(long)]
    out: PathBuf,
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
    let passphrase = args
        .passphrase
        .source()
        .get(&args.key.display().to_string(), false)?;
    let keys = keyfiles::read_offline(&args.key, &passphrase)?;
    let retraction = Retraction {
        alert_id: args.alert_id.clone(),
        retracted_on: Day::today_utc(),
        signed_by: keys.id.clone(),
        reason: args.reason,
    };
    let signed = alert::sign_retraction(&retraction, &keys.alert_key)?;
    check_own_signature(
        &signed,
        "retraction",
        keys::Domain::Retraction,
        &keys.alert_key,
    )?;
    files::write_file(&args.out, &signed, 0o644, false)?;
    println!(
        "Retraction of alert {} signed and written to {}.",
        args.alert_id,
        args.out.display()
    );
    Ok(())
}

/// `publish`.
#[derive(Args)]
pub struct PublishArgs {
    /// A signed alert or retraction file.
    file: PathBuf,
    /// Your API key file.
    #[arg(long)]
    api_key: PathBuf,
    #[command(flatten)]
    server: ServerArg,
}

pub fn publish(args: PublishArgs) -> Result<()> {
    let bytes = files::read_file(&args.file)?;
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not JSON", args.file.display()))?;
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
        let receipt = block_on(client.post_reply(&credentials, &post.mailbox, &sealed))??;
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
