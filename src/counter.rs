//! One counter's services put together at the edge: its configuration, database, schedule,
//! rules and trusted keys. The CLI and the TUI both answer scans through here.

use std::path::Path;

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::config::Config;
use crate::domain::assess::{self, Assessment};
use crate::domain::candidate::Candidate;
use crate::domain::rules::{Rules, RulesError};
use crate::domain::scan::{self, PublicKeys, Scan, ScanError};
use crate::domain::schedule::{Schedule, ScheduleError};
use crate::store::{IntakeRecord, Store, StoreError};
use crate::strings;

/// The counter id used when the configuration names none.
pub const DEFAULT_COUNTER_ID: &str = "counter-1";

#[derive(Debug, Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    #[error(transparent)]
    Rules(#[from] RulesError),
}

#[derive(Debug, Error)]
pub enum CheckError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("{}", strings::CHECK_UNKNOWN_CANDIDATE)]
    UnknownCandidate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CheckError {
    /// The stable error kind of DESIGN §8.
    pub fn kind(&self) -> &'static str {
        match self {
            CheckError::Scan(e) => e.kind(),
            CheckError::UnknownCandidate => "unknown_candidate",
            CheckError::Store(_) => "store",
        }
    }
}

/// A scan's full answer: the assessment and what it was made from.
pub struct Checked {
    pub assessment: Assessment,
    pub candidate: Candidate,
    pub intake: Option<IntakeRecord>,
}

pub struct Counter {
    pub store: Store,
    pub schedule: Schedule,
    pub rules: Rules,
    pub keys: PublicKeys,
    pub site_code: Option<String>,
    pub counter_id: String,
}

impl Counter {
    pub fn open(config: &Config, db: &Path) -> Result<Self, OpenError> {
        let store = Store::open(db)?;
        let schedule = load_schedule(&store)?;
        Ok(Self {
            store,
            schedule,
            rules: Rules::builtin()?,
            keys: config.public_keys(),
            site_code: config.site_code.clone(),
            counter_id: config
                .counter_id
                .clone()
                .unwrap_or_else(|| DEFAULT_COUNTER_ID.to_owned()),
        })
    }

    /// The candidate a scan points at.
    pub fn lookup(&self, scan: &Scan) -> Result<Candidate, CheckError> {
        let found = match scan {
            Scan::Signed(code) => self.store.candidate(code.exam_no.as_str())?,
            Scan::ExamNo(no) => self.store.candidate(no.as_str())?,
            Scan::IdNo(id) => self.store.candidate_by_id_no(id.as_str())?,
        };
        found.ok_or(CheckError::UnknownCandidate)
    }

    /// What the counter shows for this payload at `now`. Reads only: changes nothing.
    pub fn check(&self, payload: &str, now: DateTime<Utc>) -> Result<Assessment, CheckError> {
        self.check_full(payload, now).map(|c| c.assessment)
    }

    /// `check`, keeping the candidate and the stored file for the counter screen.
    pub fn check_full(&self, payload: &str, now: DateTime<Utc>) -> Result<Checked, CheckError> {
        let scan = scan::parse(payload, &self.keys)?;
        let candidate = self.lookup(&scan)?;
        let intake = self.store.intake(candidate.exam_no.as_str())?;
        let ctx = assess::Context {
            rules: &self.rules,
            schedule: &self.schedule,
            counter_site: self.site_code.as_deref(),
            now,
        };
        let assessment =
            assess::assess(&ctx, &scan, &candidate, intake.as_ref().map(|r| &r.intake));
        Ok(Checked {
            assessment,
            candidate,
            intake,
        })
    }
}

/// The built-in sites and windows plus the documents imported into this database.
pub fn load_schedule(store: &Store) -> Result<Schedule, OpenError> {
    let mut schedule = Schedule::builtin()?;
    for (name, text) in store.schedule_docs()? {
        schedule.merge_doc(&name, &text)?;
    }
    Ok(schedule)
}
