//! `update`: events in, state changed, effects out. No I/O, no clock (the instant is passed in),
//! so every flow of the counter is tested without a terminal.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};

use super::keymap::{Action, action_for};
use super::state::{
    App, AppEvent, Day, Effect, Field, Level, Loaded, LoginForm, Message, OpenFile, Overlay,
    PrintRequest, SaveOutcome, Screen,
};
use crate::domain::intake::{Decision, IntakeError, IntakeEvent, IntakeState, Tick};
use crate::domain::rules::ItemKind;
use crate::domain::supervision::Override;
use crate::strings::ui::{self, Tr};

pub fn update(app: &mut App, event: AppEvent, now: DateTime<Utc>) -> Vec<Effect> {
    app.now = now;
    match event {
        AppEvent::Input(Event::Key(key)) if key.kind != KeyEventKind::Release => {
            app.last_input = now;
            on_key(app, key)
        }
        AppEvent::Input(_) => Vec::new(),
        AppEvent::Tick => on_tick(app),
        AppEvent::Scan(payload) => on_scan(app, payload),
        AppEvent::Scanner(status) => {
            app.slots.scanner = Some(status);
            Vec::new()
        }
        AppEvent::ScanRejected(message) if app.screen == Screen::Counter => refuse(app, message),
        AppEvent::ScanRejected(_) => Vec::new(),
        AppEvent::LoggedIn(result) => on_logged_in(app, result),
        AppEvent::Loaded(result) => on_loaded(app, result),
        AppEvent::Saved(result) => on_saved(app, result),
        AppEvent::Approved(result) => on_approved(app, result),
        AppEvent::OverrideRecorded { grant, result } => on_override_recorded(app, &grant, result),
        AppEvent::Found(rows) => {
            if let Some(Overlay::Search {
                results, cursor, ..
            }) = &mut app.overlay
            {
                *results = Some(rows);
                *cursor = 0;
            }
            Vec::new()
        }
        AppEvent::Today(list) => {
            if let Some(Overlay::Today { rows, .. }) = &mut app.overlay {
                *rows = Some(list);
            }
            Vec::new()
        }
        AppEvent::Office(result) => {
            if let Screen::Supervisor(day) = &mut app.screen {
                day.office = Some(result);
            }
            Vec::new()
        }
        AppEvent::Sync(status) => {
            app.slots.portal = Some(portal_slot(app, &status));
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
        AppEvent::Done(Err(e)) => refuse(app, e),
        AppEvent::Printed(result) => on_printed(app, result),
    }
}

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
    if app.cfg.bell {
        vec![Effect::Bell]
    } else {
        Vec::new()
    }
}

// ---- keys ----------------------------------------------------------------------------------

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Effect> {
    let action = action_for(app, &key);
    if action == Some(Action::Quit) {
        app.quit = true;
        return vec![Effect::Quit];
    }
    match app.screen {
        Screen::Login(_) | Screen::Locked(_) => login_key(app, key, action),
        Screen::Counter | Screen::Supervisor(_) if app.overlay.is_some() => {
            overlay_key(app, key, action)
        }
        Screen::Counter => counter_key(app, key, action),
        Screen::Supervisor(_) => supervisor_key(app, action),
    }
}

/// Edits a text field with a key that is not bound to an action.
fn edit(text: &mut String, key: &KeyEvent, max: usize) {
    match key.code {
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !c.is_control() && text.chars().count() < max => text.push(c),
        _ => {}
    }
}

fn login_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let (Screen::Login(form) | Screen::Locked(form)) = &mut app.screen else {
        return Vec::new();
    };
    if form.busy {
        return Vec::new();
    }
    match action {
        Some(Action::NextField) => {
            form.focus = if form.focus == Field::Id {
                Field::Pin
            } else {
                Field::Id
            };
            Vec::new()
        }
        Some(Action::Submit) if form.focus == Field::Id && form.pin.is_empty() => {
            form.focus = Field::Pin;
            Vec::new()
        }
        Some(Action::Submit) => {
            form.busy = true;
            form.error = None;
            vec![Effect::Login {
                id: form.id.trim().to_owned(),
                pin: std::mem::take(&mut form.pin),
            }]
        }
        _ => {
            match form.focus {
                Field::Id => edit(&mut form.id, &key, 32),
                Field::Pin => edit(&mut form.pin, &key, 12),
            }
            Vec::new()
        }
    }
}

