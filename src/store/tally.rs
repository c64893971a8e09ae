//! What the supervisor reads and does at this counter: the rows of a day's tally (through the
//! index on `intakes.updated_at`), the roster counts of the site, voiding a file and recording
//! an approval (override).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::params;
use serde::Deserialize;
use thiserror::Error;

use super::clerks::ClerkError;
use super::intakes::{self, Actor, IntakeRecord, parse_instant};
use super::{Store, StoreError, audit};
use crate::domain::intake::{Decision, IntakeError, IntakeState};
use crate::domain::supervision::Override;
use crate::domain::tally::{self, RosterCount, Tally, TallyRow};
use crate::strings;

#[derive(Debug, Error)]
pub enum VoidError {
    #[error("{}{}", strings::VOID_NO_INTAKE, .0)]
    NoIntake(String),
    #[error(transparent)]
    Clerk(#[from] ClerkError),
    #[error(transparent)]
    Intake(#[from] IntakeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The files changed in `[?1, ?2)`. `updated_at` is always written by `to_rfc3339()` of a UTC
/// instant (same offset, seconds before fractions), so text order is time order and the index
/// `intakes_by_updated` answers the range.
const ROWS_SQL: &str =
    "SELECT counter_id, updated_at, body FROM intakes WHERE updated_at >= ?1 AND updated_at < ?2";

/// Candidates of a site (the index `candidates_by_site` holds site and exam number).
const SITE_ROSTER_SQL: &str = "SELECT COUNT(*) FROM candidates WHERE site_code = ?1";

/// Files here whose candidate is on the site's roster: one probe of `candidates_by_site` per
/// file, no candidate record (~1.5 KB each) read.
const SITE_SEEN_SQL: &str = "SELECT COUNT(*) FROM intakes i WHERE EXISTS
     (SELECT 1 FROM candidates c INDEXED BY candidates_by_site
      WHERE c.site_code = ?1 AND c.exam_no = i.exam_no)";

/// The part of a stored intake's body the tally reads (serde skips the rest; strings are
/// borrowed from the row, the instant parsed only where needed: half the time of a full parse).
#[derive(Deserialize)]
struct Slim<'a> {
    #[serde(borrow)]
    state: Cow<'a, str>,
    #[serde(borrow)]
    decision: Option<SlimDecision<'a>>,
    #[serde(borrow, default)]
    return_reasons: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct SlimDecision<'a> {
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    clerk_id: Cow<'a, str>,
}

fn parse_state(text: &str) -> Result<IntakeState, StoreError> {
    Ok(match text {
        "new" => IntakeState::New,
        "in_progress" => IntakeState::InProgress,
        "accepted" => IntakeState::Accepted,
        "returned" => IntakeState::Returned,
        "voided" => IntakeState::Voided,
        other => return Err(StoreError::Corrupt(format!("state {other}"))),
    })
}

fn text(value: rusqlite::types::ValueRef<'_>) -> Result<&str, StoreError> {
    value
        .as_str()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// The files last changed on the local day `date`, one row each.
    pub fn tally_rows(&self, date: NaiveDate) -> Result<Vec<TallyRow>, StoreError> {
        let (start, end) = crate::domain::office_time::day_bounds(date);
        let mut stmt = self.conn.prepare_cached(ROWS_SQL)?;
        let mut rows = stmt.query(params![start.to_rfc3339(), end.to_rfc3339()])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let slim: Slim = serde_json::from_str(text(r.get_ref(2)?)?)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let state = parse_state(&slim.state)?;
            let (clerk_id, at) = match slim.decision {
                Some(d) => (Some(d.clerk_id.into_owned()), parse_instant(&d.at)?),
                None => (None, parse_instant(text(r.get_ref(1)?)?)?),
            };
            let return_reasons = if state == IntakeState::Returned {
                slim.return_reasons
                    .into_iter()
                    .map(Cow::into_owned)
                    .collect()
            } else {
                Vec::new()
            };
            out.push(TallyRow {
                state,
                counter_id: text(r.get_ref(0)?)?.to_owned(),
                clerk_id,
                at,
                return_reasons,
            });
        }
        Ok(out)
    }

    /// Candidates of `site` on the roster (every candidate when `None`), and how many of them
    /// have a file here (on any day, in any state).
    pub fn site_roster_count(&self, site: Option<&str>) -> Result<RosterCount, StoreError> {
        let count = |sql: &str, params: &[&str]| -> Result<u64, StoreError> {
            let n: i64 = self
                .conn
                .prepare_cached(sql)?
                .query_row(rusqlite::params_from_iter(params), |r| r.get(0))?;
            Ok(n as u64)
        };
        Ok(match site {
            Some(site) => RosterCount {
                roster: count(SITE_ROSTER_SQL, &[site])?,
                seen: count(SITE_SEEN_SQL, &[site])?,
            },
            None => RosterCount {
                roster: count("SELECT COUNT(*) FROM candidates", &[])?,
                seen: count(
                    "SELECT COUNT(*) FROM intakes i WHERE EXISTS
                     (SELECT 1 FROM candidates c WHERE c.exam_no = i.exam_no)",
                    &[],
                )?,
            },
        })
    }

    /// The tally of the local day `date` at this counter, with the roster of `site`.
    pub fn tally(&self, date: NaiveDate, site: Option<&str>) -> Result<Tally, StoreError> {
        let rows = self.tally_rows(date)?;
        Ok(tally::tally(date, &rows, self.site_roster_count(site)?))
    }

    /// A supervisor voids the candidate's file with a reason: the intake, its `voided` event
    /// (for sync) and the audit entry are written in one transaction. Refused, changing
    /// nothing (a refusal by a non-supervisor is audited), when `supervisor_id` is not an
    /// enabled supervisor, the candidate has no file, the file is already voided or the
    /// reason is blank.
    pub fn void_intake(
        &mut self,
        exam_no: &str,
        reason: &str,
        supervisor_id: &str,
        counter_id: &str,
        now: DateTime<Utc>,
    ) -> Result<IntakeRecord, VoidError> {
        self.require_supervisor(supervisor_id, "void", exam_no, now)?;
        let mut record = self
            .intake(exam_no)?
            .ok_or_else(|| VoidError::NoIntake(exam_no.to_owned()))?;
        let event = record.intake.void(
            reason.trim(),
            Decision {
                at: now,
                clerk_id: supervisor_id.to_owned(),
            },
        )?;
        let actor = Actor {
            counter_id,
            clerk_id: supervisor_id,
            at: now,
        };
        self.save_intake(&record.intake, &[event], &actor)?;
        record.updated_at = now;
        Ok(record)
    }

    /// Records a supervisor's approval of a candidate's file despite wrong_site /
    /// outside_window: the audit entry (`override`) and the `override_granted` event (for sync,
    /// with the blockers lifted and until when) in one transaction. The approver is checked
    /// again here, in the database; a refusal changes nothing but its own audit entry.
    pub fn record_override(
        &mut self,
        grant: &Override,
        intake_id: &str,
        counter_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), ClerkError> {
        let by = grant.supervisor_id.as_str();
        self.require_supervisor(by, "override", &grant.exam_no, now)?;
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let detail = format!(
            "{} {} {}",
            grant.exam_no,
            grant.blockers.join(","),
            grant.expires_at.to_rfc3339()
        );
        audit::append(&tx, now, by, "override", &detail)?;
        let actor = Actor {
            counter_id,
            clerk_id: by,
            at: now,
        };
        intakes::append_supervisor_event(&tx, &actor, &grant.event(intake_id))?;
        tx.commit().map_err(StoreError::from)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_rows_come_through_the_updated_at_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {ROWS_SQL}"))
            .unwrap()
            .query_map(["a", "b"], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|p| p.contains("intakes_by_updated")),
            "{plan:?}"
        );
    }

    #[test]
    fn roster_counts_read_no_candidate_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("t.db")).unwrap();
        let plan = |sql: &str, params: &[&str]| -> Vec<String> {
            let mut stmt = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap();
            rows.map(Result::unwrap).collect()
        };
        for sql in [SITE_ROSTER_SQL, SITE_SEEN_SQL] {
            let plan = plan(sql, &["0104"]);
            let candidates: Vec<&String> = plan
                .iter()
                .filter(|p| p.contains(" c ") || p.contains("candidates"))
                .collect();
            assert!(
                !candidates.is_empty() && candidates.iter().all(|p| p.contains("COVERING INDEX")),
                "{sql}: {plan:?}"
            );
        }
    }

    #[test]
    fn every_state_is_read_back() {
        use IntakeState::*;
        for state in [New, InProgress, Accepted, Returned, Voided] {
            assert_eq!(parse_state(state.as_str()).unwrap(), state);
        }
        assert!(parse_state("lost").is_err());
    }
}
