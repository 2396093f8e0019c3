//! The moderator's desk on the offline machine: a folder holding the ciphertexts as
//! received (`reports/<id>.age`, `messages/<id>.age`) and the **case list**
//! (`cases.age`): each report's status, notes and decisions, the inbox files already
//! taken, and what waits for the next outbox. The case list is age-encrypted to the
//! moderator's own key, so nothing decrypted is ever on disk; it is rewritten
//! atomically after every change.
//!
//! Anyone can post to the anonymous server, so every new report and message is opened
//! on import (see [`crate::opening`]); one that does not open is set aside as
//! **unreadable** (status `unreadable`, with the reason only): it never reaches review
//! or any listing, and [`Desk::discard_unreadable`] deletes it. Its acknowledgement is
//! still queued, so the server deletes the junk too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::identifier::Kind;
use jasmine_client::keys::PublicKey;
use jasmine_client::report::Report;
use jasmine_client::wire::{MessageFrom, PendingMessage, PendingReport};
use jasmine_client::{envelope, Day};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::airgap::{self, Acknowledgements, Inbox, Outbox, OutboxReply};
use crate::keyfiles::OfflineKeys;
use crate::opening::{self, Conversations, Trust, Unopened, Unreadable};
use crate::{check_list, files};

/// Where a case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not looked at yet.
    New,
    /// Opened, no decision yet.
    InReview,
    /// An alert was signed from it.
    Published,
    /// A reply was sent to the reporter.
    Answered,
    /// Nothing more to do (archived).
    Closed,
    /// Set aside: it does not decrypt, or is not a valid report (see `why_unreadable`).
    Unreadable,
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::InReview,
        Status::Published,
        Status::Answered,
        Status::Closed,
        Status::Unreadable,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InReview => "in_review",
            Status::Published => "published",
            Status::Answered => "answered",
            Status::Closed => "closed",
            Status::Unreadable => "unreadable",
        }
    }

    /// Parses the snake_case name.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A moderator's note on a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Day written.
    pub on: Day,
    /// The note.
    pub text: String,
}

/// One report on the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    /// Day the server received it.
    pub received_on: Day,
    /// Bundle version it was encrypted under.
    pub bundle_version: u64,
    /// Where it stands.
    pub status: Status,
    /// Notes, oldest first.
    #[serde(default)]
    pub notes: Vec<Note>,
    /// Alerts signed from it.
    #[serde(default)]
    pub alerts: Vec<String>,
    /// Replies sealed to its reporter.
    #[serde(default)]
    pub replies: u32,
    /// Why it was set aside, when its status is `unreadable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_unreadable: Option<Unreadable>,
}

impl Case {
    /// Whether it was set aside as unreadable.
    pub fn is_unreadable(&self) -> bool {
        self.status == Status::Unreadable
    }
}

/// One mailbox message on the desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEntry {
    /// Day posted (or written, for a reply sealed here).
    pub posted_on: Day,
    /// Who wrote it.
    pub from: MessageFrom,
    /// Order of arrival on this desk.
    pub order: u64,
    /// Why it was set aside as unreadable, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<Unreadable>,
}

/// What an import took.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// New reports (readable or not).
    pub reports: usize,
    /// New mailbox messages (readable or not).
    pub messages: usize,
    /// Of the new reports, those set aside as unreadable.
    pub unreadable_reports: usize,
    /// Of the new messages, those set aside as unreadable.
    pub unreadable_messages: usize,
    /// Published alerts carried by the file whose signature does not verify against
    /// the bundle: not kept.
    pub unverified_alerts: usize,
    /// What the server's evaluations for the check list gave.
    pub check: check_list::Taken,
}

impl ImportCounts {
    /// New reports and messages set aside.
    pub fn unreadable(&self) -> usize {
        self.unreadable_reports + self.unreadable_messages
    }
}

/// What was discarded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Discarded {
    /// Unreadable reports.
    pub reports: usize,
    /// Unreadable mailbox messages.
    pub messages: usize,
}

/// A readable case, opened.
pub struct OpenCase {
    /// Report id.
    pub id: String,
    /// Day received.
    pub received_on: Day,
    /// The report.
    pub report: Report,
}

/// An inbox file already taken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    /// Its id.
    pub file_id: String,
    /// Day it was written.
    pub created_on: Day,
    /// Day it was taken.
    pub imported_on: Day,
}

/// What waits for the next outbox file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Signed alerts.
    pub alerts: Vec<Value>,
    /// Signed retractions.
    pub retractions: Vec<Value>,
    /// Sealed replies.
    pub replies: Vec<OutboxReply>,
    /// Signed check-list entries.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_entries: Vec<Value>,
    /// Acknowledgements.
    pub acknowledge: Acknowledgements,
}

impl Pending {
    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
            && self.retractions.is_empty()
            && self.replies.is_empty()
            && self.check_entries.is_empty()
            && self.acknowledge.reports.is_empty()
            && self.acknowledge.messages.is_empty()
    }
}

