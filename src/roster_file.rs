//! Roster files as the portal or an administrator provides them: a JSON array, JSON Lines, or
//! CSV with the same flat columns (DESIGN §8). Parsing is all-or-nothing: the first bad record
//! stops it, and the error names the record (or line) and the field.

use std::collections::HashSet;
use std::fmt;
use std::io::Read;
use std::path::Path;

use serde_json::{Map, Value};
use thiserror::Error;

use crate::domain::candidate::{Candidate, CanonicalRecord, FieldError};
use crate::store::{ImportReport, RosterRow, RowSink, Store, StoreError};
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
    let format = settle_format(path, format)?;
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::file(format!("{}{e}", strings::IMPORT_READ)))?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::file(strings::IMPORT_NOT_UTF8))?;
    Ok((text, format))
}

pub fn parse(text: &str, format: Format) -> Result<Vec<Candidate>, ImportError> {
    let text = without_bom(text);
    let candidates = match format {
        Format::Json => collect_unique(parse_records(json_array_records(text)?)?)?,
        Format::Jsonl => collect_unique(parse_records(json_lines(text, 1))?)?,
        Format::Csv => parse_csv(text)?,
    };
    Ok(candidates.into_iter().map(|(_, c)| c).collect())
}

/// A roster file opened for [`import_file`], its format settled: opened before the database, so
/// that a file that cannot be read changes nothing.
pub struct RosterFile {
    file: std::fs::File,
    size: usize,
    format: Format,
}

/// Opens the roster file at `path`; the format from `format` or else the file name.
pub fn open(path: &Path, format: Option<Format>) -> Result<RosterFile, ImportError> {
    let format = settle_format(path, format)?;
    let file = std::fs::File::open(path).map_err(|e| read_error(&e))?;
    let size = file.metadata().map_or(0, |m| m.len());
    Ok(RosterFile {
        file,
        size: usize::try_from(size).unwrap_or(usize::MAX),
        format,
    })
}

/// Imports an opened roster file into `store`, reading it a block at a time: memory follows
/// the longest record, not the file's size. All or nothing, and the same error as [`parse`]
/// when the file is bad.
pub fn import_file(
    store: &mut Store,
    roster: RosterFile,
) -> Result<ImportReport, RosterImportError> {
    import_from(store, roster.file, roster.size, roster.format)
}

/// Parses `text` and stores its records in `store` (`Store::import_with`: one transaction),
/// storing while the rest is still being parsed. All or nothing, and the same error as
/// [`parse`] when the file is bad: the first bad record in file order, else the first exam
/// number given twice.
pub fn import(
    store: &mut Store,
    text: &str,
    format: Format,
) -> Result<ImportReport, RosterImportError> {
    import_from(store, text.as_bytes(), text.len(), format)
}

/// A roster record is about 1.5 KB of JSON: a line longer than this is no record (a file of
/// zero bytes, a binary file) and is refused before it fills memory.
const MAX_LINE: usize = 1 << 20;

/// Bytes of a JSON Lines file parsed and stored at a time.
const BLOCK: usize = 8 << 20;

/// Fewer bytes than any real record takes: the file's size over this is an upper estimate of
/// its records, which decides how a large import is written (`Store::import_with`).
const MIN_RECORD_BYTES: usize = 1_000;

fn import_from(
    store: &mut Store,
    reader: impl Read,
    size: usize,
    format: Format,
) -> Result<ImportReport, RosterImportError> {
    if size == 0 {
        return Err(ImportError::file(strings::IMPORT_EMPTY_FILE).into());
    }
    let expected = size / MIN_RECORD_BYTES;
    let mut dedup = Dedup::with_capacity(expected);
    match format {
        Format::Json => {
            // A JSON array may well be one long line: read whole (JSON Lines is the format
            // for rosters too large for that).
            let mut bytes = Vec::with_capacity(size);
            Checked::whole_lines(reader)
                .read_to_end(&mut bytes)
                .map_err(|e| read_error(&e))?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|_| ImportError::file(strings::IMPORT_NOT_UTF8))?;
            let records = json_array_records(without_bom(text))?;
            store.import_with(expected, |sink| {
                store_records(&records, sink, &mut dedup)?;
                Ok(dedup.finish()?)
            })
        }
        Format::Jsonl => {
            let mut blocks = Blocks::new(Checked::new(reader));
            store.import_with(expected, |sink| {
                while let Some((first_line, text)) = blocks.next()? {
                    store_records(&json_lines(text, first_line), sink, &mut dedup)?;
                }
                Ok(dedup.finish()?)
            })
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .from_reader(Checked::new(reader));
            let headers = csv_headers(&mut reader)?;
            store.import_with(expected, |sink| {
                store_csv_records(&mut reader, &headers, sink, &mut dedup)?;
                Ok(dedup.finish()?)
            })
        }
    }
}

/// Parses `records` on every core and hands their rows to `sink` in file order, while the
/// workers parse the rest.
fn store_records(
    records: &[(Location, &str)],
    sink: &mut RowSink<'_>,
    dedup: &mut Dedup,
) -> Result<(), RosterImportError> {
    crate::parallel::stream(records, IMPORT_CHUNK, parse_row, |rows| {
        for (row, (location, _)) in rows.zip(records) {
            let row = row?;
            if dedup.admit(location, row.exam_no()) {
                sink.put(&row)?;
            }
        }
        Ok(())
    })
}

