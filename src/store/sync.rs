//! The counter's side of sync: which events still go to the portal, what became of them, and
//! the roster pulled from the portal with its cursor. Each method is one short transaction (or a
//! plain read): the worker never keeps the database locked while it waits for the network.

use rusqlite::{OptionalExtension, params};

use super::{Store, StoreError};
use crate::domain::candidate::Candidate;

/// The settings key holding the roster cursor of one site: `<portal_id> <cursor>`.
const ROSTER_CURSOR_KEY: &str = "sync.roster_cursor.";
/// The roster cursor at which every photo the roster names was last present.
const PHOTOS_CHECKED_KEY: &str = "sync.photos_checked.";

/// An event on its way to the portal, as the log holds it (`body` is its JSON text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEvent {
    pub counter_id: String,
    pub seq: i64,
    pub event_id: String,
    pub kind: String,
    pub intake_id: Option<String>,
    /// The candidate, from the intake the event belongs to.
    pub exam_no: Option<String>,
    pub at: String,
    pub clerk_id: String,
    pub body: String,
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
            "SELECT e.counter_id, e.seq, e.event_id, e.kind, e.intake_id, i.exam_no, e.at, e.clerk_id, e.body
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
            "SELECT e.seq, e.event_id, e.kind, i.exam_no, e.at, COALESCE(e.sync_error, '')
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

    /// Stores one page of the roster and the cursor after it in one transaction, so a pull
    /// interrupted anywhere resumes exactly after the last page stored. Returns the number of
    /// records written.
    pub fn apply_roster_page(
        &mut self,
        site: &str,
        portal_id: &str,
        candidates: &[Candidate],
        next_cursor: i64,
    ) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO candidates(exam_no, id_no, name, site_code, batch, updated_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT(exam_no) DO UPDATE SET id_no = excluded.id_no, name = excluded.name,
                   site_code = excluded.site_code, batch = excluded.batch,
                   updated_at = excluded.updated_at, record = excluded.record",
            )?;
            for c in candidates {
                let record =
                    serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                upsert.execute(params![
                    c.exam_no.as_str(),
                    c.id_no,
                    c.name,
                    c.site_code,
                    c.batch,
                    c.updated_at.to_rfc3339(),
                    record
                ])?;
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
        Ok(candidates.len())
    }

    /// The roster cursor at which the last photo pass found nothing missing (`None`: never).
    pub fn photos_checked_at(
        &self,
        site: &str,
        portal_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        self.cursor_setting(PHOTOS_CHECKED_KEY, site, portal_id)
    }

    pub fn set_photos_checked_at(
        &self,
        site: &str,
        portal_id: &str,
        cursor: i64,
    ) -> Result<(), StoreError> {
        self.set_setting(
            &format!("{PHOTOS_CHECKED_KEY}{site}"),
            &format!("{portal_id} {cursor}"),
        )
    }

    /// Candidates of `site` after `after` (by exam number) whose roster record names a photo
    /// the counter does not hold, or holds an older one of: (exam_no, wanted sha256, sha256 held).
    pub fn photos_wanted(
        &self,
        site: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.exam_no, json_extract(c.record, '$.photo_sha256') AS want, p.sha256
             FROM candidates c LEFT JOIN photos p ON p.exam_no = c.exam_no
             WHERE c.site_code = ?1 AND c.exam_no > ?2 AND want IS NOT NULL
               AND (p.sha256 IS NULL OR p.sha256 <> want)
             ORDER BY c.exam_no LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![site, after, limit as i64], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn cursor_setting(
        &self,
        prefix: &str,
        site: &str,
        portal_id: &str,
    ) -> Result<Option<i64>, StoreError> {
        let value: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                [format!("{prefix}{site}")],
                |r| r.get(0),
            )
            .optional()?;
        // A cursor from another portal (or a rebuilt one) means nothing here.
        Ok(value
            .and_then(|v| parse_position(&v))
            .filter(|(id, _)| id == portal_id)
            .map(|(_, c)| c))
    }
}

fn parse_position(value: &str) -> Option<(String, i64)> {
    let (id, cursor) = value.rsplit_once(' ')?;
    Some((id.to_owned(), cursor.parse().ok()?))
}
