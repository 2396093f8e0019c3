//! The desk's side of the check list (`docs/PROTOCOL.md` §5b): the identifiers a
//! moderator puts on the list (never in an alert's text) are blinded here, on the
//! offline machine; only the blinded elements cross to the online machine (in the
//! outbox file), and the server's evaluations come back in the next inbox file. Each
//! evaluation's proof is checked against the check key the verified bundle names, the
//! output is unblinded, and an entry `{alert id, tag}` is signed with the moderator's
//! alert key for the next outbox. The identifiers never reach the online machine in
//! clear.
//!
//! A blinded identifier waits on the desk (encrypted, with its blind) until its
//! evaluation comes back: every outbox file carries every waiting one again, so a
//! lost inbox or outbox file loses nothing.

use anyhow::{Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::bundle::KeyBundle;
use jasmine_client::checklist::{self, CheckEntry};
use jasmine_client::identifier::Kind;
use jasmine_client::oprf::{self, Evaluation, PendingCheck};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::airgap::{InboxCheckEvaluation, OutboxCheckRequest};
use crate::keyfiles::OfflineKeys;

/// A blinded identifier waiting for its evaluation. Kept in the encrypted case list
/// only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiting {
    /// Random id (32 hex), named in the outbox and inbox files.
    pub item_id: String,
    /// The alert whose aggressor has this identifier.
    pub alert_id: String,
    /// phone, plate or handle.
    pub kind: String,
    /// The identifier, normalised.
    pub identifier: String,
    /// The blind and its blinded element, standard base64.
    pub state: String,
    /// The blinded element, standard base64 (what the outbox carries).
    pub blinded: String,
}

/// What taking the evaluations of an inbox file did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    /// Entries signed for the next outbox.
    pub signed: usize,
    /// Evaluations whose proof does not verify against the bundle's check key: the
    /// identifier stays waiting (asked again with the next outbox).
    pub refused: usize,
}

/// Blinds `identifiers` (normalised) of `alert_id`'s aggressor and keeps them waiting.
pub fn queue(
    waiting: &mut Vec<Waiting>,
    alert_id: &str,
    identifiers: &[(Kind, String)],
) -> Result<()> {
    for (kind, identifier) in identifiers {
        if waiting.iter().any(|w| {
            w.alert_id == alert_id && w.kind == kind.label() && &w.identifier == identifier
        }) {
            continue;
        }
        let input = oprf::check_input(*kind, identifier);
        let (pending, blinded) = oprf::blind(&input, &mut rand::rngs::OsRng)?;
        waiting.push(Waiting {
            item_id: jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng),
            alert_id: alert_id.to_string(),
            kind: kind.label().to_string(),
            identifier: identifier.clone(),
            state: STANDARD.encode(&pending.state_bytes()[..]),
            blinded: blinded.to_base64(),
        });
    }
    Ok(())
}

/// What the next outbox file asks the server to evaluate: every waiting identifier.
pub fn requests(waiting: &[Waiting]) -> Vec<OutboxCheckRequest> {
    waiting
        .iter()
        .map(|w| OutboxCheckRequest {
            item_id: w.item_id.clone(),
            blinded: w.blinded.clone(),
        })
        .collect()
}

/// Takes the evaluations of an inbox file: each one of a waiting identifier whose
/// proof verifies against `bundle`'s check key becomes an entry signed with `keys`'
/// alert key, pushed on `entries`; the others are ignored or refused.
pub fn take(
    waiting: &mut Vec<Waiting>,
    evaluations: &[InboxCheckEvaluation],
    bundle: &KeyBundle,
    keys: &OfflineKeys,
    entries: &mut Vec<Value>,
) -> Result<Taken> {
    let mut taken = Taken::default();
    if evaluations.is_empty() {
        return Ok(taken);
    }
    let public_key = bundle
        .check_key
        .context("the inbox file's key bundle names no check key: the check list's evaluations cannot be verified")?;
    let mut still_waiting = Vec::new();
    for item in waiting.drain(..) {
        let Some(answer) = evaluations.iter().find(|e| e.item_id == item.item_id) else {
            still_waiting.push(item);
            continue;
        };
        let kind = Kind::parse(&item.kind).context("the desk holds a damaged check item")?;
        let input = oprf::check_input(kind, &item.identifier);
        let state = zeroize::Zeroizing::new(
            STANDARD
                .decode(&item.state)
                .context("the desk holds a damaged check item")?,
        );
        let pending = PendingCheck::from_vector(&input, &state)?;
        let output = Evaluation::from_base64(&answer.evaluated, &answer.proof)
            .and_then(|evaluation| pending.finish(&evaluation, &public_key));
        match output {
            Ok(output) => {
                let entry = CheckEntry::new(&item.alert_id, &output, &keys.id);
                entries.push(checklist::sign_entry(&entry, &keys.alert_key)?);
                taken.signed += 1;
            }
            Err(_) => {
                taken.refused += 1;
                still_waiting.push(item);
            }
        }
    }
    *waiting = still_waiting;
    Ok(taken)
}

/// Forgets what waits for `alert_id` (it is being retracted).
pub fn forget_alert(waiting: &mut Vec<Waiting>, entries: &mut Vec<Value>, alert_id: &str) {
    waiting.retain(|w| w.alert_id != alert_id);
    entries.retain(|e| e["entry"]["alert_id"].as_str() != Some(alert_id));
}
