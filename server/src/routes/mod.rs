//! HTTP handlers, by audience: [`public`] for reporters and readers of alerts,
//! [`moderator`] for the signed moderator API, [`mailbox`] for the conversations
//! between moderators and reporters who chose a codename, [`check`] for the private
//! check, [`operator`] for the operator's metrics (loopback only).

pub mod check;
pub mod mailbox;
pub mod moderator;
pub mod operator;
pub mod public;

use axum::body::Body;
use axum::http::{header, HeaderMap, StatusCode};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::ApiError;

/// Largest body of a moderator request or a bundle upload.
pub const MAX_SMALL_BODY: usize = 1024 * 1024;

/// Reads a whole body, refusing more than `limit` bytes with a 413.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than the {limit} bytes allowed"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(_) => Err(ApiError::bad_request(
            "incomplete_body",
            "the request body could not be read completely",
        )),
    }
}

/// A stored ciphertext as the moderator API returns it: the bytes, and a few
/// `x-jasmine-…` headers (a value that is not a valid header is left out).
pub fn ciphertext_response(
    ciphertext: Vec<u8>,
    headers: &[(&'static str, String)],
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut response = (
        [(header::CONTENT_TYPE, "application/octet-stream")],
        ciphertext,
    )
        .into_response();
    for (name, value) in headers {
        if let Ok(value) = axum::http::HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

/// Whether `id` has the form of a report or alert id (32 lowercase hex).
pub fn is_random_id(id: &str) -> bool {
    jasmine_client::alert::is_alert_id(id)
}

/// A fresh random id (128 bits, hex).
pub fn new_random_id() -> String {
    jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng)
}
