//! Roster files as the portal or an administrator provides them: a JSON array, JSON Lines, or
//! CSV with the same flat columns (DESIGN §8). Parsing is all-or-nothing: the first bad record
//! stops it, and the error names the record (or line) and the field.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::domain::candidate::{Candidate, CanonicalRecord, FieldError};
use crate::store::{ImportReport, RosterRow, Store, StoreError};
use crate::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Jsonl,
    Csv,
}

impl Format {
    /// From the file name: `.json`, `.jsonl`/`.ndjson`, `.csv`.
    pub fn from_path(path: &Path) -> Option<Self> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// Where in the file a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The n-th element of a JSON array (1-based).
    Record(usize),
    /// A line of the file (1-based).
    Line(usize),
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Record(n) => write!(f, "第{n}条记录"),
            Location::Line(n) => write!(f, "第{n}行"),
            Location::File => f.write_str(strings::IMPORT_WHOLE_FILE),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{location}{exam}{field_part}：{message}。{hint}",
    exam = exam_no.as_ref().map(|e| format!("（准考证号 {e}）")).unwrap_or_default(),
    field_part = if field.is_empty() { String::new() } else { format!("，字段 {field}") },
    hint = strings::IMPORT_NOTHING_CHANGED)]
pub struct ImportError {
    pub location: Location,
    pub exam_no: Option<String>,
    pub field: String,
    pub message: String,
}

impl ImportError {
    fn file(message: impl Into<String>) -> Self {
        Self {
            location: Location::File,
            exam_no: None,
            field: String::new(),
            message: message.into(),
        }
    }

    fn at(location: Location, exam_no: Option<String>, e: FieldError) -> Self {
        Self {
            location,
            exam_no,
            field: e.field,
            message: e.message,
        }
    }
}

/// A roster import that did not happen: a bad file, or the database failed. Either way nothing
/// was stored.
#[derive(Debug, Error)]
pub enum RosterImportError {
    #[error(transparent)]
    File(#[from] ImportError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads and parses a roster file; the format comes from `format` or else the file name.
pub fn read(path: &Path, format: Option<Format>) -> Result<Vec<Candidate>, ImportError> {
    let (text, format) = read_text(path, format)?;
    parse(&text, format)
}

/// Reads a roster file into memory and settles its format (from `format` or else the file
/// name); nothing is parsed yet.
pub fn read_text(path: &Path, format: Option<Format>) -> Result<(String, Format), ImportError> {
    let format = format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| ImportError::file(strings::IMPORT_UNKNOWN_FORMAT))?;
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::file(format!("{}{e}", strings::IMPORT_READ)))?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::file(strings::IMPORT_NOT_UTF8))?;
    Ok((text, format))
}

pub fn parse(text: &str, format: Format) -> Result<Vec<Candidate>, ImportError> {
    let text = without_bom(text);
    let candidates = match format {
        Format::Json => collect_unique(parse_records(json_array_records(text)?)?)?,
        Format::Jsonl => collect_unique(parse_records(json_lines(text))?)?,
        Format::Csv => parse_csv(text)?,
    };
    Ok(candidates.into_iter().map(|(_, c)| c).collect())
}

/// Parses `text` and stores its records in `store` (`Store::import_rows`: one transaction),
/// storing while the rest is still being parsed. All or nothing, and the same error as
/// [`parse`] when the file is bad: the first bad record in file order, else the first exam
/// number given twice.
pub fn import(
    store: &mut Store,
    text: &str,
    format: Format,
) -> Result<ImportReport, RosterImportError> {
    let text = without_bom(text);
    let records = match format {
        Format::Json => json_array_records(text)?,
        Format::Jsonl => json_lines(text),
        Format::Csv => {
            let candidates: Vec<Candidate> = parse_csv(text)?.into_iter().map(|(_, c)| c).collect();
            return Ok(store.import_roster(&candidates)?);
        }
    };
    let expected = records.len();
    crate::parallel::stream(&records, IMPORT_CHUNK, parse_row, |rows| {
        let rows = Unique {
            rows,
            locations: records.iter(),
            seen: HashSet::with_capacity(expected),
            seen_text: HashSet::new(),
            duplicate: None,
        };
        store.import_rows(rows, expected)
    })
}

/// Records a parsing worker takes at a time (a few hundred kilobytes of JSON).
const IMPORT_CHUNK: usize = 256;

/// Files saved by Excel and Notepad start with a byte-order mark.
fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

type Located = Vec<(Location, Candidate)>;

/// The elements of a JSON array, each with its place.
fn json_array_records(text: &str) -> Result<Vec<(Location, &str)>, ImportError> {
    let records: Vec<&serde_json::value::RawValue> =
        serde_json::from_str(text).map_err(|e| ImportError {
            location: Location::Line(e.line()),
            exam_no: None,
            field: String::new(),
            message: format!("{}{e}", strings::IMPORT_NOT_JSON_ARRAY),
        })?;
    Ok(records
        .iter()
        .enumerate()
        .map(|(i, raw)| (Location::Record(i + 1), raw.get()))
        .collect())
}

