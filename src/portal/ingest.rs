//! `POST /v1/events`: stores each counter's log, deduplicated by event id, and derives each
//! candidate's state at each counter. Every event gets its own answer: a malformed event is
//! rejected with a reason and the rest of the batch is still taken.

use chrono::{DateTime, Timelike, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::clocks::Judge;
use super::{Portal, PortalError};
use crate::domain::intake::IntakeEvent;
use crate::domain::supervision::SupervisorEvent;
use crate::strings;
use crate::sync::protocol::{Event, EventResult, EventStatus, MAX_EVENT_BODY_BYTES};

/// Who is calling: the counter a token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub counter_id: String,
    pub site_code: String,
}

/// Kinds the portal keeps but that change no candidate's state; any JSON object body.
const RECORD_ONLY_KINDS: &[&str] = &["printed"];

/// An event as sent, parsed on its own so one bad entry cannot spoil the batch.
pub type Parsed = Result<Event, (String, String)>;

/// Parses one raw entry of a batch; on failure keeps whatever event id it has for the answer.
pub fn parse_entry(raw: &RawValue) -> Parsed {
    serde_json::from_str::<Event>(raw.get()).map_err(|e| {
        let id = serde_json::from_str::<serde_json::Value>(raw.get())
            .ok()
            .and_then(|v| {
                v.get("event_id")
                    .and_then(|id| id.as_str())
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        (id, format!("{}{e}", strings::PORTAL_EVENT_MALFORMED))
    })
}

/// What an event means for the candidate, once checked.
struct Checked {
    exam_no: Option<String>,
    intake_id: Option<String>,
    /// The candidate's state at this counter after the event, for decisions and openings.
    state: Option<&'static str>,
    /// The event is about a candidate, who must be known (on the roster); `false` only for
    /// acts about staff (a clerk unlocked), stored without a candidate.
    about_candidate: bool,
}

fn reject(event_id: &str, reason: impl Into<String>) -> EventResult {
    EventResult {
        event_id: event_id.to_owned(),
        status: EventStatus::Rejected,
        reason: Some(reason.into()),
    }
}

/// Checks what can be checked without the database: id, sequence, kind and body agree.
fn check_shape(event: &Event) -> Result<Checked, String> {
    if uuid::Uuid::parse_str(&event.event_id).is_err() {
        return Err(strings::PORTAL_EVENT_BAD_ID.to_owned());
    }
    if event.seq < 1 {
        return Err(strings::PORTAL_EVENT_BAD_SEQ.to_owned());
    }
    let size = event.body.get().len();
    if size > MAX_EVENT_BODY_BYTES {
        return Err(format!("{}{size}", strings::PORTAL_EVENT_TOO_LARGE));
    }
    if RECORD_ONLY_KINDS.contains(&event.kind.as_str()) {
        parse_body::<serde_json::Map<String, serde_json::Value>>(event)?;
        return Ok(Checked {
            exam_no: event.exam_no.clone(),
            intake_id: event.intake_id.clone(),
            state: None,
            about_candidate: true,
        });
    }
    if SupervisorEvent::KINDS.contains(&event.kind.as_str()) {
        return check_supervisor(event);
    }
    if !is_intake_kind(&event.kind) {
        return Err(format!(
            "{}{}",
            strings::PORTAL_EVENT_UNKNOWN_KIND,
            event.kind
        ));
    }
    let body: IntakeEvent = parse_body(event)?;
    kind_agrees(event, body.kind())?;
    let (intake_id, exam_no, state) = body_facts(&body);
    envelope_agrees(event, intake_id, exam_no)?;
    Ok(Checked {
        exam_no: exam_no.map(str::to_owned).or_else(|| event.exam_no.clone()),
        intake_id: Some(intake_id.to_owned()),
        state,
        about_candidate: true,
    })
}

/// The event's body as a `T`, or why it is not one.
fn parse_body<T: DeserializeOwned>(event: &Event) -> Result<T, String> {
    serde_json::from_str(event.body.get())
        .map_err(|e| format!("{}{e}", strings::PORTAL_EVENT_BAD_BODY))
}

/// The envelope's kind is the body's.
fn kind_agrees(event: &Event, body_kind: &str) -> Result<(), String> {
    if body_kind != event.kind {
        return Err(format!(
            "{}{} / {}",
            strings::PORTAL_EVENT_KIND_MISMATCH,
            event.kind,
            body_kind
        ));
    }
    Ok(())
}

/// The envelope's intake id and exam number, where given, are the body's.
fn envelope_agrees(event: &Event, intake_id: &str, exam_no: Option<&str>) -> Result<(), String> {
    if event.intake_id.as_deref().is_some_and(|id| id != intake_id) {
        return Err(strings::PORTAL_EVENT_INTAKE_MISMATCH.to_owned());
    }
    if let (Some(a), Some(b)) = (event.exam_no.as_deref(), exam_no)
        && a != b
    {
        return Err(strings::PORTAL_EVENT_EXAM_MISMATCH.to_owned());
    }
    Ok(())
}

/// A supervisor's act: kept with the counter's log, changing no candidate's state. The body must
/// name the kind and the supervisor of the envelope; an approval must name its candidate's file
/// and only blockers a supervisor may lift.
fn check_supervisor(event: &Event) -> Result<Checked, String> {
    let body: SupervisorEvent = parse_body(event)?;
    kind_agrees(event, body.kind())?;
    if body.supervisor_id() != event.clerk_id {
        return Err(strings::PORTAL_EVENT_ACTOR_MISMATCH.to_owned());
    }
    if !body.is_well_formed() {
        return Err(format!(
            "{}{}",
            strings::PORTAL_EVENT_BAD_BODY,
            strings::PORTAL_EVENT_BAD_SUPERVISOR_ACT
        ));
    }
    Ok(match body.intake() {
        Some((intake_id, exam_no)) => {
            envelope_agrees(event, intake_id, Some(exam_no))?;
            Checked {
                exam_no: Some(exam_no.to_owned()),
                intake_id: Some(intake_id.to_owned()),
                state: None,
                about_candidate: true,
            }
        }
        None => Checked {
            exam_no: None,
            intake_id: None,
            state: None,
            about_candidate: false,
        },
    })
}

fn is_intake_kind(kind: &str) -> bool {
    [
        "intake_opened",
        "item_ticked",
        "item_unticked",
        "accepted",
        "returned",
        "voided",
    ]
    .contains(&kind)
}

fn body_facts(body: &IntakeEvent) -> (&str, Option<&str>, Option<&'static str>) {
    match body {
        IntakeEvent::IntakeOpened {
            intake_id, exam_no, ..
        } => (intake_id, Some(exam_no), Some("in_progress")),
        IntakeEvent::ItemTicked { intake_id, .. } | IntakeEvent::ItemUnticked { intake_id, .. } => {
            (intake_id, None, None)
        }
        IntakeEvent::Accepted { intake_id, exam_no } => {
            (intake_id, Some(exam_no), Some("accepted"))
        }
        IntakeEvent::Returned {
            intake_id, exam_no, ..
        } => (intake_id, Some(exam_no), Some("returned")),
        IntakeEvent::Voided {
            intake_id, exam_no, ..
        } => (intake_id, Some(exam_no), Some("voided")),
    }
}

impl Portal {
    /// Takes a batch of one counter's events in one transaction; one answer per entry, in order.
    /// Entries of another counter must have been refused (403) before this is called.
    /// `clock_offset_ms` is the counter's offset the batch reports (see `clocks::Judge`).
    pub fn ingest(
        &mut self,
        who: &Identity,
        entries: Vec<Parsed>,
        clock_offset_ms: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventResult>, PortalError> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let judge = Judge::for_batch(&tx, who, clock_offset_ms, now)?;
        let mut results = Vec::with_capacity(entries.len());
        for entry in entries {
            results.push(match entry {
                Ok(event) => ingest_one(&tx, who, &event, &judge, now)?,
                Err((id, reason)) => reject(&id, reason),
            });
        }
        tx.commit()?;
        Ok(results)
    }
}

fn ingest_one(
    tx: &Transaction,
    who: &Identity,
    event: &Event,
    judge: &Judge,
    now: DateTime<Utc>,
) -> Result<EventResult, PortalError> {
    let known: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM events WHERE event_id = ?1")?
        .query_row([&event.event_id], |r| r.get(0))
        .optional()?;
    if known.is_some() {
        return Ok(EventResult {
            event_id: event.event_id.clone(),
            status: EventStatus::Duplicate,
            reason: None,
        });
    }
    let checked = match check_shape(event) {
        Ok(c) => c,
        Err(reason) => return Ok(reject(&event.event_id, reason)),
    };
    match resolve(tx, event, &checked)? {
        Ok(exam_no) => {
            let stored = Stored {
                checked: &checked,
                exam_no: exam_no.as_deref(),
                judge,
                now,
            };
            insert_event(tx, who, event, &stored)?;
            Ok(EventResult {
                event_id: event.event_id.clone(),
                status: EventStatus::Stored,
                reason: None,
            })
        }
        Err(reason) => Ok(reject(&event.event_id, reason)),
    }
}

/// The candidate the event is about (`None` for an act about staff), checked against the roster
/// and earlier events; the inner `Err` is a rejection reason.
fn resolve(
    tx: &Transaction,
    event: &Event,
    checked: &Checked,
) -> Result<Result<Option<String>, String>, PortalError> {
    let taken: Option<String> = tx
        .prepare_cached("SELECT event_id FROM events WHERE counter_id = ?1 AND seq = ?2")?
        .query_row(params![event.counter_id, event.seq], |r| r.get(0))
        .optional()?;
    if taken.is_some() {
        return Ok(Err(format!(
            "{}{}",
            strings::PORTAL_EVENT_SEQ_TAKEN,
            event.seq
        )));
    }
    if !checked.about_candidate {
        return Ok(Ok(None));
    }
    let owner: Option<(String, String)> = match &checked.intake_id {
        Some(id) => tx
            .prepare_cached("SELECT exam_no, counter_id FROM intake_owners WHERE intake_id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
        None => None,
    };
    let exam_no = match (&checked.exam_no, &owner) {
        (Some(e), Some((o, _))) if e != o => {
            return Ok(Err(strings::PORTAL_EVENT_INTAKE_OTHER.to_owned()));
        }
        (Some(e), _) => e.clone(),
        (None, Some((o, _))) => o.clone(),
        (None, None) => return Ok(Err(strings::PORTAL_EVENT_NO_CANDIDATE.to_owned())),
    };
    if owner
        .as_ref()
        .is_some_and(|(_, counter)| *counter != event.counter_id)
    {
        return Ok(Err(strings::PORTAL_EVENT_INTAKE_OTHER.to_owned()));
    }
    let on_roster: Option<i64> = tx
        .prepare_cached("SELECT 1 FROM candidates WHERE exam_no = ?1")?
        .query_row([&exam_no], |r| r.get(0))
        .optional()?;
    if on_roster.is_none() {
        return Ok(Err(format!(
            "{}{exam_no}",
            strings::PORTAL_EVENT_NOT_ON_ROSTER
        )));
    }
    Ok(Ok(Some(exam_no)))
}

/// What is stored with a checked event.
struct Stored<'a> {
    checked: &'a Checked,
    exam_no: Option<&'a str>,
    judge: &'a Judge,
    now: DateTime<Utc>,
}

/// Stores the event filed under its true local day and hour (its counter's clock offset taken
/// off); one dated implausibly is stored flagged, and the tally leaves it out.
fn insert_event(
    tx: &Transaction,
    who: &Identity,
    event: &Event,
    stored: &Stored,
) -> Result<(), PortalError> {
    let Stored {
        checked,
        exam_no,
        judge,
        now,
    } = *stored;
    let placed = judge.place(event);
    let local = crate::domain::office_time::local(placed.at);
    tx.prepare_cached(
        "INSERT INTO events(event_id, counter_id, seq, site_code, kind, intake_id, exam_no, at,
            local_date, local_hour, clerk_id, body, received_at, clock_offset_ms, clock_flag)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?
    .execute(params![
        event.event_id,
        event.counter_id,
        event.seq,
        who.site_code,
        event.kind,
        checked.intake_id,
        exam_no,
        event.at.to_rfc3339(),
        local.date_naive().to_string(),
        local.hour(),
        event.clerk_id,
        event.body.get(),
        now.to_rfc3339(),
        placed.offset_ms,
        placed.flag
    ])?;
    let Some(exam_no) = exam_no else {
        // About staff: nothing about any candidate to derive.
        return Ok(());
    };
    if let Some(intake_id) = &checked.intake_id {
        tx.prepare_cached("INSERT OR IGNORE INTO intake_owners(intake_id, exam_no, counter_id) VALUES (?1, ?2, ?3)")?
            .execute(params![intake_id, exam_no, event.counter_id])?;
    }
    if let Some(state) = checked.state {
        // Later in this counter's log wins; an older event arriving late changes nothing.
        tx.prepare_cached(
            "INSERT INTO candidate_states(exam_no, counter_id, intake_id, state, seq, at, clerk_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(exam_no, counter_id) DO UPDATE SET intake_id = excluded.intake_id,
               state = excluded.state, seq = excluded.seq, at = excluded.at, clerk_id = excluded.clerk_id
             WHERE excluded.seq > candidate_states.seq",
        )?
        .execute(params![exam_no, event.counter_id, checked.intake_id, state, event.seq, event.at.to_rfc3339(), event.clerk_id])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, clerk_id: &str, body: serde_json::Value) -> Event {
        Event {
            event_id: uuid::Uuid::now_v7().to_string(),
            counter_id: "c1".into(),
            seq: 1,
            kind: kind.into(),
            intake_id: None,
            exam_no: None,
            at: "2026-11-20T02:00:00Z".parse().unwrap(),
            clerk_id: clerk_id.into(),
            body: RawValue::from_string(body.to_string()).unwrap(),
            clock_offset_ms: None,
        }
    }

    fn approval(reasons: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"type": "override_granted", "intake_id": "i1", "exam_no": "990126200001",
            "reasons": reasons, "supervisor_id": "s01", "expires_at": "2026-11-20T02:15:00Z"})
    }

    #[test]
    fn supervisor_acts_are_checked_and_only_an_approval_names_a_candidate() {
        let checked = check_shape(&event(
            "override_granted",
            "s01",
            approval(serde_json::json!(["wrong_site"])),
        ))
        .unwrap();
        assert_eq!(
            (
                checked.exam_no.as_deref(),
                checked.intake_id.as_deref(),
                checked.state,
                checked.about_candidate
            ),
            (Some("990126200001"), Some("i1"), None, true)
        );
        let unlock = serde_json::json!({"type": "clerk_unlocked", "clerk_id": "c01", "supervisor_id": "s01"});
        let checked = check_shape(&event("clerk_unlocked", "s01", unlock.clone())).unwrap();
        assert_eq!(
            (checked.exam_no, checked.intake_id, checked.about_candidate),
            (None, None, false)
        );

        let refused = [
            (event("clerk_unlocked", "c02", unlock.clone()), "操作人"),
            (event("override_granted", "s01", unlock), "类型与内容不符"),
            (
                event("override_granted", "s01", approval(serde_json::json!([]))),
                "wrong_site",
            ),
            (
                event(
                    "override_granted",
                    "s01",
                    approval(serde_json::json!(["prediction_not_passed"])),
                ),
                "wrong_site",
            ),
            (
                event(
                    "clerk_unlocked",
                    "s01",
                    serde_json::json!({"type": "clerk_unlocked"}),
                ),
                "内容格式错误",
            ),
            (
                event("stamped", "s01", serde_json::json!({"type": "stamped"})),
                "未知的事件类型",
            ),
        ];
        for (event, reason) in refused {
            let err = check_shape(&event).map(|_| ()).unwrap_err();
            assert!(err.contains(reason), "{}: {err}", event.kind);
        }
        let mut other = event(
            "override_granted",
            "s01",
            approval(serde_json::json!(["wrong_site"])),
        );
        other.exam_no = Some("990126200002".into());
        assert!(
            check_shape(&other).is_err(),
            "the envelope names another candidate"
        );
    }

    #[test]
    fn an_event_body_over_the_limit_is_refused_with_its_size() {
        let note = "备".repeat(MAX_EVENT_BODY_BYTES / 3);
        let printed = |note: &str| {
            event(
                "printed",
                "c01",
                serde_json::json!({"type": "printed", "note": note}),
            )
        };
        let small = printed(&note[..note.len() - 30]);
        assert!(small.body.get().len() <= MAX_EVENT_BODY_BYTES);
        assert!(check_shape(&small).is_ok());
        let large = printed(&format!("{note}备"));
        let size = large.body.get().len();
        assert!(size > MAX_EVENT_BODY_BYTES);
        let err = check_shape(&large).map(|_| ()).unwrap_err();
        assert!(
            err.contains("超过") && err.ends_with(&size.to_string()),
            "{err}"
        );
    }
}