fn counter_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    // Printable keys belong to the scan line: a keyboard-wedge reader types its payload there.
    if let KeyCode::Char(c) = key.code
        && c != ' '
        && action.is_none()
    {
        if app.scan_line.len() < crate::domain::scan::MAX_PAYLOAD_BYTES {
            app.scan_line.push(c);
        }
        return Vec::new();
    }
    match action {
        Some(Action::Submit) => submit_scan(app),
        Some(Action::Up) => move_cursor(app, -1),
        Some(Action::Down) => move_cursor(app, 1),
        Some(Action::Toggle) => with_file(app, |app| tick_current(app, TickMove::Toggle)),
        Some(Action::Cycle) => with_file(app, |app| tick_current(app, TickMove::Cycle)),
        Some(Action::Accept) => with_file(app, ask_accept),
        Some(Action::Return) => with_file(app, ask_return),
        Some(Action::Note) => with_file(app, |app| {
            let text = current_note(app).unwrap_or_default();
            app.overlay = Some(Overlay::Note { text });
            Vec::new()
        }),
        Some(Action::Search) => {
            app.overlay = Some(Overlay::Search {
                query: std::mem::take(&mut app.scan_line),
                results: None,
                cursor: 0,
            });
            Vec::new()
        }
        Some(Action::Today) => {
            app.overlay = Some(Overlay::Today {
                rows: None,
                cursor: 0,
            });
            vec![Effect::LoadToday]
        }
        Some(Action::Lock) => lock(app),
        Some(Action::Help) => {
            app.overlay = Some(Overlay::Help);
            Vec::new()
        }
        Some(Action::Supervisor) => open_supervisor(app),
        Some(Action::SyncNow) => sync_now(app),
        Some(Action::PrintForm) => print_form(app),
        Some(Action::PrintReceipt) => print_receipt(app),
        Some(Action::Close) => {
            if app.scan_line.is_empty() {
                app.file = None;
                app.message = None;
            }
            app.scan_line.clear();
            Vec::new()
        }
        _ => {
            if key.code == KeyCode::Backspace {
                app.scan_line.pop();
            }
            Vec::new()
        }
    }
}

/// Supervisors only: a clerk's F8 is refused and changes nothing.
fn open_supervisor(app: &mut App) -> Vec<Effect> {
    if !is_supervisor(app) {
        let text = t(app, ui::SUPERVISOR_ONLY).to_owned();
        return refuse(app, text);
    }
    let date = crate::domain::office_time::local_date(app.now);
    app.screen = Screen::Supervisor(Day {
        date,
        tally: None,
        office: None,
    });
    recount(app)
}

fn sync_now(app: &mut App) -> Vec<Effect> {
    if !app.cfg.portal {
        let text = t(app, ui::NO_PORTAL_CONFIGURED).to_owned();
        return refuse(app, text);
    }
    say(app, Level::Info, t(app, ui::SYNCING_NOW));
    vec![Effect::SyncNow]
}

// ---- printing ------------------------------------------------------------------------------

/// The open file's candidate's registration form, reprinted whatever the file's state (a
/// candidate whose copy is damaged needs it before the file can be accepted).
fn print_form(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        let text = t(app, ui::NO_FILE).to_owned();
        return refuse(app, text);
    };
    let request = PrintRequest::Form {
        exam_no: file.loaded.candidate.exam_no.to_string(),
    };
    start_print(app, request, ui::PRINTING_FORM)
}

/// The receipt says what was decided, so there is one only for an accepted or returned file.
fn print_receipt(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        let text = t(app, ui::NO_FILE).to_owned();
        return refuse(app, text);
    };
    let intake = file.intake();
    if !matches!(intake.state, IntakeState::Accepted | IntakeState::Returned) {
        let text = t(app, ui::RECEIPT_NEEDS_DECISION).to_owned();
        return refuse(app, text);
    }
    let request = PrintRequest::Receipt {
        intake_id: intake.id.clone(),
    };
    start_print(app, request, ui::PRINTING_RECEIPT)
}

