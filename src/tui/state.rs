//! The counter screen's state, events and effects. Plain data: `update` changes it, `view`
//! draws it, workers fill it through events.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use ratatui::crossterm::event::Event;
use serde::Deserialize;

use crate::domain::assess::Assessment;
use crate::domain::candidate::Candidate;
use crate::domain::intake::{Intake, IntakeEvent, Tick};
use crate::domain::schedule::Schedule;
use crate::domain::supervision::{OVERRIDABLE, Override};
use crate::domain::tally::Tally;
use crate::store::Clerk;
use crate::strings::ui::Lang;

/// What the screen needs to know about its counter; fixed for a session.
#[derive(Debug, Clone)]
pub struct UiConfig {
    pub site_code: String,
    pub site_name: String,
    pub counter_id: String,
    pub lang: Lang,
    /// Ring the terminal bell on a bad scan.
    pub bell: bool,
    /// Lock the screen after this long without a key.
    pub idle_lock: Duration,
    /// How long a supervisor's approval of a candidate lasts (`override_minutes`).
    pub override_ttl: Duration,
    /// A portal is configured: sync runs and the supervisor sees office-wide numbers.
    pub portal: bool,
    /// A printer is configured: the form and the receipt can be printed from the counter.
    pub printer: bool,
    /// On the first run, what was just set up, shown in the login box.
    pub welcome: Option<Welcome>,
}

/// What the first run set up (a demo office), for the login box: the clerk sees it before the
/// counter opens instead of only on the terminal after quitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Welcome {
    pub db: String,
    pub config: String,
    /// Demo exam numbers to type at the scan line.
    pub exam_nos: Vec<String>,
}

/// A return reason offered in the pick list (`data/return_reasons.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ReturnReason {
    pub id: String,
    pub text: String,
    pub source: String,
}

/// A photo reduced to terminal cells: each cell shows two pixels (upper and lower half).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoCells {
    pub cols: u16,
    pub rows: u16,
    /// `cols × rows` pairs of (upper, lower) RGB pixels, row by row.
    pub cells: Vec<([u8; 3], [u8; 3])>,
}

/// A photo ready to draw: its half-block cells, and the terminal's own picture of it where the
/// terminal can show one (Sixel, Kitty, iTerm2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    pub cells: PhotoCells,
    pub graphic: Option<Graphic>,
}

/// An encoded picture (ratatui-image's protocol, an escape sequence). Shared, not copied: a
/// large Sixel is hundreds of kilobytes. Equal only to itself.
#[derive(Clone)]
pub struct Graphic(pub std::sync::Arc<ratatui_image::protocol::Protocol>);

impl Graphic {
    /// Its size in cells (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        let size = self.0.size();
        (size.width, size.height)
    }

    pub fn widget(&self) -> ratatui_image::Image<'_> {
        ratatui_image::Image::new(&self.0)
    }
}

impl std::fmt::Debug for Graphic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (cols, rows) = self.size();
        write!(f, "Graphic({cols}×{rows})")
    }
}

impl PartialEq for Graphic {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Graphic {}

/// The large photo view (Ctrl-P): the picture for the terminal's size, once the worker made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LargePicture {
    Loading,
    Shown(Picture),
    /// No photo on file, or one that cannot be read.
    Missing,
}

/// What the worker found for a scan.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub assessment: Assessment,
    pub candidate: Candidate,
    /// The stored file, or a new one (state `new`) with a fresh id.
    pub intake: Intake,
    pub photo: Option<Picture>,
    /// The photo file itself, measured against the site's standard in the photo worker.
    pub jpeg: Option<PhotoBytes>,
}

/// A photo file's bytes, shared between the file on screen and the photo worker's job.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoBytes(pub std::sync::Arc<[u8]>);

impl std::fmt::Debug for PhotoBytes {
    // The bytes themselves would fill a test's failure message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PhotoBytes({} bytes)", self.0.len())
    }
}

