//! Offline-first sync with the portal (DESIGN §4): protocol types shared with the reference
//! portal, the HTTP client, the pure planner (what next, how long to back off) and the worker
//! that runs rounds in the background or once from the command line.
//!
//! The counter never waits for the network: every change is in the local database first, and
//! the worker sends the event log later, exactly once as far as the portal can tell (it
//! deduplicates by event id), and pulls the roster and photos.

pub mod client;
pub mod clock;
pub mod enrol;
pub mod planner;
pub mod protocol;
pub mod tls;
pub mod worker;

use std::time::Duration;

use thiserror::Error;

pub use client::{Client, Endpoint, PhotoFetch, RawRosterPage, check_portal_url};
pub use planner::{Backoff, Failure};
pub use worker::{
    Link, Progress, RoundReport, SyncSettings, SyncStatus, WorkerHandle, run_round, spawn_worker,
};

use crate::store::StoreError;
use crate::strings;

#[derive(Debug, Error)]
pub enum SyncError {
    /// A configuration key sync needs is missing.
    #[error("{msg}{0}", msg = strings::SYNC_NOT_CONFIGURED)]
    NotConfigured(&'static str),
    #[error("{msg}{0}", msg = strings::SYNC_BAD_URL)]
    BadUrl(String),
    /// Plain http to anything but this machine: refused before any connection is made.
    #[error("{msg}{0}", msg = strings::SYNC_INSECURE_URL)]
    InsecureUrl(String),
    #[error("{msg}{0}", msg = strings::SYNC_CONNECT)]
    Connect(String),
    #[error("{}", strings::SYNC_TIMEOUT)]
    Timeout,
    #[error("{}{status}）{message}", strings::SYNC_SERVER)]
    Server { status: u16, message: String },
    #[error("{}{}", strings::SYNC_RATE_LIMITED, retry_after_text(.retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("{msg}{0}", msg = strings::SYNC_UNAUTHORIZED)]
    Unauthorized(String),
    #[error("{msg}{0}", msg = strings::SYNC_FORBIDDEN)]
    Forbidden(String),
    #[error("{msg}{0}", msg = strings::SYNC_NOT_FOUND)]
    NotFound(String),
    /// 409: another database uses this counter's token (a cloned PC, or an old copy).
    #[error("{msg}{0}", msg = strings::SYNC_CLONED)]
    Cloned(String),
    #[error("{}{status}）{message}", strings::SYNC_REFUSED)]
    Refused { status: u16, message: String },
    #[error("{msg}{0}", msg = strings::SYNC_BAD_RESPONSE)]
    BadResponse(String),
    /// A roster record from the portal that does not validate: retrying brings the same.
    #[error("{msg}{0}", msg = strings::SYNC_BAD_RECORD)]
    BadRecord(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// `portal_ca_file` cannot be read or holds no certificate.
    #[error("{}{path}（{message}）", strings::SYNC_CA_FILE)]
    CaFile { path: String, message: String },
    /// The portal's certificate was refused (the message names it and why); nothing was sent.
    #[error("{msg}{0}", msg = strings::SYNC_CERTIFICATE)]
    Certificate(String),
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!("（{} 秒后重试）", d.as_secs().max(1)))
        .unwrap_or_default()
}

impl SyncError {
    /// Retryable (connect, timeout, 5xx, 429, a garbled answer, a busy local database) or not.
    pub fn failure(&self) -> Failure {
        match self {
            SyncError::Connect(_)
            | SyncError::Timeout
            | SyncError::Server { .. }
            | SyncError::BadResponse(_)
            | SyncError::Store(_) => Failure::Retryable { retry_after: None },
            SyncError::RateLimited { retry_after } => Failure::Retryable {
                retry_after: *retry_after,
            },
            SyncError::Refused { .. } | SyncError::BadRecord(_) => Failure::Permanent,
            SyncError::NotConfigured(_)
            | SyncError::BadUrl(_)
            | SyncError::InsecureUrl(_)
            | SyncError::Unauthorized(_)
            | SyncError::Forbidden(_)
            | SyncError::NotFound(_)
            | SyncError::CaFile { .. }
            | SyncError::Certificate(_)
            | SyncError::Cloned(_) => Failure::Stop,
        }
    }

    pub fn is_retryable(&self) -> bool {
        matches!(self.failure(), Failure::Retryable { .. })
    }

    /// The portal could not be reached at all (as opposed to answering with an error).
    pub fn is_offline(&self) -> bool {
        matches!(self, SyncError::Connect(_) | SyncError::Timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_classed_as_design_4_says() {
        let retryable = [
            SyncError::Connect("refused".into()),
            SyncError::Timeout,
            SyncError::Server {
                status: 503,
                message: String::new(),
            },
            SyncError::RateLimited {
                retry_after: Some(Duration::from_secs(1)),
            },
        ];
        for e in retryable {
            assert!(e.is_retryable(), "{e}");
        }
        let permanent = [
            SyncError::Refused {
                status: 400,
                message: String::new(),
            },
            SyncError::Unauthorized(String::new()),
            SyncError::Forbidden(String::new()),
            SyncError::InsecureUrl("http://192.0.2.1".into()),
        ];
        for e in permanent {
            assert!(!e.is_retryable(), "{e}");
        }
        let e = SyncError::RateLimited {
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            e.failure(),
            Failure::Retryable {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert!(e.to_string().contains("3 秒"), "{e}");
    }
}