fn start_print(app: &mut App, request: PrintRequest, what: Tr) -> Vec<Effect> {
    if !app.cfg.printer {
        let text = t(app, ui::NO_PRINTER_CONFIGURED).to_owned();
        return refuse(app, text);
    }
    if app.printing {
        let text = t(app, ui::PRINT_BUSY).to_owned();
        return refuse(app, text);
    }
    let Some(clerk) = &app.clerk else {
        return Vec::new();
    };
    let clerk_id = clerk.id.clone();
    app.printing = true;
    app.slots.printer = Some(t(app, ui::PRINTING).to_owned());
    say(app, Level::Info, t(app, what));
    vec![Effect::Print { request, clerk_id }]
}

fn on_printed(app: &mut App, result: Result<String, String>) -> Vec<Effect> {
    app.printing = false;
    match result {
        Ok(done) => {
            app.slots.printer = Some(t(app, ui::PRINTER_READY).to_owned());
            say(app, Level::Success, done);
            Vec::new()
        }
        Err(error) => {
            app.slots.printer = Some(t(app, ui::PRINTER_ERROR).to_owned());
            refuse(app, error)
        }
    }
}

/// "在线 · 待发送 3 · 上次 10:42", with the last error when there is one.
fn portal_slot(app: &App, status: &crate::sync::SyncStatus) -> String {
    let mut text = format!(
        "{} · {}{}",
        status.label(),
        t(app, ui::PENDING),
        status.pending
    );
    if let Some(at) = status.last_success {
        text.push_str(&format!(" · {}{}", t(app, ui::LAST_SYNC), local_hm(at)));
    }
    if let Some(error) = &status.last_error {
        text.push_str(&format!(" · {error}"));
    }
    text
}

fn is_supervisor(app: &App) -> bool {
    app.clerk
        .as_ref()
        .is_some_and(|c| c.role == crate::store::Role::Supervisor)
}

fn supervisor_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Screen::Supervisor(day) = &mut app.screen else {
        return Vec::new();
    };
    match action {
        Some(Action::PrevDay) => day.date = day.date.pred_opt().unwrap_or(day.date),
        Some(Action::NextDay) => day.date = day.date.succ_opt().unwrap_or(day.date),
        Some(Action::Refresh) => {}
        Some(Action::SyncNow) => return sync_now(app),
        Some(Action::Void) => {
            app.overlay = Some(Overlay::Void {
                exam_no: String::new(),
                reason: String::new(),
                focus: Field::Id,
            });
            return Vec::new();
        }
        Some(Action::Unlock) => {
            app.overlay = Some(Overlay::Unlock { id: String::new() });
            return Vec::new();
        }
        Some(Action::Lock) => return lock(app),
        Some(Action::Help) => {
            app.overlay = Some(Overlay::Help);
            return Vec::new();
        }
        Some(Action::Close) => {
            app.screen = Screen::Counter;
            return Vec::new();
        }
        _ => return Vec::new(),
    }
    recount(app)
}

/// Counts the supervisor's day again (after a change of date or an action), and asks the portal
/// for the office's numbers when there is one.
fn recount(app: &mut App) -> Vec<Effect> {
    let portal = app.cfg.portal;
    let Screen::Supervisor(day) = &mut app.screen else {
        return Vec::new();
    };
    day.tally = None;
    day.office = None;
    let mut effects = vec![Effect::Count { date: day.date }];
    if portal {
        effects.push(Effect::FetchOffice { date: day.date });
    }
    effects
}

fn submit_scan(app: &mut App) -> Vec<Effect> {
    let payload = std::mem::take(&mut app.scan_line);
    if payload.trim().is_empty() {
        return Vec::new();
    }
    on_scan(app, payload)
}

