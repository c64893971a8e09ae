//! The counter's database: SQLite on disk (WAL, `synchronous=FULL`), owner-only file mode,
//! forward-only versioned migrations. Every state change and the events that record it are
//! written in one transaction.

mod audit;
mod clerks;
mod intakes;
mod migrations;
mod printing;
mod recovery;
mod roster;
mod sync;
mod tally;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use thiserror::Error;

pub use audit::{AuditEntry, AuditProblem};
pub use clerks::{Clerk, ClerkError, ClerkStatus, LoginError, Role, pin_is_acceptable};
pub use intakes::{Actor, IntakeListRow, IntakeRecord, LoggedEvent};
pub use migrations::LATEST_VERSION;
pub use printing::Printed;
pub use recovery::{LogIdentity, Recovered, RecoveredEvent};
pub use roster::{ImportReport, RosterRow, RowSink, sha256_hex};
pub use sync::{EventFate, OutgoingEvent, RejectedEvent};
pub use tally::VoidError;

use crate::strings;

#[derive(Debug, Error)]
pub enum StoreError {
    /// `cause` is shown in the message itself (named so it is not a `source` printed twice).
    #[error("{}{path}（{cause}）", strings::STORE_OPEN)]
    Open {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// SQLite's own text is English and says the same thing twice when its cause is printed
    /// after it, so the clerk reads a Chinese reason and the code; the error is kept (not as a
    /// `source`) for the log and for callers that look at the code.
    #[error(
        "{}{}（SQLite {}）",
        strings::STORE_SQL,
        sql_reason(error),
        sql_code(error)
    )]
    Sql { error: rusqlite::Error },
    #[error("{msg}{0}", msg = strings::STORE_CORRUPT)]
    Corrupt(String),
    #[error("{}{found}", strings::STORE_TOO_NEW)]
    TooNew { found: i64 },
}

/// Tables every counter database has: what tells it from any other file.
pub const MARK_TABLES: &[&str] = &["candidates", "settings"];

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        StoreError::Sql { error }
    }
}

/// What a failed SQLite call means for the person at the screen, and what to do.
fn sql_reason(error: &rusqlite::Error) -> &'static str {
    use rusqlite::ErrorCode as C;
    match error.sqlite_error_code() {
        Some(C::DiskFull) => strings::SQL_DISK_FULL,
        Some(C::ReadOnly | C::PermissionDenied | C::CannotOpen) => strings::SQL_READ_ONLY,
        Some(C::NotADatabase | C::DatabaseCorrupt) => strings::SQL_CORRUPT,
        Some(C::DatabaseBusy | C::DatabaseLocked) => strings::SQL_BUSY,
        Some(C::SystemIoFailure) => strings::SQL_IO,
        Some(C::ConstraintViolation) => strings::SQL_REFUSED,
        _ => strings::SQL_OTHER,
    }
}

/// SQLite's extended result code, for the administrator (0 when the error is not SQLite's).
fn sql_code(error: &rusqlite::Error) -> i32 {
    match error {
        rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
        _ => 0,
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the latest version.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_at_version(path, LATEST_VERSION)
    }

    /// Opens and migrates only up to `version`: lets tests build databases of earlier versions.
    pub fn open_at_version(path: &Path, version: i64) -> Result<Self, StoreError> {
        let new_file = crate::owner_only::prepare_database(path, MARK_TABLES).map_err(|cause| {
            StoreError::Open {
                path: path.to_owned(),
                cause,
            }
        })?;
        let mut conn = Connection::open(path)?;
        if new_file {
            // Roster records are about 1.5 KB of JSON: 16 KB pages hold several of them, where
            // 4 KB pages would spill most into overflow pages. Only settable before the first
            // table exists.
            conn.pragma_update(None, "page_size", 16_384)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn, version)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Opens an existing database for reading only, as it is: no file created, no mode
    /// changed, no migration (`grad-intake doctor`; see [`crate::owner_only::open_untouched`]).
    pub fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            conn: crate::owner_only::open_untouched(path)?,
            path: path.to_owned(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the file is at.
    pub fn version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// Direct access for tests and tools that inspect the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// A named setting (roster cursor, schedule documents' bookkeeping, ...).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Extra schedule documents (sites and windows in the format of `data/`), e.g. a new batch's
    /// windows imported by an administrator or the demo's window.
    pub fn schedule_docs(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, toml FROM schedule_docs ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn put_schedule_doc(&self, name: &str, toml: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO schedule_docs(name, toml) VALUES (?1, ?2)
             ON CONFLICT(name) DO UPDATE SET toml = excluded.toml",
            [name, toml],
        )?;
        Ok(())
    }
}
