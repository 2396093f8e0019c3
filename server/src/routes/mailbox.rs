//! Reply mailboxes (`docs/PROTOCOL.md` §6.3.6–6.3.8 and §6.5.6–6.5.8).
//!
//! A reporter who chose a codename reads and answers their mailbox by its id, which
//! only they and the moderators know; moderators reply through the signed API. The
//! server files everything under SHA-256 of the id and stores only ciphertext. An
//! unknown mailbox and an empty one give the same answer, and so does a wrong codename
//! (it derives another id). Mailboxes expire after `mailbox.expiry_days` without a
//! post or a read.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use axum::Json;
use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::mailbox::{is_mailbox_id, mailbox_key};
use jasmine_client::puzzle::Purpose;
use jasmine_client::wire::{
    MailboxEntry, MailboxMessages, MailboxPost, MailboxRequest, MessageFrom, PendingMessage,
    PendingMessages, Receipt,
};
use jasmine_client::{age_shape, Day};
use rusqlite::OptionalExtension;
use serde::Deserialize;

pub use crate::config::MailboxConfig;

use super::{is_random_id, new_random_id, read_body};
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{WriteOp, WriteOutcome};

/// Largest body of a mailbox read or delete.
const MAX_REQUEST_BODY: usize = 1024;
/// Most messages listed to a moderator at once (of this moderator's: the limit applies
/// after the recipient filter).
const MAX_LISTED: i64 = 10_000;

fn bad_mailbox() -> ApiError {
    ApiError::bad_request(
        "bad_mailbox",
        "a mailbox id is 32 lowercase hex characters, derived from the codename",
    )
}

fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("malformed", format!("the body is not a {what}: {e}")))
}

/// A stored message: id, day posted, sender, ciphertext.
type StoredMessage = (String, String, String, Vec<u8>);

/// What both read paths (API and web page) get: the messages, oldest first. Reading
/// an existing mailbox counts as activity.
pub async fn read_messages(
    state: &AppState,
    mailbox: &str,
) -> Result<Vec<(MailboxEntry, Vec<u8>)>, ApiError> {
    if !is_mailbox_id(mailbox) {
        return Err(bad_mailbox());
    }
    let key = mailbox_key(mailbox);
    let key_for_read = key.clone();
    let (last_active, rows): (Option<String>, Vec<StoredMessage>) = state
        .storage()
        .read(move |c| {
            let last_active = c
                .query_row(
                    "SELECT last_active_on FROM mailboxes WHERE key = ?1",
                    [&key_for_read],
                    |r| r.get(0),
                )
                .optional()?;
            let mut stmt = c.prepare_cached(
                "SELECT id, posted_on, sender, ciphertext FROM mailbox_messages
                 WHERE mailbox_key = ?1 ORDER BY seq",
            )?;
            let rows = stmt
                .query_map([&key_for_read], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok((last_active, rows))
        })
        .await?;
    let today = Day::today_utc();
    if last_active.is_some_and(|day| day < today.to_string()) {
        state
            .storage()
            .write(WriteOp::TouchMailbox {
                mailbox_key: key,
                day: today,
            })
            .await?;
    }
    Ok(rows
        .into_iter()
        .filter_map(|(id, day, sender, ciphertext)| {
            let from = match sender.as_str() {
                "moderator" => MessageFrom::Moderator,
                _ => MessageFrom::Reporter,
            };
            Some((
                MailboxEntry {
                    id,
                    posted_on: Day::parse(&day).ok()?,
                    from,
                    ciphertext: STANDARD.encode(&ciphertext),
                },
                ciphertext,
            ))
        })
        .collect())
}

/// Checks what can be checked of a message without keys: the mailbox id, the size,
/// and the envelope (encrypted to every moderator of the current bundle and to one
/// more recipient, the reporter), and its attachments file's the same way. Returns
/// the bundle version it was checked against.
pub fn check_message(
    state: &AppState,
    mailbox: &str,
    ciphertext: &[u8],
    attachments: Option<&[u8]>,
) -> Result<u64, ApiError> {
    if !is_mailbox_id(mailbox) {
        return Err(bad_mailbox());
    }
    let current = state.require_bundle()?;
    if ciphertext.len() as u64 > current.bundle.limits.max_report_bytes {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "the message is larger than the bundle's max_report_bytes",
        ));
    }
    let moderators = current.bundle.moderators.len();
    age_shape::check_mailbox_envelope(ciphertext, moderators)
        .map_err(|e| ApiError::bad_request("malformed_envelope", e.to_string()))?;
    if let Some(file) = attachments {
        age_shape::check_attachments_envelope(file, moderators + 1).map_err(|e| {
            ApiError::bad_request("malformed_envelope", format!("the attachments file: {e}"))
        })?;
    }
    Ok(current.bundle.version)
}

