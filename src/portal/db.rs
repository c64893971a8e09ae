//! The portal's own SQLite file: WAL (the HTTP workers read while one writes), `synchronous=FULL`
//! (a batch answered `stored` survives a power cut), forward-only migrations as on the counter.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use super::PortalError;

const STEPS: &[&str] = &[
    // 1: keys, counters, the roster with its change sequence, photos, every counter's log, and
    // what is derived from the logs.
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE signing_keys (
        id         INTEGER PRIMARY KEY,
        secret     TEXT NOT NULL,
        public     TEXT NOT NULL,
        created_at TEXT NOT NULL
     );
     CREATE TABLE counters (
        counter_id   TEXT PRIMARY KEY,
        site_code    TEXT NOT NULL,
        token_sha256 TEXT NOT NULL UNIQUE,
        created_at   TEXT NOT NULL
     );
     CREATE TABLE candidates (
        exam_no       TEXT PRIMARY KEY,
        site_code     TEXT NOT NULL,
        change_seq    INTEGER NOT NULL UNIQUE,
        source_sha256 TEXT NOT NULL,
        name          TEXT NOT NULL,
        record        TEXT NOT NULL
     );
     CREATE INDEX candidates_by_site_change ON candidates(site_code, change_seq);
     CREATE TABLE photos (exam_no TEXT PRIMARY KEY, sha256 TEXT NOT NULL, jpeg BLOB NOT NULL);
     CREATE TABLE events (
        event_id    TEXT PRIMARY KEY,
        counter_id  TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        site_code   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        intake_id   TEXT,
        exam_no     TEXT NOT NULL,
        at          TEXT NOT NULL,
        local_date  TEXT NOT NULL,
        local_hour  INTEGER NOT NULL,
        clerk_id    TEXT NOT NULL,
        body        TEXT NOT NULL,
        received_at TEXT NOT NULL,
        UNIQUE (counter_id, seq)
     );
     CREATE INDEX events_by_site_date ON events(site_code, local_date);
     CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TABLE intake_owners (
        intake_id  TEXT PRIMARY KEY,
        exam_no    TEXT NOT NULL,
        counter_id TEXT NOT NULL
     );
     CREATE TABLE candidate_states (
        exam_no    TEXT NOT NULL,
        counter_id TEXT NOT NULL,
        intake_id  TEXT,
        state      TEXT NOT NULL,
        seq        INTEGER NOT NULL,
        at         TEXT NOT NULL,
        clerk_id   TEXT NOT NULL,
        PRIMARY KEY (exam_no, counter_id)
     );
     CREATE INDEX candidate_states_by_state ON candidate_states(state, exam_no);",
    // 2: events about no candidate (a supervisor unlocked a clerk): `exam_no` may be NULL.
    // SQLite cannot drop a NOT NULL constraint, so the table is rebuilt (its triggers go with
    // the old table and are made again).
    "CREATE TABLE events_v2 (
        event_id    TEXT PRIMARY KEY,
        counter_id  TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        site_code   TEXT NOT NULL,
        kind        TEXT NOT NULL,
        intake_id   TEXT,
        exam_no     TEXT,
        at          TEXT NOT NULL,
        local_date  TEXT NOT NULL,
        local_hour  INTEGER NOT NULL,
        clerk_id    TEXT NOT NULL,
        body        TEXT NOT NULL,
        received_at TEXT NOT NULL,
        UNIQUE (counter_id, seq)
     );
     INSERT INTO events_v2(event_id, counter_id, seq, site_code, kind, intake_id, exam_no, at,
            local_date, local_hour, clerk_id, body, received_at)
        SELECT event_id, counter_id, seq, site_code, kind, intake_id, exam_no, at,
            local_date, local_hour, clerk_id, body, received_at FROM events;
     DROP TABLE events;
     ALTER TABLE events_v2 RENAME TO events;
     CREATE INDEX events_by_site_date ON events(site_code, local_date);
     CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
     CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
        BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",
    // 3: each candidate's photo as last measured on import, against the standard of the site's city
    // (`standard` is '' when none applies): which photo (its SHA-256), the outcome, and the rules
    // failed or not measured as JSON arrays of rule keys (data/photo_standards.toml `check`).
    "CREATE TABLE photo_checks (
        exam_no      TEXT PRIMARY KEY,
        sha256       TEXT NOT NULL,
        standard     TEXT NOT NULL,
        passed       INTEGER NOT NULL,
        outcome      TEXT NOT NULL,
        failed_rules TEXT NOT NULL,
        not_measured TEXT NOT NULL,
        measured_at  TEXT NOT NULL
     );",
    // 4: enrolment and revocation: one-time enrolment codes (only their SHA-256 is kept; a code
    // is used once, within its validity) and a revoked counter's date (its token is refused).
    "CREATE TABLE enrolment_codes (
        code_sha256 TEXT PRIMARY KEY,
        counter_id  TEXT NOT NULL REFERENCES counters(counter_id),
        created_at  TEXT NOT NULL,
        expires_at  TEXT NOT NULL,
        used_at     TEXT
     );
     CREATE INDEX enrolment_codes_by_counter ON enrolment_codes(counter_id);
     ALTER TABLE counters ADD COLUMN revoked_at TEXT;",
    // 5: clocks and restored counters (issue 15). Each event keeps the offset it came with and
    // a flag when its corrected time is implausible (then it is filed under no day); each
    // counter its latest offset, its last contact and refused clones; each counter's database
    // logs, the current one and those it replaced.
    "ALTER TABLE events ADD COLUMN clock_offset_ms INTEGER;
     ALTER TABLE events ADD COLUMN clock_flag TEXT;
     CREATE TABLE counter_status (
        counter_id        TEXT PRIMARY KEY,
        clock_offset_ms   INTEGER,
        clock_measured_at TEXT,
        last_batch_at     TEXT,
        clone_refused_at  TEXT
     );
     CREATE TABLE counter_logs (
        log_id     TEXT PRIMARY KEY,
        counter_id TEXT NOT NULL,
        current    INTEGER NOT NULL,
        since      TEXT NOT NULL
     );
     CREATE INDEX counter_logs_current ON counter_logs(counter_id) WHERE current = 1;
     CREATE INDEX events_flagged ON events(site_code, counter_id) WHERE clock_flag IS NOT NULL;",
];

