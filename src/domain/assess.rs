//! What the counter shows for a scan: the candidate, the window, the file's state, the
//! checklist and everything that stops an intake. This is the `check --json` document of
//! DESIGN §8, built from pure parts with `now` passed in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::candidate::Candidate;
use super::intake::{Intake, IntakeState};
use super::rules::{Blocker, ChecklistItem, Rules};
use super::scan::{Scan, ScanKind};
use super::schedule::{Schedule, WindowState};
use crate::strings;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub scan: ScanSummary,
    pub candidate: CandidateSummary,
    pub window: WindowState,
    pub intake: IntakeSummary,
    pub checklist: Vec<ChecklistItem>,
    pub blockers: Vec<Blocker>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanSummary {
    pub kind: ScanKind,
    pub verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateSummary {
    pub exam_no: String,
    pub name: String,
    pub id_masked: String,
    pub level: &'static str,
    pub major_code: String,
    pub site_code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntakeSummary {
    pub state: IntakeState,
}

/// Everything `assess` needs besides the scan and the candidate.
pub struct Context<'a> {
    pub rules: &'a Rules,
    pub schedule: &'a Schedule,
    /// The counter's own site; `None` judges the candidate's own site.
    pub counter_site: Option<&'a str>,
    pub now: DateTime<Utc>,
}

pub fn assess(
    ctx: &Context,
    scan: &Scan,
    candidate: &Candidate,
    intake: Option<&Intake>,
) -> Assessment {
    let site = ctx.counter_site.unwrap_or(&candidate.site_code);
    let window = ctx.schedule.status(site, ctx.now);
    let today = super::office_time::local_date(ctx.now);
    let evaluation = ctx.rules.evaluate(candidate, today);
    let state = intake.map_or(IntakeState::New, |i| i.state);
    let mut blockers = evaluation.blockers;
    blockers.extend(context_blockers(ctx, candidate, &window, intake));
    Assessment {
        scan: ScanSummary {
            kind: scan.kind(),
            verified: scan.verified(),
        },
        candidate: CandidateSummary {
            exam_no: candidate.exam_no.to_string(),
            name: candidate.name.clone(),
            id_masked: candidate.id_masked(),
            level: candidate.level.label(),
            major_code: candidate.major_code.clone(),
            site_code: candidate.site_code.clone(),
        },
        window,
        intake: IntakeSummary { state },
        checklist: evaluation.checklist,
        blockers,
    }
}

/// Blockers that come from where and when the scan happens, not from the candidate's record.
fn context_blockers(
    ctx: &Context,
    candidate: &Candidate,
    window: &WindowState,
    intake: Option<&Intake>,
) -> Vec<Blocker> {
    let mut blockers = Vec::new();
    if ctx
        .counter_site
        .is_some_and(|site| site != candidate.site_code)
    {
        blockers.push(Blocker {
            id: "wrong_site".into(),
            message: format!("{}{}", strings::BLOCKER_WRONG_SITE, candidate.site_code),
        });
    }
    if !window.status.is_open() {
        blockers.push(Blocker {
            id: "outside_window".into(),
            message: strings::BLOCKER_OUTSIDE_WINDOW.into(),
        });
    }
    if let Some(intake) = intake.filter(|i| i.state == IntakeState::Accepted) {
        let when = intake.decision.as_ref().map_or_else(String::new, |d| {
            format!("（{} {}）", super::office_time::date_hm(d.at), d.clerk_id)
        });
        blockers.push(Blocker {
            id: "already_accepted".into(),
            message: format!("{}{when}", strings::BLOCKER_ALREADY_ACCEPTED),
        });
    }
    blockers
}
