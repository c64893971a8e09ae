//! Intakes and the counter's append-only event log (DESIGN §4). A change to an intake and the
//! events recording it are one transaction: the log never misses a change, nor holds one that
//! did not happen.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Store, StoreError, audit};
use crate::domain::intake::{Intake, IntakeEvent};
use crate::domain::supervision::SupervisorEvent;

/// An intake as stored, with where and when it was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeRecord {
    pub intake: Intake,
    pub counter_id: String,
    pub opened_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One line of a counter's list of files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntakeListRow {
    pub exam_no: String,
    pub name: String,
    pub state: crate::domain::intake::IntakeState,
    pub updated_at: DateTime<Utc>,
}

/// One entry of the counter's event log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedEvent {
    pub counter_id: String,
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub intake_id: Option<String>,
    pub at: DateTime<Utc>,
    pub clerk_id: String,
    pub body: serde_json::Value,
    pub sync_state: String,
}

/// Who did it, where and when: the envelope of every event written together.
#[derive(Debug, Clone)]
pub struct Actor<'a> {
    pub counter_id: &'a str,
    pub clerk_id: &'a str,
    pub at: DateTime<Utc>,
}

impl Store {
    pub fn intake(&self, exam_no: &str) -> Result<Option<IntakeRecord>, StoreError> {
        self.conn
            .query_row(
                "SELECT body, counter_id, opened_at, updated_at FROM intakes WHERE exam_no = ?1",
                [exam_no],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                },
            )
            .optional()?
            .map(|(body, counter_id, opened, updated)| {
                Ok(IntakeRecord {
                    intake: serde_json::from_str(&body)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    counter_id,
                    opened_at: parse_instant(&opened)?,
                    updated_at: parse_instant(&updated)?,
                })
            })
            .transpose()
    }

    /// Saves the intake and appends its events (and, for decisions, an audit entry) in one
    /// transaction. Nothing is written when there are no events: nothing changed.
    pub fn save_intake(
        &mut self,
        intake: &Intake,
        events: &[IntakeEvent],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        upsert_intake(&tx, intake, actor)?;
        for event in events {
            let body =
                serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            append_event(&tx, actor, event.kind(), Some(&intake.id), &body)?;
            if is_decision(event) {
                audit::append(
                    &tx,
                    actor.at,
                    actor.clerk_id,
                    event.kind(),
                    &format!("{} {}", intake.exam_no, intake.id),
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The log of one counter from `after_seq` on, oldest first.
    pub fn events_after(
        &self,
        counter_id: &str,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<LoggedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT counter_id, seq, event_id, kind, intake_id, at, clerk_id, body, sync_state
             FROM events WHERE counter_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![counter_id, after_seq, limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        })?;
        rows.map(|row| {
            let (counter_id, seq, event_id, kind, intake_id, at, clerk_id, body, sync_state) = row?;
            Ok(LoggedEvent {
                counter_id,
                seq,
                event_id,
                kind,
                intake_id,
                at: parse_instant(&at)?,
                clerk_id,
                body: serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                sync_state,
            })
        })
        .collect()
    }

    /// This counter's files changed since `since`, newest first, with the candidate's name.
    pub fn intakes_changed_since(
        &self,
        counter_id: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<IntakeListRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.exam_no, COALESCE(c.name, ''), i.body, i.updated_at FROM intakes i
             LEFT JOIN candidates c ON c.exam_no = i.exam_no
             WHERE i.counter_id = ?1 AND i.updated_at >= ?2 ORDER BY i.updated_at DESC",
        )?;
        let rows = stmt.query_map(params![counter_id, since.to_rfc3339()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (exam_no, name, body, updated) = row?;
            let intake: Intake =
                serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Ok(IntakeListRow {
                exam_no,
                name,
                state: intake.state,
                updated_at: parse_instant(&updated)?,
            })
        })
        .collect()
    }

    /// Events not yet accepted by the portal.
    pub fn pending_event_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM events WHERE sync_state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

fn is_decision(event: &IntakeEvent) -> bool {
    matches!(
        event,
        IntakeEvent::Accepted { .. } | IntakeEvent::Returned { .. } | IntakeEvent::Voided { .. }
    )
}

fn upsert_intake(tx: &Transaction, intake: &Intake, actor: &Actor) -> Result<(), StoreError> {
    let body = serde_json::to_string(intake).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let at = actor.at.to_rfc3339();
    tx.execute(
        "INSERT INTO intakes(id, exam_no, state, counter_id, opened_at, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
           body = excluded.body",
        params![
            intake.id,
            intake.exam_no,
            intake.state.as_str(),
            actor.counter_id,
            at,
            body
        ],
    )?;
    Ok(())
}

/// Appends a supervisor's act to the log inside the caller's transaction (which also holds its
/// audit entry and the change it records).
pub(super) fn append_supervisor_event(
    tx: &Transaction,
    actor: &Actor,
    event: &SupervisorEvent,
) -> Result<(), StoreError> {
    let body = serde_json::to_string(event).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let intake_id = event.intake().map(|(intake_id, _)| intake_id);
    append_event(tx, actor, event.kind(), intake_id, &body)
}

/// Appends one event with the next sequence number of its counter and a fresh UUIDv7.
pub(super) fn append_event(
    tx: &Transaction,
    actor: &Actor,
    kind: &str,
    intake_id: Option<&str>,
    body: &str,
) -> Result<(), StoreError> {
    let seq: i64 = tx.query_row(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM events WHERE counter_id = ?1",
        [actor.counter_id],
        |r| r.get(0),
    )?;
    // The offset sync measured last: the portal files the event under its true time.
    let offset = super::recovery::clock_offset_in(tx)?;
    tx.execute(
        "INSERT INTO events(counter_id, seq, event_id, kind, intake_id, at, clerk_id, body,
            clock_offset_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            actor.counter_id,
            seq,
            uuid::Uuid::now_v7().to_string(),
            kind,
            intake_id,
            actor.at.to_rfc3339(),
            actor.clerk_id,
            body,
            offset
        ],
    )?;
    Ok(())
}

pub(super) fn parse_instant(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{text}: {e}")))
}