fn on_scan(app: &mut App, payload: String) -> Vec<Effect> {
    if let Screen::Login(form) | Screen::Locked(form) = &mut app.screen {
        // A reader's scan before login: say why nothing happens instead of dropping it silently.
        form.error = Some(ui::LOG_IN_FIRST.get(app.cfg.lang).to_owned());
        return Vec::new();
    }
    say(app, Level::Info, t(app, ui::LOOKING_UP));
    vec![Effect::Lookup { payload }]
}

fn move_cursor(app: &mut App, delta: isize) -> Vec<Effect> {
    if let Some(file) = &mut app.file {
        let len = file.loaded.assessment.checklist.len();
        if len > 0 {
            file.cursor = (file.cursor as isize + delta).rem_euclid(len as isize) as usize;
        }
    }
    Vec::new()
}

/// Runs `f` when a file is open and may be worked on; otherwise says why not.
fn with_file(app: &mut App, f: impl FnOnce(&mut App) -> Vec<Effect>) -> Vec<Effect> {
    let Some(file) = &app.file else {
        let text = t(app, ui::NO_FILE).to_owned();
        return refuse(app, text);
    };
    if file.intake().state == IntakeState::Accepted {
        let text = accepted_text(app, file);
        return refuse(app, text);
    }
    if ask_approval(app) {
        return Vec::new();
    }
    f(app)
}

/// Opens the supervisor's approval box when the open file has a blocker only a supervisor may
/// lift and no approval lifts it now (none given, or the one given has run out: the screen
/// says so). `true` when the box was opened.
fn ask_approval(app: &mut App) -> bool {
    let Some(file) = &app.file else {
        return false;
    };
    if file.needs_approval(app.now).is_empty() {
        return false;
    }
    if let Some(expired) = file.approval.as_ref().filter(|a| !a.is_valid(app.now)) {
        let text = format!(
            "{}{}",
            t(app, ui::OVERRIDE_EXPIRED),
            local_hm(expired.expires_at)
        );
        say(app, Level::Error, text);
    }
    app.overlay = Some(Overlay::Approve(LoginForm::new("")));
    true
}

/// An instant as the office reads it: hours and minutes in Beijing time.
pub(super) fn local_hm(at: DateTime<Utc>) -> String {
    crate::domain::office_time::hm(at)
}

fn accepted_text(app: &App, file: &OpenFile) -> String {
    let by = file
        .intake()
        .decision
        .as_ref()
        .map_or_else(String::new, |d| {
            format!(
                "{} {}",
                crate::domain::office_time::date_hm(d.at),
                d.clerk_id
            )
        });
    format!("{}{by}", t(app, ui::ACCEPTED_BY))
}

#[derive(Clone, Copy)]
enum TickMove {
    /// All or nothing for the item's kind.
    Toggle,
    /// Step through original-only / copy-only for items that need both.
    Cycle,
}

fn next_tick(kind: ItemKind, current: &Tick, how: TickMove) -> Tick {
    let full = Tick {
        original_seen: kind != ItemKind::Copy,
        copy_kept: kind != ItemKind::Original,
        note: current.note.clone(),
    };
    let none = Tick {
        note: current.note.clone(),
        ..Tick::default()
    };
    match how {
        TickMove::Toggle if current.satisfies(&kind) => none,
        TickMove::Toggle => full,
        TickMove::Cycle if kind != ItemKind::OriginalAndCopy => {
            next_tick(kind, current, TickMove::Toggle)
        }
        TickMove::Cycle => match (current.original_seen, current.copy_kept) {
            (false, false) => Tick {
                original_seen: true,
                ..none
            },
            (true, false) => Tick {
                copy_kept: true,
                ..none
            },
            (false, true) => full,
            (true, true) => none,
        },
    }
}