/// The case list, as encrypted in `cases.age`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// Always 1.
    pub format: u32,
    /// The organisation's root public key.
    pub organisation_key: PublicKey,
    /// Whose desk this is.
    pub moderator: String,
    /// Inbox files taken.
    pub imported: Vec<Imported>,
    /// Outbox files written (ids).
    pub exported: Vec<String>,
    /// Reports, by id.
    pub cases: BTreeMap<String, Case>,
    /// Mailbox messages, by id.
    pub messages: BTreeMap<String, MessageEntry>,
    /// What waits for the next outbox.
    pub pending: Pending,
    /// Published alerts known to the desk (from inbox files, verified), by id.
    #[serde(default)]
    pub alerts: BTreeMap<String, jasmine_client::alert::Alert>,
    /// The highest key bundle version an import was checked against (an older
    /// bundle is refused after it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub highest_bundle: Option<u64>,
    /// Every key bundle an import was checked against (verified against the root key
    /// then), by version: moderators' replies are verified against them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub bundles: BTreeMap<u64, jasmine_client::bundle::KeyBundle>,
    /// Identifiers for the check list, blinded, waiting for the server's evaluation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check_waiting: Vec<check_list::Waiting>,
}

/// An open desk. It holds the desk's lock: a second `jasmine-keys` cannot open it
/// meanwhile.
pub struct Desk {
    _lock: files::FolderLock,
    dir: PathBuf,
    identity: age::x25519::Identity,
    /// The case list.
    pub state: State,
}

const CASES_FILE: &str = "cases.age";

impl Desk {
    /// Opens the desk in `dir`, or creates it there for `organisation` when `create`
    /// is given and no desk exists yet.
    pub fn open(dir: &Path, keys: &OfflineKeys, create: Option<&PublicKey>) -> Result<Desk> {
        let (identity, moderator) = (&keys.age_identity, keys.id.as_str());
        let path = dir.join(CASES_FILE);
        if !path.exists() && create.is_none() {
            bail!(
                "no desk in {} yet: `jasmine-keys import <inbox file> --desk {}` creates it",
                dir.display(),
                dir.display()
            );
        }
        // Locked before the case list is read: what is read is what the other left.
        let lock = files::lock_folder(dir, "the desk")?;
        let state = if path.exists() {
            let sealed = files::read_file(&path)?;
            let plain = keys
                .try_each(|identity| envelope::open(&sealed, identity))
                .map_err(|_| {
                    anyhow::anyhow!(
                    "{} cannot be opened with this key: it is another moderator's desk, or damaged",
                    path.display()
                )
                })?;
            let state: State = serde_json::from_slice(&plain)
                .with_context(|| format!("{} is damaged", path.display()))?;
            if state.moderator != moderator {
                bail!(
                    "{} is {}'s desk, not {moderator}'s",
                    dir.display(),
                    state.moderator
                );
            }
            state
        } else {
            // (No desk and nothing to create it for was refused above.)
            let organisation = create.context("no desk")?;
            State {
                format: 1,
                organisation_key: *organisation,
                moderator: moderator.to_string(),
                imported: Vec::new(),
                exported: Vec::new(),
                cases: BTreeMap::new(),
                messages: BTreeMap::new(),
                pending: Pending::default(),
                alerts: BTreeMap::new(),
                highest_bundle: None,
                bundles: BTreeMap::new(),
                check_waiting: Vec::new(),
            }
        };
        Ok(Desk {
            _lock: lock,
            dir: dir.to_path_buf(),
            identity: identity.clone(),
            state,
        })
    }

    /// Encrypts the case list to the moderator and writes it atomically.
    pub fn save(&self) -> Result<()> {
        let json = Zeroizing::new(serde_json::to_vec(&self.state)?);
        let sealed = envelope::seal(&json, &[self.identity.to_public()])?;
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        files::write_file(&self.dir.join(CASES_FILE), &sealed, 0o600, true)
    }

    fn report_path(&self, id: &str) -> PathBuf {
        self.dir.join("reports").join(format!("{id}.age"))
    }

    fn attachments_path(&self, id: &str) -> PathBuf {
        self.dir
            .join("reports")
            .join(format!("{id}.attachments.age"))
    }

