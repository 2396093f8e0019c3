//! A Jasmine client over any [`Transport`]: fetch and verify the key bundle, submit
//! reports, read and verify alerts, and the moderator API.

use ed25519_dalek::SigningKey;
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::alert::{self, Alert, Retraction};
use crate::bundle::{self, KeyBundle, VerifiedBundle};
use crate::checklist::{self, CheckList};
use crate::keys::PublicKey;
use crate::oprf::{self, CheckOutput, Evaluation};
use crate::puzzle::{self, Purpose};
use crate::transport::{ApiRequest, ApiResponse, Transport, TransportError};
use crate::wire::{
    AckResult, AlertFeed, CheckBatch, CheckBatchAnswer, CheckEntries, CheckEvaluation,
    CheckRequest, ErrorBody, MailboxEntry, MailboxMessages, MailboxPost, MailboxRequest,
    PendingMessages, PendingReports, Receipt,
};
use crate::{api_auth, Day, Error};

/// Why a client call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The request did not get through.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server refused the request and said why.
    #[error("the server refused the request ({status}): {reason}")]
    Refused {
        /// HTTP status.
        status: StatusCode,
        /// Stable error code.
        code: String,
        /// Reason given.
        reason: String,
    },
    /// What the server sent does not verify or parse.
    #[error(transparent)]
    Protocol(#[from] Error),
    /// The server's answer is not what the API says.
    #[error("unexpected answer from the server: {0}")]
    BadResponse(String),
    /// The admission puzzle could not be solved (§6.9).
    #[error("the anti-flood puzzle could not be solved: {0}")]
    Puzzle(String),
}

/// Filters for the alert feed.
#[derive(Clone, Debug, Default)]
pub struct AlertQuery {
    /// Only alerts published on or after this day.
    pub since: Option<Day>,
    /// Only this région/département.
    pub region: Option<String>,
    /// Only alerts with this category (snake_case name).
    pub category: Option<String>,
    /// Page offset.
    pub offset: Option<u64>,
    /// Page size.
    pub limit: Option<u64>,
}

