//! Runs sync rounds: once (`grad-intake sync --once`) or in a background thread for the counter
//! screen. Each step reads what it needs from the database and lets go of it before the network
//! call, then writes the answer in one short transaction: the clerk's screen never waits for
//! the portal.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::SyncError;
use super::client::{Client, Endpoint, PhotoFetch, RawRosterPage};
use super::planner::{Backoff, HealthProbe, Outcome, Planner, Reach, Stage, Step, Verdict};
use super::protocol::{Event, EventBatch, EventStatus, MAX_BATCH_EVENTS};
use crate::config::Config;
use crate::domain::candidate::{Candidate, CanonicalRecord};
use crate::store::{EventFate, OutgoingEvent, RecoveredEvent, RosterRow, Store, sha256_hex};
use crate::strings;

/// How sync runs; `from_config` gives the defaults, tests shorten the waits.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncSettings {
    pub endpoint: Endpoint,
    /// Events per `POST /v1/events`.
    pub batch_size: usize,
    /// Candidates per roster page.
    pub roster_page: usize,
    pub backoff: Backoff,
    /// `--once`: retryable failures in a row before the round gives up.
    pub max_failures: u32,
    /// Background worker: the pause between rounds.
    pub interval: Duration,
    /// Background worker: how often the portal's reachability is probed (`GET /v1/health`).
    pub probe_every: Duration,
    /// `--now`: this counter's clock, fixed (tests); `None` reads the system's.
    pub fixed_now: Option<DateTime<Utc>>,
}

impl SyncSettings {
    pub const DEFAULT_BATCH: usize = 500;
    pub const DEFAULT_ROSTER_PAGE: usize = 2_000;

    /// Settings from `config.toml`; the address is checked here, before anything connects.
    pub fn from_config(config: &Config) -> Result<Self, SyncError> {
        let need = |value: &Option<String>, key: &'static str| {
            value
                .clone()
                .filter(|v| !v.trim().is_empty())
                .ok_or(SyncError::NotConfigured(key))
        };
        let endpoint = Endpoint {
            url: need(&config.portal_url, "portal_url")?,
            token: need(&config.portal_token, "portal_token")?,
            site_code: need(&config.site_code, "site_code")?,
            counter_id: need(&config.counter_id, "counter_id")?,
            timeout: Duration::from_secs(30),
            ca_file: config.portal_ca_file.clone(),
        };
        super::client::check_portal_url(&endpoint.url)?;
        Ok(Self {
            endpoint,
            batch_size: Self::DEFAULT_BATCH,
            roster_page: Self::DEFAULT_ROSTER_PAGE,
            backoff: Backoff::default(),
            max_failures: 5,
            interval: Duration::from_secs(60),
            probe_every: HealthProbe::EVERY,
            fixed_now: None,
        })
    }
}

/// Where a round is, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    /// Events answered by the portal this round (stored, duplicate or rejected).
    pub pushed: usize,
    /// Events pending when the round started.
    pub to_push: usize,
    pub roster_received: usize,
    pub photos_received: usize,
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub stored: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub roster_received: usize,
    pub photos_received: usize,
    /// Events still pending at the end (new ones the clerks made during the round).
    pub pending: usize,
    /// This counter's clock minus the portal's, in milliseconds, as last measured in the round.
    pub clock_offset_ms: Option<i64>,
    /// Events the portal held that this database had lost (restored from a backup), taken back.
    pub recovered: usize,
    /// Events made since such a restore, numbered again after the recovered ones.
    pub renumbered: usize,
}

/// The portal slot of the status bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Online,
    Offline,
    Syncing,
}

/// What the worker reports to the screen after every step and state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    pub link: Link,
    /// Events of this counter not yet accepted by the portal.
    pub pending: usize,
    /// Events the portal refused for good (see `Store::rejected_events`).
    pub rejected: usize,
    pub last_success: Option<DateTime<Utc>>,
    /// Chinese, says what to do; cleared by the next complete round.
    pub last_error: Option<String>,
    /// This counter's clock minus the portal's, in milliseconds, as last measured.
    pub clock_offset_ms: Option<i64>,
}

