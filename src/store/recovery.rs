//! What sync keeps about this counter's clock and its log's identity, and how a counter restored
//! from a backup takes back the events the portal holds that its database lost (issue 15).

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::intakes::parse_instant;
use super::{Store, StoreError, audit};
use crate::domain::intake::{Decision, Intake, IntakeEvent};

/// `<offset ms> <measured at, RFC 3339>`: the latest clock offset sync measured.
const CLOCK_KEY: &str = "sync.clock_offset";
/// `<log id>[ <log it replaces>]`: the identity of this database's log (see `LogIdentity`).
const LOG_KEY: &str = "sync.log_id";

/// Which database the counter's log lives in. A copy of the database (a backup restored, a
/// cloned PC) has the same id; after a recovery the database takes a new one, replacing the
/// portal's, so that a second live copy still using the old id is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogIdentity {
    pub current: String,
    pub replaces: Option<String>,
}

/// One of this counter's events as the portal holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveredEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub intake_id: Option<String>,
    pub at: DateTime<Utc>,
    pub clerk_id: String,
    pub body: String,
    pub clock_offset_ms: Option<i64>,
}

/// What a recovery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Events the database had lost, now back in the log.
    pub recovered: usize,
    /// Events made since the restore, moved after the recovered ones.
    pub renumbered: usize,
}

/// The latest measured offset, inside any transaction (events record it as they are written).
pub(super) fn clock_offset_in(conn: &Connection) -> Result<Option<i64>, StoreError> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [CLOCK_KEY],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.split(' ').next()?.parse().ok()))
}

impl Store {
    /// Keeps the clock offset sync measured at `at` (this counter's clock minus the portal's).
    pub fn record_clock_offset(&self, offset_ms: i64, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.set_setting(CLOCK_KEY, &format!("{offset_ms} {}", at.to_rfc3339()))
    }

    /// The latest measured offset (ms) and when it was measured.
    pub fn clock_offset(&self) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
        let Some(value) = self.setting(CLOCK_KEY)? else {
            return Ok(None);
        };
        let parsed = value
            .split_once(' ')
            .and_then(|(ms, at)| Some((ms.parse().ok()?, parse_instant(at).ok()?)));
        Ok(parsed)
    }

    /// This database's log identity, made on first use.
    pub fn log_identity(&self) -> Result<LogIdentity, StoreError> {
        if let Some(value) = self.setting(LOG_KEY)? {
            let mut parts = value.split(' ');
            if let Some(current) = parts.next().filter(|c| !c.is_empty()) {
                return Ok(LogIdentity {
                    current: current.to_owned(),
                    replaces: parts.next().map(str::to_owned),
                });
            }
        }
        self.new_log_identity(None)
    }

    /// A new identity for this database's log, taking over from `replaces`.
    pub fn new_log_identity(&self, replaces: Option<&str>) -> Result<LogIdentity, StoreError> {
        let identity = LogIdentity {
            current: uuid::Uuid::now_v7().to_string(),
            replaces: replaces.map(str::to_owned),
        };
        let value = match &identity.replaces {
            Some(old) => format!("{} {old}", identity.current),
            None => identity.current.clone(),
        };
        self.set_setting(LOG_KEY, &value)?;
        Ok(identity)
    }

    /// The highest sequence number of `counter_id`'s events the portal is known to hold.
    pub fn highest_sent_seq(&self, counter_id: &str) -> Result<i64, StoreError> {
        Ok(self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE counter_id = ?1 AND sync_state = 'sent'",
            [counter_id],
            |r| r.get(0),
        )?)
    }

    /// Takes back `events` (the portal's copy of this counter's log after what the database
    /// knows as sent), in one transaction: an event the database has is marked sent; one it
    /// lacks is put back at its number, after moving the database's unsent events that would
    /// collide to the end of the log (they were made after the restore); the files they touch
    /// are rebuilt from the log, and each recovered decision is audited.
    pub fn recover_events(
        &mut self,
        counter_id: &str,
        events: &[RecoveredEvent],
        now: DateTime<Utc>,
    ) -> Result<Recovered, StoreError> {
        let tx = self.conn.transaction()?;
        let lost = mark_known(&tx, events)?;
        if lost.is_empty() {
            tx.commit()?;
            return Ok(Recovered::default());
        }
        let ids: HashSet<&str> = events.iter().map(|e| e.event_id.as_str()).collect();
        let highest = lost.iter().map(|e| e.seq).max().unwrap_or(0);
        let renumbered = move_unsent_after(&tx, counter_id, highest, &ids)?;
        let mut intakes = BTreeSet::new();
        for event in &lost {
            insert_recovered(&tx, counter_id, event)?;
            if let Some(id) = &event.intake_id {
                intakes.insert(id.clone());
            }
            audit::append(
                &tx,
                now,
                "sync",
                "recovered",
                &format!("{} seq {} {}", event.kind, event.seq, event.event_id),
            )?;
        }
        for intake_id in &intakes {
            rebuild_intake(&tx, counter_id, intake_id)?;
        }
        tx.commit()?;
        Ok(Recovered {
            recovered: lost.len(),
            renumbered,
        })
    }
}