/// CSV rows converted at a time (on every core).
const CSV_BATCH: usize = 1_024;

fn store_csv_records(
    reader: &mut csv::Reader<impl Read>,
    headers: &csv::StringRecord,
    sink: &mut RowSink<'_>,
    dedup: &mut Dedup,
) -> Result<(), RosterImportError> {
    let mut batch = Vec::with_capacity(CSV_BATCH);
    loop {
        batch.clear();
        for row in reader.records().take(CSV_BATCH) {
            batch.push(row.map_err(|e| csv_error(&e))?);
        }
        let rows = crate::parallel::map(&batch, |row| {
            let (location, candidate) = csv_candidate(headers, row)?;
            Ok::<_, RosterImportError>((location, RosterRow::new(&candidate)?))
        });
        for row in rows {
            let (location, row) = row?;
            if dedup.admit(&location, row.exam_no()) {
                sink.put(&row)?;
            }
        }
        if batch.len() < CSV_BATCH {
            return Ok(());
        }
    }
}

/// Records a parsing worker takes at a time (a few hundred kilobytes of JSON).
const IMPORT_CHUNK: usize = 256;

/// The format from `format`, else from the file name.
fn settle_format(path: &Path, format: Option<Format>) -> Result<Format, ImportError> {
    format
        .or_else(|| Format::from_path(path))
        .ok_or_else(|| ImportError::file(strings::IMPORT_UNKNOWN_FORMAT))
}

/// An error reading the file; the checks of [`Checked`] come back as their own error.
fn read_error(e: &std::io::Error) -> ImportError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<ImportError>())
    {
        Some(checked) => checked.clone(),
        None => ImportError::file(format!("{}{e}", strings::IMPORT_READ)),
    }
}

/// A roster file as it is read: refuses a zero byte (no text file has one: a zero-filled or
/// binary file) and a line longer than [`MAX_LINE`], naming the line, before either fills
/// memory.
struct Checked<R> {
    inner: R,
    /// The line being read (1-based) and its bytes so far.
    line: usize,
    line_len: usize,
    max_line: usize,
}

impl<R: Read> Checked<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            line: 1,
            line_len: 0,
            max_line: MAX_LINE,
        }
    }

    /// Without the limit on a line's length (a JSON array on one line).
    fn whole_lines(inner: R) -> Self {
        Self {
            max_line: usize::MAX,
            ..Self::new(inner)
        }
    }

    fn refuse(&self, line: usize, message: &str) -> std::io::Error {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            ImportError {
                location: Location::Line(line),
                exam_no: None,
                field: String::new(),
                message: message.to_owned(),
            },
        )
    }
}

impl<R: Read> Read for Checked<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let bytes = &buf[..n];
        if let Some(zero) = memchr::memchr(0, bytes) {
            let line = self.line + memchr::memchr_iter(b'\n', &bytes[..zero]).count();
            return Err(self.refuse(line, strings::IMPORT_ZERO_BYTE));
        }
        let mut start = 0;
        for newline in memchr::memchr_iter(b'\n', bytes) {
            if self.line_len + newline - start > self.max_line {
                return Err(self.refuse(self.line, strings::IMPORT_LINE_TOO_LONG));
            }
            self.line += 1;
            self.line_len = 0;
            start = newline + 1;
        }
        self.line_len += n - start;
        if self.line_len > self.max_line {
            return Err(self.refuse(self.line, strings::IMPORT_LINE_TOO_LONG));
        }
        Ok(n)
    }
}

/// A JSON Lines file in blocks of whole lines (about [`BLOCK`] bytes each, one buffer reused).
struct Blocks<R> {
    reader: Checked<R>,
    buf: Vec<u8>,
    /// Bytes of `buf` handed out in the last block.
    used: usize,
    /// The number of the next block's first line.
    line: usize,
    eof: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: Checked<R>) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            used: 0,
            line: 1,
            eof: false,
        }
    }

    /// The next lines, with the number of the first; `None` at the end of the file.
    fn next(&mut self) -> Result<Option<(usize, &str)>, ImportError> {
        self.buf.drain(..self.used);
        self.used = 0;
        if !self.eof {
            let want = BLOCK.saturating_sub(self.buf.len());
            let got = (&mut self.reader)
                .take(want as u64)
                .read_to_end(&mut self.buf)
                .map_err(|e| read_error(&e))?;
            self.eof = got < want;
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        let end = match memchr::memrchr(b'\n', &self.buf) {
            _ if self.eof => self.buf.len(),
            Some(newline) => newline + 1,
            // `Checked` refuses a line longer than a block before this.
            None => return Err(ImportError::file(strings::IMPORT_LINE_TOO_LONG)),
        };
        let block = &self.buf[..end];
        let text = std::str::from_utf8(block).map_err(|e| ImportError {
            location: Location::Line(
                self.line + memchr::memchr_iter(b'\n', &block[..e.valid_up_to()]).count(),
            ),
            exam_no: None,
            field: String::new(),
            message: strings::IMPORT_NOT_UTF8.into(),
        })?;
        let first = self.line;
        self.line += memchr::memchr_iter(b'\n', block).count();
        self.used = end;
        let text = if first == 1 { without_bom(text) } else { text };
        Ok(Some((first, text)))
    }
}

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

