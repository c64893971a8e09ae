//! The counter's flows at the level of `update`: events in, state and effects out, no terminal.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use grad_intake::domain::intake::{Decision, IntakeEvent, IntakeState, Tick};
use grad_intake::domain::supervision::Override;
use grad_intake::store::Role;
use grad_intake::tui::state::{Level, Overlay, SaveOutcome, Screen};
use grad_intake::tui::{self, AppEvent, DbJob, Effect, JobError, PortalJob, UiEffect};
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

fn update(app: &mut grad_intake::tui::App, event: AppEvent) -> Vec<Effect> {
    tui::update(app, event, now())
}

/// Loads candidate `index` into a logged-in counter: looking is not opening, nothing is saved.
fn scanned(index: usize) -> grad_intake::tui::App {
    let mut app = logged_in();
    let effects = update(&mut app, AppEvent::Loaded(Ok(loaded(index, None))));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.file.as_ref().unwrap().intake().state, IntakeState::New);
    app
}

fn saved_events(effects: &[Effect]) -> Vec<&'static str> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::Db(DbJob::Save { events, .. }) => {
                events.iter().map(IntakeEvent::kind).collect()
            }
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn login_asks_the_worker_and_opens_the_counter() {
    let mut app = app();
    let effects = type_line(&mut app, "c01");
    assert!(effects.is_empty(), "Enter on the id moves to the PIN");
    let effects = type_line(&mut app, "1111");
    assert_eq!(
        effects,
        [Effect::Db(DbJob::Login {
            id: "c01".into(),
            pin: "1111".into()
        })]
    );
    update(
        &mut app,
        AppEvent::LoggedIn(Err(JobError::Login("工号或PIN不正确".into()))),
    );
    let Screen::Login(form) = &app.screen else {
        panic!("still at login")
    };
    assert_eq!(form.error.as_deref(), Some("工号或PIN不正确"));
    assert!(form.fields.pin.is_empty(), "the PIN is not kept");
    update(&mut app, AppEvent::LoggedIn(Ok(clerk("c01", Role::Clerk))));
    assert_eq!(app.screen, Screen::Counter);
}

#[test]
fn a_wedge_scan_is_one_lookup() {
    let mut app = logged_in();
    let qr = roster()[0].qr.clone().unwrap();
    let effects = type_line(&mut app, &qr);
    assert_eq!(effects, [Effect::Db(DbJob::Lookup { payload: qr })]);
    assert!(app.scan_line.is_empty());
}

#[test]
fn bad_scan_rings_and_changes_nothing() {
    let mut app = scanned(0);
    let before = app.file.as_ref().unwrap().intake().clone();
    let effects = update(
        &mut app,
        AppEvent::Loaded(Err(JobError::Scan("二维码签名验证失败".into()))),
    );
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(app.message.as_ref().unwrap().level, Level::Error);
    assert_eq!(
        app.file.as_ref().unwrap().intake(),
        &before,
        "the open file is untouched"
    );
}

#[test]
fn tick_then_accept_saves_the_decision_before_saying_done() {
    let mut app = scanned(0);
    let effects = press(&mut app, KeyCode::Char(' '));
    assert_eq!(saved_events(&effects), ["intake_opened", "item_ticked"]);
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)));
    assert!(press(&mut app, KeyCode::F(2)).is_empty());
    assert_eq!(app.overlay, Some(Overlay::ConfirmAccept));
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(saved_events(&effects), ["accepted"]);
    assert_ne!(
        app.message.as_ref().map(|m| m.level),
        Some(Level::Success),
        "not done before the save"
    );
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Accepted)));
    assert_eq!(app.message.as_ref().unwrap().level, Level::Success);
    assert_eq!(
        app.file.as_ref().unwrap().intake().state,
        IntakeState::Accepted
    );
}

#[test]
fn accept_refused_until_every_item_is_ticked() {
    // Case 4 (index 3): 本科 with a non-mainland ID: several originals and copies.
    let mut app = scanned(3);
    let items = app.file.as_ref().unwrap().loaded.assessment.checklist.len();
    assert!(items >= 4);
    assert_eq!(press(&mut app, KeyCode::F(2)), [Effect::Ui(UiEffect::Bell)]);
    assert!(app.message.as_ref().unwrap().text.contains("未核对"));
    for _ in 0..items {
        press(&mut app, KeyCode::Char(' '));
    }
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.overlay, Some(Overlay::ConfirmAccept));
}

#[test]
fn original_and_copy_cycles_through_partial_ticks() {
    let mut app = scanned(3);
    let file = app.file.as_ref().unwrap();
    let index = file
        .loaded
        .assessment
        .checklist
        .iter()
        .position(|i| i.id == "id_card")
        .unwrap();
    for _ in 0..index {
        press(&mut app, KeyCode::Down);
    }
    press(&mut app, KeyCode::Right);
    let tick = |app: &grad_intake::tui::App| {
        app.file
            .as_ref()
            .unwrap()
            .intake()
            .ticks
            .get("id_card")
            .cloned()
    };
    assert_eq!(
        tick(&app),
        Some(Tick {
            original_seen: true,
            copy_kept: false,
            note: None
        })
    );
    press(&mut app, KeyCode::Right);
    assert_eq!(
        tick(&app),
        Some(Tick {
            original_seen: false,
            copy_kept: true,
            note: None
        })
    );
    press(&mut app, KeyCode::Right);
    assert_eq!(
        tick(&app),
        Some(Tick {
            original_seen: true,
            copy_kept: true,
            note: None
        })
    );
}

#[test]
fn return_with_reasons_then_revisit_continues_the_file() {
    let mut app = scanned(3);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::F(3));
    assert!(matches!(app.overlay, Some(Overlay::Return(_))));
    // Enter with nothing picked is refused.
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Effect::Ui(UiEffect::Bell)]
    );
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Tab);
    for c in "缺少公章".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let effects = press(&mut app, KeyCode::Enter);
    let Some(Effect::Db(DbJob::Save { intake, events, .. })) = effects.first() else {
        panic!("{effects:?}")
    };
    let IntakeEvent::Returned { reasons, .. } = &events[0] else {
        panic!("{events:?}")
    };
    assert_eq!(reasons.len(), 2);
    assert!(reasons[1].contains("缺少公章"));
    assert_eq!(intake.state, IntakeState::Returned);
    // The candidate comes back: the screen says when, by whom and why the file was returned,
    // and the first tick continues the same file, with the ticks of the first visit.
    let returned = intake.clone();
    let mut app = logged_in();
    let effects = update(
        &mut app,
        AppEvent::Loaded(Ok(loaded(3, Some(returned.clone())))),
    );
    assert!(effects.is_empty(), "looking is not opening: {effects:?}");
    let history = &app.message.as_ref().unwrap().text;
    assert!(
        history.contains("上次退回补正") && history.contains("c01"),
        "{history}"
    );
    assert!(history.contains("缺少公章"), "{history}");
    press(&mut app, KeyCode::Down);
    let effects = press(&mut app, KeyCode::Char(' '));
    assert_eq!(saved_events(&effects), ["intake_opened", "item_ticked"]);
    let Some(Effect::Db(DbJob::Save { intake, events, .. })) = effects.first() else {
        panic!("{effects:?}")
    };
    assert!(matches!(
        events[0],
        IntakeEvent::IntakeOpened { visit: 2, .. }
    ));
    assert_eq!(intake.id, returned.id);
    assert!(
        returned
            .ticks
            .iter()
            .all(|(id, t)| intake.ticks.get(id) == Some(t)),
        "the first visit's ticks are kept"
    );
}

