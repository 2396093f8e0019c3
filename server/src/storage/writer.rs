//! The one writer thread: it owns the only read-write connection and commits queued
//! writes in batches (group commit). A request is answered only after the
//! `COMMIT` that contains its write has returned with `synchronous=FULL`, so an
//! acknowledged report is on disk. Each write runs in its own savepoint, so one
//! failing write does not undo the others in its batch.

use std::sync::mpsc::{Receiver, TryRecvError};

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::{StorageError, WriteOp, WriteOutcome};
use crate::config::BudgetConfig;
use jasmine_client::Day;

/// Most writes committed together.
const MAX_BATCH: usize = 1024;

pub(super) struct Job {
    pub(super) op: WriteOp,
    pub(super) reply: oneshot::Sender<Result<WriteOutcome, StorageError>>,
}

/// Runs until every sender is dropped.
pub(super) fn run(mut conn: Connection, jobs: Receiver<Job>, mut quota: Quota) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    // Whether anything was committed since the last compaction (start counts).
    let mut written = true;
    let mut waiting: Option<Job> = None;
    loop {
        let first = match waiting.take() {
            Some(job) => job,
            None => match jobs.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        if matches!(first.op, WriteOp::Compact) {
            let outcome = if written {
                compact(&conn)
            } else {
                Ok(WriteOutcome::Compacted(false))
            };
            written = written && outcome.is_err();
            let _ = first.reply.send(outcome);
            continue;
        }
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                // A compaction waits for the batch before it to be committed.
                Ok(job) if matches!(job.op, WriteOp::Compact) => {
                    waiting = Some(job);
                    break;
                }
                Ok(job) => batch.push(job),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        let before = quota.clone();
        let outcomes = commit_batch(&mut conn, &batch, &mut quota);
        match outcomes {
            Ok(outcomes) => {
                written |= outcomes.iter().any(Result::is_ok);
                for (job, outcome) in batch.drain(..).zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            Err(e) => {
                quota = before;
                tracing::error!(
                    "a write batch of {} could not be committed: {e}",
                    batch.len()
                );
                for job in batch.drain(..) {
                    let _ = job.reply.send(Err(StorageError::of_database(&e)));
                }
            }
        }
    }
}

/// `VACUUM`, then a `TRUNCATE` checkpoint (see [`WriteOp::Compact`]).
fn compact(conn: &Connection) -> Result<WriteOutcome, StorageError> {
    conn.execute_batch("VACUUM;")?;
    // (busy, WAL frames, frames checkpointed): busy when a reader held the WAL; the
    // next compaction tries again.
    let (busy, _, _): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        tracing::warn!("compaction: readers kept the WAL busy; it is emptied next time");
        return Err(StorageError::Busy);
    }
    Ok(WriteOutcome::Compacted(true))
}

fn commit_batch(
    conn: &mut Connection,
    batch: &[Job],
    quota: &mut Quota,
) -> Result<Vec<Result<WriteOutcome, StorageError>>, rusqlite::Error> {
    let mut tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        let mut savepoint = tx.savepoint()?;
        match apply(&savepoint, &job.op, quota) {
            Ok(outcome) => {
                savepoint.commit()?;
                outcomes.push(Ok(outcome));
            }
            Err(e) => {
                savepoint.rollback()?;
                savepoint.commit()?;
                outcomes.push(Err(e));
            }
        }
    }
    tx.commit()?;
    Ok(outcomes)
}

