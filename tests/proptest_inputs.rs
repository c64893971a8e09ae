//! "No panic on any input": the scan parser and the three roster importers fed arbitrary,
//! grammar-shaped and mutated input, 10,000 cases per property. Every error must still say
//! something sensible (a kind, a message, a location inside the file, a field of the record),
//! and whatever parses must mean exactly what was written.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone};
use ed25519_dalek::SigningKey;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::string::string_regex;
use serde_json::{Value, json};

use grad_intake::domain::candidate::{
    Candidate, CandidateType, Course, IdType, Level, PhotoStatus, PriorDegree, PriorKind,
};
use grad_intake::domain::ids::{ExamNo, Gender, check_char};
use grad_intake::domain::scan::{
    self, FormCode, MAX_PAYLOAD_BYTES, PublicKeys, Scan, signed_payload,
};
use grad_intake::roster_file::{self, CSV_COLUMNS, Format, ImportError, Location};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 10_000,
        // Keep failures in the test output only: no regression files next to the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- scan payloads --------------------------------------------------------------------------

fn signing_key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn public_keys() -> &'static PublicKeys {
    static KEYS: OnceLock<PublicKeys> = OnceLock::new();
    KEYS.get_or_init(|| PublicKeys::from_keys(vec![signing_key().verifying_key()]))
}

fn form_code() -> FormCode {
    FormCode {
        exam_no: ExamNo::parse("010523100123").unwrap(),
        batch: "2023H1".into(),
        site_code: "0104".into(),
        issued: NaiveDate::from_ymd_opt(2023, 6, 10).unwrap(),
    }
}

/// The payload the portal would print for `form_code()`.
fn valid_payload() -> &'static str {
    static PAYLOAD: OnceLock<String> = OnceLock::new();
    PAYLOAD.get_or_init(|| signed_payload(&form_code(), &signing_key()))
}

fn valid_signature() -> &'static str {
    valid_payload().rsplit_once('|').unwrap().1
}

const SCAN_ERROR_KINDS: [&str; 4] = [
    "bad_payload",
    "bad_checksum",
    "bad_signature",
    "no_public_key",
];

/// Parses `payload` and checks that whatever comes out is consistent with what went in.
fn check_scan(payload: &str) -> Result<(), TestCaseError> {
    let text = payload.trim();
    match scan::parse(payload, public_keys()) {
        Ok(Scan::Signed(code)) => {
            // Only the one payload we signed can carry a valid signature.
            prop_assert_eq!(
                text,
                valid_payload(),
                "forged payload accepted: {:?}",
                payload
            );
            prop_assert_eq!(code, form_code());
        }
        Ok(Scan::ExamNo(no)) => {
            prop_assert_eq!(no.as_str(), text);
        }
        Ok(Scan::IdNo(id)) => {
            prop_assert_eq!(id.as_str(), text.to_ascii_uppercase());
        }
        Err(e) => {
            prop_assert!(SCAN_ERROR_KINDS.contains(&e.kind()), "{:?}", e);
            prop_assert!(!e.to_string().trim().is_empty());
            if text.len() > MAX_PAYLOAD_BYTES {
                prop_assert_eq!(e.kind(), "bad_payload");
            }
        }
    }
    if text.len() > MAX_PAYLOAD_BYTES {
        prop_assert!(
            scan::parse(payload, public_keys()).is_err(),
            "over-long payload accepted"
        );
    }
    Ok(())
}

/// Pieces of the real grammar and things near it.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("ZK1|".to_owned()),
        Just("ZK1".to_owned()),
        Just("|".to_owned()),
        Just("010523100123".to_owned()),
        "[0-9]{0,20}",
        Just("2023H1".to_owned()),
        "[0-9]{4}H[0-9]",
        Just("0104".to_owned()),
        "[0-9]{3,5}",
        Just("20230610".to_owned()),
        "[0-9]{8}",
        "[A-Za-z0-9_-]{0,100}",
        "[A-Za-z0-9+/=_-]{84,90}",
        Just(valid_signature().to_owned()),
        "[0-9]{17}[0-9Xx]",
        "[ \t\r\n\u{3000}]{1,3}",
        any::<char>().prop_map(String::from),
    ]
}

