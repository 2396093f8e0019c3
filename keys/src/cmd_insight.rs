//! Offline views across reports: `match` (repeat aggressors) and `stats` (figures for
//! advocacy). Both decrypt in memory and write no report text anywhere.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use jasmine_client::report::Report;
use jasmine_client::Day;

use crate::matching;
use crate::source::{subjects, Source, SourceArgs, Subject};
use crate::stats;
use crate::{display, files, keyfiles, PassphraseArg};

fn open(
    source: &SourceArgs,
    key: &std::path::Path,
    passphrase: &PassphraseArg,
) -> Result<(keyfiles::OfflineKeys, Source)> {
    let keys = passphrase.offline_keys(key)?;
    let source = source.open(&keys)?;
    Ok((keys, source))
}

fn all_reports(
    source: &Source,
    keys: &keyfiles::OfflineKeys,
) -> Result<Vec<(String, Day, Report)>> {
    let mut out = Vec::new();
    for (id, received_on) in source.reports()? {
        match source.open_report(&id, keys) {
            Ok(report) => out.push((id, received_on, report)),
            Err(e) => eprintln!(
                "warning: {}; left out",
                display::escape_lines(&format!("{e:#}"))
            ),
        }
    }
    Ok(out)
}

/// `match`.
#[derive(Args)]
pub struct MatchArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn run_match(args: MatchArgs) -> Result<()> {
    let (keys, source) = open(&args.source, &args.key, &args.passphrase)?;
    let reports = all_reports(&source, &keys)?;
    let groups = matching::shared(&subjects(&source, &reports));
    if groups.is_empty() {
        println!("No aggressor appears in more than one report or alert.");
        return Ok(());
    }
    for ((kind, value), who) in &groups {
        println!(
            "Same {} {}:",
            kind.label(),
            display::escape(value.trim_start_matches("digits:"))
        );
        for subject in who {
            match subject {
                Subject::Report(day, id) => {
                    let place = reports
                        .iter()
                        .find(|(i, _, _)| i == id)
                        .map(|(_, _, r)| stats::region_of(r))
                        .unwrap_or_default();
                    println!("  report {id}  received {day}  {}", display::escape(&place));
                }
                Subject::Alert(day, id) => {
                    println!("  alert  {}  published {day}", display::escape(id))
                }
            }
        }
    }
    println!("{} identifier(s) shared.", groups.len());
    Ok(())
}

/// `stats`.
#[derive(Args)]
pub struct StatsArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Your offline key file (<id>.offline.age).
    #[arg(long)]
    key: PathBuf,
    /// First day of the period (by the day the violence happened).
    #[arg(long)]
    from: String,
    /// Last day of the period.
    #[arg(long)]
    to: String,
    /// Write the figures as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Write SVG charts (months.svg, categories.svg, days.svg) into this folder.
    #[arg(long)]
    charts: Option<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArg,
}

pub fn run_stats(args: StatsArgs) -> Result<()> {
    let from = Day::parse(&args.from).context("--from must be a day, YYYY-MM-DD")?;
    let to = Day::parse(&args.to).context("--to must be a day, YYYY-MM-DD")?;
    if to < from {
        anyhow::bail!("--to ({to}) is before --from ({from})");
    }
    let (keys, source) = open(&args.source, &args.key, &args.passphrase)?;
    let reports = all_reports(&source, &keys)?;
    let counts = stats::count(reports.iter().map(|(_, _, r)| r), from, to);
    print!("{}", counts.table(from, to));
    if let Some(path) = &args.csv {
        files::write_file(path, counts.csv().as_bytes(), 0o644, true)?;
        println!("\nCSV written to {}.", path.display());
    }
    if let Some(dir) = &args.charts {
        let months: Vec<_> = counts
            .by_month
            .iter()
            .map(|(m, n)| (m.clone(), *n))
            .collect();
        let categories: Vec<_> = counts
            .by_category
            .iter()
            .map(|(c, n)| (c.as_str().replace('_', " "), *n))
            .collect();
        files::write_file(
            &dir.join("months.svg"),
            stats::bar_chart(&format!("Reports per month, {from} to {to}"), &months).as_bytes(),
            0o644,
            true,
        )?;
        files::write_file(
            &dir.join("categories.svg"),
            stats::bar_chart(&format!("Reports by category, {from} to {to}"), &categories)
                .as_bytes(),
            0o644,
            true,
        )?;
        files::write_file(
            &dir.join("days.svg"),
            stats::daily_chart(
                &format!("Reports per day, {from} to {to}"),
                &counts.by_day,
                from,
                to,
            )
            .as_bytes(),
            0o644,
            true,
        )?;
        println!(
            "Charts written to {} (months.svg, categories.svg, days.svg).",
            dir.display()
        );
    }
    Ok(())
}
