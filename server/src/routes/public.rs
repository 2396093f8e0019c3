//! Public endpoints: the key bundle, report submission, the alert feed, status.

use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use jasmine_client::puzzle::{Challenge, Purpose};
use jasmine_client::wire::{Receipt, Status};
use jasmine_client::{age_shape, attachment, Day};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{new_random_id, read_body, MAX_SMALL_BODY};
use crate::admission::Ticket;
use crate::error::ApiError;
use crate::published::{self, AlertFilter};
use crate::state::AppState;
use crate::storage::{StorageError, WriteOp};

/// The API's OpenAPI document, `docs/openapi.yaml` turned into JSON when the server was
/// built (`build.rs`: a document that does not parse does not build).
pub const OPENAPI_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/openapi.json"));

/// `GET /v1/openapi.json`.
pub async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

/// `GET /v1/status`; on the loopback listener, with the onion service's state.
pub async fn status(
    State(state): State<AppState>,
    loopback: Option<axum::Extension<super::operator::Loopback>>,
) -> Json<Status> {
    let onion = loopback.map(|_| {
        let name = state.onion_state();
        jasmine_client::wire::OnionStatus {
            state: name.to_string(),
            reachable: super::operator::is_reachable(name),
            address: state.onion_address().map(str::to_string),
        }
    });
    Json(Status {
        status: "ok".into(),
        bundle_version: state.current_bundle().map(|c| c.bundle.version),
        onion,
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

/// `POST /v1/reports`: store an age ciphertext after checking its shape; or, as
/// `multipart/form-data`, a report and its attachments file (§4.12), both or neither.
pub async fn submit_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Receipt>), ApiError> {
    let current = state.require_bundle()?;
    // A write without a valid puzzle is refused before its body is read, and a body
    // is read only up to the size its challenge was issued for.
    let ticket = precheck(&state, &headers, Purpose::Report)?;
    let boundary = crate::upload::form_data_boundary(&headers);
    let max_report = current.bundle.limits.max_report_bytes;
    let (_place, limit) = match boundary {
        Some(_) => {
            let (place, limit) = upload_admission(&state, ticket.as_ref())?;
            (Some(place), limit)
        }
        None => (
            None,
            ticket
                .as_ref()
                .map_or(max_report, |t| t.size.min(max_report)) as usize,
        ),
    };
    let body = read_body(&headers, body, limit).await?;
    let body_size = body.len() as u64;
    let (ciphertext, attachments) = match &boundary {
        None => (body, None),
        Some(boundary) => report_parts(boundary, body).await?,
    };
    if ciphertext.is_empty() {
        return Err(ApiError::bad_request(
            "empty",
            "the body must be the age-encrypted report",
        ));
    }
    let moderators = current.bundle.moderators.len();
    age_shape::check_report_envelope(&ciphertext, moderators)
        .map_err(|e| ApiError::bad_request("malformed_envelope", e.to_string()))?;
    if let Some(file) = &attachments {
        age_shape::check_attachments_envelope(file, moderators).map_err(|e| {
            ApiError::bad_request("malformed_envelope", format!("the attachments file: {e}"))
        })?;
    }
    let admitted = admit(&state, ticket, body_size).await?;
    let size = (ciphertext.len() + attachments.as_ref().map_or(0, |a| a.len())) as u64;
    let id = new_random_id();
    let received_on = Day::today_utc();
    state
        .storage()
        .write(WriteOp::InsertReport {
            id: id.clone(),
            received_on,
            bundle_version: current.bundle.version,
            ciphertext: ciphertext.to_vec(),
            attachments: attachments.map(|a| a.to_vec()),
            may_use_reserve: admitted.at_current_difficulty,
        })
        .await
        .map_err(|e| match e {
            // The challenge was within the slack but not at the current difficulty:
            // a fresh one may still use the reserve.
            StorageError::ReserveOnly => ApiError::new(
                StatusCode::CONFLICT,
                "puzzle_expired",
                "what is left of today's budget is kept for reports with a puzzle solved at the current difficulty; ask for a new puzzle (GET /v1/puzzle) and solve it",
            ),
            other => other.into(),
        })?;
    state.admission().record_write(size);
    tracing::debug!("a report was stored");
    Ok((StatusCode::CREATED, Json(Receipt { id, received_on })))
}

/// For a body with images (`multipart/form-data`, a report's or an answer's): one of
/// the few places for such bodies, which are held in memory until stored (`503 busy`
/// when all are taken), and the most bytes to read: the size its challenge was issued
/// for, at most the largest upload the bundle allows.
pub fn upload_admission(
    state: &AppState,
    ticket: Option<&Ticket>,
) -> Result<(tokio::sync::OwnedSemaphorePermit, usize), ApiError> {
    let current = state.require_bundle()?;
    let largest = attachment::max_upload_bytes(current.bundle.limits.max_report_bytes);
    let limit = ticket.map_or(largest, |t| t.size.min(largest)) as usize;
    let place = state.upload_place().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "too many reports or answers with images are being received at once; try again in a minute",
        )
    })?;
    Ok((place, limit))
}

