//! The HTML pages: home, report form, alerts (list and detail), help.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jasmine_client::alert::Alert;
use jasmine_client::report::{Category, Severity};
use jasmine_client::Day;

use super::i18n::{Tr, LANGUAGES};
use super::{html, not_found, site, AlertsQuery, Site};
use crate::published::{self, AlertFilter};
use crate::state::AppState;

/// What every page's layout needs.
pub struct PageBase<'a> {
    /// Messages.
    pub tr: &'a Tr<'a>,
    /// The path after the language (for the language switcher).
    pub path: String,
    /// Every language's code, own name, and whether it is the page's.
    pub languages: Vec<(&'static str, String, bool)>,
    /// Where the quick exit leads.
    pub exit_url: String,
    /// The one title of every page (`web.page_title`): tabs, history and the list of
    /// open apps show nothing of what she reads.
    pub page_title: String,
    /// A single-use token for the page's forms (`crate::once`).
    pub once: String,
    /// The neutral code of the page on leaving no trail (the footer's link).
    pub tracks_code: String,
}

impl<'a> PageBase<'a> {
    pub fn new(site: &'a Site<'a>, path: &str) -> Self {
        let catalog = site.state.catalog();
        PageBase {
            tr: &site.tr,
            path: path.to_string(),
            languages: LANGUAGES
                .iter()
                .map(|l| {
                    (
                        *l,
                        catalog.translator(l).t("language-name"),
                        *l == site.tr.lang,
                    )
                })
                .collect(),
            exit_url: site.state.web().exit_url.clone(),
            page_title: site.state.web().page_title.clone(),
            once: site.state.form_tokens().issue(),
            tracks_code: super::content::page_code("cover-your-tracks"),
        }
    }
}

fn message_id(prefix: &str, value: &str) -> String {
    format!("{prefix}-{}", value.replace('_', "-"))
}

/// (value, translated label) of every category.
pub fn category_choices(tr: &Tr) -> Vec<(&'static str, String)> {
    Category::ALL
        .iter()
        .map(|c| (c.as_str(), tr.t(&message_id("category", c.as_str()))))
        .collect()
}

/// (value, translated label) of every severity.
pub fn severity_choices(tr: &Tr) -> Vec<(&'static str, String)> {
    Severity::ALL
        .iter()
        .map(|s| (s.as_str(), tr.t(&message_id("severity", s.as_str()))))
        .collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home<'a> {
    p: PageBase<'a>,
}

pub async fn home(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    html(
        StatusCode::OK,
        Home {
            p: PageBase::new(&site, "/"),
        }
        .render(),
    )
}

#[derive(Template)]
#[template(path = "help.html")]
struct Help<'a> {
    p: PageBase<'a>,
    association_name: String,
    association_contact: String,
}

pub async fn help(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let web = state.web();
    let page = Help {
        p: PageBase::new(&site, "/h"),
        association_name: web.association_name.clone(),
        association_contact: web.association_contact.clone(),
    };
    html(StatusCode::OK, page.render())
}

