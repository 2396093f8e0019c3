//! Storage on one SQLite file in WAL mode: a single writer thread with group commit
//! (see [`writer`]) and a small pool of read-only connections. Only ciphertext, days
//! (never times of day), random ids and signed public documents are stored.

mod migrations;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use jasmine_client::Day;
use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

pub use migrations::SCHEMA_VERSION;

/// Why a storage operation failed. Texts are safe to show to clients.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The write queue is full.
    #[error("the server is busy; try again in a moment")]
    Busy,
    /// The storage quota is reached; nothing was stored.
    #[error("the server's storage is full; nothing was stored, try again later")]
    QuotaExceeded,
    /// The row does not exist.
    #[error("not found")]
    NotFound,
    /// Today's budget for reports is spent; nothing was stored.
    #[error("the server has taken all the reports it can take today; nothing was stored, try again tomorrow")]
    DayBudgetSpent,
    /// What is left of today's budget is kept for reports whose puzzle was solved at
    /// the current difficulty.
    #[error("what is left of today's budget is kept for reports with a puzzle solved at the current difficulty; nothing was stored")]
    ReserveOnly,
    /// A reporter's answer to a mailbox in which no moderator has replied (or that
    /// does not exist: the same refusal).
    #[error("no conversation is open under this codename: the association writes first")]
    NoConversation,
    /// The write conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// The disk holding the database is full (SQLite's `SQLITE_FULL`); nothing from this
    /// request was stored, and writes succeed again once there is room.
    #[error("the server's storage is full; nothing was stored, try again later")]
    DiskFull,
    /// The database failed; nothing from this request was stored.
    #[error("storage is unavailable; nothing was stored, try again later")]
    Unavailable,
}

impl StorageError {
    /// What a failed database call tells the client: a full disk as such (507, writes
    /// succeed again by themselves once there is room), anything else as unavailable.
    pub fn of_database(e: &rusqlite::Error) -> StorageError {
        if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
            StorageError::DiskFull
        } else {
            StorageError::Unavailable
        }
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        let error = StorageError::of_database(&e);
        if matches!(error, StorageError::DiskFull) {
            tracing::error!(
                "the disk holding the database is full: writes are refused until there is room"
            );
        } else {
            tracing::error!("database error: {e}");
        }
        error
    }
}