/// Stores one message after [`check_message`]. A reporter's answer goes only into a
/// conversation a moderator opened (`404 no_conversation` otherwise, the same for a
/// mailbox that never existed).
pub async fn store_message(
    state: &AppState,
    mailbox: &str,
    ciphertext: Vec<u8>,
    attachments: Option<Vec<u8>>,
    posted_by: Option<String>,
) -> Result<Receipt, ApiError> {
    let bundle_version = check_message(state, mailbox, &ciphertext, attachments.as_deref())?;
    let message = Checked {
        ciphertext,
        attachments,
        bundle_version,
    };
    let (receipt, _) = store_checked(state, mailbox, message, posted_by, None).await?;
    Ok(receipt)
}

/// A message that passed [`check_message`] against bundle `bundle_version`.
struct Checked {
    ciphertext: Vec<u8>,
    attachments: Option<Vec<u8>>,
    bundle_version: u64,
}

/// Stores a message that passed [`check_message`]; `false` with the first receipt
/// when a reply with this `item_id` was stored before.
async fn store_checked(
    state: &AppState,
    mailbox: &str,
    message: Checked,
    posted_by: Option<String>,
    item_id: Option<String>,
) -> Result<(Receipt, bool), ApiError> {
    let id = new_random_id();
    let posted_on = Day::today_utc();
    let sender = if posted_by.is_some() {
        MessageFrom::Moderator
    } else {
        MessageFrom::Reporter
    };
    let outcome = state
        .storage()
        .write(WriteOp::PostMessage {
            id: id.clone(),
            mailbox_key: mailbox_key(mailbox),
            posted_on,
            sender: sender.as_str(),
            bundle_version: message.bundle_version,
            ciphertext: message.ciphertext,
            attachments: message.attachments,
            posted_by,
            max_messages: state.mailbox_config().max_messages,
            max_answer_bytes: state.mailbox_config().max_answer_bytes,
            item_id,
        })
        .await?;
    let (id, received_on, new) = match outcome {
        WriteOutcome::Repeated { id, posted_on } => (id, posted_on, false),
        _ => (id, posted_on, true),
    };
    Ok((Receipt { id, received_on }, new))
}

/// Deletes a mailbox; the answer is the same whether it existed or not. Only a
/// mailbox that exists costs a write: anonymous deletes of unknown ids stay out of the
/// writer's queue.
pub async fn delete_messages(state: &AppState, mailbox: &str) -> Result<(), ApiError> {
    if !is_mailbox_id(mailbox) {
        return Err(bad_mailbox());
    }
    let key = mailbox_key(mailbox);
    let exists: bool = state
        .storage()
        .read(move |c| {
            c.query_row(
                "SELECT EXISTS(SELECT 1 FROM mailboxes WHERE key = ?1)",
                [key],
                |r| r.get(0),
            )
        })
        .await?;
    if !exists {
        return Ok(());
    }
    state
        .storage()
        .write(WriteOp::DeleteMailbox {
            mailbox_key: mailbox_key(mailbox),
        })
        .await?;
    Ok(())
}

/// The mailbox id, the ciphertext and the item id (a moderator's reply) of a post.
fn decode_post(bytes: &[u8]) -> Result<(String, Vec<u8>, Option<String>), ApiError> {
    let post: MailboxPost = parse_json(bytes, "mailbox message ({\"mailbox\", \"ciphertext\"})")?;
    if post
        .item_id
        .as_deref()
        .is_some_and(|item| !jasmine_client::alert::is_alert_id(item))
    {
        return Err(ApiError::bad_request(
            "malformed",
            "item_id must be 32 lowercase hex characters",
        ));
    }
    let ciphertext = STANDARD.decode(post.ciphertext.as_bytes()).map_err(|_| {
        ApiError::bad_request(
            "malformed",
            "ciphertext must be standard base64 of an age file",
        )
    })?;
    Ok((post.mailbox, ciphertext, post.item_id))
}

fn post_limit(state: &AppState) -> usize {
    state
        .current_bundle()
        .map_or(1024 * 1024, |c| c.bundle.limits.max_report_bytes as usize)
        * 4
        / 3
        + 1024
}

/// `POST /v1/mailbox/read`.
pub async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<MailboxMessages>, ApiError> {
    let bytes = read_body(&headers, body, MAX_REQUEST_BODY).await?;
    let request: MailboxRequest = parse_json(&bytes, "mailbox request ({\"mailbox\"})")?;
    let messages = read_messages(&state, &request.mailbox)
        .await?
        .into_iter()
        .map(|(entry, _)| entry)
        .collect();
    Ok(Json(MailboxMessages { messages }))
}