/// `ZK1|<exam_no>|<batch>|<site>|<issued>|<sig>` with each part right, nearly right or wrong.
fn structured_payload() -> impl Strategy<Value = String> {
    let exam = prop_oneof![
        Just("010523100123".to_owned()),
        "[0-9]{10,13}",
        "[0-9a-z]{12}",
        ".{0,4}"
    ];
    let batch = prop_oneof![
        Just("2023H1".to_owned()),
        "[0-9]{4}H[0-9]",
        "[0-9A-Z]{5,7}",
        ".{0,3}"
    ];
    let site = prop_oneof![Just("0104".to_owned()), "[0-9]{3,5}", ".{0,3}"];
    let issued = prop_oneof![
        Just("20230610".to_owned()),
        "20[0-9]{6}",
        "[0-9]{7,9}",
        ".{0,3}"
    ];
    let sig = prop_oneof![
        Just(valid_signature().to_owned()),
        "[A-Za-z0-9_-]{86}",
        "[A-Za-z0-9_-]{86}==",
        "[A-Za-z0-9+/=_-]{0,120}",
        ".{0,10}",
    ];
    let extra = prop_oneof![
        Just(String::new()),
        Just("|".to_owned()),
        "\\|[A-Za-z0-9]{0,5}"
    ];
    let pad = "[ \t\r\n]{0,2}";
    (pad, exam, batch, site, issued, extra, sig, pad)
        .prop_map(|(a, e, b, s, i, x, g, z)| format!("{a}ZK1|{e}|{b}|{s}|{i}{x}|{g}{z}"))
}

/// Characters a mutation puts into the payload: mostly its own alphabet, sometimes anything.
fn mutation_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => select("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=|".chars().collect::<Vec<_>>()),
        1 => select(vec![' ', '\t', '\r', '\n', '\u{3000}', '\u{a0}', '\0', 'Ｚ', '１']),
        1 => any::<char>(),
    ]
}

#[derive(Debug, Clone, Copy)]
enum Edit {
    Replace,
    Insert,
    Delete,
}

/// One single-character change of `text` at character position `pos` (taken modulo the length).
fn edit(text: &str, edit: Edit, pos: usize, c: char) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    match edit {
        Edit::Replace => {
            let i = pos % chars.len();
            chars[i] = c;
        }
        Edit::Insert => chars.insert(pos % (chars.len() + 1), c),
        Edit::Delete => {
            chars.remove(pos % chars.len());
        }
    }
    chars.into_iter().collect()
}

/// A changed signed payload is refused, unless the change was to white space the parser trims,
/// in which case it is the identical code.
fn check_mutated(mutated: &str) -> Result<(), TestCaseError> {
    let result = scan::parse(mutated, public_keys());
    if mutated.trim() == valid_payload() {
        prop_assert_eq!(result, Ok(Scan::Signed(form_code())), "{:?}", mutated);
    } else {
        prop_assert!(
            result.is_err(),
            "changed payload {:?} parsed as {:?}",
            mutated,
            result
        );
    }
    Ok(())
}

#[test]
fn valid_payload_parses() {
    assert_eq!(
        scan::parse(valid_payload(), public_keys()),
        Ok(Scan::Signed(form_code()))
    );
    assert_eq!(
        scan::parse(&format!(" \t{}\r\n", valid_payload()), public_keys()),
        Ok(Scan::Signed(form_code()))
    );
}