impl SyncStatus {
    /// Before any round: offline, with why (a portal configuration that cannot be used).
    pub fn offline(error: String) -> Self {
        SyncStatus {
            link: Link::Offline,
            pending: 0,
            rejected: 0,
            last_success: None,
            last_error: Some(error),
            clock_offset_ms: None,
        }
    }

    /// 在线 / 离线 / 同步中.
    pub fn label(&self) -> &'static str {
        match self.link {
            Link::Online => strings::SYNC_ONLINE,
            Link::Offline => strings::SYNC_OFFLINE,
            Link::Syncing => strings::SYNC_SYNCING,
        }
    }
}

enum Wake {
    Elapsed,
    Now,
    Stop,
}

/// How a round waits and reports: sleeping on the command line, listening for "sync now" and
/// "stop" in the background.
trait Pace {
    /// Waits up to `duration`; may return early (`Elapsed`) so the round looks again.
    fn wait(&mut self, duration: Duration) -> Wake;
    /// The pending count while the round waits (the clerks keep adding events offline).
    fn waiting(&mut self, pending: usize);
    fn progress(&mut self, progress: &Progress);
    fn failed(&mut self, error: &SyncError, pending: usize);
}

/// The steps of a round against one database and one portal.
struct Engine<'a> {
    settings: &'a SyncSettings,
    client: &'a Client,
    store: &'a mut Store,
    report: RoundReport,
    to_push: usize,
}

