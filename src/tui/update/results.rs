//! What the workers answer (the file of a scan, a save confirmed, a PIN checked, lists, counts,
//! prints), a worker that died, and the one-second tick.

use super::super::state::{
    App, AppEvent, DbJob, Effect, JobError, Level, Loaded, OpenFile, Overlay, PhotoCheck, PhotoJob,
    SaveOutcome, Screen, Worker,
};
use super::counter::accepted_text;
use super::supervisor::recount;
use super::{bell, local_hm, lock, refuse, say, t};
use crate::domain::intake::IntakeState;
use crate::domain::supervision::Override;
use crate::strings::ui;

/// The events that answer an effect. The others are handled by `update` itself.
pub(super) fn on_result(app: &mut App, event: AppEvent) -> Vec<Effect> {
    match event {
        AppEvent::LoggedIn(result) => {
            super::login::on_logged_in(app, result);
            Vec::new()
        }
        AppEvent::Loaded(result) => on_loaded(app, result),
        AppEvent::Saved(result) => on_saved(app, result),
        AppEvent::Approved(result) => on_approved(app, result),
        AppEvent::OverrideRecorded { grant, result } => on_override_recorded(app, &grant, result),
        AppEvent::Found { query, result } => on_found(app, &query, result),
        AppEvent::Today(result) => on_today(app, result),
        AppEvent::Refused(result) => on_refused(app, result),
        AppEvent::VoidLooked(Ok(preview)) => {
            app.message = None;
            app.overlay = Some(Overlay::ConfirmVoid(preview));
            Vec::new()
        }
        AppEvent::VoidLooked(Err(e)) => refuse(app, e.to_string()),
        AppEvent::Office(result) => {
            if let Screen::Supervisor(day) = &mut app.screen {
                day.office = Some(result);
            }
            Vec::new()
        }
        AppEvent::Counted(result) => {
            if let Screen::Supervisor(day) = &mut app.screen {
                day.tally = Some(result);
            }
            Vec::new()
        }
        AppEvent::Done(Ok((what, subject))) => {
            say(app, Level::Success, format!("{}{subject}", t(app, what)));
            recount(app)
        }
        AppEvent::Done(Err(e)) => refuse(app, e.to_string()),
        AppEvent::Printed(result) => on_printed(app, result),
        AppEvent::PhotoChecked { exam_no, check } => {
            on_photo_checked(app, &exam_no, check);
            Vec::new()
        }
        AppEvent::WorkerDied { worker, .. } => on_worker_died(app, worker),
        AppEvent::Input(_)
        | AppEvent::Tick
        | AppEvent::Scan(_)
        | AppEvent::Scanner(_)
        | AppEvent::ScanRejected(_)
        | AppEvent::Sync(_)
        | AppEvent::Photo { .. } => Vec::new(),
    }
}

/// The file of a scan is shown as the database has it: looking is not opening (the first tick
/// or decision opens it). A returned file says first when, by whom and why it was returned.
fn on_loaded(app: &mut App, result: Result<Box<Loaded>, JobError>) -> Vec<Effect> {
    // A failed save stays on screen over the reload that follows it, until acknowledged.
    app.overlay = app
        .overlay
        .take()
        .filter(|o| matches!(o, Overlay::SaveFailed { .. }));
    let loaded = match result {
        Ok(loaded) => *loaded,
        // A bad scan changes nothing: the open file (if any) stays as it was.
        Err(e) => return refuse(app, e.to_string()),
    };
    // A candidate scanned again (or reloaded after a failed save) keeps an approval that has
    // not run out: it was given for this candidate at this counter, not for one screen.
    let approval = app
        .file
        .take()
        .and_then(|f| f.approval)
        .filter(|a| a.exam_no == loaded.candidate.exam_no.as_str() && a.is_valid(app.now));
    let measure = photo_job(&loaded);
    let file = OpenFile {
        stored: loaded.intake.clone(),
        photo_check: measure.as_ref().map(|_| PhotoCheck::Measuring),
        loaded,
        cursor: 0,
        approval,
    };
    app.message = None;
    let state = file.intake().state;
    let history = (state == IntakeState::Returned).then(|| returned_text(app, &file));
    let accepted = (state == IntakeState::Accepted).then(|| accepted_text(app, &file));
    app.file = Some(file);
    // The card is shown now; the photo line follows when the photo worker answers.
    let mut effects: Vec<Effect> = measure.map(Effect::Photo).into_iter().collect();
    if let Some(text) = accepted {
        effects.extend(refuse(app, text));
    } else if let Some(text) = history {
        say(app, Level::Info, text);
    }
    effects
}

/// The measurement of the photo of a loaded file, when it has one.
fn photo_job(loaded: &Loaded) -> Option<PhotoJob> {
    Some(PhotoJob {
        exam_no: loaded.candidate.exam_no.to_string(),
        site_code: loaded.candidate.site_code.clone(),
        jpeg: loaded.jpeg.clone()?,
    })
}

