//! The reporter's conversation pages (`/<lang>/replies`): enter the codename, read the
//! association's replies, answer, delete the conversation.
//!
//! With JavaScript the page's script does everything in the browser (derives the keys,
//! reads the mailbox through the API, decrypts, seals the answer); the server sees only
//! the mailbox id and ciphertext. Without JavaScript the form is posted here and the
//! server does the same in memory for the time of the request: it derives the keys from
//! the codename, decrypts the messages to render the page, seals the answer, and
//! forgets them all (the codename is echoed in the page's forms so that the next click
//! works; nothing decrypted and no codename is stored or logged). `docs/THREAT_MODEL.md`
//! weighs this trade-off.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jasmine_client::codename::{Codename, ReplyKeys};
use jasmine_client::mailbox::{self, Sender};
use jasmine_client::Day;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use super::pages::PageBase;
use super::{html, not_found, site, Site};
use crate::admission::NoJsPath;
use crate::routes::mailbox::{delete_messages, read_messages, store_message};
use crate::routes::read_body;
use crate::state::AppState;

/// Largest form body (a message of 10,000 characters, URL-encoded, and the codename).
const MAX_FORM_BYTES: usize = 128 * 1024;

/// Codename derivations running at once (64 MiB each); more wait their turn.
static DERIVATIONS: Semaphore = Semaphore::const_new(2);

/// Derives the reply keys off the async threads, at most two at a time; a request
/// that waits more than 20 seconds gets "busy".
pub async fn derive(codename: &Codename) -> Result<ReplyKeys, String> {
    let busy = || "the server is busy; try again in a moment".to_string();
    let _permit = tokio::time::timeout(std::time::Duration::from_secs(20), DERIVATIONS.acquire())
        .await
        .map_err(|_| busy())?
        .map_err(|_| busy())?;
    let data = codename.clone();
    tokio::task::spawn_blocking(move || data.derive())
        .await
        .map_err(|_| busy())?
        .map_err(|e| e.to_string())
}

/// One message as the page shows it.
pub struct ShownMessage {
    /// `moderator` or `reporter` (a CSS class).
    pub from: &'static str,
    /// Who and when.
    pub heading: String,
    /// What it says.
    pub text: Zeroizing<String>,
}

#[derive(Template)]
#[template(path = "replies.html")]
struct RepliesPage<'a> {
    p: PageBase<'a>,
    enabled_js: bool,
    root_key: String,
    error: Option<String>,
    notice: Option<String>,
    conversation: Option<Vec<ShownMessage>>,
    codename_text: Zeroizing<String>,
}

impl<'a> RepliesPage<'a> {
    fn new(site: &'a Site<'a>) -> Self {
        RepliesPage {
            p: PageBase::new(site, "/m"),
            enabled_js: site.state.current_bundle().is_some(),
            root_key: site.state.root().to_base64(),
            error: None,
            notice: None,
            conversation: None,
            codename_text: Zeroizing::new(String::new()),
        }
    }
}

/// `GET /<lang>/replies`: the codename form.
pub async fn form(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    html(StatusCode::OK, RepliesPage::new(&site).render())
}

/// The form's fields, wiped when dropped.
#[derive(Default)]
struct Fields {
    codename: Zeroizing<String>,
    action: String,
    message: Zeroizing<String>,
    once: String,
}

fn fields(body: &[u8]) -> Fields {
    let mut fields = Fields::default();
    for (name, value) in form_urlencoded::parse(body) {
        let value = Zeroizing::new(value.into_owned());
        match name.as_ref() {
            "codename" => fields.codename = value,
            "action" => fields.action = value.to_string(),
            "message" => fields.message = value,
            "once" => fields.once = value.to_string(),
            _ => {}
        }
    }
    fields
}

