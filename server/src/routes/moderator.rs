//! The moderator API. Every request is signed with a moderator's API key from the
//! current bundle (see [`crate::auth`]). A moderator sees only reports that were
//! encrypted to them (their id is in the bundle the report was accepted under).

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jasmine_client::alert;
use jasmine_client::wire::{AckResult, PendingReport, PendingReports};
use jasmine_client::Day;
use rusqlite::OptionalExtension;

use super::{is_random_id, read_body, MAX_SMALL_BODY};
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::{WriteOp, WriteOutcome};

/// Most reports listed at once (of this moderator's: the limit applies after the
/// recipient filter, see [`recipient_versions`]).
const MAX_LISTED: i64 = 10_000;

/// Checks a moderator request's header (signature included), then reads its body (at
/// most `limit` bytes) and checks it against the signed hash; returns the moderator
/// and the body.
pub(crate) async fn authenticated(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<(String, bytes::Bytes), ApiError> {
    // Nothing of the body is read before the signed header checks out.
    let authorized = state.authorize(method, uri, headers)?;
    let bytes = read_body(headers, body, limit).await?;
    authorized.check_body(&bytes)?;
    Ok((authorized.moderator, bytes))
}

pub(crate) fn was_recipient(state: &AppState, bundle_version: u64, moderator: &str) -> bool {
    state
        .bundle_version(bundle_version)
        .is_some_and(|b| b.moderator(moderator).is_some())
}

/// The versions of the bundles that list `moderator` (what was accepted under them
/// was encrypted to them), as a JSON array for `IN (SELECT value FROM json_each(?))`.
/// The lists filter by recipient in SQL, so that their limit counts this moderator's
/// items only: other moderators' items, however many, cannot push theirs out.
pub(crate) fn recipient_versions(state: &AppState, moderator: &str) -> String {
    serde_json::Value::from(state.versions_listing(moderator)).to_string()
}

/// `GET /v1/mod/reports`: reports encrypted to me that I have not acknowledged.
pub async fn pending(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<PendingReports>, ApiError> {
    let (moderator, _) =
        authenticated(&state, &method, &uri, &headers, body, MAX_SMALL_BODY).await?;
    let me = moderator.clone();
    let versions = recipient_versions(&state, &moderator);
    let rows: Vec<(String, String, i64, i64, Option<i64>)> = state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT r.id, r.received_on, r.bundle_version, length(r.ciphertext), length(r.attachments) FROM reports r
                 WHERE r.bundle_version IN (SELECT value FROM json_each(?2))
                   AND NOT EXISTS (SELECT 1 FROM report_acks a WHERE a.report_id = r.id AND a.moderator_id = ?1)
                 ORDER BY r.id LIMIT ?3",
            )?;
            let rows = stmt.query_map(rusqlite::params![me, versions, MAX_LISTED], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?;
            rows.collect()
        })
        .await?;
    let reports = rows
        .into_iter()
        .filter(|(_, _, version, _, _)| was_recipient(&state, *version as u64, &moderator))
        .filter_map(|(id, day, version, size, attachments)| {
            Some(PendingReport {
                id,
                received_on: Day::parse(&day).ok()?,
                bundle_version: version as u64,
                size: size as u64,
                attachments_size: attachments.map(|a| a as u64),
            })
        })
        .collect();
    Ok(Json(PendingReports { reports }))
}

async fn report_version(state: &AppState, id: &str) -> Result<Option<(u64, String)>, ApiError> {
    let id = id.to_string();
    Ok(state
        .storage()
        .read(move |c| {
            c.query_row(
                "SELECT bundle_version, received_on FROM reports WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?)),
            )
            .optional()
        })
        .await?)
}

fn no_such_report() -> ApiError {
    ApiError::not_found(
        "no such report for you (unknown, already deleted, or not encrypted to you)",
    )
}

/// One of a report's two stored files (`docs/PROTOCOL.md` §4.12): its envelope or its
/// attachments file.
#[derive(Clone, Copy)]
enum ReportFile {
    Envelope,
    Attachments,
}