fn tick_current(app: &mut App, how: TickMove) -> Vec<Effect> {
    let Some(file) = &mut app.file else {
        return Vec::new();
    };
    let checklist = file.loaded.assessment.checklist.clone();
    let Some(item) = checklist.get(file.cursor) else {
        return Vec::new();
    };
    let current = file
        .loaded
        .intake
        .ticks
        .get(&item.id)
        .cloned()
        .unwrap_or_default();
    let tick = next_tick(item.kind, &current, how);
    let result = if tick == Tick::default() {
        file.loaded.intake.untick(&item.id)
    } else {
        file.loaded.intake.tick(&checklist, &item.id, tick)
    };
    match result {
        Ok(event) => {
            if file.cursor + 1 < checklist.len()
                && file
                    .loaded
                    .intake
                    .ticks
                    .get(&item.id)
                    .is_some_and(|t| t.satisfies(&item.kind))
            {
                file.cursor += 1;
            }
            save(app, vec![event], SaveOutcome::Quiet)
        }
        Err(e) => refuse(app, e.to_string()),
    }
}

fn current_note(app: &App) -> Option<String> {
    let file = app.file.as_ref()?;
    let item = file.loaded.assessment.checklist.get(file.cursor)?;
    file.intake().ticks.get(&item.id)?.note.clone()
}

fn ask_accept(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return Vec::new();
    };
    let blockers = file.standing_blockers(app.now);
    if !blockers.is_empty() {
        let list: Vec<String> = blockers.iter().map(|b| b.message.clone()).collect();
        let text = format!("{}{}", t(app, ui::CANNOT_ACCEPT), list.join("；"));
        return refuse(app, text);
    }
    let missing = file.intake().missing(&file.loaded.assessment.checklist);
    if !missing.is_empty() {
        let text = format!("{}{}", t(app, ui::NEEDS_ALL_TICKED), missing.join("、"));
        return refuse(app, text);
    }
    app.overlay = Some(Overlay::ConfirmAccept);
    Vec::new()
}

fn ask_return(app: &mut App) -> Vec<Effect> {
    app.overlay = Some(Overlay::Return {
        picked: vec![false; app.reasons.len()],
        cursor: 0,
        other: String::new(),
    });
    Vec::new()
}

fn decision(app: &App) -> Decision {
    Decision {
        at: app.now,
        clerk_id: app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default(),
    }
}

fn save(app: &mut App, events: Vec<IntakeEvent>, outcome: SaveOutcome) -> Vec<Effect> {
    let (Some(file), Some(clerk)) = (&app.file, &app.clerk) else {
        return Vec::new();
    };
    let (intake, clerk_id) = (file.intake().clone(), clerk.id.clone());
    app.saving += 1;
    if outcome != SaveOutcome::Quiet {
        say(app, Level::Info, t(app, ui::SAVING));
    }
    vec![Effect::Save {
        intake,
        events,
        clerk_id,
        outcome,
    }]
}

/// A move of the file: its event is saved, or the screen says why the move was refused.
fn save_move(
    app: &mut App,
    moved: Result<IntakeEvent, IntakeError>,
    outcome: SaveOutcome,
) -> Vec<Effect> {
    match moved {
        Ok(event) => save(app, vec![event], outcome),
        Err(e) => refuse(app, e.to_string()),
    }
}

fn lock(app: &mut App) -> Vec<Effect> {
    let id = app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    app.screen = Screen::Locked(LoginForm::new(&id));
    app.overlay = None;
    vec![Effect::Audit {
        actor: id.clone(),
        action: "screen_locked",
        detail: id,
    }]
}

// ---- overlays ------------------------------------------------------------------------------

fn overlay_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    if action == Some(Action::Close) {
        app.overlay = None;
        return Vec::new();
    }
    let Some(overlay) = app.overlay.take() else {
        return Vec::new();
    };
    match overlay {
        Overlay::Help => Vec::new(),
        Overlay::ConfirmAccept if action == Some(Action::Submit) => accept(app),
        Overlay::ConfirmAccept => keep(app, Overlay::ConfirmAccept),
        Overlay::Return {
            picked,
            cursor,
            other,
        } => return_key(app, key, action, picked, cursor, other),
        Overlay::Note { mut text } if action != Some(Action::Submit) => {
            edit(&mut text, &key, 200);
            keep(app, Overlay::Note { text })
        }
        Overlay::Note { text } => save_note(app, text),
        Overlay::Approve(form) => approve_key(app, key, action, form),
        Overlay::Search {
            query,
            results,
            cursor,
        } => search_key(app, key, action, query, results, cursor),
        Overlay::Today { rows, cursor } => today_key(app, action, rows, cursor),
        Overlay::Void {
            exam_no,
            reason,
            focus,
        } => void_key(app, key, action, exam_no, reason, focus),
        Overlay::Unlock { mut id } if action != Some(Action::Submit) => {
            edit(&mut id, &key, 32);
            keep(app, Overlay::Unlock { id })
        }
        Overlay::Unlock { id } => supervisor_effect(app, |by| Effect::Unlock {
            id: id.trim().to_owned(),
            by,
        }),
    }
}

