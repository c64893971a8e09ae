//! The boxes over the counter and supervisor screens: help, accept confirmation, return
//! reasons, note, supervisor's approval, search, today's list, void, unlock.

use ratatui::crossterm::event::KeyEvent;

use super::super::form::{FormKey, MAX_CLERK_ID, MAX_TEXT, edit};
use super::super::keymap::Action;
use super::super::state::{
    App, DbJob, Effect, LoginForm, Overlay, ReturnFocus, ReturnForm, SaveOutcome, SearchRow,
    TodayRow, VoidForm,
};
use super::supervisor::supervisor_effect;
use super::{decision, keep, on_scan, save_move, step};

/// The longest search query (a name or an exam number).
const MAX_QUERY: usize = 40;

pub(super) fn overlay_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let closes_photo = super::photo::is_large_photo_key(&key)
        && matches!(app.overlay, Some(Overlay::LargePhoto { .. }));
    if action == Some(Action::Close) || closes_photo {
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
        Overlay::SaveFailed { .. } if action == Some(Action::Submit) => Vec::new(),
        Overlay::SaveFailed { text } => keep(app, Overlay::SaveFailed { text }),
        Overlay::Return(form) => return_key(app, key, action, form),
        Overlay::Note { mut text } if action != Some(Action::Submit) => {
            edit(&mut text, &key, MAX_TEXT);
            keep(app, Overlay::Note { text })
        }
        Overlay::Note { text } => save_note(app, text),
        Overlay::Approve(form) => approve_key(app, key, action, form),
        Overlay::Search {
            query,
            results,
            cursor,
            ..
        } => search_key(app, key, action, query, results, cursor),
        Overlay::Today { rows, cursor } => today_key(app, action, rows, cursor),
        Overlay::Void(form) => void_key(app, key, action, form),
        Overlay::ConfirmVoid(p) if action == Some(Action::Submit) => {
            supervisor_effect(app, |by| DbJob::Void {
                exam_no: p.exam_no,
                reason: p.reason,
                by,
            })
        }
        Overlay::ConfirmVoid(p) => keep(app, Overlay::ConfirmVoid(p)),
        Overlay::Refused { rows, cursor } => {
            let cursor = step(cursor, action, rows.as_ref().map_or(0, Vec::len));
            keep(app, Overlay::Refused { rows, cursor })
        }
        Overlay::Unlock { mut id } if action != Some(Action::Submit) => {
            edit(&mut id, &key, MAX_CLERK_ID);
            keep(app, Overlay::Unlock { id })
        }
        Overlay::Unlock { id } => supervisor_effect(app, |by| DbJob::Unlock {
            id: id.trim().to_owned(),
            by,
        }),
        photo @ Overlay::LargePhoto { .. } => keep(app, photo),
    }
}

fn void_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut form: VoidForm,
) -> Vec<Effect> {
    match form.key(&key, action) {
        FormKey::Stay => keep(app, Overlay::Void(form)),
        // Nothing is stored yet: the worker looks the file up, and the supervisor confirms it
        // with the candidate's name and masked ID on screen.
        FormKey::Submit => {
            let exam_no = form.fields.exam_no.trim().to_owned();
            let reason = form.fields.reason.trim().to_owned();
            supervisor_effect(app, |_| DbJob::PreviewVoid { exam_no, reason })
        }
    }
}

fn approve_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut form: LoginForm,
) -> Vec<Effect> {
    match form.key(&key, action) {
        FormKey::Stay => keep(app, Overlay::Approve(form)),
        FormKey::Submit => {
            let job = DbJob::Approve {
                id: form.fields.id.trim().to_owned(),
                pin: std::mem::take(&mut form.fields.pin),
            };
            form.busy = true;
            app.overlay = Some(Overlay::Approve(form));
            vec![Effect::Db(job)]
        }
    }
}