/// The photo measured against the site's standard, for the card's photo line. The portal's
/// `photo_status` stays the authority for the photo_not_approved blocker: this is only shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoCheck {
    /// Sent to the photo worker; its answer has not arrived.
    Measuring,
    Passed,
    /// The rules that failed, in the standard's order.
    Failed(Vec<crate::domain::photo::Check>),
    /// No rule failed, but these could not be measured.
    NotMeasured(Vec<crate::domain::photo::Check>),
    /// No standard applies to the candidate's site.
    NoStandard,
    /// No measurement: the standards data or the photo worker failed (why).
    Unavailable(String),
}

/// The candidate's file being worked on.
#[derive(Debug, Clone)]
pub struct OpenFile {
    /// `loaded.intake` is the working copy: each key's move is made on it and sent to be saved.
    pub loaded: Loaded,
    /// The file as the database last confirmed it (the card shows its state: never one that
    /// was not stored).
    pub stored: Intake,
    pub cursor: usize,
    /// A supervisor's approval of this candidate despite wrong_site / outside_window; kept after
    /// it runs out so that the screen can say so.
    pub approval: Option<Override>,
    /// The photo line; `None` when there is no photo to measure.
    pub photo_check: Option<PhotoCheck>,
}

impl OpenFile {
    pub fn intake(&self) -> &Intake {
        &self.loaded.intake
    }

    /// The checklist item under the cursor, with its tick so far.
    pub fn item_under_cursor(&self) -> Option<(crate::domain::rules::ChecklistItem, Tick)> {
        let item = self.loaded.assessment.checklist.get(self.cursor)?.clone();
        let tick = self
            .intake()
            .ticks
            .get(&item.id)
            .cloned()
            .unwrap_or_default();
        Some((item, tick))
    }

    /// The candidate's blockers a supervisor may lift, approved or not.
    pub fn overridable(&self) -> Vec<String> {
        self.loaded
            .assessment
            .blockers
            .iter()
            .filter(|b| OVERRIDABLE.contains(&b.id.as_str()))
            .map(|b| b.id.clone())
            .collect()
    }

    /// Whether a valid approval lifts `blocker` at `now`.
    fn lifted(&self, blocker: &str, now: DateTime<Utc>) -> bool {
        let exam_no = self.loaded.candidate.exam_no.as_str();
        self.approval
            .as_ref()
            .is_some_and(|a| a.covers(exam_no, blocker, now))
    }

    /// Overridable blockers no valid approval lifts at `now`.
    pub fn needs_approval(&self, now: DateTime<Utc>) -> Vec<String> {
        self.overridable()
            .into_iter()
            .filter(|b| !self.lifted(b, now))
            .collect()
    }

    /// Blockers that still stand at `now`, after any approval that has not run out.
    pub fn standing_blockers(&self, now: DateTime<Utc>) -> Vec<crate::domain::rules::Blocker> {
        self.loaded
            .assessment
            .blockers
            .iter()
            .filter(|b| !self.lifted(&b.id, now))
            .filter(|b| b.id != "already_accepted")
            .cloned()
            .collect()
    }
}

pub use super::form::{Credentials, Field, Form, LoginForm, VoidFields, VoidForm};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Login(LoginForm),
    Locked(LoginForm),
    Counter,
    /// The supervisor's view of a day (supervisors only).
    Supervisor(Day),
}

/// The day a supervisor looks at, and its numbers once the worker has counted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub tally: Option<Result<Tally, JobError>>,
    /// The portal's numbers for the whole office, when a portal is configured.
    pub office: Option<Result<Box<Office>, JobError>>,
}

/// What the portal knows of the whole office: every counter's numbers, and candidates accepted
/// at two counters while they were offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Office {
    pub tally: crate::sync::protocol::Tally,
    pub conflicts: crate::sync::protocol::Conflicts,
    /// The site's counters with their clocks and problems (empty from an older portal).
    pub counters: crate::sync::protocol::SiteCounters,
}

/// One candidate in the search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRow {
    pub exam_no: String,
    pub name: String,
    pub id_masked: String,
    pub major: String,
}

/// An event the portal refused for good, with its candidate, for the list (Ctrl-R).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRow {
    pub at: DateTime<Utc>,
    pub kind: String,
    pub exam_no: String,
    /// `None`: the candidate is not on this counter's roster.
    pub name: Option<String>,
    pub id_masked: Option<String>,
    pub reason: String,
}