#[test]
fn an_accepted_file_cannot_be_accepted_twice() {
    let mut intake =
        grad_intake::domain::intake::Intake::new("i-0".into(), roster()[0].exam_no.to_string());
    intake.open().unwrap();
    intake.ticks.insert(
        "reg_form".into(),
        Tick {
            copy_kept: true,
            ..Tick::default()
        },
    );
    let at = now() - chrono::Duration::hours(1);
    let list = loaded(0, None).assessment.checklist;
    intake
        .accept(
            &list,
            &[],
            Decision {
                at,
                clerk_id: "c02".into(),
            },
        )
        .unwrap();
    let mut app = logged_in();
    let effects = update(&mut app, AppEvent::Loaded(Ok(loaded(0, Some(intake)))));
    assert_eq!(
        effects,
        [Effect::Ui(UiEffect::Bell)],
        "no save: nothing is reopened"
    );
    let text = &app.message.as_ref().unwrap().text;
    assert!(text.contains("c02") && text.contains("09:00"), "{text}");
    assert_eq!(press(&mut app, KeyCode::F(2)), [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(
        press(&mut app, KeyCode::Char(' ')),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert_eq!(app.overlay, None);
}

#[test]
fn another_sites_candidate_needs_a_supervisor() {
    let mut app = logged_in();
    // Case 18 (index 17) belongs to site 0201.
    let effects = update(&mut app, AppEvent::Loaded(Ok(loaded(17, None))));
    assert!(effects.is_empty(), "no file is opened before approval");
    assert_eq!(press(&mut app, KeyCode::F(2)), []);
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
    type_line(&mut app, "s01");
    assert_eq!(
        type_line(&mut app, "9999"),
        [Effect::Db(DbJob::Approve {
            id: "s01".into(),
            pin: "9999".into()
        })]
    );
    let effects = update(
        &mut app,
        AppEvent::Approved(Ok(clerk("s01", Role::Supervisor))),
    );
    // The approval is recorded (audit and sync); the file opens with the first tick.
    let expected = Override {
        exam_no: roster()[17].exam_no.to_string(),
        supervisor_id: "s01".into(),
        blockers: vec!["wrong_site".into()],
        expires_at: now() + Duration::minutes(15),
    };
    assert_eq!(
        effects.first(),
        Some(&Effect::Db(DbJob::RecordOverride {
            grant: expected.clone(),
            intake_id: "intake-17".into()
        }))
    );
    assert_eq!(saved_events(&effects), Vec::<&str>::new());
    let file = app.file.as_ref().unwrap();
    assert_eq!(file.approval.as_ref(), Some(&expected));
    assert!(file.standing_blockers(now()).is_empty());
    assert!(app.message.as_ref().unwrap().text.contains("10:15"));
}

/// Candidate 17 (another site's) approved by s01 at `now()` for `ttl` (`override_minutes`),
/// the file opened by a first tick (taken back) and saved.
fn approved(ttl: Duration) -> grad_intake::tui::App {
    let mut app = logged_in();
    app.cfg.override_ttl = ttl;
    update(&mut app, AppEvent::Loaded(Ok(loaded(17, None))));
    press(&mut app, KeyCode::F(2));
    supervisor_approves(&mut app, now());
    let effects = press(&mut app, KeyCode::Char(' '));
    assert_eq!(saved_events(&effects), ["intake_opened", "item_ticked"]);
    assert_eq!(
        saved_events(&press(&mut app, KeyCode::Char(' '))),
        ["item_unticked"]
    );
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)));
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)));
    assert_eq!(
        app.file.as_ref().unwrap().stored.state,
        IntakeState::InProgress
    );
    app
}

/// s01 types id and PIN into the open approval box at `at`, and the PIN checks out; returns the
/// effects of the answer.
fn supervisor_approves(app: &mut grad_intake::tui::App, at: DateTime<Utc>) -> Vec<Effect> {
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
    for c in "s01".chars() {
        press_at(app, KeyCode::Char(c), at);
    }
    press_at(app, KeyCode::Enter, at);
    for c in "9999".chars() {
        press_at(app, KeyCode::Char(c), at);
    }
    assert!(matches!(
        &press_at(app, KeyCode::Enter, at)[..],
        [Effect::Db(DbJob::Approve { .. })]
    ));
    let supervisor = AppEvent::Approved(Ok(clerk("s01", Role::Supervisor)));
    tui::update(app, supervisor, at)
}

fn press_at(app: &mut grad_intake::tui::App, code: KeyCode, at: DateTime<Utc>) -> Vec<Effect> {
    tui::update(app, key(code), at)
}

#[test]
fn a_clerk_cannot_approve() {
    let mut app = logged_in();
    update(&mut app, AppEvent::Loaded(Ok(loaded(17, None))));
    press(&mut app, KeyCode::F(2));
    type_line(&mut app, "c02");
    assert!(matches!(
        &type_line(&mut app, "2222")[..],
        [Effect::Db(DbJob::Approve { .. })]
    ));
    // The PIN is right, but it is a clerk's: nothing is recorded, opened or lifted.
    let effects = update(&mut app, AppEvent::Approved(Ok(clerk("c02", Role::Clerk))));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(&app.overlay, Some(Overlay::Approve(form)) if form.error.as_deref().is_some_and(|e| e.contains("不是主管")))
    );
    let file = app.file.as_ref().unwrap();
    assert_eq!(file.approval, None);
    assert_eq!(file.needs_approval(now()), ["wrong_site"]);
    assert_eq!(file.intake().state, IntakeState::New);
    // A wrong PIN neither.
    update(
        &mut app,
        AppEvent::Approved(Err(JobError::Login("工号或PIN不正确".into()))),
    );
    assert_eq!(app.file.as_ref().unwrap().approval, None);
    // Closing the box and trying again asks again.
    press(&mut app, KeyCode::Esc);
    assert_eq!(press(&mut app, KeyCode::Char(' ')), []);
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
}

