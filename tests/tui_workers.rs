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
    assert_eq!(app.saving, 1);
    let effects = tui::update(&mut app, event, now());
    assert_eq!(effects, [Effect::Ui(UiEffect::Bell)]);
    assert_eq!(
        app.saving, 0,
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
        worker::run(counter, jobs, events)
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
    assert!(message.text.contains("intakes"), "{}", message.text);

    app.overlay = Some(Overlay::Search {
        query: "张".into(),
        results: None,
        cursor: 0,
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
        matches!(&answer, AppEvent::Found(Err(JobError::Store(_)))),
        "{answer:?}"
    );
    tui::update(&mut app, answer, now());
    assert_eq!(app.overlay, None);
    assert!(app.message.is_some_and(|m| m.level == Level::Error));
}
