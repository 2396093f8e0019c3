//! The alert feeds: Atom (`/alerts.atom`) and JSON Feed 1.1 (`/alerts.json`, each item
//! carrying the signed alert so readers can verify it), with the same filters as the
//! API in the query, and `ETag` / `Last-Modified` so that readers polling them get
//! `304 Not Modified` when nothing changed.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use jasmine_client::alert::Alert;
use jasmine_client::Day;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::i18n::DEFAULT_LANGUAGE;
use super::known_language;
use crate::error::ApiError;
use crate::published::{self, AlertFilter};
use crate::state::AppState;

/// Filters of the feeds (and `lang` for the titles).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    since: Option<String>,
    region: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    lang: Option<String>,
}

struct Entries {
    alerts: Vec<(Alert, serde_json::Value)>,
    last_modified: Day,
}

async fn entries(state: &AppState, query: &FeedQuery) -> Result<Entries, ApiError> {
    let filter = AlertFilter::from_params(
        query.since.as_deref(),
        query.region.as_deref(),
        query.category.as_deref(),
        query.severity.as_deref(),
        None,
        Some(50),
    )?;
    let page = published::read_page(state, &filter).await?;
    let mut last_modified = Day::parse("2026-01-01").expect("constant day");
    let mut alerts = Vec::new();
    for json in &page.alerts {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
            continue;
        };
        let Some(alert) = published::alert_of(json) else {
            continue;
        };
        last_modified = last_modified.max(alert.published);
        alerts.push((alert, value));
    }
    for json in &page.retractions {
        if let Some(day) = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| {
                v["retraction"]["retracted_on"]
                    .as_str()
                    .and_then(|d| Day::parse(d).ok())
            })
        {
            last_modified = last_modified.max(day);
        }
    }
    Ok(Entries {
        alerts,
        last_modified,
    })
}

fn http_date(day: Day) -> String {
    let seconds = (day.date()
        - time::Date::from_calendar_date(1970, time::Month::January, 1).expect("epoch"))
    .whole_seconds();
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds.max(0) as u64))
}

/// Answers with `body`, or 304 when the reader already has it.
fn conditional(
    headers: &HeaderMap,
    content_type: &'static str,
    body: String,
    last_modified: Day,
) -> Response {
    let etag = format!("\"{}\"", &hex_digest(body.as_bytes())[..32]);
    let modified = http_date(last_modified);
    let not_modified = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .zip(httpdate::parse_http_date(&modified).ok())
            .is_some_and(|(since, last)| last <= since),
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, content_type)], body).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::ETAG,
        HeaderValue::from_str(&etag).expect("hex etag"),
    );
    headers.insert(
        header::LAST_MODIFIED,
        HeaderValue::from_str(&modified).expect("http date"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

fn hex_digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn title(alert: &Alert, tr: &super::i18n::Tr) -> String {
    let categories: Vec<String> = alert
        .categories
        .iter()
        .map(|c| tr.t(&format!("category-{}", c.as_str().replace('_', "-"))))
        .collect();
    format!(
        "{} · {} · {}",
        tr.t(&format!(
            "severity-{}",
            alert.severity.as_str().replace('_', "-")
        )),
        categories.join(", "),
        [alert.city.as_deref().unwrap_or(""), alert.region.as_str()]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What both feeds start from: the language of titles, the entries, the base URL.
struct FeedContext {
    lang: &'static str,
    entries: Entries,
    base: String,
}

async fn context(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<FeedContext, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    Ok(FeedContext {
        lang: query
            .lang
            .as_deref()
            .and_then(known_language)
            .unwrap_or(DEFAULT_LANGUAGE),
        entries: entries(state, &query).await?,
        base: base_url(headers),
    })
}

/// `GET /alerts.atom`.
pub async fn atom(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let FeedContext {
        lang,
        entries,
        base,
    } = context(&state, &headers, query).await?;
    let tr = state.catalog().translator(lang);
    let mut out = String::new();
    let _ = write!(
        out,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{lang}\">\n<id>urn:jasmine:alerts</id>\n<title>{}</title>\n<updated>{}T00:00:00Z</updated>\n<link rel=\"self\" href=\"{base}/alerts.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/{lang}/alerts\"/>\n<author><name>{}</name></author>\n",
        xml(&format!("{} · {}", tr.t("site-name"), tr.t("alerts-title"))),
        entries.last_modified,
        xml(&state.web().association_name),
    );
    for (alert, _) in &entries.alerts {
        let _ = write!(
            out,
            "<entry>\n<id>urn:jasmine:alert:{id}</id>\n<title>{}</title>\n<updated>{published}T00:00:00Z</updated>\n<published>{published}T00:00:00Z</published>\n<link rel=\"alternate\" type=\"text/html\" href=\"{base}/{lang}/a/{id}\"/>\n{}<content type=\"text\" xml:lang=\"{}\">{}</content>\n</entry>\n",
            xml(&title(alert, &tr)),
            alert.categories.iter().map(|c| format!("<category term=\"{}\"/>\n", c.as_str())).collect::<String>(),
            xml(&alert.summary.language),
            xml(&alert.summary.text),
            id = alert.id,
            published = alert.published,
        );
    }
    out.push_str("</feed>\n");
    Ok(conditional(
        &headers,
        "application/atom+xml; charset=utf-8",
        out,
        entries.last_modified,
    ))
}

/// `GET /alerts.json` (JSON Feed 1.1; `_jasmine.signed` is the signed alert).
pub async fn json_feed(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<FeedQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let FeedContext {
        lang,
        entries,
        base,
    } = context(&state, &headers, query).await?;
    let tr = state.catalog().translator(lang);
    let items: Vec<serde_json::Value> = entries
        .alerts
        .iter()
        .map(|(alert, signed)| {
            serde_json::json!({
                "id": alert.id,
                "url": format!("{base}/{lang}/a/{}", alert.id),
                "title": title(alert, &tr),
                "content_text": alert.summary.text,
                "date_published": format!("{}T00:00:00Z", alert.published),
                "language": alert.summary.language,
                "tags": alert.categories.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "_jasmine": { "about": "https://jasmine.invalid/protocol/v1", "signed": signed },
            })
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("{} · {}", tr.t("site-name"), tr.t("alerts-title")),
        "home_page_url": format!("{base}/{lang}/alerts"),
        "feed_url": format!("{base}/alerts.json"),
        "language": lang,
        "items": items,
    });
    let body = serde_json::to_string_pretty(&feed)
        .map_err(|_| ApiError::from(crate::storage::StorageError::Unavailable))?;
    Ok(conditional(
        &headers,
        "application/feed+json; charset=utf-8",
        body,
        entries.last_modified,
    ))
}
