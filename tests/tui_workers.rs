//! The counter screen's workers as the screen meets them: a worker that panics is reported and
//! shown while the terminal stays as it is; a database that fails in search or today's list is
//! shown, not read as an empty list. Its own test binary: the panic hook is process-wide.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration as StdDuration;

use common::*;
use grad_intake::config::Config;
use grad_intake::counter::Counter;
use grad_intake::strings::ui;
use grad_intake::tui::state::{Level, Overlay, SaveOutcome, Screen};
use grad_intake::tui::{self, App, AppEvent, DbJob, Effect, JobError, UiEffect, Worker, worker};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

/// Long enough for a thread to start on a loaded machine; the tests wait for an event, never
/// for this long unless it is missing.
const DEADLINE: StdDuration = StdDuration::from_secs(30);

fn draw(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| tui::view(f, app)).unwrap();
    terminal.backend().to_string()
}

#[test]
fn a_worker_panic_is_reported_and_shown_and_the_terminal_is_left_alone() {
    let restored = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&restored);
    std::panic::set_hook(worker::screen_panic_hook(Box::new(move |_| {
        count.fetch_add(1, Ordering::SeqCst);
    })));

    let (events_tx, events) = mpsc::channel();
    let handle = worker::spawn(Worker::Database, events_tx, |_| {
        panic!("index out of bounds: the len is 0");
    });
    let event = events.recv_timeout(DEADLINE).unwrap();
    handle.join().unwrap();
    let AppEvent::WorkerDied { worker, panic } = &event else {
        panic!("expected WorkerDied, got {event:?}");
    };
    assert_eq!(*worker, Worker::Database);
    assert!(panic.as_deref().is_some_and(|p| p.contains("len is 0")));
    assert_eq!(
        restored.load(Ordering::SeqCst),
        0,
        "a caught worker panic must not restore the terminal under the running screen"
    );

    // The screen: a file open with a save in flight when the worker died.
    let mut app = logged_in();
    tui::update(&mut app, AppEvent::Loaded(Ok(loaded(0, None))), now());
    press(&mut app, KeyCode::Char(' '));
    assert_eq!(app.saves.len(), 1);
    let effects = tui::update(&mut app, event, now());
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(
        app.saves.len(),
        0,
        "the lost save no longer holds the idle lock off"
    );
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.level == Level::Error)
    );
    let screen = draw(&app);
    assert!(
        screen.contains(ui::WORKER_DIED.zh.trim_end_matches('：')),
        "{screen}"
    );
    assert!(screen.contains(ui::WORKER_DATABASE.zh), "{screen}");

    // With nothing pending, the idle lock fires again.
    let later = now() + chrono::Duration::minutes(11);
    let effects = tui::update(&mut app, AppEvent::Tick, later);
    assert!(
        matches!(
            &effects[..],
            [Effect::Db(DbJob::Audit {
                action: "screen_locked",
                ..
            })]
        ),
        "{effects:?}"
    );
    assert!(matches!(app.screen, Screen::Locked(_)));

    // A panic nobody catches (the UI thread's, or any other thread's) still restores it.
    let uncaught = std::thread::spawn(|| panic!("on the UI thread")).join();
    assert!(uncaught.is_err());
    assert_eq!(restored.load(Ordering::SeqCst), 1);
    let _ = std::panic::take_hook();
}

#[test]
fn a_dead_printer_frees_the_print_slot() {
    let mut app = logged_in();
    app.cfg.printer = true;
    tui::update(&mut app, AppEvent::Loaded(Ok(loaded(0, None))), now());
    tui::update(&mut app, AppEvent::Saved(Ok(SaveOutcome::Quiet)), now());
    let effects = press(&mut app, KeyCode::F(11));
    assert!(
        matches!(&effects[..], [Effect::Print { .. }]),
        "{effects:?}"
    );
    assert!(app.printing);
    let died = AppEvent::WorkerDied {
        worker: Worker::Printer,
        panic: None,
    };
    assert_eq!(
        tui::update(&mut app, died, now()),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert!(!app.printing);
    assert_eq!(app.slots.printer.as_deref(), Some(ui::PRINTER_ERROR.zh));
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.contains(ui::WORKER_PRINTER.zh))
    );
}

/// Where jobs for the database worker are sent, with the instant they are asked at.
type Jobs = mpsc::Sender<(DbJob, chrono::DateTime<chrono::Utc>)>;

