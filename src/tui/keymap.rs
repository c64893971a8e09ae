//! One key table per screen: the same table decides what a key does, writes the footer hints and
//! fills the help overlay, so the three can never disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{App, Overlay, ReturnFocus, Screen};
use crate::strings::ui::{self, Tr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Up,
    Down,
    Toggle,
    Cycle,
    Accept,
    Return,
    Note,
    Search,
    Today,
    Lock,
    Help,
    Close,
    Quit,
    NextField,
    Supervisor,
    PrevDay,
    NextDay,
    Refresh,
    Void,
    Unlock,
    SyncNow,
    PrintForm,
    PrintReceipt,
    /// Ctrl-P (a chord: the update step reads it from the key itself).
    LargePhoto,
    /// Ctrl-R: the events the portal refused.
    Refused,
}

pub struct Binding {
    pub keys: &'static [KeyCode],
    /// How the key is written in hints.
    pub shown: &'static str,
    pub action: Action,
    pub label: Tr,
    /// Shown in the footer (all bindings are in the help overlay).
    pub in_footer: bool,
}

const fn bind(
    keys: &'static [KeyCode],
    shown: &'static str,
    action: Action,
    label: Tr,
    in_footer: bool,
) -> Binding {
    Binding {
        keys,
        shown,
        action,
        label,
        in_footer,
    }
}

const QUIT: Binding = bind(
    &[KeyCode::F(10)],
    "F10/Ctrl-C",
    Action::Quit,
    ui::K_QUIT,
    true,
);
const LOCK: Binding = bind(&[KeyCode::F(7)], "F7", Action::Lock, ui::K_LOCK, true);
const SYNC_NOW: Binding = bind(
    &[KeyCode::F(9)],
    "F9",
    Action::SyncNow,
    ui::K_SYNC_NOW,
    true,
);
/// Ctrl-R; matched by `action_for` itself (a Ctrl chord), listed here for the help overlay.
const REFUSED: Binding = bind(&[], "Ctrl-R", Action::Refused, ui::K_REFUSED, false);
const HELP: Binding = bind(&[KeyCode::F(1)], "F1/?", Action::Help, ui::K_HELP, true);
const CLOSE: Binding = bind(&[KeyCode::Esc], "Esc", Action::Close, ui::K_CLOSE, true);
const CONFIRM_ENTER: Binding = bind(
    &[KeyCode::Enter],
    "Enter",
    Action::Submit,
    ui::K_CONFIRM,
    true,
);
const SPACE_TICK: Binding = bind(
    &[KeyCode::Char(' ')],
    "Space",
    Action::Toggle,
    ui::K_TICK,
    true,
);
const NEXT_FIELD: Binding = bind(
    &[KeyCode::Tab, KeyCode::BackTab],
    "Tab",
    Action::NextField,
    ui::K_FIELD,
    true,
);
const MOVE: Binding = bind(
    &[KeyCode::Up, KeyCode::Down],
    "↑↓",
    Action::Down,
    ui::K_MOVE,
    true,
);

const LOGIN: &[Binding] = &[
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Submit,
        ui::K_LOGIN,
        true,
    ),
    NEXT_FIELD,
    HELP,
    QUIT,
];

const COUNTER: &[Binding] = &[
    bind(
        &[KeyCode::Enter],
        "Enter",
        Action::Submit,
        ui::K_SUBMIT,
        true,
    ),
    MOVE,
    SPACE_TICK,
    bind(
        &[KeyCode::Right, KeyCode::Left],
        "←→",
        Action::Cycle,
        ui::K_CYCLE,
        false,
    ),
    bind(&[KeyCode::F(2)], "F2", Action::Accept, ui::K_ACCEPT, true),
    bind(&[KeyCode::F(3)], "F3", Action::Return, ui::K_RETURN, true),
    bind(&[KeyCode::F(4)], "F4", Action::Note, ui::K_NOTE, true),
    bind(&[KeyCode::F(5)], "F5", Action::Search, ui::K_SEARCH, true),
    bind(&[KeyCode::F(6)], "F6", Action::Today, ui::K_TODAY, true),
    LOCK,
    bind(
        &[KeyCode::F(8)],
        "F8",
        Action::Supervisor,
        ui::K_SUPERVISOR,
        true,
    ),
    SYNC_NOW,
    REFUSED,
    bind(
        &[KeyCode::F(11)],
        "F11",
        Action::PrintForm,
        ui::K_PRINT_FORM,
        true,
    ),
    bind(
        &[KeyCode::F(12)],
        "F12",
        Action::PrintReceipt,
        ui::K_PRINT_RECEIPT,
        true,
    ),
    bind(&[], "Ctrl-P", Action::LargePhoto, ui::K_LARGE_PHOTO, false),
    CLOSE,
    HELP,
    QUIT,
];

