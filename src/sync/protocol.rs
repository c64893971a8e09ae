//! The sync protocol of DESIGN §4: HTTP + JSON under `/v1`, the same types on both ends
//! (the counter's client and the reference portal).
//!
//! - `POST /v1/events` ← [`EventBatch`] → [`BatchResult`], one result per event, in order.
//! - `GET /v1/sites/{site}/roster?cursor=N&limit=M` → [`RosterPage`]; the cursor is the portal's
//!   change sequence, so a pull that stops halfway resumes where it stopped.
//! - `GET /v1/photos/{exam_no}` → JPEG bytes, `ETag: "<sha256>"`, `If-None-Match` → 304.
//! - `GET /v1/sites/{site}/tally?date=YYYY-MM-DD` → [`Tally`].
//! - `GET /v1/sites/{site}/conflicts` → [`Conflicts`].
//! - `GET /v1/sites/{site}/counters` → [`SiteCounters`]: each counter's clock and problems.
//! - `GET /v1/counters/self/events?after=SEQ&limit=N&log=ID` → [`CounterLog`]: the calling
//!   counter's own events the portal holds after `SEQ` (a restored counter takes back what its
//!   database lost); 409 `cloned` when `log` is a database another one has replaced.
//! - Every error → [`ErrorBody`] with a stable `kind` and a Chinese `message`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::domain::candidate::Candidate;

pub const API_PREFIX: &str = "/v1";
/// Every answer of the portal carries its clock in this header (RFC 3339 with milliseconds,
/// UTC), so that each counter measures how far its own clock is off (`sync::clock`).
pub const PORTAL_TIME_HEADER: &str = "x-portal-time";
/// The most events the portal takes in one batch; larger batches are refused (413).
pub const MAX_BATCH_EVENTS: usize = 5_000;
/// The largest events batch the portal reads (bytes of the request body); a larger one is
/// refused (413) and the counter's sync halves its batch.
pub const MAX_BATCH_BYTES: usize = 8 << 20;
/// The largest `body` of one event (bytes of its JSON). A larger event is refused with a reason;
/// the rest of its batch is still taken. Real events are well under 4 KB.
pub const MAX_EVENT_BODY_BYTES: usize = 64 << 10;
/// The most candidates the portal sends in one roster page.
pub const MAX_ROSTER_PAGE: usize = 5_000;

/// One entry of a counter's append-only log as it travels. `body` is the event exactly as the
/// counter stored it (the JSON of `domain::intake::IntakeEvent`, or of
/// `domain::supervision::SupervisorEvent` for a supervisor's approval or unlock, tagged by
/// `type`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub event_id: String,
    pub counter_id: String,
    pub seq: i64,
    pub kind: String,
    #[serde(default)]
    pub intake_id: Option<String>,
    /// The candidate, when the counter knows it (events like `item_ticked` carry only the
    /// intake id in their body).
    #[serde(default)]
    pub exam_no: Option<String>,
    pub at: DateTime<Utc>,
    pub clerk_id: String,
    pub body: Box<RawValue>,
    /// The counter's clock minus the portal's (ms) as last measured when the event was made;
    /// absent from older counters and when nothing was measured yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EventBatch {
    pub events: Vec<Event>,
    /// The counter's clock minus the portal's (ms), measured during this sync: the portal keeps
    /// each counter's latest and corrects events that carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_offset_ms: Option<i64>,
    /// The identity of the counter's database log (see [`CounterLog`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_id: Option<String>,
    /// After a recovery: the log this database takes over from (the portal's `log_id` then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces_log: Option<String>,
}

impl EventBatch {
    pub fn new(events: Vec<Event>) -> Self {
        Self {
            events,
            clock_offset_ms: None,
            log_id: None,
            replaces_log: None,
        }
    }
}

/// A page of the calling counter's own log as the portal holds it, oldest first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CounterLog {
    pub counter_id: String,
    /// The database log the portal currently takes this counter's events from, if any.
    #[serde(default)]
    pub log_id: Option<String>,
    /// The highest sequence number the portal holds for this counter (0: none).
    pub highest_seq: i64,
    pub events: Vec<Event>,
    /// Ask for the next page with `after` = this.
    pub next_after: i64,
    pub done: bool,
}