/// The database worker on a real database whose tables went missing under it.
fn broken_worker() -> (tempfile::TempDir, Jobs, mpsc::Receiver<AppEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    let counter = Counter::open(&Config::default(), &db).unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "ALTER TABLE intakes RENAME TO intakes_gone; ALTER TABLE candidates RENAME TO gone;",
    )
    .unwrap();
    let (jobs_tx, jobs) = mpsc::channel();
    let (events_tx, events) = mpsc::channel();
    worker::spawn(Worker::Database, events_tx, move |events| {
        worker::run(
            counter,
            grad_intake::tui::graphics::Graphics::HALFBLOCKS,
            jobs,
            events,
        )
    });
    (dir, jobs_tx, events)
}

#[test]
fn a_database_error_in_search_or_today_is_shown_not_an_empty_list() {
    let (_dir, jobs, events) = broken_worker();

    let mut app = logged_in();
    let effects = press(&mut app, KeyCode::F(6));
    assert_eq!(effects, [Effect::Db(DbJob::LoadToday)]);
    jobs.send((DbJob::LoadToday, now())).unwrap();
    let answer = events.recv_timeout(DEADLINE).unwrap();
    assert!(
        matches!(&answer, AppEvent::Today(Err(JobError::Store(_)))),
        "{answer:?}"
    );
    assert_eq!(
        tui::update(&mut app, answer, now()),
        [Effect::Ui(UiEffect::Bell)]
    );
    assert_eq!(app.overlay, None);
    let message = app.message.clone().unwrap();
    assert_eq!(message.level, Level::Error);
    assert!(
        message.text.contains(grad_intake::strings::STORE_SQL),
        "{}",
        message.text
    );
    assert!(
        !message.text.contains("intakes"),
        "no SQLite English: {}",
        message.text
    );

    app.overlay = Some(Overlay::Search {
        query: "张".into(),
        results: None,
        cursor: 0,
        running: true,
    });
    jobs.send((
        DbJob::Search {
            query: "张".into()
        },
        now(),
    ))
    .unwrap();
    let answer = events.recv_timeout(DEADLINE).unwrap();
    assert!(
        matches!(
            &answer,
            AppEvent::Found {
                result: Err(JobError::Store(_)),
                ..
            }
        ),
        "{answer:?}"
    );
    tui::update(&mut app, answer, now());
    assert_eq!(app.overlay, None);
    assert!(app.message.is_some_and(|m| m.level == Level::Error));
}

/// The database worker on a real database of the demo roster where accepting is refused by a
/// trigger, as a full disk or a broken file refuses a commit.
fn refusing_worker() -> (tempfile::TempDir, Jobs, mpsc::Receiver<AppEvent>) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    {
        let mut store = grad_intake::store::Store::open(&db).unwrap();
        store.import_roster(&roster()).unwrap();
        store
            .put_schedule_doc("demo", &grad_intake::demo::site_doc(now()))
            .unwrap();
        store
            .connection()
            .execute_batch(
                "CREATE TRIGGER refuse_accept BEFORE UPDATE ON intakes
                 WHEN NEW.state = 'accepted'
                 BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
            )
            .unwrap();
    }
    let config = Config {
        site_code: Some(grad_intake::demo::DEMO_SITE.into()),
        counter_id: Some(grad_intake::demo::DEMO_COUNTER.into()),
        ..Config::default()
    };
    let counter = Counter::open(&config, &db).unwrap();
    let (jobs_tx, jobs) = mpsc::channel();
    let (events_tx, events) = mpsc::channel();
    worker::spawn(Worker::Database, events_tx, move |events| {
        worker::run(
            counter,
            grad_intake::tui::graphics::Graphics::HALFBLOCKS,
            jobs,
            events,
        )
    });
    (dir, jobs_tx, events)
}

/// Carries out `effects` with the worker, feeding every answer back to the screen, until the
/// screen asks nothing more of the database.
fn settle(app: &mut App, jobs: &Jobs, events: &mpsc::Receiver<AppEvent>, effects: Vec<Effect>) {
    let mut waiting: std::collections::VecDeque<Effect> = effects.into();
    while let Some(effect) = waiting.pop_front() {
        let Effect::Db(job) = effect else { continue };
        jobs.send((job, now())).unwrap();
        let answer = events.recv_timeout(DEADLINE).unwrap();
        waiting.extend(tui::update(app, answer, now()));
    }
}