/// A report's file for the moderator who asks, with the day it was received: 404
/// alike for an id that is not one, a report that does not exist, one not encrypted to
/// them, and (for the attachments) one without images.
async fn report_file(
    state: &AppState,
    id: String,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
    which: ReportFile,
) -> Result<Response, ApiError> {
    let (moderator, _) = authenticated(state, method, uri, headers, body, MAX_SMALL_BODY).await?;
    if !is_random_id(&id) {
        return Err(no_such_report());
    }
    let Some((version, received_on)) = report_version(state, &id).await? else {
        return Err(no_such_report());
    };
    if !was_recipient(state, version, &moderator) {
        return Err(no_such_report());
    }
    let sql = match which {
        ReportFile::Envelope => "SELECT ciphertext FROM reports WHERE id = ?1",
        ReportFile::Attachments => "SELECT attachments FROM reports WHERE id = ?1",
    };
    let file: Option<Vec<u8>> = state
        .storage()
        .read(move |c| {
            c.query_row(sql, [id], |r| r.get::<_, Option<Vec<u8>>>(0))
                .optional()
                .map(Option::flatten)
        })
        .await?;
    let file = file.ok_or_else(|| match which {
        ReportFile::Envelope => no_such_report(),
        ReportFile::Attachments => ApiError::not_found(
            "this report has no attachments (or is unknown, or not encrypted to you)",
        ),
    })?;
    Ok(super::ciphertext_response(
        file,
        &[("x-jasmine-received-on", received_on)],
    ))
}

/// `GET /v1/mod/reports/{id}`: the ciphertext.
pub async fn fetch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    report_file(
        &state,
        id,
        &method,
        &uri,
        &headers,
        body,
        ReportFile::Envelope,
    )
    .await
}

/// `GET /v1/mod/reports/{id}/attachments`: its attachments file (§4.12).
pub async fn fetch_attachments(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    report_file(
        &state,
        id,
        &method,
        &uri,
        &headers,
        body,
        ReportFile::Attachments,
    )
    .await
}

/// `POST /v1/mod/reports/{id}/ack`: I have the report; delete it once everyone has.
pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<AckResult>, ApiError> {
    let (moderator, _) =
        authenticated(&state, &method, &uri, &headers, body, MAX_SMALL_BODY).await?;
    if !is_random_id(&id) {
        return Err(no_such_report());
    }
    let Some((version, _)) = report_version(&state, &id).await? else {
        return Err(no_such_report());
    };
    let (Some(then), Some(current)) = (state.bundle_version(version), state.current_bundle())
    else {
        return Err(no_such_report());
    };
    if then.moderator(&moderator).is_none() {
        return Err(no_such_report());
    }
    // Who still has to acknowledge: the recipients of the report who are still moderators.
    let required = then
        .moderators
        .iter()
        .filter(|m| current.bundle.moderator(&m.id).is_some())
        .map(|m| m.id.clone())
        .collect();
    let outcome = state
        .storage()
        .write(WriteOp::Acknowledge {
            report_id: id,
            moderator_id: moderator,
            required,
        })
        .await?;
    Ok(Json(AckResult {
        deleted: outcome == WriteOutcome::Deleted(true),
    }))
}

/// A signed document (alert, retraction, check-list entry) that does not verify: 422
/// with what failed.
pub(crate) fn refused(e: jasmine_client::Error) -> ApiError {
    let code = match e {
        jasmine_client::Error::BadSignature(_) => "bad_signature",
        jasmine_client::Error::UnknownSigner(_) => "unknown_signer",
        _ => "malformed",
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, e.to_string())
}

/// An authenticated request whose body is a signed JSON document (repeated members
/// refused), with the bundle to verify it against.
async fn signed_document(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Body,
) -> Result<(serde_json::Value, crate::state::CurrentBundle), ApiError> {
    let (_, bytes) = authenticated(state, method, uri, headers, body, MAX_SMALL_BODY).await?;
    let current = state.require_bundle()?;
    let value = jasmine_client::canonical::parse_strict(&bytes, "signed document")
        .map_err(|e| ApiError::bad_request("malformed", e.to_string()))?;
    Ok((value, current))
}

