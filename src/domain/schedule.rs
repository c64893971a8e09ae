//! Office sites and their in-person windows, and the pure judgement "is this counter open now?".
//!
//! Sites (address, phones, daily sessions) and windows (the dates of one batch at one site) come
//! from TOML documents: `data/districts.toml`, `data/windows/<batch>.toml` and anything imported
//! later. All times of day are local Asia/Shanghai time; `now` is always passed in.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use super::office_time::OFFICE_TZ as Shanghai;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::domain::candidate::{is_batch, is_site_code};
use crate::strings;

/// One daily office session, `[start, end)`: at `end` the counter is already closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Session {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

/// An office (办理地点) where graduates hand in their materials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub code: String,
    pub name: String,
    pub city: String,
    pub address: String,
    pub phones: Vec<String>,
    /// Sorted and non-overlapping (checked at parse).
    pub sessions: Vec<Session>,
    /// False for a site candidates may not choose for in-person review (0101 广州市区).
    pub individual_intake: bool,
    pub source: String,
}

/// The in-person dates of one site for one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub batch: String,
    pub site_code: String,
    pub dates: Vec<NaiveDate>,
    pub source: String,
}

/// What a counter is doing at a given instant (DESIGN §8 `window.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    Open,
    Break,
    BeforeHours,
    AfterHours,
    BeforeWindow,
    WindowOver,
    NotAWindowDay,
    NoWindow,
}

impl WindowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Break => "break",
            Self::BeforeHours => "before_hours",
            Self::AfterHours => "after_hours",
            Self::BeforeWindow => "before_window",
            Self::WindowOver => "window_over",
            Self::NotAWindowDay => "not_a_window_day",
            Self::NoWindow => "no_window",
        }
    }

    pub fn is_open(self) -> bool {
        self == Self::Open
    }
}

/// The status of one site's window at an instant, and when it will next change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowState {
    pub site_code: String,
    pub status: WindowStatus,
    /// The instant of the next status change, in +08:00; `None` for window_over and no_window.
    pub until: Option<DateTime<FixedOffset>>,
}

/// A site or window document that cannot be used. Names the document and the entry and field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScheduleError {
    /// The text is not TOML at all.
    #[error(
        "{doc}：{}{line}{}：{}（{message}）",
        strings::SCHEDULE_LINE_BEFORE,
        strings::SCHEDULE_LINE_AFTER,
        strings::SCHEDULE_SYNTAX
    )]
    Syntax {
        doc: String,
        line: usize,
        message: String,
    },
    /// One entry (`[[site]] #2（0103）`, `[[window]] #1（0105）` or the top level) is wrong.
    #[error("{doc}：{entry}{}：{message}", field_suffix(.field))]
    Entry {
        doc: String,
        entry: String,
        field: String,
        message: String,
    },
}

fn field_suffix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!("：{field}")
    }
}

/// Every site and window known to this counter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    sites: BTreeMap<String, Site>,
    windows: Vec<Window>,
}

/// The documents compiled into the binary. `include_str!` cannot glob, so a new batch file under
/// `data/windows/` must be listed here too.
const BUILTIN_DOCS: &[(&str, &str)] = &[
    (
        "data/districts.toml",
        include_str!("../../data/districts.toml"),
    ),
    (
        "data/windows/2023H1.toml",
        include_str!("../../data/windows/2023H1.toml"),
    ),
];

impl Schedule {
    /// Parses several TOML documents; each may hold `[[site]]` and/or `[[window]]` entries (and an
    /// optional top-level `batch`, which windows without their own `batch` inherit). Later
    /// documents add sites/windows; a site code given twice replaces the earlier site.
    pub fn from_docs(docs: &[(&str, &str)]) -> Result<Self, ScheduleError> {
        let mut schedule = Self::default();
        for (name, text) in docs {
            schedule.merge_doc(name, text)?;
        }
        Ok(schedule)
    }

    /// data/districts.toml + data/windows/*.toml embedded with include_str!.
    pub fn builtin() -> Result<Self, ScheduleError> {
        Self::from_docs(BUILTIN_DOCS)
    }