/// `POST /v1/mailbox/answer`: a reporter's answer; or, as `multipart/form-data`, an
/// answer and its attachments file (§4.12), both or neither.
pub async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let ticket = super::public::precheck(&state, &headers, Purpose::Answer)?;
    let boundary = crate::upload::form_data_boundary(&headers);
    // A JSON answer's challenge is for the decoded file: its body (base64 in JSON) is
    // bounded as before.
    let (_place, limit) = match boundary {
        Some(_) => {
            let (place, limit) = super::public::upload_admission(&state, ticket.as_ref())?;
            (Some(place), limit)
        }
        None => (None, post_limit(&state)),
    };
    let bytes = read_body(&headers, body, limit).await?;
    let body_size = bytes.len() as u64;
    let (mailbox, ciphertext, attachments) = match &boundary {
        None => {
            let (mailbox, ciphertext, item_id) = decode_post(&bytes)?;
            if item_id.is_some() {
                return Err(ApiError::bad_request(
                    "malformed",
                    "item_id is for moderators' replies only",
                ));
            }
            (mailbox, ciphertext, None)
        }
        Some(boundary) => answer_parts(boundary, bytes).await?,
    };
    let bundle_version = check_message(&state, &mailbox, &ciphertext, attachments.as_deref())?;
    // The puzzle pays for the whole multipart body, or for the decoded file (§6.9.2).
    let priced = match boundary {
        Some(_) => body_size,
        None => ciphertext.len() as u64,
    };
    super::public::admit(&state, ticket, priced).await?;
    let size = (ciphertext.len() + attachments.as_ref().map_or(0, Vec::len)) as u64;
    let message = Checked {
        ciphertext,
        attachments,
        bundle_version,
    };
    let (receipt, _) = store_checked(&state, &mailbox, message, None, None).await?;
    state.admission().record_write(size);
    tracing::debug!("a mailbox answer was stored");
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// The three parts of an answer sent with images: `mailbox`, `answer`, `attachments`.
async fn answer_parts(
    boundary: &str,
    body: axum::body::Bytes,
) -> Result<(String, Vec<u8>, Option<Vec<u8>>), ApiError> {
    let malformed = |reason: String| {
        ApiError::bad_request(
            "malformed_upload",
            format!("{reason}: send the parts 'mailbox' (the mailbox id), 'answer' (the answer's age file) and 'attachments' (its attachments file), in this order"),
        )
    };
    let parts = crate::upload::parts(boundary, body, &["mailbox", "answer", "attachments"], 3)
        .await
        .map_err(malformed)?;
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    if names != ["mailbox", "answer", "attachments"] {
        return Err(malformed(format!(
            "the parts are {}",
            if names.is_empty() {
                "missing".to_string()
            } else {
                format!("'{}'", names.join("', '"))
            }
        )));
    }
    let mut parts = parts.into_iter();
    let mut next = || parts.next().map(|p| p.bytes).unwrap_or_default();
    let mailbox = String::from_utf8(next().to_vec()).map_err(|_| bad_mailbox())?;
    Ok((mailbox, next().to_vec(), Some(next().to_vec())))
}

/// `POST /v1/mailbox/delete`.
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bytes = read_body(&headers, body, MAX_REQUEST_BODY).await?;
    let request: MailboxRequest = parse_json(&bytes, "mailbox request ({\"mailbox\"})")?;
    delete_messages(&state, &request.mailbox).await?;
    Ok(Json(serde_json::json!({ "deleted": true })))
}

/// `POST /v1/mod/mailbox/reply`: a moderator's reply.
pub async fn reply(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let (moderator, bytes) =
        super::moderator::authenticated(&state, &method, &uri, &headers, body, post_limit(&state))
            .await?;
    let (mailbox, ciphertext, item_id) = decode_post(&bytes)?;
    let bundle_version = check_message(&state, &mailbox, &ciphertext, None)?;
    let message = Checked {
        ciphertext,
        attachments: None,
        bundle_version,
    };
    let (receipt, new) = store_checked(&state, &mailbox, message, Some(moderator), item_id).await?;
    if !new {
        return Ok((StatusCode::OK, Json(receipt)));
    }
    tracing::info!("a reply was posted");
    Ok((StatusCode::CREATED, Json(receipt)))
}