impl AlertQuery {
    fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(since) = self.since {
            parts.push(format!("since={since}"));
        }
        if let Some(region) = &self.region {
            parts.push(format!("region={}", percent_encode(region)));
        }
        if let Some(category) = &self.category {
            parts.push(format!("category={}", percent_encode(category)));
        }
        if let Some(offset) = self.offset {
            parts.push(format!("offset={offset}"));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The alerts of a feed page after verification.
#[derive(Debug, Default)]
pub struct VerifiedFeed {
    /// Alerts whose signature verified against the bundle and that are not retracted.
    pub alerts: Vec<Alert>,
    /// Verified retractions.
    pub retractions: Vec<Retraction>,
    /// Entries that failed verification, with the reason: never shown as alerts.
    pub rejected: Vec<String>,
    /// Offset of the next page.
    pub next_offset: Option<u64>,
}

/// A moderator's online credentials: id and API signing key.
pub struct ModeratorCredentials {
    /// Moderator id.
    pub id: String,
    /// API key.
    pub api_key: SigningKey,
}

/// What a check found.
#[derive(Clone, Debug, Default)]
pub struct CheckResult {
    /// The published alerts whose aggressor has the identifier, verified.
    pub alerts: Vec<Alert>,
    /// Alerts listed for the identifier but withdrawn since (signed retractions).
    pub withdrawn: Vec<String>,
    /// Entries in the list.
    pub entries: usize,
    /// Entries naming this identifier that were ignored because they do not verify
    /// against the bundle (unsigned, or signed by no moderator): a server cannot add
    /// entries.
    pub ignored_entries: usize,
}

/// A client of one Jasmine server. Whatever it reads is verified against the root key
/// passed to [`JasmineClient::fetch_bundle`] and the bundle that call returns.
pub struct JasmineClient<T> {
    transport: T,
}

impl<T: Transport> JasmineClient<T> {
    /// A client over `transport`.
    pub fn new(transport: T) -> Self {
        JasmineClient { transport }
    }

    /// The same client on paths of its own (a fresh Tor circuit), for everything a
    /// reporter sends or reads, so that no two of her requests can be linked.
    fn isolated(&self) -> JasmineClient<T> {
        JasmineClient {
            transport: self.transport.isolated(),
        }
    }

    async fn call(&self, request: ApiRequest) -> Result<ApiResponse, ClientError> {
        let response = self.transport.send(request).await?;
        if response.status.is_success() {
            return Ok(response);
        }
        match serde_json::from_slice::<ErrorBody>(&response.body) {
            Ok(body) => Err(ClientError::Refused {
                status: response.status,
                code: body.error,
                reason: body.reason,
            }),
            Err(_) => Err(ClientError::Refused {
                status: response.status,
                code: "unknown".into(),
                reason: String::from_utf8_lossy(&response.body)
                    .chars()
                    .take(200)
                    .collect(),
            }),
        }
    }

    async fn call_json<R: DeserializeOwned>(&self, request: ApiRequest) -> Result<R, ClientError> {
        let response = self.call(request).await?;
        json_of(&response)
    }

    /// Fetches the current bundle and verifies it against the pinned `root` on `today`,
    /// refusing versions below `highest_seen`.
    pub async fn fetch_bundle(
        &self,
        root: &PublicKey,
        today: Day,
        highest_seen: Option<u64>,
    ) -> Result<VerifiedBundle, ClientError> {
        let response = self.call(ApiRequest::new(Method::GET, "/v1/keys")).await?;
        Ok(bundle::verify_bundle(
            &response.body,
            root,
            today,
            highest_seen,
        )?)
    }

    /// Uploads a newer signed bundle.
    pub async fn put_bundle(&self, signed_json: Vec<u8>) -> Result<(), ClientError> {
        self.call(
            ApiRequest::new(Method::PUT, "/v1/keys").with_body("application/json", signed_json),
        )
        .await
        .map(|_| ())
    }

    /// Submits a report ciphertext; returns once the server has stored it durably.
    /// Over Tor, every submission goes on a fresh circuit of its own.
    /// The report carries a solved admission puzzle (§6.9).
    pub async fn submit_report(&self, ciphertext: Vec<u8>) -> Result<Receipt, ClientError> {
        let size = ciphertext.len();
        let request = ApiRequest::new(Method::POST, "/v1/reports")
            .with_body("application/octet-stream", ciphertext);
        let response = self
            .isolated()
            .send_with_puzzle(Purpose::Report, size, request)
            .await?;
        json_of(&response)
    }

    /// Submits a report ciphertext with its attachments file (`docs/PROTOCOL.md`
    /// §4.12) in one `multipart/form-data` request: both are stored, or neither. The
    /// puzzle is priced for the whole body.
    pub async fn submit_report_with_attachments(
        &self,
        ciphertext: Vec<u8>,
        attachments: Vec<u8>,
    ) -> Result<Receipt, ClientError> {
        let (content_type, body) =
            crate::multipart::form_data(&[("report", &ciphertext), ("attachments", &attachments)]);
        let size = body.len();
        let request = ApiRequest::new(Method::POST, "/v1/reports").with_body(&content_type, body);
        let response = self
            .isolated()
            .send_with_puzzle(Purpose::Report, size, request)
            .await?;
        json_of(&response)
    }

    /// Sends an anonymous write with a solved admission puzzle (`docs/PROTOCOL.md`
    /// §6.9): asks for a challenge for `purpose` and `size`, solves it off the async
    /// threads, and sends `request` with the solution. A challenge that went stale
    /// meanwhile (`409 puzzle_expired`) is asked for and solved again, three times at
    /// most.
    pub async fn send_with_puzzle(
        &self,
        purpose: Purpose,
        size: usize,
        request: ApiRequest,
    ) -> Result<ApiResponse, ClientError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let challenge: puzzle::Challenge = self
                .call_json(ApiRequest::new(
                    Method::GET,
                    format!("/v1/puzzle?for={}&size={size}", purpose.as_str()),
                ))
                .await?;
            let solution = tokio::task::spawn_blocking(move || {
                puzzle::solve(&challenge, &mut rand::rngs::OsRng, |_| {})
            })
            .await
            .map_err(|_| ClientError::Puzzle("the puzzle solver stopped".into()))?
            .map_err(|e| ClientError::Puzzle(e.to_string()))?;
            let mut solved = request.clone();
            solved.headers.push((
                http::HeaderName::from_static(puzzle::HEADER),
                solution.header_value(),
            ));
            match self.call(solved).await {
                Err(ClientError::Refused { code, .. }) if code == "puzzle_expired" && tries < 3 => {
                    continue
                }
                other => return other,
            }
        }
    }

