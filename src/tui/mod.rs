//! The counter screen. Shape of gitui and bottom: std threads (terminal input, a one-second
//! tick, the database worker, the print worker, portal queries) and one channel into the UI
//! thread, which runs the pure `update` and draws. `app` wires it to the configuration.

mod app;
pub mod form;
pub mod graphics;
pub mod keymap;
pub mod photo;
pub mod state;
mod supervisor_view;
pub mod update;
pub mod view;
pub mod worker;

use std::io::Write;
use std::sync::mpsc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, NaiveDate, Utc};
use ratatui::crossterm::event;
use serde::Deserialize;
use std::path::PathBuf;

pub use app::{DEFAULT_IDLE_LOCK_MINUTES, ScreenError, ScreenOptions, reader_config, run_counter};
pub use state::{
    App, AppEvent, DbJob, Effect, JobError, PortalJob, PrintRequest, UiConfig, UiEffect, Worker,
};
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
    /// The printer, with the print worker's own connection to the counter's database.
    pub printer: Option<PrintEdge>,
    /// `photo_protocol` of the configuration.
    pub photo_protocol: graphics::PhotoProtocol,
}

/// What the terminal on stdin/stdout can show (half blocks if it does not answer in time).
fn ask_terminal() -> graphics::Graphics {
    graphics::detect(
        &std::io::stdin(),
        &mut std::io::stdout(),
        graphics::ANSWER_TIMEOUT,
        &graphics::EnvHints::from_env(),
    )
}

/// What the print worker needs: where to print, the fonts, and a counter of its own.
pub struct PrintEdge {
    pub uri: String,
    pub fonts: crate::print::fonts::Fonts,
    pub counter: Counter,
}

/// Where `update`'s effects go, by who carries them out.
struct Dispatch {
    jobs: mpsc::Sender<(DbJob, DateTime<Utc>)>,
    events: mpsc::Sender<AppEvent>,
    sync: Option<(WorkerHandle, SyncSettings)>,
    prints: Option<mpsc::Sender<(PrintRequest, String, DateTime<Utc>)>>,
    photos: mpsc::Sender<state::PhotoJob>,
}

/// Runs the counter screen until the clerk quits. The terminal is restored on every way out,
/// a panic of the UI thread included (ratatui's hook); a worker's panic is reported on the
/// screen instead.
pub fn run(counter: Counter, cfg: UiConfig, clock: Clock, edges: Edges) -> std::io::Result<()> {
    let reasons = builtin_reasons().map_err(std::io::Error::other)?;
    let mut app = App::new(cfg, counter.schedule.clone(), reasons, clock.now());
    let mut terminal = ratatui::init();
    // Asked in raw mode and before the input thread reads keys: the terminal's answers would
    // otherwise arrive as key presses.
    let graphics = graphics::choose(edges.photo_protocol, ask_terminal());
    tracing::info!(?graphics, "photos");
    let (events_tx, events) = mpsc::channel();
    let size = terminal.size()?;
    let _ = events_tx.send(AppEvent::Input(event::Event::Resize(
        size.width,
        size.height,
    )));
    let (jobs_tx, jobs) = mpsc::channel();
    let (photos_tx, photos) = mpsc::channel();
    let schedule = counter.schedule.clone();
    worker::spawn(Worker::Photo, events_tx.clone(), move |events| {
        worker::run_photos(schedule, photos, events)
    });
    let db_worker = worker::spawn(Worker::Database, events_tx.clone(), move |events| {
        worker::run(counter, graphics, jobs, events)
    });
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
    let prints = edges
        .printer
        .map(|edge| spawn_printer(edge, events_tx.clone()));
    let dispatch = Dispatch {
        jobs: jobs_tx,
        events: events_tx,
        sync,
        prints,
        photos: photos_tx,
    };
    // ratatui's hook restores the terminal on a panic; a panic a worker catches (reported as
    // `WorkerDied`) must leave the running screen alone.
    std::panic::set_hook(worker::screen_panic_hook(std::panic::take_hook()));
    let result = event_loop(&mut terminal, &mut app, &events, &dispatch, clock);
    // Let the worker finish every save already asked for before the program ends.
    drop(dispatch);
    let _ = db_worker.join();
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
    /// away); database jobs go to the database worker, in order; prints to the print worker. A
    /// worker that cannot be sent to has died: the screen is told.
    fn send(&self, effect: Effect, now: DateTime<Utc>) {
        let dead = match effect {
            Effect::Ui(UiEffect::Bell) => {
                let mut out = std::io::stdout();
                let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                None
            }
            Effect::Ui(UiEffect::Quit) => None,
            Effect::Portal(PortalJob::SyncNow) => {
                if let Some((worker, _)) = &self.sync {
                    worker.sync_now();
                }
                None
            }
            Effect::Portal(PortalJob::FetchOffice { date }) => {
                if let Some((_, settings)) = &self.sync {
                    spawn_office_fetch(settings.endpoint.clone(), date, self.events.clone());
                }
                None
            }
            Effect::Print { request, clerk_id } => self
                .prints
                .as_ref()
                .and_then(|prints| prints.send((request, clerk_id, now)).err())
                .map(|_| Worker::Printer),
            Effect::Db(job) => self.jobs.send((job, now)).err().map(|_| Worker::Database),
            Effect::Photo(job) => self.photos.send(job).err().map(|_| Worker::Photo),
        };
        if let Some(worker) = dead {
            tracing::error!(?worker, "worker gone");
            let _ = self.events.send(AppEvent::WorkerDied {
                worker,
                panic: None,
            });
        }
    }
}

