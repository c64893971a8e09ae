//! Snapshots of the counter screens (ratatui TestBackend, fixed clock, demo data). Review a
//! changed snapshot with `cargo insta review` (or read the `.snap.new` file) before accepting it.

mod common;

use common::*;
use grad_intake::tui::state::{Overlay, SaveOutcome, SearchRow};
use grad_intake::tui::{self, App, AppEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| tui::view(f, app)).unwrap();
    terminal.backend().to_string()
}

fn with_candidate(index: usize) -> App {
    let mut app = logged_in();
    tui::update(&mut app, AppEvent::Loaded(Ok(loaded(index, None))), now());
    tui::update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)), now());
    app
}

#[test]
fn login() {
    let mut app = app();
    type_line(&mut app, "c01");
    press(&mut app, KeyCode::Char('1'));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

/// The first run's login box says what was set up and where, and what to type, before the
/// counter opens (the report on the terminal is hidden by the screen until it closes).
#[test]
fn login_after_the_first_run() {
    let mut app = app();
    app.cfg.welcome = Some(grad_intake::tui::state::Welcome {
        db: "/home/clerk/.local/share/grad-intake/grad-intake.db".into(),
        config: "/home/clerk/.config/grad-intake/config.toml".into(),
        exam_nos: vec!["990126200001".into(), "990126200002".into()],
    });
    let screen = draw(&app, 100, 30);
    for wanted in ["grad-intake.db", "config.toml", "990126200002", "c01/1111"] {
        assert!(screen.contains(wanted), "{wanted} in\n{screen}");
    }
    insta::assert_snapshot!(screen);
}

#[test]
fn empty_counter() {
    insta::assert_snapshot!(draw(&logged_in(), 120, 40));
}

#[test]
fn candidate_with_checklist() {
    // Case 4 (index 3): 本科 with a non-mainland ID, one item ticked.
    let mut app = with_candidate(3);
    press(&mut app, KeyCode::Char(' '));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn blocked_candidate() {
    // Case 14 (index 13): graduation prediction not passed.
    insta::assert_snapshot!(draw(&with_candidate(13), 120, 40));
}

#[test]
fn decision_dialog() {
    let mut app = with_candidate(0);
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::F(2));
    assert_eq!(app.overlay, Some(Overlay::ConfirmAccept));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn return_dialog() {
    let mut app = with_candidate(0);
    press(&mut app, KeyCode::F(3));
    press(&mut app, KeyCode::Char(' '));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn return_dialog_with_a_note_containing_spaces() {
    let mut app = with_candidate(0);
    press(&mut app, KeyCode::F(3));
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Tab);
    for c in "第 2 页 缺 公章".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn blocked_candidate_returned_with_its_blocker() {
    // Case 14 (index 13): graduation prediction not passed; the blocker is picked already.
    let mut app = with_candidate(13);
    press(&mut app, KeyCode::F(3));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn a_long_message_wraps_at_100_by_30() {
    // Case 4 (index 3): accepting with every item missing names them all.
    let mut app = with_candidate(3);
    press(&mut app, KeyCode::F(2));
    let text = &app.message.as_ref().unwrap().text;
    assert!(text.chars().count() > 60, "{text}");
    insta::assert_snapshot!(draw(&app, 100, 30));
}

#[test]
fn help_overlay() {
    let mut app = logged_in();
    press(&mut app, KeyCode::F(1));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

/// The search box with the first `n` demo candidates found for "演示".
fn searched(n: usize) -> App {
    let mut app = logged_in();
    press(&mut app, KeyCode::F(5));
    type_line(&mut app, "演示");
    let rows = roster()
        .into_iter()
        .take(n)
        .map(|c| SearchRow {
            exam_no: c.exam_no.to_string(),
            id_masked: c.id_masked(),
            major: c.major_name.clone(),
            name: c.name,
        })
        .collect();
    let found = AppEvent::Found {
        query: "演示".into(),
        result: Ok(rows),
    };
    tui::update(&mut app, found, now());
    app
}

#[test]
fn search() {
    insta::assert_snapshot!(draw(&searched(3), 120, 40));
}

#[test]
fn search_scrolled_past_the_first_page() {
    let mut app = searched(20);
    for _ in 0..14 {
        press(&mut app, KeyCode::Down);
    }
    insta::assert_snapshot!(draw(&app, 120, 40));
}

/// Case 18 (index 17), another site's candidate, approved by s01 at `now()` for 15 minutes.
fn approved_candidate() -> App {
    use grad_intake::store::Role;
    let mut app = logged_in();
    tui::update(&mut app, AppEvent::Loaded(Ok(loaded(17, None))), now());
    press(&mut app, KeyCode::F(2));
    type_line(&mut app, "s01");
    type_line(&mut app, "9999");
    let supervisor = AppEvent::Approved(Ok(clerk("s01", Role::Supervisor)));
    tui::update(&mut app, supervisor, now());
    tui::update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)), now());
    app
}

#[test]
fn approval_shows_until_when_it_holds() {
    let screen = draw(&approved_candidate(), 120, 40);
    assert!(
        screen.contains("主管已授权，有效至 10:15（s01）"),
        "{screen}"
    );
}

#[test]
fn expired_approval() {
    // At the limit the clerk ticks: the box asks for a supervisor again and the screen says why.
    let mut app = approved_candidate();
    let limit = now() + chrono::Duration::minutes(15);
    tui::update(&mut app, key(KeyCode::Char(' ')), limit);
    assert!(matches!(app.overlay, Some(Overlay::Approve(_))));
    insta::assert_snapshot!(draw(&app, 120, 40));
}

#[test]
fn smallest_supported_terminal() {
    insta::assert_snapshot!(draw(&with_candidate(3), 100, 30));
}

#[test]
fn too_small_terminal() {
    insta::assert_snapshot!(draw(&logged_in(), 80, 24));
}

#[test]
fn no_full_id_number_on_any_screen() {
    for index in 0..20 {
        let app = with_candidate(index);
        let screen = draw(&app, 120, 40);
        let id = app.file.as_ref().unwrap().loaded.candidate.id_no.clone();
        assert!(
            !screen.contains(&id),
            "full ID of candidate {index} on screen"
        );
    }
}

#[test]
fn supervisor_screen() {
    use grad_intake::domain::intake::IntakeState;
    use grad_intake::domain::tally::{self, RosterCount, TallyRow};
    use grad_intake::store::Role;
    use grad_intake::tui::state::{Day, Office, Screen};
    let mut app = logged_in();
    app.clerk = Some(clerk("s01", Role::Supervisor));
    let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
    // A made-up morning at the demo office: two counters, three clerks.
    let row = |state, counter: &str, clerk: &str, minutes: i64, reasons: &[&str]| TallyRow {
        state,
        counter_id: counter.into(),
        clerk_id: Some(clerk.into()),
        at: now() - chrono::Duration::hours(2) + chrono::Duration::minutes(minutes),
        return_reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
    };
    let rows = vec![
        row(IntakeState::Accepted, "demo-01", "c01", 5, &[]),
        row(IntakeState::Accepted, "demo-01", "c01", 20, &[]),
        row(
            IntakeState::Returned,
            "demo-01",
            "c01",
            35,
            &["“考生思想品德表现”栏未填写或未加盖公章"],
        ),
        row(IntakeState::Accepted, "demo-02", "c02", 50, &[]),
        row(IntakeState::Accepted, "demo-02", "c02", 70, &[]),
        row(
            IntakeState::Returned,
            "demo-02",
            "c02",
            90,
            &["登记表份数不足", "“考生思想品德表现”栏未填写或未加盖公章"],
        ),
        row(IntakeState::Voided, "demo-01", "s01", 100, &[]),
        TallyRow {
            clerk_id: None,
            ..row(IntakeState::InProgress, "demo-02", "", 115, &[])
        },
    ];
    let tally = tally::tally(
        date,
        &rows,
        RosterCount {
            roster: 200,
            seen: 8,
        },
    );
    // The portal's view of the whole office: two counters, one candidate accepted at both.
    use grad_intake::sync::protocol::{self as wire, Conflict, ConflictEntry, Conflicts};
    app.cfg.portal = true;
    let entry = |counter: &str, clerk: &str| ConflictEntry {
        counter_id: counter.into(),
        site_code: "9901".into(),
        intake_id: None,
        clerk_id: clerk.into(),
        at: now(),
    };
    let office = Office {
        tally: wire::Tally {
            site_code: "9901".into(),
            date: Some(date),
            totals: wire::Outcomes {
                opened: 19,
                accepted: 11,
                returned: 5,
                voided: 1,
            },
            roster: 200,
            not_seen: 183,
            ..wire::Tally::default()
        },
        conflicts: Conflicts {
            site_code: "9901".into(),
            conflicts: vec![Conflict {
                exam_no: "990126200007".into(),
                name: "演示林静".into(),
                counters: vec![entry("demo-01", "c01"), entry("demo-02", "c02")],
            }],
        },
        counters: wire::SiteCounters {
            site_code: "9901".into(),
            counters: vec![wire::CounterHealth {
                counter_id: "demo-03".into(),
                clock_offset_ms: Some(300_000),
                clock_measured_at: Some(now()),
                bad_clock: true,
                flagged_events: 2,
                clone_refused_at: None,
            }],
        },
    };
    app.screen = Screen::Supervisor(Day {
        date,
        tally: Some(Ok(tally)),
        office: Some(Ok(Box::new(office))),
    });
    insta::assert_snapshot!(draw(&app, 120, 40));
}

/// The card's photo line when the photo fails the site's standard: ✗ and the failed rules,
/// wrapped inside the card rather than cut; the picture stays below it.
#[test]
fn candidate_with_a_failed_photo_line() {
    use grad_intake::demo::photo::{Flaw, flawed_photo};
    use grad_intake::domain::photo::Check;
    use grad_intake::tui::state::PhotoCheck;
    let mut app = logged_in();
    let jpeg = flawed_photo(0, Flaw::BlueBackground).unwrap();
    tui::update(
        &mut app,
        AppEvent::Loaded(Ok(loaded_with_jpeg(0, jpeg))),
        now(),
    );
    let exam_no = app
        .file
        .as_ref()
        .unwrap()
        .loaded
        .candidate
        .exam_no
        .to_string();
    assert!(draw(&app, 120, 40).contains("照片检测中…"));
    let failed = vec![
        Check::BackgroundColour,
        Check::HairTopPx,
        Check::FaceWidthPx,
        Check::CentreOffsetPx,
        Check::DensityDpi,
    ];
    tui::update(
        &mut app,
        AppEvent::PhotoChecked {
            exam_no,
            check: PhotoCheck::Failed(failed),
        },
        now(),
    );
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("✗ 照片不合标准：背景颜色"), "{screen}");
    // The last rule is on the wrapped row, not cut off at the card's edge.
    assert!(screen.contains("分辨率"), "{screen}");
    insta::assert_snapshot!(screen);
}

/// The events the portal refused (Ctrl-R): local time, exam number, candidate with a masked ID
/// (or that the roster does not have them), the event and the portal's reason. The bar counts
/// them.
#[test]
fn refused_events_list() {
    use grad_intake::tui::state::RefusedRow;
    let mut app = logged_in();
    app.cfg.portal = true;
    let status = grad_intake::sync::SyncStatus {
        link: grad_intake::sync::Link::Online,
        pending: 0,
        rejected: 2,
        last_success: Some(now()),
        last_error: None,
        clock_offset_ms: None,
    };
    tui::update(&mut app, AppEvent::Sync(status), now());
    let candidate = &roster()[0];
    let rows = vec![
        RefusedRow {
            at: now() - chrono::Duration::minutes(30),
            kind: "accepted".into(),
            exam_no: candidate.exam_no.to_string(),
            name: Some(candidate.name.clone()),
            id_masked: Some(candidate.id_masked()),
            reason: "该考生不属于本办理点".into(),
        },
        RefusedRow {
            at: now() - chrono::Duration::hours(2),
            kind: "item_ticked".into(),
            exam_no: "990126209999".into(),
            name: None,
            id_masked: None,
            reason: "考试院拒收（未说明原因）".into(),
        },
    ];
    let key = ratatui::crossterm::event::KeyEvent::new(
        KeyCode::Char('r'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    let input = AppEvent::Input(ratatui::crossterm::event::Event::Key(key));
    tui::update(&mut app, input, now());
    tui::update(&mut app, AppEvent::Refused(Ok(rows)), now());
    let screen = draw(&app, 100, 30);
    assert!(!screen.contains(&candidate.id_no), "the ID is masked");
    insta::assert_snapshot!(screen);
}

/// Voiding asks first, with the candidate (name, masked ID) and the reason on screen.
#[test]
fn void_confirmation() {
    use grad_intake::tui::state::{Day, Screen, VoidPreview};
    let mut app = logged_in();
    app.clerk = Some(clerk("s01", grad_intake::store::Role::Supervisor));
    let candidate = &roster()[0];
    app.screen = Screen::Supervisor(Day {
        date: grad_intake::domain::office_time::local_date(now()),
        tally: None,
        office: None,
    });
    let preview = VoidPreview {
        exam_no: candidate.exam_no.to_string(),
        name: candidate.name.clone(),
        id_masked: candidate.id_masked(),
        reason: "重复受理，已在 demo-02 办理".into(),
    };
    tui::update(&mut app, AppEvent::VoidLooked(Ok(preview)), now());
    insta::assert_snapshot!(draw(&app, 100, 30));
}

/// The large photo view (Ctrl-P) in half blocks: the photo as large as the terminal allows,
/// upright at 3:4, beside the name and the masked ID.
#[test]
fn large_photo_view_in_half_blocks() {
    use grad_intake::tui::graphics::Graphics;
    use grad_intake::tui::view::large_photo_cells;
    let mut app = logged_in();
    tui::update(&mut app, AppEvent::Loaded(Ok(loaded(0, None))), now());
    let exam_no = app
        .file
        .as_ref()
        .unwrap()
        .loaded
        .candidate
        .exam_no
        .to_string();
    let ctrl_p = ratatui::crossterm::event::KeyEvent::new(
        KeyCode::Char('p'),
        ratatui::crossterm::event::KeyModifiers::CONTROL,
    );
    let input = AppEvent::Input(ratatui::crossterm::event::Event::Key(ctrl_p));
    tui::update(&mut app, input, now());
    assert!(draw(&app, 100, 30).contains("照片加载中…"));
    let (cols, rows) = large_photo_cells((100, 30));
    let jpeg = grad_intake::demo::photo::demo_photo(0).unwrap();
    let picture = tui::photo::to_picture(&jpeg, Graphics::HALFBLOCKS, cols, rows);
    tui::update(&mut app, AppEvent::Photo { exam_no, picture }, now());
    let screen = draw(&app, 100, 30);
    let candidate = &roster()[0];
    assert!(screen.contains(&candidate.id_masked()), "{screen}");
    assert!(!screen.contains(&candidate.id_no), "the ID is masked");
    insta::assert_snapshot!(screen);
}
