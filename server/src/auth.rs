//! Authentication of moderator API requests: the signature (made with an API key of
//! the current bundle over audience, method, path, body hash, date and nonce), that
//! the audience names this server, the clock window, and replays; all before the
//! body is read. Seen nonces are kept in memory only; requests dated before
//! the server started are refused, so a restart does not reopen the replay window.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, Method, Uri};
use jasmine_client::api_auth;

use crate::error::ApiError;
use crate::state::AppState;

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

/// Host names of the loopback listener that a moderator on the same machine may sign
/// for (a request signed for them was made on the machine itself).
const LOOPBACK_AUDIENCES: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// A moderator request whose header checked out; its body is still to be checked.
pub struct Authorized {
    /// The moderator who signed it.
    pub moderator: String,
    request: api_auth::SignedRequest,
}

impl Authorized {
    /// Checks the body read after the header against the hash the moderator signed.
    pub fn check_body(&self, body: &[u8]) -> Result<(), ApiError> {
        self.request
            .check_body(body)
            .map_err(|e| ApiError::unauthorized(e.to_string()))
    }
}

impl AppState {
    /// Checks a moderator request before its body is read: the header parses, is
    /// signed for this server by a moderator of the current bundle (the signature
    /// covers the body's hash, so it is checked here), is dated within the clock
    /// window, and was not received before. The body is then checked against the hash
    /// with [`Authorized::check_body`].
    pub fn authorize(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
    ) -> Result<Authorized, ApiError> {
        let current = self.require_bundle()?;
        let request = parse_header(headers)?;
        if current.bundle.moderator(&request.moderator).is_none() {
            return Err(ApiError::unauthorized(
                "the request is not signed by a moderator of the current key bundle",
            ));
        }
        if !self.is_audience(&request.audience, &current.bundle.onion) {
            return Err(ApiError::unauthorized(format!(
                "the request was signed for another server ({}); sign it for this one",
                request.audience
            )));
        }
        let now = now_unix();
        self.replay_guard().check_date(request.date, now)?;
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
        request
            .verify(&current.bundle, method.as_str(), path)
            .map_err(|e| ApiError::unauthorized(e.to_string()))?;
        self.replay_guard()
            .check(request.date, &request.nonce, now)?;
        Ok(Authorized {
            moderator: request.moderator.clone(),
            request,
        })
    }

    /// Whether `audience` names this server: its onion address (as launched, or as
    /// the current bundle gives it), or a loopback name.
    fn is_audience(&self, audience: &str, bundle_onion: &str) -> bool {
        let bundle_host = api_auth::audience_of_authority(
            bundle_onion
                .strip_prefix("http://")
                .unwrap_or(bundle_onion)
                .trim_end_matches('/'),
        );
        LOOPBACK_AUDIENCES.contains(&audience)
            || self.onion_address() == Some(audience)
            || (!bundle_host.is_empty() && bundle_host == audience)
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
