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
}