#[test]
fn an_approval_expires_at_exactly_its_limit() {
    let mut app = approved(Duration::minutes(15));
    let limit = now() + Duration::minutes(15);
    let just_before = limit - Duration::seconds(1);
    // Valid up to the last second: ticking works without asking.
    assert_eq!(
        saved_events(&press_at(&mut app, KeyCode::Char(' '), just_before)),
        ["item_ticked"]
    );
    assert!(
        app.file
            .as_ref()
            .unwrap()
            .standing_blockers(just_before)
            .is_empty()
    );
    // At the limit: no save, the approval box, and the screen says why.
    assert_eq!(press_at(&mut app, KeyCode::Char(' '), limit), []);
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
    let message = app.message.as_ref().unwrap();
    assert_eq!(message.level, Level::Error);
    assert!(
        message.text.contains("过期") && message.text.contains("10:15"),
        "{}",
        message.text
    );
    let file = app.file.as_ref().unwrap();
    assert!(
        !file.approval.as_ref().unwrap().is_valid(limit),
        "kept, run out"
    );
    assert_eq!(file.needs_approval(limit), ["wrong_site"]);
    let standing: Vec<String> = file
        .standing_blockers(limit)
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(standing, ["wrong_site"]);

    // A new approval: recorded again from its own time, the file is not opened twice.
    let later = limit + Duration::minutes(1);
    let effects = supervisor_approves(&mut app, later);
    let [Effect::Db(DbJob::RecordOverride { grant, .. })] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(grant.expires_at, later + Duration::minutes(15));
    let effects = press_at(&mut app, KeyCode::Char(' '), later);
    assert_eq!(saved_events(&effects).len(), 1, "{effects:?}");
}

#[test]
fn an_approval_that_runs_out_during_the_confirmation_is_asked_again() {
    let mut app = approved(Duration::minutes(5));
    let grant = app.file.as_ref().unwrap().approval.clone().unwrap();
    assert_eq!(
        grant.expires_at,
        now() + Duration::minutes(5),
        "override_minutes"
    );
    let items = app.file.as_ref().unwrap().loaded.assessment.checklist.len();
    for _ in 0..items {
        press(&mut app, KeyCode::Char(' '));
    }
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.overlay, Some(Overlay::ConfirmAccept));
    let effects = press_at(&mut app, KeyCode::Enter, now() + Duration::minutes(5));
    assert!(saved_events(&effects).is_empty(), "{effects:?}");
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
    assert_ne!(
        app.file.as_ref().unwrap().intake().state,
        IntakeState::Accepted
    );
}

#[test]
fn an_approval_stays_with_its_candidate_at_this_counter() {
    let mut app = approved(Duration::minutes(15));
    let intake = app.file.as_ref().unwrap().intake().clone();
    // Scanned again (or reloaded after a failed save) while valid: no new approval.
    let effects = update(
        &mut app,
        AppEvent::Loaded(Ok(loaded(17, Some(intake.clone())))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.file.as_ref().unwrap().approval.is_some());
    assert_eq!(
        saved_events(&press(&mut app, KeyCode::Char(' '))),
        ["item_ticked"]
    );
    // Another candidate does not inherit it, and coming back to the first needs a new one.
    update(&mut app, AppEvent::Loaded(Ok(loaded(0, None))));
    assert_eq!(app.file.as_ref().unwrap().approval, None);
    update(&mut app, AppEvent::Loaded(Ok(loaded(17, Some(intake)))));
    assert_eq!(
        app.file.as_ref().unwrap().needs_approval(now()),
        ["wrong_site"]
    );
}

#[test]
fn a_late_pin_answer_does_not_approve_the_next_candidate() {
    let mut app = logged_in();
    update(&mut app, AppEvent::Loaded(Ok(loaded(17, None))));
    press(&mut app, KeyCode::F(2));
    type_line(&mut app, "s01");
    type_line(&mut app, "9999");
    // Another candidate is scanned before the PIN check answers.
    update(&mut app, AppEvent::Loaded(Ok(loaded(0, None))));
    let effects = update(
        &mut app,
        AppEvent::Approved(Ok(clerk("s01", Role::Supervisor))),
    );
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.file.as_ref().unwrap().approval, None);
    assert_ne!(app.message.as_ref().map(|m| m.level), Some(Level::Success));
}

#[test]
fn an_approval_that_cannot_be_recorded_does_not_hold() {
    let mut app = approved(Duration::minutes(15));
    let grant = app.file.as_ref().unwrap().approval.clone().unwrap();
    let effects = update(
        &mut app,
        AppEvent::OverrideRecorded {
            grant,
            result: Err(JobError::Store("数据库操作失败".into())),
        },
    );
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(app.file.as_ref().unwrap().approval, None);
    assert_eq!(press(&mut app, KeyCode::Char(' ')), []);
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
}

#[test]
fn blockers_that_no_one_can_approve_only_allow_returning() {
    // Case 14 (index 13): graduation prediction not passed.
    let mut app = scanned(13);
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(press(&mut app, KeyCode::F(2)), [Effect::Ui(UiEffect::Bell)]);
    assert!(app.message.as_ref().unwrap().text.contains("毕业预测"));
    press(&mut app, KeyCode::F(3));
    assert!(matches!(app.overlay, Some(Overlay::Return(_))));
}

#[test]
fn failed_save_reloads_the_file_from_the_database() {
    let mut app = scanned(0);
    press(&mut app, KeyCode::Char(' '));
    let effects = update(
        &mut app,
        AppEvent::Saved(Err(JobError::Store("数据库操作失败".into()))),
    );
    let exam_no = roster()[0].exam_no.to_string();
    assert_eq!(
        effects,
        [
            Effect::Ui(UiEffect::Bell),
            Effect::Db(DbJob::Lookup { payload: exam_no })
        ]
    );
}

#[test]
fn search_and_today_list_open_a_file() {
    let mut app = logged_in();
    press(&mut app, KeyCode::F(5));
    let effects = type_line(&mut app, "演示");
    assert_eq!(
        effects,
        [Effect::Db(DbJob::Search {
            query: "演示".into()
        })]
    );
    let row = grad_intake::tui::state::SearchRow {
        exam_no: "990126200002".into(),
        name: "演示甲".into(),
        id_masked: "****1234".into(),
        major: "会计".into(),
    };
    update(
        &mut app,
        AppEvent::Found {
            query: "演示".into(),
            result: Ok(vec![row]),
        },
    );
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Effect::Db(DbJob::Lookup {
            payload: "990126200002".into()
        })]
    );
    assert_eq!(
        press(&mut app, KeyCode::F(6)),
        [Effect::Db(DbJob::LoadToday)]
    );
}

#[test]
fn lock_on_demand_and_after_idle_time() {
    let mut app = logged_in();
    let effects = press(&mut app, KeyCode::F(7));
    assert!(matches!(
        effects[..],
        [Effect::Db(DbJob::Audit {
            action: "screen_locked",
            ..
        })]
    ));
    assert!(matches!(&app.screen, Screen::Locked(form) if form.fields.id == "c01"));
    let mut app = logged_in();
    assert!(
        tui::update(
            &mut app,
            AppEvent::Tick,
            now() + chrono::Duration::minutes(9)
        )
        .is_empty()
    );
    tui::update(
        &mut app,
        AppEvent::Tick,
        now() + chrono::Duration::minutes(10),
    );
    assert!(matches!(app.screen, Screen::Locked(_)));
}

