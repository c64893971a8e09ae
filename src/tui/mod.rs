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

use chrono::{DateTime, NaiveDate, Utc};
use ratatui::crossterm::event;
use serde::Deserialize;
use std::path::PathBuf;

pub use state::{App, AppEvent, Effect, UiConfig};
pub use update::update;
pub use view::view;

use crate::counter::Counter;
use crate::scanner::{self, ReaderConfig, ReaderHandle, ScannerEvent};
use crate::sync::{Client, Endpoint, SyncSettings, WorkerHandle};

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

/// The edges the counter screen talks to besides the terminal.
pub struct Edges {
    /// A serial barcode reader (a keyboard-wedge reader needs nothing).
    pub scanner: Option<ReaderConfig>,
    /// Portal sync, with the database path the sync worker opens its own connection to; the
    /// error of a portal configuration that cannot be used (the counter works offline then).
    pub sync: Option<Result<(SyncSettings, PathBuf), String>>,
}

/// Where `update`'s effects go: the database worker, the sync worker, the portal.
struct Dispatch {
    jobs: mpsc::Sender<(Effect, DateTime<Utc>)>,
    events: mpsc::Sender<AppEvent>,
    sync: Option<(WorkerHandle, SyncSettings)>,
}

/// Runs the counter screen until the clerk quits. The terminal is restored on every way out,
/// panics included (ratatui's hook).
pub fn run(counter: Counter, cfg: UiConfig, clock: Clock, edges: Edges) -> std::io::Result<()> {
    let reasons = builtin_reasons().map_err(std::io::Error::other)?;
    let mut app = App::new(cfg, counter.schedule.clone(), reasons, clock.now());
    let (events_tx, events) = mpsc::channel();
    let (jobs_tx, jobs) = mpsc::channel();
    let worker_events = events_tx.clone();
    let worker = thread::spawn(move || worker::run(counter, jobs, worker_events));
    spawn_input(events_tx.clone());
    // Held until the screen closes; dropping them stops the reader and sync threads.
    let _reader = edges
        .scanner
        .map(|config| spawn_scanner(config, events_tx.clone()));
    let sync = match edges.sync {
        Some(Ok((settings, db))) => Some((
            spawn_sync(settings.clone(), db, events_tx.clone())?,
            settings,
        )),
        Some(Err(error)) => {
            let _ = events_tx.send(AppEvent::Sync(crate::sync::SyncStatus::offline(error)));
            None
        }
        None => None,
    };
    spawn_tick(events_tx.clone());
    let dispatch = Dispatch {
        jobs: jobs_tx,
        events: events_tx,
        sync,
    };
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut app, &events, &dispatch, clock);
    // Let the worker finish every save already asked for before the program ends.
    drop(dispatch);
    let _ = worker.join();
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut App,
    events: &mpsc::Receiver<AppEvent>,
    dispatch: &Dispatch,
    clock: Clock,
) -> std::io::Result<()> {
    terminal.draw(|f| view(f, app))?;
    while let Ok(event) = events.recv() {
        let now = clock.now();
        for effect in update(app, event, now) {
            dispatch.send(effect, now);
        }
        if app.quit {
            return Ok(());
        }
        terminal.draw(|f| view(f, app))?;
    }
    Ok(())
}

impl Dispatch {
    /// The bell is rung here; the portal is asked from a thread of its own (it may be slow or
    /// away); everything that needs the database goes to the worker, in order.
    fn send(&self, effect: Effect, now: DateTime<Utc>) {
        match effect {
            Effect::Bell => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|()| out.flush());
            }
            Effect::Quit => {}
            Effect::SyncNow => {
                if let Some((worker, _)) = &self.sync {
                    worker.sync_now();
                }
            }
            Effect::FetchOffice { date } => {
                if let Some((_, settings)) = &self.sync {
                    spawn_office_fetch(settings.endpoint.clone(), date, self.events.clone());
                }
            }
            // The worker only stops when this sender is dropped, so a send cannot fail while
            // we run.
            other => {
                let _ = self.jobs.send((other, now));
            }
        }
    }
}

fn spawn_sync(
    settings: SyncSettings,
    db: PathBuf,
    events: mpsc::Sender<AppEvent>,
) -> std::io::Result<WorkerHandle> {
    crate::sync::spawn_worker(settings, db, move |status| {
        let _ = events.send(AppEvent::Sync(status));
    })
    .map_err(std::io::Error::other)
}

/// The office's numbers and conflicts from the portal, for the supervisor screen.
fn spawn_office_fetch(endpoint: Endpoint, date: NaiveDate, events: mpsc::Sender<AppEvent>) {
    thread::spawn(move || {
        let office = Client::new(&endpoint).and_then(|client| {
            Ok(state::Office {
                tally: client.tally(Some(date))?,
                conflicts: client.conflicts()?,
            })
        });
        let _ = events.send(AppEvent::Office(
            office.map(Box::new).map_err(|e| e.to_string()),
        ));
    });
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
