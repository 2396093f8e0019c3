//! Statistics for advocacy: reports counted by category, month, region and severity
//! over a period (by the day the violence happened), printed as a table, written as
//! CSV, and drawn as self-contained SVG bar charts. Counts only: no text of any
//! report reaches the output.

use std::collections::BTreeMap;
use std::fmt::Write;

use jasmine_client::report::{Category, Report, Severity};
use jasmine_client::Day;

/// The counts over a period.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Reports in the period.
    pub total: usize,
    /// By category (a report with two categories counts in both).
    pub by_category: BTreeMap<Category, usize>,
    /// By month the violence happened (`YYYY-MM`).
    pub by_month: BTreeMap<String, usize>,
    /// By département or region (`FR-75`, or the country code alone).
    pub by_region: BTreeMap<String, usize>,
    /// By severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// By day the violence happened (for the daily chart; not in the CSV).
    pub by_day: BTreeMap<Day, usize>,
}

fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// The region a report counts under.
pub fn region_of(report: &Report) -> String {
    match report.place.region.as_deref().map(str::trim) {
        Some(region) if !region.is_empty() => {
            format!("{}-{}", report.place.country, region.to_uppercase())
        }
        _ => report.place.country.clone(),
    }
}

/// Counts the reports whose violence happened between `from` and `to` (inclusive).
pub fn count<'a>(reports: impl IntoIterator<Item = &'a Report>, from: Day, to: Day) -> Counts {
    let mut counts = Counts::default();
    for report in reports {
        let day = report.when.date;
        if day < from || day > to {
            continue;
        }
        counts.total += 1;
        for category in &report.categories {
            *counts.by_category.entry(*category).or_default() += 1;
        }
        *counts
            .by_month
            .entry(day.to_string()[..7].to_string())
            .or_default() += 1;
        *counts.by_region.entry(region_of(report)).or_default() += 1;
        *counts.by_severity.entry(report.severity).or_default() += 1;
        *counts.by_day.entry(day).or_default() += 1;
    }
    counts
}

impl Counts {
    /// Every (dimension, value, count) row, in a stable order.
    pub fn rows(&self) -> Vec<(&'static str, String, usize)> {
        let mut rows = vec![("total", "all".to_string(), self.total)];
        rows.extend(
            self.by_category
                .iter()
                .map(|(c, n)| ("category", c.as_str().to_string(), *n)),
        );
        rows.extend(self.by_month.iter().map(|(m, n)| ("month", m.clone(), *n)));
        rows.extend(
            self.by_region
                .iter()
                .map(|(r, n)| ("region", r.clone(), *n)),
        );
        rows.extend(
            self.by_severity
                .iter()
                .map(|(s, n)| ("severity", name(s), *n)),
        );
        rows
    }

    /// A table for the terminal.
    pub fn table(&self, from: Day, to: Day) -> String {
        let mut out = format!("Reports of violence from {from} to {to}: {}\n", self.total);
        let mut last = "";
        for (dimension, value, count) in self.rows().into_iter().skip(1) {
            if dimension != last {
                let _ = writeln!(out, "\n{dimension}");
                last = dimension;
            }
            // A region is the reporter's text: escaped for the terminal.
            let value = crate::display::escape(&value);
            let _ = writeln!(out, "  {value:<28} {count:>6}");
        }
        out
    }