/// A write for the writer thread.
#[derive(Debug)]
pub enum WriteOp {
    /// Store a report ciphertext.
    InsertReport {
        /// Random id.
        id: String,
        /// Day received.
        received_on: Day,
        /// Bundle version it was checked against.
        bundle_version: u64,
        /// The age file.
        ciphertext: Vec<u8>,
        /// Its attachments file (`docs/PROTOCOL.md` §4.12), stored with it or not at
        /// all; it counts in every budget the report does.
        attachments: Option<Vec<u8>>,
        /// Whether it may use the last part of the day's budget (its puzzle was solved
        /// at the current difficulty).
        may_use_reserve: bool,
    },
    /// Record a moderator's acknowledgement; delete the report once every moderator
    /// in `required` has acknowledged.
    Acknowledge {
        /// Report id.
        report_id: String,
        /// Who acknowledges.
        moderator_id: String,
        /// Every moderator who must acknowledge before deletion.
        required: Vec<String>,
    },
    /// Store a newer signed bundle.
    PutBundle {
        /// Its version (must exceed every stored one).
        version: u64,
        /// Signed JSON.
        signed_json: Vec<u8>,
    },
    /// Store a verified signed alert.
    InsertAlert {
        /// Alert id.
        id: String,
        /// Publication day.
        published_on: Day,
        /// Region, for filtering.
        region: String,
        /// Severity name, for filtering.
        severity: String,
        /// Category names, for filtering.
        categories: Vec<String>,
        /// Signed JSON as published.
        signed_json: String,
    },
    /// Store a verified signed retraction.
    InsertRetraction {
        /// Alert withdrawn.
        alert_id: String,
        /// Day of retraction.
        retracted_on: Day,
        /// Signed JSON.
        signed_json: String,
    },
    /// Add verified check-list entries of published, unretracted alerts
    /// (`NotFound` names the first whose alert is not published, `Conflict` the first
    /// whose alert is withdrawn; then nothing is added).
    InsertCheckEntries {
        /// (alert id, tag, signed JSON) of each entry.
        entries: Vec<(String, String, String)>,
    },
    /// Delete reports received before `day` (retention).
    PurgeReceivedBefore {
        /// First day kept.
        day: Day,
    },
    /// Add a message to a mailbox (creating it), refusing it past `max_messages`.
    PostMessage {
        /// Random message id.
        id: String,
        /// SHA-256 of the mailbox id.
        mailbox_key: String,
        /// Day posted.
        posted_on: Day,
        /// `moderator` or `reporter`.
        sender: &'static str,
        /// Bundle version it was checked against.
        bundle_version: u64,
        /// The age file.
        ciphertext: Vec<u8>,
        /// Its attachments file (`docs/PROTOCOL.md` §4.12), an answer's images.
        attachments: Option<Vec<u8>>,
        /// The moderator who posted it (it counts as acknowledged by them).
        posted_by: Option<String>,
        /// Most messages one mailbox may hold.
        max_messages: u32,
        /// Most bytes of the reporter's answers (images included) one mailbox may hold.
        max_answer_bytes: u64,
        /// A moderator's reply: the item id its desk chose. The same item posted again
        /// is stored once ([`WriteOutcome::Repeated`]).
        item_id: Option<String>,
    },
    /// Mark a mailbox active on `day` (the reporter read it).
    TouchMailbox {
        /// SHA-256 of the mailbox id.
        mailbox_key: String,
        /// Today.
        day: Day,
    },
    /// Delete a mailbox and its messages; done whether or not it existed.
    DeleteMailbox {
        /// SHA-256 of the mailbox id.
        mailbox_key: String,
    },
    /// Record that a moderator has a mailbox message (the message stays).
    AcknowledgeMessage {
        /// Message id.
        message_id: String,
        /// Who acknowledges.
        moderator_id: String,
    },
    /// Hide exactly these alerts and retractions (ids of the alerts), show the others:
    /// those that no longer verify against the current bundle.
    SetHidden {
        /// Alerts to hide.
        alerts: Vec<String>,
        /// Retractions to hide (by the id of the alert they withdraw).
        retractions: Vec<String>,
    },
    /// Delete mailboxes without activity since before `day`.
    PurgeMailboxesInactiveBefore {
        /// First day of activity kept.
        day: Day,
    },
    /// Compaction, when anything was written since the last one: `VACUUM` rewrites the
    /// file in key order (random ids: the file no longer shows which row came first)
    /// and drops free pages; a `TRUNCATE` checkpoint empties the WAL, whose old frames
    /// still hold deleted ciphertext. Runs alone, outside any batch.
    Compact,
}

/// What a write did.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// Written.
    Done,
    /// The same thing was already stored.
    AlreadyThere,
    /// Acknowledged; `true` if the report was deleted.
    Deleted(bool),
    /// Number of reports purged.
    Purged(u64),
    /// Compacted (`false`: nothing was written since the last compaction, nothing done).
    Compacted(bool),
    /// This reply (its item id) was already stored, as this message, on this day.
    Repeated {
        /// The message's id.
        id: String,
        /// The day it was stored.
        posted_on: Day,
    },
}

/// Settings of the storage layer.
#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// Path of the SQLite file.
    pub path: PathBuf,
    /// Most writes waiting at once before new ones get "busy".
    pub queue_capacity: usize,
    /// Most ciphertext bytes (reports and mailbox messages) stored before new ones get
    /// "storage full".
    pub max_stored_bytes: u64,
    /// How that is shared out between reports, days and messages.
    pub budgets: crate::config::BudgetConfig,
    /// Read-only connections kept open.
    pub readers: usize,
}

/// The storage handle shared by all requests.
#[derive(Clone)]
pub struct Storage {
    inner: Arc<Inner>,
}

