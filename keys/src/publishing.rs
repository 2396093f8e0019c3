//! `publish <outbox file>` on the online machine: uploads what the offline machine
//! decided, in a safe order (alerts, check-list entries, the blinded identifiers to
//! evaluate, retractions, replies, then the acknowledgements that let the server
//! delete reports), remembering each item done so that an
//! interrupted run can simply be repeated, and refusing a file already published.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::client::{ClientError, JasmineClient};
use jasmine_client::Day;
use serde::{Deserialize, Serialize};

use crate::airgap::{self, Outbox};
use crate::{block_on, files, keyfiles, ServerArg};

#[derive(Default, Serialize, Deserialize)]
struct Published {
    /// By outbox file id.
    files: BTreeMap<String, FileRecord>,
}

#[derive(Default, Serialize, Deserialize)]
struct FileRecord {
    /// Day it was completely published, once it was.
    completed_on: Option<Day>,
    /// Items done so far.
    done: Vec<String>,
}

fn state_path(dir: &Path) -> PathBuf {
    dir.join("published.json")
}

fn save(path: &Path, published: &Published) -> Result<()> {
    files::write_file(path, &serde_json::to_vec_pretty(published)?, 0o600, true)
}

/// Whether the server refused the request for good (a 4xx answer).
fn is_refusal(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<ClientError>(),
            Some(ClientError::Refused { status, .. }) if status.is_client_error()
        )
    })
}

