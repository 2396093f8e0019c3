//! Reports printed for people (English labels for now; the site's translations come
//! with the web interface).

use std::fmt::Write;

use jasmine_client::report::{FollowUp, Report};
use serde::Serialize;

/// The snake_case protocol name of an enum value.
fn name<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// A report as readable text.
pub fn report_text(id: &str, r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Report {id}");
    let _ = writeln!(out, "  language:    {}", r.language);
    let part = r
        .when
        .part_of_day
        .map(|p| format!(", {}", name(&p)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  when:        {} ({}{part})",
        r.when.date,
        name(&r.when.precision)
    );
    let place = [
        r.place.city.as_deref(),
        r.place.region.as_deref(),
        Some(r.place.country.as_str()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(", ");
    let _ = writeln!(out, "  where:       {place} ({})", name(&r.place.setting));
    let categories: Vec<_> = r.categories.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(out, "  what:        {}", categories.join(", "));
    let _ = writeln!(out, "  severity:    {}", r.severity.as_str());
    let a = &r.aggressor;
    if !a.description.is_empty() {
        let _ = writeln!(out, "  aggressor:   {}", a.description);
    }
    for (label, list) in [
        ("phones", &a.phones),
        ("handles", &a.handles),
        ("plates", &a.plates),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "  {label:<12} {}", list.join(", "));
        }
    }
    if let Some(v) = &a.vehicle {
        let _ = writeln!(out, "  vehicle:     {v}");
    }
    let follow = match &r.follow_up {
        FollowUp::None => "none".to_string(),
        FollowUp::Contact { details } => format!("contact: {details}"),
        FollowUp::Codename { .. } => {
            "codename (anonymous): answer with `jasmine-keys reply`".to_string()
        }
    };
    let _ = writeln!(out, "  follow-up:   {follow}");
    let _ = writeln!(
        out,
        "  publish:     {}",
        if r.consent_to_publish {
            "yes, as a sanitized alert"
        } else {
            "NO: do not publish"
        }
    );
    let _ = writeln!(out, "  account:");
    for line in r.narrative.lines() {
        let _ = writeln!(out, "    {line}");
    }
    out
}