/// Marks the events the database already has as sent; returns those it lacks.
fn mark_known<'a>(
    tx: &Transaction,
    events: &'a [RecoveredEvent],
) -> Result<Vec<&'a RecoveredEvent>, StoreError> {
    let mut lost = Vec::new();
    for event in events {
        let state: Option<String> = tx
            .prepare_cached("SELECT sync_state FROM events WHERE event_id = ?1")?
            .query_row([&event.event_id], |r| r.get(0))
            .optional()?;
        match state {
            None => lost.push(event),
            Some(state) if state != "sent" => {
                tx.prepare_cached(
                    "UPDATE events SET sync_state = 'sent', sync_error = NULL WHERE event_id = ?1",
                )?
                .execute([&event.event_id])?;
            }
            Some(_) => {}
        }
    }
    Ok(lost)
}

/// Moves this counter's unsent events numbered up to `highest` (and not on the portal) to after
/// the end of the log, in their order; a refusal for a number already taken is withdrawn (the
/// event is sent again under its new number). Returns how many moved.
fn move_unsent_after(
    tx: &Transaction,
    counter_id: &str,
    highest: i64,
    on_portal: &HashSet<&str>,
) -> Result<usize, StoreError> {
    let (end, colliding): (i64, Vec<(i64, String)>) = {
        let end: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE counter_id = ?1",
            [counter_id],
            |r| r.get(0),
        )?;
        let mut stmt = tx.prepare(
            "SELECT seq, event_id FROM events
             WHERE counter_id = ?1 AND seq <= ?2 AND sync_state <> 'sent' ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![counter_id, highest], |r| Ok((r.get(0)?, r.get(1)?)))?;
        (end, rows.collect::<Result<_, _>>()?)
    };
    let base = end.max(highest) + 1;
    let mut moved = 0;
    for (old, event_id) in colliding {
        if on_portal.contains(event_id.as_str()) {
            continue;
        }
        tx.execute(
            "UPDATE events SET seq = ?3,
                sync_state = CASE WHEN sync_state = 'rejected' AND sync_error LIKE ?4
                    THEN 'pending' ELSE sync_state END,
                sync_error = CASE WHEN sync_state = 'rejected' AND sync_error LIKE ?4
                    THEN NULL ELSE sync_error END
             WHERE counter_id = ?1 AND seq = ?2",
            params![
                counter_id,
                old,
                base + moved as i64,
                format!("{}%", crate::strings::PORTAL_EVENT_SEQ_TAKEN)
            ],
        )?;
        moved += 1;
    }
    Ok(moved)
}

fn insert_recovered(
    tx: &Transaction,
    counter_id: &str,
    event: &RecoveredEvent,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO events(counter_id, seq, event_id, kind, intake_id, at, clerk_id, body,
            clock_offset_ms, sync_state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'sent')",
        params![
            counter_id,
            event.seq,
            event.event_id,
            event.kind,
            event.intake_id,
            event.at.to_rfc3339(),
            event.clerk_id,
            event.body,
            event.clock_offset_ms
        ],
    )?;
    Ok(())
}