fn void_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut exam_no: String,
    mut reason: String,
    mut focus: Field,
) -> Vec<Effect> {
    match action {
        Some(Action::NextField) => {
            focus = if focus == Field::Id {
                Field::Pin
            } else {
                Field::Id
            }
        }
        Some(Action::Submit) if focus == Field::Id => focus = Field::Pin,
        Some(Action::Submit) => {
            let (exam_no, reason) = (exam_no.trim().to_owned(), reason.trim().to_owned());
            return supervisor_effect(app, |by| Effect::Void {
                exam_no,
                reason,
                by,
            });
        }
        _ => match focus {
            Field::Id => edit(&mut exam_no, &key, 18),
            Field::Pin => edit(&mut reason, &key, 200),
        },
    }
    keep(
        app,
        Overlay::Void {
            exam_no,
            reason,
            focus,
        },
    )
}

/// A supervisor action, in the name of the supervisor logged in (the store checks the role
/// again).
fn supervisor_effect(app: &mut App, effect: impl FnOnce(String) -> Effect) -> Vec<Effect> {
    if !is_supervisor(app) {
        let text = t(app, ui::SUPERVISOR_ONLY).to_owned();
        return refuse(app, text);
    }
    let by = app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    say(app, Level::Info, t(app, ui::SAVING));
    vec![effect(by)]
}

fn keep(app: &mut App, overlay: Overlay) -> Vec<Effect> {
    app.overlay = Some(overlay);
    Vec::new()
}

fn accept(app: &mut App) -> Vec<Effect> {
    // The approval may have run out while the confirmation was open.
    if ask_approval(app) {
        return Vec::new();
    }
    let decision = decision(app);
    let now = app.now;
    let Some(file) = &mut app.file else {
        return Vec::new();
    };
    let blockers = file.standing_blockers(now);
    let checklist = file.loaded.assessment.checklist.clone();
    let moved = file.loaded.intake.accept(&checklist, &blockers, decision);
    save_move(app, moved, SaveOutcome::Accepted)
}

fn return_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut picked: Vec<bool>,
    mut cursor: usize,
    mut other: String,
) -> Vec<Effect> {
    match action {
        Some(Action::Up | Action::Down) => cursor = step(cursor, action, picked.len()),
        Some(Action::Toggle) => {
            if let Some(p) = picked.get_mut(cursor) {
                *p = !*p;
            }
        }
        Some(Action::Submit) => {
            let mut reasons: Vec<String> = app
                .reasons
                .iter()
                .zip(&picked)
                .filter(|(_, p)| **p)
                .map(|(r, _)| r.text.clone())
                .collect();
            if !other.trim().is_empty() {
                reasons.push(other.trim().to_owned());
            }
            let decision = decision(app);
            let Some(file) = &mut app.file else {
                return Vec::new();
            };
            return match file.loaded.intake.return_file(reasons, decision) {
                Ok(event) => save(app, vec![event], SaveOutcome::Returned),
                Err(e) => {
                    app.overlay = Some(Overlay::Return {
                        picked,
                        cursor,
                        other,
                    });
                    refuse(app, e.to_string())
                }
            };
        }
        _ => edit(&mut other, &key, 200),
    }
    keep(
        app,
        Overlay::Return {
            picked,
            cursor,
            other,
        },
    )
}