/// What a supervisor needs to know about one counter of the site.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterHealth {
    pub counter_id: String,
    /// The counter's clock minus the portal's (ms), as it last reported.
    pub clock_offset_ms: Option<i64>,
    pub clock_measured_at: Option<DateTime<Utc>>,
    /// The offset is over the warning limit (2 minutes).
    pub bad_clock: bool,
    /// Events stored but not filed under any day: dated too far from the portal's clock.
    pub flagged_events: u64,
    /// When a second database using this counter's token (a cloned PC) was last refused.
    pub clone_refused_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteCounters {
    pub site_code: String,
    pub counters: Vec<CounterHealth>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    /// Stored now.
    Stored,
    /// The portal already had this event_id: counts as success, so retries are safe.
    Duplicate,
    /// The portal will never take this event; `reason` says why.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventResult {
    pub event_id: String,
    pub status: EventStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    pub results: Vec<EventResult>,
}

/// One page of a site's roster, oldest change first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RosterPage {
    /// Identifies the portal's database: a counter whose cursor came from another portal (or a
    /// portal rebuilt from scratch) starts again from 0 instead of missing changes.
    pub portal_id: String,
    pub candidates: Vec<Candidate>,
    /// Ask for the next page with this cursor; equal to the request's when nothing changed.
    pub next_cursor: i64,
    /// No change after `next_cursor` (yet).
    pub done: bool,
}

/// Counts of what happened, for one counter, clerk, hour or the whole office.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    /// Visits: files opened (a returned candidate who comes back counts again).
    pub opened: u64,
    pub accepted: u64,
    pub returned: u64,
    pub voided: u64,
}

/// The office-wide tally of one local (Asia/Shanghai) day across all counters of a site.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub site_code: String,
    pub date: Option<NaiveDate>,
    pub totals: Outcomes,
    pub by_counter: BTreeMap<String, Outcomes>,
    pub by_clerk: BTreeMap<String, Outcomes>,
    /// Local hour of day (0–23).
    pub by_hour: BTreeMap<u32, Outcomes>,
    /// Return reasons as the clerks gave them, with how often.
    pub return_reasons: BTreeMap<String, u64>,
    /// Candidates of the site on the roster.
    pub roster: u64,
    /// Candidates of the site no counter has opened a file for yet (over the whole window).
    pub not_seen: u64,
}

/// One counter's acceptance of a candidate that another counter accepted too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictEntry {
    pub counter_id: String,
    pub site_code: String,
    pub intake_id: Option<String>,
    pub clerk_id: String,
    pub at: DateTime<Utc>,
}

/// The same candidate accepted at two or more counters (while they were offline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub exam_no: String,
    pub name: String,
    pub counters: Vec<ConflictEntry>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflicts {
    pub site_code: String,
    pub conflicts: Vec<Conflict>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, for programs: `unauthorized`, `forbidden_site`, `forbidden_counter`,
    /// `bad_request`, `too_large`, `timeout`, `not_found`, `method_not_allowed`, `rate_limited`,
    /// `cloned`, `internal`.
    pub kind: String,
    /// For people (Chinese), says what to do.
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

impl ErrorBody {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                kind: kind.to_owned(),
                message: message.into(),
            },
        }
    }
}

/// The ETag of a photo: its SHA-256, quoted as HTTP wants.
pub fn photo_etag(sha256: &str) -> String {
    format!("\"{sha256}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_round_trips_with_its_body_untouched() {
        let text = r#"{"event_id":"0190","counter_id":"c1","seq":3,"kind":"accepted","intake_id":"i",
            "exam_no":"010523100123","at":"2023-06-16T02:00:00Z","clerk_id":"c01",
            "body":{"type":"accepted","intake_id":"i","exam_no":"010523100123"}}"#;
        let event: Event = serde_json::from_str(text).unwrap();
        assert_eq!(
            event.body.get(),
            r#"{"type":"accepted","intake_id":"i","exam_no":"010523100123"}"#
        );
        let again: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
        assert_eq!(again.seq, 3);
        assert_eq!(again.body.get(), event.body.get());
    }

    #[test]
    fn statuses_are_snake_case_and_reason_optional() {
        let r = EventResult {
            event_id: "e".into(),
            status: EventStatus::Duplicate,
            reason: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"event_id":"e","status":"duplicate"}"#
        );
        let r: EventResult =
            serde_json::from_str(r#"{"event_id":"e","status":"rejected","reason":"x"}"#).unwrap();
        assert_eq!(r.status, EventStatus::Rejected);
        assert_eq!(r.reason.as_deref(), Some("x"));
    }

    #[test]
    fn error_body_shape() {
        let e = ErrorBody::new("unauthorized", "令牌无效");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"error": {"kind": "unauthorized", "message": "令牌无效"}})
        );
        assert_eq!(photo_etag("ab"), "\"ab\"");
    }
}