/// `POST /<lang>/replies` (without JavaScript): read, answer or delete.
pub async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let mut page = RepliesPage::new(&site);
    if !state.web().server_side_encryption {
        page.error = Some(site.tr.t("report-disabled"));
        return html(StatusCode::FORBIDDEN, page.render());
    }
    let raw = match read_body(&headers, body, MAX_FORM_BYTES).await {
        Ok(bytes) => Zeroizing::new(bytes.to_vec()),
        Err(e) => {
            page.error = Some(site.tr.t1("replies-error", "reason", &format!("{e:?}")));
            return html(e.status(), page.render());
        }
    };
    let fields = fields(&raw);
    drop(raw);
    // Each page's form is good for one post: posted again (Back, reload), it shows
    // nothing and asks for the codename again.
    if state.form_tokens().spend(&fields.once).is_err() {
        page.error = Some(site.tr.t("once-replies"));
        return html(StatusCode::CONFLICT, page.render());
    }
    let Ok(codename) = Codename::parse(&fields.codename) else {
        page.error = Some(site.tr.t("replies-bad-codename"));
        return html(StatusCode::BAD_REQUEST, page.render());
    };
    let fail = |mut page: RepliesPage, status: StatusCode, reason: String| {
        page.error = Some(site.tr.t1("replies-error", "reason", &reason));
        html(status, page.render())
    };
    // No puzzle without JavaScript: the server's Argon2id runs on an hourly budget of
    // its own, which an attacker can spend without touching any other path.
    if let Err(wait) = state.admission().take_nojs(NoJsPath::Codename) {
        page.error = Some(site.tr.t("admission-busy-replies"));
        return super::retry_after(html(StatusCode::SERVICE_UNAVAILABLE, page.render()), wait);
    }
    let keys = match derive(&codename).await {
        Ok(keys) => keys,
        Err(reason) => return fail(page, StatusCode::SERVICE_UNAVAILABLE, reason),
    };
    let today = Day::today_utc();
    let verified = match state.verified_bundle(today) {
        Ok(verified) => verified,
        Err(reason) => return fail(page, StatusCode::SERVICE_UNAVAILABLE, reason),
    };
    let mut status = StatusCode::OK;
    match fields.action.as_str() {
        "answer" => {
            let stored = match mailbox::seal_answer(&fields.message, &keys, &verified, today) {
                Ok(sealed) => store_message(&state, &keys.mailbox, sealed, None)
                    .await
                    .map_err(|e| format!("{e:?}")),
                Err(e) => Err(e.to_string()),
            };
            match stored {
                Ok(_) => {
                    page.notice = Some(site.tr.t("replies-sent"));
                    status = StatusCode::CREATED;
                }
                Err(reason) => {
                    page.error = Some(site.tr.t1("replies-error", "reason", &reason));
                    status = StatusCode::BAD_REQUEST;
                }
            }
        }
        "delete" => {
            if let Err(e) = delete_messages(&state, &keys.mailbox).await {
                return fail(page, e.status(), format!("{e:?}"));
            }
            page.notice = Some(site.tr.t("replies-deleted"));
            return html(StatusCode::OK, page.render());
        }
        _ => {}
    }
    let entries = match read_messages(&state, &keys.mailbox).await {
        Ok(entries) => entries,
        Err(e) => return fail(page, e.status(), format!("{e:?}")),
    };
    let mut shown = Vec::with_capacity(entries.len());
    let mut unreadable = 0;
    for (_, ciphertext) in entries {
        match mailbox::open_message(
            &ciphertext,
            &keys.identity,
            &keys.mailbox,
            std::slice::from_ref(verified.bundle()),
            Some(&keys.answer_public()),
        ) {
            Ok(message) => shown.push(shown_message(&site, &message)),
            Err(_) => unreadable += 1,
        }
    }
    if unreadable > 0 {
        page.error = Some(
            site.tr
                .t1("replies-unreadable", "count", &unreadable.to_string()),
        );
    }
    page.conversation = Some(shown);
    page.codename_text = codename.display();
    html(status, page.render())
}

fn shown_message(site: &Site, message: &mailbox::Message) -> ShownMessage {
    let day = site.tr.day(message.written_on);
    let (from, heading) = match &message.sender {
        Sender::Reporter { .. } => ("reporter", site.tr.t1("replies-from-you", "day", &day)),
        Sender::Moderator { id, name, verified } => {
            let name = name.clone().unwrap_or_else(|| id.clone());
            let mut heading = site.tr.t2("replies-from-team", "name", &name, "day", &day);
            if *verified {
                heading.push_str(" · ");
                heading.push_str(&site.tr.t("replies-verified"));
            }
            ("moderator", heading)
        }
    };
    ShownMessage {
        from,
        heading,
        text: message.text.clone(),
    }
}
