//! The JSON bodies of the HTTP API, shared by the server that writes them and the
//! clients that read them (`docs/PROTOCOL.md` §6).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Day;

/// Answer to `POST /v1/reports`: the report is durably stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Random report id.
    pub id: String,
    /// Day the server received it (no time of day is kept).
    pub received_on: Day,
}

/// Every error answer: a stable code and a reason for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub error: String,
    /// What went wrong and what to do.
    pub reason: String,
}

/// One report waiting for a moderator (`GET /v1/mod/reports`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReport {
    /// Report id.
    pub id: String,
    /// Day received.
    pub received_on: Day,
    /// Version of the key bundle it was accepted under.
    pub bundle_version: u64,
    /// Ciphertext size in bytes.
    pub size: u64,
    /// Size in bytes of its attachments file (`docs/PROTOCOL.md` §4.12), when it has
    /// one (`GET /v1/mod/reports/{id}/attachments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments_size: Option<u64>,
}

/// The list of reports this moderator has not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingReports {
    /// The reports, in no meaningful order.
    pub reports: Vec<PendingReport>,
}

/// Answer to an acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckResult {
    /// Whether every moderator has now acknowledged, so the report was deleted.
    pub deleted: bool,
}

/// `GET /v1/alerts`: signed alerts and retractions, newest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AlertFeed {
    /// Signed alerts (`{"alert": …, "signature": …}`), as published.
    pub alerts: Vec<Value>,
    /// Signed retractions of alerts that were withdrawn.
    pub retractions: Vec<Value>,
    /// Offset of the next page, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<u64>,
}

/// Answer to `GET /v1/status`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Always "ok" when the server answers.
    pub status: String,
    /// Version of the bundle being served, if any.
    pub bundle_version: Option<u64>,
    /// The onion service's state, for the operator: only on the loopback listener,
    /// never on the onion service itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onion: Option<OnionStatus>,
}

/// What the server knows of its own onion service (`GET /v1/status` on loopback).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnionStatus {
    /// `not_started`, `bootstrapping`, `running`, `degraded_reachable`,
    /// `degraded_unreachable`, `recovering`, `broken`, `shutdown` or `unknown` (arti's
    /// reachability of the service: descriptors published, introduction points up).
    pub state: String,
    /// Whether that state means reporters can reach it (`running`,
    /// `degraded_reachable`).
    pub reachable: bool,
    /// Its address, once launched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// Body of `POST /v1/mailbox/read` and `POST /v1/mailbox/delete`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxRequest {
    /// The mailbox id derived from the codename.
    pub mailbox: String,
}

/// Body of `POST /v1/mailbox/answer` and `POST /v1/mod/mailbox/reply`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxPost {
    /// The mailbox id.
    pub mailbox: String,
    /// The age-encrypted message, standard base64.
    pub ciphertext: String,
    /// A moderator's reply only: 32 lowercase hex chosen when the reply was sealed, so
    /// that a reply sent again (a publication interrupted and run again) is stored once
    /// (`docs/PROTOCOL.md` §6.5.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<String>,
}

/// Who posted a mailbox message (the server knows which endpoint it came through).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageFrom {
    /// Posted through the signed moderator API.
    Moderator,
    /// Posted by whoever knew the mailbox id.
    Reporter,
}

impl MessageFrom {
    /// The name stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageFrom::Moderator => "moderator",
            MessageFrom::Reporter => "reporter",
        }
    }
}

/// One message of a mailbox, as `POST /v1/mailbox/read` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEntry {
    /// Random message id.
    pub id: String,
    /// Day posted.
    pub posted_on: Day,
    /// Who posted it.
    pub from: MessageFrom,
    /// The age file, standard base64.
    pub ciphertext: String,
}

/// The messages of a mailbox, oldest first. An unknown mailbox and an empty one give
/// the same answer: no messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxMessages {
    /// The messages.
    pub messages: Vec<MailboxEntry>,
}

/// One mailbox message waiting for a moderator (`GET /v1/mod/messages`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMessage {
    /// Message id.
    pub id: String,
    /// Day posted.
    pub posted_on: Day,
    /// Who posted it.
    pub from: MessageFrom,
    /// Version of the key bundle it was accepted under.
    pub bundle_version: u64,
    /// Ciphertext size in bytes.
    pub size: u64,
    /// Size in bytes of its attachments file (`docs/PROTOCOL.md` §4.12), when it has
    /// one (`GET /v1/mod/messages/{id}/attachments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments_size: Option<u64>,
}

/// Mailbox messages this moderator has not acknowledged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMessages {
    /// The messages, in no meaningful order.
    pub messages: Vec<PendingMessage>,
}

/// Body of `POST /v1/check`: one blinded element (`crate::oprf`), standard base64.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// The blinded element, 32 bytes.
    pub blinded: String,
}

/// The server's evaluation of one blinded element, with the proof that it used the
/// key the bundle names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEvaluation {
    /// The evaluated element, 32 bytes, standard base64.
    pub evaluated: String,
    /// The DLEQ proof, 64 bytes, standard base64.
    pub proof: String,
}

/// Body of `POST /v1/mod/check/evaluate`: the desk's blinded elements (at most
/// [`MAX_DESK_EVALUATIONS`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBatch {
    /// Blinded elements, standard base64.
    pub blinded: Vec<String>,
}

/// Most blinded elements in one `POST /v1/mod/check/evaluate`.
pub const MAX_DESK_EVALUATIONS: usize = 256;

/// Answer to `POST /v1/mod/check/evaluate`, in the order asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckBatchAnswer {
    /// One evaluation per blinded element.
    pub evaluations: Vec<CheckEvaluation>,
}

/// Body of `POST /v1/mod/checklist`: signed check-list entries (`crate::checklist`),
/// at most [`MAX_DESK_EVALUATIONS`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckEntries {
    /// Signed entries (`{"entry": …, "signature": …}`).
    pub entries: Vec<Value>,
}
