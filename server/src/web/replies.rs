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
use jasmine_client::attachment::MAX_ATTACHMENTS;
use jasmine_client::codename::{Codename, ReplyKeys};
use jasmine_client::mailbox::{self, Sender};
use jasmine_client::Day;
use tokio::sync::Semaphore;
use zeroize::Zeroizing;

use super::chosen;
use super::fields::FormFields;
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
    /// How many images she sent with it.
    pub images: usize,
    /// That number, said in her language (empty when there are none).
    pub images_text: String,
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
    /// Her answer, filled in again when it could not be sent.
    draft: Zeroizing<String>,
    /// The field to focus (`attachments` when an image was refused).
    focus: &'static str,
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
            draft: Zeroizing::new(String::new()),
            focus: "",
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

/// The form's fields, wiped when dropped, and the images chosen with an answer.
#[derive(Default)]
struct Fields {
    codename: Zeroizing<String>,
    action: String,
    message: Zeroizing<String>,
    once: String,
    chosen: Vec<Zeroizing<Vec<u8>>>,
}

impl Fields {
    fn from_form(mut form: FormFields, chosen: Vec<Zeroizing<Vec<u8>>>) -> Fields {
        Fields {
            codename: form.take("codename"),
            action: form.take("action").to_string(),
            message: form.take("message"),
            once: form.take("once").to_string(),
            chosen,
        }
    }
}

/// The fields of the posted form: urlencoded, or `multipart/form-data` when the
/// answer form's file input is on the page.
async fn read_fields(
    site: &Site<'_>,
    headers: &HeaderMap,
    body: Body,
) -> Result<Fields, (StatusCode, String)> {
    let Some(boundary) = crate::upload::form_data_boundary(headers) else {
        let raw = read_body(headers, body, MAX_FORM_BYTES)
            .await
            .map_err(|e| {
                (
                    e.status(),
                    site.tr.t1("replies-error", "reason", &format!("{e:?}")),
                )
            })?;
        return Ok(Fields::from_form(
            FormFields::parse(&Zeroizing::new(raw.to_vec())),
            Vec::new(),
        ));
    };
    let raw = read_body(headers, body, chosen::max_form_bytes(MAX_FORM_BYTES))
        .await
        .map_err(|e| {
            let reason = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                site.tr.t("attach-error-too-large")
            } else {
                site.tr.t1("replies-error", "reason", &format!("{e:?}"))
            };
            (e.status(), reason)
        })?;
    let (form, chosen) = chosen::form_parts(&boundary, raw).await.map_err(|reason| {
        (
            StatusCode::BAD_REQUEST,
            site.tr.t1("replies-error", "reason", &reason),
        )
    })?;
    Ok(Fields::from_form(form, chosen))
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
    // With images the form is held in memory until they are sealed: only a few at once.
    let _place = match crate::upload::form_data_boundary(&headers) {
        Some(_) => match state.upload_place() {
            Some(place) => Some(place),
            None => {
                page.error = Some(site.tr.t("admission-busy-replies"));
                let page = html(StatusCode::SERVICE_UNAVAILABLE, page.render());
                return super::retry_after(page, 60);
            }
        },
        None => None,
    };
    let mut fields = match read_fields(&site, &headers, body).await {
        Ok(fields) => fields,
        Err((status, message)) => {
            page.error = Some(message);
            return html(status, page.render());
        }
    };
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
            let chosen = std::mem::take(&mut fields.chosen);
            match answer(&state, &site, &fields.message, chosen, &keys, &verified).await {
                Ok(images) => {
                    page.notice = Some(site.tr.t("replies-sent"));
                    if images > 0 {
                        page.notice = Some(format!(
                            "{} {}",
                            site.tr.t("replies-sent"),
                            site.tr
                                .t1("attach-sent-server", "count", &images.to_string())
                        ));
                    }
                    status = StatusCode::CREATED;
                }
                Err(refused) => {
                    page.error = Some(refused.message);
                    page.draft = fields.message.clone();
                    page.focus = refused.focus;
                    status = refused.status;
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

/// Why her answer was not stored, as the page says it.
struct Refused {
    status: StatusCode,
    message: String,
    focus: &'static str,
}

/// Scrubs her images (on this path's hourly budget: decoding is the costly part),
/// seals her answer with them and stores both; returns how many images went.
async fn answer(
    state: &AppState,
    site: &Site<'_>,
    text: &str,
    chosen: Vec<Zeroizing<Vec<u8>>>,
    keys: &ReplyKeys,
    verified: &jasmine_client::bundle::VerifiedBundle,
) -> Result<usize, Refused> {
    let refused = |status, message, focus| Refused {
        status,
        message,
        focus,
    };
    if chosen.len() > MAX_ATTACHMENTS {
        let message = site.tr.t("attach-error-too-many");
        return Err(refused(StatusCode::BAD_REQUEST, message, "attachments"));
    }
    if text.trim().is_empty() && chosen.is_empty() {
        let message = site.tr.t("replies-empty-answer");
        return Err(refused(StatusCode::BAD_REQUEST, message, "message"));
    }
    if !chosen.is_empty() && state.admission().take_nojs(NoJsPath::Codename).is_err() {
        let message = site.tr.t("admission-busy-replies");
        return Err(refused(StatusCode::SERVICE_UNAVAILABLE, message, ""));
    }
    let images = chosen::scrub_all(chosen).await.map_err(|(n, e)| {
        let message = chosen::refusal(&site.tr, n, &e);
        refused(StatusCode::BAD_REQUEST, message, "attachments")
    })?;
    let reason = |reason: String| site.tr.t1("replies-error", "reason", &reason);
    let sealed = mailbox::seal_answer_with_images(text, &images, keys, verified, Day::today_utc())
        .map_err(|e| refused(StatusCode::BAD_REQUEST, reason(e.to_string()), ""))?;
    let count = images.len();
    drop(images);
    store_message(
        state,
        &keys.mailbox,
        sealed.envelope,
        sealed.attachments,
        None,
    )
    .await
    .map_err(|e| refused(e.status(), reason(format!("{e:?}")), ""))?;
    Ok(count)
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
    let images = message.attachments.len();
    ShownMessage {
        from,
        heading,
        text: message.text.clone(),
        images,
        images_text: if images == 0 {
            String::new()
        } else {
            site.tr.t1("replies-images", "count", &images.to_string())
        },
    }
}