fn apply(conn: &Connection, op: &WriteOp, quota: &mut Quota) -> Result<WriteOutcome, StorageError> {
    match op {
        WriteOp::InsertReport {
            id,
            received_on,
            bundle_version,
            ciphertext,
            attachments,
            may_use_reserve,
        } => {
            let size = (ciphertext.len() + attachments.as_ref().map_or(0, Vec::len)) as u64;
            let day_bytes = quota.admit_report(conn, *received_on, size, *may_use_reserve)?;
            conn.execute(
                "INSERT INTO reports (id, received_on, bundle_version, ciphertext, attachments) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, received_on.to_string(), *bundle_version as i64, ciphertext, attachments],
            )?;
            conn.execute(
                "INSERT INTO report_days (day, bytes) VALUES (?1, ?2)
                 ON CONFLICT(day) DO UPDATE SET bytes = excluded.bytes",
                params![received_on.to_string(), (day_bytes + size) as i64],
            )?;
            conn.execute(
                "DELETE FROM report_days WHERE day < ?1",
                [received_on.to_string()],
            )?;
            quota.add_report(*received_on, day_bytes + size, size);
            Ok(WriteOutcome::Done)
        }
        WriteOp::Acknowledge {
            report_id,
            moderator_id,
            required,
        } => {
            let size: Option<i64> = conn
                .query_row(
                    "SELECT length(ciphertext) + coalesce(length(attachments), 0) FROM reports WHERE id = ?1",
                    [report_id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(size) = size else {
                return Err(StorageError::NotFound);
            };
            conn.execute(
                "INSERT OR IGNORE INTO report_acks (report_id, moderator_id) VALUES (?1, ?2)",
                params![report_id, moderator_id],
            )?;
            let mut missing = 0;
            for m in required {
                let acked: bool = conn.query_row(
                    "SELECT EXISTS(SELECT 1 FROM report_acks WHERE report_id = ?1 AND moderator_id = ?2)",
                    params![report_id, m],
                    |r| r.get(0),
                )?;
                missing += usize::from(!acked);
            }
            if missing == 0 {
                conn.execute("DELETE FROM reports WHERE id = ?1", [report_id])?;
                quota.free_reports(size as u64);
                Ok(WriteOutcome::Deleted(true))
            } else {
                Ok(WriteOutcome::Deleted(false))
            }
        }
        WriteOp::PutBundle {
            version,
            signed_json,
        } => {
            let newest: Option<i64> =
                conn.query_row("SELECT max(version) FROM bundles", [], |r| r.get(0))?;
            if newest.is_some_and(|n| n as u64 >= *version) {
                return Err(StorageError::Conflict(format!(
                    "version {version} is not newer than the stored version {}",
                    newest.unwrap_or_default()
                )));
            }
            conn.execute(
                "INSERT INTO bundles (version, signed_json) VALUES (?1, ?2)",
                params![*version as i64, signed_json],
            )?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::InsertAlert {
            id,
            published_on,
            region,
            severity,
            categories,
            signed_json,
        } => {
            let existing: Option<String> = conn
                .query_row("SELECT signed_json FROM alerts WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?;
            if let Some(existing) = existing {
                return if &existing == signed_json {
                    Ok(WriteOutcome::AlreadyThere)
                } else {
                    Err(StorageError::Conflict(
                        "another alert with this id is already published".into(),
                    ))
                };
            }
            conn.execute(
                "INSERT INTO alerts (id, published_on, region, severity, signed_json) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, published_on.to_string(), region, severity, signed_json],
            )?;
            for category in categories {
                conn.execute(
                    "INSERT INTO alert_categories (alert_id, category) VALUES (?1, ?2)",
                    params![id, category],
                )?;
            }
            Ok(WriteOutcome::Done)
        }
        WriteOp::InsertRetraction {
            alert_id,
            retracted_on,
            signed_json,
        } => {
            let exists: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM alerts WHERE id = ?1)",
                [alert_id],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(StorageError::NotFound);
            }
            let inserted = conn.execute(
                "INSERT OR IGNORE INTO retractions (alert_id, retracted_on, signed_json) VALUES (?1, ?2, ?3)",
                params![alert_id, retracted_on.to_string(), signed_json],
            )?;
            // A retracted alert's identifiers leave the check list with it.
            conn.execute("DELETE FROM check_entries WHERE alert_id = ?1", [alert_id])?;
            Ok(if inserted == 1 {
                WriteOutcome::Done
            } else {
                WriteOutcome::AlreadyThere
            })
        }
        WriteOp::InsertCheckEntries { entries } => {
            let mut added = 0;
            for (alert_id, tag, signed_json) in entries {
                let (published, retracted): (bool, bool) = conn.query_row(
                    "SELECT EXISTS(SELECT 1 FROM alerts WHERE id = ?1),
                            EXISTS(SELECT 1 FROM retractions WHERE alert_id = ?1)",
                    [alert_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )?;
                if !published {
                    return Err(StorageError::NotFound);
                }
                if retracted {
                    return Err(StorageError::Conflict(format!(
                        "alert {alert_id} was retracted; its identifiers cannot be listed"
                    )));
                }
                added += conn.execute(
                    "INSERT OR IGNORE INTO check_entries (alert_id, tag, signed_json) VALUES (?1, ?2, ?3)",
                    params![alert_id, tag, signed_json],
                )?;
            }
            Ok(if added == 0 {
                WriteOutcome::AlreadyThere
            } else {
                WriteOutcome::Done
            })
        }
        WriteOp::PurgeReceivedBefore { day } => {
            let (deleted, freed) = delete_ciphertexts(
                conn,
                "DELETE FROM reports WHERE received_on < ?1 RETURNING length(ciphertext) + coalesce(length(attachments), 0)",
                [day.to_string()],
            )?;
            quota.free_reports(freed);
            Ok(WriteOutcome::Purged(deleted))
        }
        WriteOp::PostMessage {
            id,
            mailbox_key,
            posted_on,
            sender,
            bundle_version,
            ciphertext,
            attachments,
            posted_by,
            max_messages,
            max_answer_bytes,
            item_id,
        } => {
            if let Some(item) = item_id {
                // Posted before (a publication interrupted and run again): the first
                // copy stands, and the same answer is given; the id of another message
                // is a conflict.
                let earlier: Option<(String, String, String, Vec<u8>)> = conn
                    .query_row(
                        "SELECT id, mailbox_key, posted_on, ciphertext FROM mailbox_messages WHERE item_id = ?1",
                        [item],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                    )
                    .optional()?;
                if let Some((id, key, day, stored)) = earlier {
                    if key != *mailbox_key || stored != *ciphertext {
                        return Err(StorageError::Conflict(
                            "this item_id was already used for another reply".into(),
                        ));
                    }
                    let posted_on = Day::parse(&day).map_err(|_| StorageError::Unavailable)?;
                    return Ok(WriteOutcome::Repeated { id, posted_on });
                }
            }
            let size = (ciphertext.len() + attachments.as_ref().map_or(0, Vec::len)) as u64;
            let from_reporter = posted_by.is_none();
            if from_reporter {
                // A reporter may only answer in a conversation a moderator opened: an
                // unknown mailbox and one without a reply are the same refusal, and
                // both cost the same query.
                let opened: bool = conn.query_row(
                    "SELECT EXISTS(SELECT 1 FROM mailbox_messages WHERE mailbox_key = ?1 AND sender = 'moderator')",
                    [mailbox_key],
                    |r| r.get(0),
                )?;
                if !opened {
                    return Err(StorageError::NoConversation);
                }
            }
            quota.admit_message(size, from_reporter)?;
            let (count, last_seq, answer_bytes): (i64, Option<i64>, i64) = conn.query_row(
                "SELECT count(*), max(seq),
                        coalesce(sum(CASE WHEN sender = 'reporter'
                            THEN length(ciphertext) + coalesce(length(attachments), 0) END), 0)
                 FROM mailbox_messages WHERE mailbox_key = ?1",
                [mailbox_key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            if count >= i64::from(*max_messages) {
                return Err(StorageError::Conflict(format!(
                    "this conversation already holds {count} messages, the most a mailbox keeps; the association can still be reached through the help page"
                )));
            }
            // Her answers with images are large: one conversation keeps a bounded
            // share of the messages' budget, so that a stolen codename fills only it.
            if from_reporter
                && (answer_bytes.max(0) as u64).saturating_add(size) > *max_answer_bytes
            {
                return Err(StorageError::Conflict(format!(
                    "this conversation already holds {} MiB of your answers, the most a mailbox keeps; send fewer or smaller images, or reach the association through the help page",
                    answer_bytes.max(0) as u64 / (1024 * 1024)
                )));
            }
            conn.execute(
                "INSERT INTO mailboxes (key, last_active_on) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET last_active_on = max(last_active_on, excluded.last_active_on)",
                params![mailbox_key, posted_on.to_string()],
            )?;
            conn.execute(
                "INSERT INTO mailbox_messages (id, mailbox_key, seq, posted_on, sender, bundle_version, ciphertext, item_id, attachments)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    mailbox_key,
                    last_seq.unwrap_or(0) + 1,
                    posted_on.to_string(),
                    sender,
                    *bundle_version as i64,
                    ciphertext,
                    item_id,
                    attachments
                ],
            )?;
            if let Some(moderator) = posted_by {
                conn.execute(
                    "INSERT INTO message_acks (message_id, moderator_id) VALUES (?1, ?2)",
                    params![id, moderator],
                )?;
            }
            quota.add_message(size);
            Ok(WriteOutcome::Done)
        }
        WriteOp::TouchMailbox { mailbox_key, day } => {
            conn.execute(
                "UPDATE mailboxes SET last_active_on = ?2 WHERE key = ?1 AND last_active_on < ?2",
                params![mailbox_key, day.to_string()],
            )?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::DeleteMailbox { mailbox_key } => {
            let (_, freed) = delete_ciphertexts(
                conn,
                "DELETE FROM mailbox_messages WHERE mailbox_key = ?1 RETURNING length(ciphertext) + coalesce(length(attachments), 0)",
                [mailbox_key],
            )?;
            conn.execute("DELETE FROM mailboxes WHERE key = ?1", [mailbox_key])?;
            quota.free_messages(freed);
            Ok(WriteOutcome::Done)
        }
        WriteOp::AcknowledgeMessage {
            message_id,
            moderator_id,
        } => {
            let exists: bool = conn.query_row(
                "SELECT EXISTS(SELECT 1 FROM mailbox_messages WHERE id = ?1)",
                [message_id],
                |r| r.get(0),
            )?;
            if !exists {
                return Err(StorageError::NotFound);
            }
            conn.execute(
                "INSERT OR IGNORE INTO message_acks (message_id, moderator_id) VALUES (?1, ?2)",
                params![message_id, moderator_id],
            )?;
            Ok(WriteOutcome::Done)
        }
        WriteOp::SetHidden {
            alerts,
            retractions,
        } => {
            conn.execute("UPDATE alerts SET hidden = 0 WHERE hidden <> 0", [])?;
            conn.execute("UPDATE retractions SET hidden = 0 WHERE hidden <> 0", [])?;
            for id in alerts {
                conn.execute("UPDATE alerts SET hidden = 1 WHERE id = ?1", [id])?;
            }
            for id in retractions {
                conn.execute(
                    "UPDATE retractions SET hidden = 1 WHERE alert_id = ?1",
                    [id],
                )?;
            }
            Ok(WriteOutcome::Done)
        }
        WriteOp::Compact => Err(StorageError::Conflict(
            "compaction runs alone, never in a batch".into(),
        )),
        WriteOp::PurgeMailboxesInactiveBefore { day } => {
            let (_, freed) = delete_ciphertexts(
                conn,
                "DELETE FROM mailbox_messages WHERE mailbox_key IN
                 (SELECT key FROM mailboxes WHERE last_active_on < ?1) RETURNING length(ciphertext) + coalesce(length(attachments), 0)",
                [day.to_string()],
            )?;
            let deleted = conn.execute(
                "DELETE FROM mailboxes WHERE last_active_on < ?1",
                [day.to_string()],
            )?;
            quota.free_messages(freed);
            Ok(WriteOutcome::Purged(deleted as u64))
        }
    }
}

/// Runs a `DELETE … RETURNING length(ciphertext) + coalesce(length(attachments), 0)`
/// and returns how many rows went and how many ciphertext bytes (envelopes and
/// attachments files) they freed (for the storage quota).
fn delete_ciphertexts(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<(u64, u64)> {
    let mut statement = conn.prepare(sql)?;
    let mut rows = statement.query(params)?;
    let (mut deleted, mut freed) = (0u64, 0u64);
    while let Some(row) = rows.next()? {
        deleted += 1;
        freed += row.get::<_, Option<i64>>(0)?.unwrap_or(0).max(0) as u64;
    }
    Ok((deleted, freed))
}

/// What is stored, against the budgets (`[budgets]` and `max_stored_bytes`). Kept in
/// memory by the writer, read from the database when it starts; restored with the
/// batch when a commit fails.
#[derive(Clone, Debug)]
pub(super) struct Quota {
    /// Ciphertext bytes of reports and messages together, and their limit.
    pub(super) total: u64,
    pub(super) max_total: u64,
    /// Report ciphertext bytes kept.
    pub(super) reports: u64,
    /// Mailbox ciphertext bytes kept.
    pub(super) messages: u64,
    /// Report bytes received on the day cached (deleted ones included).
    pub(super) day: Option<(Day, u64)>,
    pub(super) budgets: BudgetConfig,
}

impl Quota {
    /// Checks a report of `size` bytes received on `day` against every budget;
    /// returns the bytes already received that day.
    fn admit_report(
        &mut self,
        conn: &Connection,
        day: Day,
        size: u64,
        may_use_reserve: bool,
    ) -> Result<u64, StorageError> {
        if self.total.saturating_add(size) > self.max_total
            || self.reports.saturating_add(size) > self.budgets.reports_bytes
        {
            return Err(StorageError::QuotaExceeded);
        }
        let day_bytes = match self.day {
            Some((cached, bytes)) if cached == day => bytes,
            _ => conn
                .query_row(
                    "SELECT bytes FROM report_days WHERE day = ?1",
                    [day.to_string()],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .unwrap_or(0)
                .max(0) as u64,
        };
        let after = day_bytes.saturating_add(size);
        if after > self.budgets.reports_bytes_per_day {
            return Err(StorageError::DayBudgetSpent);
        }
        if !may_use_reserve
            && after > self.budgets.reports_bytes_per_day - self.budgets.reserve_bytes_per_day
        {
            return Err(StorageError::ReserveOnly);
        }
        Ok(day_bytes)
    }

    fn add_report(&mut self, day: Day, day_bytes: u64, size: u64) {
        self.day = Some((day, day_bytes));
        self.reports += size;
        self.total += size;
    }

    fn free_reports(&mut self, bytes: u64) {
        self.reports = self.reports.saturating_sub(bytes);
        self.total = self.total.saturating_sub(bytes);
    }

    /// Reporters' answers draw on the messages budget; moderators' replies are
    /// counted but only the overall limit refuses them.
    fn admit_message(&self, size: u64, from_reporter: bool) -> Result<(), StorageError> {
        if self.total.saturating_add(size) > self.max_total
            || (from_reporter && self.messages.saturating_add(size) > self.budgets.messages_bytes)
        {
            return Err(StorageError::QuotaExceeded);
        }
        Ok(())
    }

    fn add_message(&mut self, size: u64) {
        self.messages += size;
        self.total += size;
    }

    fn free_messages(&mut self, bytes: u64) {
        self.messages = self.messages.saturating_sub(bytes);
        self.total = self.total.saturating_sub(bytes);
    }
}