#[test]
fn help_overlay_and_quit() {
    let mut app = logged_in();
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.overlay, Some(Overlay::Help));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, None);
    let ctrl_c = AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert_eq!(update(&mut app, ctrl_c), [Effect::Ui(UiEffect::Quit)]);
    assert!(app.quit);
}

#[test]
fn serial_reader_events() {
    let mut app = app();
    // A scan before login is not lost silently: the login box says to log in first.
    assert!(update(&mut app, AppEvent::Scan("990126200001".into())).is_empty());
    assert!(matches!(&app.screen, Screen::Login(form) if form.error.is_some()));
    let mut app = logged_in();
    update(
        &mut app,
        AppEvent::Scanner("扫码枪未连接 /dev/ttyACM0".into()),
    );
    assert_eq!(
        app.slots.scanner.as_deref(),
        Some("扫码枪未连接 /dev/ttyACM0")
    );
    assert_eq!(
        update(&mut app, AppEvent::Scan("990126200001".into())),
        [Effect::Db(DbJob::Lookup {
            payload: "990126200001".into()
        })]
    );
    assert_eq!(
        update(
            &mut app,
            AppEvent::ScanRejected("扫码内容含控制字符".into())
        ),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert_eq!(app.message.as_ref().unwrap().level, Level::Error);
}

#[test]
fn a_clerk_cannot_reach_the_supervisor_screen_or_its_actions() {
    let mut app = logged_in();
    assert_eq!(press(&mut app, KeyCode::F(8)), [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(app.screen, Screen::Counter);
    assert!(app.message.as_ref().unwrap().text.contains("仅主管"));
    // Even an overlay left open cannot act for a clerk.
    app.overlay = Some(Overlay::Unlock { id: "c02".into() });
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Effect::Ui(UiEffect::Bell)]
    );
}

#[test]
fn supervisor_counts_days_voids_and_unlocks() {
    let mut app = logged_in();
    app.clerk = Some(clerk("s01", Role::Supervisor));
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    assert_eq!(
        press(&mut app, KeyCode::F(8)),
        [Effect::Db(DbJob::Count { date: today })]
    );
    assert!(
        matches!(&app.screen, Screen::Supervisor(day) if day.date == today && day.tally.is_none())
    );
    assert_eq!(
        press(&mut app, KeyCode::Left),
        [Effect::Db(DbJob::Count {
            date: today.pred_opt().unwrap()
        })]
    );
    assert_eq!(
        press(&mut app, KeyCode::Right),
        [Effect::Db(DbJob::Count { date: today })]
    );
    update(
        &mut app,
        AppEvent::Counted(Err(JobError::Store("数据库操作失败".into()))),
    );
    assert!(matches!(&app.screen, Screen::Supervisor(day) if day.tally.is_some()));
    // Void: exam number, Enter, reason, Enter; then the candidate is looked up and shown, and
    // only Enter on that confirmation stores the void.
    press(&mut app, KeyCode::F(3));
    type_line(&mut app, "990126200001");
    let effects = type_line(&mut app, "误受理");
    assert_eq!(
        effects,
        [Effect::Db(DbJob::PreviewVoid {
            exam_no: "990126200001".into(),
            reason: "误受理".into(),
        })]
    );
    let preview = grad_intake::tui::state::VoidPreview {
        exam_no: "990126200001".into(),
        name: "王丽".into(),
        id_masked: "1101**********0021".into(),
        reason: "误受理".into(),
    };
    update(&mut app, AppEvent::VoidLooked(Ok(preview.clone())));
    assert_eq!(app.overlay, Some(Overlay::ConfirmVoid(preview.clone())));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| tui::view(f, &app)).unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains("王丽")
            && screen.contains("1101**********0021")
            && screen.contains("误受理"),
        "{screen}"
    );
    assert!(
        press(&mut app, KeyCode::Esc).is_empty(),
        "Esc stores nothing"
    );
    assert_eq!(app.overlay, None);
    update(&mut app, AppEvent::VoidLooked(Ok(preview)));
    assert!(
        press(&mut app, KeyCode::Char('x')).is_empty(),
        "other keys wait"
    );
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(
        effects,
        [Effect::Db(DbJob::Void {
            exam_no: "990126200001".into(),
            reason: "误受理".into(),
            by: "s01".into()
        })]
    );
    let done = update(
        &mut app,
        AppEvent::Done(Ok((
            grad_intake::strings::ui::VOIDED,
            "990126200001".into(),
        ))),
    );
    assert_eq!(
        done,
        [Effect::Db(DbJob::Count { date: today })],
        "the numbers are counted again"
    );
    assert_eq!(app.message.as_ref().unwrap().level, Level::Success);
    press(&mut app, KeyCode::F(4));
    assert_eq!(
        type_line(&mut app, "c02"),
        [Effect::Db(DbJob::Unlock {
            id: "c02".into(),
            by: "s01".into()
        })]
    );
    assert_eq!(
        update(
            &mut app,
            AppEvent::Done(Err(JobError::Refused("该工号不存在".into())))
        ),
        [Effect::Ui(UiEffect::Bell)]
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Counter);
}