    /// A readable case's attachments file, if it has one.
    pub fn attachments_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        self.readable_case(id)?;
        let path = self.attachments_path(id);
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(files::read_file(&path)?))
    }

    fn message_path(&self, id: &str) -> PathBuf {
        self.dir.join("messages").join(format!("{id}.age"))
    }

    fn message_attachments_path(&self, id: &str) -> PathBuf {
        self.dir
            .join("messages")
            .join(format!("{id}.attachments.age"))
    }

    /// A readable mailbox message's attachments file, if it has one (an answer with
    /// images).
    pub fn message_attachments_file(&self, id: &str) -> Result<Option<Vec<u8>>> {
        match self.state.messages.get(id) {
            Some(entry) if entry.unreadable.is_none() => {}
            Some(_) => bail!("message {id} was set aside as unreadable; its images are not opened"),
            None => bail!(
                "no message {id} on the desk (`show <report id>` lists a conversation's messages)"
            ),
        }
        let path = self.message_attachments_path(id);
        if !path.exists() {
            return Ok(None);
        }
        Ok(Some(files::read_file(&path)?))
    }

    /// The case, if it is on the desk and readable; otherwise an error that says why not.
    pub fn readable_case(&self, id: &str) -> Result<&Case> {
        let case =
            self.state.cases.get(id).with_context(|| {
                format!("no report {id} on the desk (see `jasmine-keys cases`)")
            })?;
        refuse_unreadable(id, case)?;
        Ok(case)
    }

    /// Decrypts and checks a readable case's report.
    pub fn read_report(&self, id: &str, keys: &OfflineKeys) -> Result<Report> {
        self.readable_case(id)?;
        self.open_report(id, keys)
            .map_err(|why| anyhow::anyhow!("report {id} cannot be read: {why}"))
    }

    fn open_report(&self, id: &str, keys: &OfflineKeys) -> Result<Report, Unreadable> {
        let ciphertext =
            files::read_file(&self.report_path(id)).map_err(|_| Unreadable::FileMissing)?;
        opening::report(&ciphertext, keys)
    }

    /// Opens every readable case, oldest first. A case that fails to open, for any
    /// reason, is set aside as unreadable and returned apart, so that no single
    /// report can stop a review.
    pub fn open_cases(&mut self, keys: &OfflineKeys) -> (Vec<OpenCase>, Unopened) {
        let (mut opened, mut set_aside) = (Vec::new(), Vec::new());
        for (id, received_on) in self.readable_cases() {
            match self.open_report(&id, keys) {
                Ok(report) => opened.push(OpenCase {
                    id,
                    received_on,
                    report,
                }),
                Err(why) => {
                    self.set_aside(&id, why);
                    set_aside.push((id, why));
                }
            }
        }
        (opened, set_aside)
    }

    /// The ids of the readable cases with the day received, oldest first.
    pub fn readable_cases(&self) -> Vec<(String, Day)> {
        let mut all: Vec<_> = self
            .state
            .cases
            .iter()
            .filter(|(_, c)| !c.is_unreadable())
            .map(|(id, c)| (id.clone(), c.received_on))
            .collect();
        all.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        all
    }

    /// Marks a case unreadable, keeping only the reason.
    pub fn set_aside(&mut self, id: &str, why: Unreadable) {
        if let Some(case) = self.state.cases.get_mut(id) {
            case.status = Status::Unreadable;
            case.why_unreadable = Some(why);
        }
    }

    /// Deletes the ciphertext of every unreadable report and message and drops them
    /// from the case list. Their acknowledgements stay queued for the outbox.
    pub fn discard_unreadable(&mut self) -> Result<Discarded> {
        let reports: Vec<String> = self
            .state
            .cases
            .iter()
            .filter(|(_, c)| c.is_unreadable())
            .map(|(id, _)| id.clone())
            .collect();
        let messages: Vec<String> = self
            .state
            .messages
            .iter()
            .filter(|(_, m)| m.unreadable.is_some())
            .map(|(id, _)| id.clone())
            .collect();
        for id in &reports {
            remove_if_present(&self.attachments_path(id))?;
            remove_if_present(&self.report_path(id))?;
            self.state.cases.remove(id);
        }
        for id in &messages {
            remove_if_present(&self.message_attachments_path(id))?;
            remove_if_present(&self.message_path(id))?;
            self.state.messages.remove(id);
        }
        Ok(Discarded {
            reports: reports.len(),
            messages: messages.len(),
        })
    }

    /// What messages are checked against: the bundles imported, and the answer key of
    /// every readable report (opened for it).
    pub fn trust(&self, keys: &OfflineKeys) -> Trust {
        let mut trust = Trust {
            bundles: self.state.bundles.values().rev().cloned().collect(),
            ..Trust::default()
        };
        for (id, _) in self.readable_cases() {
            if let Ok(report) = self.open_report(&id, keys) {
                trust.add_report(&report);
            }
        }
        trust
    }

    /// Every readable mailbox message, opened, checked against [`Desk::trust`] and
    /// grouped by mailbox, in the order they reached the desk; those that fail to open
    /// or to check, for any reason, come apart.
    pub fn open_conversations(&self, keys: &OfflineKeys) -> (Conversations, Unopened) {
        let mut entries: Vec<_> = self
            .state
            .messages
            .iter()
            .filter(|(_, m)| m.unreadable.is_none())
            .collect();
        entries.sort_by_key(|(_, m)| (m.posted_on, m.order));
        let mut missing = Vec::new();
        let ciphertexts: Vec<_> = entries
            .into_iter()
            .filter_map(|(id, m)| match files::read_file(&self.message_path(id)) {
                Ok(bytes) => Some((id.clone(), Some(m.from), bytes)),
                Err(_) => {
                    missing.push((id.clone(), Unreadable::FileMissing));
                    None
                }
            })
            .collect();
        let (conversations, mut unreadable) =
            opening::conversations(ciphertexts, keys, &self.trust(keys));
        unreadable.extend(missing);
        (conversations, unreadable)
    }

    /// Marks a mailbox message unreadable, keeping only the reason.
    pub fn set_message_aside(&mut self, id: &str, why: Unreadable) {
        if let Some(message) = self.state.messages.get_mut(id) {
            message.unreadable = Some(why);
        }
    }

    /// Keeps a mailbox message (a reply sealed here, or one imported).
    pub fn add_message(
        &mut self,
        id: &str,
        posted_on: Day,
        from: MessageFrom,
        ciphertext: &[u8],
    ) -> Result<bool> {
        if self.state.messages.contains_key(id) {
            return Ok(false);
        }
        files::write_file(&self.message_path(id), ciphertext, 0o600, true)?;
        let order = self.state.messages.len() as u64;
        self.state.messages.insert(
            id.to_string(),
            MessageEntry {
                posted_on,
                from,
                order,
                unreadable: None,
            },
        );
        Ok(true)
    }

    /// Takes an inbox file (whose signature the caller has checked): stores its
    /// ciphertexts, opens a case per new report, and queues their acknowledgements.
    /// Every new report and message is opened with `keys`; one that does not open is
    /// set aside as unreadable. The published alerts are kept only if their signature
    /// verifies against `bundle`. Refuses a file already taken.
    pub fn import(
        &mut self,
        inbox: &Inbox,
        keys: &OfflineKeys,
        bundle: &jasmine_client::bundle::KeyBundle,
    ) -> Result<ImportCounts> {
        if let Some(done) = self
            .state
            .imported
            .iter()
            .find(|i| i.file_id == inbox.file_id)
        {
            bail!(
                "this inbox file was already imported on {} (file {}); nothing was taken twice",
                done.imported_on,
                inbox.file_id
            );
        }
        let mut counts = ImportCounts::default();
        for report in &inbox.reports {
            if !jasmine_client::alert::is_alert_id(&report.id) {
                bail!("the inbox file holds a malformed report id; nothing was taken");
            }
            let ciphertext = STANDARD
                .decode(&report.ciphertext)
                .context("the inbox file holds a damaged ciphertext; nothing was taken")?;
            let attachments = match &report.attachments {
                Some(text) => Some(STANDARD.decode(text).context(
                    "the inbox file holds a damaged attachments file; nothing was taken",
                )?),
                None => None,
            };
            if !self.state.cases.contains_key(&report.id) {
                if let Some(file) = &attachments {
                    files::write_file(&self.attachments_path(&report.id), file, 0o600, true)?;
                }
                files::write_file(&self.report_path(&report.id), &ciphertext, 0o600, true)?;
                let why_unreadable = opening::report(&ciphertext, keys).err();
                self.state.cases.insert(
                    report.id.clone(),
                    Case {
                        received_on: report.received_on,
                        bundle_version: report.bundle_version,
                        status: match why_unreadable {
                            Some(_) => Status::Unreadable,
                            None => Status::New,
                        },
                        notes: Vec::new(),
                        alerts: Vec::new(),
                        replies: 0,
                        why_unreadable,
                    },
                );
                counts.reports += 1;
                counts.unreadable_reports += usize::from(why_unreadable.is_some());
            }
            push_unique(&mut self.state.pending.acknowledge.reports, &report.id);
        }
        // Messages are checked against this bundle too, and the answer keys of every
        // report, those just taken included.
        self.state.bundles.insert(bundle.version, bundle.clone());
        let trust = self.trust(keys);
        for message in &inbox.messages {
            if !jasmine_client::alert::is_alert_id(&message.id) {
                bail!("the inbox file holds a malformed message id; nothing was taken");
            }
            let ciphertext = STANDARD
                .decode(&message.ciphertext)
                .context("the inbox file holds a damaged ciphertext")?;
            if let Some(text) = &message.attachments {
                let file = STANDARD
                    .decode(text)
                    .context("the inbox file holds a damaged attachments file")?;
                // Before the message itself: a message on the desk has its images.
                if !self.state.messages.contains_key(&message.id) {
                    let path = self.message_attachments_path(&message.id);
                    files::write_file(&path, &file, 0o600, true)?;
                }
            }
            if self.add_message(&message.id, message.posted_on, message.from, &ciphertext)? {
                let unreadable =
                    opening::message(&ciphertext, keys, &trust, Some(message.from)).err();
                if let Some(entry) = self.state.messages.get_mut(&message.id) {
                    entry.unreadable = unreadable;
                }
                counts.messages += 1;
                counts.unreadable_messages += usize::from(unreadable.is_some());
            }
            push_unique(&mut self.state.pending.acknowledge.messages, &message.id);
        }
        for signed in &inbox.alerts {
            match jasmine_client::alert::verify_alert_value(signed.clone(), bundle) {
                Ok(alert) => {
                    self.state.alerts.insert(alert.id.clone(), alert);
                }
                Err(_) => counts.unverified_alerts += 1,
            }
        }
        counts.check = check_list::take(
            &mut self.state.check_waiting,
            &inbox.check_evaluations,
            bundle,
            keys,
            &mut self.state.pending.check_entries,
        )?;
        self.state.highest_bundle = self.state.highest_bundle.max(Some(bundle.version));
        self.state.imported.push(Imported {
            file_id: inbox.file_id.clone(),
            created_on: inbox.created_on,
            imported_on: Day::today_utc(),
        });
        Ok(counts)
    }

    /// Writes what waits into an outbox file signed with `alert_key` and empties the
    /// queue.
    pub fn write_outbox(
        &mut self,
        path: &Path,
        alert_key: &ed25519_dalek::SigningKey,
    ) -> Result<Outbox> {
        let pending = std::mem::take(&mut self.state.pending);
        let outbox = Outbox {
            jasmine: "outbox".into(),
            version: airgap::VERSION,
            file_id: airgap::new_file_id(),
            organisation_key: self.state.organisation_key,
            moderator: self.state.moderator.clone(),
            created_on: Day::today_utc(),
            alerts: pending.alerts,
            retractions: pending.retractions,
            replies: pending.replies,
            check_requests: check_list::requests(&self.state.check_waiting),
            check_entries: pending.check_entries,
            acknowledge: pending.acknowledge,
        };
        airgap::write(path, &outbox, alert_key)?;
        // A copy stays on the desk: a lost USB stick loses no decision.
        airgap::write(
            &self
                .dir
                .join("outboxes")
                .join(format!("{}.jasmine", outbox.file_id)),
            &outbox,
            alert_key,
        )?;
        self.state.exported.push(outbox.file_id.clone());
        Ok(outbox)
    }

    /// Queues a signed alert for the next outbox; the case it was drafted from (if
    /// known) becomes `published`.
    pub fn queue_alert(
        &mut self,
        report: Option<&str>,
        alert_id: &str,
        signed: &[u8],
    ) -> Result<()> {
        if let Some(report) = report {
            let case = self.case_mut(report)?;
            case.alerts.push(alert_id.to_string());
            case.status = Status::Published;
        }
        self.state
            .pending
            .alerts
            .push(serde_json::from_slice(signed)?);
        Ok(())
    }

    /// Puts `identifiers` (normalised) of `alert_id`'s aggressor on the check list:
    /// blinded now, sent with every outbox file until the server's evaluations come
    /// back, then signed as entries.
    pub fn queue_check(&mut self, alert_id: &str, identifiers: &[(Kind, String)]) -> Result<()> {
        check_list::queue(&mut self.state.check_waiting, alert_id, identifiers)
    }

    /// Queues a signed retraction for the next outbox; what waits to go on the check
    /// list for that alert is forgotten.
    pub fn queue_retraction(&mut self, alert_id: &str, signed: &[u8]) -> Result<()> {
        check_list::forget_alert(
            &mut self.state.check_waiting,
            &mut self.state.pending.check_entries,
            alert_id,
        );
        self.state
            .pending
            .retractions
            .push(serde_json::from_slice(signed)?);
        Ok(())
    }

    /// Queues a sealed reply for the next outbox, keeps it with the conversation, and
    /// marks the case `answered` (a closed case stays closed).
    pub fn queue_reply(&mut self, report: &str, mailbox: &str, sealed: &[u8]) -> Result<()> {
        let item_id = jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng);
        self.state.pending.replies.push(OutboxReply {
            item_id: item_id.clone(),
            report_id: report.to_string(),
            mailbox: mailbox.to_string(),
            ciphertext: STANDARD.encode(sealed),
        });
        self.add_message(&item_id, Day::today_utc(), MessageFrom::Moderator, sealed)?;
        let case = self.case_mut(report)?;
        case.replies += 1;
        if case.status < Status::Answered {
            case.status = Status::Answered;
        }
        Ok(())
    }

    /// A readable case, or an error that says how to find one.
    pub fn case_mut(&mut self, id: &str) -> Result<&mut Case> {
        let case =
            self.state.cases.get_mut(id).with_context(|| {
                format!("no report {id} on the desk (see `jasmine-keys cases`)")
            })?;
        refuse_unreadable(id, case)?;
        Ok(case)
    }
}