/// What a void would change, shown before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidPreview {
    pub exam_no: String,
    pub name: String,
    pub id_masked: String,
    pub reason: String,
}

/// One file of this counter today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TodayRow {
    pub exam_no: String,
    pub name: String,
    pub state: crate::domain::intake::IntakeState,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    ConfirmAccept,
    Return(ReturnForm),
    /// A save the database refused: stays until the clerk acknowledges it (Enter or Esc).
    SaveFailed {
        text: String,
    },
    Note {
        text: String,
    },
    Approve(LoginForm),
    Search {
        query: String,
        /// The answer to the last query sent; `None` before one is sent or after the query was
        /// edited.
        results: Option<Vec<SearchRow>>,
        cursor: usize,
        /// A query is with the worker ("查询中…" shows only then).
        running: bool,
    },
    Today {
        rows: Option<Vec<TodayRow>>,
        cursor: usize,
    },
    /// A supervisor voids a file: the exam number, then the reason.
    Void(VoidForm),
    /// The file to void, looked up: stored only after the supervisor confirms it here.
    ConfirmVoid(VoidPreview),
    /// The events the portal refused for good (Ctrl-R), newest first.
    Refused {
        rows: Option<Vec<RefusedRow>>,
        cursor: usize,
    },
    /// A supervisor unlocks a clerk locked out by wrong PINs.
    Unlock {
        id: String,
    },
    /// The candidate's photo as large as the terminal allows, beside the name and masked ID.
    LargePhoto {
        exam_no: String,
        picture: LargePicture,
    },
}

/// The return dialog: reasons to pick (the file's standing blockers first, picked already, then
/// `data/return_reasons.toml`), a free note, and which of the two has the keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnForm {
    pub options: Vec<String>,
    pub picked: Vec<bool>,
    pub cursor: usize,
    pub note: String,
    pub focus: ReturnFocus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnFocus {
    /// ↑↓ move, Space picks.
    Reasons,
    /// Every printable key, space included, is typed into the note.
    Note,
}

impl ReturnForm {
    /// The reasons on screen now, picked ones first in their order, then the note.
    pub fn chosen(&self) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .options
            .iter()
            .zip(&self.picked)
            .filter(|(_, p)| **p)
            .map(|(r, _)| r.clone())
            .collect();
        if !self.note.trim().is_empty() {
            reasons.push(self.note.trim().to_owned());
        }
        reasons
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Success,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// The slots other parts of the counter fill (scanner, portal, printer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Slots {
    pub scanner: Option<String>,
    pub portal: Option<String>,
    /// The sync worker's last error, shown apart from the portal slot so that a long message
    /// never pushes the printer slot off the bar.
    pub portal_error: Option<String>,
    pub printer: Option<String>,
    /// Events the portal refused for good (`拒收 N（Ctrl-R 查看）` when not 0).
    pub refused: usize,
}

pub struct App {
    pub cfg: UiConfig,
    pub schedule: Schedule,
    pub reasons: Vec<ReturnReason>,
    pub screen: Screen,
    pub clerk: Option<Clerk>,
    pub last_input: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub scan_line: String,
    pub file: Option<OpenFile>,
    pub overlay: Option<Overlay>,
    pub message: Option<Message>,
    /// Saves sent to the worker and not yet confirmed, oldest first (the worker answers in
    /// order). The idle lock waits for them.
    pub saves: std::collections::VecDeque<PendingSave>,
    /// A print job is with the print worker (one at a time: a second would queue unseen).
    pub printing: bool,
    pub slots: Slots,
    /// The terminal's size in cells (columns, rows), as the last resize said.
    pub screen_size: (u16, u16),
    pub quit: bool,
}

/// The size assumed until the terminal says (the smallest the screen is laid out for).
pub const DEFAULT_SCREEN: (u16, u16) = (100, 30);