#[test]
fn portal_slot_and_sync_now() {
    use grad_intake::sync::{Link, SyncStatus};
    let mut app = logged_in();
    assert_eq!(
        press(&mut app, KeyCode::F(9)),
        [Effect::Ui(UiEffect::Bell)],
        "no portal configured"
    );
    app.cfg.portal = true;
    assert_eq!(
        press(&mut app, KeyCode::F(9)),
        [Effect::Portal(PortalJob::SyncNow)]
    );
    let status = SyncStatus {
        link: Link::Offline,
        pending: 3,
        rejected: 0,
        last_success: Some(now() - chrono::Duration::minutes(5)),
        last_error: Some("无法连接考试院".into()),
        clock_offset_ms: Some(90_000),
    };
    update(&mut app, AppEvent::Sync(status.clone()));
    assert_eq!(
        app.slots.portal.as_deref(),
        Some("离线 · 待发送 3 · 上次 09:55")
    );
    // A clock more than 2 minutes off is shown with what to do; nothing else changes.
    let behind = SyncStatus {
        clock_offset_ms: Some(-300_000),
        ..status.clone()
    };
    update(&mut app, AppEvent::Sync(behind));
    assert_eq!(
        app.slots.portal.as_deref(),
        Some("离线 · 待发送 3 · 上次 09:55 · 时钟偏差 -5 分钟，请校准本机时间")
    );
    assert_eq!(app.slots.portal_error.as_deref(), Some("无法连接考试院"));
    // A long error sits at the end of the first line: the printer slot stays on the bar at the
    // smallest supported width.
    let long = SyncStatus {
        last_error: Some(
            "无法连接考试院（连接被拒绝）：请检查网络与 config.toml 的 portal_url。".repeat(3),
        ),
        ..status.clone()
    };
    update(&mut app, AppEvent::Sync(long));
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| tui::view(f, &app)).unwrap();
    let screen = terminal.backend().to_string();
    let bar: Vec<&str> = screen.lines().take(2).collect();
    assert!(bar[0].contains("⚠"), "{}", bar[0]);
    assert!(
        bar[1].contains("打印机") && bar[1].contains("待发送 3"),
        "{}",
        bar[1]
    );
    // A complete round clears it.
    let online = SyncStatus {
        link: Link::Online,
        pending: 0,
        last_error: None,
        ..status
    };
    update(&mut app, AppEvent::Sync(online));
    assert_eq!(app.slots.portal_error, None);
    // With a portal, the supervisor's day also asks for the office's numbers.
    app.clerk = Some(clerk("s01", Role::Supervisor));
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    assert_eq!(
        press(&mut app, KeyCode::F(8)),
        [
            Effect::Db(DbJob::Count { date }),
            Effect::Portal(PortalJob::FetchOffice { date })
        ]
    );
    update(
        &mut app,
        AppEvent::Office(Err(JobError::Portal("考试院未响应".into()))),
    );
    assert!(
        matches!(&app.screen, Screen::Supervisor(day) if day.office == Some(Err(JobError::Portal("考试院未响应".into()))))
    );
}

#[test]
fn pick_list_cursor_stays_inside_the_list() {
    let mut app = scanned(0);
    press(&mut app, KeyCode::F(3));
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    let Some(Overlay::Return(grad_intake::tui::state::ReturnForm { picked, cursor, .. })) =
        &app.overlay
    else {
        panic!("return dialog")
    };
    assert_eq!((*cursor, picked[0], picked[1]), (1, false, true));
    let last = picked.len() - 1;
    for _ in 0..picked.len() + 3 {
        press(&mut app, KeyCode::Down);
    }
    assert!(
        matches!(&app.overlay, Some(Overlay::Return(grad_intake::tui::state::ReturnForm { cursor, .. })) if *cursor == last)
    );
}

// ---- printing ----------------------------------------------------------------------------------

fn with_printer(mut app: grad_intake::tui::App) -> grad_intake::tui::App {
    app.cfg.printer = true;
    app
}

#[test]
fn without_a_printer_the_print_keys_say_so_and_do_nothing() {
    let mut app = scanned(0);
    assert_eq!(
        press(&mut app, KeyCode::F(11)),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert!(app.message.as_ref().unwrap().text.contains("printer"));
    assert_eq!(app.slots.printer, None, "status bar keeps 未配置");
}

#[test]
fn reprinting_a_form_goes_to_the_print_worker_one_job_at_a_time() {
    let mut app = with_printer(scanned(0));
    let exam_no = roster()[0].exam_no.to_string();
    let effects = press(&mut app, KeyCode::F(11));
    assert!(
        matches!(&effects[..], [Effect::Print { request: tui::PrintRequest::Form { exam_no: e }, clerk_id }]
            if *e == exam_no && clerk_id == "c01"),
        "{effects:?}"
    );
    assert_eq!(app.slots.printer.as_deref(), Some("打印中…"));
    assert_eq!(
        press(&mut app, KeyCode::F(11)),
        [Effect::Ui(UiEffect::Bell)],
        "busy"
    );

    update(
        &mut app,
        AppEvent::Printed(Ok("已打印：作业 7 完成".into())),
    );
    assert_eq!(app.slots.printer.as_deref(), Some("就绪"));
    assert_eq!(app.message.as_ref().unwrap().level, Level::Success);

    press(&mut app, KeyCode::F(11));
    let effects = update(
        &mut app,
        AppEvent::Printed(Err(JobError::Print("连接不上打印机".into()))),
    );
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(app.slots.printer.as_deref(), Some("出错"));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("连接不上打印机")
    );
    assert_eq!(
        app.file.as_ref().unwrap().intake().state,
        IntakeState::New,
        "a print changes nothing in the file"
    );
}

#[test]
fn a_receipt_only_for_a_decided_file() {
    let mut app = with_printer(scanned(0));
    assert_eq!(
        press(&mut app, KeyCode::F(12)),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert!(app.message.as_ref().unwrap().text.contains("F2"));
    assert!(!app.printing);

    press(&mut app, KeyCode::Char(' '));
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)));
    press(&mut app, KeyCode::F(2));
    press(&mut app, KeyCode::Enter);
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Accepted)));
    let intake_id = app.file.as_ref().unwrap().intake().id.clone();
    let effects = press(&mut app, KeyCode::F(12));
    assert!(
        matches!(&effects[..], [Effect::Print { request: tui::PrintRequest::Receipt { intake_id: i }, .. }] if *i == intake_id),
        "{effects:?}"
    );
}

fn return_form(app: &grad_intake::tui::App) -> &grad_intake::tui::state::ReturnForm {
    let Some(Overlay::Return(form)) = &app.overlay else {
        panic!("the return dialog is open: {:?}", app.overlay)
    };
    form
}

#[test]
fn a_space_in_the_return_note_is_a_space_and_the_reasons_stay_as_picked() {
    let mut app = scanned(0);
    press(&mut app, KeyCode::F(3));
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Tab);
    let note = "第 2 页 缺 公章";
    for c in note.chars() {
        press(&mut app, KeyCode::Char(c));
    }
    let form = return_form(&app);
    assert_eq!(form.note, note);
    assert_eq!(
        form.picked.iter().filter(|p| **p).count(),
        1,
        "typing never picks"
    );
    // Back in the list, ↓ and Space pick the second reason; the note is kept.
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char(' '));
    let on_screen = return_form(&app).chosen();
    assert_eq!(on_screen.len(), 3);
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(saved_events(&effects), ["intake_opened", "returned"]);
    let Some(Effect::Db(DbJob::Save { events, .. })) = effects.first() else {
        panic!("{effects:?}")
    };
    let IntakeEvent::Returned { reasons, .. } = &events[1] else {
        panic!("{events:?}")
    };
    assert_eq!(
        reasons, &on_screen,
        "the reasons saved are the ones on screen"
    );
    assert_eq!(reasons[2], note);
    assert_eq!(app.overlay, None);
}