/// The print worker: one job at a time, each followed to its end, reported as `Printed`.
fn spawn_printer(
    edge: PrintEdge,
    events: mpsc::Sender<AppEvent>,
) -> mpsc::Sender<(PrintRequest, String, DateTime<Utc>)> {
    let (tx, rx) = mpsc::channel::<(PrintRequest, String, DateTime<Utc>)>();
    worker::spawn(Worker::Printer, events, move |events| {
        let PrintEdge {
            uri,
            fonts,
            mut counter,
        } = edge;
        let dest = crate::print::Destination::Printer(uri);
        for (request, clerk_id, now) in rx {
            let result = print_one(&mut counter, &fonts, &dest, &request, &clerk_id, now);
            tracing::info!(ok = result.is_ok(), ?request, "print");
            if events.send(AppEvent::Printed(result)).is_err() {
                return;
            }
        }
    });
    tx
}

fn print_one(
    counter: &mut Counter,
    fonts: &crate::print::fonts::Fonts,
    dest: &crate::print::Destination,
    request: &PrintRequest,
    clerk_id: &str,
    now: DateTime<Utc>,
) -> Result<String, JobError> {
    use crate::print::{self, layout::FormDef};
    let done = match request {
        PrintRequest::Form { exam_no } => {
            let form = FormDef::builtin("registration-form").map_err(print::PrintError::from)?;
            let jobs = print::registration_forms(counter, std::slice::from_ref(exam_no), now)?;
            print::print_forms(counter, &form, &jobs, fonts, dest, clerk_id, now)
        }
        PrintRequest::Receipt { intake_id } => {
            print::print_receipt(counter, intake_id, fonts, dest, clerk_id, now)
        }
    };
    Ok(done?.to_string())
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
    worker::spawn(Worker::Portal, events, move |events| {
        let office = Client::new(&endpoint).and_then(|client| {
            Ok(state::Office {
                tally: client.tally(Some(date))?,
                conflicts: client.conflicts()?,
                // An older portal has no such route: no counters' problems to show.
                counters: match client.site_counters() {
                    Err(crate::sync::SyncError::NotFound(_)) => Default::default(),
                    other => other?,
                },
            })
        });
        let _ = events.send(AppEvent::Office(
            office.map(Box::new).map_err(JobError::from),
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
    worker::spawn(Worker::Input, events, move |events| {
        while let Ok(event) = event::read() {
            if events.send(AppEvent::Input(event)).is_err() {
                return;
            }
        }
    });
}

fn spawn_tick(events: mpsc::Sender<AppEvent>) {
    worker::spawn(Worker::Tick, events, move |events| {
        while events.send(AppEvent::Tick).is_ok() {
            std::thread::sleep(StdDuration::from_secs(1));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker whose end of the channel is gone (it died) is noticed on the next job sent to it.
    #[test]
    fn a_failed_send_reports_the_dead_worker() {
        let (jobs, dead_jobs) = mpsc::channel();
        let (prints, dead_prints) = mpsc::channel();
        drop((dead_jobs, dead_prints));
        let (events, reports) = mpsc::channel();
        let (photos, dead_photos) = mpsc::channel();
        drop(dead_photos);
        let dispatch = Dispatch {
            jobs,
            events,
            sync: None,
            prints: Some(prints),
            photos,
        };
        let now = Utc::now();
        dispatch.send(Effect::Db(DbJob::LoadToday), now);
        let print = Effect::Print {
            request: PrintRequest::Receipt {
                intake_id: "i-1".into(),
            },
            clerk_id: "c01".into(),
        };
        dispatch.send(print, now);
        let photo = Effect::Photo(state::PhotoJob {
            exam_no: "990126200001".into(),
            site_code: "9901".into(),
            jpeg: state::PhotoBytes(Vec::new().into()),
        });
        dispatch.send(photo, now);
        dispatch.send(Effect::Ui(UiEffect::Quit), now);
        let died: Vec<Worker> = reports
            .try_iter()
            .map(|event| match event {
                AppEvent::WorkerDied {
                    worker,
                    panic: None,
                } => worker,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(died, [Worker::Database, Worker::Printer, Worker::Photo]);
    }
}