fn accept(app: &mut App) -> Vec<Effect> {
    // The approval may have run out while the confirmation was open.
    if super::counter::ask_approval(app) {
        return Vec::new();
    }
    let decision = decision(app);
    let now = app.now;
    save_move(app, SaveOutcome::Accepted, |file| {
        let blockers = file.standing_blockers(now);
        let checklist = &file.loaded.assessment.checklist;
        file.loaded.intake.accept(checklist, &blockers, decision)
    })
}

/// Tab moves the keys between the reason list and the note; in the list ↑↓ move and Space
/// picks, in the note every printable key (space included) is typed. Enter returns the file
/// with the reasons on screen.
fn return_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut form: ReturnForm,
) -> Vec<Effect> {
    match action {
        Some(Action::NextField) => {
            form.focus = match form.focus {
                ReturnFocus::Reasons => ReturnFocus::Note,
                ReturnFocus::Note => ReturnFocus::Reasons,
            }
        }
        Some(Action::Up | Action::Down) => {
            form.cursor = step(form.cursor, action, form.picked.len())
        }
        Some(Action::Toggle) => {
            if let Some(p) = form.picked.get_mut(form.cursor) {
                *p = !*p;
            }
        }
        Some(Action::Submit) => {
            let (reasons, decision) = (form.chosen(), decision(app));
            let sent = app.saves.len();
            let effects = save_move(app, SaveOutcome::Returned, |file| {
                file.loaded.intake.return_file(reasons, decision)
            });
            if app.saves.len() == sent {
                // Refused (no reason given): the box stays open while the refusal is read.
                app.overlay = Some(Overlay::Return(form));
            }
            return effects;
        }
        _ if form.focus == ReturnFocus::Note => edit(&mut form.note, &key, MAX_TEXT),
        _ => {}
    }
    keep(app, Overlay::Return(form))
}

fn save_note(app: &mut App, text: String) -> Vec<Effect> {
    let Some((item, mut tick)) = app.file.as_ref().and_then(|f| f.item_under_cursor()) else {
        return Vec::new();
    };
    tick.note = Some(text.trim().to_owned()).filter(|n| !n.is_empty());
    save_move(app, SaveOutcome::Quiet, |file| {
        file.loaded
            .intake
            .tick(&file.loaded.assessment.checklist, &item.id, tick)
    })
}

/// Enter opens the highlighted row once there are results, and sends the query otherwise;
/// typing edits the query (old results no longer match it).
fn search_key(
    app: &mut App,
    key: KeyEvent,
    action: Option<Action>,
    mut query: String,
    results: Option<Vec<SearchRow>>,
    mut cursor: usize,
) -> Vec<Effect> {
    let count = results.as_ref().map_or(0, Vec::len);
    let mut running = false;
    let mut effects = Vec::new();
    let results = match action {
        Some(Action::Up | Action::Down) => {
            cursor = step(cursor, action, count);
            results
        }
        Some(Action::Submit) => {
            if let Some(row) = results.as_ref().and_then(|r| r.get(cursor)) {
                return on_scan(app, row.exam_no.clone());
            }
            if query.trim().is_empty() {
                return keep_search(app, query, None, 0, false);
            }
            running = true;
            cursor = 0;
            effects.push(Effect::Db(DbJob::Search {
                query: query.trim().to_owned(),
            }));
            None
        }
        _ => {
            edit(&mut query, &key, MAX_QUERY);
            cursor = 0;
            None
        }
    };
    keep_search(app, query, results, cursor, running);
    effects
}

fn keep_search(
    app: &mut App,
    query: String,
    results: Option<Vec<SearchRow>>,
    cursor: usize,
    running: bool,
) -> Vec<Effect> {
    keep(
        app,
        Overlay::Search {
            query,
            results,
            cursor,
            running,
        },
    )
}

fn today_key(
    app: &mut App,
    action: Option<Action>,
    rows: Option<Vec<TodayRow>>,
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
