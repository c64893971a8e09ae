//! The reference portal (DESIGN §4): the server side of the sync protocol on SQLite, so the whole
//! system runs on one laptop for tests, demos and small deployments.
//!
//! It keeps the portal's signing key (the counters hold only its public half), the roster with a
//! change sequence (the counters' cursor), photos, and every counter's event log; it derives each
//! candidate's state across counters and reports cross-counter conflicts and the office tally.

mod admin;
mod clocks;
mod db;
mod enrol;
mod http;
mod ingest;
mod photos;
mod queries;
mod routes;
mod tls;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use rusqlite::Connection;
use thiserror::Error;

pub use admin::{PortalImport, UnreadablePhoto, new_token};
pub use enrol::{CODE_VALIDITY, CounterInfo, EnrolRefusal, EnrolmentCode};
pub use http::{ServerHandle, serve, serve_with};
pub use ingest::Identity;
pub use photos::{PhotoReportRow, PhotoState, PhotosMeasured};
pub use queries::Photo;
pub use tls::TlsFiles;

use crate::roster_file::ImportError;
use crate::strings;

#[derive(Debug, Error)]
pub enum PortalError {
    #[error("{}{path}（{source}）", strings::PORTAL_OPEN)]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{msg}{0}", msg = strings::PORTAL_SQL)]
    Sql(#[from] rusqlite::Error),
    #[error("{msg}{0}", msg = strings::PORTAL_CORRUPT)]
    Corrupt(String),
    #[error("{msg}{0}", msg = strings::PORTAL_TOO_NEW)]
    TooNew(i64),
    #[error("{}", strings::PORTAL_NO_KEY)]
    NoKey,
    #[error("{msg}{0}", msg = strings::PORTAL_BAD_SITE)]
    BadSite(String),
    #[error("{msg}（{0}）", msg = strings::PORTAL_BAD_CLOCK_LIMIT)]
    BadClockLimit(i64),
    #[error("{msg}{0}", msg = strings::PORTAL_BAD_COUNTER)]
    BadCounter(String),
    #[error("{}{counter}：{site}", strings::PORTAL_COUNTER_MOVED)]
    CounterMoved { counter: String, site: String },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error("{}{}", strings::PORTAL_NOT_PORTAL, .0.display())]
    NotPortal(PathBuf),
    #[error("{}{addr}（{message}）", strings::PORTAL_LISTEN)]
    Listen { addr: String, message: String },
    #[error("{msg}{0}", msg = strings::PORTAL_SERVER_FAILED)]
    ServerFailed(String),
    #[error("{msg}{0}", msg = strings::PORTAL_UNKNOWN_COUNTER)]
    UnknownCounter(String),
    #[error("{msg}{0}", msg = strings::PORTAL_COUNTER_IS_REVOKED)]
    CounterRevoked(String),
    #[error("{}{path}：{message}", strings::PORTAL_TLS_FILES)]
    Tls { path: PathBuf, message: String },
}

/// `--now` given to `portal serve`: the portal's clock stands there (tests set counters'
/// clocks off against it). Set once, before serving.
static FIXED_NOW: OnceLock<DateTime<Utc>> = OnceLock::new();

/// Fixes the portal's clock at `now` for the rest of the process (`--now`).
pub fn fix_clock(now: DateTime<Utc>) {
    let _ = FIXED_NOW.set(now);
}

/// The portal's clock: what every answer's `X-Portal-Time` says and events are judged by.
pub fn now() -> DateTime<Utc> {
    FIXED_NOW.get().copied().unwrap_or_else(Utc::now)
}

/// One connection to the portal database. Each request being answered has one of its own.
pub struct Portal {
    conn: Connection,
    portal_id: String,
}

impl Portal {
    pub fn open(path: &Path) -> Result<Self, PortalError> {
        let conn = db::open(path)?;
        let portal_id = db::meta(&conn, "portal_id")?
            .ok_or_else(|| PortalError::Corrupt("portal_id".into()))?;
        Ok(Self { conn, portal_id })
    }

    /// The random id of this portal database (see `RosterPage::portal_id`).
    pub fn portal_id(&self) -> &str {
        &self.portal_id
    }

    /// Direct access for tests and tools that inspect the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}