    /// Fetches one page of alerts and verifies every entry against `bundle`.
    pub async fn fetch_alerts(
        &self,
        query: &AlertQuery,
        bundle: &KeyBundle,
    ) -> Result<VerifiedFeed, ClientError> {
        let path = format!("/v1/alerts{}", query.to_query_string());
        let response = self.call(ApiRequest::new(Method::GET, path)).await?;
        let strict = crate::canonical::parse_strict(&response.body, "alert feed")?;
        let feed: AlertFeed =
            serde_json::from_value(strict).map_err(|e| ClientError::BadResponse(e.to_string()))?;
        let mut verified = VerifiedFeed {
            next_offset: feed.next_offset,
            ..Default::default()
        };
        for signed in feed.retractions {
            match alert::verify_retraction_value(signed, bundle) {
                Ok(r) => verified.retractions.push(r),
                Err(e) => verified.rejected.push(format!("retraction: {e}")),
            }
        }
        for signed in feed.alerts {
            match alert::verify_alert_value(signed, bundle) {
                Ok(a) if verified.retractions.iter().any(|r| r.alert_id == a.id) => {}
                Ok(a) => verified.alerts.push(a),
                Err(e) => verified.rejected.push(format!("alert: {e}")),
            }
        }
        Ok(verified)
    }

