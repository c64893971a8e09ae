//! The worker threads of the counter screen. Each one catches its own panic and reports it as
//! `AppEvent::WorkerDied`, so that a bug in one job leaves the screen running and says so.
//! The database worker owns the counter's database: it carries out `update`'s database jobs
//! one at a time, in order, and reports each result back as an event. A save is reported only
//! after its transaction committed.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, PanicHookInfo};
use std::sync::mpsc::{Receiver, Sender};
use std::thread::JoinHandle;

use chrono::{DateTime, Utc};

use super::graphics::Graphics;
use super::photo;
use super::state::{
    AppEvent, DbJob, JobError, Loaded, PhotoBytes, PhotoCheck, PhotoJob, RefusedRow, SearchRow,
    TodayRow, VoidPreview, Worker,
};
use crate::counter::Counter;
use crate::domain::intake::Intake;
use crate::domain::photo::Standards;
use crate::domain::scan;
use crate::domain::schedule::Schedule;
use crate::store::Actor;
use crate::strings::ui;

thread_local! {
    /// Set on a worker thread for its whole life: a panic there is caught by `spawn`.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

/// Whether a panic now, on this thread, is caught by its worker (and reported as an event).
pub fn panic_is_caught() -> bool {
    GUARDED.with(Cell::get)
}

/// Starts `body` on a thread of its own, with a sender for its events. A panic in it is caught
/// and sent as `WorkerDied { worker, panic }`; the screen goes on.
pub fn spawn(
    worker: Worker,
    events: Sender<AppEvent>,
    body: impl FnOnce(Sender<AppEvent>) + Send + 'static,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        GUARDED.with(|g| g.set(true));
        let own = events.clone();
        // After a panic nothing of `body` is used again (its state is dropped with the
        // unwinding), so no broken invariant can be observed.
        let result = std::panic::catch_unwind(AssertUnwindSafe(move || body(own)));
        if let Err(payload) = result {
            let panic = panic_text(payload.as_ref());
            tracing::error!(?worker, panic = %panic, "worker panicked");
            let _ = events.send(AppEvent::WorkerDied {
                worker,
                panic: Some(panic),
            });
        }
    })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// The panic hook of the running screen: `restore` (give the terminal back, then report) runs
/// for a panic on the UI thread or any thread nobody catches; a panic a worker catches (or the
/// IPP client turns into an error) leaves the running screen alone.
pub fn screen_panic_hook(
    restore: Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync>,
) -> Box<dyn Fn(&PanicHookInfo<'_>) + Send + Sync> {
    Box::new(move |info| {
        if !panic_is_caught() && !crate::print::ipp::panic_is_caught() {
            restore(info);
        }
    })
}

/// Carries out the database jobs, in the order `update` asked for them.
/// Carries out `jobs` in order until the screen closes; photos are made for `graphics`.
pub fn run(
    mut counter: Counter,
    graphics: Graphics,
    jobs: Receiver<(DbJob, DateTime<Utc>)>,
    events: Sender<AppEvent>,
) {
    for (job, now) in jobs {
        let event = handle(&mut counter, graphics, job, now);
        if let Some(event) = event
            && events.send(event).is_err()
        {
            return;
        }
    }
}

/// Measures photos against the standard of each candidate's site (`schedule` says a site's
/// city). Only the newest job waiting is measured: the ones before it are of candidates no
/// longer on screen.
pub fn run_photos(schedule: Schedule, jobs: Receiver<PhotoJob>, events: Sender<AppEvent>) {
    let standards = Standards::builtin();
    while let Ok(oldest) = jobs.recv() {
        let job = jobs.try_iter().last().unwrap_or(oldest);
        let check = match &standards {
            Ok(standards) => photo::check(&job, standards, &schedule),
            Err(e) => PhotoCheck::Unavailable(e.to_string()),
        };
        tracing::debug!(exam_no = %job.exam_no, ?check, "photo measured");
        let checked = AppEvent::PhotoChecked {
            exam_no: job.exam_no,
            check,
        };
        if events.send(checked).is_err() {
            return;
        }
    }
}

