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
pub const UNKNOWN_CLERK: &str = "（未知）";

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

/// Where the numbers come from, as every report of them says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub counter_id: Option<String>,
    pub site_code: Option<String>,
}

impl Scope {
    /// 本柜台数据（柜台 demo-01，办理点 9901）
    pub fn label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(c) = &self.counter_id {
            parts.push(format!("柜台 {c}"));
        }
        if let Some(s) = &self.site_code {
            parts.push(format!("办理点 {s}"));
        }
        if parts.is_empty() {
            "本柜台数据".to_owned()
        } else {
            format!("本柜台数据（{}）", parts.join("，"))
        }
    }
}

/// `09:00–10:00`
pub fn hour_label(hour: u32) -> String {
    format!("{hour:02}:00–{:02}:00", hour + 1)
}

fn outcome_line(o: &Outcomes) -> String {
    format!(
        "已受理 {}  已退回补正 {}  办理中 {}  已作废 {}  合计 {}",
        o.accepted,
        o.returned,
        o.in_progress,
        o.voided,
        o.total()
    )
}

/// The text report `grad-intake tally` prints.
pub fn report(t: &Tally, scope: &Scope, top: usize) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "{} 受理统计 · {}", t.date, scope.label());
    let _ = writeln!(s, "（全办理点各柜台的合计数据由考试院同步提供）");
    let _ = writeln!(s, "合计：{}", outcome_line(&t.totals));
    let _ = writeln!(s, "按时段：");
    if t.by_hour.is_empty() {
        let _ = writeln!(s, "  （无）");
    }
    for (h, o) in &t.by_hour {
        let _ = writeln!(s, "  {}  {}", hour_label(*h), outcome_line(o));
    }
    let _ = writeln!(s, "按柜员（作出决定者；作废者为主管）：");
    for (c, o) in &t.by_clerk {
        let _ = writeln!(s, "  {c}  {}", outcome_line(o));
    }
    if t.undecided > 0 {
        let _ = writeln!(s, "  （办理中，尚未决定）  {}", t.undecided);
    }
    if t.by_clerk.is_empty() && t.undecided == 0 {
        let _ = writeln!(s, "  （无）");
    }
    let _ = writeln!(s, "按柜台：");
    if t.by_counter.is_empty() {
        let _ = writeln!(s, "  （无）");
    }
    for (c, o) in &t.by_counter {
        let _ = writeln!(s, "  {c}  {}", outcome_line(o));
    }
    let _ = writeln!(s, "退回原因（前 {top} 项）：");
    if t.return_reasons.is_empty() {
        let _ = writeln!(s, "  （无）");
    }
    for r in t.top_reasons(top) {
        let _ = writeln!(s, "  {}  {}", r.count, r.reason);
    }
    let _ = writeln!(
        s,
        "名单：本办理点考生 {} 人，已在本柜台办理 {} 人，尚未前来 {} 人",
        t.roster, t.seen, t.not_yet_come
    );
    s
}

/// CSV column headers: section, item, then the outcome counts and their total.
pub const CSV_HEADER: [&str; 7] = [
    "分类",
    "项目",
    "已受理",
    "已退回补正",
    "办理中",
    "已作废",
    "合计",
];

/// The tally as one CSV table (a `分类` column names each row's section), UTF-8 with a byte-order
/// mark so that Excel opens the Chinese text correctly. Every reason is listed.
pub fn to_csv(t: &Tally, scope: &Scope) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(CSV_HEADER)?;
        let only = |section: &str, item: &str, n: Option<u64>| {
            let n = n.map(|n| n.to_string()).unwrap_or_default();
            [
                section.to_owned(),
                item.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                n,
            ]
        };
        let full = |section: &str, item: &str, o: &Outcomes| {
            [
                section.to_owned(),
                item.to_owned(),
                o.accepted.to_string(),
                o.returned.to_string(),
                o.in_progress.to_string(),
                o.voided.to_string(),
                o.total().to_string(),
            ]
        };
        w.write_record(only("日期", &t.date.to_string(), None))?;
        w.write_record(only("范围", &scope.label(), None))?;
        w.write_record(full("合计", "全部", &t.totals))?;
        for (h, o) in &t.by_hour {
            w.write_record(full("时段", &hour_label(*h), o))?;
        }
        for (c, o) in &t.by_clerk {
            w.write_record(full("柜员", c, o))?;
        }
        if t.undecided > 0 {
            let o = Outcomes {
                in_progress: t.undecided,
                ..Outcomes::default()
            };
            w.write_record(full("柜员", "（办理中，尚未决定）", &o))?;
        }
        for (c, o) in &t.by_counter {
            w.write_record(full("柜台", c, o))?;
        }
        for r in &t.return_reasons {
            w.write_record(only("退回原因", &r.reason, Some(r.count)))?;
        }
        w.write_record(only("名单", "本办理点考生", Some(t.roster)))?;
        w.write_record(only("名单", "已在本柜台办理", Some(t.seen)))?;
        w.write_record(only("名单", "尚未前来", Some(t.not_yet_come)))?;
        w.flush()?;
    }
    Ok(out)
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
        assert!(
            report(
                &t,
                &Scope {
                    counter_id: None,
                    site_code: None
                },
                5
            )
            .contains("本柜台数据")
        );
        assert_eq!(t.hourly(9, 11).len(), 3);
    }

    #[test]
    fn csv_has_bom_and_one_table() {
        let rows = vec![row(
            IntakeState::Returned,
            "k1",
            Some("c01"),
            at(9, 0),
            &["a,b \"x\""],
        )];
        let t = tally(date(), &rows, RosterCount { roster: 2, seen: 1 });
        let scope = Scope {
            counter_id: Some("k1".into()),
            site_code: Some("0104".into()),
        };
        let bytes = to_csv(&t, &scope).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            CSV_HEADER.to_vec()
        );
        let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let reason = records.iter().find(|r| &r[0] == "退回原因").unwrap();
        assert_eq!((&reason[1], &reason[6]), ("a,b \"x\"", "1"));
        assert!(
            records
                .iter()
                .any(|r| &r[0] == "名单" && &r[1] == "尚未前来" && &r[6] == "1")
        );
        assert!(records.iter().all(|r| r.len() == 7));
    }
}