/// A photo measured: shown when its candidate is still on screen and waiting for it, else
/// dropped (the clerk has moved on).
fn on_photo_checked(app: &mut App, exam_no: &str, check: PhotoCheck) {
    if let Some(file) = &mut app.file
        && file.loaded.candidate.exam_no.as_str() == exam_no
        && file.photo_check == Some(PhotoCheck::Measuring)
    {
        file.photo_check = Some(check);
    }
}

/// When, by whom and why a returned file was returned, for the clerk to read before going on.
fn returned_text(app: &App, file: &OpenFile) -> String {
    let intake = file.intake();
    let by = intake.decision.as_ref().map_or_else(String::new, |d| {
        format!(
            "{} {}",
            crate::domain::office_time::date_hm(d.at),
            d.clerk_id
        )
    });
    format!(
        "{}{by}{}{}",
        t(app, ui::RETURNED_BY),
        t(app, ui::RETURNED_BECAUSE),
        intake.return_reasons.join("；")
    )
}

/// A save confirmed: the card follows the database now. A failed save is shown in a box that
/// stays until the clerk acknowledges it, saying what was not stored; the file is read again
/// so that the screen shows what the database holds.
fn on_saved(app: &mut App, result: Result<SaveOutcome, JobError>) -> Vec<Effect> {
    let pending = app.saves.pop_front();
    match result {
        Ok(outcome) => {
            if let (Some(saved), Some(file)) = (pending, &mut app.file)
                && saved.intake.id == file.stored.id
            {
                file.stored = saved.intake;
            }
            match outcome {
                SaveOutcome::Quiet => {}
                SaveOutcome::Accepted => say(app, Level::Success, t(app, ui::ACCEPTED_DONE)),
                SaveOutcome::Returned => say(app, Level::Success, t(app, ui::RETURNED_DONE)),
            }
            Vec::new()
        }
        Err(e) => {
            let (what, exam_no) = pending.map_or((SaveOutcome::Quiet, String::new()), |p| {
                (p.outcome, p.intake.exam_no)
            });
            let headline = match what {
                SaveOutcome::Accepted => ui::SAVE_FAILED_ACCEPT,
                SaveOutcome::Returned => ui::SAVE_FAILED_RETURN,
                SaveOutcome::Quiet => ui::SAVE_FAILED_TICK,
            };
            let text = format!(
                "{exam_no} {}\n{e}\n{}",
                t(app, headline),
                t(app, ui::SAVE_FAILED_WHAT_TO_DO)
            );
            app.message = None;
            app.overlay = Some(Overlay::SaveFailed { text });
            // What the screen shows may be ahead of the database: read the file again.
            let reload = app
                .file
                .as_ref()
                .filter(|f| f.loaded.candidate.exam_no.as_str() == exam_no)
                .map(|f| {
                    Effect::Db(DbJob::Lookup {
                        payload: f.loaded.candidate.exam_no.to_string(),
                    })
                });
            let mut effects = bell(app);
            effects.extend(reload);
            effects
        }
    }
}

/// A PIN typed into the approval box was checked. A supervisor's PIN approves the open file's
/// overridable blockers from now for `override_ttl`; the approval is recorded (audit and sync)
/// before the file's own events, so the log reads approval, then opening.
fn on_approved(app: &mut App, result: Result<crate::store::Clerk, JobError>) -> Vec<Effect> {
    // The answer belongs to the box that asked: if another scan replaced the file (and closed
    // the box) meanwhile, it must not approve the new candidate.
    if !matches!(app.overlay, Some(Overlay::Approve(_))) {
        return Vec::new();
    }
    match result {
        Ok(supervisor) if supervisor.role == crate::store::Role::Supervisor => {
            app.overlay = None;
            let (now, ttl) = (app.now, app.cfg.override_ttl);
            let Some(file) = &mut app.file else {
                return Vec::new();
            };
            let exam_no = file.loaded.candidate.exam_no.to_string();
            let grant = Override::grant(exam_no, supervisor.id, file.overridable(), now, ttl);
            file.approval = Some(grant.clone());
            let record = Effect::Db(DbJob::RecordOverride {
                grant: grant.clone(),
                intake_id: file.intake().id.clone(),
            });
            let text = format!(
                "{}{}",
                t(app, ui::OVERRIDE_DONE),
                local_hm(grant.expires_at)
            );
            say(app, Level::Success, text);
            vec![record]
        }
        Ok(_) => approval_failed(app, t(app, ui::OVERRIDE_NOT_SUPERVISOR).to_owned()),
        Err(e) => approval_failed(app, e.to_string()),
    }
}

/// An approval that could not be recorded does not hold: nothing unaudited may lift a blocker.
fn on_override_recorded(
    app: &mut App,
    grant: &Override,
    result: Result<(), JobError>,
) -> Vec<Effect> {
    let Err(e) = result else {
        return Vec::new();
    };
    if let Some(file) = &mut app.file
        && file.approval.as_ref() == Some(grant)
    {
        file.approval = None;
    }
    refuse(app, e.to_string())
}

