//! Privacy-safe metrics for the operator (`docs/DEPLOY.md`, "Metrics"): counters and
//! gauges in Prometheus' text format, served at `GET /metrics` on the loopback listener
//! only (never on the onion service).
//!
//! Nothing here identifies anyone or dates anyone's writing more finely than the
//! scraper's own interval: counts of anonymous writes by path and outcome (accepted, or
//! the refusal's stable code), storage used against each budget, the writer's queue,
//! the places for uploads in use, the puzzle's difficulty, and whether the onion
//! service was started. No id, no size of a single write, no time. Counters start at 0
//! with the process (Prometheus' `increase()` handles restarts); "per day" is the
//! scraper's `increase(…[1d])`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// The anonymous write paths counted, by the label they get.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WritePath {
    /// `POST /v1/reports`.
    Report,
    /// `POST /v1/mailbox/answer`.
    Answer,
    /// `POST /v1/check`.
    Check,
    /// `POST /<lang>/r`, the report form without JavaScript.
    ReportNoJs,
    /// `POST /<lang>/m`, the replies page without JavaScript.
    RepliesNoJs,
    /// `POST /<lang>/c`, the check page without JavaScript.
    CheckNoJs,
}

impl WritePath {
    /// Its label.
    pub fn as_str(self) -> &'static str {
        match self {
            WritePath::Report => "report",
            WritePath::Answer => "answer",
            WritePath::Check => "check",
            WritePath::ReportNoJs => "report_nojs",
            WritePath::RepliesNoJs => "replies_nojs",
            WritePath::CheckNoJs => "check_nojs",
        }
    }

    /// The path counted for a request, if it is one.
    pub fn of(method: &axum::http::Method, path: &str) -> Option<WritePath> {
        if method != axum::http::Method::POST {
            return None;
        }
        match path {
            "/v1/reports" => return Some(WritePath::Report),
            "/v1/mailbox/answer" => return Some(WritePath::Answer),
            "/v1/check" => return Some(WritePath::Check),
            _ => {}
        }
        let mut parts = path.trim_start_matches('/').split('/');
        let (Some(lang), Some(page), None) = (parts.next(), parts.next(), parts.next()) else {
            return None;
        };
        if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
            return None;
        }
        match page {
            "r" => Some(WritePath::ReportNoJs),
            "m" => Some(WritePath::RepliesNoJs),
            "c" => Some(WritePath::CheckNoJs),
            _ => None,
        }
    }
}

/// The stable code of a refusal, which `ApiError` leaves on its response for the
/// counters (never sent to the client: extensions stay in the process).
#[derive(Clone, Copy, Debug)]
pub struct RefusalCode(pub &'static str);

/// The outcome label of a response: `accepted`, the refusal's code, or `http_<status>`.
pub fn outcome(status: axum::http::StatusCode, code: Option<RefusalCode>) -> String {
    match code {
        Some(RefusalCode(code)) => code.to_string(),
        None if status.is_success() => "accepted".to_string(),
        None => format!("http_{}", status.as_u16()),
    }
}

/// The counters kept in memory.
#[derive(Default)]
pub struct Metrics {
    writes: Mutex<BTreeMap<(WritePath, String), u64>>,
}

impl Metrics {
    /// Counts one write on `path` with `outcome`.
    pub fn count_write(&self, path: WritePath, outcome: String) {
        *self
            .writes
            .lock()
            .expect("metrics")
            .entry((path, outcome))
            .or_default() += 1;
    }

    /// The write counters as Prometheus text.
    pub fn write_counters(&self, out: &mut String) {
        help(
            out,
            "jasmine_writes_total",
            "counter",
            "Anonymous writes since the server started, by path and outcome (accepted, or the refusal's code).",
        );
        for ((path, outcome), count) in self.writes.lock().expect("metrics").iter() {
            let _ = writeln!(
                out,
                "jasmine_writes_total{{path=\"{}\",outcome=\"{}\"}} {count}",
                path.as_str(),
                label(outcome)
            );
        }
    }
}

/// `# HELP` and `# TYPE` lines.
pub fn help(out: &mut String, name: &str, kind: &str, text: &str) {
    let _ = writeln!(out, "# HELP {name} {text}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One gauge line with labels (`[(name, value)]`).
pub fn gauge(out: &mut String, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
    let labels: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", label(v)))
        .collect();
    if labels.is_empty() {
        let _ = writeln!(out, "{name} {value}");
    } else {
        let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
    }
}

/// A label value as Prometheus reads it (our values are codes: escape anyway).
fn label(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{Method, StatusCode};

    #[test]
    fn only_anonymous_writes_are_counted_by_path() {
        let post = Method::POST;
        assert_eq!(WritePath::of(&post, "/v1/reports"), Some(WritePath::Report));
        assert_eq!(WritePath::of(&post, "/fr/r"), Some(WritePath::ReportNoJs));
        assert_eq!(WritePath::of(&post, "/ar/m"), Some(WritePath::RepliesNoJs));
        assert_eq!(WritePath::of(&Method::GET, "/v1/reports"), None);
        for other in ["/v1/mod/alerts", "/fr/r/ok", "/FR/r", "/fra/r", "/v1/keys"] {
            assert_eq!(WritePath::of(&post, other), None, "{other}");
        }
        assert_eq!(outcome(StatusCode::CREATED, None), "accepted");
        assert_eq!(
            outcome(StatusCode::CONFLICT, Some(RefusalCode("puzzle_expired"))),
            "puzzle_expired"
        );
        assert_eq!(outcome(StatusCode::SERVICE_UNAVAILABLE, None), "http_503");
        let metrics = Metrics::default();
        metrics.count_write(WritePath::Report, "accepted".into());
        metrics.count_write(WritePath::Report, "accepted".into());
        let mut out = String::new();
        metrics.write_counters(&mut out);
        assert!(out.contains("jasmine_writes_total{path=\"report\",outcome=\"accepted\"} 2"));
    }
}