/// `POST /v1/mod/alerts`: publish an alert signed with a moderator's alert key.
pub async fn publish_alert(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (value, current) = signed_document(&state, &method, &uri, &headers, body).await?;
    let verified =
        alert::verify_new_alert_value(value.clone(), &current.bundle).map_err(refused)?;
    if verified.published > Day::today_utc().add_days(1) {
        return Err(ApiError::bad_request(
            "bad_date",
            "the alert is dated in the future",
        ));
    }
    let outcome = state
        .storage()
        .write(WriteOp::InsertAlert {
            id: verified.id.clone(),
            published_on: verified.published,
            region: verified.region.clone(),
            severity: verified.severity.as_str().to_string(),
            categories: verified
                .categories
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            signed_json: value.to_string(),
        })
        .await?;
    let status = if outcome == WriteOutcome::AlreadyThere {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    tracing::info!("an alert was published");
    Ok((status, Json(serde_json::json!({ "id": verified.id }))).into_response())
}

/// `POST /v1/mod/retractions`: withdraw an alert with a signed retraction.
pub async fn publish_retraction(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (value, current) = signed_document(&state, &method, &uri, &headers, body).await?;
    let verified =
        alert::verify_new_retraction_value(value.clone(), &current.bundle).map_err(refused)?;
    let outcome = state
        .storage()
        .write(WriteOp::InsertRetraction {
            alert_id: verified.alert_id.clone(),
            retracted_on: verified.retracted_on,
            signed_json: value.to_string(),
        })
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::NotFound => {
                ApiError::not_found("no published alert has this id")
            }
            other => other.into(),
        })?;
    let status = if outcome == WriteOutcome::AlreadyThere {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    state.checklist_changed();
    tracing::info!("an alert was retracted");
    Ok((
        status,
        Json(serde_json::json!({ "alert_id": verified.alert_id })),
    )
        .into_response())
}

/// Alerts per page of `GET /v1/mod/published`.
const PUBLISHED_PAGE: u64 = 500;

/// `?offset=` of `GET /v1/mod/published`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublishedParams {
    offset: Option<u64>,
}

/// `GET /v1/mod/published`: every alert ever published (retracted, hidden and all:
/// the public feed leaves out retracted ones), oldest first, 500 a page, and, on the
/// first page, every retraction; as signed. What the root key's holder needs to list,
/// when a key retires, what it signed.
pub async fn published(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    query: Result<axum::extract::Query<PublishedParams>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Result<Response, ApiError> {
    authenticated(&state, &method, &uri, &headers, body, MAX_SMALL_BODY).await?;
    let axum::extract::Query(params) =
        query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let offset = params.offset.unwrap_or(0);
    if offset > 1_000_000_000 {
        return Err(ApiError::bad_request(
            "bad_query",
            "offset must be at most 1000000000",
        ));
    }
    let (alerts, retractions) = state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT signed_json FROM alerts ORDER BY published_on, id LIMIT ?1 OFFSET ?2",
            )?;
            let alerts = stmt
                .query_map(
                    rusqlite::params![(PUBLISHED_PAGE + 1) as i64, offset as i64],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let retractions = if offset == 0 {
                let mut stmt = c.prepare_cached(
                    "SELECT signed_json FROM retractions ORDER BY retracted_on, alert_id",
                )?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                rows
            } else {
                Vec::new()
            };
            Ok((alerts, retractions))
        })
        .await?;
    let more = alerts.len() as u64 > PUBLISHED_PAGE;
    let raw = |json: String| {
        serde_json::value::RawValue::from_string(json)
            .map_err(|_| ApiError::from(crate::storage::StorageError::Unavailable))
    };
    let body = serde_json::json!({
        "alerts": alerts.into_iter().take(PUBLISHED_PAGE as usize).map(raw).collect::<Result<Vec<_>, _>>()?,
        "retractions": retractions.into_iter().map(raw).collect::<Result<Vec<_>, _>>()?,
        "next_offset": more.then_some(offset + PUBLISHED_PAGE),
    });
    Ok(Json(body).into_response())
}
