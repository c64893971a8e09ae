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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    fn sql(setup: &Setup, statement: &str) {
        let conn = rusqlite::Connection::open(&setup.db).unwrap();
        conn.execute(statement, []).unwrap();
    }

    #[test]
    fn verify_reports_entries_then_the_first_edited_or_removed_entry() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        // The demo's clerks are added through the audit log.
        let entries = Store::open(&setup.db)
            .unwrap()
            .audit_entries()
            .unwrap()
            .len();
        assert!(entries >= 3, "{entries}");
        let verdict = verify(&setup).unwrap();
        assert_eq!(verdict, Verdict::Intact { entries });
        assert_eq!(verdict.exit_code(), 0);
        assert_eq!(
            render_verdict(&verdict),
            format!("{}{entries}\n", strings::AUDIT_OK)
        );

        sql(&setup, "UPDATE audit SET detail = 'forged' WHERE seq = 2");
        let verdict = verify(&setup).unwrap();
        let Verdict::Broken { problem, found } = &verdict else {
            panic!("{verdict:?}");
        };
        assert_eq!((problem.seq, problem.kind), (2, "edited"));
        assert_eq!(found.as_ref().map(|e| e.detail.as_str()), Some("forged"));
        assert_eq!(verdict.exit_code(), 1);
        let text = render_verdict(&verdict);
        assert!(text.starts_with(strings::AUDIT_EDITED), "{text}");
        assert!(text.contains("forged"), "{text}");

        // An entry in the middle removed: the place of the gap is named.
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        sql(&setup, "DELETE FROM audit WHERE seq = 2");
        let verdict = verify(&setup).unwrap();
        let Verdict::Broken { problem, .. } = &verdict else {
            panic!("{verdict:?}");
        };
        assert_eq!(problem.kind, "removed_or_reordered");
        assert!(render_verdict(&verdict).starts_with(strings::AUDIT_REMOVED));
    }

    #[test]
    fn show_gives_the_last_entries_and_says_when_the_log_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let empty = testing::empty(&dir);
        let tail = show(&empty, 5).unwrap();
        assert_eq!(tail.total, 0);
        assert_eq!(render_tail(&tail), format!("{}\n", strings::AUDIT_EMPTY));

        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        let tail = show(&setup, 2).unwrap();
        assert_eq!(tail.entries.len(), 2);
        assert_eq!(tail.entries[1].seq as usize, tail.total);
        // Asking for none shows none, without claiming the log is empty.
        assert_eq!(render_tail(&show(&setup, 0).unwrap()), "");
    }
}