impl Engine<'_> {
    fn pending(&self) -> Result<usize, SyncError> {
        Ok(self
            .store
            .unsent_count(&self.settings.endpoint.counter_id)?)
    }

    fn progress(&self, stage: Stage) -> Progress {
        let r = &self.report;
        Progress {
            stage,
            pushed: r.stored + r.duplicates + r.rejected,
            to_push: self.to_push,
            roster_received: r.roster_received,
            photos_received: r.photos_received,
        }
    }

    fn run(&mut self, step: Step, pace: &mut dyn Pace) -> Result<Outcome, SyncError> {
        match step {
            Step::Push { limit } => self.push(limit).map(|()| Outcome::Pushed),
            Step::PullRoster => self
                .pull_roster(pace)
                .map(|done| Outcome::RosterPage { done }),
            Step::PullPhotos => self.pull_photos().map(|()| Outcome::PhotosDone),
            Step::Wait(_) | Step::Done | Step::GiveUp => Ok(Outcome::Pushed),
        }
    }

    /// Reads a batch (no transaction held), sends it, then records every answer at once.
    fn push(&mut self, limit: usize) -> Result<(), SyncError> {
        let outgoing = self
            .store
            .unsent_events(&self.settings.endpoint.counter_id, limit)?;
        if outgoing.is_empty() {
            return Ok(());
        }
        let events = outgoing
            .into_iter()
            .map(to_wire)
            .collect::<Result<Vec<_>, _>>()?;
        let log = self.store.log_identity()?;
        let batch = EventBatch {
            clock_offset_ms: self.client.clock_offset().map(|d| d.num_milliseconds()),
            log_id: Some(log.current),
            replaces_log: log.replaces,
            ..EventBatch::new(events)
        };
        let result = self.client.push_events(&batch)?;
        let mut fates = Vec::with_capacity(result.results.len());
        for r in result.results {
            let fate = match r.status {
                EventStatus::Stored => {
                    self.report.stored += 1;
                    EventFate::Sent
                }
                EventStatus::Duplicate => {
                    self.report.duplicates += 1;
                    EventFate::Sent
                }
                EventStatus::Rejected => {
                    self.report.rejected += 1;
                    EventFate::Rejected(
                        r.reason
                            .unwrap_or_else(|| strings::SYNC_REJECTED_NO_REASON.to_owned()),
                    )
                }
            };
            fates.push((r.event_id, fate));
        }
        self.store.record_event_fates(&fates)?;
        Ok(())
    }

    /// Asks the portal for this counter's events after the last one the database knows as sent.
    /// Normally there are none; after a restore from a backup they are the ones the database
    /// lost: taken back, with the events made since moved after them, and the database takes a
    /// new log identity replacing the portal's (a second live copy is then refused). A portal
    /// without the route (older) is left alone.
    fn recover(&mut self) -> Result<(), SyncError> {
        let counter = self.settings.endpoint.counter_id.clone();
        let log = self.store.log_identity()?;
        let mut after = self.store.highest_sent_seq(&counter)?;
        let mut held = Vec::new();
        let portal_log = loop {
            let page = match self
                .client
                .counter_events(after, MAX_BATCH_EVENTS, &log.current)
            {
                Err(SyncError::NotFound(_)) => return Ok(()),
                other => other?,
            };
            held.extend(page.events.into_iter().map(from_wire));
            if page.done || page.next_after <= after {
                break page.log_id;
            }
            after = page.next_after;
        };
        self.note_clock()?;
        if held.is_empty() {
            return Ok(());
        }
        let done = self
            .store
            .recover_events(&counter, &held, self.client.now())?;
        if done.recovered > 0 {
            self.store.new_log_identity(portal_log.as_deref())?;
            tracing::warn!(
                recovered = done.recovered,
                renumbered = done.renumbered,
                "events lost by this database taken back from the portal"
            );
        }
        self.report.recovered += done.recovered;
        self.report.renumbered += done.renumbered;
        Ok(())
    }

    /// Keeps the latest measured clock offset: the events made from now on carry it.
    fn note_clock(&self) -> Result<(), SyncError> {
        if let Some(offset) = self.client.clock_offset() {
            self.store
                .record_clock_offset(offset.num_milliseconds(), self.client.now())?;
        }
        Ok(())
    }

    /// The oldest pending event, refused as a whole batch of one: marked so the rest go on.
    fn reject_oldest(&mut self, error: &SyncError) -> Result<(), SyncError> {
        let oldest = self
            .store
            .unsent_events(&self.settings.endpoint.counter_id, 1)?;
        let fates: Vec<_> = oldest
            .into_iter()
            .map(|e| (e.event_id, EventFate::Rejected(error.to_string())))
            .collect();
        self.report.rejected += fates.len();
        self.store.record_event_fates(&fates)?;
        Ok(())
    }

    /// Pages from the saved cursor until the portal says `done`. One thread fetches pages, a
    /// second checks their records (on every core) while this one stores them; each store is
    /// one transaction holding records and the cursor after them: it never waits on the
    /// network, and a pull interrupted anywhere resumes after the last records stored.
    fn pull_roster(&mut self, pace: &mut dyn Pace) -> Result<bool, SyncError> {
        let position = self
            .store
            .roster_position(&self.settings.endpoint.site_code)?;
        let start = position.as_ref().map_or(0, |p| p.1);
        let (client, limit) = (self.client, self.settings.roster_page.max(1));
        // Checked pages may wait for the writer up to about one transaction's worth.
        let ahead = ROSTER_WRITE.div_ceil(limit).max(2);
        std::thread::scope(|scope| {
            let (fetched_tx, fetched) = mpsc::sync_channel(2);
            let (checked_tx, checked) = mpsc::sync_channel(ahead);
            scope.spawn(move || fetch_pages(client, start, limit, &fetched_tx));
            scope.spawn(move || check_pages(&fetched, &checked_tx));
            self.store_pages(checked, position, pace)
        })
    }

    /// Stores what `check_pages` sends, `ROSTER_WRITE` records or more at a time.
    fn store_pages(
        &mut self,
        pages: Receiver<Result<RosterBatch, SyncError>>,
        position: Option<(String, i64)>,
        pace: &mut dyn Pace,
    ) -> Result<bool, SyncError> {
        let site = self.settings.endpoint.site_code.clone();
        let mut buffer = Vec::new();
        let mut at: Option<(String, i64)> = None;
        for page in pages {
            let page = match page {
                Ok(page) => page,
                Err(e) => {
                    self.flush_roster(&site, &mut buffer, at.as_ref(), pace)?;
                    return Err(e);
                }
            };
            if position
                .as_ref()
                .is_some_and(|(id, c)| *id != page.portal_id && *c != 0)
            {
                // Another portal database: its change numbers mean nothing here. Start over.
                self.store
                    .apply_roster_page(&site, &page.portal_id, &[], 0)?;
                return Ok(false);
            }
            buffer.extend(page.records);
            at = Some((page.portal_id, page.next_cursor));
            if buffer.len() >= ROSTER_WRITE || page.done {
                self.flush_roster(&site, &mut buffer, at.as_ref(), pace)?;
            }
            if page.done {
                self.store.mark_roster_current(&site, Utc::now())?;
                return Ok(true);
            }
        }
        self.flush_roster(&site, &mut buffer, at.as_ref(), pace)?;
        Ok(false)
    }

    fn flush_roster(
        &mut self,
        site: &str,
        buffer: &mut Vec<RosterRow<'static>>,
        at: Option<&(String, i64)>,
        pace: &mut dyn Pace,
    ) -> Result<(), SyncError> {
        let Some((portal_id, cursor)) = at else {
            return Ok(());
        };
        self.report.roster_received += self
            .store
            .apply_roster_page(site, portal_id, buffer, *cursor)?;
        buffer.clear();
        pace.progress(&self.progress(Stage::Roster));
        Ok(())
    }

    /// Photos the pulled roster names and the counter lacks. One the portal does not have (yet)
    /// is asked for again next round.
    fn pull_photos(&mut self) -> Result<(), SyncError> {
        let site = self.settings.endpoint.site_code.clone();
        let mut after = String::new();
        loop {
            let wanted = self.store.photos_wanted(&site, &after, 100)?;
            let Some(last) = wanted.last().map(|w| w.0.clone()) else {
                return Ok(());
            };
            for (exam_no, want, have) in wanted {
                self.fetch_photo(&exam_no, &want, have.as_deref())?;
            }
            after = last;
        }
    }

    fn fetch_photo(
        &mut self,
        exam_no: &str,
        want: &str,
        have: Option<&str>,
    ) -> Result<(), SyncError> {
        match self.client.photo(exam_no, have) {
            Ok(PhotoFetch::Fetched { jpeg, .. }) if sha256_hex(&jpeg) == want => {
                self.store.store_wanted_photo(exam_no, &jpeg)?;
                self.report.photos_received += 1;
            }
            // Not there yet, or not the photo the roster names: asked for again next round.
            Ok(_) => {}
            // One candidate's photo the portal will not give does not stop the others.
            Err(e) if !e.is_retryable() => tracing::warn!(exam_no, error = %e, "photo refused"),
            Err(e) => return Err(e),
        }
        Ok(())
    }
}