/// Deterministic sweep: every position, every character of the payload alphabet (and some
/// others), replaced and inserted; every single deletion.
#[test]
fn every_single_character_change_of_a_signed_payload_is_refused() {
    let payload = valid_payload();
    let n = payload.chars().count();
    let alphabet: Vec<char> =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=| \t\r\n\u{3000}\0"
            .chars()
            .collect();
    let mut tried = 0;
    for pos in 0..=n {
        if pos < n {
            check_mutated(&edit(payload, Edit::Delete, pos, ' ')).unwrap();
            tried += 1;
        }
        for &c in &alphabet {
            if pos < n && payload.chars().nth(pos) != Some(c) {
                check_mutated(&edit(payload, Edit::Replace, pos, c)).unwrap();
                tried += 1;
            }
            check_mutated(&edit(payload, Edit::Insert, pos, c)).unwrap();
            tried += 1;
        }
    }
    assert!(tried > 10_000, "{tried}");
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scan_arbitrary_string(s in any::<String>()) {
        check_scan(&s)?;
    }

    #[test]
    fn scan_arbitrary_bytes_lossily_decoded(bytes in vec(any::<u8>(), 0..700)) {
        check_scan(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn scan_grammar_fragments(parts in vec(fragment(), 0..12)) {
        check_scan(&parts.concat())?;
    }

    #[test]
    fn scan_structured_payloads(payload in structured_payload()) {
        check_scan(&payload)?;
    }

    #[test]
    fn scan_single_character_change_of_signed_payload(
        kind in select(vec![Edit::Replace, Edit::Insert, Edit::Delete]),
        pos in 0usize..1000,
        c in mutation_char(),
    ) {
        let mutated = edit(valid_payload(), kind, pos, c);
        prop_assume!(mutated != valid_payload());
        check_mutated(&mutated)?;
    }
}

// ---- roster files ---------------------------------------------------------------------------

// The fields of a roster record (DESIGN §8).
use grad_intake::domain::candidate::FIELDS as RECORD_FIELDS;

/// The example record of DESIGN §8.
fn example_json() -> Value {
    json!({"exam_no": "010523100123", "name": "张三", "gender": "男",
     "id_type": "居民身份证", "id_no": "440106199001011235",
     "level": "专科", "major_code": "670202", "major_name": "商务英语", "exam_school": "广东外语外贸大学",
     "batch": "2023H1", "site_code": "0104", "phone": "13800000000", "candidate_type": "社会考生",
     "prediction_passed": true, "photo_status": "approved", "photo_sha256": null,
     "prior_degree": {"kind": "domestic", "verified": true, "cert_no": "1234567890"},
     "identity_changed": false,
     "courses": [{"code": "00015", "name": "英语（二）", "score": "72", "date": "2022-04"}],
     "qr": null, "updated_at": "2023-06-10T10:00:00+08:00"})
}

/// The example with exam number `0105231<i:05>`.
fn example_numbered(i: usize) -> Value {
    let mut v = example_json();
    v["exam_no"] = json!(format!("0105231{:05}", i));
    v
}

/// The top-level field an error's field path is about.
fn top_field(field: &str) -> &str {
    field.split(['.', '[']).next().unwrap_or(field)
}

fn field_is_about(field: &str, top: &str) -> bool {
    top_field(field) == top
}

/// Highest line number an error may name in `text` (any of CR, LF, CRLF may end a line).
fn max_line(text: &str) -> usize {
    text.matches('\n').count() + text.matches('\r').count() + 1
}

/// A record that is not a JSON object (or not JSON at all) names no field (""), or "?" for an
/// unreadable key inside an object.
fn names_no_field_wrongly(field: &str) -> bool {
    matches!(top_field(field), "" | "?")
}

/// What every import error must satisfy, whatever the input.
fn check_import_error(text: &str, format: Format, err: &ImportError) -> Result<(), TestCaseError> {
    prop_assert!(!err.message.trim().is_empty(), "{:?}", err);
    prop_assert!(!err.to_string().is_empty());
    match err.location {
        Location::Line(n) => {
            prop_assert!(
                n >= 1 && n <= max_line(text),
                "line {} of {} in {:?}",
                n,
                max_line(text),
                err
            );
        }
        Location::Record(n) => {
            prop_assert_eq!(format, Format::Json, "{:?}", err);
            prop_assert!(n >= 1, "{:?}", err);
        }
        Location::File => {
            // Only a file without a record, or a CSV header that cannot be read, concerns the
            // whole file.
            prop_assert!(
                format == Format::Csv || err.message == grad_intake::strings::IMPORT_NO_RECORDS,
                "{:?}",
                err
            );
        }
    }
    if !err.field.is_empty() && !names_no_field_wrongly(&err.field) {
        prop_assert!(
            RECORD_FIELDS.contains(&top_field(&err.field)),
            "field {:?} in {:?}",
            err.field,
            err
        );
    }
    Ok(())
}

fn check_import(text: &str, format: Format) -> Result<(), TestCaseError> {
    match roster_file::parse(text, format) {
        Ok(candidates) => {
            for c in &candidates {
                prop_assert!(c.validate().is_ok(), "{:?}", c);
            }
        }
        Err(err) => check_import_error(text, format, &err)?,
    }
    Ok(())
}

/// JSON-looking tokens, to get further into the importers than random text does.
fn json_token() -> impl Strategy<Value = String> {
    prop_oneof![
        select(vec![
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "\n",
            "\r\n",
            " ",
            "null",
            "true",
            "1",
            "-0.5e3",
            "\"\"",
            "\"\\u0000\""
        ])
        .prop_map(str::to_owned),
        select(RECORD_FIELDS.to_vec()).prop_map(|f| format!("\"{f}\"")),
        select(vec![
            "\"010523100123\"",
            "\"男\"",
            "\"专科\"",
            "\"2023H1\"",
            "\"0104\"",
            "\"440106199001011235\""
        ])
        .prop_map(str::to_owned),
        "\"[^\"\\\\]{0,8}\"",
        Just(example_json().to_string()),
        Just(serde_json::to_string(&example_json()["courses"]).unwrap()),
    ]
}

/// A JSON value of any shape, biased to values that are right for some field.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        any::<String>().prop_map(Value::String),
        select(vec![
            "",
            " ",
            "男",
            "女",
            "X",
            "专科",
            "本科",
            "硕士",
            "居民身份证",
            "港澳台居民证件",
            "护照",
            "其他",
            "社会考生",
            "公开学院",
            "approved",
            "pending",
            "rejected",
            "missing",
            "domestic",
            "self_study",
            "overseas",
            "2023H1",
            "2023H3",
            "0104",
            "104",
            "010523100123",
            "01052310012",
            "440106199001011235",
            "440106199001011234",
            "11010519491231002x",
            "2023-06-10T10:00:00+08:00",
            "2023-06-10",
            "合格",
            "72",
            "true",
            "1",
            "是",
            "0000000000000000000000000000000000000000000000000000000000000000",
            "名\u{7}字",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec(("[a-z_]{1,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// Where in the record a mutation lands.
#[derive(Debug, Clone)]
enum Target {
    Field(&'static str),
    Prior(&'static str),
    Course(&'static str),
    WholeCourse,
    Unknown,
}

impl Target {
    /// The top-level field an error about this mutation names.
    fn top(&self) -> &'static str {
        match self {
            Target::Field(f) => f,
            Target::Prior(_) => "prior_degree",
            Target::Course(_) | Target::WholeCourse => "courses",
            Target::Unknown => "",
        }
    }
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        6 => select(RECORD_FIELDS.to_vec()).prop_map(Target::Field),
        1 => select(vec!["kind", "verified", "cert_no", "extra"]).prop_map(Target::Prior),
        1 => select(vec!["code", "name", "score", "date", "extra"]).prop_map(Target::Course),
        1 => Just(Target::WholeCourse),
        1 => Just(Target::Unknown),
    ]
}

/// `None` removes the field.
fn mutate(record: &mut Value, target: &Target, value: Option<Value>) {
    let (object, key) = match target {
        Target::Field(f) => (record, *f),
        Target::Prior(f) => (&mut record["prior_degree"], *f),
        Target::Course(f) => (&mut record["courses"][0], *f),
        Target::WholeCourse => {
            let courses = record["courses"].as_array_mut().unwrap();
            match value {
                Some(v) => courses[0] = v,
                None => {
                    courses.remove(0);
                }
            }
            return;
        }
        Target::Unknown => (record, "some_new_field"),
    };
    let map = object.as_object_mut().unwrap();
    match value {
        Some(v) => {
            map.insert(key.to_owned(), v);
        }
        None => {
            map.remove(key);
        }
    }
}

/// `n` valid records, then the mutated one (last, so that a duplicate exam number it may have
/// been given is reported on it).
fn mutated_roster(n: usize, target: &Target, value: Option<Value>) -> (Vec<Value>, Value) {
    let mut records: Vec<Value> = (0..n).map(example_numbered).collect();
    let mut last = example_numbered(n);
    mutate(&mut last, target, value);
    records.push(last.clone());
    (records, last)
}

/// The error (if any) about a mutated last record is at `location`, about the mutated field.
fn check_mutation_outcome(
    text: &str,
    format: Format,
    result: Result<Vec<Candidate>, ImportError>,
    last: &Value,
    target: &Target,
    location: Location,
    count: usize,
) -> Result<(), TestCaseError> {
    let direct = Candidate::from_json_value(last);
    match result {
        Ok(candidates) => {
            prop_assert_eq!(candidates.len(), count);
            prop_assert_eq!(Ok(candidates.last().unwrap()), direct.as_ref());
        }
        Err(err) => {
            check_import_error(text, format, &err)?;
            prop_assert_eq!(&err.location, &location, "{:?}", err);
            let top = target.top();
            let duplicate = err.field == "exam_no" && direct.is_ok();
            prop_assert!(
                duplicate || field_is_about(&err.field, top),
                "mutated {:?}, error names field {:?}: {}",
                target,
                err.field,
                err
            );
            let exam_no = last
                .get("exam_no")
                .and_then(Value::as_str)
                .map(str::to_owned);
            prop_assert_eq!(&err.exam_no, &exam_no);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn import_arbitrary_text_json(text in any::<String>()) {
        check_import(&text, Format::Json)?;
    }

    #[test]
    fn import_arbitrary_text_jsonl(text in any::<String>()) {
        check_import(&text, Format::Jsonl)?;
    }

    #[test]
    fn import_arbitrary_text_csv(text in any::<String>()) {
        check_import(&text, Format::Csv)?;
    }

    #[test]
    fn import_json_like_tokens(tokens in vec(json_token(), 0..30), bom in any::<bool>()) {
        let text = format!("{}{}", if bom { "\u{feff}" } else { "" }, tokens.concat());
        for format in [Format::Json, Format::Jsonl, Format::Csv] {
            check_import(&text, format)?;
        }
    }

    #[test]
    fn import_json_records_with_a_mutated_field(
        n in 0usize..4,
        target in target(),
        value in proptest::option::weighted(0.85, json_value()),
        blank_lines in vec(proptest::option::of(select(vec!["", "   ", "\t"])), 5),
    ) {
        let (records, last) = mutated_roster(n, &target, value);
        let count = records.len();

        // JSON array: the error names the record.
        let text = serde_json::to_string_pretty(&records).unwrap();
        let result = roster_file::parse(&text, Format::Json);
        check_mutation_outcome(&text, Format::Json, result, &last, &target, Location::Record(count), count)?;

        // JSON Lines, with blank lines between records: the error names the line.
        let mut lines = Vec::new();
        for (i, record) in records.iter().enumerate() {
            if let Some(Some(blank)) = blank_lines.get(i) {
                lines.push((*blank).to_owned());
            }
            lines.push(record.to_string());
        }
        let line = lines.len();
        let text = lines.join("\n");
        let result = roster_file::parse(&text, Format::Jsonl);
        check_mutation_outcome(&text, Format::Jsonl, result, &last, &target, Location::Line(line), count)?;
    }

    #[test]
    fn import_csv_with_a_mutated_cell(
        n in 0usize..4,
        column in 0usize..CSV_COLUMNS.len(),
        cell in prop_oneof![
            any::<String>(),
            "[^\\p{Cc}]{0,12}",
            "[a-z0-9 ,;:\"\n\r]{0,12}",
            select(vec!["", " ", "true", "否", "2", "男", "本科", "护照", "domestic", "2023H1", "0104",
                "010523100123", "440106199001011235", "00015:英语:72:2022-04", "a:b", "a:b:c:d;;x",
                "2023-06-10T10:00:00+08:00"]).prop_map(str::to_owned),
        ],
    ) {
        let candidates: Vec<Candidate> =
            (0..=n).map(|i| Candidate::from_json_value(&example_numbered(i)).unwrap()).collect();
        let mut rows = csv_rows(&candidates);
        rows.last_mut().unwrap()[column] = cell;
        let text = write_rows(&CSV_COLUMNS.map(str::to_owned), &rows);
        let result = roster_file::parse(&text, Format::Csv);
        // Header on line 1, one line per earlier row (none of them holds a line break).
        let location = Location::Line(n + 2);
        let column_name = CSV_COLUMNS[column];
        let top = if column_name.starts_with("prior_degree") { "prior_degree" } else { column_name };
        match result {
            Ok(parsed) => prop_assert_eq!(parsed.len(), n + 1),
            Err(err) => {
                check_import_error(&text, Format::Csv, &err)?;
                prop_assert_eq!(&err.location, &location, "{:?}", err);
                prop_assert!(
                    field_is_about(&err.field, top) || err.field == "exam_no",
                    "changed column {}, error names field {:?}: {}", column_name, err.field, err
                );
                if column_name != "exam_no" {
                    prop_assert_eq!(err.exam_no.as_deref(), Some(candidates[n].exam_no.as_str()));
                }
            }
        }
    }

    #[test]
    fn import_csv_with_a_column_or_cells_removed(
        n in 0usize..4,
        column in 0usize..CSV_COLUMNS.len(),
        drop_cells in 0usize..3,
    ) {
        let candidates: Vec<Candidate> =
            (0..=n).map(|i| Candidate::from_json_value(&example_numbered(i)).unwrap()).collect();
        let header = CSV_COLUMNS.map(str::to_owned).to_vec();
        let mut rows = csv_rows(&candidates);
        if drop_cells == 0 {
            // A whole column is missing: every record lacks the field.
            let mut header = header;
            header.remove(column);
            for row in &mut rows {
                row.remove(column);
            }
            let text = write_rows(&header, &rows);
            let column_name = CSV_COLUMNS[column];
            let top = if column_name.starts_with("prior_degree") { "prior_degree" } else { column_name };
            match roster_file::parse(&text, Format::Csv) {
                Ok(parsed) => prop_assert_eq!(parsed.len(), n + 1),
                Err(err) if err.location == Location::Line(1) => {
                    // A required column: the header is checked before any record, naming it.
                    check_import_error(&text, Format::Csv, &err)?;
                    prop_assert!(err.message.contains(column_name), "removed {}: {:?}", column_name, err);
                }
                Err(err) => {
                    // An optional one (a part of the prior degree): the record names the field.
                    check_import_error(&text, Format::Csv, &err)?;
                    prop_assert_eq!(&err.location, &Location::Line(2), "{:?}", err);
                    prop_assert!(field_is_about(&err.field, top), "removed {}: {:?}", column_name, err);
                }
            }
        } else {
            // The last row is short of cells.
            let last = rows.last_mut().unwrap();
            last.truncate(last.len() - drop_cells);
            let text = write_rows(&header, &rows);
            let err = roster_file::parse(&text, Format::Csv).unwrap_err();
            check_import_error(&text, Format::Csv, &err)?;
            prop_assert_eq!(&err.location, &Location::Line(n + 2), "{:?}", err);
        }
    }

    #[test]
    fn import_csv_with_random_cells(
        header in prop_oneof![
            Just(CSV_COLUMNS.map(str::to_owned).to_vec()),
            vec(prop_oneof![select(CSV_COLUMNS.to_vec()).prop_map(str::to_owned), "[a-z_]{0,6}"], 0..25),
        ],
        rows in vec(vec(prop_oneof![
            any::<String>(),
            "[a-z0-9 ,;:\"\n\r]{0,10}",
            select(vec!["", "010523100123", "男", "居民身份证", "440106199001011235", "专科", "670202",
                "2023H1", "0104", "社会考生", "true", "approved", "domestic", "00015:英语:72:2022-04",
                "2023-06-10T10:00:00+08:00"]).prop_map(str::to_owned),
        ], 0..26), 0..4),
        quoted in any::<bool>(),
    ) {
        let text = if quoted {
            write_rows(&header, &rows)
        } else {
            // Cells joined as they are: stray quotes, commas and line breaks included.
            std::iter::once(&header).chain(&rows).map(|r| r.join(",")).collect::<Vec<_>>().join("\n")
        };
        check_import(&text, Format::Csv)?;
    }
}

/// The cells `write_csv` writes for each candidate.
fn csv_rows(candidates: &[Candidate]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    roster_file::write_csv(candidates, &mut out).unwrap();
    let mut reader = csv::Reader::from_reader(out.as_slice());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn write_rows(header: &[String], rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    writer.write_record(header).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

// ---- round trip -----------------------------------------------------------------------------

/// Text without control characters that is not only white space.
fn text_field(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        string_regex(&format!("[^\\p{{Cc}}]{{1,{max}}}")).unwrap(),
        string_regex(&format!(
            "[张王李欧阳演示喆堃·a-zA-Z ,\"';:（）-]{{1,{max}}}"
        ))
        .unwrap(),
    ]
    .prop_filter("not blank", |s| !s.trim().is_empty())
}

/// A course as the portal sends it; the CSV form joins courses with `;`, so names hold none.
fn course() -> impl Strategy<Value = Course> {
    (
        "[0-9]{5}",
        text_field(16).prop_filter("no ;", |s| !s.contains(';')),
        prop_oneof![
            Just("合格".to_owned()),
            (0u32..=100).prop_map(|n| n.to_string())
        ],
        (2000u32..2030, 1u32..=12).prop_map(|(y, m)| format!("{y}-{m:02}")),
    )
        .prop_map(|(code, name, score, date)| Course {
            code,
            name,
            score,
            date,
        })
}

fn resident_id() -> impl Strategy<Value = String> {
    ("[1-6][0-9]{5}", 0i64..40_000, 0u32..1000, any::<bool>()).prop_map(
        |(area, days, seq, lower)| {
            let birth = NaiveDate::from_ymd_opt(1920, 1, 1).unwrap() + chrono::Duration::days(days);
            let first17 = format!("{area}{}{seq:03}", birth.format("%Y%m%d"));
            let check = check_char(first17.as_bytes());
            let check = if lower {
                check.to_ascii_lowercase()
            } else {
                check
            };
            format!("{first17}{check}")
        },
    )
}

fn instant() -> impl Strategy<Value = DateTime<FixedOffset>> {
    (946_684_800i64..2_000_000_000, 0u32..1000, -48i32..=56).prop_map(
        |(secs, millis, quarter_hours)| {
            let offset = FixedOffset::east_opt(quarter_hours * 15 * 60).unwrap();
            offset.timestamp_opt(secs, millis * 1_000_000).unwrap()
        },
    )
}

#[derive(Debug, Clone)]
struct Spec {
    name: String,
    gender: Gender,
    id: (IdType, String),
    level: Level,
    major: (String, String, String),
    place: (String, String, String),
    candidate_type: CandidateType,
    flags: (bool, bool),
    photo: (PhotoStatus, Option<String>),
    prior: Option<PriorDegree>,
    courses: Vec<Course>,
    qr: Option<String>,
    updated_at: DateTime<FixedOffset>,
}

fn spec() -> impl Strategy<Value = Spec> {
    let id = prop_oneof![
        3 => resident_id().prop_map(|id| (IdType::ResidentCard, id)),
        1 => (select(vec![IdType::HkMacaoTaiwan, IdType::Passport, IdType::Other]), text_field(20)),
    ];
    let prior = (
        select(vec![
            PriorKind::Domestic,
            PriorKind::SelfStudy,
            PriorKind::Overseas,
        ]),
        any::<bool>(),
        proptest::option::of("[0-9A-Za-z-]{1,20}"),
    )
        .prop_map(|(kind, verified, cert_no)| PriorDegree {
            kind,
            verified,
            cert_no,
        });
    (
        (
            text_field(50).prop_filter("≤ 50 characters", |s| s.chars().count() <= 50),
            select(vec![Gender::Male, Gender::Female]),
            id,
        ),
        (
            select(vec![Level::Associate, Level::Bachelor]),
            ("[0-9]{6}", text_field(20), text_field(20)),
        ),
        ("20[0-9]{2}H[12]", "[0-9]{4}", "1[0-9]{10}"),
        (
            select(vec![CandidateType::Social, CandidateType::OpenCollege]),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            select(vec![
                PhotoStatus::Approved,
                PhotoStatus::Pending,
                PhotoStatus::Rejected,
                PhotoStatus::Missing,
            ]),
            proptest::option::of("[0-9a-f]{64}"),
        ),
        prior,
        vec(course(), 0..20),
        proptest::option::of(
            "ZK1\\|[0-9]{12}\\|[0-9]{4}H[12]\\|[0-9]{4}\\|[0-9]{8}\\|[A-Za-z0-9_-]{86}",
        ),
        instant(),
    )
        .prop_map(
            |(
                (name, gender, id),
                (level, major),
                place,
                (candidate_type, a, b),
                photo,
                prior,
                courses,
                qr,
                updated_at,
            )| Spec {
                name,
                gender,
                id,
                prior: (level == Level::Bachelor).then_some(prior),
                level,
                major,
                place,
                candidate_type,
                flags: (a, b),
                photo,
                courses,
                qr,
                updated_at,
            },
        )
}

/// Candidates with distinct exam numbers, starting from the example record.
fn candidates() -> impl Strategy<Value = Vec<Candidate>> {
    ("[0-9]{7}", vec(spec(), 1..5)).prop_map(|(prefix, specs)| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let mut c = Candidate::from_json_value(&example_json()).unwrap();
                c.exam_no = ExamNo::parse(&format!("{prefix}{i:05}")).unwrap();
                c.name = s.name;
                c.gender = s.gender;
                (c.id_type, c.id_no) = s.id;
                if c.id_type == IdType::ResidentCard {
                    // Parsing upper-cases a resident ID's check character; the round trip
                    // starts from the canonical form.
                    c.id_no.make_ascii_uppercase();
                }
                c.level = s.level;
                (c.major_code, c.major_name, c.exam_school) = s.major;
                (c.batch, c.site_code, c.phone) = s.place;
                c.candidate_type = s.candidate_type;
                (c.prediction_passed, c.identity_changed) = s.flags;
                (c.photo_status, c.photo_sha256) = s.photo;
                c.prior_degree = s.prior;
                c.courses = s.courses;
                c.qr = s.qr;
                c.updated_at = s.updated_at;
                c
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn round_trip_csv_and_jsonl(candidates in candidates()) {
        for c in &candidates {
            prop_assert!(c.validate().is_ok(), "generated an invalid candidate: {:?}", c);
        }

        let mut csv = Vec::new();
        roster_file::write_csv(&candidates, &mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let parsed = roster_file::parse(&csv, Format::Csv);
        prop_assert_eq!(parsed.as_ref(), Ok(&candidates), "{}", csv);

        let jsonl: Vec<String> = candidates.iter().map(|c| serde_json::to_string(c).unwrap()).collect();
        let jsonl = jsonl.join("\n");
        let parsed = roster_file::parse(&jsonl, Format::Jsonl);
        prop_assert_eq!(parsed.as_ref(), Ok(&candidates), "{}", jsonl);

        let json = serde_json::to_string(&candidates).unwrap();
        let parsed = roster_file::parse(&json, Format::Json);
        prop_assert_eq!(parsed.as_ref(), Ok(&candidates));
    }
}

// ---- known defects --------------------------------------------------------------------------

// A record that is not a JSON object (JSON Lines line `5`, `{`, `!`, `"exam_no"`; JSON array
// element `5`) names no field: the clerk must not read "第1行，字段 .：…".
#[test]
fn a_record_that_is_not_an_object_names_no_field() {
    let cases = [
        ("5", Format::Jsonl),
        ("!", Format::Jsonl),
        ("{", Format::Jsonl),
        ("{[", Format::Jsonl),
        ("\"exam_no\"", Format::Jsonl),
        ("[5]", Format::Json),
    ];
    for (text, format) in cases {
        let err = roster_file::parse(text, format).unwrap_err();
        assert!(
            err.field.is_empty() || RECORD_FIELDS.contains(&top_field(&err.field)),
            "{text:?} ({format:?}): field {:?} in {err}",
            err.field
        );
    }
}

// serde's derived struct visitor also accepts a JSON array of the values in declaration order;
// DESIGN §8 defines a record as an object with named fields, so a positional record such as
// `["010523100123","张三","男",…]` is refused.
#[test]
fn a_record_given_as_a_positional_array_is_refused() {
    let example = example_json();
    let values: Vec<Value> = RECORD_FIELDS.iter().map(|f| example[*f].clone()).collect();
    let line = Value::Array(values).to_string();
    let as_line = roster_file::parse(&line, Format::Jsonl);
    assert!(
        as_line.is_err(),
        "positional record accepted from JSON Lines: {as_line:?}"
    );
    let as_element = roster_file::parse(&format!("[{line}]"), Format::Json);
    assert!(
        as_element.is_err(),
        "positional record accepted from a JSON array: {as_element:?}"
    );
}