/// `GET /v1/mod/messages`: mailbox messages encrypted to me that I have not acknowledged.
pub async fn pending(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PendingMessages>, ApiError> {
    let (moderator, _) =
        super::moderator::authenticated(&state, &method, &uri, &headers, body, MAX_REQUEST_BODY)
            .await?;
    let me = moderator.clone();
    let versions = super::moderator::recipient_versions(&state, &moderator);
    let rows: Vec<(String, String, String, i64, i64, Option<i64>)> = state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT m.id, m.posted_on, m.sender, m.bundle_version, length(m.ciphertext), length(m.attachments)
                 FROM mailbox_messages m
                 WHERE m.bundle_version IN (SELECT value FROM json_each(?2))
                   AND NOT EXISTS (SELECT 1 FROM message_acks a WHERE a.message_id = m.id AND a.moderator_id = ?1)
                 ORDER BY m.posted_on, m.mailbox_key, m.seq LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![me, versions, MAX_LISTED], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
            })?;
            rows.collect()
        })
        .await?;
    let messages = rows
        .into_iter()
        .filter(|(_, _, _, version, _, _)| {
            super::moderator::was_recipient(&state, *version as u64, &moderator)
        })
        .filter_map(|(id, day, sender, version, size, attachments_size)| {
            Some(PendingMessage {
                id,
                posted_on: Day::parse(&day).ok()?,
                from: if sender == "moderator" {
                    MessageFrom::Moderator
                } else {
                    MessageFrom::Reporter
                },
                bundle_version: version as u64,
                size: size as u64,
                attachments_size: attachments_size.map(|s| s as u64),
            })
        })
        .collect();
    Ok(Json(PendingMessages { messages }))
}

fn no_such_message() -> ApiError {
    ApiError::not_found("no such mailbox message for you (unknown, expired, deleted by the reporter, or not encrypted to you)")
}

async fn message_version(state: &AppState, id: &str) -> Result<Option<u64>, ApiError> {
    let id = id.to_string();
    Ok(state
        .storage()
        .read(move |c| {
            c.query_row(
                "SELECT bundle_version FROM mailbox_messages WHERE id = ?1",
                [id],
                |r| r.get::<_, i64>(0),
            )
            .optional()
        })
        .await?
        .map(|v| v as u64))
}

async fn check_recipient(state: &AppState, id: &str, moderator: &str) -> Result<(), ApiError> {
    if !is_random_id(id) {
        return Err(no_such_message());
    }
    match message_version(state, id).await? {
        Some(version) if super::moderator::was_recipient(state, version, moderator) => Ok(()),
        _ => Err(no_such_message()),
    }
}

/// `GET /v1/mod/messages/{id}`: the ciphertext.
pub async fn fetch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let request = (method, uri, headers, body);
    message_file(&state, id, request, MessageFile::Envelope).await
}

/// `GET /v1/mod/messages/{id}/attachments`: the attachments file of an answer with
/// images (`docs/PROTOCOL.md` §4.12).
pub async fn fetch_attachments(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let request = (method, uri, headers, body);
    message_file(&state, id, request, MessageFile::Attachments).await
}

/// Which of a message's two files.
enum MessageFile {
    Envelope,
    Attachments,
}

/// One of a message's files, for a moderator it was encrypted to.
async fn message_file(
    state: &AppState,
    id: String,
    (method, uri, headers, body): (Method, Uri, HeaderMap, Body),
    which: MessageFile,
) -> Result<Response, ApiError> {
    let (moderator, _) =
        super::moderator::authenticated(state, &method, &uri, &headers, body, MAX_REQUEST_BODY)
            .await?;
    check_recipient(state, &id, &moderator).await?;
    let sql = match which {
        MessageFile::Envelope => {
            "SELECT ciphertext, posted_on, sender FROM mailbox_messages WHERE id = ?1"
        }
        MessageFile::Attachments => {
            "SELECT attachments, posted_on, sender FROM mailbox_messages WHERE id = ?1"
        }
    };
    let row: Option<(Option<Vec<u8>>, String, String)> = state
        .storage()
        .read(move |c| {
            c.query_row(sql, [id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
        })
        .await?;
    let (file, posted_on, sender) = row.ok_or_else(no_such_message)?;
    let file = file.ok_or_else(|| {
        ApiError::not_found(
            "this message has no attachments (or is unknown, expired, or not encrypted to you)",
        )
    })?;
    Ok(super::ciphertext_response(
        file,
        &[
            ("x-jasmine-posted-on", posted_on),
            ("x-jasmine-from", sender),
        ],
    ))
}

/// `POST /v1/mod/messages/{id}/ack`: I have it (it stays for the reporter).
pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (moderator, _) =
        super::moderator::authenticated(&state, &method, &uri, &headers, body, MAX_REQUEST_BODY)
            .await?;
    check_recipient(&state, &id, &moderator).await?;
    state
        .storage()
        .write(WriteOp::AcknowledgeMessage {
            message_id: id,
            moderator_id: moderator,
        })
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::NotFound => no_such_message(),
            other => other.into(),
        })?;
    Ok(Json(serde_json::json!({ "acknowledged": true })))
}