/// Records written per transaction while pulling the roster: a first pull of 200,000 candidates
/// is ten transactions, and the clerks' own writes never wait long behind one.
const ROSTER_WRITE: usize = 20_000;

/// A checked roster page: each record parsed, validated and made into its table row.
struct RosterBatch {
    portal_id: String,
    records: Vec<RosterRow<'static>>,
    next_cursor: i64,
    done: bool,
}

/// Fetches pages from `cursor` on until the portal says `done`, the receiver hangs up, or a
/// request fails (the failure is sent, then nothing more). A page that does not move the cursor
/// forward yet says there is more would loop forever, so it is a failure.
fn fetch_pages(
    client: &Client,
    mut cursor: i64,
    limit: usize,
    out: &SyncSender<Result<RawRosterPage, SyncError>>,
) {
    loop {
        let page = client.roster_page_raw(cursor, limit).and_then(|page| {
            if !page.done && page.next_cursor <= cursor {
                return Err(SyncError::BadResponse(format!(
                    "next_cursor {} <= {cursor}",
                    page.next_cursor
                )));
            }
            Ok(page)
        });
        let last = page.as_ref().map_or(true, |p| p.done);
        if let Ok(p) = &page {
            cursor = p.next_cursor;
        }
        if out.send(page).is_err() || last {
            return;
        }
    }
}