impl App {
    pub fn new(
        cfg: UiConfig,
        schedule: Schedule,
        reasons: Vec<ReturnReason>,
        now: DateTime<Utc>,
    ) -> Self {
        let printer = cfg
            .printer
            .then(|| crate::strings::ui::PRINTER_READY.get(cfg.lang).to_owned());
        Self {
            cfg,
            schedule,
            reasons,
            screen: Screen::Login(LoginForm::new("")),
            clerk: None,
            last_input: now,
            now,
            scan_line: String::new(),
            file: None,
            overlay: None,
            message: None,
            saves: std::collections::VecDeque::new(),
            printing: false,
            slots: Slots {
                printer,
                ..Slots::default()
            },
            screen_size: DEFAULT_SCREEN,
            quit: false,
        }
    }
}

/// Everything that reaches the UI thread, through one channel.
#[derive(Debug, Clone)]
pub enum AppEvent {
    Input(Event),
    Tick,
    /// A scan from the serial reader (a keyboard-wedge scan arrives as `Input`).
    Scan(String),
    /// The serial reader's state, for the status bar (the whole slot text).
    Scanner(String),
    /// A frame from the serial reader that is not a scan (too long, control bytes, ...).
    ScanRejected(String),
    LoggedIn(Result<Clerk, JobError>),
    Loaded(Result<Box<Loaded>, JobError>),
    Saved(Result<SaveOutcome, JobError>),
    Approved(Result<Clerk, JobError>),
    /// The worker wrote (or could not write) a supervisor's approval to the audit and event logs.
    OverrideRecorded {
        grant: Override,
        result: Result<(), JobError>,
    },
    /// The answer to a search, with the query it answers.
    Found {
        query: String,
        result: Result<Vec<SearchRow>, JobError>,
    },
    Today(Result<Vec<TodayRow>, JobError>),
    Refused(Result<Vec<RefusedRow>, JobError>),
    /// The candidate of a void asked for, to be confirmed (or why it cannot be voided).
    VoidLooked(Result<VoidPreview, JobError>),
    Counted(Result<Tally, JobError>),
    Office(Result<Box<Office>, JobError>),
    /// The sync worker's state, for the portal slot of the status bar.
    Sync(crate::sync::SyncStatus),
    /// A supervisor action finished: what was done (and to what), or why not.
    Done(Result<(crate::strings::ui::Tr, String), JobError>),
    /// The print worker finished a job (what it printed), or why it could not.
    Printed(Result<String, JobError>),
    /// The photo for the large view, made for the size asked (`None`: no readable photo).
    Photo {
        exam_no: String,
        picture: Option<Picture>,
    },
    /// The photo worker measured a candidate's photo (dropped unless that candidate is on
    /// screen).
    PhotoChecked {
        exam_no: String,
        check: PhotoCheck,
    },
    /// A worker thread stopped: it panicked (`panic` holds its message), or it was found gone
    /// when a job was sent to it (`panic` is `None`). Its jobs are not done any more.
    WorkerDied {
        worker: Worker,
        panic: Option<String>,
    },
}

/// The threads that carry out effects for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Worker {
    /// Owns the counter's database: logins, scans, saves, lists, supervisor actions.
    Database,
    /// Prints forms and receipts.
    Printer,
    /// Asks the portal for the office's numbers.
    Portal,
    /// Reads the terminal's keys.
    Input,
    /// Sends the one-second tick.
    Tick,
    /// Measures photos against the site's standard.
    Photo,
}

/// Why a worker could not do what the screen asked, by kind. The edges' own errors hold I/O and
/// SQLite errors that cannot be copied into the screen's state, so each kind carries the text
/// the clerk reads (made by the edge's error, from the strings table).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// The id or PIN was refused, or the clerk is locked out or disabled.
    #[error("{0}")]
    Login(String),
    /// The scan is not a form of this office, or its candidate is unknown.
    #[error("{0}")]
    Scan(String),
    /// The database failed: what the screen shows may be ahead of it.
    #[error("{0}")]
    Store(String),
    /// A supervisor action the rules refused (void, unlock).
    #[error("{0}")]
    Refused(String),
    /// The form or receipt could not be made or printed.
    #[error("{0}")]
    Print(String),
    /// The portal could not be reached or answered wrongly.
    #[error("{0}")]
    Portal(String),
}

