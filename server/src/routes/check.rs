//! The private check (`docs/PROTOCOL.md` §5b): anonymous blind evaluations
//! (`POST /v1/check`, one solved puzzle each: every evaluation is also one guess for
//! whoever enumerates numbers), the desk's batch of evaluations and its signed entries
//! (moderator API), and the list itself (`GET /v1/checklist`, with an `ETag`).
//!
//! Nothing here is logged: a blinded element says nothing, but the server keeps no
//! trace of a check, not even that one happened.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jasmine_client::checklist;
use jasmine_client::oprf::{BlindedRequest, CheckKey};
use jasmine_client::puzzle::Purpose;
use jasmine_client::wire::{
    CheckBatch, CheckBatchAnswer, CheckEntries, CheckEvaluation, CheckRequest, MAX_DESK_EVALUATIONS,
};
use sha2::{Digest, Sha256};

use super::moderator::{authenticated, refused};
use super::public::{admit, precheck};
use super::{read_body, MAX_SMALL_BODY};
use crate::error::ApiError;
use crate::state::{AppState, CheckListBody};
use crate::storage::{StorageError, WriteOp, WriteOutcome};

/// Largest body of `POST /v1/check`.
const MAX_CHECK_BODY: usize = 256;

/// The check key, if the current bundle names it; otherwise why not (503): a client
/// would refuse an evaluation with a key its bundle does not name.
pub(crate) fn key_in_service(state: &AppState) -> Result<&CheckKey, ApiError> {
    let current = state.require_bundle()?;
    let unavailable = |reason: &str| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "check_unavailable",
            reason.to_string(),
        )
    };
    match current.bundle.check_key {
        None => Err(unavailable(
            "this service's key bundle names no check key: the organisation has not set up the check",
        )),
        Some(named) if named != state.check_key().public_key() => Err(unavailable(
            "the key bundle names another check key than this server's: the organisation must sign a bundle with this server's key",
        )),
        Some(_) => Ok(state.check_key()),
    }
}

fn evaluate(key: &CheckKey, blinded: &str) -> Result<CheckEvaluation, ApiError> {
    let blinded = BlindedRequest::from_base64(blinded)
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?;
    let (evaluated, proof) = key.evaluate(&blinded, &mut rand::rngs::OsRng).to_base64();
    Ok(CheckEvaluation { evaluated, proof })
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = jasmine_client::canonical::parse_strict(bytes, "request")
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?;
    serde_json::from_value(value).map_err(|e| ApiError::bad_request("malformed", e.to_string()))
}

/// The published, unhidden alerts the list holds for `tag` (base64), as the server
/// reads its own table: for the check page without JavaScript, where the server
/// computes the tag itself.
pub(crate) async fn alerts_with_tag(
    state: &AppState,
    tag: String,
) -> Result<Vec<String>, ApiError> {
    Ok(state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT e.alert_id FROM check_entries e JOIN alerts a ON a.id = e.alert_id
                 WHERE e.tag = ?1 AND a.hidden = 0 ORDER BY a.published_on DESC",
            )?;
            let rows = stmt.query_map([tag], |r| r.get::<_, String>(0))?;
            rows.collect()
        })
        .await?)
}

