//! Public endpoints: the key bundle, report submission, the alert feed, status.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jasmine_client::report::{Category, Severity};
use jasmine_client::wire::{Receipt, Status};
use jasmine_client::{age_shape, Day};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{new_random_id, read_body, MAX_SMALL_BODY};
use crate::error::ApiError;
use crate::state::AppState;
use crate::storage::WriteOp;

/// `GET /`: what this server is and where its API is.
pub async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Jasmine: anonymous, end-to-end encrypted violence reporting.\n\n\
         API: GET /v1/keys (signed key bundle), POST /v1/reports (age ciphertext),\n\
         GET /v1/alerts (signed alerts), GET /v1/status. See docs/PROTOCOL.md.\n",
    )
}

/// `GET /v1/status`.
pub async fn status(State(state): State<AppState>) -> Json<Status> {
    Json(Status {
        status: "ok".into(),
        bundle_version: state.current_bundle().map(|c| c.bundle.version),
    })
}

/// `GET /v1/keys`: the current signed bundle, exactly as signed.
pub async fn get_keys(State(state): State<AppState>) -> Result<Response, ApiError> {
    let current = state.require_bundle()?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        current.signed_json,
    )
        .into_response())
}

/// `PUT /v1/keys`: install a newer bundle signed by the pinned root key.
pub async fn put_keys(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = read_body(&headers, body, MAX_SMALL_BODY).await?;
    let version = state.install_bundle(bytes, Day::today_utc()).await?;
    Ok((
        StatusCode::OK,
        Json(serde_json::json!({ "version": version })),
    )
        .into_response())
}

/// `POST /v1/reports`: store an age ciphertext after checking its shape.
pub async fn submit_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let current = state.require_bundle()?;
    let limit = current.bundle.limits.max_report_bytes as usize;
    let ciphertext = read_body(&headers, body, limit).await?;
    if ciphertext.is_empty() {
        return Err(ApiError::bad_request(
            "empty",
            "the body must be the age-encrypted report",
        ));
    }
    age_shape::check_report_envelope(&ciphertext, current.bundle.moderators.len())
        .map_err(|e| ApiError::bad_request("malformed_envelope", e.to_string()))?;
    let id = new_random_id();
    let received_on = Day::today_utc();
    state
        .storage()
        .write(WriteOp::InsertReport {
            id: id.clone(),
            received_on,
            bundle_version: current.bundle.version,
            ciphertext: ciphertext.to_vec(),
        })
        .await?;
    tracing::debug!("a report was stored");
    Ok((StatusCode::CREATED, Json(Receipt { id, received_on })))
}

/// Filters of `GET /v1/alerts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertParams {
    since: Option<String>,
    region: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// Default and largest page sizes of the feed.
const DEFAULT_PAGE: u64 = 50;
const MAX_PAGE: u64 = 500;

#[derive(Serialize)]
struct FeedPage {
    alerts: Vec<Box<RawValue>>,
    retractions: Vec<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_offset: Option<u64>,
}

/// `GET /v1/alerts`: signed alerts, newest first, with filters and paging.
pub async fn list_alerts(
    State(state): State<AppState>,
    query: Result<Query<AlertParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let since = params
        .since
        .as_deref()
        .map(Day::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request("bad_query", e.to_string()))?;
    if let Some(c) = &params.category {
        Category::parse(c)
            .ok_or_else(|| ApiError::bad_request("bad_query", format!("unknown category '{c}'")))?;
    }
    if let Some(s) = &params.severity {
        Severity::parse(s)
            .ok_or_else(|| ApiError::bad_request("bad_query", format!("unknown severity '{s}'")))?;
    }
    let limit = params.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let offset = params.offset.unwrap_or(0);
    let since_text = since.map(|d| d.to_string());
    let (rows, retractions) = state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT a.signed_json FROM alerts a
                 WHERE NOT EXISTS (SELECT 1 FROM retractions r WHERE r.alert_id = a.id)
                   AND (?1 IS NULL OR a.published_on >= ?1)
                   AND (?2 IS NULL OR a.region = ?2)
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM alert_categories k WHERE k.alert_id = a.id AND k.category = ?3))
                   AND (?4 IS NULL OR a.severity = ?4)
                 ORDER BY a.published_on DESC, a.id
                 LIMIT ?5 OFFSET ?6",
            )?;
            let rows = stmt
                .query_map(
                    rusqlite::params![since_text, params.region, params.category, params.severity, (limit + 1) as i64, offset as i64],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = c.prepare_cached(
                "SELECT signed_json FROM retractions WHERE (?1 IS NULL OR retracted_on >= ?1) ORDER BY retracted_on DESC, alert_id",
            )?;
            let retractions = stmt
                .query_map([since_text], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, retractions))
        })
        .await?;
    let has_more = rows.len() as u64 > limit;
    let to_raw = |json: String| {
        RawValue::from_string(json)
            .map_err(|_| ApiError::from(crate::storage::StorageError::Unavailable))
    };
    let page = FeedPage {
        alerts: rows
            .into_iter()
            .take(limit as usize)
            .map(to_raw)
            .collect::<Result<_, _>>()?,
        retractions: retractions
            .into_iter()
            .map(to_raw)
            .collect::<Result<_, _>>()?,
        next_offset: has_more.then_some(offset + limit),
    };
    Ok(([(header::CACHE_CONTROL, "public, max-age=60")], Json(page)).into_response())
}
