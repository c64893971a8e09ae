//! The worker thread that owns the counter's database. It carries out `update`'s effects one at
//! a time, in order, and reports each result back as an event. A save is reported only after
//! its transaction committed.

use std::sync::mpsc::{Receiver, Sender};

use chrono::{DateTime, Utc};

use super::photo;
use super::state::{AppEvent, Effect, Loaded, SearchRow, TodayRow};
use crate::counter::Counter;
use crate::domain::intake::Intake;
use crate::domain::scan;
use crate::store::Actor;
use crate::strings::ui;

/// Carries out the effects that need the database, in the order `update` asked for them.
pub fn run(
    mut counter: Counter,
    jobs: Receiver<(Effect, DateTime<Utc>)>,
    events: Sender<AppEvent>,
) {
    for (effect, now) in jobs {
        let event = handle(&mut counter, effect, now);
        if let Some(event) = event
            && events.send(event).is_err()
        {
            return;
        }
    }
}

fn handle(counter: &mut Counter, effect: Effect, now: DateTime<Utc>) -> Option<AppEvent> {
    Some(match effect {
        Effect::Login { id, pin } => AppEvent::LoggedIn(
            counter
                .store
                .login(&id, &pin, now)
                .map_err(|e| e.to_string()),
        ),
        Effect::Lookup { payload } => AppEvent::Loaded(lookup(counter, &payload, now)),
        Effect::Save {
            intake,
            events,
            clerk_id,
            outcome,
        } => {
            let actor = Actor {
                counter_id: &counter.counter_id,
                clerk_id: &clerk_id,
                at: now,
            };
            let result = counter.store.save_intake(&intake, &events, &actor);
            tracing::info!(exam_no = %intake.exam_no, state = intake.state.as_str(), ok = result.is_ok(), "save intake");
            AppEvent::Saved(result.map(|()| outcome).map_err(|e| e.to_string()))
        }
        // Only the PIN: `update` decides the approval and asks for `RecordOverride`.
        Effect::Approve { id, pin } => AppEvent::Approved(
            counter
                .store
                .login(&id, &pin, now)
                .map_err(|e| e.to_string()),
        ),
        Effect::RecordOverride { grant, intake_id } => {
            let result =
                counter
                    .store
                    .record_override(&grant, &intake_id, &counter.counter_id, now);
            tracing::info!(exam_no = %grant.exam_no, by = %grant.supervisor_id, ok = result.is_ok(), "override");
            AppEvent::OverrideRecorded {
                grant,
                result: result.map_err(|e| e.to_string()),
            }
        }
        Effect::Search { query } => AppEvent::Found(search(counter, &query).unwrap_or_default()),
        Effect::LoadToday => AppEvent::Today(today(counter, now).unwrap_or_default()),
        Effect::Audit {
            actor,
            action,
            detail,
        } => {
            if let Err(e) = counter.store.audit(now, &actor, action, &detail) {
                tracing::error!(error = %e, "audit");
            }
            return None;
        }
        Effect::Count { date } => AppEvent::Counted(
            counter
                .store
                .tally(date, counter.site_code.as_deref())
                .map_err(|e| e.to_string()),
        ),
        Effect::Void {
            exam_no,
            reason,
            by,
        } => {
            let result =
                counter
                    .store
                    .void_intake(&exam_no, &reason, &by, &counter.counter_id, now);
            AppEvent::Done(
                result
                    .map(|_| (ui::VOIDED, exam_no))
                    .map_err(|e| e.to_string()),
            )
        }
        Effect::Unlock { id, by } => {
            let result = counter
                .store
                .unlock_clerk(&id, &by, &counter.counter_id, now);
            AppEvent::Done(
                result
                    .map(|()| (ui::UNLOCKED, id))
                    .map_err(|e| e.to_string()),
            )
        }
        // The UI thread carries these out itself (the portal's numbers come over the network,
        // so they are not fetched here, where saves wait).
        // Printing has a thread of its own (a printer may take minutes).
        Effect::Bell
        | Effect::Quit
        | Effect::SyncNow
        | Effect::FetchOffice { .. }
        | Effect::Print { .. } => return None,
    })
}

fn lookup(counter: &Counter, payload: &str, now: DateTime<Utc>) -> Result<Box<Loaded>, String> {
    let checked = counter
        .check_full(payload, now)
        .map_err(|e| e.to_string())?;
    let exam_no = checked.candidate.exam_no.to_string();
    tracing::info!(exam_no = %exam_no, kind = ?checked.assessment.scan.kind, "scan");
    let intake = checked
        .intake
        .map(|r| r.intake)
        .unwrap_or_else(|| Intake::new(uuid::Uuid::now_v7().to_string(), exam_no.clone()));
    let photo = counter
        .store
        .photo(&exam_no)
        .ok()
        .flatten()
        .and_then(|jpeg| photo::to_cells(&jpeg));
    Ok(Box::new(Loaded {
        assessment: checked.assessment,
        candidate: checked.candidate,
        intake,
        photo,
    }))
}

fn search(counter: &Counter, query: &str) -> Result<Vec<SearchRow>, crate::store::StoreError> {
    let found = match scan::parse(query, &crate::domain::scan::PublicKeys::default()) {
        Ok(parsed) => counter.lookup(&parsed).ok().into_iter().collect(),
        Err(_) if query.chars().count() >= 1 => counter.store.search_by_name(query, 20)?,
        Err(_) => Vec::new(),
    };
    Ok(found
        .into_iter()
        .map(|c| SearchRow {
            exam_no: c.exam_no.to_string(),
            id_masked: c.id_masked(),
            major: c.major_name.clone(),
            name: c.name,
        })
        .collect())
}

fn today(counter: &Counter, now: DateTime<Utc>) -> Result<Vec<TodayRow>, crate::store::StoreError> {
    let since = crate::domain::office_time::midnight(crate::domain::office_time::local_date(now));
    Ok(counter
        .store
        .intakes_changed_since(&counter.counter_id, since)?
        .into_iter()
        .map(|r| TodayRow {
            exam_no: r.exam_no,
            name: r.name,
            state: r.state,
            at: r.updated_at,
        })
        .collect())
}