/// Treats "already there" and "already deleted" as done.
fn done_or_gone(result: Result<(), ClientError>) -> Result<()> {
    match result {
        Ok(()) => Ok(()),
        Err(ClientError::Refused { status, .. }) if status == http::StatusCode::NOT_FOUND => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// One thing to upload.
enum Item {
    Alert(Vec<u8>),
    Retraction(Vec<u8>),
    /// Mailbox, sealed reply, item id (the server stores it once).
    Reply(String, Vec<u8>, String),
    CheckEntries(Vec<serde_json::Value>),
    /// Blinded identifiers (the server's evaluations wait in the state folder for the
    /// next `pull --out`).
    CheckRequests(Vec<airgap::OutboxCheckRequest>),
    AckReport(String),
    AckMessage(String),
}

fn send(
    client: &JasmineClient<jasmine_client::transport::AnyTransport>,
    credentials: &jasmine_client::client::ModeratorCredentials,
    item: Item,
    state_dir: &Path,
) -> Result<()> {
    match item {
        Item::CheckEntries(entries) => {
            Ok(block_on(client.post_check_entries(credentials, entries))??)
        }
        Item::CheckRequests(requests) => {
            let blinded = requests.iter().map(|r| r.blinded.clone()).collect();
            let evaluations = block_on(client.evaluate_for_desk(credentials, blinded))??;
            crate::evaluations::add(
                state_dir,
                requests
                    .into_iter()
                    .zip(evaluations)
                    .map(|(request, evaluation)| airgap::InboxCheckEvaluation {
                        item_id: request.item_id,
                        evaluated: evaluation.evaluated,
                        proof: evaluation.proof,
                    })
                    .collect(),
            )
        }
        Item::Alert(bytes) => Ok(block_on(client.publish_alert(credentials, bytes))??),
        Item::Retraction(bytes) => Ok(block_on(client.publish_retraction(credentials, bytes))??),
        Item::Reply(mailbox, sealed, item_id) => {
            block_on(client.post_reply(credentials, &mailbox, &sealed, Some(&item_id)))??;
            Ok(())
        }
        Item::AckReport(id) => {
            done_or_gone(block_on(client.acknowledge_report(credentials, &id))?.map(|_| ()))
        }
        Item::AckMessage(id) => {
            done_or_gone(block_on(client.acknowledge_message(credentials, &id))?)
        }
    }
}

pub fn publish_outbox(
    file: &Path,
    api_key: &Path,
    root_key: Option<&Path>,
    state_dir: Option<PathBuf>,
    server: &ServerArg,
) -> Result<()> {
    let root_key = root_key.context(
        "an outbox file is checked against the organisation's root key: give --root-key root.pub",
    )?;
    let organisation = keyfiles::read_public_key(root_key)?;
    let signed: airgap::Signed<Outbox> = airgap::read(file, "outbox", &organisation)?;
    let outbox = &signed.content;
    let state_dir = crate::evaluations::state_dir(state_dir)?;
    let state = state_path(&state_dir);
    let mut published: Published = match std::fs::read(&state) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is damaged", state.display()))?,
        Err(_) => Published::default(),
    };
    if let Some(day) = published
        .files
        .get(&outbox.file_id)
        .and_then(|r| r.completed_on)
    {
        bail!(
            "{} was already published on {day}; nothing was sent twice",
            file.display()
        );
    }
    let credentials = keyfiles::read_api(api_key)?;
    if outbox.moderator != credentials.id {
        bail!(
            "{} was written on {}'s desk, but {} is {}'s API key: publish it on {}'s online machine, with their API key; nothing was sent",
            file.display(),
            outbox.moderator,
            api_key.display(),
            credentials.id,
            outbox.moderator
        );
    }
    let client = JasmineClient::new(block_on(server.transport())??);
    // The file must be signed by this moderator's alert key in the organisation's
    // current bundle (checked against the root key), before anything is sent.
    let bundle = block_on(client.fetch_bundle(&organisation, Day::today_utc(), None))??;
    let alert_keys: Vec<_> = bundle
        .bundle()
        .alert_keys(&outbox.moderator)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    if signed.verify(&alert_keys).is_err() {
        bail!(
            "{} is not signed by {}'s alert key in the server's key bundle (version {}): it was changed after the desk wrote it, or written on another desk. Nothing was sent: carry the copy from desk/outboxes/ instead",
            file.display(),
            outbox.moderator,
            bundle.version()
        );
    }
    let mut items: Vec<(String, Item)> = Vec::new();
    for alert in &outbox.alerts {
        let id = alert["alert"]["id"].as_str().unwrap_or_default();
        items.push((
            format!("alert:{id}"),
            Item::Alert(serde_json::to_vec(alert)?),
        ));
    }
    // Entries after the alerts they name, before any retraction.
    for (n, chunk) in outbox
        .check_entries
        .chunks(jasmine_client::wire::MAX_DESK_EVALUATIONS)
        .enumerate()
    {
        items.push((
            format!("check-entries:{n}"),
            Item::CheckEntries(chunk.to_vec()),
        ));
    }
    for (n, chunk) in outbox
        .check_requests
        .chunks(jasmine_client::wire::MAX_DESK_EVALUATIONS)
        .enumerate()
    {
        items.push((
            format!("check-requests:{n}"),
            Item::CheckRequests(chunk.to_vec()),
        ));
    }
    for retraction in &outbox.retractions {
        let id = retraction["retraction"]["alert_id"]
            .as_str()
            .unwrap_or_default();
        items.push((
            format!("retraction:{id}"),
            Item::Retraction(serde_json::to_vec(retraction)?),
        ));
    }
    for reply in &outbox.replies {
        let sealed = STANDARD
            .decode(&reply.ciphertext)
            .with_context(|| format!("{} holds a damaged reply", file.display()))?;
        items.push((
            format!("reply:{}", reply.item_id),
            Item::Reply(reply.mailbox.clone(), sealed, reply.item_id.clone()),
        ));
    }
    for id in &outbox.acknowledge.reports {
        items.push((format!("ack-report:{id}"), Item::AckReport(id.clone())));
    }
    for id in &outbox.acknowledge.messages {
        items.push((format!("ack-message:{id}"), Item::AckMessage(id.clone())));
    }
    let total = items.len();
    let mut sent = 0;
    let mut refused = Vec::new();
    for (key, item) in items {
        let record = published.files.entry(outbox.file_id.clone()).or_default();
        if record.done.contains(&key) {
            continue;
        }
        match send(&client, &credentials, item, &state_dir) {
            Ok(()) => sent += 1,
            // The server refused this item for good (4xx): say so, go on with the rest.
            Err(e) if is_refusal(&e) => refused.push(format!("{key}: {e:#}")),
            Err(e) => {
                return Err(e.context(format!(
                    "stopped at {key}; what was sent is remembered: run the same publish again"
                )))
            }
        }
        record.done.push(key);
        save(&state, &published)?;
    }
    published
        .files
        .entry(outbox.file_id.clone())
        .or_default()
        .completed_on = Some(Day::today_utc());
    save(&state, &published)?;
    let entries = match outbox.check_entries.len() {
        0 => String::new(),
        n => format!(" {n} check-list entr(y/ies),"),
    };
    println!(
        "Published {} (written {} by {}): {} alert(s), {} retraction(s), {} repl(y/ies),{entries} {} acknowledgement(s); {sent} of {total} item(s) sent now.",
        file.display(),
        outbox.created_on,
        outbox.moderator,
        outbox.alerts.len(),
        outbox.retractions.len(),
        outbox.replies.len(),
        outbox.acknowledge.reports.len() + outbox.acknowledge.messages.len(),
    );
    if !outbox.check_requests.is_empty() {
        println!(
            "{} identifier(s) for the check list were evaluated blindly; the next `pull --out` carries the evaluations to the desk.",
            outbox.check_requests.len()
        );
    }
    if !refused.is_empty() {
        for r in &refused {
            // The server's reason: text from the network, escaped like any other.
            eprintln!("refused: {}", crate::display::escape_lines(r));
        }
        bail!(
            "the server refused {} item(s) (above); everything else was published",
            refused.len()
        );
    }
    Ok(())
}
