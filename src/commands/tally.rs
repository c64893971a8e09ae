//! `grad-intake tally [--date D] [--csv FILE] [--json]`: this counter's numbers of one local day,
//! and their text and CSV forms. The numbers come from `domain::tally`; all words are made here.

use std::path::Path;

use chrono::NaiveDate;

use super::{Error, Setup};
use crate::domain::office_time;
use crate::domain::tally::{Outcomes, Tally, hour_label};
use crate::store::Store;
use crate::strings::report as s;

/// How many return reasons the text report lists (the CSV lists all).
pub const TOP_REASONS: usize = 10;

/// Where the numbers come from, as every report of them says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub counter_id: Option<String>,
    pub site_code: Option<String>,
}

impl Scope {
    /// 本柜台数据（柜台 demo-01，办理点 9901）
    pub fn label(&self) -> String {
        let counter = self.counter_id.as_deref().map(s::tally_scope_counter);
        let site = self.site_code.as_deref().map(s::tally_scope_site);
        let parts: Vec<String> = counter.into_iter().chain(site).collect();
        if parts.is_empty() {
            s::TALLY_SCOPE.to_owned()
        } else {
            s::tally_scope(&parts)
        }
    }
}

/// A day's numbers and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyReport {
    pub tally: Tally,
    pub scope: Scope,
}

/// The numbers of `date` (default: today, office time) for this counter's site.
pub fn run(setup: &Setup, date: Option<NaiveDate>) -> Result<TallyReport, Error> {
    let store = Store::open(&setup.db)?;
    let date = date.unwrap_or_else(|| office_time::local_date(setup.now));
    let site = setup.config.site_code.clone();
    let tally = store.tally(date, site.as_deref())?;
    let scope = Scope {
        counter_id: setup.config.counter_id.clone(),
        site_code: site,
    };
    Ok(TallyReport { tally, scope })
}

/// Writes the CSV form to `path`.
pub fn write_csv(report: &TallyReport, path: &Path) -> Result<(), Error> {
    let bytes = to_csv(&report.tally, &report.scope)?;
    // Owner-only whatever the umask: the tally names clerks and counts candidates.
    crate::owner_only::replace(path, &bytes).map_err(|source| Error::WriteCsv {
        path: path.to_owned(),
        source,
    })
}

fn outcome_line(o: &Outcomes) -> String {
    s::tally_outcomes(o.accepted, o.returned, o.in_progress, o.voided, o.total())
}

