//! `grad-intake audit verify` and `audit show`: the audit log's hash chain and its entries.

use chrono::DateTime;

use super::{Error, Setup};
use crate::store::{AuditEntry, AuditProblem, Store};
use crate::strings::{self, report as s};

/// Whether the chain holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry fits the chain; how many there are.
    Intact { entries: usize },
    /// The first entry that does not fit, and what stands at that place now (after an edit:
    /// the edited text; after a removal at the end: nothing).
    Broken {
        problem: AuditProblem,
        found: Option<AuditEntry>,
    },
}

impl Verdict {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Intact { .. } => 0,
            Self::Broken { .. } => 1,
        }
    }
}

pub fn verify(setup: &Setup) -> Result<Verdict, Error> {
    let store = Store::open(&setup.db)?;
    let entries = store.audit_entries()?;
    Ok(match store.verify_audit()? {
        None => Verdict::Intact {
            entries: entries.len(),
        },
        Some(problem) => {
            let found = entries.into_iter().find(|e| e.seq == problem.seq);
            Verdict::Broken { problem, found }
        }
    })
}

/// The end of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    /// Entries in the whole log.
    pub total: usize,
    /// The last ones asked for, oldest first.
    pub entries: Vec<AuditEntry>,
}

pub fn show(setup: &Setup, last: usize) -> Result<Tail, Error> {
    let mut entries = Store::open(&setup.db)?.audit_entries()?;
    let total = entries.len();
    entries.drain(..total.saturating_sub(last));
    Ok(Tail { total, entries })
}

pub fn render_verdict(v: &Verdict) -> String {
    match v {
        Verdict::Intact { entries } => format!("{}{entries}\n", strings::AUDIT_OK),
        Verdict::Broken { problem, found } => {
            let what = if problem.kind == "edited" {
                strings::AUDIT_EDITED
            } else {
                strings::AUDIT_REMOVED
            };
            let mut text = format!("{what}{}{}\n", strings::AUDIT_ENTRY, problem.seq);
            if let Some(e) = found {
                text.push_str(&format!("  {}\n", render_entry(e)));
            }
            text
        }
    }
}

pub fn render_tail(tail: &Tail) -> String {
    if tail.total == 0 {
        return format!("{}\n", strings::AUDIT_EMPTY);
    }
    tail.entries
        .iter()
        .map(|e| format!("{}\n", render_entry(e)))
        .collect()
}

/// `#12  2026-11-20 09:31:05  s01  clerk_add  …` with the time in office time (as stored when
/// the stored text is not a time).
pub fn render_entry(e: &AuditEntry) -> String {
    let at = DateTime::parse_from_rfc3339(&e.at)
        .map(|t| {
            crate::domain::office_time::local(t.to_utc())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|_| e.at.clone());
    s::audit_entry(e.seq, &at, &e.actor, &e.action, &e.detail)
}
