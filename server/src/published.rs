//! Reading published alerts: one query, with filters and paging, shared by the JSON
//! API, the HTML pages and the Atom and JSON feeds.

use jasmine_client::alert::Alert;
use jasmine_client::report::{Category, Severity};
use jasmine_client::Day;

use crate::error::ApiError;
use crate::state::AppState;

/// Default and largest page sizes.
pub const DEFAULT_PAGE: u64 = 50;
/// Largest page size.
pub const MAX_PAGE: u64 = 500;
/// Largest page offset: far beyond any real feed, and small enough that an offset plus
/// a page size never overflows (nor an SQLite integer). A larger one is refused (400).
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// Which alerts to read.
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    /// Published on or after.
    pub since: Option<Day>,
    /// Région/département, exactly.
    pub region: Option<String>,
    /// Having this category.
    pub category: Option<Category>,
    /// With this severity.
    pub severity: Option<Severity>,
    /// Page offset.
    pub offset: u64,
    /// Page size.
    pub limit: u64,
}

fn nonempty(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

impl AlertFilter {
    /// Builds a filter from query parameters, with clear errors.
    pub fn from_params(
        since: Option<&str>,
        region: Option<&str>,
        category: Option<&str>,
        severity: Option<&str>,
        offset: Option<u64>,
        limit: Option<u64>,
    ) -> Result<AlertFilter, ApiError> {
        let bad = |m: String| ApiError::bad_request("bad_query", m);
        Ok(AlertFilter {
            since: nonempty(since)
                .map(Day::parse)
                .transpose()
                .map_err(|e| bad(e.to_string()))?,
            region: nonempty(region).map(String::from),
            category: nonempty(category)
                .map(|c| Category::parse(c).ok_or_else(|| bad(format!("unknown category '{c}'"))))
                .transpose()?,
            severity: nonempty(severity)
                .map(|s| Severity::parse(s).ok_or_else(|| bad(format!("unknown severity '{s}'"))))
                .transpose()?,
            offset: match offset.unwrap_or(0) {
                offset if offset <= MAX_OFFSET => offset,
                _ => return Err(bad(format!("offset: at most {MAX_OFFSET}"))),
            },
            limit: limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
        })
    }
}

/// A page of signed alerts (as published) and every matching retraction.
pub struct Page {
    /// Signed alert JSON, newest first.
    pub alerts: Vec<String>,
    /// Signed retraction JSON.
    pub retractions: Vec<String>,
    /// Whether more alerts follow.
    pub has_more: bool,
}

/// Reads one page.
pub async fn read_page(state: &AppState, filter: &AlertFilter) -> Result<Page, ApiError> {
    let since = filter.since.map(|d| d.to_string());
    let region = filter.region.clone();
    let category = filter.category.map(|c| c.as_str());
    let severity = filter.severity.map(|s| s.as_str());
    let (limit, offset) = (filter.limit, filter.offset);
    let (rows, retractions) = state
        .storage()
        .read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT a.signed_json FROM alerts a
                 WHERE a.hidden = 0
                   AND NOT EXISTS (SELECT 1 FROM retractions r WHERE r.alert_id = a.id AND r.hidden = 0)
                   AND (?1 IS NULL OR a.published_on >= ?1)
                   AND (?2 IS NULL OR a.region = ?2)
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM alert_categories k WHERE k.alert_id = a.id AND k.category = ?3))
                   AND (?4 IS NULL OR a.severity = ?4)
                 ORDER BY a.published_on DESC, a.id
                 LIMIT ?5 OFFSET ?6",
            )?;
            let rows = stmt
                .query_map(
                    rusqlite::params![since, region, category, severity, (limit + 1) as i64, offset as i64],
                    |r| r.get::<_, String>(0),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut stmt = c.prepare_cached(
                "SELECT signed_json FROM retractions WHERE hidden = 0 AND (?1 IS NULL OR retracted_on >= ?1) ORDER BY retracted_on DESC, alert_id",
            )?;
            let retractions = stmt
                .query_map([since], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((rows, retractions))
        })
        .await?;
    let has_more = rows.len() as u64 > limit;
    Ok(Page {
        alerts: rows.into_iter().take(limit as usize).collect(),
        retractions,
        has_more,
    })
}

/// One published, not retracted alert by id.
pub async fn read_one(state: &AppState, id: &str) -> Result<Option<String>, ApiError> {
    let id = id.to_string();
    Ok(state
        .storage()
        .read(move |c| {
            use rusqlite::OptionalExtension;
            c.query_row(
                "SELECT signed_json FROM alerts a WHERE id = ?1 AND a.hidden = 0 AND NOT EXISTS (SELECT 1 FROM retractions r WHERE r.alert_id = a.id AND r.hidden = 0)",
                [id],
                |r| r.get(0),
            )
            .optional()
        })
        .await?)
}

/// The alert inside signed JSON that this server verified when it was published.
pub fn alert_of(signed_json: &str) -> Option<Alert> {
    let value: serde_json::Value = serde_json::from_str(signed_json).ok()?;
    serde_json::from_value(value.get("alert")?.clone()).ok()
}
