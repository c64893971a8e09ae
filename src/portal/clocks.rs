//! Counters' clocks and databases as the portal sees them (issue 15): each event is filed under
//! its true time (its counter's measured offset taken off) unless that time is implausible; each
//! counter's latest offset and problems for supervisors; each counter's database log, so that a
//! restored counter takes back its events and a cloned one is refused.

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde_json::value::RawValue;

use super::{Identity, Portal, PortalError, db};
use crate::strings;
use crate::sync::clock;
use crate::sync::protocol::{CounterHealth, CounterLog, Event, SiteCounters};

/// The `meta` key of the limit, in hours, beyond which an event's corrected time is implausible.
const CLOCK_LIMIT_KEY: &str = "clock_limit_hours";
pub const DEFAULT_CLOCK_LIMIT_HOURS: i64 = 24;
/// Ten years: more is no limit at all.
pub const MAX_CLOCK_LIMIT_HOURS: i64 = 87_600;
/// The flag of an event filed under no day.
const FLAG_CLOCK: &str = "clock";

/// How one batch's events are dated: the counter's offset, and the span of plausible times.
pub(super) struct Judge {
    /// For events that carry no offset of their own: the batch's, else the last one known.
    fallback_offset_ms: Option<i64>,
    earliest: DateTime<Utc>,
    latest: DateTime<Utc>,
}

/// Where an event is filed.
pub(super) struct Placed {
    pub at: DateTime<Utc>,
    pub offset_ms: Option<i64>,
    pub flag: Option<&'static str>,
}

