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
    std::fs::write(path, bytes).map_err(|source| Error::WriteCsv {
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