/// The non-blank lines of JSON Lines, each with its line number (`text` starts at line
/// `first`).
fn json_lines(text: &str, first: usize) -> Vec<(Location, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| (Location::Line(first + i), line))
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

/// The exam numbers of an import so far, refusing one given twice as `collect_unique` does. A
/// bad record anywhere in the file is reported before a duplicate (as [`parse`] does), so after
/// a duplicate the rest is still parsed, no longer stored, and the duplicate is reported at the
/// end ([`Dedup::finish`]).
struct Dedup {
    seen: HashSet<u64>,
    seen_text: HashSet<String>,
    duplicate: Option<ImportError>,
    records: usize,
}

impl Dedup {
    fn with_capacity(records: usize) -> Self {
        Self {
            seen: HashSet::with_capacity(records),
            seen_text: HashSet::new(),
            duplicate: None,
            records: 0,
        }
    }

    /// Whether the record at `location` is to be stored: its exam number is new, and no
    /// duplicate came before it.
    fn admit(&mut self, location: &Location, exam_no: &str) -> bool {
        self.records += 1;
        if self.duplicate.is_some() {
            return false;
        }
        // An exam number is 12 digits (`ExamNo`): as a number it is its own key.
        let first = match exam_no.parse::<u64>() {
            Ok(key) if exam_no.len() == 12 && exam_no.bytes().all(|b| b.is_ascii_digit()) => {
                self.seen.insert(key)
            }
            _ => self.seen_text.insert(exam_no.to_owned()),
        };
        if !first {
            self.duplicate = Some(ImportError {
                location: location.clone(),
                exam_no: Some(exam_no.to_owned()),
                field: "exam_no".into(),
                message: strings::IMPORT_DUPLICATE.into(),
            });
        }
        first
    }

    /// The import's verdict once every record was admitted or not.
    fn finish(&mut self) -> Result<(), ImportError> {
        match self.duplicate.take() {
            Some(duplicate) => Err(duplicate),
            None if self.records == 0 => Err(ImportError::file(strings::IMPORT_NO_RECORDS)),
            None => Ok(()),
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
    if out.is_empty() {
        return Err(ImportError::file(strings::IMPORT_NO_RECORDS));
    }
    Ok(out)
}

// ---- CSV -----------------------------------------------------------------------------------

/// Whether a CSV file may leave the column out: the record's optional fields, `photo_sha256`
/// to `qr` in [`CSV_COLUMNS`].
fn is_optional(column: &str) -> bool {
    CSV_COLUMNS[15..22].contains(&column)
}

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
    let headers = csv_headers(&mut reader)?;
    let parsed = reader.records().map(|row| {
        let row = row.map_err(|e| csv_error(&e))?;
        csv_candidate(&headers, &row)
    });
    collect_unique(parsed.collect::<Result<_, _>>()?)
}

/// The header row, checked before any record: every required column there, none unknown.
fn csv_headers(reader: &mut csv::Reader<impl Read>) -> Result<csv::StringRecord, ImportError> {
    let headers = reader.headers().map_err(|e| match e.kind() {
        csv::ErrorKind::Io(io) => read_error(io),
        _ => ImportError::file(format!("{}{e}", strings::IMPORT_CSV_HEADER)),
    })?;
    let missing: Vec<&str> = CSV_COLUMNS
        .into_iter()
        .filter(|c| !is_optional(c) && !headers.iter().any(|h| h == *c))
        .collect();
    let unknown: Vec<&str> = headers
        .iter()
        .filter(|h| !CSV_COLUMNS.contains(h))
        .collect();
    if missing.is_empty() && unknown.is_empty() {
        return Ok(headers.clone());
    }
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "{}{}",
            strings::IMPORT_CSV_MISSING,
            missing.join("、")
        ));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "{}{}",
            strings::IMPORT_CSV_UNKNOWN,
            unknown.join("、")
        ));
    }
    Err(ImportError {
        location: Location::Line(1),
        exam_no: None,
        field: String::new(),
        message: format!(
            "{}{}",
            problems.join("；"),
            strings::IMPORT_CSV_COLUMNS_HINT
        ),
    })
}

/// One CSV row as a candidate, validated like a JSON record.
fn csv_candidate(
    headers: &csv::StringRecord,
    row: &csv::StringRecord,
) -> Result<(Location, Candidate), ImportError> {
    let line = row.position().map_or(0, |p| p.line() as usize);
    let value = csv_row_to_json(headers, row);
    let exam_no = value
        .get("exam_no")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Candidate::from_json_value(&value)
        .map(|c| (Location::Line(line), c))
        .map_err(|e| ImportError::at(Location::Line(line), exam_no, e))
}

fn csv_error(e: &csv::Error) -> ImportError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        return read_error(io);
    }
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