impl Judge {
    /// Reads what the portal knows of the counter, then notes this batch's contact and offset.
    /// An event may be dated from the counter's previous contact (or its enrolment) minus the
    /// limit — a counter offline for days still files its work under the right days — up to
    /// the portal's clock plus the limit.
    pub fn for_batch(
        tx: &Transaction,
        who: &Identity,
        batch_offset_ms: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Self, PortalError> {
        let limit = TimeDelta::hours(clock_limit_hours(tx)?);
        let known: Option<(Option<i64>, Option<String>)> = tx
            .query_row(
                "SELECT s.clock_offset_ms, COALESCE(s.last_batch_at, c.created_at)
                 FROM counters c LEFT JOIN counter_status s ON s.counter_id = c.counter_id
                 WHERE c.counter_id = ?1",
                [&who.counter_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (stored_offset, since) = known.unwrap_or((None, None));
        let since = since
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map_or(now, |t| t.to_utc().min(now));
        note_batch(tx, who, batch_offset_ms, now)?;
        Ok(Self {
            fallback_offset_ms: batch_offset_ms.or(stored_offset),
            earliest: since - limit,
            latest: now + limit,
        })
    }

    /// The event's true time (its counter's clock offset taken off) and whether it is flagged.
    pub fn place(&self, event: &Event) -> Placed {
        let offset_ms = event.clock_offset_ms.or(self.fallback_offset_ms);
        let corrected = offset_ms.map_or(Some(event.at), |ms| {
            TimeDelta::try_milliseconds(ms).and_then(|d| event.at.checked_sub_signed(d))
        });
        match corrected {
            Some(at) if at >= self.earliest && at <= self.latest => Placed {
                at,
                offset_ms,
                flag: None,
            },
            other => Placed {
                at: other.unwrap_or(event.at),
                offset_ms,
                flag: Some(FLAG_CLOCK),
            },
        }
    }
}

fn note_batch(
    tx: &Transaction,
    who: &Identity,
    offset_ms: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), PortalError> {
    let now = now.to_rfc3339();
    tx.execute(
        "INSERT INTO counter_status(counter_id, clock_offset_ms, clock_measured_at, last_batch_at)
         VALUES (?1, ?2, CASE WHEN ?2 IS NULL THEN NULL ELSE ?3 END, ?3)
         ON CONFLICT(counter_id) DO UPDATE SET last_batch_at = excluded.last_batch_at,
           clock_offset_ms = COALESCE(excluded.clock_offset_ms, counter_status.clock_offset_ms),
           clock_measured_at = COALESCE(excluded.clock_measured_at, counter_status.clock_measured_at)",
        params![who.counter_id, offset_ms, now],
    )?;
    Ok(())
}

fn clock_limit_hours(conn: &Connection) -> Result<i64, PortalError> {
    Ok(db::meta(conn, CLOCK_LIMIT_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CLOCK_LIMIT_HOURS))
}

/// The log currently taken from `counter`, if any.
fn current_log(conn: &Connection, counter: &str) -> Result<Option<String>, PortalError> {
    Ok(conn
        .query_row(
            "SELECT log_id FROM counter_logs WHERE counter_id = ?1 AND current = 1",
            [counter],
            |r| r.get(0),
        )
        .optional()?)
}

fn is_replaced(conn: &Connection, counter: &str, log: &str) -> Result<bool, PortalError> {
    let found: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM counter_logs WHERE counter_id = ?1 AND log_id = ?2 AND current = 0",
            [counter, log],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

impl Portal {
    /// `portal set-clock-limit HOURS`.
    pub fn set_clock_limit(&self, hours: i64) -> Result<(), PortalError> {
        if !(1..=MAX_CLOCK_LIMIT_HOURS).contains(&hours) {
            return Err(PortalError::BadClockLimit(hours));
        }
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![CLOCK_LIMIT_KEY, hours.to_string()],
        )?;
        Ok(())
    }

    pub fn clock_limit_hours(&self) -> Result<i64, PortalError> {
        clock_limit_hours(&self.conn)
    }

    /// Whether the database whose log is `log` may push for `who`; `Err` is the 409's reason
    /// (and the refusal is noted for supervisors). The first log seen is taken; a log naming
    /// the current one as the one it replaces (a restored database that took its events back)
    /// takes over; a replaced log, or a stranger while another is current, is a second live
    /// database using this counter's token.
    pub fn admit_log(
        &mut self,
        who: &Identity,
        log: &str,
        replaces: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<(), String>, PortalError> {
        let tx = self.conn.transaction()?;
        let current = current_log(&tx, &who.counter_id)?;
        let verdict = match current.as_deref() {
            Some(c) if c == log => Ok(()),
            _ if is_replaced(&tx, &who.counter_id, log)? => Err(()),
            Some(c) if replaces != Some(c) => Err(()),
            _ => {
                tx.execute(
                    "UPDATE counter_logs SET current = 0 WHERE counter_id = ?1",
                    [&who.counter_id],
                )?;
                tx.execute(
                    "INSERT INTO counter_logs(log_id, counter_id, current, since) VALUES (?1, ?2, 1, ?3)",
                    params![log, who.counter_id, now.to_rfc3339()],
                )?;
                Ok(())
            }
        };
        if verdict.is_err() {
            note_clone(&tx, who, now)?;
        }
        tx.commit()?;
        Ok(verdict.map_err(|()| strings::PORTAL_CLONED.to_owned()))
    }

    /// The calling counter's own events after `after` (at most `limit`), for a restored
    /// counter to take back; `Err` is the 409's reason when `log` has been replaced.
    pub fn counter_log(
        &mut self,
        who: &Identity,
        after: i64,
        limit: usize,
        log: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Result<CounterLog, String>, PortalError> {
        if let Some(log) = log
            && is_replaced(&self.conn, &who.counter_id, log)?
        {
            let tx = self.conn.transaction()?;
            note_clone(&tx, who, now)?;
            tx.commit()?;
            return Ok(Err(strings::PORTAL_CLONED.to_owned()));
        }
        let highest: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM events WHERE counter_id = ?1",
            [&who.counter_id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT event_id, seq, kind, intake_id, exam_no, at, clerk_id, body, clock_offset_ms
             FROM events WHERE counter_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![who.counter_id, after, limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (event_id, seq, kind, intake_id, exam_no, at, clerk_id, body, offset) = row?;
            events.push(Event {
                event_id,
                counter_id: who.counter_id.clone(),
                seq,
                kind,
                intake_id,
                exam_no,
                at: DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| PortalError::Corrupt(format!("{at}: {e}")))?
                    .to_utc(),
                clerk_id,
                body: RawValue::from_string(body)
                    .map_err(|e| PortalError::Corrupt(e.to_string()))?,
                clock_offset_ms: offset,
            });
        }
        let next_after = events.last().map_or(after, |e| e.seq);
        Ok(Ok(CounterLog {
            counter_id: who.counter_id.clone(),
            log_id: current_log(&self.conn, &who.counter_id)?,
            highest_seq: highest,
            done: next_after >= highest,
            next_after,
            events,
        }))
    }

    /// Each counter of `site`: its clock as last reported, events filed under no day for an
    /// implausible date, and the last refused clone.
    pub fn site_counters(&self, site: &str) -> Result<SiteCounters, PortalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.counter_id, s.clock_offset_ms, s.clock_measured_at, s.clone_refused_at,
                (SELECT COUNT(*) FROM events e WHERE e.site_code = c.site_code
                    AND e.counter_id = c.counter_id AND e.clock_flag IS NOT NULL)
             FROM counters c LEFT JOIN counter_status s ON s.counter_id = c.counter_id
             WHERE c.site_code = ?1 ORDER BY c.counter_id",
        )?;
        let rows = stmt.query_map([site], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let instant = |t: Option<String>| {
            t.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.to_utc())
        };
        let mut counters = Vec::new();
        for row in rows {
            let (counter_id, offset, measured, clone, flagged) = row?;
            counters.push(CounterHealth {
                counter_id,
                clock_offset_ms: offset,
                clock_measured_at: instant(measured),
                bad_clock: offset.is_some_and(clock::is_off),
                flagged_events: flagged.unsigned_abs(),
                clone_refused_at: instant(clone),
            });
        }
        Ok(SiteCounters {
            site_code: site.to_owned(),
            counters,
        })
    }
}

fn note_clone(tx: &Transaction, who: &Identity, now: DateTime<Utc>) -> Result<(), PortalError> {
    tracing::warn!(counter = %who.counter_id, "a second database uses this counter's token");
    tx.execute(
        "INSERT INTO counter_status(counter_id, clone_refused_at) VALUES (?1, ?2)
         ON CONFLICT(counter_id) DO UPDATE SET clone_refused_at = excluded.clone_refused_at",
        params![who.counter_id, now.to_rfc3339()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn event(at_text: &str, offset: Option<i64>) -> Event {
        Event {
            event_id: "e".into(),
            counter_id: "c1".into(),
            seq: 1,
            kind: "accepted".into(),
            intake_id: None,
            exam_no: None,
            at: at(at_text),
            clerk_id: "c01".into(),
            body: RawValue::from_string("{}".into()).unwrap(),
            clock_offset_ms: offset,
        }
    }

    #[test]
    fn an_event_is_placed_at_its_true_time_or_flagged_when_implausible() {
        let judge = Judge {
            fallback_offset_ms: Some(300_000),
            earliest: at("2026-11-19T02:00:00Z"),
            latest: at("2026-11-21T16:00:00Z"),
        };
        // Its own offset first, else the batch's.
        let own = judge.place(&event("2026-11-20T15:55:00Z", Some(-300_000)));
        assert_eq!(
            (own.at, own.offset_ms, own.flag),
            (at("2026-11-20T16:00:00Z"), Some(-300_000), None)
        );
        let batch = judge.place(&event("2026-11-20T16:05:00Z", None));
        assert_eq!((batch.at, batch.flag), (at("2026-11-20T16:00:00Z"), None));
        for (text, offset) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("9999-12-31T00:00:00Z", Some(0)),
            ("2026-11-20T16:00:00Z", Some(i64::MAX)),
        ] {
            let placed = judge.place(&event(text, offset));
            assert_eq!(placed.flag, Some(FLAG_CLOCK), "{text}");
        }
    }

    #[test]
    fn a_log_replaced_by_a_recovered_database_is_refused_and_noted() {
        let dir = tempfile::tempdir().unwrap();
        let mut portal = Portal::open(&dir.path().join("portal.db")).unwrap();
        portal
            .add_counter("9901", "c1", at("2026-11-20T02:00:00Z"))
            .unwrap();
        let who = Identity {
            counter_id: "c1".into(),
            site_code: "9901".into(),
        };
        let now = at("2026-11-20T03:00:00Z");
        let mut admit = |log: &str, replaces: Option<&str>| {
            portal.admit_log(&who, log, replaces, now).unwrap().is_ok()
        };
        assert!(admit("a", None), "the first log is taken");
        assert!(admit("a", None));
        assert!(!admit("x", None), "a stranger while a is current");
        assert!(
            !admit("x", Some("y")),
            "replacing a log that is not current"
        );
        assert!(admit("b", Some("a")), "a recovered database takes over");
        assert!(!admit("a", None), "the replaced one is refused");
        assert!(!admit("a", Some("b")), "and cannot take over again");
        assert!(admit("b", Some("a")));
        let health = portal.site_counters("9901").unwrap();
        assert_eq!(health.counters[0].clone_refused_at, Some(now));
        let refused = portal.counter_log(&who, 0, 10, Some("a"), now).unwrap();
        assert!(refused.is_err());
        let page = portal
            .counter_log(&who, 0, 10, Some("b"), now)
            .unwrap()
            .unwrap();
        assert_eq!(
            (page.log_id.as_deref(), page.highest_seq, page.done),
            (Some("b"), 0, true)
        );
    }

    #[test]
    fn the_clock_limit_is_kept_within_bounds() {
        let dir = tempfile::tempdir().unwrap();
        let portal = Portal::open(&dir.path().join("portal.db")).unwrap();
        assert_eq!(
            portal.clock_limit_hours().unwrap(),
            DEFAULT_CLOCK_LIMIT_HOURS
        );
        portal.set_clock_limit(48).unwrap();
        assert_eq!(portal.clock_limit_hours().unwrap(), 48);
        for bad in [0, -1, MAX_CLOCK_LIMIT_HOURS + 1] {
            assert!(matches!(
                portal.set_clock_limit(bad),
                Err(PortalError::BadClockLimit(_))
            ));
        }
    }
}