impl From<crate::store::StoreError> for JobError {
    fn from(e: crate::store::StoreError) -> Self {
        JobError::Store(e.to_string())
    }
}

impl From<crate::store::LoginError> for JobError {
    fn from(e: crate::store::LoginError) -> Self {
        match e {
            crate::store::LoginError::Store(e) => e.into(),
            refused => JobError::Login(refused.to_string()),
        }
    }
}

impl From<crate::counter::CheckError> for JobError {
    fn from(e: crate::counter::CheckError) -> Self {
        match e {
            crate::counter::CheckError::Store(e) => e.into(),
            refused => JobError::Scan(refused.to_string()),
        }
    }
}

impl From<crate::store::VoidError> for JobError {
    fn from(e: crate::store::VoidError) -> Self {
        match e {
            crate::store::VoidError::Store(e) => e.into(),
            refused => JobError::Refused(refused.to_string()),
        }
    }
}

impl From<crate::store::ClerkError> for JobError {
    fn from(e: crate::store::ClerkError) -> Self {
        JobError::Refused(e.to_string())
    }
}

impl From<crate::print::PrintError> for JobError {
    fn from(e: crate::print::PrintError) -> Self {
        JobError::Print(e.to_string())
    }
}

impl From<crate::sync::SyncError> for JobError {
    fn from(e: crate::sync::SyncError) -> Self {
        JobError::Portal(e.to_string())
    }
}

/// What the clerk asked to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrintRequest {
    /// Reprint the candidate's registration form (the rules' number of copies).
    Form { exam_no: String },
    /// The receipt of a decided file.
    Receipt { intake_id: String },
}

/// A save on its way to the database: the file as it will be stored, and what it means.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingSave {
    pub intake: Intake,
    pub outcome: SaveOutcome,
}

/// What a confirmed save means for the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Quiet,
    Accepted,
    Returned,
}

/// What `update` asks the edges to do, by who does it.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// For the database worker, in order.
    Db(DbJob),
    /// For the portal: the sync worker, or a thread of its own (the portal may be slow or away).
    Portal(PortalJob),
    /// Handed to the print worker (printing may take minutes; saves must not wait for it).
    Print {
        request: PrintRequest,
        clerk_id: String,
    },
    /// For the photo worker (measuring takes tens of milliseconds: never on the UI thread).
    Photo(PhotoJob),
    /// Done by the UI thread itself.
    Ui(UiEffect),
}

/// A candidate's photo to measure against the standard of the candidate's site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoJob {
    pub exam_no: String,
    pub site_code: String,
    pub jpeg: PhotoBytes,
}

/// The jobs of the database worker.
#[derive(Debug, Clone, PartialEq)]
pub enum DbJob {
    Login {
        id: String,
        pin: String,
    },
    Lookup {
        payload: String,
    },
    Save {
        intake: Intake,
        events: Vec<IntakeEvent>,
        clerk_id: String,
        outcome: SaveOutcome,
    },
    /// Check a PIN typed into the approval box; `update` decides what it approves.
    Approve {
        id: String,
        pin: String,
    },
    /// Write a supervisor's approval to the audit log and the event log (for sync).
    RecordOverride {
        grant: Override,
        intake_id: String,
    },
    Search {
        query: String,
    },
    LoadToday,
    /// The candidate's photo made for an area of `cols × rows` cells (the large view).
    Photo {
        exam_no: String,
        cols: u16,
        rows: u16,
    },
    LoadRefused,
    /// Look up the candidate of a void before asking the supervisor to confirm it.
    PreviewVoid {
        exam_no: String,
        reason: String,
    },
    Count {
        date: NaiveDate,
    },
    Void {
        exam_no: String,
        reason: String,
        by: String,
    },
    Unlock {
        id: String,
        by: String,
    },
    Audit {
        actor: String,
        action: &'static str,
        detail: String,
    },
}

/// What is asked of the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortalJob {
    /// Sync now instead of at the next round.
    SyncNow,
    /// The office's numbers and conflicts of a day, for the supervisor screen.
    FetchOffice { date: NaiveDate },
}

/// What the UI thread does itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UiEffect {
    Bell,
    Quit,
}