    /// Adds one more document (used for windows imported later and for demo data). A bad document
    /// changes nothing.
    pub fn merge_doc(&mut self, name: &str, text: &str) -> Result<(), ScheduleError> {
        let raw = parse_doc(name, text)?;
        let batch = top_level_batch(name, raw.batch)?;
        let mut sites = BTreeMap::new();
        for (index, value) in raw.site.into_iter().enumerate() {
            let site = parse_site_entry(name, index, value)?;
            sites.insert(site.code.clone(), site);
        }
        let known = |code: &str| self.sites.contains_key(code) || sites.contains_key(code);
        let windows = raw
            .window
            .into_iter()
            .enumerate()
            .map(|(index, value)| parse_window_entry(name, index, value, batch.as_deref(), &known))
            .collect::<Result<Vec<_>, _>>()?;
        self.sites.extend(sites);
        self.windows.extend(windows);
        Ok(())
    }

    pub fn site(&self, code: &str) -> Option<&Site> {
        self.sites.get(code)
    }

    /// All sites, ordered by code.
    pub fn sites(&self) -> impl Iterator<Item = &Site> {
        self.sites.values()
    }

    /// All windows, in the order their documents gave them.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// The status of `site_code`'s window at `now`.
    pub fn status(&self, site_code: &str, now: DateTime<Utc>) -> WindowState {
        let (status, until) = self.judge(site_code, super::office_time::local(now).naive_local());
        WindowState {
            site_code: site_code.to_owned(),
            status,
            until: until.map(shanghai_instant),
        }
    }

    fn judge(&self, site_code: &str, now: NaiveDateTime) -> (WindowStatus, Option<NaiveDateTime>) {
        let Some(site) = self.site(site_code).filter(|site| site.individual_intake) else {
            return (WindowStatus::NoWindow, None);
        };
        let batches = self.window_days(site_code);
        match site.sessions.first() {
            Some(first) if !batches.is_empty() => {
                judge_batches(&site.sessions, first.start, &batches, now)
            }
            _ => (WindowStatus::NoWindow, None),
        }
    }

    /// The window days of one site, one set per batch, ordered by each batch's first day.
    fn window_days(&self, site_code: &str) -> Vec<BTreeSet<NaiveDate>> {
        let mut by_batch: BTreeMap<&str, BTreeSet<NaiveDate>> = BTreeMap::new();
        for window in self.windows.iter().filter(|w| w.site_code == site_code) {
            by_batch
                .entry(&window.batch)
                .or_default()
                .extend(&window.dates);
        }
        let mut batches: Vec<_> = by_batch
            .into_values()
            .filter(|days| !days.is_empty())
            .collect();
        batches.sort_by_key(|days| days.first().copied());
        batches
    }
}

/// Judges local time `now` against a site's batches; `opens` is the start of its first session.
fn judge_batches(
    sessions: &[Session],
    opens: NaiveTime,
    batches: &[BTreeSet<NaiveDate>],
    now: NaiveDateTime,
) -> (WindowStatus, Option<NaiveDateTime>) {
    let date = now.date();
    let covers =
        |days: &&BTreeSet<NaiveDate>| days.first() <= Some(&date) && days.last() >= Some(&date);
    if let Some(days) = batches.iter().find(covers) {
        return judge_in_batch(sessions, opens, days, now);
    }
    match batches
        .iter()
        .filter_map(|days| days.first())
        .find(|first| **first > date)
    {
        Some(first) => (WindowStatus::BeforeWindow, Some(first.and_time(opens))),
        None => (WindowStatus::WindowOver, None),
    }
}

/// Judges a local time whose date lies between the first and the last day of one batch.
fn judge_in_batch(
    sessions: &[Session],
    opens: NaiveTime,
    days: &BTreeSet<NaiveDate>,
    now: NaiveDateTime,
) -> (WindowStatus, Option<NaiveDateTime>) {
    let (date, time) = (now.date(), now.time());
    let next_day = days.range((Bound::Excluded(date), Bound::Unbounded)).next();
    let next_opening = next_day.map(|day| day.and_time(opens));
    if !days.contains(&date) {
        return (WindowStatus::NotAWindowDay, next_opening);
    }
    if time < opens {
        return (WindowStatus::BeforeHours, Some(date.and_time(opens)));
    }
    // Sessions are sorted: the first one not yet over says whether we are in it or before it.
    if let Some(session) = sessions.iter().find(|s| time < s.end) {
        return if time >= session.start {
            (WindowStatus::Open, Some(date.and_time(session.end)))
        } else {
            (WindowStatus::Break, Some(date.and_time(session.start)))
        };
    }
    match next_opening {
        Some(at) => (WindowStatus::AfterHours, Some(at)),
        None => (WindowStatus::WindowOver, None),
    }
}

