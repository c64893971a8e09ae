//! The supervisor's screen: a day's numbers (this counter's, and the office's from the portal),
//! and the supervisor's actions.

use super::super::keymap::Action;
use super::super::state::{App, Day, Effect, Level, Overlay, PortalJob, Screen, VoidForm};
use super::{DbJob, is_supervisor, local_hm, refuse_tr, say, t};
use crate::strings::ui;

/// Supervisors only: a clerk's F8 is refused and changes nothing.
pub(super) fn open_supervisor(app: &mut App) -> Vec<Effect> {
    if !is_supervisor(app) {
        return refuse_tr(app, ui::SUPERVISOR_ONLY);
    }
    let date = crate::domain::office_time::local_date(app.now);
    app.screen = Screen::Supervisor(Day {
        date,
        tally: None,
        office: None,
    });
    recount(app)
}

pub(super) fn supervisor_key(app: &mut App, action: Option<Action>) -> Vec<Effect> {
    let Screen::Supervisor(day) = &mut app.screen else {
        return Vec::new();
    };
    match action {
        Some(Action::PrevDay) => day.date = day.date.pred_opt().unwrap_or(day.date),
        // No day after today: nothing has happened there yet.
        Some(Action::NextDay) => {
            let today = crate::domain::office_time::local_date(app.now);
            day.date = day.date.succ_opt().unwrap_or(day.date).min(today);
        }
        Some(Action::Refresh) => {}
        Some(Action::SyncNow) => return super::counter::sync_now(app),
        Some(Action::Void) => {
            app.overlay = Some(Overlay::Void(VoidForm::default()));
            return Vec::new();
        }
        Some(Action::Unlock) => {
            app.overlay = Some(Overlay::Unlock { id: String::new() });
            return Vec::new();
        }
        Some(Action::Lock) => return super::lock(app),
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
pub(super) fn recount(app: &mut App) -> Vec<Effect> {
    let portal = app.cfg.portal;
    let Screen::Supervisor(day) = &mut app.screen else {
        return Vec::new();
    };
    day.tally = None;
    day.office = None;
    let mut effects = vec![Effect::Db(DbJob::Count { date: day.date })];
    if portal {
        effects.push(Effect::Portal(PortalJob::FetchOffice { date: day.date }));
    }
    effects
}

/// A supervisor action, in the name of the supervisor logged in (the store checks the role
/// again).
pub(super) fn supervisor_effect(app: &mut App, job: impl FnOnce(String) -> DbJob) -> Vec<Effect> {
    if !is_supervisor(app) {
        return refuse_tr(app, ui::SUPERVISOR_ONLY);
    }
    let by = app.clerk.as_ref().map(|c| c.id.clone()).unwrap_or_default();
    let job = job(by);
    if !matches!(job, DbJob::PreviewVoid { .. }) {
        say(app, Level::Info, t(app, ui::SAVING));
    }
    vec![Effect::Db(job)]
}

/// "在线 · 待发送 3 · 上次 10:42" (the last error has a place of its own on the bar).
pub(super) fn portal_slot(app: &App, status: &crate::sync::SyncStatus) -> String {
    let link = match status.link {
        crate::sync::Link::Online => ui::LINK_ONLINE,
        crate::sync::Link::Offline => ui::LINK_OFFLINE,
        crate::sync::Link::Syncing => ui::LINK_SYNCING,
    };
    let mut text = format!(
        "{} · {}{}",
        t(app, link),
        t(app, ui::PENDING),
        status.pending
    );
    if let Some(at) = status.last_success {
        text.push_str(&format!(" · {}{}", t(app, ui::LAST_SYNC), local_hm(at)));
    }
    if let Some(ms) = status
        .clock_offset_ms
        .filter(|ms| crate::sync::clock::is_off(*ms))
    {
        let minutes = ms / 60_000;
        let (off, fix) = (t(app, ui::CLOCK_OFF), t(app, ui::CLOCK_FIX));
        text.push_str(&format!(" · {off}{minutes:+}{fix}"));
    }
    text
}
