//! The check page (`/<lang>/c`): is a phone number, plate or handle on the
//! association's check list? (`docs/PROTOCOL.md` §5b)
//!
//! With JavaScript the page's script does the check in the browser: it normalises and
//! blinds the identifier, the server evaluates the blinded element (with a puzzle
//! solved in a Web Worker), the script verifies the proof against the check key of the
//! signed bundle, unblinds, and looks the tag up in the signed list; the server never
//! sees the identifier. Without JavaScript the form is posted here and the server
//! computes the same in memory for the time of the request, keeps and logs nothing, and
//! the page says that it saw the identifier. Each such check spends the page's hourly
//! budget (no puzzle without JavaScript).

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jasmine_client::checklist::tag_of;
use jasmine_client::identifier::{self, Kind};
use jasmine_client::oprf::check_input;
use zeroize::Zeroizing;

use super::fields::FormFields;
use super::pages::{AlertView, PageBase};
use super::{html, not_found, site, Site};
use crate::admission::NoJsPath;
use crate::published;
use crate::routes::check::{alerts_with_tag, key_in_service};
use crate::routes::read_body;
use crate::state::AppState;

/// Largest form body.
const MAX_FORM_BYTES: usize = 4 * 1024;

/// What a check found, as the page shows it.
pub struct Found {
    /// The alerts (none: no report is known).
    pub alerts: Vec<AlertView>,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    p: PageBase<'a>,
    /// The page's script runs (the service has a check key in its bundle).
    enabled_js: bool,
    root_key: String,
    error: Option<String>,
    found: Option<Found>,
    kinds: Vec<(&'static str, String, bool)>,
}

impl<'a> CheckPage<'a> {
    fn new(site: &'a Site<'a>, chosen: &str) -> Self {
        let kinds = ["phone", "plate", "handle"]
            .into_iter()
            .map(|k| (k, site.tr.t(&format!("check-kind-{k}")), k == chosen))
            .collect();
        CheckPage {
            p: PageBase::new(site, "/c"),
            enabled_js: key_in_service(site.state).is_ok(),
            root_key: site.state.root().to_base64(),
            error: None,
            found: None,
            kinds,
        }
    }
}

/// `GET /<lang>/c`: the form.
pub async fn form(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let mut page = CheckPage::new(&site, "phone");
    if key_in_service(&state).is_err() {
        page.error = Some(site.tr.t("check-unavailable"));
    }
    html(StatusCode::OK, page.render())
}

/// `POST /<lang>/c` (without JavaScript): the server checks, in memory.
pub async fn submit(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let raw = match read_body(&headers, body, MAX_FORM_BYTES).await {
        Ok(bytes) => Zeroizing::new(bytes.to_vec()),
        Err(e) => {
            let mut page = CheckPage::new(&site, "phone");
            page.error = Some(site.tr.t("check-invalid"));
            return html(e.status(), page.render());
        }
    };
    let mut fields = FormFields::parse(&raw);
    drop(raw);
    let kind_text = fields.value("kind").to_string();
    let kind = Kind::parse(&kind_text).unwrap_or(Kind::Phone);
    let mut page = CheckPage::new(&site, kind.label());
    let fail = |mut page: CheckPage, status: StatusCode, message: String| {
        page.error = Some(message);
        html(status, page.render())
    };
    if state.form_tokens().spend(fields.value("once")).is_err() {
        return fail(page, StatusCode::CONFLICT, site.tr.t("once-check"));
    }
    let Ok(key) = key_in_service(&state) else {
        return fail(
            page,
            StatusCode::SERVICE_UNAVAILABLE,
            site.tr.t("check-unavailable"),
        );
    };
    let typed = fields.take("identifier");
    let Some(normalised) = identifier::normalize(kind, &typed, "FR").map(Zeroizing::new) else {
        return fail(page, StatusCode::BAD_REQUEST, site.tr.t("check-invalid"));
    };
    drop(typed);
    if let Err(wait) = state.admission().take_nojs(NoJsPath::Check) {
        page.error = Some(site.tr.t("admission-busy-check"));
        return super::retry_after(html(StatusCode::SERVICE_UNAVAILABLE, page.render()), wait);
    }
    let input = Zeroizing::new(check_input(kind, &normalised));
    drop(normalised);
    let tag = match key.output(&input) {
        Ok(output) => {
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, tag_of(&output))
        }
        Err(_) => return fail(page, StatusCode::BAD_REQUEST, site.tr.t("check-invalid")),
    };
    drop(input);
    let ids = match alerts_with_tag(&state, tag).await {
        Ok(ids) => ids,
        Err(e) => return fail(page, e.status(), site.tr.t("check-unavailable")),
    };
    let mut alerts = Vec::new();
    for id in ids {
        if let Ok(Some(json)) = published::read_one(&state, &id).await {
            if let Some(alert) = published::alert_of(&json) {
                alerts.push(AlertView::new(&alert, &site.tr));
            }
        }
    }
    page.found = Some(Found { alerts });
    html(StatusCode::OK, page.render())
}
