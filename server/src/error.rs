//! The one error type of the HTTP layer: every refusal is a 4xx/5xx with a JSON body
//! `{"error": code, "reason": text}`. Reasons never contain report data, ids of
//! reporters, IP addresses or key material.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use jasmine_client::wire::ErrorBody;

use crate::storage::StorageError;

/// The reason given for any path that does not exist (API or site).
pub const NO_SUCH_PATH: &str = "no such endpoint or page; see docs/PROTOCOL.md";

/// An HTTP error answer.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    reason: String,
}

impl ApiError {
    /// An error with a status, a stable code and a reason.
    pub fn new(status: StatusCode, code: &'static str, reason: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            reason: reason.into(),
        }
    }

    /// 400.
    pub fn bad_request(code: &'static str, reason: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, reason)
    }

    /// 401.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", reason)
    }

    /// 404.
    pub fn not_found(reason: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", reason)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable error code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        let (status, code) = match e {
            StorageError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            StorageError::QuotaExceeded | StorageError::DiskFull => {
                (StatusCode::INSUFFICIENT_STORAGE, "storage_full")
            }
            StorageError::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            StorageError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            StorageError::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable"),
            StorageError::DayBudgetSpent | StorageError::ReserveOnly => {
                (StatusCode::INSUFFICIENT_STORAGE, "budget_spent")
            }
            StorageError::NoConversation => (StatusCode::NOT_FOUND, "no_conversation"),
        };
        ApiError::new(status, code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: self.code.to_string(),
                reason: self.reason,
            }),
        )
            .into_response();
        // For the operator's counters (`crate::metrics`); extensions are not sent.
        response
            .extensions_mut()
            .insert(crate::metrics::RefusalCode(self.code));
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("5"),
            );
        }
        response
    }
}
