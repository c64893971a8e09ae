//! The counter screen: the scan line, the open file's checklist, and the keys that decide it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::super::keymap::Action;
use super::super::state::{
    App, Effect, Level, LoginForm, OpenFile, Overlay, PortalJob, PrintRequest, ReturnFocus,
    ReturnForm, SaveOutcome,
};
use super::{local_hm, on_scan, refuse, refuse_tr, save_move, say, t};
use crate::domain::intake::{IntakeError, IntakeState, Tick, TickMove};
use crate::strings::ui::{self, Tr};

pub(super) fn counter_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    // Ctrl-U clears the scan line; no other Ctrl- or Alt-letter types anything.
    if super::photo::is_large_photo_key(&key) {
        return super::photo::open(app);
    }
    if super::super::form::is_chord(&key) {
        if key.code == KeyCode::Char('u') {
            app.scan_line.clear();
        }
        return Vec::new();
    }
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
    // A message describes the state before this key: a move, a box or a scan replaces it (a
    // "items missing" refusal goes with the next tick, and does not follow into a dialog).
    if !matches!(
        action,
        None | Some(Action::Up | Action::Down | Action::Help)
    ) {
        app.message = None;
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
                running: false,
            });
            Vec::new()
        }
        Some(Action::Today) => {
            app.overlay = Some(Overlay::Today {
                rows: None,
                cursor: 0,
            });
            vec![Effect::Db(super::DbJob::LoadToday)]
        }
        Some(Action::Lock) => super::lock(app),
        Some(Action::Help) => {
            app.overlay = Some(Overlay::Help);
            Vec::new()
        }
        Some(Action::Supervisor) => super::supervisor::open_supervisor(app),
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

pub(super) fn sync_now(app: &mut App) -> Vec<Effect> {
    if !app.cfg.portal {
        return refuse_tr(app, ui::NO_PORTAL_CONFIGURED);
    }
    say(app, Level::Info, t(app, ui::SYNCING_NOW));
    vec![Effect::Portal(PortalJob::SyncNow)]
}

fn submit_scan(app: &mut App) -> Vec<Effect> {
    let payload = std::mem::take(&mut app.scan_line);
    if payload.trim().is_empty() {
        return Vec::new();
    }
    on_scan(app, payload)
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

// ---- printing ------------------------------------------------------------------------------

/// The open file's candidate's registration form, reprinted whatever the file's state (a
/// candidate whose copy is damaged needs it before the file can be accepted).
fn print_form(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return refuse_tr(app, ui::NO_FILE);
    };
    let request = PrintRequest::Form {
        exam_no: file.loaded.candidate.exam_no.to_string(),
    };
    start_print(app, request, ui::PRINTING_FORM)
}

/// The receipt says what was decided, so there is one only for an accepted or returned file.
fn print_receipt(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return refuse_tr(app, ui::NO_FILE);
    };
    let intake = file.intake();
    if !matches!(intake.state, IntakeState::Accepted | IntakeState::Returned) {
        return refuse_tr(app, ui::RECEIPT_NEEDS_DECISION);
    }
    let request = PrintRequest::Receipt {
        intake_id: intake.id.clone(),
    };
    start_print(app, request, ui::PRINTING_RECEIPT)
}

fn start_print(app: &mut App, request: PrintRequest, what: Tr) -> Vec<Effect> {
    if !app.cfg.printer {
        return refuse_tr(app, ui::NO_PRINTER_CONFIGURED);
    }
    if app.printing {
        return refuse_tr(app, ui::PRINT_BUSY);
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

// ---- the open file -------------------------------------------------------------------------

/// Runs `f` when a file is open and may be worked on; otherwise says why not.
fn with_file(app: &mut App, f: impl FnOnce(&mut App) -> Vec<Effect>) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return refuse_tr(app, ui::NO_FILE);
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
pub(super) fn ask_approval(app: &mut App) -> bool {
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

pub(super) fn accepted_text(app: &App, file: &OpenFile) -> String {
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

/// The item under the cursor takes its next tick (the domain says which); the cursor moves on
/// once the item is complete.
fn tick_current(app: &mut App, how: TickMove) -> Vec<Effect> {
    let Some((item, current)) = app.file.as_ref().and_then(OpenFile::item_under_cursor) else {
        return Vec::new();
    };
    let tick = current.next(item.kind, how);
    save_move(app, SaveOutcome::Quiet, |file| {
        let intake = &mut file.loaded.intake;
        let checklist = &file.loaded.assessment.checklist;
        let event = if tick == Tick::default() {
            intake.untick(&item.id)?
        } else {
            intake.tick(checklist, &item.id, tick)?
        };
        let complete = intake
            .ticks
            .get(&item.id)
            .is_some_and(|t| t.satisfies(&item.kind));
        if complete && file.cursor + 1 < checklist.len() {
            file.cursor += 1;
        }
        Ok(event)
    })
}

fn current_note(app: &App) -> Option<String> {
    app.file.as_ref()?.item_under_cursor()?.1.note
}

/// Asks the domain whether the file may be accepted now (as it will be once opened: looking
/// at a file does not open it); the confirmation box when it may.
fn ask_accept(app: &mut App) -> Vec<Effect> {
    let Some(file) = &app.file else {
        return Vec::new();
    };
    let blockers = file.standing_blockers(app.now);
    let mut opened = file.intake().clone();
    let verdict = opened
        .open()
        .and_then(|_| opened.can_accept(&file.loaded.assessment.checklist, &blockers));
    let text = match verdict {
        Ok(()) => {
            app.overlay = Some(Overlay::ConfirmAccept);
            return Vec::new();
        }
        Err(IntakeError::Blocked(messages)) => {
            format!("{}{}", t(app, ui::CANNOT_ACCEPT), messages.join("；"))
        }
        Err(IntakeError::MissingItems(titles)) => {
            format!("{}{}", t(app, ui::NEEDS_ALL_TICKED), titles.join("、"))
        }
        Err(other) => other.to_string(),
    };
    refuse(app, text)
}

/// The return dialog: the file's standing blockers come first and are picked already (the
/// candidate who cannot be served is returned with what stands in the way, and the receipt
/// says what to do), then the office's reasons.
fn ask_return(app: &mut App) -> Vec<Effect> {
    let blockers: Vec<String> = app
        .file
        .as_ref()
        .map(|f| {
            f.standing_blockers(app.now)
                .into_iter()
                .map(|b| b.message)
                .collect()
        })
        .unwrap_or_default();
    let mut picked = vec![true; blockers.len()];
    picked.resize(blockers.len() + app.reasons.len(), false);
    let options = blockers
        .into_iter()
        .chain(app.reasons.iter().map(|r| r.text.clone()))
        .collect();
    app.overlay = Some(Overlay::Return(ReturnForm {
        options,
        picked,
        cursor: 0,
        note: String::new(),
        focus: ReturnFocus::Reasons,
    }));
    Vec::new()
}