/// A local Shanghai wall-clock time as an instant. China has kept +08:00 without daylight saving
/// since 1991; a time that falls in an old DST gap is read as plain +08:00.
fn shanghai_instant(local: NaiveDateTime) -> DateTime<FixedOffset> {
    match Shanghai.from_local_datetime(&local).earliest() {
        Some(at) => at.fixed_offset(),
        None => Shanghai
            .from_utc_datetime(&(local - chrono::Duration::hours(8)))
            .fixed_offset(),
    }
}

// ---- parsing ----------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc {
    batch: Option<String>,
    #[serde(default)]
    site: Vec<toml::Table>,
    #[serde(default)]
    window: Vec<toml::Table>,
}

// Unknown fields are refused so that a misspelt key (say `individual_intak`) is an error rather
// than a silently missing value.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    code: String,
    name: String,
    city: String,
    address: String,
    phones: Vec<String>,
    sessions: Vec<[String; 2]>,
    individual_intake: bool,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWindow {
    site: String,
    batch: Option<String>,
    dates: Vec<String>,
    source: String,
}

/// A bad field inside one entry; the caller adds the document and entry names.
struct Bad {
    field: String,
    message: String,
}

impl Bad {
    fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

fn parse_doc(doc: &str, text: &str) -> Result<RawDoc, ScheduleError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ScheduleError::Syntax {
        doc: doc.to_owned(),
        line: e.span().map_or(0, |span| line_of(text, span.start)),
        message: e.message().to_owned(),
    })?;
    deserialize_entry(table)
        .map_err(|bad| entry_error(doc, strings::SCHEDULE_TOP_LEVEL.to_owned(), bad))
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map_or(0, |before| before.matches('\n').count() + 1)
}

/// Deserializes one table, naming the field that failed (`sessions[1]`, `dates[0]`, ...).
fn deserialize_entry<T: for<'de> Deserialize<'de>>(table: toml::Table) -> Result<T, Bad> {
    serde_path_to_error::deserialize(table).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().message();
        // serde reports a missing field at its parent table; name the field itself.
        let field = match (path.as_str(), missing_field(message)) {
            (".", Some(name)) => name.to_owned(),
            (".", None) => String::new(),
            (_, Some(name)) => format!("{path}.{name}"),
            (_, None) => path,
        };
        Bad::new(field, strings::describe_serde_error(message))
    })
}

fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

fn entry_error(doc: &str, entry: String, bad: Bad) -> ScheduleError {
    ScheduleError::Entry {
        doc: doc.to_owned(),
        entry,
        field: bad.field,
        message: bad.message,
    }
}

/// `[[site]] #2（0103）`: the entry's position (from 1) and, when readable, its code.
fn entry_label(kind: &str, index: usize, table: &toml::Table, key: &str) -> String {
    match table.get(key).and_then(toml::Value::as_str) {
        Some(code) => format!("[[{kind}]] #{}（{code}）", index + 1),
        None => format!("[[{kind}]] #{}", index + 1),
    }
}

fn top_level_batch(doc: &str, batch: Option<String>) -> Result<Option<String>, ScheduleError> {
    match batch {
        Some(batch) if !is_batch(&batch) => {
            let bad = Bad::new("batch", strings::FIELD_BATCH);
            Err(entry_error(
                doc,
                strings::SCHEDULE_TOP_LEVEL.to_owned(),
                bad,
            ))
        }
        batch => Ok(batch),
    }
}

fn parse_site_entry(doc: &str, index: usize, table: toml::Table) -> Result<Site, ScheduleError> {
    let label = entry_label("site", index, &table, "code");
    deserialize_entry(table)
        .and_then(validate_site)
        .map_err(|bad| entry_error(doc, label, bad))
}

