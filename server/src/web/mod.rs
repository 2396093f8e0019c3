//! The web site: server-rendered pages in ten languages, usable without JavaScript,
//! and the Atom and JSON feeds. No cookies, no external resource, a strict
//! Content-Security-Policy on every page, a quick-exit link at the top of each.

mod check;
mod chosen;
mod feeds;
mod fields;
mod form;
mod info;
mod pages;
mod places;
mod questionnaire;
pub mod replies;

/// The parsers of what strangers post to the pages without JavaScript, as the fuzz
/// targets (`fuzz/`) reach them.
pub mod untrusted {
    pub use super::form::report_from_form;
    pub use super::questionnaire::summaries_from_form;
}

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::state::AppState;

use crate::site::paths::{PagePaths, NEUTRAL_PATHS, READABLE_PATHS};
pub use crate::site::{content, directory, fold, i18n};
pub use i18n::Catalog;

pub use crate::config::WebConfig;

/// The strict policy of every page: nothing from anywhere else, no inline script.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The pages under one set of paths.
fn pages(paths: &PagePaths) -> Router<AppState> {
    let at = |path: &str| format!("/{{lang}}/{path}");
    Router::new()
        .route(
            &at(paths.report),
            get(pages::report_form).post(form::submit),
        )
        .route(&at(paths.sent), get(form::sent_by_browser))
        .route(&at(paths.replies), get(replies::form).post(replies::submit))
        .route(
            &at(paths.alerts),
            get(pages::alerts).post(pages::alerts_posted),
        )
        .route(&format!("{}/{{id}}", at(paths.alerts)), get(pages::alert))
        .route(&at(paths.help), get(pages::help))
        .route(&at(paths.info), get(info::index).post(info::search))
        .route(&format!("{}/{{key}}", at(paths.info)), get(info::page))
        .route(&at(paths.directory), get(info::directory))
        .route(
            &at(paths.questionnaire),
            get(questionnaire::form).post(questionnaire::submit),
        )
        .route(&at(paths.check), get(check::form).post(check::submit))
}

/// The site's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(choose_language))
        .route("/{lang}", get(to_home))
        .route("/{lang}/", get(pages::home))
        // Neutral addresses, which the pages link to: the browser's history of
        // visited addresses says nothing of what she did (`/fr/r`, not `/fr/report`).
        .merge(pages(&NEUTRAL_PATHS))
        // The readable addresses of earlier versions, for old links and bookmarks.
        .merge(pages(&READABLE_PATHS))
        .route("/alerts.atom", get(feeds::atom))
        .route("/alerts.json", get(feeds::json_feed))
        .route("/static/style.css", get(style))
        .route(
            "/static/exit.js",
            get(|| script(include_str!("../../static/exit.js"))),
        )
        .route(
            "/static/questionnaire.js",
            get(|| script(include_str!("../../static/questionnaire.js"))),
        )
        .route(
            "/static/jasmine.js",
            get(|| script(include_str!("../../static/jasmine.js"))),
        )
        .route(
            "/static/check.js",
            get(|| script(include_str!("../../static/check.js"))),
        )
        .route(
            "/static/worker.js",
            get(|| script(include_str!("../../static/worker.js"))),
        )
}

async fn choose_language(headers: HeaderMap) -> Redirect {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Redirect::to(&format!("/{}/", i18n::negotiate(accept)))
}

async fn to_home(Path(lang): Path<String>) -> Response {
    match known_language(&lang) {
        Some(lang) => Redirect::permanent(&format!("/{lang}/")).into_response(),
        None => not_found(),
    }
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

async fn script(source: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        source,
    )
        .into_response()
}

/// The language code if the site has it.
pub fn known_language(lang: &str) -> Option<&'static str> {
    i18n::LANGUAGES.iter().copied().find(|l| *l == lang)
}

/// The same JSON 404 as the API (`{"error","reason"}`): one answer for every unknown path.
fn not_found() -> Response {
    crate::error::ApiError::not_found(crate::error::NO_SUCH_PATH).into_response()
}

/// An HTML page with the site's headers.
fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(body) => {
            let mut response = (status, Html(body)).into_response();
            response.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CONTENT_SECURITY_POLICY),
            );
            response
        }
        Err(e) => {
            tracing::error!("a page could not be rendered: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "error\n").into_response()
        }
    }
}

/// Adds `Retry-After: <secs>` to a refusal page.
fn retry_after(mut response: Response, secs: u64) -> Response {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Query of the alerts page.
#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    /// A city or a département, by name or number (see [`places`]).
    place: Option<String>,
    region: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    since: Option<String>,
    offset: Option<u64>,
}

/// Shared by handlers: the state and the language.
pub struct Site<'a> {
    state: &'a AppState,
    tr: i18n::Tr<'a>,
}

fn site<'a>(state: &'a AppState, lang: &str) -> Option<Site<'a>> {
    let lang = known_language(lang)?;
    Some(Site {
        state,
        tr: state.catalog().translator(lang),
    })
}