/// The non-blank lines of JSON Lines, each with its line number.
fn json_lines(text: &str) -> Vec<(Location, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (Location::Line(i + 1), line))
        .collect()
}

/// Parses JSON records on every core: the roster of a whole city is hundreds of megabytes. The
/// results keep file order, so the error reported is the first one in the file.
fn parse_records(
    records: Vec<(Location, &str)>,
) -> Result<Vec<(Location, Candidate)>, ImportError> {
    crate::parallel::map(&records, |(location, text)| {
        parse_record(location, text).map(|c| (location.clone(), c))
    })
    .into_iter()
    .collect()
}

fn parse_record(location: &Location, text: &str) -> Result<Candidate, ImportError> {
    Candidate::from_json_str(text)
        .map_err(|e| ImportError::at(location.clone(), exam_no_in_json(text), e))
}

/// One record of an import, parsed and made into its table row (on a parsing worker). A
/// canonical record (files this program or the portal wrote hold nothing else) is read in place.
fn parse_row<'a>(
    (location, text): &(Location, &'a str),
) -> Result<RosterRow<'a>, RosterImportError> {
    if let Some(record) = CanonicalRecord::parse(text) {
        return Ok(RosterRow::from_canonical(&record));
    }
    let candidate = parse_record(location, text)?;
    Ok(RosterRow::from_raw(&candidate, text)?)
}

/// The rows of an import in file order, refusing an exam number given twice as
/// `collect_unique` does. A bad record anywhere in the file is reported before a duplicate (as
/// [`parse`] does), so after a duplicate the rest is still parsed, no longer stored, and the
/// duplicate is the iterator's last item.
struct Unique<'r, 'a, I> {
    rows: I,
    locations: std::slice::Iter<'r, (Location, &'a str)>,
    seen: HashSet<u64>,
    seen_text: HashSet<String>,
    duplicate: Option<ImportError>,
}

impl<'a, I> Iterator for Unique<'_, 'a, I>
where
    I: Iterator<Item = Result<RosterRow<'a>, RosterImportError>>,
{
    type Item = Result<RosterRow<'a>, RosterImportError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(row) = self.rows.next() else {
                return self.duplicate.take().map(|e| Err(e.into()));
            };
            let location = self.locations.next().map(|(l, _)| l);
            let row = match row {
                Ok(row) => row,
                Err(e) => return Some(Err(e)),
            };
            if self.duplicate.is_some() {
                continue;
            }
            // An exam number is 12 digits (`ExamNo`): as a number it is its own key.
            let exam_no = row.exam_no();
            let first = match exam_no.parse::<u64>() {
                Ok(key) if exam_no.len() == 12 && exam_no.bytes().all(|b| b.is_ascii_digit()) => {
                    self.seen.insert(key)
                }
                _ => self.seen_text.insert(exam_no.to_owned()),
            };
            if first {
                return Some(Ok(row));
            }
            self.duplicate = Some(ImportError {
                location: location.cloned().unwrap_or(Location::File),
                exam_no: Some(row.exam_no().to_owned()),
                field: "exam_no".into(),
                message: strings::IMPORT_DUPLICATE.into(),
            });
        }
    }
}

/// Best effort: the exam number of a record that failed, to name it in the error.
fn exam_no_in_json(text: &str) -> Option<String> {
    let value: Value = serde_json::from_str(text).ok()?;
    Some(value.get("exam_no")?.as_str()?.to_owned())
}

/// Refuses an exam number given twice, naming the second record.
fn collect_unique(parsed: Located) -> Result<Located, ImportError> {
    let mut seen = HashSet::with_capacity(parsed.len());
    let mut out = Vec::with_capacity(parsed.len());
    for (location, candidate) in parsed {
        if !seen.insert(candidate.exam_no.clone()) {
            return Err(ImportError {
                location,
                exam_no: Some(candidate.exam_no.to_string()),
                field: "exam_no".into(),
                message: strings::IMPORT_DUPLICATE.into(),
            });
        }
        out.push((location, candidate));
    }
    Ok(out)
}

// ---- CSV -----------------------------------------------------------------------------------

const BOOL_COLUMNS: [&str; 2] = ["prediction_passed", "identity_changed"];
const NULLABLE_COLUMNS: [&str; 2] = ["photo_sha256", "qr"];
const PRIOR_COLUMNS: [&str; 3] = [
    "prior_degree_kind",
    "prior_degree_verified",
    "prior_degree_cert_no",
];

