//! The counter's side of sync: which events still go to the portal, what became of them, and
//! the roster pulled from the portal with its cursor. Each method is one short transaction (or a
//! plain read): the worker never keeps the database locked while it waits for the network.

use chrono::{DateTime, Utc};
use rusqlite::params;

use super::roster::{self, RosterRow};
use super::{Store, StoreError};

/// The settings key holding the roster cursor of one site: `<portal_id> <cursor>`.
const ROSTER_CURSOR_KEY: &str = "sync.roster_cursor.";
/// When a pull of the site's roster last reached the portal's end (RFC 3339): how fresh the
/// counter's roster is, for `doctor`.
const ROSTER_CURRENT_KEY: &str = "sync.roster_current_at.";

/// An event on its way to the portal, as the log holds it (`body` is its JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    pub counter_id: String,
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub intake_id: Option<String>,
    /// The candidate, from the intake the event belongs to, else from the event's body (a
    /// supervisor's approval may be logged before its file is first saved); `None` for events
    /// about no candidate (a clerk unlocked).
    pub exam_no: Option<String>,
    pub at: String,
    pub clerk_id: String,
    pub body: String,
    /// The clock offset recorded with the event (see `Store::record_clock_offset`).
    pub clock_offset_ms: Option<i64>,
}

/// What the portal said about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFate {
    /// Stored or already there: done.
    Sent,
    /// Refused for good, with the portal's reason; shown to the supervisor.
    Rejected(String),
}

/// An event the portal refused, for the supervisor's list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RejectedEvent {
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub exam_no: Option<String>,
    pub at: String,
    pub error: String,
}