#[test]
fn looking_is_not_opening_and_a_blocked_candidate_is_returned_with_its_blocker() {
    // Case 14 (index 13): graduation prediction not passed.
    let mut app = scanned(13);
    assert_eq!(app.file.as_ref().unwrap().stored.state, IntakeState::New);
    press(&mut app, KeyCode::F(3));
    let form = return_form(&app);
    assert!(form.options[0].contains("毕业预测"), "{:?}", form.options);
    assert!(form.picked[0], "the blocker is the reason already");
    assert!(!form.picked[1..].iter().any(|p| *p));
    let effects = press(&mut app, KeyCode::Enter);
    assert_eq!(saved_events(&effects), ["intake_opened", "returned"]);
    // The card says 退回 only once the database has it.
    assert_eq!(app.file.as_ref().unwrap().stored.state, IntakeState::New);
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Returned)));
    assert_eq!(
        app.file.as_ref().unwrap().stored.state,
        IntakeState::Returned
    );
    assert_eq!(app.message.as_ref().unwrap().level, Level::Success);
}

#[test]
fn a_failed_save_stays_until_acknowledged_and_the_card_keeps_the_stored_state() {
    let mut app = scanned(0);
    press(&mut app, KeyCode::Char(' '));
    update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)));
    let stored = app.file.as_ref().unwrap().intake().clone();
    assert_eq!(stored.state, IntakeState::InProgress);
    press(&mut app, KeyCode::F(2));
    assert_eq!(saved_events(&press(&mut app, KeyCode::Enter)), ["accepted"]);
    assert_eq!(
        app.file.as_ref().unwrap().stored.state,
        IntakeState::InProgress
    );
    let effects = update(
        &mut app,
        AppEvent::Saved(Err(JobError::Store("数据库操作失败：磁盘已满。".into()))),
    );
    let exam_no = roster()[0].exam_no.to_string();
    assert_eq!(
        effects,
        [
            Effect::Ui(UiEffect::Bell),
            Effect::Db(DbJob::Lookup {
                payload: exam_no.clone()
            })
        ]
    );
    // The reload that follows does not clear it, nor does the idle lock.
    update(&mut app, AppEvent::Loaded(Ok(loaded(0, Some(stored)))));
    assert!(
        matches!(&app.overlay, Some(Overlay::SaveFailed { text }) if text.contains("受理未能保存") && text.contains("磁盘已满"))
    );
    assert_eq!(
        app.file.as_ref().unwrap().stored.state,
        IntakeState::InProgress
    );
    let later = now() + Duration::minutes(11);
    update(&mut app, AppEvent::Tick);
    tui::update(&mut app, AppEvent::Tick, later);
    assert!(matches!(app.screen, Screen::Locked(_)));
    assert!(matches!(app.overlay, Some(Overlay::SaveFailed { .. })));
    app.screen = Screen::Counter;
    press(&mut app, KeyCode::Char(' '));
    assert!(
        matches!(app.overlay, Some(Overlay::SaveFailed { .. })),
        "other keys do not dismiss it"
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.overlay, None);
}

fn search_rows(n: usize) -> Vec<grad_intake::tui::state::SearchRow> {
    roster()
        .into_iter()
        .take(n)
        .map(|c| grad_intake::tui::state::SearchRow {
            exam_no: c.exam_no.to_string(),
            id_masked: c.id_masked(),
            major: c.major_name.clone(),
            name: c.name,
        })
        .collect()
}

#[test]
fn search_opens_the_highlighted_row_past_the_first_page() {
    let mut app = logged_in();
    press(&mut app, KeyCode::F(5));
    assert!(
        matches!(&app.overlay, Some(Overlay::Search { running: false, .. })),
        "nothing is looked up before Enter"
    );
    type_line(&mut app, "演示");
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Search { running: true, .. })
    ));
    // An answer to another query (edited since) is not shown.
    let stale = AppEvent::Found {
        query: "演".into(),
        result: Ok(search_rows(1)),
    };
    update(&mut app, stale);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Search {
            results: None,
            running: true,
            ..
        })
    ));
    let found = AppEvent::Found {
        query: "演示".into(),
        result: Ok(search_rows(20)),
    };
    update(&mut app, found);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Search { running: false, .. })
    ));
    for _ in 0..14 {
        press(&mut app, KeyCode::Down);
    }
    let fifteenth = roster()[14].exam_no.to_string();
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Effect::Db(DbJob::Lookup { payload: fifteenth })]
    );
    // The list scrolled with the highlight: the 15th row is on screen, highlighted, and the
    // position is shown.
    let mut app = logged_in();
    press(&mut app, KeyCode::F(5));
    type_line(&mut app, "演示");
    update(
        &mut app,
        AppEvent::Found {
            query: "演示".into(),
            result: Ok(search_rows(20)),
        },
    );
    for _ in 0..14 {
        press(&mut app, KeyCode::Down);
    }
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| tui::view(f, &app)).unwrap();
    let screen = terminal.backend().to_string();
    assert!(
        screen.contains(&roster()[14].exam_no.to_string()),
        "{screen}"
    );
    assert!(
        !screen.contains(&roster()[0].exam_no.to_string()),
        "{screen}"
    );
    assert!(screen.contains("第 15 / 共 20 条"), "{screen}");
    assert!(!screen.contains("查询中"), "{screen}");
}

fn chord(app: &mut grad_intake::tui::App, c: char) -> Vec<Effect> {
    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    update(app, AppEvent::Input(Event::Key(key)))
}

#[test]
fn ctrl_u_clears_and_no_ctrl_letter_types_its_letter() {
    let mut app = logged_in();
    for c in "9901262".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    for c in ['a', 'e', 'w', 'k'] {
        assert!(chord(&mut app, c).is_empty());
    }
    assert_eq!(app.scan_line, "9901262", "a Ctrl-letter types nothing");
    chord(&mut app, 'u');
    assert_eq!(app.scan_line, "", "Ctrl-U clears the scan line");
    // In a text field too: the search box.
    press(&mut app, KeyCode::F(5));
    for c in "演示".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    chord(&mut app, 'x');
    assert!(matches!(&app.overlay, Some(Overlay::Search { query, .. }) if query == "演示"));
    chord(&mut app, 'u');
    assert!(matches!(&app.overlay, Some(Overlay::Search { query, .. }) if query.is_empty()));
}

#[test]
fn a_message_goes_when_the_state_it_describes_changes() {
    // Case 4 (index 3): several items; F2 says which are missing.
    let mut app = scanned(3);
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.message.as_ref().unwrap().level, Level::Error);
    // Moving to an item keeps it (the clerk reads which are missing) ...
    press(&mut app, KeyCode::Down);
    assert!(app.message.is_some());
    // ... ticking replaces it, and so does opening a dialog.
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.message, None);
    press(&mut app, KeyCode::F(2));
    assert!(app.message.is_some());
    press(&mut app, KeyCode::F(3));
    assert_eq!(
        app.message, None,
        "it does not follow into the return dialog"
    );
}