fn validate_site(raw: RawSite) -> Result<Site, Bad> {
    if !is_site_code(&raw.code) {
        return Err(Bad::new("code", strings::FIELD_SITE_CODE));
    }
    for (field, value) in [
        ("name", &raw.name),
        ("city", &raw.city),
        ("source", &raw.source),
    ] {
        if value.trim().is_empty() {
            return Err(Bad::new(field, strings::FIELD_EMPTY));
        }
    }
    let sessions = parse_sessions(&raw.sessions)?;
    if raw.individual_intake && sessions.is_empty() {
        return Err(Bad::new("sessions", strings::SCHEDULE_NO_SESSIONS));
    }
    Ok(Site {
        code: raw.code,
        name: raw.name,
        city: raw.city,
        address: raw.address,
        phones: raw.phones,
        sessions,
        individual_intake: raw.individual_intake,
        source: raw.source,
    })
}

fn parse_sessions(raw: &[[String; 2]]) -> Result<Vec<Session>, Bad> {
    let mut sessions: Vec<Session> = Vec::with_capacity(raw.len());
    for (i, [start, end]) in raw.iter().enumerate() {
        let field = format!("sessions[{i}]");
        let (Some(start), Some(end)) = (parse_time(start), parse_time(end)) else {
            return Err(Bad::new(field, strings::SCHEDULE_TIME_FORMAT));
        };
        if start >= end {
            return Err(Bad::new(field, strings::SCHEDULE_SESSION_ORDER));
        }
        if sessions.last().is_some_and(|previous| previous.end > start) {
            return Err(Bad::new(field, strings::SCHEDULE_SESSION_OVERLAP));
        }
        sessions.push(Session { start, end });
    }
    Ok(sessions)
}

/// "HH:MM" or "HH:MM:SS" with two digits each; chrono alone would also take "9:15" or a leap second.
fn parse_time(text: &str) -> Option<NaiveTime> {
    let format = match text.len() {
        5 => "%H:%M",
        8 => "%H:%M:%S",
        _ => return None,
    };
    let shaped = text.bytes().enumerate().all(|(i, b)| {
        if i % 3 == 2 {
            b == b':'
        } else {
            b.is_ascii_digit()
        }
    });
    let time = NaiveTime::parse_from_str(text, format).ok()?;
    (shaped && time.nanosecond() < 1_000_000_000).then_some(time)
}

/// "YYYY-MM-DD" exactly, and a day that exists.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shaped {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn parse_window_entry(
    doc: &str,
    index: usize,
    table: toml::Table,
    doc_batch: Option<&str>,
    site_known: &dyn Fn(&str) -> bool,
) -> Result<Window, ScheduleError> {
    let label = entry_label("window", index, &table, "site");
    deserialize_entry(table)
        .and_then(|raw| validate_window(raw, doc_batch, site_known))
        .map_err(|bad| entry_error(doc, label, bad))
}

fn validate_window(
    raw: RawWindow,
    doc_batch: Option<&str>,
    site_known: &dyn Fn(&str) -> bool,
) -> Result<Window, Bad> {
    if !is_site_code(&raw.site) {
        return Err(Bad::new("site", strings::FIELD_SITE_CODE));
    }
    if !site_known(&raw.site) {
        return Err(Bad::new("site", strings::SCHEDULE_UNKNOWN_SITE));
    }
    let Some(batch) = raw.batch.or_else(|| doc_batch.map(str::to_owned)) else {
        return Err(Bad::new("batch", strings::SCHEDULE_NO_BATCH));
    };
    if !is_batch(&batch) {
        return Err(Bad::new("batch", strings::FIELD_BATCH));
    }
    if raw.source.trim().is_empty() {
        return Err(Bad::new("source", strings::FIELD_EMPTY));
    }
    Ok(Window {
        batch,
        site_code: raw.site,
        dates: parse_dates(&raw.dates)?,
        source: raw.source,
    })
}