/// The two parts of a report sent with images: `report`, then `attachments`.
async fn report_parts(boundary: &str, body: Bytes) -> Result<(Bytes, Option<Bytes>), ApiError> {
    let malformed = |reason: String| {
        ApiError::bad_request(
            "malformed_upload",
            format!("{reason}: send the part 'report' (the report's age file), then the part 'attachments' (its attachments file)"),
        )
    };
    let parts = crate::upload::parts(boundary, body, &["report", "attachments"], 2)
        .await
        .map_err(malformed)?;
    let mut parts = parts.into_iter();
    match (parts.next(), parts.next()) {
        (Some(report), Some(attachments))
            if report.name == "report" && attachments.name == "attachments" =>
        {
            Ok((report.bytes, Some(attachments.bytes)))
        }
        (Some(report), None) if report.name == "report" => {
            Err(malformed("the part 'attachments' is missing".into()))
        }
        _ => Err(malformed(
            "the parts are not 'report' then 'attachments'".into(),
        )),
    }
}

/// The cheap part of an anonymous write's puzzle check, made on its header before its
/// body is read ([`crate::admission::Admission::precheck`]).
pub fn precheck(
    state: &AppState,
    headers: &HeaderMap,
    purpose: Purpose,
) -> Result<Option<Ticket>, ApiError> {
    let header = headers
        .get(jasmine_client::puzzle::HEADER)
        .map(|v| v.to_str().unwrap_or(""));
    state.admission().precheck(header, purpose)
}

/// The rest of the puzzle check (§6.9) once the body is read, off the async threads.
pub async fn admit(
    state: &AppState,
    ticket: Option<Ticket>,
    size: u64,
) -> Result<crate::admission::Admitted, ApiError> {
    // Puzzles off: nothing to hash, no thread to hand over to.
    if ticket.is_none() {
        return state.admission().check(None, size);
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.admission().check(ticket, size))
        .await
        .map_err(|_| ApiError::from(StorageError::Unavailable))?
}

/// Query of `GET /v1/puzzle`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PuzzleParams {
    /// `report` or `answer`.
    #[serde(rename = "for")]
    purpose: String,
    /// Size of the ciphertext to send, in bytes.
    size: u64,
}

/// `GET /v1/puzzle?for=report|answer&size=N`: a fresh single-use challenge.
pub async fn puzzle(
    State(state): State<AppState>,
    query: Result<Query<PuzzleParams>, QueryRejection>,
) -> Result<Json<Challenge>, ApiError> {
    let Query(params) = query.map_err(|e| {
        ApiError::bad_request(
            "bad_query",
            format!(
                "{}: give for=report|answer and size=<ciphertext bytes>",
                e.body_text()
            ),
        )
    })?;
    let purpose = Purpose::parse(&params.purpose)
        .ok_or_else(|| ApiError::bad_request("bad_query", "for must be report or answer"))?;
    let current = state.require_bundle()?;
    // A report may come with its attachments file (§4.12); an answer too.
    let largest = attachment::max_upload_bytes(current.bundle.limits.max_report_bytes);
    if params.size == 0 || params.size > largest {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("size must be between 1 and {largest} (the bundle's max_report_bytes, with room for a report's images)"),
        ));
    }
    Ok(Json(state.admission().issue(purpose, params.size)))
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
    let filter = AlertFilter::from_params(
        params.since.as_deref(),
        params.region.as_deref(),
        params.category.as_deref(),
        params.severity.as_deref(),
        params.offset,
        params.limit,
    )?;
    let page = published::read_page(&state, &filter).await?;
    let to_raw = |json: String| {
        RawValue::from_string(json)
            .map_err(|_| ApiError::from(crate::storage::StorageError::Unavailable))
    };
    let body = FeedPage {
        alerts: page
            .alerts
            .into_iter()
            .map(to_raw)
            .collect::<Result<_, _>>()?,
        retractions: page
            .retractions
            .into_iter()
            .map(to_raw)
            .collect::<Result<_, _>>()?,
        next_offset: page
            .has_more
            .then(|| filter.offset.checked_add(filter.limit))
            .flatten(),
    };
    Ok(([(header::CACHE_CONTROL, "public, max-age=60")], Json(body)).into_response())
}
