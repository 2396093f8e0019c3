//! The information pages in the site's layout: the list with a search box
//! (`/<lang>/info?q=…`, searched on the server) and each page with its table of
//! contents, date, sources and, when the language has no complete translation, the
//! French page with a notice.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

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
    toc: Vec<(String, u8, String)>,
    body: String,
    sources: Vec<String>,
}

/// `GET /<lang>/info`.
pub async fn index(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    query: Result<Query<SearchQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let query: String = query
        .ok()
        .and_then(|Query(q)| q.q)
        .unwrap_or_default()
        .trim()
        .chars()
        .take(200)
        .collect();
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
        p: PageBase::new(&site, "/info"),
        query,
        results,
        pages,
    };
    html(StatusCode::OK, page.render())
}

/// `GET /<lang>/info/<slug>`.
pub async fn page(
    State(state): State<AppState>,
    Path((lang, slug)): Path<(String, String)>,
) -> Response {
    let Some(site) = site(&state, &lang) else {
        return not_found();
    };
    let Some((info, fallback)) = state.content().page(site.tr.lang, &slug) else {
        return not_found();
    };
    let page = InfoPage {
        p: PageBase::new(&site, &format!("/info/{slug}")),
        title: info.title.clone(),
        updated: info.updated.clone(),
        fallback,
        toc: info.toc.clone(),
        body: info.html.clone(),
        sources: info.sources.clone(),
    };
    html(StatusCode::OK, page.render())
}
