//! The counter screen. Shape of gitui and bottom: std threads (terminal input, a one-second
//! tick, the database worker) and one channel into the UI thread, which runs the pure `update`
//! and draws.

pub mod keymap;
pub mod photo;
pub mod state;
mod supervisor_view;
pub mod update;
pub mod view;
mod worker;

use std::io::Write;
use std::sync::mpsc;
use std::thread;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use ratatui::crossterm::event;
use serde::Deserialize;

pub use state::{App, AppEvent, Effect, UiConfig};
pub use update::update;
pub use view::view;

use crate::counter::Counter;
use crate::scanner::{self, ReaderConfig, ReaderHandle, ScannerEvent};

/// The instant the counter works at: the system clock, or a fixed one for tests and rehearsals.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now(self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => t,
        }
    }
}

#[derive(Deserialize)]
struct ReasonsFile {
    reason: Vec<state::ReturnReason>,
}

/// The return reasons offered to the clerk (`data/return_reasons.toml`).
pub fn builtin_reasons() -> Result<Vec<state::ReturnReason>, toml::de::Error> {
    toml::from_str::<ReasonsFile>(include_str!("../../data/return_reasons.toml")).map(|f| f.reason)
}

/// Runs the counter screen until the clerk quits, with a serial barcode reader if one is
/// configured (a keyboard-wedge reader needs nothing). The terminal is restored on every way
/// out, panics included (ratatui's hook).
pub fn run(
    counter: Counter,
    cfg: UiConfig,
    clock: Clock,
    scanner: Option<ReaderConfig>,
) -> std::io::Result<()> {
    let reasons = builtin_reasons().map_err(std::io::Error::other)?;
    let mut app = App::new(cfg, counter.schedule.clone(), reasons, clock.now());
    let (events_tx, events) = mpsc::channel();
    let (jobs_tx, jobs) = mpsc::channel();
    let worker_events = events_tx.clone();
    let worker = thread::spawn(move || worker::run(counter, jobs, worker_events));
    spawn_input(events_tx.clone());
    // Held until the screen closes; dropping it stops the reader thread.
    let _reader = scanner.map(|config| spawn_scanner(config, events_tx.clone()));
    spawn_tick(events_tx);
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut app, &events, &jobs_tx, clock);
    // Let the worker finish every save already asked for before the program ends.
    drop(jobs_tx);
    let _ = worker.join();
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    events: &mpsc::Receiver<AppEvent>,
    jobs: &mpsc::Sender<(Effect, DateTime<Utc>)>,
    clock: Clock,
) -> std::io::Result<()> {
    terminal.draw(|f| view(f, app))?;
    while let Ok(event) = events.recv() {
        let now = clock.now();
        for effect in update(app, event, now) {
            dispatch(effect, jobs, now);
        }
        if app.quit {
            return Ok(());
        }
        terminal.draw(|f| view(f, app))?;
    }
    Ok(())
}

/// The bell is rung here; everything that needs the database goes to the worker, in order.
fn dispatch(effect: Effect, jobs: &mpsc::Sender<(Effect, DateTime<Utc>)>, now: DateTime<Utc>) {
    match effect {
        Effect::Bell => {
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07").and_then(|()| out.flush());
        }
        Effect::Quit => {}
        // The worker only stops when this sender is dropped, so a send cannot fail while we run.
        other => {
            let _ = jobs.send((other, now));
        }
    }
}

fn spawn_scanner(config: ReaderConfig, events: mpsc::Sender<AppEvent>) -> ReaderHandle {
    scanner::spawn(config, move |event| {
        let event = match event {
            ScannerEvent::Scan(payload) => AppEvent::Scan(payload),
            ScannerEvent::Status(status) => AppEvent::Scanner(format!(
                "{} {}",
                status.label(),
                status.port().unwrap_or("")
            )),
            ScannerEvent::FrameError(message) => AppEvent::ScanRejected(message),
            // The reader's double read: already delivered once.
            ScannerEvent::Duplicate(_) => return,
        };
        let _ = events.send(event);
    })
}

fn spawn_input(events: mpsc::Sender<AppEvent>) {
    thread::spawn(move || {
        while let Ok(event) = event::read() {
            if events.send(AppEvent::Input(event)).is_err() {
                return;
            }
        }
    });
}

fn spawn_tick(events: mpsc::Sender<AppEvent>) {
    thread::spawn(move || {
        while events.send(AppEvent::Tick).is_ok() {
            thread::sleep(StdDuration::from_secs(1));
        }
    });
}