/// Makes the file `intake_id` again from every event of it in the log. A newer file of the
/// same candidate made since the restore is kept; an older one gives way.
fn rebuild_intake(tx: &Transaction, counter_id: &str, intake_id: &str) -> Result<(), StoreError> {
    let rows: Vec<(String, String, String)> = {
        let mut stmt =
            tx.prepare("SELECT body, at, clerk_id FROM events WHERE intake_id = ?1 ORDER BY seq")?;
        let rows = stmt.query_map([intake_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let mut intake: Option<Intake> = None;
    let (mut opened, mut updated) = (None, None);
    for (body, at, clerk_id) in rows {
        // Supervisors' acts about this file change no state of it.
        let Ok(event) = serde_json::from_str::<IntakeEvent>(&body) else {
            continue;
        };
        let at = parse_instant(&at)?;
        let file = intake.get_or_insert_with(|| {
            Intake::new(intake_id.to_owned(), exam_no_of(&event).unwrap_or_default())
        });
        if file.exam_no.is_empty()
            && let Some(exam_no) = exam_no_of(&event)
        {
            file.exam_no = exam_no;
        }
        file.apply_recorded(&event, Decision { at, clerk_id });
        opened.get_or_insert(at);
        updated = Some(at);
    }
    let (Some(intake), Some(opened), Some(updated)) = (intake, opened, updated) else {
        return Ok(());
    };
    let newer_other: Option<String> = tx
        .query_row(
            "SELECT id FROM intakes WHERE exam_no = ?1 AND id <> ?2 AND updated_at >= ?3",
            params![intake.exam_no, intake.id, updated.to_rfc3339()],
            |r| r.get(0),
        )
        .optional()?;
    if newer_other.is_some() {
        return Ok(());
    }
    tx.execute(
        "DELETE FROM intakes WHERE exam_no = ?1 AND id <> ?2",
        params![intake.exam_no, intake.id],
    )?;
    let body = serde_json::to_string(&intake).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO intakes(id, exam_no, state, counter_id, opened_at, updated_at, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at,
           body = excluded.body",
        params![
            intake.id,
            intake.exam_no,
            intake.state.as_str(),
            counter_id,
            opened.to_rfc3339(),
            updated.to_rfc3339(),
            body
        ],
    )?;
    Ok(())
}

fn exam_no_of(event: &IntakeEvent) -> Option<String> {
    match event {
        IntakeEvent::IntakeOpened { exam_no, .. }
        | IntakeEvent::Accepted { exam_no, .. }
        | IntakeEvent::Returned { exam_no, .. }
        | IntakeEvent::Voided { exam_no, .. } => Some(exam_no.clone()),
        IntakeEvent::ItemTicked { .. } | IntakeEvent::ItemUnticked { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_event_never_sent_may_be_renumbered_and_the_offset_is_recorded_with_each() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("c.db")).unwrap();
        let at: DateTime<Utc> = "2026-11-20T02:00:00Z".parse().unwrap();
        store.record_clock_offset(-300_000, at).unwrap();
        assert_eq!(store.clock_offset().unwrap(), Some((-300_000, at)));
        let actor = super::super::Actor {
            counter_id: "c1",
            clerk_id: "c01",
            at,
        };
        let mut intake = Intake::new("i1".into(), "990126200001".into());
        let opened = intake.open().unwrap().into_iter().collect::<Vec<_>>();
        store.save_intake(&intake, &opened, &actor).unwrap();
        let conn = store.connection();
        let offset: Option<i64> = conn
            .query_row("SELECT clock_offset_ms FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(offset, Some(-300_000));
        conn.execute("UPDATE events SET seq = 7", []).unwrap();
        conn.execute("UPDATE events SET sync_state = 'sent'", [])
            .unwrap();
        assert!(conn.execute("UPDATE events SET seq = 8", []).is_err());
        assert!(
            conn.execute("UPDATE events SET clock_offset_ms = 1", [])
                .is_err()
        );
        assert!(conn.execute("UPDATE events SET body = '{}'", []).is_err());
    }

    #[test]
    fn a_log_identity_is_made_once_and_a_new_one_names_what_it_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("c.db")).unwrap();
        let first = store.log_identity().unwrap();
        assert_eq!(store.log_identity().unwrap(), first);
        assert_eq!(first.replaces, None);
        let next = store.new_log_identity(Some(&first.current)).unwrap();
        assert_ne!(next.current, first.current);
        assert_eq!(store.log_identity().unwrap().replaces, Some(first.current));
    }
}