#[test]
fn the_supervisor_cannot_pick_a_day_after_today() {
    let mut app = logged_in();
    app.clerk = Some(clerk("s01", Role::Supervisor));
    press(&mut app, KeyCode::F(8));
    let today = grad_intake::domain::office_time::local_date(now());
    assert!(matches!(&app.screen, Screen::Supervisor(day) if day.date == today));
    press(&mut app, KeyCode::Right);
    assert!(matches!(&app.screen, Screen::Supervisor(day) if day.date == today));
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert!(matches!(&app.screen, Screen::Supervisor(day) if day.date == today));
}

/// The photo line: the card appears at once with 照片检测中…, the photo goes to the photo
/// worker, and its answer fills the line (failed rules, passed, or not measured).
#[test]
fn the_photo_line_follows_the_measurement() {
    use grad_intake::domain::photo::Check;
    use grad_intake::tui::state::PhotoCheck;
    let mut app = logged_in();
    let jpeg = grad_intake::demo::photo::demo_photo(0).unwrap();
    let effects = update(
        &mut app,
        AppEvent::Loaded(Ok(loaded_with_jpeg(0, jpeg.clone()))),
    );
    let file = app.file.as_ref().unwrap();
    let exam_no = file.loaded.candidate.exam_no.to_string();
    let [Effect::Photo(job)] = &effects[..] else {
        panic!("expected one photo job, got {effects:?}");
    };
    assert_eq!(job.exam_no, exam_no);
    assert_eq!(job.site_code, file.loaded.candidate.site_code);
    assert_eq!(&job.jpeg.0[..], &jpeg[..]);
    assert_eq!(file.photo_check, Some(PhotoCheck::Measuring));
    assert!(
        file.loaded.photo.is_some(),
        "the picture shows before the measurement"
    );

    let failed = PhotoCheck::Failed(vec![Check::BackgroundColour, Check::HairTopPx]);
    let effects = update(
        &mut app,
        AppEvent::PhotoChecked {
            exam_no: exam_no.clone(),
            check: failed.clone(),
        },
    );
    assert!(effects.is_empty(), "shown, never a blocker: {effects:?}");
    let file = app.file.as_ref().unwrap();
    assert_eq!(file.photo_check, Some(failed));
    assert!(
        !file
            .loaded
            .assessment
            .blockers
            .iter()
            .any(|b| b.id == "photo_not_approved"),
        "the portal's photo_status stays the authority for the blocker"
    );

    // Scanned again: measured again, and this time it passes.
    let effects = update(&mut app, AppEvent::Loaded(Ok(loaded_with_jpeg(0, jpeg))));
    assert!(matches!(&effects[..], [Effect::Photo(_)]), "{effects:?}");
    update(
        &mut app,
        AppEvent::PhotoChecked {
            exam_no,
            check: PhotoCheck::Passed,
        },
    );
    assert_eq!(
        app.file.as_ref().unwrap().photo_check,
        Some(PhotoCheck::Passed)
    );

    // No photo on file: no measurement and no line.
    let effects = update(&mut app, AppEvent::Loaded(Ok(loaded(1, None))));
    assert!(effects.is_empty(), "{effects:?}");
    assert_eq!(app.file.as_ref().unwrap().photo_check, None);
}

/// A measurement that arrives after the clerk moved on to the next candidate is dropped; the
/// next candidate's own answer is shown.
#[test]
fn a_photo_result_for_a_candidate_no_longer_on_screen_is_dropped() {
    use grad_intake::domain::photo::Check;
    use grad_intake::tui::state::PhotoCheck;
    let mut app = logged_in();
    let jpeg = grad_intake::demo::photo::demo_photo(0).unwrap();
    update(
        &mut app,
        AppEvent::Loaded(Ok(loaded_with_jpeg(0, jpeg.clone()))),
    );
    let first = app
        .file
        .as_ref()
        .unwrap()
        .loaded
        .candidate
        .exam_no
        .to_string();
    update(&mut app, AppEvent::Loaded(Ok(loaded_with_jpeg(1, jpeg))));
    let second = app
        .file
        .as_ref()
        .unwrap()
        .loaded
        .candidate
        .exam_no
        .to_string();
    assert_ne!(first, second);

    let stale = AppEvent::PhotoChecked {
        exam_no: first,
        check: PhotoCheck::Failed(vec![Check::FaceCount]),
    };
    assert!(update(&mut app, stale).is_empty());
    let file = app.file.as_ref().unwrap();
    assert_eq!(file.loaded.candidate.exam_no.as_str(), second);
    assert_eq!(file.photo_check, Some(PhotoCheck::Measuring));

    update(
        &mut app,
        AppEvent::PhotoChecked {
            exam_no: second,
            check: PhotoCheck::NotMeasured(vec![Check::HairTopPx]),
        },
    );
    assert_eq!(
        app.file.as_ref().unwrap().photo_check,
        Some(PhotoCheck::NotMeasured(vec![Check::HairTopPx]))
    );
}

/// A photo worker that stopped leaves no card waiting for ever.
#[test]
fn a_dead_photo_worker_ends_the_wait() {
    use grad_intake::tui::Worker;
    use grad_intake::tui::state::PhotoCheck;
    let mut app = logged_in();
    let jpeg = grad_intake::demo::photo::demo_photo(0).unwrap();
    update(&mut app, AppEvent::Loaded(Ok(loaded_with_jpeg(0, jpeg))));
    update(
        &mut app,
        AppEvent::WorkerDied {
            worker: Worker::Photo,
            panic: None,
        },
    );
    assert!(matches!(
        app.file.as_ref().unwrap().photo_check,
        Some(PhotoCheck::Unavailable(_))
    ));
}

#[test]
fn a_void_that_cannot_be_done_is_refused_before_any_confirmation() {
    let mut app = logged_in();
    app.clerk = Some(clerk("s01", Role::Supervisor));
    press(&mut app, KeyCode::F(8));
    press(&mut app, KeyCode::F(3));
    type_line(&mut app, "990126200009");
    type_line(&mut app, "误受理");
    let effects = update(
        &mut app,
        AppEvent::VoidLooked(Err(JobError::Refused("该考生没有受理记录".into()))),
    );
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(app.overlay, None);
    assert_eq!(app.message.as_ref().unwrap().text, "该考生没有受理记录");
}

fn refused_rows() -> Vec<grad_intake::tui::state::RefusedRow> {
    vec![
        grad_intake::tui::state::RefusedRow {
            at: now() - Duration::minutes(30),
            kind: "accepted".into(),
            exam_no: "990126200001".into(),
            name: Some("王丽".into()),
            id_masked: Some("1101**********0021".into()),
            reason: "该考生不属于本办理点".into(),
        },
        grad_intake::tui::state::RefusedRow {
            at: now() - Duration::hours(2),
            kind: "item_ticked".into(),
            exam_no: "990126209999".into(),
            name: None,
            id_masked: None,
            reason: "考试院拒收（未说明原因）".into(),
        },
    ]
}

