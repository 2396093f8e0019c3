//! The operator's endpoint, on the loopback listener only (`jasmine-server` merges
//! [`router`] into that listener's router, never into the onion service's):
//! `GET /metrics`, Prometheus' text format (`crate::metrics`, `docs/DEPLOY.md`,
//! "Metrics"). It reads sizes from the database, never a row's content or id.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use jasmine_client::puzzle::Purpose;
use jasmine_client::Day;
use rusqlite::OptionalExtension;

use crate::error::ApiError;
use crate::metrics::{gauge, help};
use crate::state::AppState;

/// Marks the requests of the loopback listener (`jasmine-server` adds it there, never
/// on the onion service): `GET /v1/status` then says the onion service's state.
#[derive(Clone, Copy, Debug)]
pub struct Loopback;

/// Whether an onion service in `state` is reachable, as arti's documentation of its
/// states says (`Running`, `DegradedReachable`).
pub fn is_reachable(state: &str) -> bool {
    matches!(state, "running" | "degraded_reachable")
}

/// The operator's routes, for the loopback listener.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// Bytes stored: (reports, reporters' answers, every mailbox message, today's report bytes).
type Sizes = (i64, i64, i64, i64);

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let today = Day::today_utc().to_string();
    let (reports, answers, messages, today_bytes): Sizes = state
        .storage()
        .read(move |c| {
            let (reports, answers, messages) = c.query_row(
                "SELECT
                   (SELECT coalesce(sum(length(ciphertext) + coalesce(length(attachments), 0)), 0) FROM reports),
                   (SELECT coalesce(sum(length(ciphertext) + coalesce(length(attachments), 0)), 0) FROM mailbox_messages WHERE sender = 'reporter'),
                   (SELECT coalesce(sum(length(ciphertext) + coalesce(length(attachments), 0)), 0) FROM mailbox_messages)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let today_bytes: Option<i64> = c
                .query_row("SELECT bytes FROM report_days WHERE day = ?1", [today], |r| r.get(0))
                .optional()?;
            Ok((reports, answers, messages, today_bytes.unwrap_or(0)))
        })
        .await?;
    let (budgets, max_stored) = state.budgets();
    let mut out = String::new();
    state.metrics().write_counters(&mut out);

    help(&mut out, "jasmine_storage_bytes", "gauge", "Ciphertext stored, by budget (reports; reporters' answers; all mailbox messages; reports received today, deleted ones included).");
    for (budget, bytes) in [
        ("reports", reports),
        ("answers", answers),
        ("messages", messages),
        ("reports_today", today_bytes),
    ] {
        gauge(
            &mut out,
            "jasmine_storage_bytes",
            &[("budget", budget)],
            bytes.max(0),
        );
    }
    help(
        &mut out,
        "jasmine_storage_limit_bytes",
        "gauge",
        "The budgets of the configuration ([budgets] and max_stored_bytes).",
    );
    for (budget, bytes) in [
        ("reports", budgets.reports_bytes),
        ("answers", budgets.messages_bytes),
        ("reports_today", budgets.reports_bytes_per_day),
        ("reserve_today", budgets.reserve_bytes_per_day),
        ("total", *max_stored),
    ] {
        gauge(
            &mut out,
            "jasmine_storage_limit_bytes",
            &[("budget", budget)],
            bytes,
        );
    }
    help(
        &mut out,
        "jasmine_writer_queue",
        "gauge",
        "Writes queued for the database or being written now.",
    );
    gauge(
        &mut out,
        "jasmine_writer_queue",
        &[],
        state.storage().queue_depth(),
    );
    let (in_use, places) = state.upload_places();
    help(
        &mut out,
        "jasmine_upload_places",
        "gauge",
        "Places for bodies with images: in use, and configured (connections.uploads_at_once).",
    );
    gauge(
        &mut out,
        "jasmine_upload_places",
        &[("state", "in_use")],
        in_use,
    );
    gauge(
        &mut out,
        "jasmine_upload_places",
        &[("state", "configured")],
        places,
    );
    help(
        &mut out,
        "jasmine_puzzle_difficulty_bits",
        "gauge",
        "The difficulty asked now: for a report of 4 KiB, and for a check.",
    );
    let admission = state.admission();
    gauge(
        &mut out,
        "jasmine_puzzle_difficulty_bits",
        &[("for", "report_4k")],
        admission.difficulty_for_purpose(Purpose::Report, 4096),
    );
    gauge(
        &mut out,
        "jasmine_puzzle_difficulty_bits",
        &[("for", "check")],
        admission.difficulty_for_purpose(Purpose::Check, 64),
    );
    help(
        &mut out,
        "jasmine_key_bundle_version",
        "gauge",
        "The version of the key bundle served (0: none yet).",
    );
    gauge(
        &mut out,
        "jasmine_key_bundle_version",
        &[],
        state.current_bundle().map_or(0, |c| c.bundle.version),
    );
    help(&mut out, "jasmine_onion_service_started", "gauge", "1 once the onion service was launched and its address known (not a sign that Tor reaches it).");
    gauge(
        &mut out,
        "jasmine_onion_service_started",
        &[],
        u8::from(state.onion_address().is_some()),
    );
    help(&mut out, "jasmine_onion_service_reachable", "gauge", "1 while arti says the onion service is reachable (descriptor published, introduction points up), with its state as a label.");
    let onion = state.onion_state();
    gauge(
        &mut out,
        "jasmine_onion_service_reachable",
        &[("state", onion)],
        u8::from(is_reachable(onion)),
    );
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}
