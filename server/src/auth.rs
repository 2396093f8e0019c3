//! Authentication of moderator API requests: the signature (made with an API key of
//! the current bundle over method, path, body hash, date and nonce), the clock
//! window, and replays. Seen nonces are kept in memory only; requests dated before
//! the server started are refused, so a restart does not reopen the replay window.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri};
use jasmine_client::api_auth;

use crate::error::ApiError;
use crate::state::{AppState, CurrentBundle};

/// Remembers nonces for the clock window.
pub struct ReplayGuard {
    window_secs: u64,
    started_unix: u64,
    seen: Mutex<HashMap<String, u64>>,
}

/// Now, in Unix seconds.
pub fn now_unix() -> u64 {
    time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64
}

impl ReplayGuard {
    /// A guard with the given clock window, started now.
    pub fn new(window_secs: u64) -> Self {
        ReplayGuard {
            window_secs,
            started_unix: now_unix(),
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `date` is within the clock window and after the server started.
    fn check_date(&self, date: u64, now: u64) -> Result<(), ApiError> {
        if date + self.window_secs < now || date > now + self.window_secs {
            return Err(ApiError::unauthorized(format!(
                "the request's date is more than {} seconds from the server's clock; check the clock",
                self.window_secs
            )));
        }
        if date < self.started_unix {
            return Err(ApiError::unauthorized(
                "the request was signed before the server started; sign it again",
            ));
        }
        Ok(())
    }

    /// Accepts a (date, nonce) once, within the window.
    fn check(&self, date: u64, nonce: &str, now: u64) -> Result<(), ApiError> {
        self.check_date(date, now)?;
        let mut seen = self.seen.lock().expect("replay guard");
        if seen.len() > 4096 {
            seen.retain(|_, expiry| *expiry >= now);
        }
        if seen
            .insert(nonce.to_string(), date + self.window_secs)
            .is_some()
        {
            return Err(ApiError::unauthorized(
                "this request was already received (replay refused)",
            ));
        }
        Ok(())
    }
}

impl AppState {
    /// What can be checked of a moderator request before its body is read: the header
    /// parses, names a moderator of the current bundle, and is dated within the clock
    /// window. The signature (which covers the body's hash) is checked once the body
    /// is read, by [`AppState::authenticate`].
    pub fn precheck_authorization(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let current = self.require_bundle()?;
        let request = parse_header(headers)?;
        if current.bundle.moderator(&request.moderator).is_none() {
            return Err(ApiError::unauthorized(
                "the request is not signed by a moderator of the current key bundle",
            ));
        }
        self.replay_guard().check_date(request.date, now_unix())
    }

    /// Checks a moderator request; returns the moderator id and the bundle used.
    pub fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<(String, CurrentBundle), ApiError> {
        let current = self.require_bundle()?;
        let request = parse_header(headers)?;
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        api_auth::verify_request(&request, &current.bundle, method.as_str(), path, body)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        self.replay_guard()
            .check(request.date, &request.nonce, now_unix())?;
        Ok((request.moderator, current))
    }
}

fn parse_header(headers: &HeaderMap) -> Result<api_auth::SignedRequest, ApiError> {
    let header = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "this is the moderator API: sign the request with your API key (jasmine-keys does)",
            )
        })?;
    api_auth::parse_authorization(header).map_err(|e| ApiError::unauthorized(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_replays_stale_and_pre_start_dates() {
        let guard = ReplayGuard::new(300);
        let now = guard.started_unix + 10;
        guard.check(now, "n1", now).unwrap();
        assert!(guard.check(now, "n1", now).is_err(), "replay");
        assert!(guard.check(now - 301, "n2", now).is_err(), "stale");
        assert!(guard.check(now + 301, "n3", now).is_err(), "future");
        assert!(
            guard.check(guard.started_unix - 1, "n4", now).is_err(),
            "before start"
        );
        guard.check(now + 1, "n5", now).unwrap();
    }
}
