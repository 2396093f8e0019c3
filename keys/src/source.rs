//! Where the offline commands find reports and mailbox messages: the **desk** of the
//! air-gapped flow (`--desk`, see [`crate::desk`]), or an inbox **folder** written by
//! `pull --inbox` on a single machine (demos and small set-ups). Both hold ciphertext
//! only; reports are decrypted in memory when a command needs them. A desk's
//! unreadable reports and messages (set aside on import) are left out of every listing.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use jasmine_client::report::Report;
use jasmine_client::Day;

use crate::desk::Desk;
use crate::keyfiles::OfflineKeys;
use crate::matching::{self, Kind};
use crate::opening::Conversations;

/// `--inbox` or `--desk`.
#[derive(Args, Clone, Debug)]
pub struct SourceArgs {
    /// Inbox folder (single-machine flow).
    #[arg(long, default_value = "inbox")]
    pub inbox: PathBuf,
    /// Your desk (air-gapped flow): reports imported from inbox files.
    #[arg(long)]
    pub desk: Option<PathBuf>,
}

/// An open source of reports.
pub enum Source {
    /// An inbox folder.
    Folder(PathBuf),
    /// A desk.
    Desk(Box<Desk>),
}

impl SourceArgs {
    /// Opens the desk (with the moderator's key) or names the folder.
    pub fn open(&self, keys: &OfflineKeys) -> Result<Source> {
        Ok(match &self.desk {
            Some(dir) => Source::Desk(Box::new(Desk::open(dir, keys, None)?)),
            None => Source::Folder(self.inbox.clone()),
        })
    }
}

impl Source {
    /// Decrypts one report.
    pub fn open_report(&self, id: &str, keys: &OfflineKeys) -> Result<Report> {
        match self {
            Source::Folder(dir) => crate::inbox::open_report(dir, id, keys),
            Source::Desk(desk) => {
                if !jasmine_client::alert::is_alert_id(id) {
                    bail!(
                        "'{id}' is not a report id (32 hex characters; see `jasmine-keys cases`)"
                    );
                }
                desk.read_report(id, keys)
            }
        }
    }

    /// A report's attachments file, if it has one (`docs/PROTOCOL.md` §4.12).
    pub fn attachments_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Source::Folder(dir) => crate::inbox::attachments_file(dir, id),
            Source::Desk(desk) => desk.attachments_file(id),
        }
    }

    /// A mailbox message's attachments file, if it has one (an answer with images).
    pub fn message_attachments_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        match self {
            Source::Folder(dir) => crate::inbox::message_attachments_file(dir, id),
            Source::Desk(desk) => desk.message_attachments_file(id),
        }
    }

    /// Report ids with the day received, oldest first (on a desk, the readable ones).
    pub fn reports(&self) -> Result<Vec<(String, Day)>> {
        match self {
            Source::Folder(dir) => Ok(crate::inbox::entries(dir)?
                .into_iter()
                .map(|e| (e.id, e.received_on))
                .collect()),
            Source::Desk(desk) => Ok(desk.readable_cases()),
        }
    }

    /// Every conversation, by mailbox id, oldest message first.
    pub fn conversations(&self, keys: &OfflineKeys) -> Result<Conversations> {
        match self {
            Source::Folder(dir) => {
                // A folder keeps no bundle: replies read unverified; answers are checked
                // against the answer keys of the reports in it.
                let mut trust = crate::opening::Trust::default();
                for (id, _) in self.reports()? {
                    if let Ok(report) = self.open_report(&id, keys) {
                        trust.add_report(&report);
                    }
                }
                crate::inbox::conversations(dir, keys, &trust)
            }
            Source::Desk(desk) => {
                let (conversations, unreadable) = desk.open_conversations(keys);
                crate::display::warn_skipped(&unreadable);
                Ok(conversations)
            }
        }
    }

    /// The desk, for commands that change it.
    pub fn desk_mut(&mut self) -> Option<&mut Desk> {
        match self {
            Source::Desk(desk) => Some(desk),
            Source::Folder(_) => None,
        }
    }
}

/// Who shares an identifier.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A report, by (day received, id).
    Report(Day, String),
    /// A published alert, by (day published, id).
    Alert(Day, String),
}

/// Every report and published alert with its aggressor identifiers.
pub fn subjects(
    source: &Source,
    reports: &[(String, Day, Report)],
) -> Vec<(Subject, Vec<(Kind, String)>)> {
    let mut subjects: Vec<_> = reports
        .iter()
        .map(|(id, day, r)| {
            (
                Subject::Report(*day, id.clone()),
                matching::of_report(&r.aggressor, &r.place.country),
            )
        })
        .collect();
    if let Source::Desk(desk) = source {
        subjects.extend(desk.state.alerts.values().map(|a| {
            (
                Subject::Alert(a.published, a.id.clone()),
                matching::of_alert(&a.aggressor, &a.country),
            )
        }));
    }
    subjects
}