/// Checks what `fetch_pages` sends, page by page, in order; stops after the first failure.
fn check_pages(
    pages: &Receiver<Result<RawRosterPage, SyncError>>,
    out: &SyncSender<Result<RosterBatch, SyncError>>,
) {
    for page in pages {
        let batch = page.and_then(check_page);
        let failed = batch.is_err();
        if out.send(batch).is_err() || failed {
            return;
        }
    }
}

/// Parses and validates every record of a page (on every core).
fn check_page(page: RawRosterPage) -> Result<RosterBatch, SyncError> {
    let records: Vec<&str> = page.records().collect();
    let records = crate::parallel::map(&records, |raw| {
        // What the portal sends is canonical: read in place (and copied once, into the row).
        if let Some(record) = CanonicalRecord::parse(raw) {
            return Ok(RosterRow::from_canonical(&record).into_owned());
        }
        let c: Candidate =
            serde_json::from_str(raw).map_err(|e| SyncError::BadRecord(e.to_string()))?;
        c.validate().map_err(|e| {
            SyncError::BadRecord(format!("{} {}：{}", c.exam_no, e.field, e.message))
        })?;
        Ok(RosterRow::as_received(&c, Cow::Owned((*raw).to_owned())))
    })
    .into_iter()
    .collect::<Result<_, SyncError>>()?;
    Ok(RosterBatch {
        portal_id: page.portal_id,
        records,
        next_cursor: page.next_cursor,
        done: page.done,
    })
}

/// A log entry as it goes on the wire; the body is passed through untouched.
fn to_wire(e: OutgoingEvent) -> Result<Event, SyncError> {
    let corrupt = |what: String| SyncError::Store(crate::store::StoreError::Corrupt(what));
    Ok(Event {
        at: DateTime::parse_from_rfc3339(&e.at)
            .map_err(|err| corrupt(format!("{}: {err}", e.at)))?
            .with_timezone(&Utc),
        body: serde_json::value::RawValue::from_string(e.body)
            .map_err(|err| corrupt(err.to_string()))?,
        event_id: e.event_id,
        counter_id: e.counter_id,
        seq: e.seq,
        kind: e.kind,
        intake_id: e.intake_id,
        exam_no: e.exam_no,
        clerk_id: e.clerk_id,
        clock_offset_ms: e.clock_offset_ms,
    })
}

/// One of this counter's events as the portal sent it back.
fn from_wire(e: Event) -> RecoveredEvent {
    RecoveredEvent {
        seq: e.seq,
        event_id: e.event_id,
        kind: e.kind,
        intake_id: e.intake_id,
        at: e.at,
        clerk_id: e.clerk_id,
        body: e.body.get().to_owned(),
        clock_offset_ms: e.clock_offset_ms,
    }
}

/// Recovery before anything is pushed: retried like any step (a push before it would have
/// new events refused for numbers the portal already holds). `Ok(false)`: stopped from outside.
fn recover_first(engine: &mut Engine, pace: &mut dyn Pace) -> Result<bool, SyncError> {
    let mut failures = 0u32;
    loop {
        let e = match engine.recover() {
            Ok(()) => return Ok(true),
            Err(e) => e,
        };
        failures += 1;
        if !e.is_retryable() || failures >= engine.settings.max_failures.max(1) {
            return Err(e);
        }
        tracing::warn!(error = %e, "recovery check failed");
        pace.failed(&e, engine.pending()?);
        let wait = engine
            .settings
            .backoff
            .delay(failures - 1, rand::random(), None);
        if let Wake::Stop = pace.wait(wait) {
            return Ok(false);
        }
    }
}