fn approval_failed(app: &mut App, error: String) -> Vec<Effect> {
    if let Some(Overlay::Approve(form)) = &mut app.overlay {
        form.busy = false;
        form.error = Some(error);
    }
    Vec::new()
}

/// Search results for the open search box. A failed search closes the box and says why (an
/// empty list would read "nobody of that name").
fn on_found(
    app: &mut App,
    asked: &str,
    result: Result<Vec<super::super::state::SearchRow>, JobError>,
) -> Vec<Effect> {
    // An answer to a query edited since (or to a box closed meanwhile) is dropped.
    let Some(Overlay::Search {
        query,
        results,
        cursor,
        running: running @ true,
    }) = &mut app.overlay
    else {
        return Vec::new();
    };
    if query.trim() != asked {
        return Vec::new();
    }
    match result {
        Ok(rows) => {
            *results = Some(rows);
            *cursor = 0;
            *running = false;
            Vec::new()
        }
        Err(e) => {
            app.overlay = None;
            refuse(app, e.to_string())
        }
    }
}

/// Today's files for the open list; a failed read closes it and says why.
fn on_today(
    app: &mut App,
    result: Result<Vec<super::super::state::TodayRow>, JobError>,
) -> Vec<Effect> {
    let Some(Overlay::Today { rows, .. }) = &mut app.overlay else {
        return Vec::new();
    };
    match result {
        Ok(list) => {
            *rows = Some(list);
            Vec::new()
        }
        Err(e) => {
            app.overlay = None;
            refuse(app, e.to_string())
        }
    }
}

fn on_printed(app: &mut App, result: Result<String, JobError>) -> Vec<Effect> {
    app.printing = false;
    match result {
        Ok(done) => {
            app.slots.printer = Some(t(app, ui::PRINTER_READY).to_owned());
            say(app, Level::Success, done);
            Vec::new()
        }
        Err(error) => {
            app.slots.printer = Some(t(app, ui::PRINTER_ERROR).to_owned());
            refuse(app, error.to_string())
        }
    }
}

/// A worker is gone: what it was asked stays undone. The screen says which and what to do, and
/// forgets the waits that depended on it (pending saves would keep the idle lock off for good,
/// a print would stay "printing", a box would stay busy).
fn on_worker_died(app: &mut App, worker: Worker) -> Vec<Effect> {
    match worker {
        Worker::Database => {
            app.saves.clear();
            if let Screen::Login(form) | Screen::Locked(form) = &mut app.screen {
                form.busy = false;
            }
            if let Some(Overlay::Approve(form)) = &mut app.overlay {
                form.busy = false;
            }
        }
        Worker::Printer => {
            app.printing = false;
            app.slots.printer = Some(t(app, ui::PRINTER_ERROR).to_owned());
        }
        Worker::Photo => {
            // No answer will come: the card must not say 检测中 for ever.
            let stopped = t(app, ui::WORKER_PHOTO).to_owned();
            if let Some(file) = &mut app.file
                && file.photo_check == Some(PhotoCheck::Measuring)
            {
                file.photo_check = Some(PhotoCheck::Unavailable(stopped));
            }
        }
        Worker::Portal | Worker::Input | Worker::Tick => {}
    }
    let name = match worker {
        Worker::Database => ui::WORKER_DATABASE,
        Worker::Printer => ui::WORKER_PRINTER,
        Worker::Portal => ui::WORKER_PORTAL,
        Worker::Input => ui::WORKER_INPUT,
        Worker::Tick => ui::WORKER_TICK,
        Worker::Photo => ui::WORKER_PHOTO,
    };
    let text = format!(
        "{}{}{}",
        t(app, ui::WORKER_DIED),
        t(app, name),
        t(app, ui::WORKER_DIED_WHAT_TO_DO)
    );
    if let Screen::Login(form) | Screen::Locked(form) = &mut app.screen {
        form.error = Some(text.clone());
    }
    refuse(app, text)
}

pub(super) fn on_tick(app: &mut App) -> Vec<Effect> {
    let idle = app.now - app.last_input;
    if app.screen == Screen::Counter && idle >= app.cfg.idle_lock && app.saves.is_empty() {
        return lock(app);
    }
    Vec::new()
}

/// The refused events arrive in the list opened for them (a list closed meanwhile stays closed).
fn on_refused(
    app: &mut App,
    result: Result<Vec<super::super::state::RefusedRow>, JobError>,
) -> Vec<Effect> {
    match (result, &mut app.overlay) {
        (Ok(found), Some(Overlay::Refused { rows, .. })) => {
            *rows = Some(found);
            Vec::new()
        }
        (Ok(_), _) => Vec::new(),
        (Err(e), overlay) => {
            if matches!(overlay, Some(Overlay::Refused { .. })) {
                *overlay = None;
            }
            refuse(app, e.to_string())
        }
    }
}
