//! `grad-intake sync [--once]`: push this counter's events to the portal, pull roster and photos.

use super::{Error, Setup};
use crate::store::{RejectedEvent, Store};
use crate::strings::report as s;
use crate::sync::{self, Progress, RoundReport, SyncError, SyncSettings, SyncStatus, WorkerHandle};

/// How many refused events a report lists.
const REJECTED_SHOWN: usize = 20;

/// The end of one round from the command line.
#[derive(Debug)]
pub enum RoundOutcome {
    /// The round's numbers, and the events the portal refused for good (oldest first).
    Done {
        report: RoundReport,
        rejected: Vec<RejectedEvent>,
    },
    /// The round stopped; the message says what to do (the counter keeps working offline).
    Failed(SyncError),
}

/// The portal settings of the configuration (refused when sync is not set up).
pub fn settings(setup: &Setup) -> Result<SyncSettings, Error> {
    Ok(SyncSettings::from_config(&setup.config)?)
}

/// One complete round; `progress` hears of every step.
pub fn once(
    setup: &Setup,
    settings: &SyncSettings,
    progress: &mut dyn FnMut(&Progress),
) -> Result<RoundOutcome, Error> {
    let report = match sync::run_round(settings, &setup.db, progress) {
        Ok(report) => report,
        Err(e) => return Ok(RoundOutcome::Failed(e)),
    };
    let rejected = Store::open(&setup.db)?.rejected_events(REJECTED_SHOWN)?;
    Ok(RoundOutcome::Done { report, rejected })
}

/// Starts syncing in the background; `on_status` hears of every change of state.
pub fn spawn(
    setup: &Setup,
    settings: SyncSettings,
    on_status: impl Fn(SyncStatus) + Send + 'static,
) -> Result<WorkerHandle, Error> {
    Ok(sync::spawn_worker(settings, setup.db.clone(), on_status)?)
}

/// The summary line, then the refused events if any.
pub fn render_done(report: &RoundReport, rejected: &[RejectedEvent]) -> String {
    let mut text = format!("{}\n", s::sync_done(report));
    if !rejected.is_empty() {
        text.push_str(crate::strings::SYNC_REJECTED_LIST);
        text.push('\n');
    }
    for e in rejected {
        let exam_no = e.exam_no.as_deref().unwrap_or_default();
        let line = s::sync_rejected(e.seq, &e.kind, exam_no, &e.at, &e.error);
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// `[#####-----] 上传 1500/10000  名单 +2000  照片 12`
pub fn render_progress(p: &Progress) -> String {
    const WIDTH: usize = 20;
    let filled = (p.pushed * WIDTH)
        .checked_div(p.to_push)
        .map_or(WIDTH, |f| f.min(WIDTH));
    let bar = format!("{}{}", "#".repeat(filled), "-".repeat(WIDTH - filled));
    s::sync_progress(
        &bar,
        p.pushed,
        p.to_push,
        p.roster_received,
        p.photos_received,
    )
}

/// One line per change of state of the background worker.
pub fn render_status(status: &SyncStatus) -> String {
    let last = status.last_success.map_or_else(
        || s::SYNC_NEVER.to_owned(),
        |t| {
            crate::domain::office_time::local(t)
                .format("%H:%M:%S")
                .to_string()
        },
    );
    let error = status.last_error.as_deref().unwrap_or_default();
    s::sync_status(
        status.label(),
        status.pending,
        status.rejected,
        &last,
        error,
    )
}