#[test]
fn refused_events_are_counted_on_the_bar_and_listed_with_ctrl_r() {
    use grad_intake::sync::{Link, SyncStatus};
    let mut app = logged_in();
    app.cfg.portal = true;
    let status = SyncStatus {
        link: Link::Online,
        pending: 0,
        rejected: 2,
        last_success: Some(now()),
        last_error: None,
        clock_offset_ms: None,
    };
    update(&mut app, AppEvent::Sync(status));
    assert_eq!(app.slots.refused, 2);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    terminal.draw(|f| tui::view(f, &app)).unwrap();
    let screen = terminal.backend().to_string();
    let bar: Vec<&str> = screen.lines().take(2).collect();
    assert!(bar[0].contains("拒收 2（Ctrl-R 查看）"), "{}", bar[0]);
    assert!(bar[1].contains("打印机"), "{}", bar[1]);
    // Ctrl-R asks the database; the list fills when it answers; Esc closes it.
    assert_eq!(chord(&mut app, 'r'), [Effect::Db(DbJob::LoadRefused)]);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Refused { rows: None, .. })
    ));
    update(&mut app, AppEvent::Refused(Ok(refused_rows())));
    press(&mut app, KeyCode::Down);
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Refused { rows: Some(r), cursor: 1 }) if r.len() == 2
    ));
    assert!(
        press(&mut app, KeyCode::Enter).is_empty(),
        "nothing to open"
    );
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.overlay, None);
    assert_eq!(app.scan_line, "", "Ctrl-R typed nothing");
    // On the supervisor screen too; the help of both screens lists the key.
    app.clerk = Some(clerk("s01", Role::Supervisor));
    press(&mut app, KeyCode::F(8));
    assert_eq!(chord(&mut app, 'r'), [Effect::Db(DbJob::LoadRefused)]);
    update(
        &mut app,
        AppEvent::Refused(Err(JobError::Store("数据库操作失败".into()))),
    );
    assert_eq!(
        app.overlay, None,
        "a failed read closes the list and says why"
    );
    assert_eq!(app.message.as_ref().unwrap().level, Level::Error);
    press(&mut app, KeyCode::F(1));
    terminal.draw(|f| tui::view(f, &app)).unwrap();
    assert!(terminal.backend().to_string().contains("Ctrl-R"));
}

#[test]
fn the_pending_count_follows_the_sync_worker_while_offline() {
    use grad_intake::sync::{Link, SyncStatus};
    let mut app = logged_in();
    app.cfg.portal = true;
    let offline = |pending| SyncStatus {
        link: Link::Offline,
        pending,
        rejected: 0,
        last_success: None,
        last_error: Some("无法连接考试院服务器".into()),
        clock_offset_ms: None,
    };
    update(&mut app, AppEvent::Sync(offline(1)));
    assert_eq!(app.slots.portal.as_deref(), Some("离线 · 待发送 1"));
    update(&mut app, AppEvent::Sync(offline(4)));
    assert_eq!(app.slots.portal.as_deref(), Some("离线 · 待发送 4"));
    let back = SyncStatus {
        link: Link::Online,
        last_error: None,
        ..offline(0)
    };
    update(&mut app, AppEvent::Sync(back));
    assert_eq!(app.slots.portal.as_deref(), Some("在线 · 待发送 0"));
    assert_eq!(app.slots.portal_error, None);
}

fn ctrl_p() -> AppEvent {
    AppEvent::Input(Event::Key(KeyEvent::new(
        KeyCode::Char('p'),
        KeyModifiers::CONTROL,
    )))
}

/// Ctrl-P: the large photo is asked of the worker at the terminal's size, shown when it comes,
/// asked again after a resize, dropped when it is another candidate's; Esc or Ctrl-P closes.
#[test]
fn the_large_photo_view_follows_the_terminal_and_the_candidate() {
    use grad_intake::tui::state::LargePicture;
    use grad_intake::tui::view::large_photo_cells;
    let mut app = scanned(0);
    let exam_no = app
        .file
        .as_ref()
        .unwrap()
        .loaded
        .candidate
        .exam_no
        .to_string();
    update(&mut app, AppEvent::Input(Event::Resize(160, 50)));
    let effects = update(&mut app, ctrl_p());
    let (cols, rows) = large_photo_cells((160, 50));
    assert_eq!((cols, rows), (129, 44));
    assert_eq!(
        effects,
        [Effect::Db(DbJob::Photo {
            exam_no: exam_no.clone(),
            cols,
            rows
        })]
    );
    assert!(app.scan_line.is_empty(), "Ctrl-P types nothing");
    let Some(Overlay::LargePhoto { picture, .. }) = &app.overlay else {
        panic!("{:?}", app.overlay);
    };
    assert_eq!(*picture, LargePicture::Loading);

    // Another candidate's picture (a scan changed the file meanwhile) is not shown.
    let jpeg = grad_intake::demo::photo::demo_photo(0).unwrap();
    let made =
        |cols, rows| tui::photo::to_picture(&jpeg, tui::graphics::Graphics::HALFBLOCKS, cols, rows);
    update(
        &mut app,
        AppEvent::Photo {
            exam_no: "990126209999".into(),
            picture: made(cols, rows),
        },
    );
    assert!(matches!(
        app.overlay,
        Some(Overlay::LargePhoto {
            picture: LargePicture::Loading,
            ..
        })
    ));
    update(
        &mut app,
        AppEvent::Photo {
            exam_no: exam_no.clone(),
            picture: made(cols, rows),
        },
    );
    let Some(Overlay::LargePhoto {
        picture: LargePicture::Shown(shown),
        ..
    }) = &app.overlay
    else {
        panic!("{:?}", app.overlay);
    };
    // Half blocks keep the 3:4 photo upright: 44 rows are 88 pixels high, 66 wide.
    assert_eq!((shown.cells.cols, shown.cells.rows), (66, 44));

    let effects = update(&mut app, AppEvent::Input(Event::Resize(120, 40)));
    let (cols, rows) = large_photo_cells((120, 40));
    assert_eq!(
        effects,
        [Effect::Db(DbJob::Photo {
            exam_no: exam_no.clone(),
            cols,
            rows
        })]
    );
    update(&mut app, ctrl_p());
    assert_eq!(app.overlay, None, "Ctrl-P closes");
    update(&mut app, ctrl_p());
    update(&mut app, key(KeyCode::Esc));
    assert_eq!(app.overlay, None, "Esc closes");
    // No photo on file: said so.
    update(&mut app, ctrl_p());
    update(
        &mut app,
        AppEvent::Photo {
            exam_no,
            picture: None,
        },
    );
    assert!(matches!(
        app.overlay,
        Some(Overlay::LargePhoto {
            picture: LargePicture::Missing,
            ..
        })
    ));
}

#[test]
fn ctrl_p_without_a_candidate_does_nothing() {
    let mut app = logged_in();
    assert_eq!(update(&mut app, ctrl_p()), []);
    assert_eq!(app.overlay, None);
}