/// Drives one round to its end. `Ok(None)`: stopped from outside.
fn drive(
    engine: &mut Engine,
    planner: &mut Planner,
    pace: &mut dyn Pace,
) -> Result<Option<RoundReport>, SyncError> {
    let mut last_error: Option<SyncError> = None;
    if !recover_first(engine, pace)? {
        return Ok(None);
    }
    engine.to_push = engine.pending()?;
    loop {
        let pending = engine.pending()?;
        let step = planner.next(Utc::now(), pending);
        match step {
            Step::Done => {
                engine.report.pending = pending;
                engine.note_clock()?;
                return Ok(Some(engine.report));
            }
            Step::GiveUp => return Err(last_error.unwrap_or(SyncError::Timeout)),
            Step::Wait(d) => {
                pace.waiting(pending);
                match pace.wait(d) {
                    Wake::Stop => return Ok(None),
                    Wake::Now => planner.hurry(),
                    Wake::Elapsed => {}
                }
            }
            _ => {
                let outcome = match engine.run(step, pace) {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        tracing::warn!(error = %e, "sync step failed");
                        pace.failed(&e, pending);
                        let failure = e.failure();
                        last_error = Some(e);
                        Outcome::Failed(failure)
                    }
                };
                let failed = matches!(outcome, Outcome::Failed(_));
                let verdict = planner.record(outcome, Utc::now(), rand::random());
                if verdict == Verdict::RejectSingle
                    && let Some(e) = &last_error
                {
                    engine.reject_oldest(e)?;
                }
                // After a failure the bar keeps saying 离线 while the round waits to retry
                // (progress would turn it back to 同步中); an event marked refused is progress.
                if !failed || verdict == Verdict::RejectSingle {
                    pace.progress(&engine.progress(planner.stage()));
                }
            }
        }
    }
}

/// Sleeps; reports progress to a callback.
struct Foreground<'a> {
    progress: &'a mut dyn FnMut(&Progress),
}

impl Pace for Foreground<'_> {
    fn wait(&mut self, duration: Duration) -> Wake {
        std::thread::sleep(duration);
        Wake::Elapsed
    }

    fn waiting(&mut self, _pending: usize) {}

    fn progress(&mut self, progress: &Progress) {
        (self.progress)(progress);
    }

    fn failed(&mut self, _error: &SyncError, _pending: usize) {}
}