fn refuse_unreadable(id: &str, case: &Case) -> Result<()> {
    if case.is_unreadable() {
        let why = case
            .why_unreadable
            .map(|why| format!(" ({why})"))
            .unwrap_or_default();
        bail!(
            "report {id} was set aside as unreadable{why}; `jasmine-keys discard-unreadable` deletes it"
        );
    }
    Ok(())
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot delete {}", path.display()))
        }
        _ => Ok(()),
    }
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|i| i == id) {
        list.push(id.to_string());
    }
}

/// The pending entries of a pull, with the signed bundle and alerts as served, as
/// written in an inbox file.
/// A report as pulled from the server: as listed, its envelope and its attachments
/// file.
pub struct PulledReport {
    /// The listing's entry.
    pub listed: PendingReport,
    /// The envelope.
    pub ciphertext: Vec<u8>,
    /// Its attachments file, when it has one.
    pub attachments: Option<Vec<u8>>,
}

/// A mailbox message as pulled from the server: as listed, its envelope and its
/// attachments file (an answer with images).
pub struct PulledMessage {
    /// The listing's entry.
    pub listed: PendingMessage,
    /// The envelope.
    pub ciphertext: Vec<u8>,
    /// Its attachments file, when it has one.
    pub attachments: Option<Vec<u8>>,
}