    async fn moderator_call(
        &self,
        credentials: &ModeratorCredentials,
        mut request: ApiRequest,
    ) -> Result<ApiResponse, ClientError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp().max(0) as u64;
        let audience = self.transport.audience();
        let to_sign = api_auth::RequestToSign {
            moderator: &credentials.id,
            audience: &audience,
            method: request.method.as_str(),
            path_and_query: &request.path_and_query,
            body: &request.body,
        };
        let authorization =
            api_auth::authorization(&credentials.api_key, &to_sign, now, &mut rand::rngs::OsRng)?;
        request
            .headers
            .push((http::header::AUTHORIZATION, authorization));
        self.call(request).await
    }

    /// One page of everything ever published, retracted alerts included, as signed
    /// (`GET /v1/mod/published`; retractions come on the first page).
    pub async fn published_page(
        &self,
        credentials: &ModeratorCredentials,
        offset: u64,
    ) -> Result<crate::wire::AlertFeed, ClientError> {
        let response = self
            .moderator_call(
                credentials,
                ApiRequest::new(Method::GET, format!("/v1/mod/published?offset={offset}")),
            )
            .await?;
        let strict = crate::canonical::parse_strict(&response.body, "published alerts")?;
        serde_json::from_value(strict).map_err(|e| ClientError::BadResponse(e.to_string()))
    }

    /// Reports this moderator has not acknowledged.
    pub async fn pending_reports(
        &self,
        credentials: &ModeratorCredentials,
    ) -> Result<PendingReports, ClientError> {
        let response = self
            .moderator_call(credentials, ApiRequest::new(Method::GET, "/v1/mod/reports"))
            .await?;
        json_of(&response)
    }

    /// The body of a moderator API `GET` of `path`: a stored file, as stored.
    async fn moderator_bytes(
        &self,
        credentials: &ModeratorCredentials,
        path: String,
    ) -> Result<Vec<u8>, ClientError> {
        let response = self
            .moderator_call(credentials, ApiRequest::new(Method::GET, path))
            .await?;
        Ok(response.body.to_vec())
    }

    /// One report's ciphertext.
    pub async fn fetch_report(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.moderator_bytes(credentials, format!("/v1/mod/reports/{id}"))
            .await
    }

    /// One report's attachments file (`docs/PROTOCOL.md` §4.12), which the listing
    /// says it has.
    pub async fn fetch_report_attachments(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.moderator_bytes(credentials, format!("/v1/mod/reports/{id}/attachments"))
            .await
    }

    /// Acknowledges a report (the server deletes it once every moderator has).
    pub async fn acknowledge_report(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<AckResult, ClientError> {
        let response = self
            .moderator_call(
                credentials,
                ApiRequest::new(Method::POST, format!("/v1/mod/reports/{id}/ack")),
            )
            .await?;
        json_of(&response)
    }

    /// Publishes a signed alert.
    pub async fn publish_alert(
        &self,
        credentials: &ModeratorCredentials,
        signed_json: Vec<u8>,
    ) -> Result<(), ClientError> {
        self.moderator_call(
            credentials,
            ApiRequest::new(Method::POST, "/v1/mod/alerts")
                .with_body("application/json", signed_json),
        )
        .await
        .map(|_| ())
    }

    /// Publishes a signed retraction.
    pub async fn publish_retraction(
        &self,
        credentials: &ModeratorCredentials,
        signed_json: Vec<u8>,
    ) -> Result<(), ClientError> {
        self.moderator_call(
            credentials,
            ApiRequest::new(Method::POST, "/v1/mod/retractions")
                .with_body("application/json", signed_json),
        )
        .await
        .map(|_| ())
    }

    /// Reads a mailbox (reporter side). Over Tor, on a circuit of its own.
    pub async fn read_mailbox(&self, mailbox: &str) -> Result<Vec<MailboxEntry>, ClientError> {
        let messages: MailboxMessages = self
            .isolated()
            .call_json(mailbox_request("/v1/mailbox/read", mailbox)?)
            .await?;
        Ok(messages.messages)
    }

    /// Posts a reporter's answer (already sealed with [`crate::mailbox::seal_answer`]).
    pub async fn post_answer(
        &self,
        mailbox: &str,
        ciphertext: &[u8],
    ) -> Result<Receipt, ClientError> {
        let response = self
            .isolated()
            .send_with_puzzle(
                Purpose::Answer,
                ciphertext.len(),
                mailbox_post("/v1/mailbox/answer", mailbox, ciphertext, None)?,
            )
            .await?;
        json_of(&response)
    }

    /// Posts a reporter's answer with its attachments file (both sealed with
    /// [`crate::mailbox::seal_answer_with_images`]) in one `multipart/form-data`
    /// request: both are stored, or neither. The puzzle is priced for the whole body.
    pub async fn post_answer_with_attachments(
        &self,
        mailbox: &str,
        ciphertext: &[u8],
        attachments: &[u8],
    ) -> Result<Receipt, ClientError> {
        if !crate::mailbox::is_mailbox_id(mailbox) {
            return Err(ClientError::Protocol(crate::Error::malformed(
                "message",
                "the mailbox id must be 32 lowercase hex characters",
            )));
        }
        let (content_type, body) = crate::multipart::form_data(&[
            ("mailbox", mailbox.as_bytes()),
            ("answer", ciphertext),
            ("attachments", attachments),
        ]);
        let size = body.len();
        let request =
            ApiRequest::new(Method::POST, "/v1/mailbox/answer").with_body(&content_type, body);
        let response = self
            .isolated()
            .send_with_puzzle(Purpose::Answer, size, request)
            .await?;
        json_of(&response)
    }

    /// Deletes a mailbox and every message in it (reporter side).
    pub async fn delete_mailbox(&self, mailbox: &str) -> Result<(), ClientError> {
        self.isolated()
            .call(mailbox_request("/v1/mailbox/delete", mailbox)?)
            .await
            .map(|_| ())
    }

    /// Posts a moderator's reply (sealed with [`crate::mailbox::seal_reply`]). With an
    /// `item_id` (32 lowercase hex, fixed when the reply was sealed), posting it again
    /// stores nothing more and returns the first receipt.
    pub async fn post_reply(
        &self,
        credentials: &ModeratorCredentials,
        mailbox: &str,
        ciphertext: &[u8],
        item_id: Option<&str>,
    ) -> Result<Receipt, ClientError> {
        let response = self
            .moderator_call(
                credentials,
                mailbox_post("/v1/mod/mailbox/reply", mailbox, ciphertext, item_id)?,
            )
            .await?;
        json_of(&response)
    }

    /// Mailbox messages this moderator has not acknowledged.
    pub async fn pending_messages(
        &self,
        credentials: &ModeratorCredentials,
    ) -> Result<PendingMessages, ClientError> {
        let response = self
            .moderator_call(
                credentials,
                ApiRequest::new(Method::GET, "/v1/mod/messages"),
            )
            .await?;
        json_of(&response)
    }

    /// One mailbox message's ciphertext.
    pub async fn fetch_message(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.moderator_bytes(credentials, format!("/v1/mod/messages/{id}"))
            .await
    }

    /// One mailbox message's attachments file (`docs/PROTOCOL.md` §4.12), which the
    /// listing announces with `attachments_size`.
    pub async fn fetch_message_attachments(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<Vec<u8>, ClientError> {
        self.moderator_bytes(credentials, format!("/v1/mod/messages/{id}/attachments"))
            .await
    }

    /// The check function's output for `input` ([`oprf::check_input`]), computed
    /// blindly: the input is blinded here, the server evaluates it (`POST /v1/check`,
    /// with a solved puzzle, on a circuit of its own) and its proof is checked against
    /// the key `bundle` names before unblinding. The server never sees the input.
    pub async fn evaluate_blindly(
        &self,
        bundle: &KeyBundle,
        input: &[u8],
    ) -> Result<CheckOutput, ClientError> {
        let public_key = bundle.check_key.ok_or_else(|| {
            ClientError::BadResponse("this service's key bundle names no check key".into())
        })?;
        let (pending, blinded) = oprf::blind(input, &mut rand::rngs::OsRng)?;
        let body = serde_json::to_vec(&CheckRequest {
            blinded: blinded.to_base64(),
        })
        .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        let size = body.len();
        let request =
            ApiRequest::new(Method::POST, "/v1/check").with_body("application/json", body);
        let response = self
            .isolated()
            .send_with_puzzle(Purpose::Check, size, request)
            .await?;
        let answer: CheckEvaluation = json_of(&response)?;
        let evaluation = Evaluation::from_base64(&answer.evaluated, &answer.proof)?;
        Ok(pending.finish(&evaluation, &public_key)?)
    }

    /// The check list as served (`GET /v1/checklist`), not yet verified: see
    /// [`checklist::verified_tags`]. On a circuit of its own.
    pub async fn fetch_checklist(&self) -> Result<CheckList, ClientError> {
        let response = self
            .isolated()
            .call(ApiRequest::new(Method::GET, "/v1/checklist"))
            .await?;
        let strict = crate::canonical::parse_strict(&response.body, "check list")?;
        serde_json::from_value(strict).map_err(|e| ClientError::BadResponse(e.to_string()))
    }

    /// Checks one identifier (`input` from [`oprf::check_input`]): evaluates it
    /// blindly, looks its tag up among the list's entries that verify against `bundle`,
    /// and reads the alerts found from the public feed (every page, so that the server
    /// does not learn which alert matched). Entries of an alert that was withdrawn, or
    /// that the feed does not hold, find nothing.
    pub async fn check(
        &self,
        bundle: &KeyBundle,
        input: &[u8],
    ) -> Result<CheckResult, ClientError> {
        let output = self.evaluate_blindly(bundle, input).await?;
        let list = self.fetch_checklist().await?;
        let (ids, ignored_entries) =
            checklist::alerts_for(&list, bundle, &checklist::tag_of(&output));
        let mut result = CheckResult {
            ignored_entries,
            entries: list.entries.len(),
            ..CheckResult::default()
        };
        if ids.is_empty() {
            return Ok(result);
        }
        let mut offset = 0;
        loop {
            let page = self
                .fetch_alerts(
                    &AlertQuery {
                        offset: Some(offset),
                        limit: Some(500),
                        ..AlertQuery::default()
                    },
                    bundle,
                )
                .await?;
            for retraction in &page.retractions {
                if ids.contains(&retraction.alert_id) {
                    result.withdrawn.push(retraction.alert_id.clone());
                }
            }
            result
                .alerts
                .extend(page.alerts.into_iter().filter(|a| ids.contains(&a.id)));
            match page.next_offset {
                Some(next) if next > offset => offset = next,
                _ => break,
            }
        }
        result.withdrawn.sort();
        result.withdrawn.dedup();
        result.alerts.retain(|a| !result.withdrawn.contains(&a.id));
        Ok(result)
    }

    /// (desk) Evaluates the desk's blinded elements (`POST /v1/mod/check/evaluate`).
    pub async fn evaluate_for_desk(
        &self,
        credentials: &ModeratorCredentials,
        blinded: Vec<String>,
    ) -> Result<Vec<CheckEvaluation>, ClientError> {
        let asked = blinded.len();
        let body = serde_json::to_vec(&CheckBatch { blinded })
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        let response = self
            .moderator_call(
                credentials,
                ApiRequest::new(Method::POST, "/v1/mod/check/evaluate")
                    .with_body("application/json", body),
            )
            .await?;
        let answer: CheckBatchAnswer = json_of(&response)?;
        if answer.evaluations.len() != asked {
            return Err(ClientError::BadResponse(format!(
                "{} evaluations for {asked} blinded elements",
                answer.evaluations.len()
            )));
        }
        Ok(answer.evaluations)
    }

    /// (desk) Adds signed entries to the check list (`POST /v1/mod/checklist`).
    pub async fn post_check_entries(
        &self,
        credentials: &ModeratorCredentials,
        entries: Vec<serde_json::Value>,
    ) -> Result<(), ClientError> {
        let body = serde_json::to_vec(&CheckEntries { entries })
            .map_err(|e| ClientError::BadResponse(e.to_string()))?;
        self.moderator_call(
            credentials,
            ApiRequest::new(Method::POST, "/v1/mod/checklist").with_body("application/json", body),
        )
        .await
        .map(|_| ())
    }

    /// Acknowledges a mailbox message (it stays in the mailbox for the reporter).
    pub async fn acknowledge_message(
        &self,
        credentials: &ModeratorCredentials,
        id: &str,
    ) -> Result<(), ClientError> {
        self.moderator_call(
            credentials,
            ApiRequest::new(Method::POST, format!("/v1/mod/messages/{id}/ack")),
        )
        .await
        .map(|_| ())
    }
}

/// A successful response's JSON body.
fn json_of<R: DeserializeOwned>(response: &ApiResponse) -> Result<R, ClientError> {
    serde_json::from_slice(&response.body).map_err(|e| ClientError::BadResponse(e.to_string()))
}

/// A `{"mailbox"}` request (read, delete).
fn mailbox_request(path: &str, mailbox: &str) -> Result<ApiRequest, ClientError> {
    let body = serde_json::to_vec(&MailboxRequest {
        mailbox: mailbox.to_string(),
    })
    .map_err(|e| ClientError::BadResponse(e.to_string()))?;
    Ok(ApiRequest::new(Method::POST, path).with_body("application/json", body))
}

/// A `{"mailbox","ciphertext"}` request (answer, reply).
fn mailbox_post(
    path: &str,
    mailbox: &str,
    ciphertext: &[u8],
    item_id: Option<&str>,
) -> Result<ApiRequest, ClientError> {
    use base64::Engine as _;
    let body = serde_json::to_vec(&MailboxPost {
        mailbox: mailbox.to_string(),
        ciphertext: base64::engine::general_purpose::STANDARD.encode(ciphertext),
        item_id: item_id.map(str::to_string),
    })
    .map_err(|e| ClientError::BadResponse(e.to_string()))?;
    Ok(ApiRequest::new(Method::POST, path).with_body("application/json", body))
}
