//! The counter database's forward-only schema steps (run by `crate::migrations`).

use rusqlite::Connection;

use super::StoreError;
use crate::migrations::MigrationError;

/// Step N takes the schema from version N-1 to N. Never edit a step that has shipped: add one.
const STEPS: &[&str] = &[
    // 1: the roster as the portal sends it, and the photos.
    "CREATE TABLE candidates (
        exam_no    TEXT PRIMARY KEY,
        id_no      TEXT NOT NULL,
        name       TEXT NOT NULL,
        site_code  TEXT NOT NULL,
        batch      TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        record     TEXT NOT NULL
     ) WITHOUT ROWID;
     CREATE INDEX candidates_by_id_no ON candidates(id_no);
     CREATE INDEX candidates_by_site ON candidates(site_code);
     CREATE TABLE photos (
        exam_no TEXT PRIMARY KEY,
        sha256  TEXT NOT NULL,
        jpeg    BLOB NOT NULL
     );
     CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    // 2: the counter's work: intakes, its append-only event log, clerks and the audit chain.
    "CREATE TABLE intakes (
        id         TEXT PRIMARY KEY,
        exam_no    TEXT NOT NULL UNIQUE,
        state      TEXT NOT NULL,
        counter_id TEXT NOT NULL,
        opened_at  TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        body       TEXT NOT NULL
     );
     CREATE INDEX intakes_by_updated ON intakes(updated_at);
     CREATE TABLE events (
        counter_id TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        event_id   TEXT NOT NULL UNIQUE,
        kind       TEXT NOT NULL,
        intake_id  TEXT,
        at         TEXT NOT NULL,
        clerk_id   TEXT NOT NULL,
        body       TEXT NOT NULL,
        sync_state TEXT NOT NULL DEFAULT 'pending',
        sync_error TEXT,
        PRIMARY KEY (counter_id, seq)
     );
     CREATE TRIGGER events_append_only_update BEFORE UPDATE OF counter_id, seq, event_id, kind, intake_id, at, clerk_id, body ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TABLE clerks (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL,
        pin_hash      TEXT NOT NULL,
        disabled      INTEGER NOT NULL DEFAULT 0,
        failed_logins INTEGER NOT NULL DEFAULT 0,
        locked_until  TEXT
     );
     CREATE TABLE audit (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        actor     TEXT NOT NULL,
        action    TEXT NOT NULL,
        detail    TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
     );",
    // 3: schedule documents added after the build (a new batch's windows, the demo window).
    "CREATE TABLE schedule_docs (name TEXT PRIMARY KEY, toml TEXT NOT NULL);",
    // 4: sync finds the next pending events of a counter without scanning those already sent.
    "CREATE INDEX events_pending ON events(counter_id, seq) WHERE sync_state = 'pending';",
    // 5: photos the roster pulled from the portal names and the counter does not hold yet, so
    // sync fetches them without scanning every record.
    "CREATE TABLE photo_wants (exam_no TEXT PRIMARY KEY, sha256 TEXT NOT NULL);
     INSERT INTO photo_wants(exam_no, sha256)
        SELECT c.exam_no, json_extract(c.record, '$.photo_sha256') FROM candidates c
        WHERE json_extract(c.record, '$.photo_sha256') IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM photos p WHERE p.exam_no = c.exam_no
                          AND p.sha256 = json_extract(c.record, '$.photo_sha256'));",
    // 6: each event carries the clock offset measured before it was made; an event that never
    // reached the portal may be renumbered (a restored counter recovering its lost events puts
    // its new ones after them). A sent event keeps its number; nothing else ever changes.
    "ALTER TABLE events ADD COLUMN clock_offset_ms INTEGER;
     DROP TRIGGER events_append_only_update;
     CREATE TRIGGER events_append_only_update BEFORE UPDATE OF counter_id, event_id, kind, intake_id, at, clerk_id, body, clock_offset_ms ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TRIGGER events_sent_seq_fixed BEFORE UPDATE OF seq ON events WHEN OLD.sync_state = 'sent'
        BEGIN SELECT RAISE(ABORT, 'a sent event keeps its sequence number'); END;",
];

pub const LATEST_VERSION: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    crate::migrations::run(conn, STEPS, target).map_err(|e| match e {
        MigrationError::TooNew { found } => StoreError::TooNew { found },
        MigrationError::Sql(error) => StoreError::Sql { error },
    })
}