fn parse_csv(text: &str) -> Result<Located, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::file(format!("{}{e}", strings::IMPORT_CSV_HEADER)))?
        .clone();
    let parsed = reader.records().map(|row| {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map_or(0, |p| p.line() as usize);
        let value = csv_row_to_json(&headers, &row);
        let exam_no = value
            .get("exam_no")
            .and_then(Value::as_str)
            .map(str::to_owned);
        Candidate::from_json_value(&value)
            .map(|c| (Location::Line(line), c))
            .map_err(|e| ImportError::at(Location::Line(line), exam_no, e))
    });
    collect_unique(parsed.collect::<Result<_, _>>()?)
}

fn csv_error(e: &csv::Error) -> ImportError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    ImportError {
        location: Location::Line(line),
        exam_no: None,
        field: String::new(),
        message: e.to_string(),
    }
}

/// Builds the JSON record of DESIGN §8 from a flat CSV row, so that CSV and JSON share one
/// validation.
fn csv_row_to_json(headers: &csv::StringRecord, row: &csv::StringRecord) -> Value {
    let mut map = Map::new();
    for (name, cell) in headers.iter().zip(row.iter()) {
        if PRIOR_COLUMNS.contains(&name) {
            continue;
        }
        let value = match name {
            n if BOOL_COLUMNS.contains(&n) => csv_bool(cell),
            n if NULLABLE_COLUMNS.contains(&n) && cell.is_empty() => Value::Null,
            "courses" => csv_courses(cell),
            _ => Value::String(cell.to_owned()),
        };
        map.insert(name.to_owned(), value);
    }
    map.insert("prior_degree".into(), csv_prior_degree(headers, row));
    Value::Object(map)
}

/// true/false, 1/0 and 是/否; anything else stays text so that validation names the field.
fn csv_bool(cell: &str) -> Value {
    match cell.trim() {
        "true" | "TRUE" | "1" | "是" => Value::Bool(true),
        "false" | "FALSE" | "0" | "否" => Value::Bool(false),
        other => Value::String(other.to_owned()),
    }
}

/// `code:name:score:date` joined by `;`. A course name may itself hold a colon, so the code is
/// the first part and score and date the last two.
fn csv_courses(cell: &str) -> Value {
    let courses = cell.split(';').filter(|c| !c.trim().is_empty()).map(|course| {
        let parts: Vec<&str> = course.split(':').collect();
        if parts.len() < 4 {
            return Value::String(course.to_owned());
        }
        let n = parts.len();
        serde_json::json!({
            "code": parts[0], "name": parts[1..n - 2].join(":"), "score": parts[n - 2], "date": parts[n - 1]
        })
    });
    Value::Array(courses.collect())
}

fn csv_prior_degree(headers: &csv::StringRecord, row: &csv::StringRecord) -> Value {
    let cell = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| row.get(i))
            .unwrap_or("")
    };
    let [kind, verified, cert_no] = PRIOR_COLUMNS.map(cell);
    if kind.is_empty() && verified.is_empty() && cert_no.is_empty() {
        return Value::Null;
    }
    let cert_no = if cert_no.is_empty() {
        Value::Null
    } else {
        Value::String(cert_no.to_owned())
    };
    serde_json::json!({"kind": kind, "verified": csv_bool(verified), "cert_no": cert_no})
}

/// The CSV columns, in the order `write_csv` writes them.
pub const CSV_COLUMNS: [&str; 23] = [
    "exam_no",
    "name",
    "gender",
    "id_type",
    "id_no",
    "level",
    "major_code",
    "major_name",
    "exam_school",
    "batch",
    "site_code",
    "phone",
    "candidate_type",
    "prediction_passed",
    "photo_status",
    "photo_sha256",
    "prior_degree_kind",
    "prior_degree_verified",
    "prior_degree_cert_no",
    "identity_changed",
    "courses",
    "qr",
    "updated_at",
];

/// Writes candidates as CSV with `CSV_COLUMNS` (the inverse of `parse` with `Format::Csv`).
pub fn write_csv(candidates: &[Candidate], out: impl std::io::Write) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_COLUMNS)?;
    for c in candidates {
        writer.write_record(csv_cells(c))?;
    }
    writer.flush()?;
    Ok(())
}

fn csv_cells(c: &Candidate) -> Vec<String> {
    let json = serde_json::to_value(c).unwrap_or(Value::Null);
    let text = |key: &str| match json.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    };
    let prior = c.prior_degree.as_ref();
    let courses: Vec<String> = c
        .courses
        .iter()
        .map(|k| format!("{}:{}:{}:{}", k.code, k.name, k.score, k.date))
        .collect();
    CSV_COLUMNS
        .iter()
        .map(|col| match *col {
            "prior_degree_kind" => prior
                .and_then(|p| serde_json::to_value(p.kind).ok())
                .map(|v| text_of(&v))
                .unwrap_or_default(),
            "prior_degree_verified" => prior.map(|p| p.verified.to_string()).unwrap_or_default(),
            "prior_degree_cert_no" => prior.and_then(|p| p.cert_no.clone()).unwrap_or_default(),
            "courses" => courses.join(";"),
            other => text(other),
        })
        .collect()
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}
