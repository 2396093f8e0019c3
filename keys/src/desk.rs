//! The moderator's desk on the offline machine: a folder holding the ciphertexts as
//! received (`reports/<id>.age`, `messages/<id>.age`) and the **case list**
//! (`cases.age`): each report's status, notes and decisions, the inbox files already
//! taken, and what waits for the next outbox. The case list is age-encrypted to the
//! moderator's own key, so nothing decrypted is ever on disk; it is rewritten
//! atomically after every change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use jasmine_client::keys::PublicKey;
use jasmine_client::wire::{MessageFrom, PendingMessage, PendingReport};
use jasmine_client::{envelope, Day};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::airgap::{self, Acknowledgements, Inbox, Outbox, OutboxReply};
use crate::files;
use crate::keyfiles::OfflineKeys;

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
}

impl Status {
    /// Every status, in workflow order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::InReview,
        Status::Published,
        Status::Answered,
        Status::Closed,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::InReview => "in_review",
            Status::Published => "published",
            Status::Answered => "answered",
            Status::Closed => "closed",
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
    /// Acknowledgements.
    pub acknowledge: Acknowledgements,
}

impl Pending {
    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
            && self.retractions.is_empty()
            && self.replies.is_empty()
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
    /// Published alerts known to the desk (from inbox files), by id.
    #[serde(default)]
    pub alerts: BTreeMap<String, jasmine_client::alert::Alert>,
}

/// An open desk.
pub struct Desk {
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
        } else if let Some(organisation) = create {
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
            }
        } else {
            bail!(
                "no desk in {} yet: `jasmine-keys import <inbox file> --desk {}` creates it",
                dir.display(),
                dir.display()
            );
        };
        Ok(Desk {
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

    /// The ciphertext of a report.
    pub fn report_ciphertext(&self, id: &str) -> Result<Vec<u8>> {
        if !self.state.cases.contains_key(id) {
            bail!("no report {id} on the desk (see `jasmine-keys cases`)");
        }
        files::read_file(&self.dir.join("reports").join(format!("{id}.age")))
    }

    /// Every mailbox message ciphertext, in the order they reached the desk.
    pub fn message_ciphertexts(&self) -> Result<Vec<(String, Vec<u8>)>> {
        let mut all: Vec<_> = self.state.messages.iter().collect();
        all.sort_by_key(|(_, m)| (m.posted_on, m.order));
        all.into_iter()
            .map(|(id, _)| {
                let bytes = files::read_file(&self.dir.join("messages").join(format!("{id}.age")))?;
                Ok((id.clone(), bytes))
            })
            .collect()
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
        files::write_file(
            &self.dir.join("messages").join(format!("{id}.age")),
            ciphertext,
            0o600,
            true,
        )?;
        let order = self.state.messages.len() as u64;
        self.state.messages.insert(
            id.to_string(),
            MessageEntry {
                posted_on,
                from,
                order,
            },
        );
        Ok(true)
    }

    /// Takes an inbox file: stores its ciphertexts, opens a case per new report, and
    /// queues their acknowledgements. Refuses a file already taken.
    pub fn import(&mut self, inbox: &Inbox) -> Result<(usize, usize)> {
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
        let (mut reports, mut messages) = (0, 0);
        for report in &inbox.reports {
            if !jasmine_client::alert::is_alert_id(&report.id) {
                bail!("the inbox file holds a malformed report id; nothing was taken");
            }
            let ciphertext = STANDARD
                .decode(&report.ciphertext)
                .context("the inbox file holds a damaged ciphertext; nothing was taken")?;
            if !self.state.cases.contains_key(&report.id) {
                files::write_file(
                    &self.dir.join("reports").join(format!("{}.age", report.id)),
                    &ciphertext,
                    0o600,
                    true,
                )?;
                self.state.cases.insert(
                    report.id.clone(),
                    Case {
                        received_on: report.received_on,
                        bundle_version: report.bundle_version,
                        status: Status::New,
                        notes: Vec::new(),
                        alerts: Vec::new(),
                        replies: 0,
                    },
                );
                reports += 1;
            }
            push_unique(&mut self.state.pending.acknowledge.reports, &report.id);
        }
        for message in &inbox.messages {
            if !jasmine_client::alert::is_alert_id(&message.id) {
                bail!("the inbox file holds a malformed message id; nothing was taken");
            }
            let ciphertext = STANDARD
                .decode(&message.ciphertext)
                .context("the inbox file holds a damaged ciphertext")?;
            if self.add_message(&message.id, message.posted_on, message.from, &ciphertext)? {
                messages += 1;
            }
            push_unique(&mut self.state.pending.acknowledge.messages, &message.id);
        }
        for alert in &inbox.alerts {
            self.state.alerts.insert(alert.id.clone(), alert.clone());
        }
        self.state.imported.push(Imported {
            file_id: inbox.file_id.clone(),
            created_on: inbox.created_on,
            imported_on: Day::today_utc(),
        });
        Ok((reports, messages))
    }

    /// Writes what waits into an outbox file and empties the queue.
    pub fn write_outbox(&mut self, path: &Path) -> Result<Outbox> {
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
            acknowledge: pending.acknowledge,
        };
        airgap::write(path, &outbox)?;
        // A copy stays on the desk: a lost USB stick loses no decision.
        airgap::write(
            &self
                .dir
                .join("outboxes")
                .join(format!("{}.jasmine", outbox.file_id)),
            &outbox,
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

    /// The case, or an error that says how to find one.
    pub fn case_mut(&mut self, id: &str) -> Result<&mut Case> {
        self.state
            .cases
            .get_mut(id)
            .with_context(|| format!("no report {id} on the desk (see `jasmine-keys cases`)"))
    }
}

fn push_unique(list: &mut Vec<String>, id: &str) {
    if !list.iter().any(|i| i == id) {
        list.push(id.to_string());
    }
}

/// The pending entries of a pull, as written in an inbox file.
pub fn inbox_of(
    organisation: &PublicKey,
    moderator: &str,
    reports: Vec<(PendingReport, Vec<u8>)>,
    messages: Vec<(PendingMessage, Vec<u8>)>,
    alerts: Vec<jasmine_client::alert::Alert>,
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
            .map(|(r, c)| airgap::InboxReport {
                id: r.id,
                received_on: r.received_on,
                bundle_version: r.bundle_version,
                ciphertext: STANDARD.encode(c),
            })
            .collect(),
        messages: messages
            .into_iter()
            .map(|(m, c)| airgap::InboxMessage {
                id: m.id,
                posted_on: m.posted_on,
                from: m.from,
                bundle_version: m.bundle_version,
                ciphertext: STANDARD.encode(c),
            })
            .collect(),
        alerts,
    }
}