    /// CSV: `dimension,value,count`.
    pub fn csv(&self) -> String {
        let mut out = String::from("dimension,value,count\n");
        for (dimension, value, count) in self.rows() {
            let _ = writeln!(out, "{dimension},{},{count}", csv_field(&value));
        }
        out
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A horizontal bar chart (one bar per label), self-contained SVG.
pub fn bar_chart(title: &str, bars: &[(String, usize)]) -> String {
    let width = 640;
    let label_width = 220;
    let row = 28;
    let top = 48;
    let height = top + row * bars.len().max(1) + 16;
    let max = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"14\" role=\"img\" aria-label=\"{}\">\n<title>{}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"8\" y=\"28\" font-size=\"18\" font-weight=\"bold\">{}</text>\n",
        xml(title),
        xml(title),
        xml(title)
    );
    let span = width - label_width - 60;
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = top + i * row;
        let length = span * n / max;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text><rect x=\"{label_width}\" y=\"{}\" width=\"{length}\" height=\"{}\" fill=\"#5b2a86\"/><text x=\"{}\" y=\"{}\">{n}</text>",
            label_width - 8,
            y + 18,
            xml(label),
            y + 4,
            row - 8,
            label_width + length + 6,
            y + 18
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// A column chart of reports per day over `from..=to` (every day has a column; the
/// first of each month is labelled), self-contained SVG.
pub fn daily_chart(title: &str, by_day: &BTreeMap<Day, usize>, from: Day, to: Day) -> String {
    let days = (from.days_until(to) + 1).clamp(1, 3660) as usize;
    let column = (900 / days).clamp(1, 24);
    let (left, top, plot) = (40, 48, 200);
    let width = left + column * days + 20;
    let height = top + plot + 40;
    let max = by_day.values().copied().max().unwrap_or(0).max(1);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"8\" y=\"28\" font-size=\"18\" font-weight=\"bold\">{t}</text>\n<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{max}</text>\n<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#8a8494\"/>\n",
        left - 4,
        top + 10,
        top + plot,
        width - 20,
        top + plot,
        t = xml(title),
    );
    for i in 0..days {
        let day = from.add_days(i as i64);
        let x = left + i * column;
        if let Some(n) = by_day.get(&day) {
            let h = plot * n / max;
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"{}\" height=\"{h}\" fill=\"#5b2a86\"><title>{day}: {n}</title></rect>",
                top + plot - h,
                column.saturating_sub(1).max(1)
            );
        }
        if day.date().day() == 1 {
            let _ = writeln!(
                svg,
                "<text x=\"{x}\" y=\"{}\">{}</text>",
                top + plot + 16,
                &day.to_string()[..7]
            );
        }
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(
        day: &str,
        categories: &[Category],
        region: Option<&str>,
        severity: Severity,
    ) -> Report {
        let mut r = Report::example(Day::parse(day).unwrap());
        r.categories = categories.to_vec();
        r.place.region = region.map(String::from);
        r.severity = severity;
        r
    }

    #[test]
    fn counts_follow_the_period_and_every_dimension() {
        let reports = [
            report(
                "2026-01-10",
                &[Category::Rape, Category::TheftOrNonPayment],
                Some("75"),
                Severity::VeryDangerous,
            ),
            report(
                "2026-01-20",
                &[Category::TheftOrNonPayment],
                Some("13"),
                Severity::Risky,
            ),
            report(
                "2026-02-01",
                &[Category::CondomRemoval],
                None,
                Severity::Dangerous,
            ),
            report("2025-12-31", &[Category::Rape], Some("75"), Severity::Risky),
        ];
        let counts = count(
            &reports,
            Day::parse("2026-01-01").unwrap(),
            Day::parse("2026-12-31").unwrap(),
        );
        assert_eq!(counts.total, 3);
        assert_eq!(counts.by_category[&Category::TheftOrNonPayment], 2);
        assert_eq!(counts.by_category[&Category::Rape], 1);
        assert_eq!(counts.by_month["2026-01"], 2);
        assert_eq!(counts.by_region["FR-75"], 1);
        assert_eq!(counts.by_region["FR"], 1);
        assert_eq!(counts.by_severity[&Severity::Risky], 1);
        let csv = counts.csv();
        assert!(
            csv.starts_with("dimension,value,count\ntotal,all,3\n"),
            "{csv}"
        );
        assert!(csv.contains("category,theft_or_non_payment,2\n"));
        let svg = bar_chart(
            "Catégories <2026>",
            &[("rape".into(), 1), ("theft".into(), 2)],
        );
        assert!(svg.contains("&lt;2026&gt;") && svg.matches("<rect").count() == 3);
        let daily = daily_chart(
            "Par jour",
            &counts.by_day,
            Day::parse("2026-01-01").unwrap(),
            Day::parse("2026-02-28").unwrap(),
        );
        assert_eq!(
            daily.matches("<rect").count(),
            1 + 3,
            "a white background and three days"
        );
        assert!(daily.contains("2026-01-10: 1") && daily.contains(">2026-02<"));
    }
}