fn handle(
    counter: &mut Counter,
    graphics: Graphics,
    job: DbJob,
    now: DateTime<Utc>,
) -> Option<AppEvent> {
    Some(match job {
        DbJob::Login { id, pin } => {
            AppEvent::LoggedIn(counter.store.login(&id, &pin, now).map_err(JobError::from))
        }
        DbJob::Lookup { payload } => AppEvent::Loaded(lookup(counter, graphics, &payload, now)),
        DbJob::Photo {
            exam_no,
            cols,
            rows,
        } => {
            let picture = stored_photo(counter, &exam_no)
                .and_then(|jpeg| photo::to_picture(&jpeg, graphics, cols, rows));
            AppEvent::Photo { exam_no, picture }
        }
        DbJob::Save {
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
            match &result {
                Ok(()) => {
                    tracing::info!(exam_no = %intake.exam_no, state = intake.state.as_str(), "save intake")
                }
                // SQLite's own words, for the administrator; the clerk reads them in Chinese.
                Err(e) => {
                    tracing::error!(exam_no = %intake.exam_no, state = intake.state.as_str(), error = ?e, "save intake failed")
                }
            }
            AppEvent::Saved(result.map(|()| outcome).map_err(JobError::from))
        }
        // Only the PIN: `update` decides the approval and asks for `RecordOverride`.
        DbJob::Approve { id, pin } => {
            AppEvent::Approved(counter.store.login(&id, &pin, now).map_err(JobError::from))
        }
        DbJob::RecordOverride { grant, intake_id } => {
            let result =
                counter
                    .store
                    .record_override(&grant, &intake_id, &counter.counter_id, now);
            tracing::info!(exam_no = %grant.exam_no, by = %grant.supervisor_id, ok = result.is_ok(), "override");
            AppEvent::OverrideRecorded {
                grant,
                result: result.map_err(JobError::from),
            }
        }
        DbJob::Search { query } => AppEvent::Found {
            result: search(counter, &query),
            query,
        },
        DbJob::LoadToday => AppEvent::Today(today(counter, now)),
        DbJob::LoadRefused => AppEvent::Refused(refused(counter)),
        DbJob::PreviewVoid { exam_no, reason } => {
            AppEvent::VoidLooked(void_preview(counter, exam_no, reason, now))
        }
        DbJob::Audit {
            actor,
            action,
            detail,
        } => {
            if let Err(e) = counter.store.audit(now, &actor, action, &detail) {
                tracing::error!(error = %e, "audit");
            }
            return None;
        }
        DbJob::Count { date } => AppEvent::Counted(
            counter
                .store
                .tally(date, counter.site_code.as_deref())
                .map_err(JobError::from),
        ),
        DbJob::Void {
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
                    .map_err(JobError::from),
            )
        }
        DbJob::Unlock { id, by } => {
            let result = counter
                .store
                .unlock_clerk(&id, &by, &counter.counter_id, now);
            AppEvent::Done(result.map(|()| (ui::UNLOCKED, id)).map_err(JobError::from))
        }
    })
}

/// The candidate's photo on file; none when there is none or it cannot be read (the card says
/// so; the photo is never the reason a look-up fails).
fn stored_photo(counter: &Counter, exam_no: &str) -> Option<Vec<u8>> {
    counter.store.photo(exam_no).ok().flatten()
}

fn lookup(
    counter: &Counter,
    graphics: Graphics,
    payload: &str,
    now: DateTime<Utc>,
) -> Result<Box<Loaded>, JobError> {
    let checked = counter.check_full(payload, now)?;
    let exam_no = checked.candidate.exam_no.to_string();
    tracing::info!(exam_no = %exam_no, kind = ?checked.assessment.scan.kind, "scan");
    let intake = checked
        .intake
        .map(|r| r.intake)
        .unwrap_or_else(|| Intake::new(uuid::Uuid::now_v7().to_string(), exam_no.clone()));
    let jpeg = stored_photo(counter, &exam_no);
    let photo = jpeg
        .as_deref()
        .and_then(|jpeg| photo::card_picture(jpeg, graphics));
    Ok(Box::new(Loaded {
        assessment: checked.assessment,
        candidate: checked.candidate,
        intake,
        photo,
        jpeg: jpeg.map(|bytes| PhotoBytes(bytes.into())),
    }))
}

fn search(counter: &Counter, query: &str) -> Result<Vec<SearchRow>, JobError> {
    let found = match scan::parse(query, &crate::domain::scan::PublicKeys::default()) {
        // Nobody with that number is an empty list; a database failure is an error.
        Ok(parsed) => match counter.lookup(&parsed) {
            Ok(candidate) => vec![candidate],
            Err(crate::counter::CheckError::UnknownCandidate) => Vec::new(),
            Err(e) => return Err(e.into()),
        },
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

fn today(counter: &Counter, now: DateTime<Utc>) -> Result<Vec<TodayRow>, JobError> {
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

/// How many refused events the list shows (newest first); `sync --once` says how many in all.
const REFUSED_SHOWN: usize = 200;

/// The events the portal refused, each with its candidate as the roster has it (masked ID).
fn refused(counter: &Counter) -> Result<Vec<RefusedRow>, JobError> {
    let events = counter.store.rejected_events(REFUSED_SHOWN)?;
    events
        .into_iter()
        .map(|e| {
            let exam_no = e.exam_no.unwrap_or_default();
            let candidate = match exam_no.as_str() {
                "" => None,
                no => counter.store.candidate(no)?,
            };
            let at = chrono::DateTime::parse_from_rfc3339(&e.at)
                .map_err(|err| crate::store::StoreError::Corrupt(format!("{}: {err}", e.at)))?;
            Ok(RefusedRow {
                at: at.to_utc(),
                kind: e.kind,
                exam_no,
                id_masked: candidate.as_ref().map(|c| c.id_masked()),
                name: candidate.map(|c| c.name),
                reason: e.error,
            })
        })
        .collect()
}

/// The file a supervisor asked to void, checked as the void will check it (it exists, is not
/// voided already, a reason is given), with whom it belongs to; nothing is written.
fn void_preview(
    counter: &Counter,
    exam_no: String,
    reason: String,
    now: DateTime<Utc>,
) -> Result<VoidPreview, JobError> {
    let refused = |e: crate::store::VoidError| JobError::from(e);
    let mut record = counter
        .store
        .intake(&exam_no)?
        .ok_or_else(|| refused(crate::store::VoidError::NoIntake(exam_no.clone())))?;
    let decision = crate::domain::intake::Decision {
        at: now,
        clerk_id: String::new(),
    };
    record
        .intake
        .void(&reason, decision)
        .map_err(|e| refused(e.into()))?;
    let candidate = counter.store.candidate(&exam_no)?;
    Ok(VoidPreview {
        name: candidate
            .as_ref()
            .map_or_else(String::new, |c| c.name.clone()),
        id_masked: candidate
            .as_ref()
            .map_or_else(String::new, |c| c.id_masked()),
        exam_no,
        reason,
    })
}