/// `POST /v1/check`: evaluates one blinded element, with a solved puzzle.
pub async fn check(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<CheckEvaluation>, ApiError> {
    let key = key_in_service(&state)?;
    let ticket = precheck(&state, &headers, Purpose::Check)?;
    let limit = ticket
        .as_ref()
        .map_or(MAX_CHECK_BODY, |t| (t.size as usize).min(MAX_CHECK_BODY));
    let bytes = read_body(&headers, body, limit).await?;
    // A struct of one member: serde refuses unknown and repeated members itself.
    let request: CheckRequest = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?;
    // The element is read (once) before the puzzle is spent on it.
    let blinded = BlindedRequest::from_base64(&request.blinded)
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?;
    admit(&state, ticket, bytes.len() as u64).await?;
    state.admission().record_check();
    // Evaluated here, on the async thread: one evaluation is about 0.2 ms of CPU, less
    // than the Argon2id hash that checked its puzzle (already off these threads), and
    // a hand-over to a blocking thread would cost a sixth of it again (`make bench`).
    let (evaluated, proof) = key.evaluate(&blinded, &mut rand::rngs::OsRng).to_base64();
    Ok(Json(CheckEvaluation { evaluated, proof }))
}

/// `POST /v1/mod/check/evaluate`: the desk's blinded elements, evaluated.
pub async fn evaluate_for_desk(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<CheckBatchAnswer>, ApiError> {
    let (_, bytes) = authenticated(&state, &method, &uri, &headers, body, MAX_SMALL_BODY).await?;
    key_in_service(&state)?;
    let batch: CheckBatch = json_body(&bytes)?;
    if batch.blinded.len() > MAX_DESK_EVALUATIONS {
        return Err(ApiError::bad_request(
            "too_many",
            format!("at most {MAX_DESK_EVALUATIONS} blinded elements at once"),
        ));
    }
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        let key = key_in_service(&worker)?;
        batch
            .blinded
            .iter()
            .map(|b| evaluate(key, b))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| ApiError::from(StorageError::Unavailable))?
    .map(|evaluations| Json(CheckBatchAnswer { evaluations }))
}

/// `POST /v1/mod/checklist`: adds entries signed by current moderators, each of a
/// published alert that was not retracted. All or nothing.
pub async fn add_entries(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (_, bytes) = authenticated(&state, &method, &uri, &headers, body, MAX_SMALL_BODY).await?;
    let current = state.require_bundle()?;
    let posted: CheckEntries = json_body(&bytes)?;
    if posted.entries.is_empty() || posted.entries.len() > MAX_DESK_EVALUATIONS {
        return Err(ApiError::bad_request(
            "too_many",
            format!("send 1 to {MAX_DESK_EVALUATIONS} entries at once"),
        ));
    }
    let mut entries = Vec::with_capacity(posted.entries.len());
    for signed in posted.entries {
        let (entry, _) =
            checklist::verify_entry(signed.clone(), &current.bundle).map_err(refused)?;
        entries.push((entry.alert_id, entry.tag, signed.to_string()));
    }
    let outcome = state
        .storage()
        .write(WriteOp::InsertCheckEntries { entries })
        .await
        .map_err(|e| match e {
            StorageError::NotFound => ApiError::not_found(
                "an entry names an alert that is not published; publish the alert first",
            ),
            other => other.into(),
        })?;
    state.checklist_changed();
    let status = match outcome {
        WriteOutcome::AlreadyThere => StatusCode::OK,
        _ => StatusCode::CREATED,
    };
    tracing::info!("check-list entries were added");
    Ok((status, Json(serde_json::json!({}))).into_response())
}

/// `GET /v1/checklist`: every entry, as signed, in a stable order; `ETag` and
/// `If-None-Match` so that a phone downloads it again only when it changed.
pub async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let body = match state.cached_checklist() {
        Ok(body) => body,
        Err(generation) => {
            let rows: Vec<String> = state
                .storage()
                .read(|c| {
                    let mut stmt = c.prepare_cached(
                        "SELECT e.signed_json FROM check_entries e JOIN alerts a ON a.id = e.alert_id
                         WHERE a.hidden = 0 ORDER BY e.tag, e.alert_id",
                    )?;
                    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                    rows.collect()
                })
                .await?;
            let mut json =
                String::with_capacity(rows.iter().map(|r| r.len() + 1).sum::<usize>() + 16);
            json.push_str("{\"entries\":[");
            json.push_str(&rows.join(","));
            json.push_str("]}");
            let etag = format!(
                "\"{}\"",
                &hex::encode(Sha256::digest(json.as_bytes()))[..32]
            );
            let body = CheckListBody {
                etag,
                json: json.into(),
            };
            state.cache_checklist(generation, body.clone());
            body
        }
    };
    let etag = HeaderValue::from_str(&body.etag).expect("hex etag");
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == body.etag || t.trim() == "*")
        });
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag),
            // Nothing kept on her phone; a client that keeps its own copy revalidates
            // it with the ETag.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body.json,
    )
        .into_response())
}