fn parse_dates(raw: &[String]) -> Result<Vec<NaiveDate>, Bad> {
    if raw.is_empty() {
        return Err(Bad::new("dates", strings::SCHEDULE_NO_DATES));
    }
    raw.iter()
        .enumerate()
        .map(|(i, text)| {
            parse_date(text)
                .ok_or_else(|| Bad::new(format!("dates[{i}]"), strings::SCHEDULE_DATE_FORMAT))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use WindowStatus::*;

    /// (site, now, expected status, expected `until` or "" for None). Instants are RFC 3339,
    /// mostly written in +08:00 so that the table reads in local time.
    type Case = (&'static str, &'static str, WindowStatus, &'static str);

    fn builtin() -> Schedule {
        Schedule::builtin().expect("builtin data parses")
    }

    fn instant(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).expect("test instant")
    }

    fn check_table(schedule: &Schedule, cases: &[Case]) {
        for &(site, now, status, until) in cases {
            let state = schedule.status(site, instant(now).with_timezone(&Utc));
            let expected = (!until.is_empty()).then(|| instant(until));
            assert_eq!(state.site_code, site);
            let context = format!("site {site:?} at {now}");
            assert_eq!((state.status, state.until), (status, expected), "{context}");
            // Equal instants may differ in offset; `until` must be written in +08:00.
            let offset = state.until.map(|u| u.offset().local_minus_utc());
            assert!(offset.is_none_or(|o| o == 8 * 3600), "{context}");
        }
    }

    // 海珠区 0104: 6/16 and 6/17, 9:15-11:30 and 14:30-17:30.
    #[rustfmt::skip]
    const GUANGZHOU: &[Case] = &[
        ("0104", "2023-06-16T00:00:00+08:00", BeforeHours, "2023-06-16T09:15:00+08:00"),
        ("0104", "2023-06-16T09:14:59+08:00", BeforeHours, "2023-06-16T09:15:00+08:00"),
        ("0104", "2023-06-16T09:15:00+08:00", Open, "2023-06-16T11:30:00+08:00"),
        ("0104", "2023-06-16T11:29:59+08:00", Open, "2023-06-16T11:30:00+08:00"),
        ("0104", "2023-06-16T11:30:00+08:00", Break, "2023-06-16T14:30:00+08:00"),
        ("0104", "2023-06-16T14:29:59+08:00", Break, "2023-06-16T14:30:00+08:00"),
        ("0104", "2023-06-16T14:30:00+08:00", Open, "2023-06-16T17:30:00+08:00"),
        ("0104", "2023-06-16T17:29:59+08:00", Open, "2023-06-16T17:30:00+08:00"),
        ("0104", "2023-06-16T17:30:00+08:00", AfterHours, "2023-06-17T09:15:00+08:00"),
        ("0104", "2023-06-16T23:59:59+08:00", AfterHours, "2023-06-17T09:15:00+08:00"),
        ("0104", "2023-06-17T09:14:59+08:00", BeforeHours, "2023-06-17T09:15:00+08:00"),
        ("0104", "2023-06-17T14:30:00+08:00", Open, "2023-06-17T17:30:00+08:00"),
        ("0104", "2023-06-17T17:29:59+08:00", Open, "2023-06-17T17:30:00+08:00"),
        ("0104", "2023-06-17T17:30:00+08:00", WindowOver, ""),
        // The same kind of instants given in UTC: the local (Shanghai) date and time decide.
        ("0104", "2023-06-16T01:15:00Z", Open, "2023-06-16T11:30:00+08:00"),
        ("0104", "2023-06-15T16:00:00Z", BeforeHours, "2023-06-16T09:15:00+08:00"),
        ("0104", "2023-06-15T15:59:59Z", BeforeWindow, "2023-06-16T09:15:00+08:00"),
    ];

    // 天河区 0105: 6/15 and 6/18 only.
    #[rustfmt::skip]
    const TIANHE: &[Case] = &[
        ("0105", "2023-06-15T10:00:00+08:00", Open, "2023-06-15T11:30:00+08:00"),
        ("0105", "2023-06-15T17:30:00+08:00", AfterHours, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-16T00:00:00+08:00", NotAWindowDay, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-16T10:00:00+08:00", NotAWindowDay, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-17T15:00:00+08:00", NotAWindowDay, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-17T23:59:59+08:00", NotAWindowDay, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-18T09:14:59+08:00", BeforeHours, "2023-06-18T09:15:00+08:00"),
        ("0105", "2023-06-18T17:30:00+08:00", WindowOver, ""),
    ];

    // 韶关市区 0201: 6/19-20, 8:30-11:30 and 14:30-17:00.
    #[rustfmt::skip]
    const SHAOGUAN: &[Case] = &[
        ("0201", "2023-05-19T10:00:00+08:00", BeforeWindow, "2023-06-19T08:30:00+08:00"),
        ("0201", "2023-06-18T23:59:59+08:00", BeforeWindow, "2023-06-19T08:30:00+08:00"),
        ("0201", "2023-06-19T08:29:59+08:00", BeforeHours, "2023-06-19T08:30:00+08:00"),
        ("0201", "2023-06-19T08:30:00+08:00", Open, "2023-06-19T11:30:00+08:00"),
        ("0201", "2023-06-19T11:30:00+08:00", Break, "2023-06-19T14:30:00+08:00"),
        ("0201", "2023-06-19T16:59:59+08:00", Open, "2023-06-19T17:00:00+08:00"),
        ("0201", "2023-06-19T17:00:00+08:00", AfterHours, "2023-06-20T08:30:00+08:00"),
        ("0201", "2023-06-20T08:30:00+08:00", Open, "2023-06-20T11:30:00+08:00"),
        ("0201", "2023-06-20T17:00:00+08:00", WindowOver, ""),
        ("0201", "2023-06-21T09:00:00+08:00", WindowOver, ""),
        ("0201", "2024-06-19T09:00:00+08:00", WindowOver, ""),
    ];

    // 广州市区 takes no individual intake, even on the districts' window days.
    #[rustfmt::skip]
    const NO_WINDOW: &[Case] = &[
        ("0101", "2023-06-16T10:00:00+08:00", NoWindow, ""),
        ("9999", "2023-06-16T10:00:00+08:00", NoWindow, ""),
        ("", "2023-06-16T10:00:00+08:00", NoWindow, ""),
    ];

    #[test]
    fn guangzhou_district_boundaries() {
        check_table(&builtin(), GUANGZHOU);
    }

    #[test]
    fn tianhe_gap_days_are_not_window_days() {
        check_table(&builtin(), TIANHE);
    }

    #[test]
    fn shaoguan_sessions() {
        check_table(&builtin(), SHAOGUAN);
    }

    #[test]
    fn sites_without_a_window() {
        check_table(&builtin(), NO_WINDOW);
        let no_windows = Schedule::from_docs(&[("sites", SITE_0301)]).expect("parses");
        check_table(
            &no_windows,
            &[("0301", "2023-06-16T10:00:00+08:00", NoWindow, "")],
        );
    }

    const SITE_0301: &str = r#"
        [[site]]
        code = "0301"
        name = "深圳市区"
        city = "深圳市"
        address = "sample"
        phones = []
        sessions = [["09:00", "12:00"], ["14:00", "18:00"]]
        individual_intake = true
        source = "seeds/README.md (sample)"
    "#;

    const H1_0301: &str = r#"
        batch = "2023H1"
        [[window]]
        site = "0301"
        dates = ["2023-06-16"]
        source = "t"
    "#;

    const H2_0301: &str = r#"
        [[window]]
        batch = "2023H2"
        site = "0301"
        dates = ["2023-12-10", "2023-12-09"]
        source = "t"
    "#;

    // The last day of a batch ends in window_over even when a later batch exists (DESIGN rule).
    #[rustfmt::skip]
    const TWO_BATCHES: &[Case] = &[
        ("0301", "2023-06-01T10:00:00+08:00", BeforeWindow, "2023-06-16T09:00:00+08:00"),
        ("0301", "2023-06-16T18:00:00+08:00", WindowOver, ""),
        ("0301", "2023-06-17T10:00:00+08:00", BeforeWindow, "2023-12-09T09:00:00+08:00"),
        ("0301", "2023-12-09T12:00:00+08:00", Break, "2023-12-09T14:00:00+08:00"),
        ("0301", "2023-12-09T18:00:00+08:00", AfterHours, "2023-12-10T09:00:00+08:00"),
        ("0301", "2023-12-10T18:00:00+08:00", WindowOver, ""),
    ];

    #[test]
    fn several_batches_of_one_site() {
        let mut schedule = Schedule::from_docs(&[("sites", SITE_0301)]).expect("parses");
        // Merged out of order: the status does not depend on the order of the documents.
        schedule.merge_doc("h2", H2_0301).expect("h2 parses");
        schedule.merge_doc("h1", H1_0301).expect("h1 parses");
        assert_eq!(
            schedule.windows()[1].batch,
            "2023H1",
            "inherits the top-level batch"
        );
        check_table(&schedule, TWO_BATCHES);
    }

    #[test]
    fn later_site_replaces_earlier_and_bad_doc_changes_nothing() {
        let mut schedule = builtin();
        let replacement = SITE_0301
            .replace("0301", "0201")
            .replace("深圳市区", "韶关（新）");
        schedule
            .merge_doc("override", &replacement)
            .expect("parses");
        assert_eq!(
            schedule.site("0201").map(|s| s.name.as_str()),
            Some("韶关（新）")
        );
        // The windows stay; the new hours apply.
        let case = (
            "0201",
            "2023-06-19T08:30:00+08:00",
            BeforeHours,
            "2023-06-19T09:00:00+08:00",
        );
        check_table(&schedule, &[case]);

        let before = schedule.clone();
        let bad = format!("{SITE_0301}{}", window_doc("0302", r#"["2023-06-01"]"#));
        assert!(schedule.merge_doc("bad", &bad).is_err());
        assert_eq!(schedule, before);
    }

    #[test]
    fn every_individual_intake_site_has_a_2023h1_window() {
        let schedule = builtin();
        assert_eq!(schedule.sites().count(), 13);
        for site in schedule.sites() {
            let windows = schedule.windows().iter();
            let has_window = windows
                .filter(|w| w.batch == "2023H1")
                .any(|w| w.site_code == site.code);
            assert_eq!(has_window, site.code != "0101", "site {}", site.code);
            assert_eq!(
                site.individual_intake,
                site.code != "0101",
                "site {}",
                site.code
            );
        }
    }

    #[test]
    fn builtin_sites_match_the_seeds() {
        let schedule = builtin();
        let codes: Vec<_> = schedule.sites().map(|s| s.code.as_str()).collect();
        #[rustfmt::skip]
        let expected = ["0101", "0102", "0103", "0104", "0105", "0106", "0107", "0108", "0109", "0110",
                        "0111", "0112", "0201"];
        assert_eq!(codes, expected);
        let session = |start, end| Session {
            start: parse_time(start).expect("test time"),
            end: parse_time(end).expect("test time"),
        };
        let guangzhou = [session("09:15", "11:30"), session("14:30", "17:30")];
        for site in schedule
            .sites()
            .filter(|s| s.city == "广州市" && s.code != "0101")
        {
            assert_eq!(site.sessions, guangzhou, "site {}", site.code);
        }
        let shaoguan = schedule.site("0201").expect("0201");
        assert_eq!(
            shaoguan.sessions,
            [session("08:30", "11:30"), session("14:30", "17:00")]
        );
        assert_eq!(shaoguan.phones, ["0751-8912116"]);
        assert_eq!(schedule.site("0108").map(|s| s.phones.len()), Some(2));
    }

    #[test]
    fn status_names_are_the_interface_strings() {
        #[rustfmt::skip]
        let all = [
            (Open, "open"), (Break, "break"), (BeforeHours, "before_hours"),
            (AfterHours, "after_hours"), (BeforeWindow, "before_window"),
            (WindowOver, "window_over"), (NotAWindowDay, "not_a_window_day"), (NoWindow, "no_window"),
        ];
        for (status, name) in all {
            assert_eq!(status.as_str(), name);
            assert_eq!(serde_json::to_value(status).expect("serializes"), name);
            assert_eq!(status.is_open(), status == Open);
        }
        let state = builtin().status("0105", instant("2023-06-16T10:00:00+08:00").to_utc());
        let expected = serde_json::json!({
            "site_code": "0105", "status": "not_a_window_day", "until": "2023-06-18T09:15:00+08:00"
        });
        assert_eq!(serde_json::to_value(&state).expect("serializes"), expected);
    }

    fn site_doc(code: &str, sessions: &str) -> String {
        format!(
            "[[site]]\ncode = \"{code}\"\nname = \"n\"\ncity = \"c\"\naddress = \"\"\nphones = []\n\
             sessions = {sessions}\nindividual_intake = true\nsource = \"s\"\n"
        )
    }

    fn window_doc(site: &str, dates: &str) -> String {
        format!(
            "[[window]]\nsite = \"{site}\"\nbatch = \"2023H1\"\ndates = {dates}\nsource = \"s\"\n"
        )
    }

    /// (document text, what the error must name)
    #[rustfmt::skip]
    fn bad_docs() -> Vec<(String, &'static str)> {
        let ok = r#"[["09:00", "12:00"]]"#;
        let site = site_doc("0301", ok);
        let with_window = |dates: &str| format!("{site}{}", window_doc("0301", dates));
        vec![
            (site_doc("0301", r#"[["9:15", "11:30"]]"#), "[[site]] #1（0301）：sessions[0]"),
            (site_doc("0301", r#"[["09:15", "25:00"]]"#), "[[site]] #1（0301）：sessions[0]"),
            (site_doc("0301", r#"[["09:15", "09:15"]]"#), "[[site]] #1（0301）：sessions[0]"),
            (site_doc("0301", r#"[["09:00", "12:00"], ["11:59", "14:00"]]"#), "[[site]] #1（0301）：sessions[1]"),
            (site_doc("0301", r#"[["14:00", "18:00"], ["09:00", "12:00"]]"#), "[[site]] #1（0301）：sessions[1]"),
            (site_doc("0301", r#"[["09:00"]]"#), "[[site]] #1（0301）：sessions[0]"),
            (site_doc("0301", "[]"), "[[site]] #1（0301）：sessions"),
            (format!("{site}{}", site_doc("301", ok)), "[[site]] #2（301）：code"),
            (site.replace("city = \"c\"\n", ""), "[[site]] #1（0301）：city"),
            (site.replace("source", "sauce"), "[[site]] #1（0301）：sauce"),
            (format!("{site}{}", window_doc("0302", r#"["2023-06-01"]"#)), "[[window]] #1（0302）：site"),
            (with_window(r#"["2023-02-30"]"#), "[[window]] #1（0301）：dates[0]"),
            (with_window(r#"["2023-06-01", "2023-6-2"]"#), "[[window]] #1（0301）：dates[1]"),
            (with_window("[]"), "[[window]] #1（0301）：dates"),
            (with_window("[\"2023-06-01\"]").replace("batch = \"2023H1\"\n", ""), "[[window]] #1（0301）：batch"),
            (format!("batch = \"2023\"\n{site}"), "文档顶层：batch"),
            (format!("sites = []\n{site}"), "文档顶层：sites"),
        ]
    }

    #[test]
    fn parse_errors_name_the_document_entry_and_field() {
        for (text, expected) in bad_docs() {
            let err = Schedule::from_docs(&[("doc.toml", &text)]).expect_err(&text);
            let shown = err.to_string();
            assert!(shown.starts_with("doc.toml："), "{shown}");
            assert!(
                shown.contains(expected),
                "expected {expected:?} in {shown:?} for\n{text}"
            );
        }
    }

    #[test]
    fn a_window_may_use_a_site_of_an_earlier_document() {
        let site = site_doc("0301", r#"[["09:00", "12:00"]]"#);
        let window = window_doc("0301", r#"["2023-06-01"]"#);
        assert!(Schedule::from_docs(&[("s", &site), ("w", &window)]).is_ok());
        let err =
            Schedule::from_docs(&[("w", &window), ("s", &site)]).expect_err("site not yet known");
        let ScheduleError::Entry {
            doc,
            field,
            message,
            ..
        } = err
        else {
            panic!("{err:?}")
        };
        assert_eq!((doc.as_str(), field.as_str()), ("w", "site"));
        assert_eq!(message, strings::SCHEDULE_UNKNOWN_SITE);
    }

    #[test]
    fn syntax_errors_give_the_line() {
        let err = Schedule::from_docs(&[("x.toml", "# ok\n\n[[site]\ncode = 1\n")])
            .expect_err("not TOML");
        assert!(
            matches!(err, ScheduleError::Syntax { line: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().starts_with("x.toml：第3行："), "{err}");
    }

    #[test]
    fn times_with_seconds_are_accepted() {
        let site = site_doc("0301", r#"[["09:00:30", "12:00:00"]]"#);
        let window = window_doc("0301", r#"["2023-06-01"]"#);
        let schedule = Schedule::from_docs(&[("s", &site), ("w", &window)]).expect("parses");
        #[rustfmt::skip]
        check_table(&schedule, &[
            ("0301", "2023-06-01T09:00:29+08:00", BeforeHours, "2023-06-01T09:00:30+08:00"),
            ("0301", "2023-06-01T09:00:30+08:00", Open, "2023-06-01T12:00:00+08:00"),
            ("0301", "2023-06-01T12:00:00+08:00", WindowOver, ""),
        ]);
        assert!(parse_time("23:59:60").is_none());
        assert!(parse_time("24:00").is_none());
        assert!(parse_time("09:15 ").is_none());
    }
}
