//! The login and locked screens: a clerk id and a PIN.

use ratatui::crossterm::event::KeyEvent;

use super::super::form::FormKey;
use super::super::keymap::Action;
use super::super::state::{App, DbJob, Effect, JobError, Screen};

pub(super) fn login_key(app: &mut App, key: KeyEvent, action: Option<Action>) -> Vec<Effect> {
    let (Screen::Login(form) | Screen::Locked(form)) = &mut app.screen else {
        return Vec::new();
    };
    match form.key(&key, action) {
        FormKey::Stay => Vec::new(),
        FormKey::Submit => {
            form.busy = true;
            form.error = None;
            vec![Effect::Db(DbJob::Login {
                id: form.fields.id.trim().to_owned(),
                pin: std::mem::take(&mut form.fields.pin),
            })]
        }
    }
}

pub(super) fn on_logged_in(app: &mut App, result: Result<crate::store::Clerk, JobError>) {
    match (&mut app.screen, result) {
        (Screen::Login(_) | Screen::Locked(_), Ok(clerk)) => {
            app.clerk = Some(clerk);
            app.screen = Screen::Counter;
            app.message = None;
        }
        (Screen::Login(form) | Screen::Locked(form), Err(e)) => {
            form.busy = false;
            form.error = Some(e.to_string());
        }
        _ => {}
    }
}