fn save_note(app: &mut App, text: String) -> Vec<Effect> {
    let Some(file) = &mut app.file else {
        return Vec::new();
    };
    let checklist = file.loaded.assessment.checklist.clone();
    let Some(item) = checklist.get(file.cursor) else {
        return Vec::new();
    };
    let mut tick = file
        .loaded
        .intake
        .ticks
        .get(&item.id)
        .cloned()
        .unwrap_or_default();
    tick.note = Some(text.trim().to_owned()).filter(|n| !n.is_empty());
    let moved = file.loaded.intake.tick(&checklist, &item.id, tick);
    save_move(app, moved, SaveOutcome::Quiet)
}

fn approve_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut form: LoginForm,
) -> Vec<Effect> {
    match action {
        Some(Action::NextField) => {
            form.focus = if form.focus == Field::Id {
                Field::Pin
            } else {
                Field::Id
            }
        }
        Some(Action::Submit) if form.focus == Field::Id => form.focus = Field::Pin,
        Some(Action::Submit) => {
            let effect = Effect::Approve {
                id: form.id.trim().to_owned(),
                pin: std::mem::take(&mut form.pin),
            };
            form.busy = true;
            app.overlay = Some(Overlay::Approve(form));
            return vec![effect];
        }
        _ => match form.focus {
            Field::Id => edit(&mut form.id, &key, 32),
            Field::Pin => edit(&mut form.pin, &key, 12),
        },
    }
    keep(app, Overlay::Approve(form))
}

/// Moves a pick-list cursor one row up or down, staying inside a list of `len` rows.
fn step(cursor: usize, action: Option<Action>, len: usize) -> usize {
    match action {
        Some(Action::Up) => cursor.saturating_sub(1),
        Some(Action::Down) => (cursor + 1).min(len.saturating_sub(1)),
        _ => cursor,
    }
}

fn search_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut query: String,
    results: Option<Vec<super::state::SearchRow>>,
    mut cursor: usize,
) -> Vec<Effect> {
    let count = results.as_ref().map_or(0, Vec::len);
    match action {
        Some(Action::Up | Action::Down) => cursor = step(cursor, action, count),
        Some(Action::Submit) => {
            if let Some(row) = results.as_ref().and_then(|r| r.get(cursor)) {
                return on_scan(app, row.exam_no.clone());
            }
            let effect = Effect::Search {
                query: query.trim().to_owned(),
            };
            app.overlay = Some(Overlay::Search {
                query,
                results: None,
                cursor: 0,
            });
            return vec![effect];
        }
        _ => {
            edit(&mut query, &key, 40);
            // Typing starts a new search: old results no longer match the query.
            return keep(
                app,
                Overlay::Search {
                    query,
                    results: None,
                    cursor: 0,
                },
            );
        }
    }
    keep(
        app,
        Overlay::Search {
            query,
            results,
            cursor,
        },
    )
}

fn today_key(
    app: &mut App,
    action: Option<Action>,
    rows: Option<Vec<super::state::TodayRow>>,
    mut cursor: usize,
) -> Vec<Effect> {
    let count = rows.as_ref().map_or(0, Vec::len);
    match action {
        Some(Action::Up | Action::Down) => cursor = step(cursor, action, count),
        Some(Action::Submit) => {
            if let Some(row) = rows.as_ref().and_then(|r| r.get(cursor)) {
                return on_scan(app, row.exam_no.clone());
            }
        }
        _ => {}
    }
    keep(app, Overlay::Today { rows, cursor })
}

// ---- worker results and time ------------------------------------------------------------------

fn on_logged_in(app: &mut App, result: Result<crate::store::Clerk, String>) -> Vec<Effect> {
    match (&mut app.screen, result) {
        (Screen::Login(_) | Screen::Locked(_), Ok(clerk)) => {
            app.clerk = Some(clerk);
            app.screen = Screen::Counter;
            app.message = None;
        }
        (Screen::Login(form) | Screen::Locked(form), Err(e)) => {
            form.busy = false;
            form.error = Some(e);
        }
        _ => {}
    }
    Vec::new()
}

