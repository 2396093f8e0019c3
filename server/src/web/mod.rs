//! The web site: server-rendered pages in ten languages, usable without JavaScript,
//! and the Atom and JSON feeds. No cookies, no external resource, a strict
//! Content-Security-Policy on every page, a quick-exit link at the top of each.

pub mod content;
pub mod directory;
mod feeds;
mod fields;
mod fold;
mod form;
pub mod i18n;
mod info;
mod pages;
mod places;
mod questionnaire;
pub mod replies;

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::state::AppState;

pub use i18n::Catalog;

/// Settings of the web site (`[web]` in the config file).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Accept the report form without JavaScript: the server then encrypts the report
    /// on receipt, in memory, and stores only the ciphertext.
    pub server_side_encryption: bool,
    /// The association's name, on the help page.
    pub association_name: String,
    /// How to reach the association, on the help page (left out while empty; a server
    /// with an onion service refuses to start without it).
    pub association_contact: String,
    /// Where the quick-exit button leads.
    pub exit_url: String,
    /// The title of every page, the same everywhere, so that a tab, the history or the
    /// phone's list of open apps says nothing of what she reads. The association may
    /// choose something unremarkable.
    pub page_title: String,
    /// The folder of the information pages (`<lang>/<slug>.md`); default: the
    /// `server/content` folder of the source tree this server was built from.
    pub content_dir: Option<std::path::PathBuf>,
}

impl WebConfig {
    /// The content folder in use.
    pub fn content_dir(&self) -> std::path::PathBuf {
        self.content_dir
            .clone()
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content"))
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            server_side_encryption: true,
            association_name: "Jasmine".into(),
            association_contact: String::new(),
            exit_url: "https://www.google.com/search?q=meteo".into(),
            page_title: "Jasmine".into(),
            content_dir: None,
        }
    }
}

/// The strict policy of every page: nothing from anywhere else, no inline script.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The site's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(choose_language))
        .route("/{lang}", get(to_home))
        .route("/{lang}/", get(pages::home))
        // Neutral addresses, which the pages link to: the browser's history of
        // visited addresses says nothing of what she did (`/fr/r`, not `/fr/report`).
        .route("/{lang}/r", get(pages::report_form).post(form::submit))
        .route("/{lang}/r/ok", get(form::sent_by_browser))
        .route("/{lang}/m", get(replies::form).post(replies::submit))
        .route("/{lang}/a", get(pages::alerts).post(pages::alerts_posted))
        .route("/{lang}/a/{id}", get(pages::alert))
        .route("/{lang}/h", get(pages::help))
        .route("/{lang}/i", get(info::index).post(info::search))
        .route("/{lang}/i/{key}", get(info::page))
        .route("/{lang}/d", get(info::directory))
        .route(
            "/{lang}/q",
            get(questionnaire::form).post(questionnaire::submit),
        )
        // The readable addresses of earlier versions, for old links and bookmarks.
        .route("/{lang}/report", get(pages::report_form).post(form::submit))
        .route("/{lang}/report/sent", get(form::sent_by_browser))
        .route("/{lang}/replies", get(replies::form).post(replies::submit))
        .route("/{lang}/alerts", get(pages::alerts))
        .route("/{lang}/alerts/{id}", get(pages::alert))
        .route("/{lang}/help", get(pages::help))
        .route("/{lang}/info", get(info::index).post(info::search))
        .route("/{lang}/info/{key}", get(info::page))
        .route("/{lang}/directory", get(info::directory))
        .route(
            "/{lang}/questionnaire",
            get(questionnaire::form).post(questionnaire::submit),
        )
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
