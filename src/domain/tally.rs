//! The day's numbers of one counter for the supervisor: files by outcome, per local hour, per
//! clerk, per counter, the most frequent return reasons and how many candidates of the site's
//! roster have not come yet.
//!
//! Pure: the rows (one per file, as stored), the roster counts and the date are passed in. Each
//! file counts once, in its state now, on the local (Asia/Shanghai) day and hour of its last
//! change (its decision, or its last tick/opening while in progress). The office-wide numbers
//! across counters come from the portal (`sync::protocol::Tally`), which counts visits instead.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Timelike, Utc};

use super::office_time;
use serde::{Deserialize, Serialize};

use super::intake::IntakeState;

/// One file as the tally needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyRow {
    pub state: IntakeState,
    pub counter_id: String,
    /// Who decided (accepted, returned or — a supervisor — voided); `None` while in progress.
    pub clerk_id: Option<String>,
    /// The decision's instant, or the last change while in progress.
    pub at: DateTime<Utc>,
    /// The reasons a returned file was given back with (empty otherwise).
    pub return_reasons: Vec<String>,
}

/// The site's roster and how many of its candidates have a file at this counter (any day).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterCount {
    pub roster: u64,
    pub seen: u64,
}

/// Files by their state now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    pub accepted: u64,
    pub returned: u64,
    pub in_progress: u64,
    pub voided: u64,
}

impl Outcomes {
    pub fn total(&self) -> u64 {
        self.accepted + self.returned + self.in_progress + self.voided
    }

    fn add(&mut self, state: IntakeState) {
        match state {
            IntakeState::Accepted => self.accepted += 1,
            IntakeState::Returned => self.returned += 1,
            IntakeState::Voided => self.voided += 1,
            IntakeState::New | IntakeState::InProgress => self.in_progress += 1,
        }
    }
}

/// One return reason and how many returned files gave it (once per file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    pub reason: String,
    pub count: u64,
}

/// The numbers of one local day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub date: NaiveDate,
    pub totals: Outcomes,
    /// Local hour of day (0–23) → files last changed in that hour.
    pub by_hour: BTreeMap<u32, Outcomes>,
    /// Deciding clerk → files decided. Files in progress have no deciding clerk yet and are
    /// counted in `undecided` instead, so the clerks' totals add up to `totals` minus it.
    pub by_clerk: BTreeMap<String, Outcomes>,
    pub undecided: u64,
    pub by_counter: BTreeMap<String, Outcomes>,
    /// Reasons of the files now returned, most frequent first (ties by text).
    pub return_reasons: Vec<ReasonCount>,
    /// Candidates of the site on the roster.
    pub roster: u64,
    /// Of those, candidates with a file at this counter (on any day).
    pub seen: u64,
    /// `roster - seen`.
    pub not_yet_come: u64,
    /// Candidates who came on this day: the day's files at this counter, voided ones left out
    /// (one file per candidate; a file counts on the day of its last change).
    #[serde(default)]
    pub came_on_day: u64,
}

impl Tally {
    /// The `n` most frequent return reasons.
    pub fn top_reasons(&self, n: usize) -> &[ReasonCount] {
        &self.return_reasons[..n.min(self.return_reasons.len())]
    }

    /// Every hour from `first` to `last` (inclusive), with zeros where nothing happened, widened
    /// to include any hour that has files: the bars of a chart over the office day.
    pub fn hourly(&self, first: u32, last: u32) -> Vec<(u32, Outcomes)> {
        let lo = self.by_hour.keys().next().map_or(first, |&h| h.min(first));
        let hi = self
            .by_hour
            .keys()
            .next_back()
            .map_or(last, |&h| h.max(last));
        (lo..=hi.min(23))
            .map(|h| (h, self.by_hour.get(&h).copied().unwrap_or_default()))
            .collect()
    }
}

/// Counts `state` under `key`, allocating the key only the first time it is seen.
fn bump(map: &mut BTreeMap<String, Outcomes>, key: &str, state: IntakeState) {
    match map.get_mut(key) {
        Some(o) => o.add(state),
        None => map.entry(key.to_owned()).or_default().add(state),
    }
}

/// The clerk of a decided file whose decision names nobody (not written by this program).
pub const UNKNOWN_CLERK: &str = crate::strings::report::TALLY_UNKNOWN_CLERK;

