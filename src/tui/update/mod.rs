//! `update`: events in, state changed, effects out. No I/O, no clock (the instant is passed in),
//! so every flow of the counter is tested without a terminal. One file per screen: `login`,
//! `counter`, `overlays` (the boxes over the counter and supervisor screens), `supervisor`, and
//! `results` for what the workers answer.

mod counter;
mod login;
mod overlays;
mod photo;
mod results;
mod supervisor;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};

use super::keymap::{Action, action_for};
use super::state::{
    App, AppEvent, DbJob, Effect, Level, LoginForm, Message, OpenFile, Overlay, PendingSave,
    SaveOutcome, Screen, UiEffect,
};
use crate::domain::intake::{Decision, IntakeError, IntakeEvent};
use crate::strings::ui::{self, Tr};

pub fn update(app: &mut App, event: AppEvent, now: DateTime<Utc>) -> Vec<Effect> {
    app.now = now;
    match event {
        AppEvent::Input(Event::Key(key)) if key.kind != KeyEventKind::Release => {
            app.last_input = now;
            on_key(app, key)
        }
        AppEvent::Input(Event::Resize(cols, rows)) => photo::on_resize(app, cols, rows),
        AppEvent::Input(_) => Vec::new(),
        AppEvent::Photo { exam_no, picture } => photo::on_photo(app, &exam_no, picture),
        AppEvent::Tick => results::on_tick(app),
        AppEvent::Scan(payload) => on_scan(app, payload),
        AppEvent::Scanner(status) => {
            app.slots.scanner = Some(status);
            Vec::new()
        }
        AppEvent::ScanRejected(message) if app.screen == Screen::Counter => refuse(app, message),
        AppEvent::ScanRejected(_) => Vec::new(),
        AppEvent::Sync(status) => {
            app.slots.portal = Some(supervisor::portal_slot(app, &status));
            app.slots.portal_error = status.last_error;
            app.slots.refused = status.rejected;
            Vec::new()
        }
        other => results::on_result(app, other),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let action = action_for(app, &key);
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Ui(UiEffect::Quit)];
    }
    if action == Some(Action::Refused) {
        return open_refused(app);
    }
    match app.screen {
        Screen::Login(_) | Screen::Locked(_) => login::login_key(app, key, action),
        Screen::Counter | Screen::Supervisor(_) if app.overlay.is_some() => {
            overlays::overlay_key(app, key, action)
        }
        Screen::Counter => counter::counter_key(app, key, action),
        Screen::Supervisor(_) => supervisor::supervisor_key(app, action),
    }
}

/// Ctrl-R (counter and supervisor screens): the events the portal refused, read from the
/// database.
fn open_refused(app: &mut App) -> Vec<Effect> {
    app.message = None;
    app.overlay = Some(Overlay::Refused {
        rows: None,
        cursor: 0,
    });
    vec![Effect::Db(DbJob::LoadRefused)]
}

// ---- shared by the screens -----------------------------------------------------------------

fn say(app: &mut App, level: Level, text: impl Into<String>) {
    app.message = Some(Message {
        level,
        text: text.into(),
    });
}

fn t(app: &App, text: Tr) -> &'static str {
    text.get(app.cfg.lang)
}

/// A refusal: the message, and the bell if the office wants it.
fn refuse(app: &mut App, text: String) -> Vec<Effect> {
    say(app, Level::Error, text);
    bell(app)
}

/// The bell, if the office wants it.
fn bell(app: &App) -> Vec<Effect> {
    if app.cfg.bell {
        vec![Effect::Ui(UiEffect::Bell)]
    } else {
        Vec::new()
    }
}

/// A refusal with a text of the strings table.
fn refuse_tr(app: &mut App, text: Tr) -> Vec<Effect> {
    let text = t(app, text).to_owned();
    refuse(app, text)
}

/// Puts a box back after a key that leaves it open.
fn keep(app: &mut App, overlay: Overlay) -> Vec<Effect> {
    app.overlay = Some(overlay);
    Vec::new()
}

/// An instant as the office reads it: hours and minutes in Beijing time.
pub(super) fn local_hm(at: DateTime<Utc>) -> String {
    crate::domain::office_time::hm(at)
}

fn is_supervisor(app: &App) -> bool {
    app.clerk
        .as_ref()
        .is_some_and(|c| c.role == crate::store::Role::Supervisor)
}

/// A scan (from the reader, the scan line, or a picked row) asks the worker for the file.
fn on_scan(app: &mut App, payload: String) -> Vec<Effect> {
    if let Screen::Login(form) | Screen::Locked(form) = &mut app.screen {
        // A reader's scan before login: say why nothing happens instead of dropping it silently.
        form.error = Some(ui::LOG_IN_FIRST.get(app.cfg.lang).to_owned());
        return Vec::new();
    }
    say(app, Level::Info, t(app, ui::LOOKING_UP));
    vec![Effect::Db(DbJob::Lookup { payload })]
}

/// Moves a pick-list cursor one row up or down, staying inside a list of `len` rows.
fn step(cursor: usize, action: Option<Action>, len: usize) -> usize {
    match action {
        Some(Action::Up) => cursor.saturating_sub(1),
        Some(Action::Down) => (cursor + 1).min(len.saturating_sub(1)),
        _ => cursor,
    }
}

fn decision(app: &App) -> Decision {
    Decision {
        at: app.now,
        clerk_id: app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
    }
}

/// Sends the open file with its new events to the worker; it waits in `saves` until the worker
/// confirms it (the idle lock waits for it, and the card's state follows only then).
fn save(app: &mut App, events: Vec<IntakeEvent>, outcome: SaveOutcome) -> Vec<Effect> {
    let (Some(file), Some(clerk)) = (&app.file, &app.clerk) else {
        return Vec::new();
    };
    let (intake, clerk_id) = (file.intake().clone(), clerk.id.clone());
    app.saves.push_back(PendingSave {
        intake: intake.clone(),
        outcome,
    });
    if outcome != SaveOutcome::Quiet {
        say(app, Level::Info, t(app, ui::SAVING));
    }
    vec![Effect::Db(DbJob::Save {
        intake,
        events,
        clerk_id,
        outcome,
    })]
}

/// A move of the open file. Looking at a file does not open it: the first tick, note or
/// decision does, so the file's opening is saved with that first move. The events are saved, or
/// the screen says why the move was refused (and the file is left as it was).
fn save_move(
    app: &mut App,
    outcome: SaveOutcome,
    moved: impl FnOnce(&mut OpenFile) -> Result<IntakeEvent, IntakeError>,
) -> Vec<Effect> {
    let Some(file) = &mut app.file else {
        return Vec::new();
    };
    let before = file.loaded.intake.clone();
    let events = file.loaded.intake.open().and_then(|opened| {
        let event = moved(file)?;
        Ok(opened.into_iter().chain([event]).collect::<Vec<_>>())
    });
    match events {
        Ok(events) => save(app, events, outcome),
        Err(e) => {
            file.loaded.intake = before;
            refuse(app, e.to_string())
        }
    }
}

fn lock(app: &mut App) -> Vec<Effect> {
    let id = app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    app.screen = Screen::Locked(LoginForm::new(&id));
    // A failed save outlasts the lock: the clerk must still read it.
    app.overlay = app
        .overlay
        .take()
        .filter(|o| matches!(o, Overlay::SaveFailed { .. }));
    vec![Effect::Db(DbJob::Audit {
        actor: id.clone(),
        action: "screen_locked",
        detail: id,
    })]
}