/// One write counted in [`Storage::queue_depth`] while it lives.
struct Pending<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Pending<'a> {
    fn count(counter: &'a std::sync::atomic::AtomicUsize) -> Pending<'a> {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Pending(counter)
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

struct Inner {
    path: PathBuf,
    writes: SyncSender<writer::Job>,
    /// Writes queued or being written (for the operator's metrics).
    pending: std::sync::atomic::AtomicUsize,
    readers: Mutex<Vec<Connection>>,
}

fn apply_pragmas(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = ON;",
    )
}

impl Storage {
    /// Opens (creating and migrating if needed) the database and starts the writer.
    pub fn open(config: &StorageConfig) -> Result<Storage, String> {
        let mut conn = Connection::open(&config.path)
            .map_err(|e| format!("cannot open database {}: {e}", config.path.display()))?;
        // SQLite gives its WAL and shared-memory files the database file's mode.
        std::fs::set_permissions(
            &config.path,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .map_err(|e| format!("cannot restrict {}: {e}", config.path.display()))?;
        apply_pragmas(&conn).map_err(|e| format!("cannot configure database: {e}"))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(|e| e.to_string())?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("the database refused WAL mode (got {mode})"));
        }
        migrations::migrate(&mut conn)?;
        let (reports, messages): (i64, i64) = conn
            .query_row(
                "SELECT (SELECT coalesce(sum(length(ciphertext) + coalesce(length(attachments), 0)), 0) FROM reports),
                        (SELECT coalesce(sum(length(ciphertext) + coalesce(length(attachments), 0)), 0) FROM mailbox_messages)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| e.to_string())?;
        let quota = writer::Quota {
            total: (reports + messages) as u64,
            max_total: config.max_stored_bytes,
            reports: reports as u64,
            messages: messages as u64,
            day: None,
            budgets: config.budgets.clone(),
        };
        let (writes, jobs) = sync_channel(config.queue_capacity.max(1));
        std::thread::Builder::new()
            .name("jasmine-writer".into())
            .spawn(move || writer::run(conn, jobs, quota))
            .map_err(|e| format!("cannot start the writer thread: {e}"))?;
        let storage = Storage {
            inner: Arc::new(Inner {
                path: config.path.clone(),
                writes,
                pending: std::sync::atomic::AtomicUsize::new(0),
                readers: Mutex::new(Vec::new()),
            }),
        };
        for _ in 0..config.readers {
            let conn = storage.open_reader().map_err(|e| e.to_string())?;
            storage
                .inner
                .readers
                .lock()
                .expect("reader pool")
                .push(conn);
        }
        Ok(storage)
    }

    fn open_reader(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.inner.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch("PRAGMA query_only = ON;")?;
        Ok(conn)
    }

    /// Queues a write and waits until it is committed (or refused).
    pub async fn write(&self, op: WriteOp) -> Result<WriteOutcome, StorageError> {
        let (reply, answer) = oneshot::channel();
        // Counted until answered, or until the request that waits is dropped.
        let _counted = Pending::count(&self.inner.pending);
        match self.inner.writes.try_send(writer::Job { op, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(StorageError::Busy),
            Err(TrySendError::Disconnected(_)) => return Err(StorageError::Unavailable),
        }
        answer.await.map_err(|_| StorageError::Unavailable)?
    }

    /// Writes queued or being written now.
    pub fn queue_depth(&self) -> usize {
        self.inner
            .pending
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Runs a read on a pooled read-only connection, off the async threads.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StorageError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<R> + Send + 'static,
    {
        let storage = self.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = storage.inner.readers.lock().expect("reader pool").pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => storage.open_reader()?,
            };
            let result = f(&conn);
            storage
                .inner
                .readers
                .lock()
                .expect("reader pool")
                .push(conn);
            result.map_err(StorageError::from)
        })
        .await
        .map_err(|_| StorageError::Unavailable)?
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path, quota: u64) -> StorageConfig {
        StorageConfig {
            path: dir.join("jasmine.sqlite3"),
            queue_capacity: 1000,
            max_stored_bytes: quota,
            budgets: crate::config::BudgetConfig::default(),
            readers: 2,
        }
    }

    fn open(dir: &Path, quota: u64) -> Storage {
        Storage::open(&config(dir, quota)).unwrap()
    }

    fn report(id: &str, size: usize) -> WriteOp {
        WriteOp::InsertReport {
            id: id.into(),
            received_on: Day::parse("2026-11-28").unwrap(),
            bundle_version: 1,
            ciphertext: vec![7; size],
            attachments: None,
            may_use_reserve: true,
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_all_land_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path(), u64::MAX);
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let s = storage.clone();
                tokio::spawn(async move { s.write(report(&format!("r{i:03}"), 100)).await })
            })
            .collect();
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), WriteOutcome::Done);
        }
        drop(storage);
        let reopened = open(dir.path(), u64::MAX);
        let count: i64 = reopened
            .read(|c| c.query_row("SELECT count(*) FROM reports", [], |r| r.get(0)))
            .await
            .unwrap();
        assert_eq!(count, 200);
    }

    /// Where each of `probes` first occurs in the bytes of every file of `dir`
    /// (database, WAL, shared memory): (file name, offset), or `None`.
    fn find_in_files(dir: &Path, probes: &[Vec<u8>]) -> Vec<Option<(String, usize)>> {
        let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(entry.path()).expect("every file reads"))
            })
            .collect();
        probes
            .iter()
            .map(|probe| {
                files.iter().find_map(|(name, bytes)| {
                    bytes
                        .windows(probe.len())
                        .position(|w| w == probe.as_slice())
                        .map(|at| (name.clone(), at))
                })
            })
            .collect()
    }

    /// Rows written lie in the file in the order they arrived; a compaction rewrites
    /// them in the order of their random ids. Deleted ciphertext (acknowledged or
    /// expired) is gone from every file once compacted: `secure_delete` zeroes it in
    /// the database, and the emptied WAL no longer holds the frames that wrote it.
    #[tokio::test]
    async fn compaction_hides_arrival_order_and_leaves_nothing_deleted() {
        use rand::RngCore;
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path(), u64::MAX);
        let day = |d: &str| Day::parse(d).unwrap();
        let (mut ids, mut probes) = (Vec::new(), Vec::new());
        for n in 0..40 {
            let mut raw = [0u8; 16];
            rand::rngs::OsRng.fill_bytes(&mut raw);
            let id = hex::encode(raw);
            let mut ciphertext = vec![0u8; 4096];
            rand::rngs::OsRng.fill_bytes(&mut ciphertext);
            probes.push(ciphertext[2000..2032].to_vec());
            let op = WriteOp::InsertReport {
                id: id.clone(),
                received_on: day(if n % 4 == 3 {
                    "2026-01-05"
                } else {
                    "2026-11-28"
                }),
                bundle_version: 1,
                ciphertext,
                attachments: None,
                may_use_reserve: true,
            };
            assert_eq!(storage.write(op).await.unwrap(), WriteOutcome::Done);
            ids.push(id);
        }
        let order_in_files = |probes: &[Vec<u8>]| {
            let mut found: Vec<(usize, usize)> = find_in_files(dir.path(), probes)
                .into_iter()
                .enumerate()
                .map(|(i, at)| (at.expect("every kept report is in the files").1, i))
                .collect();
            found.sort();
            found.into_iter().map(|(_, i)| i).collect::<Vec<_>>()
        };
        let arrival: Vec<usize> = (0..ids.len()).collect();
        assert_eq!(
            order_in_files(&probes),
            arrival,
            "before: the order of arrival"
        );

        assert_eq!(
            storage.write(WriteOp::Compact).await.unwrap(),
            WriteOutcome::Compacted(true)
        );
        let mut by_id = arrival.clone();
        by_id.sort_by_key(|&i| ids[i].clone());
        assert_ne!(by_id, arrival, "random ids are not in arrival order");
        assert_eq!(
            order_in_files(&probes),
            by_id,
            "after: the order of the ids"
        );
        assert_eq!(
            std::fs::metadata(dir.path().join("jasmine.sqlite3-wal")).map_or(0, |m| m.len()),
            0,
            "the WAL is emptied"
        );
        assert_eq!(
            storage.write(WriteOp::Compact).await.unwrap(),
            WriteOutcome::Compacted(false),
            "nothing written since: nothing to do"
        );

        // Half are acknowledged (deleted), a quarter expire.
        for id in ids.iter().step_by(2) {
            let ack = WriteOp::Acknowledge {
                report_id: id.clone(),
                moderator_id: "x".into(),
                required: vec!["x".into()],
            };
            assert_eq!(
                storage.write(ack).await.unwrap(),
                WriteOutcome::Deleted(true)
            );
        }
        let purge = WriteOp::PurgeReceivedBefore {
            day: day("2026-06-01"),
        };
        assert_eq!(
            storage.write(purge).await.unwrap(),
            WriteOutcome::Purged(10)
        );
        assert_eq!(
            storage.write(WriteOp::Compact).await.unwrap(),
            WriteOutcome::Compacted(true)
        );
        let gone = |i: usize| i.is_multiple_of(2) || i % 4 == 3;
        for (i, found) in find_in_files(dir.path(), &probes).into_iter().enumerate() {
            assert_eq!(found.is_none(), gone(i), "report {i} ({found:?})");
        }
    }

    #[tokio::test]
    async fn a_failing_write_does_not_undo_its_batch_and_quota_holds() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path(), 250);
        assert_eq!(
            storage.write(report("a", 100)).await.unwrap(),
            WriteOutcome::Done
        );
        assert!(matches!(
            storage.write(report("a", 100)).await,
            Err(StorageError::Unavailable)
        ));
        assert_eq!(
            storage.write(report("b", 100)).await.unwrap(),
            WriteOutcome::Done
        );
        assert!(matches!(
            storage.write(report("c", 100)).await,
            Err(StorageError::QuotaExceeded)
        ));
        let ack = |m: &str| WriteOp::Acknowledge {
            report_id: "a".into(),
            moderator_id: m.into(),
            required: vec!["x".into(), "y".into()],
        };
        assert_eq!(
            storage.write(ack("x")).await.unwrap(),
            WriteOutcome::Deleted(false)
        );
        assert_eq!(
            storage.write(ack("y")).await.unwrap(),
            WriteOutcome::Deleted(true)
        );
        assert_eq!(
            storage.write(report("c", 100)).await.unwrap(),
            WriteOutcome::Done,
            "space was freed"
        );
    }

    #[tokio::test]
    async fn the_retention_purge_deletes_old_reports_and_frees_their_space() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path(), 250);
        let on = |id: &str, day: &str| WriteOp::InsertReport {
            id: id.into(),
            received_on: Day::parse(day).unwrap(),
            bundle_version: 1,
            ciphertext: vec![7; 100],
            attachments: None,
            may_use_reserve: true,
        };
        storage.write(on("old", "2026-01-10")).await.unwrap();
        storage.write(on("new", "2026-11-20")).await.unwrap();
        assert!(matches!(
            storage.write(on("more", "2026-11-28")).await,
            Err(StorageError::QuotaExceeded)
        ));
        let purged = storage
            .write(WriteOp::PurgeReceivedBefore {
                day: Day::parse("2026-06-01").unwrap(),
            })
            .await
            .unwrap();
        assert_eq!(purged, WriteOutcome::Purged(1));
        assert_eq!(count(&storage, "reports").await, 1);
        assert_eq!(
            storage.write(on("more", "2026-11-28")).await.unwrap(),
            WriteOutcome::Done,
            "space was freed"
        );
    }

    /// A moderator's reply (it opens the conversation).
    fn message(id: &str, mailbox: &str, day: &str, size: usize) -> WriteOp {
        WriteOp::PostMessage {
            id: id.into(),
            mailbox_key: mailbox.into(),
            posted_on: Day::parse(day).unwrap(),
            sender: "moderator",
            bundle_version: 1,
            ciphertext: vec![9; size],
            attachments: None,
            posted_by: Some("m".into()),
            max_messages: 3,
            max_answer_bytes: u64::MAX,
            item_id: None,
        }
    }

    /// A reporter's answer.
    fn answer(id: &str, mailbox: &str, size: usize) -> WriteOp {
        answer_with_attachments(id, mailbox, size, None)
    }

    /// A reporter's answer with an attachments file.
    fn answer_with_attachments(
        id: &str,
        mailbox: &str,
        size: usize,
        attachments: Option<Vec<u8>>,
    ) -> WriteOp {
        WriteOp::PostMessage {
            id: id.into(),
            mailbox_key: mailbox.into(),
            posted_on: Day::parse("2026-11-28").unwrap(),
            sender: "reporter",
            bundle_version: 1,
            ciphertext: vec![5; size],
            attachments,
            posted_by: None,
            max_messages: 10,
            max_answer_bytes: 4096,
            item_id: None,
        }
    }

    #[tokio::test]
    async fn a_reporter_answers_only_in_a_conversation_a_moderator_opened() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&StorageConfig {
            budgets: crate::config::BudgetConfig {
                messages_bytes: 250,
                ..crate::config::BudgetConfig::default()
            },
            ..config(dir.path(), 10_000)
        })
        .unwrap();
        assert!(matches!(
            storage.write(answer("a0", "k-unknown", 100)).await,
            Err(StorageError::NoConversation)
        ));
        assert_eq!(count(&storage, "mailboxes").await, 0, "nothing was created");
        storage
            .write(message("m0", "k-open", "2026-11-28", 100))
            .await
            .unwrap();
        storage.write(answer("a1", "k-open", 100)).await.unwrap();
        // Reporters' answers have a budget of their own (100 + 100 of 250 used) ...
        assert!(matches!(
            storage.write(answer("a2", "k-open", 100)).await,
            Err(StorageError::QuotaExceeded)
        ));
        // ... which neither moderators' replies nor reports draw on.
        storage
            .write(message("m1", "k-open", "2026-11-28", 100))
            .await
            .unwrap();
        storage.write(report("r", 1000)).await.unwrap();
    }

    /// Her answers with images are large: one conversation keeps at most
    /// `max_answer_bytes` of them, attachments files included (4096 in `answer`), so
    /// that a stolen codename fills that much and no more; other conversations are not
    /// refused by it, and deleting the conversation frees it.
    #[tokio::test]
    async fn a_conversation_keeps_a_bounded_share_of_her_answers_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let storage = Storage::open(&config(dir.path(), 1_000_000)).unwrap();
        for key in ["k-one", "k-two"] {
            storage
                .write(message(&format!("m-{key}"), key, "2026-11-28", 100))
                .await
                .unwrap();
        }
        let with_images = |id: &str, key: &str, images: usize| {
            answer_with_attachments(id, key, 1000, Some(vec![1; images]))
        };
        storage
            .write(with_images("a1", "k-one", 2000))
            .await
            .unwrap();
        // 3000 held; 1000 + 1000 more would make 5000.
        let refused = storage.write(with_images("a2", "k-one", 1000)).await;
        assert!(
            matches!(&refused, Err(StorageError::Conflict(why)) if why.contains("MiB of your answers")),
            "{refused:?}"
        );
        storage.write(answer("a3", "k-one", 1000)).await.unwrap();
        storage
            .write(with_images("a4", "k-two", 2000))
            .await
            .unwrap();
        storage
            .write(WriteOp::DeleteMailbox {
                mailbox_key: "k-one".into(),
            })
            .await
            .unwrap();
        storage
            .write(message("m3", "k-one", "2026-11-28", 100))
            .await
            .unwrap();
        storage
            .write(with_images("a5", "k-one", 2000))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_day_budget_refuses_once_spent_and_keeps_its_reserve() {
        let dir = tempfile::tempdir().unwrap();
        let budgets = crate::config::BudgetConfig {
            reports_bytes: 10_000,
            reports_bytes_per_day: 300,
            reserve_bytes_per_day: 100,
            messages_bytes: 1000,
        };
        let storage = Storage::open(&StorageConfig {
            budgets: budgets.clone(),
            ..config(dir.path(), 100_000)
        })
        .unwrap();
        let on = |id: &str, day: &str, reserve: bool| WriteOp::InsertReport {
            id: id.into(),
            received_on: Day::parse(day).unwrap(),
            bundle_version: 1,
            ciphertext: vec![7; 100],
            attachments: None,
            may_use_reserve: reserve,
        };
        storage.write(on("a", "2026-11-28", false)).await.unwrap();
        storage.write(on("b", "2026-11-28", false)).await.unwrap();
        assert!(matches!(
            storage.write(on("c", "2026-11-28", false)).await,
            Err(StorageError::ReserveOnly)
        ));
        storage.write(on("c", "2026-11-28", true)).await.unwrap();
        assert!(matches!(
            storage.write(on("d", "2026-11-28", true)).await,
            Err(StorageError::DayBudgetSpent)
        ));
        // Acknowledged and deleted reports still count for their day ...
        for m in ["x"] {
            storage
                .write(WriteOp::Acknowledge {
                    report_id: "a".into(),
                    moderator_id: m.into(),
                    required: vec!["x".into()],
                })
                .await
                .unwrap();
        }
        assert!(matches!(
            storage.write(on("d", "2026-11-28", true)).await,
            Err(StorageError::DayBudgetSpent)
        ));
        // ... even after a restart; the next day has its budget.
        drop(storage);
        let storage = Storage::open(&StorageConfig {
            budgets,
            ..config(dir.path(), 100_000)
        })
        .unwrap();
        assert!(matches!(
            storage.write(on("d", "2026-11-28", true)).await,
            Err(StorageError::DayBudgetSpent)
        ));
        storage.write(on("d", "2026-11-29", false)).await.unwrap();
    }

    async fn count(storage: &Storage, table: &'static str) -> i64 {
        storage
            .read(move |c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn mailboxes_fill_up_expire_and_free_their_space() {
        let dir = tempfile::tempdir().unwrap();
        let storage = open(dir.path(), 1000);
        for i in 0..3 {
            storage
                .write(message(&format!("old{i}"), "k-old", "2026-08-01", 100))
                .await
                .unwrap();
        }
        assert!(matches!(
            storage
                .write(message("old3", "k-old", "2026-08-01", 100))
                .await,
            Err(StorageError::Conflict(_))
        ));
        storage
            .write(message("new0", "k-new", "2026-11-01", 100))
            .await
            .unwrap();
        // A read on a later day keeps a mailbox alive; an earlier one changes nothing.
        storage
            .write(WriteOp::TouchMailbox {
                mailbox_key: "k-new".into(),
                day: Day::parse("2026-11-20").unwrap(),
            })
            .await
            .unwrap();
        storage
            .write(WriteOp::TouchMailbox {
                mailbox_key: "k-new".into(),
                day: Day::parse("2026-10-01").unwrap(),
            })
            .await
            .unwrap();
        // Reports and messages share the quota: 400 of 1000 bytes are used.
        assert!(matches!(
            storage.write(report("r", 700)).await,
            Err(StorageError::QuotaExceeded)
        ));
        let purged = storage
            .write(WriteOp::PurgeMailboxesInactiveBefore {
                day: Day::parse("2026-11-10").unwrap(),
            })
            .await
            .unwrap();
        assert_eq!(purged, WriteOutcome::Purged(1));
        assert_eq!(
            (
                count(&storage, "mailboxes").await,
                count(&storage, "mailbox_messages").await
            ),
            (1, 1)
        );
        assert_eq!(
            storage.write(report("r", 700)).await.unwrap(),
            WriteOutcome::Done,
            "space was freed"
        );
        storage
            .write(WriteOp::DeleteMailbox {
                mailbox_key: "k-new".into(),
            })
            .await
            .unwrap();
        storage
            .write(WriteOp::DeleteMailbox {
                mailbox_key: "k-none".into(),
            })
            .await
            .unwrap();
        assert_eq!(
            (
                count(&storage, "mailboxes").await,
                count(&storage, "mailbox_messages").await
            ),
            (0, 0)
        );
    }
}