/// The text report, with the `top` most frequent return reasons.
pub fn render_text(t: &Tally, scope: &Scope, top: usize) -> String {
    let mut lines = vec![
        s::tally_title(&t.date.to_string(), &scope.label()),
        s::TALLY_OFFICE_NOTE.to_owned(),
        s::tally_total(&outcome_line(&t.totals)),
        s::TALLY_BY_HOUR.to_owned(),
    ];
    if t.by_hour.is_empty() {
        lines.push(s::TALLY_NONE.to_owned());
    }
    for (h, o) in &t.by_hour {
        lines.push(s::tally_row(&hour_label(*h), &outcome_line(o)));
    }
    lines.push(s::TALLY_BY_CLERK.to_owned());
    for (c, o) in &t.by_clerk {
        lines.push(s::tally_row(c, &outcome_line(o)));
    }
    if t.undecided > 0 {
        lines.push(s::tally_undecided(t.undecided));
    }
    if t.by_clerk.is_empty() && t.undecided == 0 {
        lines.push(s::TALLY_NONE.to_owned());
    }
    lines.push(s::TALLY_BY_COUNTER.to_owned());
    if t.by_counter.is_empty() {
        lines.push(s::TALLY_NONE.to_owned());
    }
    for (c, o) in &t.by_counter {
        lines.push(s::tally_row(c, &outcome_line(o)));
    }
    lines.push(s::tally_reasons(top));
    if t.return_reasons.is_empty() {
        lines.push(s::TALLY_NONE.to_owned());
    }
    for r in t.top_reasons(top) {
        lines.push(s::tally_reason(r.count, &r.reason));
    }
    lines.push(s::tally_roster(t.roster, t.seen, t.not_yet_come));
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// A CSV row whose only number is in the total column.
fn only(section: &str, item: &str, n: Option<u64>) -> [String; 7] {
    let n = n.map(|n| n.to_string()).unwrap_or_default();
    let blank = String::new;
    let (a, b, c, d) = (blank(), blank(), blank(), blank());
    [section.to_owned(), item.to_owned(), a, b, c, d, n]
}

/// A CSV row with every outcome count.
fn full(section: &str, item: &str, o: &Outcomes) -> [String; 7] {
    [
        section.to_owned(),
        item.to_owned(),
        o.accepted.to_string(),
        o.returned.to_string(),
        o.in_progress.to_string(),
        o.voided.to_string(),
        o.total().to_string(),
    ]
}

/// CSV column headers: section, item, then the outcome counts and their total.
pub fn csv_header() -> [&'static str; 7] {
    let [a, r, p, v, t] = s::TALLY_OUTCOMES;
    [s::TALLY_CSV_SECTION, s::TALLY_CSV_ITEM, a, r, p, v, t]
}

/// The tally as one CSV table (a section column names each row's section), UTF-8 with a
/// byte-order mark so that Excel opens the Chinese text correctly. Every reason is listed.
pub fn to_csv(t: &Tally, scope: &Scope) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(csv_header())?;
        w.write_record(only(s::TALLY_CSV_DATE, &t.date.to_string(), None))?;
        w.write_record(only(s::TALLY_CSV_SCOPE, &scope.label(), None))?;
        w.write_record(full(s::TALLY_CSV_TOTAL, s::TALLY_CSV_ALL, &t.totals))?;
        for (h, o) in &t.by_hour {
            w.write_record(full(s::TALLY_CSV_HOUR, &hour_label(*h), o))?;
        }
        for (c, o) in &t.by_clerk {
            w.write_record(full(s::TALLY_CSV_CLERK, c, o))?;
        }
        if t.undecided > 0 {
            let o = Outcomes {
                in_progress: t.undecided,
                ..Outcomes::default()
            };
            w.write_record(full(s::TALLY_CSV_CLERK, s::TALLY_UNDECIDED, &o))?;
        }
        for (c, o) in &t.by_counter {
            w.write_record(full(s::TALLY_CSV_COUNTER, c, o))?;
        }
        for r in &t.return_reasons {
            w.write_record(only(s::TALLY_CSV_REASON, &r.reason, Some(r.count)))?;
        }
        let roster = s::TALLY_CSV_ROSTER;
        w.write_record(only(roster, s::TALLY_CSV_ROSTER_ALL, Some(t.roster)))?;
        w.write_record(only(roster, s::TALLY_CSV_ROSTER_SEEN, Some(t.seen)))?;
        w.write_record(only(
            roster,
            s::TALLY_CSV_ROSTER_NOT_YET,
            Some(t.not_yet_come),
        ))?;
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Duration, Utc};

    use super::*;
    use crate::commands::testing;
    use crate::domain::intake::{Decision, Intake};
    use crate::store::Actor;

    /// Office time `h:m` on the day of `testing::now()`.
    fn at(h: i64, m: i64) -> DateTime<Utc> {
        office_time::midnight(office_time::local_date(testing::now()))
            + Duration::hours(h)
            + Duration::minutes(m)
    }

    /// Opens the file of `exam_no` at `counter` and, with `reasons`, gives it back (empty:
    /// accepts it) five minutes later; `None` leaves it in progress.
    fn file(
        store: &mut Store,
        exam_no: &str,
        counter: &str,
        outcome: Option<&[&str]>,
        when: DateTime<Utc>,
    ) {
        let mut intake = Intake::new(format!("intake-{exam_no}"), exam_no.to_owned());
        let actor = |at| Actor {
            counter_id: counter,
            clerk_id: "c01",
            at,
        };
        let opened = intake.open().unwrap().unwrap();
        store.save_intake(&intake, &[opened], &actor(when)).unwrap();
        let Some(reasons) = outcome else { return };
        let decided = when + Duration::minutes(5);
        let decision = Decision {
            at: decided,
            clerk_id: "c01".into(),
        };
        let event = if reasons.is_empty() {
            intake.accept(&[], &[], decision).unwrap()
        } else {
            let reasons = reasons.iter().map(|r| (*r).to_owned()).collect();
            intake.return_file(reasons, decision).unwrap()
        };
        store
            .save_intake(&intake, &[event], &actor(decided))
            .unwrap();
    }

    #[test]
    fn report_values_of_a_day_and_their_text() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        let exam = testing::exam_nos(&setup);
        let mut store = Store::open(&setup.db).unwrap();
        file(&mut store, &exam[0], "demo-01", Some(&[]), at(9, 10));
        file(
            &mut store,
            &exam[1],
            "demo-01",
            Some(&["缺复印件", "未盖章"]),
            at(9, 30),
        );
        file(
            &mut store,
            &exam[2],
            "demo-02",
            Some(&["未盖章"]),
            at(14, 0),
        );
        file(&mut store, &exam[3], "demo-02", None, at(15, 0));

        let report = run(&setup, None).unwrap();
        let t = &report.tally;
        // The date defaults to the office's local day of `now`.
        assert_eq!(t.date, office_time::local_date(testing::now()));
        assert_eq!(
            t.totals,
            Outcomes {
                accepted: 1,
                returned: 2,
                in_progress: 1,
                voided: 0
            }
        );
        assert_eq!(
            t.by_hour.keys().copied().collect::<Vec<_>>(),
            vec![9, 14, 15]
        );
        assert_eq!(t.by_clerk["c01"].total(), 3);
        assert_eq!(t.undecided, 1);
        assert_eq!(t.by_counter["demo-02"].total(), 2);
        assert_eq!(t.return_reasons[0].reason, "未盖章");
        assert_eq!(t.return_reasons[0].count, 2);
        assert_eq!(t.roster, exam.len() as u64);
        assert_eq!((t.seen, t.not_yet_come), (4, t.roster - 4));
        assert_eq!(
            report.scope,
            Scope {
                counter_id: Some(crate::demo::DEMO_COUNTER.into()),
                site_code: Some(crate::demo::DEMO_SITE.into())
            }
        );

        let text = render_text(t, &report.scope, 1);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            format!(
                "2026-11-20 受理统计 · 本柜台数据（柜台 {}，办理点 {}）",
                crate::demo::DEMO_COUNTER,
                crate::demo::DEMO_SITE
            )
        );
        assert_eq!(
            lines[2],
            "合计：已受理 1  已退回补正 2  办理中 1  已作废 0  合计 4"
        );
        assert!(
            lines.contains(&"  09:00–10:00  已受理 1  已退回补正 1  办理中 0  已作废 0  合计 2")
        );
        assert!(lines.contains(&"  （办理中，尚未决定）  1"));
        // Only the top reason.
        assert!(lines.contains(&"退回原因（前 1 项）："));
        assert!(lines.contains(&"  2  未盖章"));
        assert!(!text.contains("缺复印件"));
        assert!(text.ends_with(&format!("{}\n", s::tally_roster(t.roster, 4, t.roster - 4))));

        // Another day: nothing, every section says so.
        let other = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
        let report = run(&setup, Some(other)).unwrap();
        assert_eq!(report.tally.totals.total(), 0);
        let text = render_text(&report.tally, &report.scope, TOP_REASONS);
        assert_eq!(text.matches(s::TALLY_NONE).count(), 4, "{text}");
    }

    #[test]
    fn scope_label_names_what_is_known() {
        let none = Scope {
            counter_id: None,
            site_code: None,
        };
        assert_eq!(none.label(), "本柜台数据");
        let site = Scope {
            site_code: Some("0104".into()),
            ..none
        };
        assert_eq!(site.label(), "本柜台数据（办理点 0104）");
    }

    #[test]
    fn csv_has_bom_and_one_table() {
        use crate::domain::intake::IntakeState;
        use crate::domain::tally::{RosterCount, TallyRow, tally};
        let rows = vec![TallyRow {
            state: IntakeState::Returned,
            counter_id: "k1".into(),
            clerk_id: Some("c01".into()),
            at: at(9, 0),
            return_reasons: vec!["a,b \"x\"".into()],
        }];
        let date = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let t = tally(date, &rows, RosterCount { roster: 2, seen: 1 });
        let scope = Scope {
            counter_id: Some("k1".into()),
            site_code: Some("0104".into()),
        };
        let bytes = to_csv(&t, &scope).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let mut r = csv::Reader::from_reader(&bytes[3..]);
        assert_eq!(
            r.headers().unwrap().iter().collect::<Vec<_>>(),
            vec![
                "分类",
                "项目",
                "已受理",
                "已退回补正",
                "办理中",
                "已作废",
                "合计"
            ]
        );
        let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let reason = records.iter().find(|r| &r[0] == "退回原因").unwrap();
        assert_eq!((&reason[1], &reason[6]), ("a,b \"x\"", "1"));
        let scope_row = records.iter().find(|r| &r[0] == "范围").unwrap();
        assert_eq!(&scope_row[1], "本柜台数据（柜台 k1，办理点 0104）");
        assert!(
            records
                .iter()
                .any(|r| &r[0] == "名单" && &r[1] == "尚未前来" && &r[6] == "1")
        );
        assert!(records.iter().all(|r| r.len() == 7));
    }
}