/// The tally of `date` from the rows of the files (rows of other days are ignored).
pub fn tally(date: NaiveDate, rows: &[TallyRow], roster: RosterCount) -> Tally {
    let mut t = Tally {
        date,
        totals: Outcomes::default(),
        by_hour: BTreeMap::new(),
        by_clerk: BTreeMap::new(),
        undecided: 0,
        by_counter: BTreeMap::new(),
        return_reasons: Vec::new(),
        roster: roster.roster,
        seen: roster.seen,
        not_yet_come: roster.roster.saturating_sub(roster.seen),
        came_on_day: 0,
    };
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    for row in rows {
        let local = office_time::local(row.at);
        if local.date_naive() != date {
            continue;
        }
        t.totals.add(row.state);
        t.by_hour.entry(local.hour()).or_default().add(row.state);
        if matches!(row.state, IntakeState::New | IntakeState::InProgress) {
            t.undecided += 1;
        } else {
            let clerk = row.clerk_id.as_deref().unwrap_or(UNKNOWN_CLERK);
            bump(&mut t.by_clerk, clerk, row.state);
        }
        bump(&mut t.by_counter, &row.counter_id, row.state);
        if row.state == IntakeState::Returned {
            // A reason counts once per file, however often the file names it.
            let mut given: Vec<&str> = Vec::new();
            for reason in row.return_reasons.iter().map(|r| r.trim()) {
                if !reason.is_empty() && !given.contains(&reason) {
                    given.push(reason);
                    *reasons.entry(reason).or_default() += 1;
                }
            }
        }
    }
    t.came_on_day = t.totals.total() - t.totals.voided;
    t.return_reasons = reasons
        .into_iter()
        .map(|(reason, count)| ReasonCount {
            reason: reason.to_owned(),
            count,
        })
        .collect();
    // Stable: equal counts stay in the map's (text) order.
    t.return_reasons.sort_by_key(|r| std::cmp::Reverse(r.count));
    t
}

/// `09:00–10:00`
pub fn hour_label(hour: u32) -> String {
    format!("{hour:02}:00–{:02}:00", hour + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        // Local 2026-11-20 h:m.
        use chrono::TimeZone;
        office_time::OFFICE_TZ
            .with_ymd_and_hms(2026, 11, 20, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn row(
        state: IntakeState,
        counter: &str,
        clerk: Option<&str>,
        at: DateTime<Utc>,
        reasons: &[&str],
    ) -> TallyRow {
        TallyRow {
            state,
            counter_id: counter.into(),
            clerk_id: clerk.map(Into::into),
            at,
            return_reasons: reasons.iter().map(|r| (*r).to_owned()).collect(),
        }
    }

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
    }

    #[test]
    fn counts_by_outcome_hour_clerk_counter_and_reason() {
        use IntakeState::*;
        let rows = vec![
            row(Accepted, "k1", Some("c01"), at(9, 20), &[]),
            row(Accepted, "k1", Some("c01"), at(9, 59), &[]),
            row(
                Returned,
                "k1",
                Some("c02"),
                at(10, 0),
                &["缺复印件", "未盖章"],
            ),
            row(
                Returned,
                "k2",
                Some("c02"),
                at(14, 40),
                &["未盖章 ", "", "未盖章"],
            ),
            row(InProgress, "k2", None, at(15, 5), &["缺复印件"]),
            row(Voided, "k1", Some("s01"), at(16, 0), &[]),
            // Yesterday 23:59 local, and tomorrow 00:00 local: not today.
            row(
                Accepted,
                "k1",
                Some("c01"),
                at(0, 0) - chrono::Duration::minutes(1),
                &[],
            ),
            row(
                Accepted,
                "k1",
                Some("c01"),
                at(0, 0) + chrono::Duration::days(1),
                &[],
            ),
        ];
        let t = tally(
            date(),
            &rows,
            RosterCount {
                roster: 10,
                seen: 6,
            },
        );
        assert_eq!(
            t.totals,
            Outcomes {
                accepted: 2,
                returned: 2,
                in_progress: 1,
                voided: 1
            }
        );
        assert_eq!(t.totals.total(), 6);
        assert_eq!(
            t.by_hour.keys().copied().collect::<Vec<_>>(),
            vec![9, 10, 14, 15, 16]
        );
        assert_eq!(t.by_hour[&9].accepted, 2);
        assert_eq!(t.by_clerk["c01"].accepted, 2);
        assert_eq!(t.by_clerk["c02"].returned, 2);
        assert_eq!(t.by_clerk["s01"].voided, 1);
        assert_eq!(t.undecided, 1);
        assert_eq!(t.by_counter["k1"].total(), 4);
        assert_eq!(
            t.by_counter["k2"],
            Outcomes {
                returned: 1,
                in_progress: 1,
                ..Outcomes::default()
            }
        );
        // Only returned files' reasons; trimmed; blank ignored; most frequent first.
        let reasons: Vec<(&str, u64)> = t
            .return_reasons
            .iter()
            .map(|r| (r.reason.as_str(), r.count))
            .collect();
        assert_eq!(reasons, vec![("未盖章", 2), ("缺复印件", 1)]);
        assert_eq!(t.top_reasons(1).len(), 1);
        assert_eq!(t.top_reasons(9).len(), 2);
        assert_eq!(t.not_yet_come, 4);
        assert_eq!(t.came_on_day, 5, "the day's files but the voided one");
        let hours: Vec<u32> = t.hourly(9, 17).iter().map(|(h, _)| *h).collect();
        assert_eq!(hours, (9..=17).collect::<Vec<_>>());
        assert_eq!(
            t.hourly(9, 17)[2].1,
            Outcomes::default(),
            "11:00 has no files"
        );
    }

    #[test]
    fn empty_day_and_more_seen_than_roster() {
        let t = tally(date(), &[], RosterCount { roster: 3, seen: 5 });
        assert_eq!(t.totals.total(), 0);
        assert_eq!(t.not_yet_come, 0);
        assert_eq!(t.hourly(9, 11).len(), 3);
    }
}