impl Store {
    /// The oldest `limit` events of `counter_id` not yet sent, in log order.
    pub fn unsent_events(
        &self,
        counter_id: &str,
        limit: usize,
    ) -> Result<Vec<OutgoingEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.counter_id, e.seq, e.event_id, e.kind, e.intake_id,
                COALESCE(i.exam_no, json_extract(e.body, '$.exam_no')), e.at, e.clerk_id, e.body,
                e.clock_offset_ms
             FROM events e LEFT JOIN intakes i ON i.id = e.intake_id
             WHERE e.counter_id = ?1 AND e.sync_state = 'pending' ORDER BY e.seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![counter_id, limit as i64], |r| {
            Ok(OutgoingEvent {
                counter_id: r.get(0)?,
                seq: r.get(1)?,
                event_id: r.get(2)?,
                kind: r.get(3)?,
                intake_id: r.get(4)?,
                exam_no: r.get(5)?,
                at: r.get(6)?,
                clerk_id: r.get(7)?,
                body: r.get(8)?,
                clock_offset_ms: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Events of `counter_id` still to send.
    pub fn unsent_count(&self, counter_id: &str) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM events WHERE counter_id = ?1 AND sync_state = 'pending'",
            [counter_id],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// Records the portal's answers in one transaction. Only pending events change: an answer
    /// that arrives twice (a retried batch) changes nothing the second time.
    pub fn record_event_fates(&mut self, fates: &[(String, EventFate)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE events SET sync_state = ?2, sync_error = ?3
                 WHERE event_id = ?1 AND sync_state = 'pending'",
            )?;
            for (event_id, fate) in fates {
                let (state, error) = match fate {
                    EventFate::Sent => ("sent", None),
                    EventFate::Rejected(reason) => ("rejected", Some(reason.as_str())),
                };
                stmt.execute(params![event_id, state, error])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Events the portal refused, newest first.
    pub fn rejected_events(&self, limit: usize) -> Result<Vec<RejectedEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT e.seq, e.event_id, e.kind, COALESCE(i.exam_no, json_extract(e.body, '$.exam_no')),
                e.at, COALESCE(e.sync_error, '')
             FROM events e LEFT JOIN intakes i ON i.id = e.intake_id
             WHERE e.sync_state = 'rejected' ORDER BY e.counter_id, e.seq DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(RejectedEvent {
                seq: r.get(0)?,
                event_id: r.get(1)?,
                kind: r.get(2)?,
                exam_no: r.get(3)?,
                at: r.get(4)?,
                error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn rejected_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM events WHERE sync_state = 'rejected'",
            [],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }

    /// The portal this site's roster was last pulled from, with the cursor reached.
    pub fn roster_position(&self, site: &str) -> Result<Option<(String, i64)>, StoreError> {
        let value = self.setting(&format!("{ROSTER_CURSOR_KEY}{site}"))?;
        Ok(value.and_then(|v| parse_position(&v)))
    }

    /// Notes that a pull of `site`'s roster reached the portal's last change at `at`.
    pub fn mark_roster_current(&self, site: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.set_setting(&format!("{ROSTER_CURRENT_KEY}{site}"), &at.to_rfc3339())
    }

    /// When a pull of `site`'s roster last reached the portal's last change, if ever.
    pub fn roster_current_at(&self, site: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        let value = self.setting(&format!("{ROSTER_CURRENT_KEY}{site}"))?;
        Ok(value
            .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
            .map(|t| t.with_timezone(&Utc)))
    }

    /// Stores pulled roster records and the cursor after them in one transaction, so a pull
    /// interrupted anywhere resumes exactly after the last records stored. Each record is kept
    /// as the portal sent it (see [`RosterRow::as_received`]); a photo it names that the counter
    /// lacks is noted for [`Store::photos_wanted`]. Returns the number of records written.
    pub fn apply_roster_page(
        &mut self,
        site: &str,
        portal_id: &str,
        records: &[RosterRow],
        next_cursor: i64,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(roster::UPSERT_CANDIDATE)?;
            let mut want = tx.prepare_cached(
                "INSERT INTO photo_wants(exam_no, sha256) SELECT ?1, ?2
                 WHERE NOT EXISTS (SELECT 1 FROM photos WHERE exam_no = ?1 AND sha256 = ?2)
                 ON CONFLICT(exam_no) DO UPDATE SET sha256 = excluded.sha256",
            )?;
            for row in records {
                roster::write_row(&mut upsert, row)?;
                if let Some(sha) = row.photo_sha256() {
                    want.execute(params![row.exam_no(), sha])?;
                }
            }
            tx.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![
                    format!("{ROSTER_CURSOR_KEY}{site}"),
                    format!("{portal_id} {next_cursor}")
                ],
            )?;
        }
        tx.commit()?;
        Ok(records.len())
    }

    /// Photos to fetch for candidates of `site`, after `after` by exam number: (exam_no, sha256
    /// the roster names, sha256 held). Notes whose candidate no longer names that photo, or
    /// whose photo has arrived, are dropped first.
    pub fn photos_wanted(
        &self,
        site: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        self.conn.execute(
            "DELETE FROM photo_wants WHERE exam_no > ?1 AND (
                EXISTS (SELECT 1 FROM photos p WHERE p.exam_no = photo_wants.exam_no AND p.sha256 = photo_wants.sha256)
                OR NOT EXISTS (SELECT 1 FROM candidates c WHERE c.exam_no = photo_wants.exam_no
                    AND json_extract(c.record, '$.photo_sha256') = photo_wants.sha256))",
            [after],
        )?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT w.exam_no, w.sha256, p.sha256 FROM photo_wants w
             JOIN candidates c ON c.exam_no = w.exam_no
             LEFT JOIN photos p ON p.exam_no = w.exam_no
             WHERE c.site_code = ?1 AND w.exam_no > ?2 ORDER BY w.exam_no LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![site, after, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A wanted photo arrived: stored and the note removed together.
    pub fn store_wanted_photo(&mut self, exam_no: &str, jpeg: &[u8]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO photos(exam_no, sha256, jpeg) VALUES (?1, ?2, ?3)
             ON CONFLICT(exam_no) DO UPDATE SET sha256 = excluded.sha256, jpeg = excluded.jpeg",
            params![exam_no, super::sha256_hex(jpeg), jpeg],
        )?;
        tx.execute("DELETE FROM photo_wants WHERE exam_no = ?1", [exam_no])?;
        tx.commit()?;
        Ok(())
    }
}

fn parse_position(value: &str) -> Option<(String, i64)> {
    let (id, cursor) = value.rsplit_once(' ')?;
    Some((id.to_owned(), cursor.parse().ok()?))
}
