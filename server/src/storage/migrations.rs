//! Ordered schema migrations. Each runs once, in order, inside one transaction with
//! the version bump, so a database is always at exactly one known version.

use rusqlite::{Connection, OptionalExtension};

/// The migrations, in order. Never edit one that has shipped: add another.
const MIGRATIONS: &[&str] = &[
    // 1: reports, acknowledgements, bundles, alerts, retractions.
    // Tables holding reporter data are WITHOUT ROWID and keyed by random ids, so the
    // file's physical order says nothing about the order of arrival.
    r#"
    CREATE TABLE reports (
        id             TEXT PRIMARY KEY,
        received_on    TEXT NOT NULL,          -- YYYY-MM-DD, never a time of day
        bundle_version INTEGER NOT NULL,
        ciphertext     BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX reports_received_on ON reports(received_on);
    CREATE TABLE report_acks (
        report_id    TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
        moderator_id TEXT NOT NULL,
        PRIMARY KEY (report_id, moderator_id)
    ) WITHOUT ROWID;
    CREATE TABLE bundles (
        version     INTEGER PRIMARY KEY,
        signed_json BLOB NOT NULL
    );
    CREATE TABLE alerts (
        id           TEXT PRIMARY KEY,
        published_on TEXT NOT NULL,
        region       TEXT NOT NULL,
        severity     TEXT NOT NULL,
        signed_json  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX alerts_published_on ON alerts(published_on);
    CREATE TABLE alert_categories (
        alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        category TEXT NOT NULL,
        PRIMARY KEY (alert_id, category)
    ) WITHOUT ROWID;
    CREATE TABLE retractions (
        alert_id     TEXT PRIMARY KEY REFERENCES alerts(id),
        retracted_on TEXT NOT NULL,
        signed_json  TEXT NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: reply mailboxes. A mailbox is filed under SHA-256 of its id (the id itself,
    // derived from the reporter's codename, is never stored); messages are ciphertext
    // readable by the reporter and the moderators; `seq` orders one conversation.
    r#"
    CREATE TABLE mailboxes (
        key            TEXT PRIMARY KEY,
        last_active_on TEXT NOT NULL           -- YYYY-MM-DD of the last post or read
    ) WITHOUT ROWID;
    CREATE INDEX mailboxes_last_active_on ON mailboxes(last_active_on);
    CREATE TABLE mailbox_messages (
        id             TEXT PRIMARY KEY,
        mailbox_key    TEXT NOT NULL REFERENCES mailboxes(key) ON DELETE CASCADE,
        seq            INTEGER NOT NULL,
        posted_on      TEXT NOT NULL,
        sender         TEXT NOT NULL,          -- 'moderator' or 'reporter'
        bundle_version INTEGER NOT NULL,
        ciphertext     BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX mailbox_messages_order ON mailbox_messages(mailbox_key, seq);
    CREATE TABLE message_acks (
        message_id   TEXT NOT NULL REFERENCES mailbox_messages(id) ON DELETE CASCADE,
        moderator_id TEXT NOT NULL,
        PRIMARY KEY (message_id, moderator_id)
    ) WITHOUT ROWID;
    "#,
    // 3: the bytes of reports received today (deleted ones included), for the daily
    // budget: one row, for the current day only.
    r#"
    CREATE TABLE report_days (
        day   TEXT PRIMARY KEY,                -- YYYY-MM-DD
        bytes INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 4: alerts and retractions that no longer verify against the current bundle (a
    // revoked key's) are kept but hidden; set again at every bundle install and start.
    r#"
    ALTER TABLE alerts ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE retractions ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: a moderator's reply carries the item id its desk chose (random, 32 hex), so
    // that a reply sent again is stored once.
    r#"
    ALTER TABLE mailbox_messages ADD COLUMN item_id TEXT;
    CREATE UNIQUE INDEX mailbox_messages_item ON mailbox_messages(item_id) WHERE item_id IS NOT NULL;
    "#,
    // 6: the check list (docs/PROTOCOL.md §5b): signed entries {alert id, tag}; an
    // entry goes when its alert is retracted.
    r#"
    CREATE TABLE check_entries (
        alert_id    TEXT NOT NULL REFERENCES alerts(id),
        tag         TEXT NOT NULL,             -- base64 of 32 bytes
        signed_json TEXT NOT NULL,
        PRIMARY KEY (alert_id, tag)
    ) WITHOUT ROWID;
    "#,
    // Issue 16: a report's (and an answer's) attachments file, sealed like it.
    r#"
    ALTER TABLE reports ADD COLUMN attachments BLOB;
    ALTER TABLE mailbox_messages ADD COLUMN attachments BLOB;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database to [`SCHEMA_VERSION`]. Refuses a database from a newer build.
pub fn migrate(conn: &mut Connection) -> Result<u32, String> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
        .map_err(|e| e.to_string())?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;")
        .map_err(|e| e.to_string())?;
    let current: u32 = tx
        .query_row(
            "SELECT value FROM schema_meta WHERE key = 'version'",
            [],
            |row| row.get::<_, String>(0),
        )
        .optional()
        .map_err(|e| e.to_string())?
        .map(|v| v.parse().unwrap_or(u32::MAX))
        .unwrap_or(0);
    if current > SCHEMA_VERSION {
        return Err(format!(
            "the database is at schema version {current}, newer than this server's {SCHEMA_VERSION}: run a newer jasmine-server"
        ));
    }
    for (index, script) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.execute_batch(script)
            .map_err(|e| format!("migration {} failed: {e}", index + 1))?;
    }
    tx.execute(
        "INSERT INTO schema_meta (key, value) VALUES ('version', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION.to_string()],
    )
    .map_err(|e| e.to_string())?;
    tx.commit().map_err(|e| e.to_string())?;
    Ok(SCHEMA_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless_and_newer_databases_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(migrate(&mut conn).unwrap(), SCHEMA_VERSION);
        conn.execute(
            "UPDATE schema_meta SET value = '999' WHERE key = 'version'",
            [],
        )
        .unwrap();
        assert!(migrate(&mut conn).unwrap_err().contains("newer"));
    }
}