#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportForm<'a> {
    pub p: PageBase<'a>,
    /// The form may be posted without JavaScript (the server then encrypts).
    pub enabled: bool,
    /// The page's script is offered (a bundle exists to encrypt to).
    pub enabled_js: bool,
    /// The pinned root key, which the page's script checks the bundle against.
    pub root_key: String,
    pub error: Option<String>,
    pub today: String,
    pub precisions: Vec<(&'static str, String)>,
    pub parts_of_day: Vec<(&'static str, String)>,
    pub settings: Vec<(&'static str, String)>,
    pub categories: Vec<(&'static str, String)>,
    pub severities: Vec<(&'static str, String)>,
    /// Filled in by the page's script after sending, when a codename was asked for.
    pub codename_text: String,
    /// What she sent, when the form comes back with a mistake: filled in again.
    pub sent: super::fields::FormFields,
    /// The field of the mistake (its `name`), which gets the focus: the page opens on
    /// it, not at the top, 2,000 px above.
    pub focus: &'static str,
}

impl<'a> ReportForm<'a> {
    pub fn new(site: &'a Site<'a>, error: Option<String>) -> Self {
        let tr = &site.tr;
        let pick = |prefix: &str, values: &[&'static str]| {
            values
                .iter()
                .map(|v| (*v, tr.t(&message_id(prefix, v))))
                .collect()
        };
        let mut parts_of_day = vec![("", tr.t("part-of-day-none"))];
        parts_of_day.extend(
            ["morning", "afternoon", "evening", "night"].map(|v| (v, tr.t(&message_id("part", v)))),
        );
        ReportForm {
            p: PageBase::new(site, "/r"),
            enabled: site.state.web().server_side_encryption,
            enabled_js: site.state.current_bundle().is_some(),
            root_key: site.state.root().to_base64(),
            error,
            codename_text: String::new(),
            today: Day::today_utc().to_string(),
            precisions: pick("precision", &["day", "week", "month", "approximate"]),
            parts_of_day,
            settings: pick(
                "setting",
                &[
                    "street",
                    "car",
                    "own_place",
                    "client_place",
                    "hotel",
                    "online",
                    "other",
                ],
            ),
            categories: category_choices(tr),
            severities: severity_choices(tr),
            sent: super::fields::FormFields::parse(b""),
            focus: "",
        }
    }
}

pub async fn report_form(State(state): State<AppState>, Path(lang): Path<String>) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    html(StatusCode::OK, ReportForm::new(&site, None).render())
}

/// An alert ready to show in the reader's language.
pub struct AlertView {
    pub id: String,
    pub severity: &'static str,
    pub severity_label: String,
    pub categories: String,
    pub happened: String,
    pub published: String,
    pub summary_lang: String,
    pub summary: String,
    pub translations: Vec<(String, String)>,
    pub identifiers: String,
    pub description: String,
    pub phones: String,
    pub handles: String,
    pub plates: String,
    pub vehicle: String,
}

impl AlertView {
    pub fn new(alert: &Alert, tr: &Tr) -> AlertView {
        let place = [
            alert.city.as_deref(),
            Some(alert.region.as_str()),
            Some(alert.country.as_str()),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        // The summary in the reader's language when a translation exists.
        let (summary_lang, summary) = std::iter::once(&alert.summary)
            .chain(&alert.translations)
            .find(|t| t.language == tr.lang)
            .map(|t| (t.language.clone(), t.text.clone()))
            .unwrap_or_else(|| (alert.summary.language.clone(), alert.summary.text.clone()));
        // Every other text once: not the one shown above, and not twice the same.
        let mut translations: Vec<(String, String)> = Vec::new();
        for t in std::iter::once(&alert.summary).chain(&alert.translations) {
            let shown = t.language == summary_lang && t.text == summary;
            if !shown
                && !translations
                    .iter()
                    .any(|(l, x)| *l == t.language && *x == t.text)
            {
                translations.push((t.language.clone(), t.text.clone()));
            }
        }
        let g = &alert.aggressor;
        let identifiers = g
            .phones
            .iter()
            .chain(&g.handles)
            .chain(&g.plates)
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ");
        AlertView {
            id: alert.id.clone(),
            severity: alert.severity.as_str(),
            severity_label: tr.t(&message_id("severity", alert.severity.as_str())),
            categories: alert
                .categories
                .iter()
                .map(|c| tr.t(&message_id("category", c.as_str())))
                .collect::<Vec<_>>()
                .join(", "),
            happened: happened(tr, alert, &place),
            published: tr.t1("alert-published", "day", &tr.day(alert.published)),
            summary_lang,
            summary,
            translations,
            identifiers,
            description: g.description.clone(),
            phones: g.phones.join(", "),
            handles: g.handles.join(", "),
            plates: g.plates.join(", "),
            vehicle: g.vehicle.clone().unwrap_or_default(),
        }
    }
}

fn happened(tr: &Tr, alert: &jasmine_client::alert::Alert, place: &str) -> String {
    use jasmine_client::alert::OccurredPrecision;
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("place", place.to_string());
    let id = match alert.occurred_precision {
        OccurredPrecision::Day => "alert-happened",
        OccurredPrecision::Week => "alert-happened-week",
        OccurredPrecision::Month => "alert-happened-month",
    };
    args.set(
        "day",
        if alert.occurred_precision == OccurredPrecision::Month {
            tr.month(alert.occurred_on)
        } else {
            tr.day(alert.occurred_on)
        },
    );
    tr.t_args(id, &args)
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage<'a> {
    p: PageBase<'a>,
    alerts: Vec<AlertView>,
    categories: Vec<(&'static str, String, bool)>,
    severities: Vec<(&'static str, String, bool)>,
    filter_place: String,
    /// What was searched, as understood ("Marseille and its département, …").
    searched: Option<String>,
    filter_since: String,
    filter_category: &'static str,
    filter_severity: &'static str,
    /// (offset, message id) of the previous and next pages, posted by the paging
    /// buttons.
    paging: Vec<(u64, &'static str)>,
}

/// Page size of the alerts page.
const PAGE: u64 = 20;

/// Most alerts looked through for a place (newest first): the place is matched on
/// what the alert says, after reading it.
const MOST_SEARCHED: usize = 5000;

/// The page of `filter` (its offset, `PAGE` alerts) among the alerts of `place`.
async fn read_place(
    state: &AppState,
    filter: &AlertFilter,
    place: &super::places::Place,
) -> Result<published::Page, crate::error::ApiError> {
    let mut all = AlertFilter {
        region: None,
        offset: 0,
        limit: published::MAX_PAGE,
        ..filter.clone()
    };
    let mut matching = Vec::new();
    let mut seen = 0;
    let retractions = loop {
        let page = published::read_page(state, &all).await?;
        seen += page.alerts.len();
        matching.extend(page.alerts.into_iter().filter(|json| {
            published::alert_of(json).is_some_and(|a| place.matches(&a.region, a.city.as_deref()))
        }));
        if !page.has_more || seen >= MOST_SEARCHED {
            break page.retractions;
        }
        all.offset += all.limit;
    };
    let start = (filter.offset as usize).min(matching.len());
    let end = (start + PAGE as usize).min(matching.len());
    Ok(published::Page {
        has_more: end < matching.len(),
        alerts: matching.drain(start..end).collect(),
        retractions,
    })
}

/// `GET /<lang>/a` (filters in the address, for old links).
pub async fn alerts(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<AlertsQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    alerts_page(&state, &lang, q).await
}

/// `POST /<lang>/a`: the filter form and the paging buttons post, so that what she
/// looks for (a place, "rape") is in no address the browser's history keeps.
pub async fn alerts_posted(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    form: Result<axum::Form<AlertsQuery>, axum::extract::rejection::FormRejection>,
) -> Response {
    let q = form.map(|axum::Form(q)| q).unwrap_or_default();
    alerts_page(&state, &lang, q).await
}

async fn alerts_page(state: &AppState, lang: &str, q: AlertsQuery) -> Response {
    let Some(site) = site(state, lang) else {
        return not_found();
    };
    let filter = AlertFilter::from_params(
        q.since.as_deref(),
        q.region.as_deref(),
        q.category.as_deref(),
        q.severity.as_deref(),
        q.offset,
        Some(PAGE),
    )
    .unwrap_or(AlertFilter {
        limit: PAGE,
        ..Default::default()
    });
    let place = q.place.as_deref().and_then(super::places::Place::parse);
    let read = match &place {
        None => published::read_page(state, &filter).await,
        Some(place) => read_place(state, &filter, place).await,
    };
    let page = match read {
        Ok(page) => page,
        Err(_) => {
            return html(
                StatusCode::SERVICE_UNAVAILABLE,
                Ok("<!doctype html><p>Service unavailable</p>".into()),
            )
        }
    };
    let views = page
        .alerts
        .iter()
        .filter_map(|json| published::alert_of(json))
        .map(|a| AlertView::new(&a, &site.tr))
        .collect();
    let searched = place.as_ref().map(|place| {
        let described = match place {
            super::places::Place::Departement(code, name) => {
                site.tr
                    .t2("alerts-place-departement", "name", name, "code", code)
            }
            super::places::Place::City(city, code, name) => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("city", *city);
                args.set("name", *name);
                args.set("code", *code);
                site.tr.t_args("alerts-place-city", &args)
            }
            super::places::Place::Other(typed) => typed.clone(),
        };
        site.tr.t1("alerts-searched", "place", &described)
    });
    let tr = &site.tr;
    let body = AlertsPage {
        p: PageBase::new(&site, "/a"),
        alerts: views,
        categories: category_choices(tr)
            .into_iter()
            .map(|(v, l)| (v, l, filter.category.is_some_and(|c| c.as_str() == v)))
            .collect(),
        severities: severity_choices(tr)
            .into_iter()
            .map(|(v, l)| (v, l, filter.severity.is_some_and(|s| s.as_str() == v)))
            .collect(),
        filter_place: q
            .place
            .clone()
            .or_else(|| q.region.clone())
            .unwrap_or_default(),
        searched,
        filter_since: filter.since.map(|d| d.to_string()).unwrap_or_default(),
        filter_category: filter.category.map(|c| c.as_str()).unwrap_or_default(),
        filter_severity: filter.severity.map(|s| s.as_str()).unwrap_or_default(),
        paging: [
            (filter.offset > 0).then(|| (filter.offset.saturating_sub(PAGE), "alerts-previous")),
            page.has_more.then(|| (filter.offset + PAGE, "alerts-next")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    }
    .render();
    html(StatusCode::OK, body)
}

#[derive(Template)]
#[template(path = "alert.html")]
struct AlertPage<'a> {
    p: PageBase<'a>,
    a: AlertView,
}

pub async fn alert(
    State(state): State<AppState>,
    Path((lang, id)): Path<(String, String)>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    if !jasmine_client::alert::is_alert_id(&id) {
        return not_found();
    }
    let Ok(Some(json)) = published::read_one(&state, &id).await else {
        return not_found();
    };
    let Some(alert) = published::alert_of(&json) else {
        return not_found();
    };
    let page = AlertPage {
        p: PageBase::new(&site, &format!("/a/{id}")),
        a: AlertView::new(&alert, &site.tr),
    };
    html(StatusCode::OK, page.render())
}