/// One complete round from the command line: push everything, pull the roster and photos.
/// Retryable failures are retried with backoff up to `settings.max_failures` in a row.
pub fn run_round(
    settings: &SyncSettings,
    db: &Path,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RoundReport, SyncError> {
    let client = Client::new(&settings.endpoint)?.with_fixed_now(settings.fixed_now);
    let mut store = open_store(db)?;
    let mut planner = Planner::new(
        settings.batch_size,
        settings.backoff,
        Some(settings.max_failures),
    );
    let mut engine = Engine {
        settings,
        client: &client,
        store: &mut store,
        report: RoundReport::default(),
        to_push: 0,
    };
    let mut pace = Foreground { progress };
    let mut report = drive(&mut engine, &mut planner, &mut pace)?.unwrap_or_default();
    report.clock_offset_ms = client.clock_offset().map(|d| d.num_milliseconds());
    Ok(report)
}

/// The sync connection. A larger page cache, because a roster write touches index pages all
/// over. `synchronous=NORMAL` (commits are not flushed one by one; checkpoints still are):
/// what this connection writes can be lost only together with what came after it, and all of
/// it is fetched or sent again (the cursor is stored with the records; a "sent" mark lost only
/// means a duplicate the portal recognises). The clerks' own writes keep `FULL`.
fn open_store(db: &Path) -> Result<Store, SyncError> {
    let store = Store::open(db)?;
    let conn = store.connection();
    conn.pragma_update(None, "cache_size", -32_768)
        .map_err(crate::store::StoreError::from)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(crate::store::StoreError::from)?;
    Ok(store)
}

enum Command {
    SyncNow,
    Stop,
}

/// The background worker. Dropping the handle tells it to stop; [`WorkerHandle::stop`] also
/// waits for it.
pub struct WorkerHandle {
    commands: Sender<Command>,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts a round now, or cuts short the backoff wait of the current one.
    pub fn sync_now(&self) {
        // A worker that has ended has nothing to hurry.
        let _ = self.commands.send(Command::SyncNow);
    }

    /// Stops the worker and waits for it (at most until its request in flight times out).
    pub fn stop(mut self) {
        let _ = self.commands.send(Command::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for WorkerHandle {
    /// Tells the worker to stop without waiting: a screen that is closing must not hang on a
    /// request in flight. Everything the worker writes is a short transaction of its own, so
    /// being cut off at process exit loses nothing that the next round does not redo.
    fn drop(&mut self) {
        let _ = self.commands.send(Command::Stop);
    }
}

/// Starts the background worker: a round at once, then one every `settings.interval` (or on
/// [`WorkerHandle::sync_now`]). Every change of state goes to `send` (e.g. into the screen's
/// event channel). The address is checked before the thread starts.
pub fn spawn_worker(
    settings: SyncSettings,
    db_path: PathBuf,
    send: impl Fn(SyncStatus) + Send + 'static,
) -> Result<WorkerHandle, SyncError> {
    let client = Client::new(&settings.endpoint)?.with_fixed_now(settings.fixed_now);
    let (commands, inbox) = mpsc::channel();
    let status = SyncStatus {
        link: Link::Syncing,
        pending: 0,
        rejected: 0,
        last_success: None,
        last_error: None,
        clock_offset_ms: None,
    };
    let reporter = Reporter {
        inbox,
        send: Box::new(send),
        status,
        counter_id: settings.endpoint.counter_id.clone(),
        health: Client::new(&settings.endpoint)?,
        probe: HealthProbe::new(settings.probe_every),
        lost: false,
    };
    let thread = std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || background(&settings, &client, &db_path, reporter))
        .map_err(|e| SyncError::Connect(e.to_string()))?;
    Ok(WorkerHandle {
        commands,
        thread: Some(thread),
    })
}

/// The worker thread: rounds until told to stop.
fn background(settings: &SyncSettings, client: &Client, db_path: &Path, mut reporter: Reporter) {
    let mut store = loop {
        match open_store(db_path) {
            Ok(store) => break store,
            Err(e) => {
                reporter.offline(&e, 0);
                if let Wake::Stop = reporter.idle(None, settings.interval) {
                    return;
                }
            }
        }
    };
    let mut planner = Planner::new(settings.batch_size, settings.backoff, None);
    loop {
        reporter.status.link = Link::Syncing;
        reporter.refresh(&store, true);
        let mut engine = Engine {
            settings,
            client,
            store: &mut store,
            report: RoundReport::default(),
            to_push: 0,
        };
        match drive(&mut engine, &mut planner, &mut reporter) {
            Ok(None) => return,
            Ok(Some(_)) => reporter.succeeded(),
            Err(e) => reporter.status_failed(&e),
        }
        // Measured at every answer, failed rounds' included (a 401 still carries the time).
        reporter.status.clock_offset_ms = client.clock_offset().map(|d| d.num_milliseconds());
        reporter.refresh(&store, true);
        if let Wake::Stop = reporter.idle(Some(&store), settings.interval) {
            return;
        }
        planner.restart();
    }
}

/// While idle or backing off, how often the pending count is looked at (the clerks keep adding
/// events).
const IDLE_POLL: Duration = Duration::from_secs(2);

/// The worker's side of the screen: listens for commands, probes the portal, sends status.
struct Reporter {
    inbox: Receiver<Command>,
    send: Box<dyn Fn(SyncStatus) + Send>,
    status: SyncStatus,
    counter_id: String,
    /// For `GET /v1/health` only (its own timeout; no token sent).
    health: Client,
    probe: HealthProbe,
    /// The portal is known not to answer (a probe or a request could not reach it); only then
    /// does a probe's answer start a round at once (a portal that answers 401 is not hammered).
    lost: bool,
}

impl Reporter {
    fn succeeded(&mut self) {
        self.status.link = Link::Online;
        self.status.last_success = Some(Utc::now());
        self.status.last_error = None;
        self.lost = false;
    }

    fn status_failed(&mut self, e: &SyncError) {
        self.status.link = Link::Offline;
        self.status.last_error = Some(e.to_string());
        self.lost = matches!(e, SyncError::Connect(_) | SyncError::Timeout);
    }

    /// How long to listen for commands before looking again: at most `left`, `IDLE_POLL`, and
    /// the time to the next health probe.
    fn slice(&self, left: Duration) -> Duration {
        left.min(IDLE_POLL).min(self.probe.wait(Utc::now()))
    }

    /// Probes the portal if a probe is due. `true`: it answers again after being lost, so a
    /// round should start now.
    fn probe_if_due(&mut self) -> bool {
        if !self.probe.wait(Utc::now()).is_zero() {
            return false;
        }
        let reachable = self.health.health(HealthProbe::TIMEOUT);
        match self.probe.record(reachable, !self.lost, Utc::now()) {
            Reach::Same => false,
            Reach::Lost => {
                let error = SyncError::Connect(strings::SYNC_NO_ANSWER.to_owned());
                self.status_failed(&error);
                (self.send)(self.status.clone());
                false
            }
            Reach::Back => {
                self.lost = false;
                self.status.link = Link::Online;
                self.status.last_error = None;
                (self.send)(self.status.clone());
                true
            }
        }
    }

    fn offline(&mut self, e: &SyncError, pending: usize) {
        self.status_failed(e);
        self.status.pending = pending;
        (self.send)(self.status.clone());
    }

    /// Re-reads the counts; reports when they changed, or always when `force`.
    fn refresh(&mut self, store: &Store, force: bool) {
        let before = self.status.clone();
        if let Ok(n) = store.unsent_count(&self.counter_id) {
            self.status.pending = n;
        }
        if let Ok(n) = store.rejected_count() {
            self.status.rejected = n;
        }
        if force || self.status != before {
            (self.send)(self.status.clone());
        }
    }

    /// Waits for the next round, keeping the pending count on screen current.
    fn idle(&mut self, store: Option<&Store>, interval: Duration) -> Wake {
        let deadline = std::time::Instant::now() + interval;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Wake::Elapsed;
            }
            match self.inbox.recv_timeout(self.slice(left)) {
                Ok(Command::SyncNow) => return Wake::Now,
                Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => return Wake::Stop,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(store) = store {
                        self.refresh(store, false);
                    }
                    if self.probe_if_due() {
                        return Wake::Now;
                    }
                }
            }
        }
    }
}

impl Pace for Reporter {
    /// Listens for a slice of the wait; a portal that answers again cuts the backoff short.
    fn wait(&mut self, duration: Duration) -> Wake {
        match self.inbox.recv_timeout(self.slice(duration)) {
            Ok(Command::SyncNow) => Wake::Now,
            Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => Wake::Stop,
            Err(RecvTimeoutError::Timeout) if self.probe_if_due() => Wake::Now,
            Err(RecvTimeoutError::Timeout) => Wake::Elapsed,
        }
    }

    fn waiting(&mut self, pending: usize) {
        if self.status.pending != pending {
            self.status.pending = pending;
            (self.send)(self.status.clone());
        }
    }

    fn progress(&mut self, progress: &Progress) {
        let pending = progress.to_push.saturating_sub(progress.pushed);
        if self.status.link != Link::Syncing || self.status.pending != pending {
            self.status.link = Link::Syncing;
            self.status.pending = pending;
            (self.send)(self.status.clone());
        }
    }

    fn failed(&mut self, error: &SyncError, pending: usize) {
        self.offline(error, pending);
    }
}