const SUPERVISOR: &[Binding] = &[
    bind(&[KeyCode::Left], "←", Action::PrevDay, ui::K_PREV_DAY, true),
    bind(
        &[KeyCode::Right],
        "→",
        Action::NextDay,
        ui::K_NEXT_DAY,
        true,
    ),
    bind(&[KeyCode::F(3)], "F3", Action::Void, ui::K_VOID, true),
    bind(&[KeyCode::F(4)], "F4", Action::Unlock, ui::K_UNLOCK, true),
    bind(&[KeyCode::F(5)], "F5", Action::Refresh, ui::K_REFRESH, true),
    SYNC_NOW,
    REFUSED,
    LOCK,
    bind(&[KeyCode::Esc], "Esc", Action::Close, ui::K_BACK, true),
    HELP,
    QUIT,
];

const CONFIRM: &[Binding] = &[CONFIRM_ENTER, CLOSE, QUIT];

const RETURN_REASONS: &[Binding] = &[CONFIRM_ENTER, MOVE, SPACE_TICK, NEXT_FIELD, CLOSE, QUIT];

const RETURN_NOTE: &[Binding] = &[CONFIRM_ENTER, NEXT_FIELD, CLOSE, QUIT];

const TEXT_INPUT: &[Binding] = &[CONFIRM_ENTER, CLOSE, QUIT];

const FORM: &[Binding] = &[CONFIRM_ENTER, NEXT_FIELD, CLOSE, QUIT];

const LIST: &[Binding] = &[
    bind(&[KeyCode::Enter], "Enter", Action::Submit, ui::K_OPEN, true),
    MOVE,
    CLOSE,
    QUIT,
];

const HELP_ONLY: &[Binding] = &[CLOSE, QUIT];

const PHOTO_VIEW: &[Binding] = &[
    bind(
        &[KeyCode::Esc],
        "Esc/Ctrl-P",
        Action::Close,
        ui::K_CLOSE,
        true,
    ),
    QUIT,
];

const READ_LIST: &[Binding] = &[MOVE, CLOSE, QUIT];

/// The table in force for what is on screen now.
pub fn bindings(app: &App) -> &'static [Binding] {
    match (&app.screen, &app.overlay) {
        (Screen::Login(_) | Screen::Locked(_), _) => LOGIN,
        (_, Some(Overlay::Help)) => HELP_ONLY,
        (
            _,
            Some(Overlay::ConfirmAccept | Overlay::ConfirmVoid(_) | Overlay::SaveFailed { .. }),
        ) => CONFIRM,
        (_, Some(Overlay::Refused { .. })) => READ_LIST,
        (_, Some(Overlay::Return(form))) if form.focus == ReturnFocus::Note => RETURN_NOTE,
        (_, Some(Overlay::Return(_))) => RETURN_REASONS,
        (_, Some(Overlay::Note { .. } | Overlay::Unlock { .. })) => TEXT_INPUT,
        (_, Some(Overlay::Approve(_) | Overlay::Void(_))) => FORM,
        (_, Some(Overlay::Search { .. } | Overlay::Today { .. })) => LIST,
        (_, Some(Overlay::LargePhoto { .. })) => PHOTO_VIEW,
        (Screen::Counter, None) => COUNTER,
        (Screen::Supervisor(_), None) => SUPERVISOR,
    }
}

/// The table of the screen under an open help overlay (what the help shows).
pub fn help_bindings(app: &App) -> &'static [Binding] {
    match app.screen {
        Screen::Counter => COUNTER,
        Screen::Supervisor(_) => SUPERVISOR,
        _ => LOGIN,
    }
}

/// The action a key stands for on this screen, if any. Ctrl-C always quits; `?` asks for help
/// only where it cannot be part of typed text.
pub fn action_for(app: &App, key: &KeyEvent) -> Option<Action> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    let screen_with_help = matches!(app.screen, Screen::Counter | Screen::Supervisor(_));
    if key.modifiers.contains(KeyModifiers::CONTROL)
        && key.code == KeyCode::Char('r')
        && app.overlay.is_none()
        && screen_with_help
    {
        return Some(Action::Refused);
    }
    if key.code == KeyCode::Char('?')
        && app.overlay.is_none()
        && app.scan_line.is_empty()
        && screen_with_help
    {
        return Some(Action::Help);
    }
    let found = bindings(app).iter().find(|b| b.keys.contains(&key.code))?;
    Some(match (found.action, key.code) {
        (Action::Down, KeyCode::Up) => Action::Up,
        (action, _) => action,
    })
}