/// An inbox file of what was pulled.
pub fn inbox_of(
    organisation: &PublicKey,
    moderator: &str,
    reports: Vec<PulledReport>,
    messages: Vec<PulledMessage>,
    bundle: Value,
    alerts: Vec<Value>,
    check_evaluations: Vec<airgap::InboxCheckEvaluation>,
) -> Inbox {
    Inbox {
        jasmine: "inbox".into(),
        version: airgap::VERSION,
        file_id: airgap::new_file_id(),
        organisation_key: *organisation,
        moderator: moderator.to_string(),
        created_on: Day::today_utc(),
        reports: reports
            .into_iter()
            .map(|r| airgap::InboxReport {
                id: r.listed.id,
                received_on: r.listed.received_on,
                bundle_version: r.listed.bundle_version,
                ciphertext: STANDARD.encode(r.ciphertext),
                attachments: r.attachments.map(|a| STANDARD.encode(a)),
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|m| airgap::InboxMessage {
                id: m.listed.id,
                posted_on: m.listed.posted_on,
                from: m.listed.from,
                bundle_version: m.listed.bundle_version,
                ciphertext: STANDARD.encode(m.ciphertext),
                attachments: m.attachments.map(|a| STANDARD.encode(a)),
            })
            .collect(),
        bundle,
        alerts,
        check_evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opening::tests::{sealed_bytes, sealed_report};

    fn id(n: u8) -> String {
        format!("{n:032x}")
    }

    fn day() -> Day {
        Day::parse("2026-11-28").unwrap()
    }

    fn pulled(listed: PendingReport, ciphertext: Vec<u8>) -> PulledReport {
        PulledReport {
            listed,
            ciphertext,
            attachments: None,
        }
    }

    fn pending_report(n: u8) -> PendingReport {
        PendingReport {
            id: id(n),
            received_on: day(),
            bundle_version: 1,
            size: 0,
            attachments_size: None,
        }
    }

    /// A message as a pull lists it, with its ciphertext.
    fn pending_message(n: u8, from: MessageFrom, ciphertext: Vec<u8>) -> PulledMessage {
        PulledMessage {
            listed: PendingMessage {
                id: id(n),
                posted_on: day(),
                from,
                bundle_version: 1,
                size: 0,
                attachments_size: None,
            },
            ciphertext,
            attachments: None,
        }
    }

    fn organisation() -> PublicKey {
        PublicKey::from(&ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
    }

    /// A bundle (version 2) listing `keys` as its only moderator.
    fn bundle_for(keys: &OfflineKeys) -> jasmine_client::bundle::KeyBundle {
        let today = Day::today_utc();
        jasmine_client::bundle::KeyBundle {
            organisation: "T".into(),
            version: 2,
            issued: today,
            expires: today.add_days(9),
            onion: String::new(),
            check_key: None,
            moderators: vec![jasmine_client::bundle::ModeratorEntry {
                id: keys.id.clone(),
                name: "Alice".into(),
                age_recipient: keys.age_identity.to_public().to_string(),
                alert_key: PublicKey::from(&keys.alert_key),
                api_key: organisation(),
            }],
            former: Vec::new(),
            limits: Default::default(),
        }
    }

    fn signed_alert(keys: &OfflineKeys, summary: &str) -> Value {
        let alert: jasmine_client::alert::Alert = serde_json::from_value(serde_json::json!({
            "id": jasmine_client::alert::new_alert_id(&mut rand::rngs::OsRng),
            "published": Day::today_utc(),
            "signed_by": keys.id,
            "occurred_on": "2026-11-26",
            "occurred_precision": "day",
            "country": "FR",
            "region": "75",
            "city": "Paris",
            "categories": ["condom_removal"],
            "severity": "dangerous",
            "summary": {"language": "fr", "text": summary},
            "translations": [],
            "aggressor": {"description": "", "phones": ["+33612345678"], "handles": [], "plates": []}
        }))
        .unwrap();
        serde_json::from_slice(&jasmine_client::alert::sign_alert(&alert, &keys.alert_key).unwrap())
            .unwrap()
    }

    #[test]
    fn fail_only_the_alerts_that_verify_against_the_bundle_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        let mut desk = Desk::open(dir.path(), &keys, Some(&organisation())).unwrap();
        let good = signed_alert(&keys, "Vrai.");
        let mut changed = signed_alert(&keys, "Vrai aussi.");
        changed["alert"]["summary"]["text"] = "Faux.".into();
        let stranger = signed_alert(&OfflineKeys::for_tests("alice"), "Inconnu.");
        let inbox = inbox_of(
            &organisation(),
            "alice",
            Vec::new(),
            Vec::new(),
            Value::Null,
            vec![good.clone(), changed, stranger],
            Vec::new(),
        );
        let counts = desk.import(&inbox, &keys, &bundle_for(&keys)).unwrap();
        assert_eq!(counts.unverified_alerts, 2);
        let kept: Vec<_> = desk.state.alerts.keys().cloned().collect();
        assert_eq!(
            kept,
            vec![good["alert"]["id"].as_str().unwrap().to_string()]
        );
        assert_eq!(desk.state.highest_bundle, Some(2));
    }

    #[test]
    fn fail_the_outbox_file_is_signed_with_the_alert_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        let mut desk = Desk::open(dir.path(), &keys, Some(&organisation())).unwrap();
        desk.state.pending.acknowledge.reports.push(id(1));
        let path = dir.path().join("out.jasmine");
        desk.write_outbox(&path, &keys.alert_key).unwrap();
        let file = airgap::read::<Outbox>(&path, "outbox", &organisation()).unwrap();
        file.verify(&[PublicKey::from(&keys.alert_key)]).unwrap();
        let other = OfflineKeys::for_tests("alice");
        assert!(file.verify(&[PublicKey::from(&other.alert_key)]).is_err());
    }

    #[test]
    fn a_case_list_from_before_unreadable_cases_still_loads() {
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        // A case list as written before the `unreadable` status and flags existed.
        let old = serde_json::json!({
            "format": 1,
            "organisation_key": organisation(),
            "moderator": "alice",
            "imported": [],
            "exported": [],
            "cases": {
                id(1): {"received_on": "2026-11-28", "bundle_version": 1, "status": "new",
                        "notes": [], "alerts": [], "replies": 0},
                id(2): {"received_on": "2026-11-27", "bundle_version": 1, "status": "closed"}
            },
            "messages": {
                id(3): {"posted_on": "2026-11-28", "from": "reporter", "order": 0}
            },
            "pending": {"alerts": [], "retractions": [], "replies": [],
                        "acknowledge": {"reports": [], "messages": []}},
            "alerts": {}
        });
        let sealed = envelope::seal(
            &serde_json::to_vec(&old).unwrap(),
            &[keys.age_identity.to_public()],
        )
        .unwrap();
        std::fs::write(dir.path().join(CASES_FILE), sealed).unwrap();
        let desk = Desk::open(dir.path(), &keys, None).unwrap();
        assert_eq!(desk.state.cases[&id(1)].status, Status::New);
        assert_eq!(desk.state.cases[&id(2)].status, Status::Closed);
        assert!(desk
            .state
            .cases
            .values()
            .all(|c| c.why_unreadable.is_none()));
        assert_eq!(desk.state.messages[&id(3)].unreadable, None);
        assert_eq!(desk.readable_cases().len(), 2);
        // Saved again, it reads back the same and still writes no new member.
        desk.save().unwrap();
        let saved = desk.state.clone();
        drop(desk); // (it holds the desk's lock)
        let again = Desk::open(dir.path(), &keys, None).unwrap();
        assert_eq!(again.state, saved);
        let json = serde_json::to_value(&again.state).unwrap();
        assert!(json["cases"][id(1)].get("why_unreadable").is_none());
        assert!(json["messages"][id(3)].get("unreadable").is_none());
    }

    #[test]
    fn junk_is_set_aside_on_import_acknowledged_and_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        let me = keys.age_identity.to_public();
        let stranger = age::x25519::Identity::generate().to_public();
        let mut desk = Desk::open(dir.path(), &keys, Some(&organisation())).unwrap();
        let message = |n: u8, ciphertext| pending_message(n, MessageFrom::Reporter, ciphertext);
        let inbox = inbox_of(
            &organisation(),
            "alice",
            vec![
                pulled(pending_report(1), sealed_report(&me)),
                pulled(pending_report(2), sealed_report(&stranger)),
                pulled(
                    pending_report(3),
                    sealed_bytes(b"{\"not\": \"a report\"}", &me),
                ),
                pulled(pending_report(4), b"age-encryption.org/v1\nrandom".to_vec()),
            ],
            vec![message(5, sealed_bytes(b"{}", &me))],
            Value::Null,
            Vec::new(),
            Vec::new(),
        );
        let counts = desk.import(&inbox, &keys, &bundle_for(&keys)).unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                check: Default::default(),
                reports: 4,
                messages: 1,
                unreadable_reports: 3,
                unreadable_messages: 1,
                unverified_alerts: 0,
            }
        );
        let why = |n: u8| desk.state.cases[&id(n)].why_unreadable;
        assert_eq!(why(1), None);
        assert_eq!(why(2), Some(Unreadable::DoesNotDecrypt));
        assert_eq!(why(3), Some(Unreadable::NotAValidReport));
        assert_eq!(why(4), Some(Unreadable::DoesNotDecrypt));
        assert_eq!(
            desk.state.messages[&id(5)].unreadable,
            Some(Unreadable::NotAValidMessage)
        );
        assert_eq!(desk.state.pending.acknowledge.reports.len(), 4);
        assert_eq!(desk.state.pending.acknowledge.messages.len(), 1);
        assert_eq!(desk.readable_cases(), vec![(id(1), day())]);
        let (conversations, failed) = desk.open_conversations(&keys);
        assert!(conversations.is_empty() && failed.is_empty());
        let refused = desk.read_report(&id(3), &keys).unwrap_err().to_string();
        assert!(
            refused.contains("unreadable (not a valid report)"),
            "{refused}"
        );
        assert!(desk.case_mut(&id(2)).is_err());
        assert!(desk.read_report(&id(1), &keys).is_ok());

        // Review meets a report damaged on the desk: set aside, the others open.
        std::fs::write(desk.report_path(&id(1)), b"damaged").unwrap();
        let (opened, set_aside) = desk.open_cases(&keys);
        assert!(opened.is_empty());
        assert_eq!(set_aside, vec![(id(1), Unreadable::DoesNotDecrypt)]);
        assert_eq!(desk.state.cases[&id(1)].status, Status::Unreadable);

        std::fs::remove_file(desk.report_path(&id(4))).unwrap();
        let discarded = desk.discard_unreadable().unwrap();
        assert_eq!(
            discarded,
            Discarded {
                reports: 4,
                messages: 1
            }
        );
        assert!(desk.state.cases.is_empty() && desk.state.messages.is_empty());
        for n in 1..=4 {
            assert!(!desk.report_path(&id(n)).exists());
        }
        assert!(!desk.message_path(&id(5)).exists());
        assert_eq!(desk.state.pending.acknowledge.reports.len(), 4);
        assert_eq!(desk.discard_unreadable().unwrap(), Discarded::default());
    }

    /// Someone who knows a mailbox id (the server sees it in every read) writes in the
    /// reporter's name and in a moderator's, and the server mislabels a reply: the
    /// desk keeps only what her answer key and the moderator's alert key verify.
    #[test]
    fn fail_answers_and_replies_not_signed_by_whom_they_claim() {
        use jasmine_client::codename::Codename;
        use jasmine_client::keys::{sign, wrap_signed, Domain};
        use jasmine_client::mailbox::{signed_answer, Answer, Reply, Sender, MESSAGE_FORMAT};
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        let me = keys.age_identity.to_public();
        let mut desk = Desk::open(dir.path(), &keys, Some(&organisation())).unwrap();
        let her = Codename::generate(&mut rand::rngs::OsRng).derive().unwrap();
        let mut report = Report::example(day());
        report.follow_up = jasmine_client::report::FollowUp::through_codename(&her);
        let seal = |value: &Value| sealed_bytes(&serde_json::to_vec(value).unwrap(), &me);
        let answer = Answer {
            format: MESSAGE_FORMAT,
            mailbox: her.mailbox.clone(),
            written_on: day(),
            text: "Appelez-moi au 06 00 00 00 00".into(),
            attachments: Vec::new(),
        };
        let reply = serde_json::to_value(Reply {
            format: MESSAGE_FORMAT,
            mailbox: her.mailbox.clone(),
            written_on: day(),
            text: "Nous sommes là.".into(),
            signed_by: "alice".into(),
        })
        .unwrap();
        let signed_reply = |key: &ed25519_dalek::SigningKey| {
            let signature = sign(Domain::Reply, key, &reply).unwrap();
            seal(&wrap_signed("reply", reply.clone(), signature))
        };
        let impostor = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let message = pending_message;
        let inbox = inbox_of(
            &organisation(),
            "alice",
            vec![pulled(
                pending_report(1),
                sealed_bytes(&report.to_json().unwrap(), &me),
            )],
            vec![
                message(2, MessageFrom::Moderator, signed_reply(&keys.alert_key)),
                message(
                    3,
                    MessageFrom::Reporter,
                    seal(&signed_answer(&answer, &her.answer_key).unwrap()),
                ),
                message(
                    4,
                    MessageFrom::Reporter,
                    seal(&signed_answer(&answer, &impostor).unwrap()),
                ),
                message(
                    5,
                    MessageFrom::Reporter,
                    seal(&serde_json::json!({ "answer": answer })),
                ),
                message(6, MessageFrom::Moderator, signed_reply(&impostor)),
                message(7, MessageFrom::Reporter, signed_reply(&keys.alert_key)),
            ],
            Value::Null,
            Vec::new(),
            Vec::new(),
        );
        let counts = desk.import(&inbox, &keys, &bundle_for(&keys)).unwrap();
        assert_eq!((counts.messages, counts.unreadable_messages), (6, 4));
        let why = |n: u8| desk.state.messages[&id(n)].unreadable;
        assert_eq!(why(2), None);
        assert_eq!(why(3), None);
        assert_eq!(
            why(4),
            Some(Unreadable::BadSignature),
            "another key signed her answer"
        );
        assert_eq!(why(5), Some(Unreadable::BadSignature), "an unsigned answer");
        assert_eq!(
            why(6),
            Some(Unreadable::BadSignature),
            "a reply alice did not sign"
        );
        assert_eq!(
            why(7),
            Some(Unreadable::WrongSender),
            "a reply labelled hers"
        );
        let (conversations, failed) = desk.open_conversations(&keys);
        assert!(failed.is_empty(), "{failed:?}");
        let senders: Vec<_> = conversations[&her.mailbox]
            .iter()
            .map(|m| m.sender.clone())
            .collect();
        assert_eq!(
            senders,
            vec![
                Sender::Moderator {
                    id: "alice".into(),
                    name: Some("Alice".into()),
                    verified: true
                },
                Sender::Reporter { verified: true },
            ]
        );
    }

    #[test]
    fn a_message_that_breaks_on_the_desk_comes_apart_and_can_be_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let keys = OfflineKeys::for_tests("alice");
        let mut desk = Desk::open(dir.path(), &keys, Some(&organisation())).unwrap();
        desk.add_message(&id(1), day(), MessageFrom::Reporter, b"junk")
            .unwrap();
        desk.add_message(&id(2), day(), MessageFrom::Reporter, b"gone")
            .unwrap();
        std::fs::remove_file(desk.message_path(&id(2))).unwrap();
        let (conversations, failed) = desk.open_conversations(&keys);
        assert!(conversations.is_empty());
        assert_eq!(
            failed,
            vec![
                (id(1), Unreadable::DoesNotDecrypt),
                (id(2), Unreadable::FileMissing)
            ]
        );
        for (id, why) in failed {
            desk.set_message_aside(&id, why);
        }
        assert!(desk.open_conversations(&keys).1.is_empty());
        assert_eq!(
            desk.discard_unreadable().unwrap(),
            Discarded {
                reports: 0,
                messages: 2
            }
        );
    }
}