/// Opens (creating if needed) and migrates the portal database; owner-only on Unix.
pub fn open(path: &Path) -> Result<Connection, PortalError> {
    // A file that is not the portal's database (a counter's given by mistake) is left alone.
    crate::owner_only::prepare_database(path, &["signing_keys", "counters"]).map_err(|source| {
        match source.kind() {
            std::io::ErrorKind::InvalidData => PortalError::NotPortal(path.to_owned()),
            _ => PortalError::Open {
                path: path.to_owned(),
                source,
            },
        }
    })?;
    let mut conn = Connection::open(path)?;
    let pages: i64 = conn.pragma_query_value(None, "page_count", |r| r.get(0))?;
    if pages == 0 {
        // Roster records are about 1.5 KB of JSON: 16 KB pages hold several each (as on the
        // counter). Settable only before the first table, and before WAL.
        conn.pragma_update(None, "page_size", 16_384)?;
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    migrate(&mut conn)?;
    ensure_portal_id(&conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), PortalError> {
    crate::migrations::run(conn, STEPS, STEPS.len() as i64).map_err(|e| match e {
        crate::migrations::MigrationError::TooNew { found } => PortalError::TooNew(found),
        crate::migrations::MigrationError::Sql(e) => PortalError::Sql(e),
    })
}

/// A random id for this database, sent with every roster page: counters notice when the
/// portal they pull from is not the one their cursor came from.
fn ensure_portal_id(conn: &Connection) -> Result<(), PortalError> {
    let id = uuid::Uuid::now_v7().to_string();
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('portal_id', ?1)",
        [id],
    )?;
    Ok(())
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<String>, PortalError> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_of_a_version_1_portal_survive_and_may_then_lack_a_candidate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("portal.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(STEPS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute(
                "INSERT INTO events VALUES ('e1', 'c1', 1, '9901', 'accepted', 'i1', '990126200001',
                    '2026-11-20T02:00:00+00:00', '2026-11-20', 10, 'c01', '{}', '2026-11-20T02:01:00+00:00')",
                [],
            )
            .unwrap();
        }
        let conn = open(&path).unwrap();
        let kept: (String, Option<String>) = conn
            .query_row(
                "SELECT kind, exam_no FROM events WHERE event_id = 'e1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(kept, ("accepted".into(), Some("990126200001".into())));
        conn.execute(
            "INSERT INTO events VALUES ('e2', 'c1', 2, '9901', 'clerk_unlocked', NULL, NULL,
                '2026-11-20T02:00:00+00:00', '2026-11-20', 10, 's01', '{}', '2026-11-20T02:01:00+00:00', NULL, NULL)",
            [],
        )
        .unwrap();
        // Still append-only, still one sequence number per counter.
        assert!(conn.execute("DELETE FROM events", []).is_err());
        assert!(conn.execute("UPDATE events SET kind = 'x'", []).is_err());
        assert!(
            conn.execute(
                "INSERT INTO events VALUES ('e3', 'c1', 2, '9901', 'accepted', NULL, NULL,
                    '2026-11-20T02:00:00+00:00', '2026-11-20', 10, 's01', '{}', '2026-11-20T02:01:00+00:00', NULL, NULL)",
                [],
            )
            .is_err()
        );
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, STEPS.len() as i64);
    }
}