fn on_loaded(app: &mut App, result: Result<Box<Loaded>, String>) -> Vec<Effect> {
    app.overlay = None;
    let loaded = match result {
        Ok(loaded) => *loaded,
        // A bad scan changes nothing: the open file (if any) stays as it was.
        Err(e) => return refuse(app, e),
    };
    // A candidate scanned again (or reloaded after a failed save) keeps an approval that has
    // not run out: it was given for this candidate at this counter, not for one screen.
    let approval = app
        .file
        .take()
        .and_then(|f| f.approval)
        .filter(|a| a.exam_no == loaded.candidate.exam_no.as_str() && a.is_valid(app.now));
    let mut file = OpenFile {
        loaded,
        cursor: 0,
        approval,
    };
    app.message = None;
    if file.intake().state == IntakeState::Accepted {
        let text = accepted_text(app, &file);
        app.file = Some(file);
        return refuse(app, text);
    }
    if !file.needs_approval(app.now).is_empty() {
        app.file = Some(file);
        return Vec::new();
    }
    let opened = file.loaded.intake.open();
    app.file = Some(file);
    open_events(app, opened)
}

fn open_events(
    app: &mut App,
    opened: Result<Option<IntakeEvent>, crate::domain::intake::IntakeError>,
) -> Vec<Effect> {
    match opened {
        Ok(Some(event)) => save(app, vec![event], SaveOutcome::Quiet),
        Ok(None) => Vec::new(),
        Err(e) => refuse(app, e.to_string()),
    }
}

fn on_saved(app: &mut App, result: Result<SaveOutcome, String>) -> Vec<Effect> {
    app.saving = app.saving.saturating_sub(1);
    match result {
        Ok(SaveOutcome::Quiet) => Vec::new(),
        Ok(SaveOutcome::Accepted) => {
            say(app, Level::Success, t(app, ui::ACCEPTED_DONE));
            Vec::new()
        }
        Ok(SaveOutcome::Returned) => {
            say(app, Level::Success, t(app, ui::RETURNED_DONE));
            Vec::new()
        }
        Err(e) => {
            // What the screen shows may be ahead of the database: read the file again.
            let reload = app
                .file
                .as_ref()
                .map(|f| f.loaded.candidate.exam_no.to_string());
            let mut effects = refuse(app, e);
            effects.extend(reload.map(|payload| Effect::Lookup { payload }));
            effects
        }
    }
}

/// A PIN typed into the approval box was checked. A supervisor's PIN approves the open file's
/// overridable blockers from now for `override_ttl`; the approval is recorded (audit and sync)
/// before the file's own events, so the log reads approval, then opening.
fn on_approved(app: &mut App, result: Result<crate::store::Clerk, String>) -> Vec<Effect> {
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
            let record = Effect::RecordOverride {
                grant: grant.clone(),
                intake_id: file.intake().id.clone(),
            };
            let opened = file.loaded.intake.open();
            let text = format!(
                "{}{}",
                t(app, ui::OVERRIDE_DONE),
                local_hm(grant.expires_at)
            );
            say(app, Level::Success, text);
            let mut effects = vec![record];
            effects.extend(open_events(app, opened));
            effects
        }
        Ok(_) => approval_failed(app, t(app, ui::OVERRIDE_NOT_SUPERVISOR).to_owned()),
        Err(e) => approval_failed(app, e),
    }
}

/// An approval that could not be recorded does not hold: nothing unaudited may lift a blocker.
fn on_override_recorded(
    app: &mut App,
    grant: &Override,
    result: Result<(), String>,
) -> Vec<Effect> {
    let Err(e) = result else {
        return Vec::new();
    };
    if let Some(file) = &mut app.file
        && file.approval.as_ref() == Some(grant)
    {
        file.approval = None;
    }
    refuse(app, e)
}

fn approval_failed(app: &mut App, error: String) -> Vec<Effect> {
    if let Some(Overlay::Approve(form)) = &mut app.overlay {
        form.busy = false;
        form.error = Some(error);
    }
    Vec::new()
}

fn on_tick(app: &mut App) -> Vec<Effect> {
    let idle = app.now - app.last_input;
    if app.screen == Screen::Counter && idle >= app.cfg.idle_lock && app.saving == 0 {
        return lock(app);
    }
    Vec::new()
}
