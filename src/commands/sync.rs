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
        /// All the refused events in the database, listed or not.
        rejected_total: usize,
    },
    /// The round stopped; the message says what to do (the counter keeps working offline).
    Failed(SyncError),
}

/// The portal settings of the configuration (refused when sync is not set up), on this run's
/// clock (`--now` fixes it).
pub fn settings(setup: &Setup) -> Result<SyncSettings, Error> {
    Ok(SyncSettings {
        fixed_now: setup.fixed_now,
        ..SyncSettings::from_config(&setup.config)?
    })
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
    let store = Store::open(&setup.db)?;
    let rejected = store.rejected_events(REJECTED_SHOWN)?;
    let rejected_total = store.rejected_count()?;
    Ok(RoundOutcome::Done {
        report,
        rejected,
        rejected_total,
    })
}

/// Starts syncing in the background; `on_status` hears of every change of state.
pub fn spawn(
    setup: &Setup,
    settings: SyncSettings,
    on_status: impl Fn(SyncStatus) + Send + 'static,
) -> Result<WorkerHandle, Error> {
    Ok(sync::spawn_worker(settings, setup.db.clone(), on_status)?)
}

/// The summary line, then the refused events listed (at office local time), and how many of
/// the `total` were left out.
pub fn render_done(report: &RoundReport, rejected: &[RejectedEvent], total: usize) -> String {
    let mut text = format!("{}\n", s::sync_done(report));
    if !rejected.is_empty() {
        text.push_str(crate::strings::SYNC_REJECTED_LIST);
        text.push('\n');
    }
    for e in rejected {
        let exam_no = e.exam_no.as_deref().unwrap_or_default();
        let line = s::sync_rejected(e.seq, &e.kind, exam_no, &local_time(&e.at), &e.error);
        text.push_str(&line);
        text.push('\n');
    }
    if total > rejected.len() {
        text.push_str(&s::sync_rejected_left_out(total - rejected.len(), total));
        text.push('\n');
    }
    text
}

/// An event's RFC 3339 time as the office reads it (`2026-11-20 10:00:00`); as stored when it
/// does not parse.
fn local_time(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at).map_or_else(
        |_| at.to_owned(),
        |t| {
            crate::domain::office_time::local(t.to_utc())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        },
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(seq: i64, at: &str) -> RejectedEvent {
        RejectedEvent {
            seq,
            event_id: format!("e{seq}"),
            kind: "accepted".into(),
            exam_no: Some("990126200001".into()),
            at: at.into(),
            error: "考试院名单中没有该考生".into(),
        }
    }

    #[test]
    fn refused_events_are_listed_in_office_time_and_the_rest_counted() {
        let listed = [
            refused(7, "2026-11-20T02:00:00+00:00"),
            refused(8, "garbled"),
        ];
        let text = render_done(&RoundReport::default(), &listed, 25);
        assert!(
            text.contains("#7 accepted 990126200001 2026-11-20 10:00:00"),
            "{text}"
        );
        assert!(text.contains("#8 accepted 990126200001 garbled"), "{text}");
        assert!(text.contains("另有 23 条未列出（共 25 条）"), "{text}");
        let all = render_done(&RoundReport::default(), &listed, 2);
        assert!(!all.contains("未列出"), "{all}");
    }
}
