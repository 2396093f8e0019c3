//! The information pages in the site's layout: the list with a search box
//! (`/<lang>/info?q=…`, searched on the server) and each page with its table of
//! contents, date, sources and, when the language has no complete translation, the
//! French page with a notice; and the directory of services, filtered by city, kind
//! and language spoken.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::directory::{hours_in_words, Service, DAYS, KINDS};
use super::pages::PageBase;
use super::{html, not_found, site};
use crate::state::AppState;

/// Query of the list page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "info.html")]
struct IndexPage<'a> {
    p: PageBase<'a>,
    query: String,
    /// (slug, title, snippet, French fallback)
    results: Vec<(String, String, String, bool)>,
    /// (slug, title, summary, French fallback)
    pages: Vec<(String, String, String, bool)>,
}

#[derive(Template)]
#[template(path = "info_page.html")]
struct InfoPage<'a> {
    p: PageBase<'a>,
    title: String,
    updated: String,
    fallback: bool,
    unreviewed: bool,
    toc: Vec<(String, u8, String)>,
    body: String,
    sources: Vec<String>,
}

/// `GET /<lang>/info` (a `?q=` still searches, for old links).
pub async fn index(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let query = query.ok().and_then(|Query(q)| q.q).unwrap_or_default();
    index_page(&state, &lang, &query)
}

/// `POST /<lang>/info`: the search form posts its words, so that they are in no URL
/// (the browser's history keeps URLs, even of pages replaced as she goes).
pub async fn search(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let mut fields = super::fields::FormFields::parse(&body);
    let query = fields.take("q");
    index_page(&state, &lang, &query)
}

fn index_page(state: &AppState, lang: &str, query: &str) -> Response {
    let Some(site) = site(state, lang) else {
        return not_found();
    };
    let query: String = query.trim().chars().take(200).collect();
    let content = state.content();
    let results = content
        .search(site.tr.lang, &query)
        .into_iter()
        .map(|(page, fallback, snippet)| (page.slug.clone(), page.title.clone(), snippet, fallback))
        .collect();
    let pages = content
        .pages(site.tr.lang)
        .into_iter()
        .map(|(page, fallback)| {
            (
                page.slug.clone(),
                page.title.clone(),
                page.summary.clone(),
                fallback,
            )
        })
        .collect();
    let page = IndexPage {
        p: PageBase::new(&site, "/i"),
        query,
        results,
        pages,
    };
    html(StatusCode::OK, page.render())
}

/// `GET /<lang>/i/<code>` (and `/<lang>/info/<slug>`, for old links).
pub async fn page(
    State(state): State<AppState>,
    Path((lang, key)): Path<(String, String)>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let content = state.content();
    let slug = content
        .slugs
        .iter()
        .find(|s| super::content::page_code(s) == key)
        .cloned()
        .unwrap_or(key);
    let Some((info, fallback)) = content.page(site.tr.lang, &slug) else {
        return not_found();
    };
    let page = InfoPage {
        p: PageBase::new(&site, &format!("/i/{}", super::content::page_code(&slug))),
        title: info.title.clone(),
        updated: info.updated.clone(),
        fallback,
        unreviewed: info.unreviewed,
        toc: info.toc.clone(),
        body: info.html.clone(),
        sources: info.sources.clone(),
    };
    html(StatusCode::OK, page.render())
}

/// Query of the directory page.
#[derive(Debug, Default, Deserialize)]
pub struct DirectoryQuery {
    city: Option<String>,
    kind: Option<String>,
    speaks: Option<String>,
}

/// A service as the directory page shows it, in the visitor's language.
struct ServiceView {
    name: String,
    kind: String,
    kind_label: String,
    city: String,
    departement: String,
    address: String,
    phone: String,
    phone_link: String,
    hours: String,
    languages: String,
    website: String,
}

#[derive(Template)]
#[template(path = "directory.html")]
struct DirectoryPage<'a> {
    p: PageBase<'a>,
    cities: Vec<(String, bool)>,
    kinds: Vec<(&'static str, String, bool)>,
    spoken: Vec<(&'static str, &'static str, bool)>,
    error: Option<String>,
    /// (heading, id, services)
    sections: Vec<(String, &'static str, Vec<ServiceView>)>,
}

/// `GET /<lang>/directory?city=&kind=&speaks=`: local services (of the city, or of
/// every city), then national ones; an unknown filter value is a 400 that says which.
pub async fn directory(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<DirectoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let tr = &site.tr;
    let directory = &state.content().directory;
    let q = query.map(|Query(q)| q).unwrap_or_default();
    fn chosen(value: &Option<String>) -> Option<&str> {
        value.as_deref().filter(|v| !v.is_empty())
    }
    let cities = directory.cities();
    let spoken = directory.languages();
    let (mut city, mut kind, mut speaks) = (chosen(&q.city), chosen(&q.kind), chosen(&q.speaks));
    let mut unknown = Vec::new();
    if city.is_some_and(|c| !cities.iter().any(|x| x == c)) {
        unknown.extend(city.take());
    }
    if kind.is_some_and(|k| !KINDS.contains(&k)) {
        unknown.extend(kind.take());
    }
    if speaks.is_some_and(|l| !spoken.iter().any(|(code, _)| *code == l)) {
        unknown.extend(speaks.take());
    }
    let error =
        (!unknown.is_empty()).then(|| tr.t1("where-bad-filter", "value", &unknown.join(", ")));
    let days: [String; 7] = DAYS.map(|d| tr.t(&format!("where-day-{d}")));
    let (always, hours_unknown) = (tr.t("where-always"), tr.t("where-hours-unknown"));
    let view = |s: &Service| ServiceView {
        name: s.name.clone(),
        kind: s.kind.clone(),
        kind_label: tr.t(&format!("where-kind-{}", s.kind)),
        city: s.city.clone(),
        departement: s.departement.clone(),
        address: s.address.clone(),
        phone: s.phone.clone(),
        phone_link: s.phone_link(),
        hours: hours_in_words(&s.opening, &days, &always, &hours_unknown),
        languages: s.language_names().join(", "),
        website: s.website.clone(),
    };
    let (local, national) = directory.select(city, kind, speaks);
    let local_heading = match city {
        Some(city) => tr.t1("where-local", "city", city),
        None => tr.t("where-local-all"),
    };
    let page = DirectoryPage {
        p: PageBase::new(&site, "/d"),
        cities: cities
            .iter()
            .map(|c| (c.clone(), Some(c.as_str()) == city))
            .collect(),
        kinds: KINDS
            .iter()
            .map(|k| (*k, tr.t(&format!("where-kind-{k}")), Some(*k) == kind))
            .collect(),
        spoken: spoken
            .iter()
            .map(|(code, name)| (*code, *name, Some(*code) == speaks))
            .collect(),
        sections: vec![
            (
                local_heading,
                "local",
                local.into_iter().map(&view).collect(),
            ),
            (
                tr.t("where-national"),
                "national",
                national.into_iter().map(&view).collect(),
            ),
        ],
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    html(status, page.render())
}