#[test]
fn a_refused_accept_stays_on_screen_and_the_card_shows_the_database() {
    let (dir, jobs, events) = refusing_worker();
    let mut app = logged_in();
    let exam_no = roster()[0].exam_no.to_string();
    let effects = type_line(&mut app, &exam_no);
    settle(&mut app, &jobs, &events, effects);
    let items = app.file.as_ref().unwrap().loaded.assessment.checklist.len();
    for _ in 0..items {
        let effects = press(&mut app, KeyCode::Char(' '));
        settle(&mut app, &jobs, &events, effects);
    }
    assert_eq!(press(&mut app, KeyCode::F(2)), []);
    let effects = press(&mut app, KeyCode::Enter);
    // Before the database answers, the card still shows the stored state.
    assert!(!draw(&app).contains("已受理"), "{}", draw(&app));
    settle(&mut app, &jobs, &events, effects);

    let Some(Overlay::SaveFailed { text }) = &app.overlay else {
        panic!("the failure is shown in its box: {:?}", app.overlay)
    };
    assert!(text.contains(ui::SAVE_FAILED_ACCEPT.zh), "{text}");
    assert!(text.contains(grad_intake::strings::STORE_SQL), "{text}");
    assert!(
        !text.contains("disk is full") && !text.contains("Error code"),
        "{text}"
    );
    assert_ne!(app.message.as_ref().map(|m| m.level), Some(Level::Success));
    let file = app.file.as_ref().unwrap();
    assert_eq!(
        file.stored.state,
        grad_intake::domain::intake::IntakeState::InProgress
    );
    let stored = grad_intake::store::Store::open(&dir.path().join("counter.db"))
        .unwrap()
        .intake(&exam_no)
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.intake.state, file.stored.state,
        "the card shows the database"
    );
    insta::assert_snapshot!(draw(&app));

    // It stays through ticks of the clock and keys other than Enter/Esc, then goes when read.
    tui::update(&mut app, AppEvent::Tick, now());
    press(&mut app, KeyCode::Char(' '));
    assert!(matches!(app.overlay, Some(Overlay::SaveFailed { .. })));
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.overlay, None);
    let screen = draw(&app);
    assert!(
        screen.contains("办理中") && !screen.contains("已受理"),
        "{screen}"
    );
}

/// The photo worker measures a real demo photo that breaks one rule against the demo site's
/// standard (Guangzhou's) and answers with exactly that rule; a site without a standard is
/// said so, not passed.
#[test]
fn the_photo_worker_finds_the_rule_a_flawed_demo_photo_breaks() {
    use grad_intake::demo::photo::{Flaw, flawed_photo};
    use grad_intake::domain::photo::Check;
    use grad_intake::tui::state::{PhotoBytes, PhotoCheck, PhotoJob};
    let (jobs_tx, jobs) = mpsc::channel();
    let (events_tx, events) = mpsc::channel();
    let handle = worker::spawn(Worker::Photo, events_tx, move |events| {
        worker::run_photos(schedule(), jobs, events)
    });
    let jpeg = PhotoBytes(flawed_photo(5, Flaw::BlueBackground).unwrap().into());
    let job = |exam_no: &str, site_code: &str| PhotoJob {
        exam_no: exam_no.into(),
        site_code: site_code.into(),
        jpeg: jpeg.clone(),
    };
    jobs_tx
        .send(job("990126200001", grad_intake::demo::DEMO_SITE))
        .unwrap();
    let answer = events.recv_timeout(DEADLINE).unwrap();
    let AppEvent::PhotoChecked { exam_no, check } = answer else {
        panic!("expected PhotoChecked, got {answer:?}");
    };
    assert_eq!(exam_no, "990126200001");
    assert_eq!(check, PhotoCheck::Failed(vec![Check::BackgroundColour]));

    jobs_tx.send(job("990126200002", "0000")).unwrap();
    let answer = events.recv_timeout(DEADLINE).unwrap();
    assert!(
        matches!(
            &answer,
            AppEvent::PhotoChecked { exam_no, check: PhotoCheck::NoStandard } if exam_no == "990126200002"
        ),
        "{answer:?}"
    );
    drop(jobs_tx);
    handle.join().unwrap();
}
