//! The roster record the portal sends for each candidate (DESIGN §8), and its validation.
//!
//! Parsing goes through `serde_path_to_error` so that every error names the field it is about;
//! `Candidate::validate` then checks what the types cannot say (ID checksum, batch shape, ...).

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::ids::{ExamNo, Gender, ResidentId, mask};
use crate::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdType {
    #[serde(rename = "居民身份证")]
    ResidentCard,
    #[serde(rename = "港澳台居民证件")]
    HkMacaoTaiwan,
    #[serde(rename = "护照")]
    Passport,
    #[serde(rename = "其他")]
    Other,
}

impl IdType {
    /// Seed 002 四(四)3(1): "使用非中国内地身份证申请毕业的考生".
    pub fn is_mainland(self) -> bool {
        self == IdType::ResidentCard
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "专科")]
    Associate,
    #[serde(rename = "本科")]
    Bachelor,
}

impl Level {
    pub fn label(self) -> &'static str {
        match self {
            Level::Associate => "专科",
            Level::Bachelor => "本科",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CandidateType {
    #[serde(rename = "社会考生")]
    Social,
    #[serde(rename = "公开学院")]
    OpenCollege,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhotoStatus {
    Approved,
    Pending,
    Rejected,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorKind {
    Domestic,
    SelfStudy,
    Overseas,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorDegree {
    pub kind: PriorKind,
    pub verified: bool,
    #[serde(default)]
    pub cert_no: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Course {
    pub code: String,
    pub name: String,
    /// A mark ("72") or "合格".
    pub score: String,
    /// Year and month the course was passed, "YYYY-MM".
    pub date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub exam_no: ExamNo,
    pub name: String,
    pub gender: Gender,
    pub id_type: IdType,
    pub id_no: String,
    pub level: Level,
    pub major_code: String,
    pub major_name: String,
    pub exam_school: String,
    pub batch: String,
    pub site_code: String,
    pub phone: String,
    pub candidate_type: CandidateType,
    pub prediction_passed: bool,
    pub photo_status: PhotoStatus,
    #[serde(default)]
    pub photo_sha256: Option<String>,
    #[serde(default)]
    pub prior_degree: Option<PriorDegree>,
    #[serde(default)]
    pub identity_changed: bool,
    #[serde(default)]
    pub courses: Vec<Course>,
    #[serde(default)]
    pub qr: Option<String>,
    pub updated_at: DateTime<FixedOffset>,
}

/// A problem with one field of one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

impl Candidate {
    /// Parses and validates one record given as JSON. Unknown fields are ignored.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self, FieldError> {
        if !value.is_object() {
            return Err(FieldError::new("", strings::RECORD_NOT_OBJECT));
        }
        Self::from_deserializer(value)
    }

    /// Parses and validates one record given as JSON text (one line of JSON Lines, one element
    /// of an array). Trailing text after the record is an error.
    pub fn from_json_str(text: &str) -> Result<Self, FieldError> {
        // serde would also read a struct from an array of values in field order; a roster
        // record is an object (DESIGN §8), and anything else says nothing about a field.
        if !text.trim_start().starts_with('{') {
            return Err(FieldError::new("", strings::RECORD_NOT_OBJECT));
        }
        // Tracking the path of every value costs a third of the parse; only a failed record
        // needs it, to name its field.
        if let Ok(candidate) = serde_json::from_str::<Candidate>(text) {
            return candidate.validated();
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let candidate = Self::from_deserializer(&mut de)?;
        de.end()
            .map_err(|e| FieldError::new("", strings::describe_serde_error(&e.to_string())))?;
        Ok(candidate)
    }

    fn from_deserializer<'de, D>(de: D) -> Result<Self, FieldError>
    where
        D: serde::Deserializer<'de, Error = serde_json::Error>,
    {
        let candidate: Candidate = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let raw = inner.to_string();
            // A missing field is reported at its parent; name the field itself. Broken JSON
            // names a field only when the parser stopped inside one of ours (not inside an
            // ignored unknown key).
            let broken = inner.is_syntax() || inner.is_eof();
            let field = match missing_field(&raw) {
                _ if broken && !FIELDS.contains(&path.split(['.', '[']).next().unwrap_or("")) => {
                    String::new()
                }
                Some(name) if path == "." => name.to_owned(),
                Some(name) => format!("{path}.{name}"),
                None if path == "." || path == "?" => String::new(),
                None => path,
            };
            FieldError {
                field,
                message: strings::describe_serde_error(&raw),
            }
        })?;
        candidate.validated()
    }

    /// Validates and puts the record in canonical form.
    fn validated(mut self) -> Result<Self, FieldError> {
        self.validate()?;
        if self.id_type == IdType::ResidentCard {
            // Scans and typed IDs are upper-cased; the stored number must match them.
            self.id_no.make_ascii_uppercase();
        }
        Ok(self)
    }

    /// Checks what the field types do not: the ID checksum, shapes of codes, non-empty names.
    pub fn validate(&self) -> Result<(), FieldError> {
        Checked {
            name: &self.name,
            major_code: &self.major_code,
            major_name: &self.major_name,
            exam_school: &self.exam_school,
            id_type: self.id_type,
            id_no: &self.id_no,
            batch: &self.batch,
            site_code: &self.site_code,
            photo_sha256: self.photo_sha256.as_deref(),
        }
        .check(
            self.courses
                .iter()
                .map(|c| (c.code.as_str(), c.name.as_str())),
        )
    }

    /// The ID number as any screen or log may show it.
    pub fn id_masked(&self) -> String {
        mask(&self.id_no)
    }

    pub fn took_any_course(&self, codes: &[String]) -> bool {
        self.courses.iter().any(|c| codes.contains(&c.code))
    }
}

/// What [`Candidate::validate`] checks, from a `Candidate` or a [`CanonicalRecord`].
struct Checked<'a> {
    name: &'a str,
    major_code: &'a str,
    major_name: &'a str,
    exam_school: &'a str,
    id_type: IdType,
    id_no: &'a str,
    batch: &'a str,
    site_code: &'a str,
    photo_sha256: Option<&'a str>,
}

impl Checked<'_> {
    /// `courses`: each course's code and name.
    fn check<'c>(
        &self,
        courses: impl Iterator<Item = (&'c str, &'c str)>,
    ) -> Result<(), FieldError> {
        let text_fields = [
            ("name", self.name),
            ("major_code", self.major_code),
            ("major_name", self.major_name),
            ("exam_school", self.exam_school),
        ];
        for (field, value) in text_fields {
            if value.trim().is_empty() {
                return Err(FieldError::new(field, strings::FIELD_EMPTY));
            }
            if value.chars().any(char::is_control) {
                return Err(FieldError::new(field, strings::FIELD_CONTROL_CHAR));
            }
        }
        if self.name.chars().count() > 50 {
            return Err(FieldError::new("name", strings::FIELD_TOO_LONG));
        }
        if self.id_no.trim().is_empty() || self.id_no.chars().any(char::is_control) {
            return Err(FieldError::new("id_no", strings::FIELD_EMPTY));
        }
        if self.id_type == IdType::ResidentCard {
            ResidentId::parse(self.id_no).map_err(|e| FieldError::new("id_no", e.to_string()))?;
        }
        if !is_batch(self.batch) {
            return Err(FieldError::new("batch", strings::FIELD_BATCH));
        }
        if !is_site_code(self.site_code) {
            return Err(FieldError::new("site_code", strings::FIELD_SITE_CODE));
        }
        if let Some(sha) = self.photo_sha256
            && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(FieldError::new("photo_sha256", strings::FIELD_SHA256));
        }
        for (i, (code, name)) in courses.enumerate() {
            if code.trim().is_empty() || name.trim().is_empty() {
                return Err(FieldError::new(
                    &format!("courses[{i}]"),
                    strings::FIELD_COURSE,
                ));
            }
        }
        Ok(())
    }
}

/// A valid record whose JSON text is canonical (exactly what `serde_json::to_string` writes for
/// the [`Candidate`] it holds), read in place: its strings are borrowed from the text, so reading
/// one allocates next to nothing. The fast path of bulk imports and roster pulls, where
/// hundreds of thousands of records come as this program and the portal write them. Any other
/// text is for [`Candidate::from_json_str`] (which also says what is wrong with it).
pub struct CanonicalRecord<'a> {
    text: &'a str,
    fields: RecordRef<'a>,
    updated_at: DateTime<FixedOffset>,
}

/// `Candidate` with its strings borrowed: the same fields in the same order with the same serde
/// attributes, so that for the same values both serialise to the same JSON (tested below).
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct RecordRef<'a> {
    exam_no: &'a str,
    name: &'a str,
    gender: Gender,
    id_type: IdType,
    id_no: &'a str,
    level: Level,
    major_code: &'a str,
    major_name: &'a str,
    exam_school: &'a str,
    batch: &'a str,
    site_code: &'a str,
    phone: &'a str,
    candidate_type: CandidateType,
    prediction_passed: bool,
    photo_status: PhotoStatus,
    #[serde(default)]
    photo_sha256: Option<&'a str>,
    #[serde(default, borrow)]
    prior_degree: Option<PriorDegreeRef<'a>>,
    #[serde(default)]
    identity_changed: bool,
    #[serde(default, borrow)]
    courses: Vec<CourseRef<'a>>,
    #[serde(default)]
    qr: Option<&'a str>,
    updated_at: &'a str,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
#[serde(deny_unknown_fields)]
struct PriorDegreeRef<'a> {
    kind: PriorKind,
    verified: bool,
    #[serde(default)]
    cert_no: Option<&'a str>,
}

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct CourseRef<'a> {
    code: &'a str,
    name: &'a str,
    score: &'a str,
    date: &'a str,
}

/// Checks a record's text against what `serde_json::to_string` writes for it, piece by piece,
/// without writing it: a borrowed string is what serde_json writes for it when it sits at the
/// very place of the text the layout expects it (it was read there, so it holds no escape, no
/// quote and no control character, and serde_json writes such a string as it is). Scanning
/// every string's bytes for what to escape, as writing the JSON would, costs more than the
/// rest of the import's parsing.
struct Layout<'t, 's> {
    text: &'t [u8],
    at: usize,
    /// For the enum values, written by serde_json.
    scratch: &'s mut Vec<u8>,
}

impl<'t, 's> Layout<'t, 's> {
    fn new(text: &'t str, scratch: &'s mut Vec<u8>) -> Self {
        Self {
            text: text.as_bytes(),
            at: 0,
            scratch,
        }
    }

    /// `literal` comes next.
    fn lit(&mut self, literal: &str) -> bool {
        let next = self.text.get(self.at..self.at + literal.len());
        self.at += literal.len();
        next == Some(literal.as_bytes())
    }

    /// The string `value`, read from this very place of the text, comes next.
    fn string(&mut self, value: &str) -> bool {
        if !self.lit("\"") {
            return false;
        }
        let here = self.text.as_ptr() as usize + self.at;
        self.at += value.len();
        value.as_ptr() as usize == here && self.lit("\"")
    }

    fn option(&mut self, value: Option<&str>) -> bool {
        match value {
            Some(text) => self.string(text),
            None => self.lit("null"),
        }
    }

    fn bool(&mut self, value: bool) -> bool {
        self.lit(if value { "true" } else { "false" })
    }

    /// A unit enum value, as serde_json writes it.
    fn value(&mut self, value: &impl Serialize) -> bool {
        self.scratch.clear();
        if serde_json::to_writer(&mut *self.scratch, value).is_err() {
            return false;
        }
        let next = self.text.get(self.at..self.at + self.scratch.len());
        self.at += self.scratch.len();
        next == Some(self.scratch.as_slice())
    }

    /// The whole text is `r` as `Candidate` serialises: its fields in order, nothing else.
    fn record(mut self, r: &RecordRef) -> bool {
        let head = self.lit("{\"exam_no\":")
            && self.string(r.exam_no)
            && self.lit(",\"name\":")
            && self.string(r.name)
            && self.lit(",\"gender\":")
            && self.value(&r.gender)
            && self.lit(",\"id_type\":")
            && self.value(&r.id_type)
            && self.lit(",\"id_no\":")
            && self.string(r.id_no)
            && self.lit(",\"level\":")
            && self.value(&r.level)
            && self.lit(",\"major_code\":")
            && self.string(r.major_code)
            && self.lit(",\"major_name\":")
            && self.string(r.major_name)
            && self.lit(",\"exam_school\":")
            && self.string(r.exam_school)
            && self.lit(",\"batch\":")
            && self.string(r.batch)
            && self.lit(",\"site_code\":")
            && self.string(r.site_code)
            && self.lit(",\"phone\":")
            && self.string(r.phone)
            && self.lit(",\"candidate_type\":")
            && self.value(&r.candidate_type)
            && self.lit(",\"prediction_passed\":")
            && self.bool(r.prediction_passed)
            && self.lit(",\"photo_status\":")
            && self.value(&r.photo_status)
            && self.lit(",\"photo_sha256\":")
            && self.option(r.photo_sha256)
            && self.lit(",\"prior_degree\":");
        let prior = head
            && match &r.prior_degree {
                None => self.lit("null"),
                Some(p) => {
                    self.lit("{\"kind\":")
                        && self.value(&p.kind)
                        && self.lit(",\"verified\":")
                        && self.bool(p.verified)
                        && self.lit(",\"cert_no\":")
                        && self.option(p.cert_no)
                        && self.lit("}")
                }
            };
        let mut ok = prior
            && self.lit(",\"identity_changed\":")
            && self.bool(r.identity_changed)
            && self.lit(",\"courses\":[");
        for (i, c) in r.courses.iter().enumerate() {
            ok = ok
                && (i == 0 || self.lit(","))
                && self.lit("{\"code\":")
                && self.string(c.code)
                && self.lit(",\"name\":")
                && self.string(c.name)
                && self.lit(",\"score\":")
                && self.string(c.score)
                && self.lit(",\"date\":")
                && self.string(c.date)
                && self.lit("}");
        }
        ok && self.lit("],\"qr\":")
            && self.option(r.qr)
            && self.lit(",\"updated_at\":")
            && self.string(r.updated_at)
            && self.lit("}")
            && self.at == self.text.len()
    }
}

impl<'a> CanonicalRecord<'a> {
    /// The record in `text` when it is valid and canonical; `None` otherwise (also for text
    /// with a JSON escape in a string, which this path does not unescape).
    pub fn parse(text: &'a str) -> Option<Self> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let fields: RecordRef = serde_json::from_str(text).ok()?;
        // As `Candidate` reads them: `ExamNo` and chrono's `FromStr`.
        ExamNo::parse(fields.exam_no).ok()?;
        let updated_at: DateTime<FixedOffset> = fields.updated_at.parse().ok()?;
        // `Candidate::validated` would upper-case it: not canonical.
        if fields.id_type == IdType::ResidentCard
            && fields.id_no.bytes().any(|b| b.is_ascii_lowercase())
        {
            return None;
        }
        Checked {
            name: fields.name,
            major_code: fields.major_code,
            major_name: fields.major_name,
            exam_school: fields.exam_school,
            id_type: fields.id_type,
            id_no: fields.id_no,
            batch: fields.batch,
            site_code: fields.site_code,
            photo_sha256: fields.photo_sha256,
        }
        .check(fields.courses.iter().map(|c| (c.code, c.name)))
        .ok()?;
        let canonical = SCRATCH.with_borrow_mut(|scratch| {
            // The instant as chrono writes it.
            scratch.clear();
            serde_json::to_writer(&mut *scratch, &updated_at).ok()?;
            let same_instant = scratch.get(1..scratch.len() - 1)? == fields.updated_at.as_bytes();
            Some(same_instant && Layout::new(text, scratch).record(&fields))
        });
        canonical.unwrap_or(false).then_some(Self {
            text,
            fields,
            updated_at,
        })
    }

    /// The whole record, canonical JSON.
    pub fn text(&self) -> &'a str {
        self.text
    }

    pub fn exam_no(&self) -> &'a str {
        self.fields.exam_no
    }

    pub fn name(&self) -> &'a str {
        self.fields.name
    }

    pub fn id_type(&self) -> IdType {
        self.fields.id_type
    }

    pub fn id_no(&self) -> &'a str {
        self.fields.id_no
    }

    pub fn site_code(&self) -> &'a str {
        self.fields.site_code
    }

    pub fn batch(&self) -> &'a str {
        self.fields.batch
    }

    pub fn photo_sha256(&self) -> Option<&'a str> {
        self.fields.photo_sha256
    }

    pub fn updated_at(&self) -> DateTime<FixedOffset> {
        self.updated_at
    }
}

/// The record's fields, as DESIGN §8 names them.
pub const FIELDS: [&str; 21] = [
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
    "prior_degree",
    "identity_changed",
    "courses",
    "qr",
    "updated_at",
];

fn missing_field(serde_message: &str) -> Option<&str> {
    serde_message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
}

/// "2023H1": a year and a half-year.
pub fn is_batch(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 6
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'H'
        && matches!(b[5], b'1' | b'2')
}

/// 办理地点 codes are 4 digits, city then district.
pub fn is_site_code(text: &str) -> bool {
    text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// The example record of DESIGN §8.
    pub fn example_json() -> serde_json::Value {
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

    #[test]
    fn design_example_parses() {
        let c = Candidate::from_json_value(&example_json()).unwrap();
        assert_eq!(c.name, "张三");
        assert_eq!(c.level, Level::Associate);
        assert_eq!(c.id_masked(), "**************1235");
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let mut v = example_json();
        v["extra"] = json!("whatever");
        assert!(Candidate::from_json_value(&v).is_ok());
    }

    #[test]
    fn errors_name_the_field() {
        let cases: &[(&str, serde_json::Value, &str)] = &[
            ("gender", json!("M"), "gender"),
            ("exam_no", json!("12345"), "exam_no"),
            ("id_no", json!("440106199001011234"), "id_no"),
            ("batch", json!("2023"), "batch"),
            ("site_code", json!("01"), "site_code"),
            ("level", json!("硕士"), "level"),
            ("updated_at", json!("yesterday"), "updated_at"),
            ("name", json!(" "), "name"),
            ("prediction_passed", json!("yes"), "prediction_passed"),
        ];
        for (key, bad, field) in cases {
            let mut v = example_json();
            v[*key] = bad.clone();
            let err = Candidate::from_json_value(&v).unwrap_err();
            assert_eq!(err.field, *field, "{key}: {err:?}");
        }
        let mut v = example_json();
        v.as_object_mut().unwrap().remove("name");
        let err = Candidate::from_json_value(&v).unwrap_err();
        assert_eq!(err.field, "name", "{err:?}");
    }

    /// Every way a record can be written: canonical or not, valid or not.
    fn record_texts() -> Vec<String> {
        let canonical = |v: &serde_json::Value| {
            serde_json::to_string(&Candidate::from_json_value(v).unwrap()).unwrap()
        };
        let base = example_json();
        let mut out = vec![canonical(&base), base.to_string()];
        let variants: Vec<(&str, serde_json::Value)> = vec![
            ("name", json!("张\"三\\")),
            ("name", json!("张\u{7f}三")),
            ("prior_degree", json!(null)),
            (
                "prior_degree",
                json!({"kind": "overseas", "verified": false, "cert_no": null}),
            ),
            ("photo_sha256", json!("ab".repeat(32))),
            ("photo_sha256", json!("xy")),
            ("qr", json!("ZK1|010523100123|2023H1|0104|20230612|c2ln")),
            ("courses", json!([])),
            (
                "courses",
                json!([{"code": " ", "name": "x", "score": "合格", "date": "2022-04"}]),
            ),
            ("id_no", json!("11010519491231002x")),
            ("id_no", json!("11010519491231002X")),
            ("id_no", json!("440106199001011234")),
            ("updated_at", json!("2023-06-10T02:00:00Z")),
            ("updated_at", json!("2023-06-10T10:00:00.500+08:00")),
            ("updated_at", json!("2023-06-10 10:00:00+08:00")),
            ("exam_no", json!("01052310012")),
            ("extra", json!(1)),
        ];
        for (key, value) in variants {
            let mut v = base.clone();
            v[key] = value;
            if let Ok(c) = Candidate::from_json_value(&v) {
                out.push(serde_json::to_string(&c).unwrap());
            }
            out.push(v.to_string());
        }
        let mut passport = base.clone();
        passport["id_type"] = json!("护照");
        passport["id_no"] = json!("e1234567x");
        out.push(canonical(&passport));
        let mut no_optionals = base.clone();
        for key in [
            "photo_sha256",
            "prior_degree",
            "identity_changed",
            "courses",
            "qr",
        ] {
            no_optionals.as_object_mut().unwrap().remove(key);
        }
        out.push(no_optionals.to_string());
        out.push(canonical(&no_optionals));
        let text = canonical(&base);
        out.push(format!(" {text}"));
        out.push(text.replace("\"name\":\"张三\"", "\"name\":\"\\u5f20三\""));
        out.push(text.replace(",\"qr\":null", ""));
        out.push(text.replacen("{", "{\"exam_no\":\"010523100124\",", 1));
        out
    }

    #[test]
    fn a_canonical_record_is_exactly_a_valid_candidate_written_by_serde() {
        let mut fast = 0;
        for text in record_texts() {
            let full = Candidate::from_json_str(&text).ok();
            let canonical = full
                .as_ref()
                .is_some_and(|c| serde_json::to_string(c).unwrap() == text);
            let record = CanonicalRecord::parse(&text);
            // A string with an escape is left to the full parse.
            assert_eq!(
                record.is_some(),
                canonical && !text.contains('\\'),
                "{text}"
            );
            if let (Some(r), Some(c)) = (record, full) {
                fast += 1;
                assert_eq!(serde_json::to_string(&r.fields).unwrap(), text);
                assert_eq!(r.text(), text);
                assert_eq!(
                    (r.exam_no(), r.name(), r.id_type(), r.id_no()),
                    (
                        c.exam_no.as_str(),
                        c.name.as_str(),
                        c.id_type,
                        c.id_no.as_str()
                    )
                );
                assert_eq!(
                    (r.site_code(), r.batch(), r.photo_sha256(), r.updated_at()),
                    (
                        c.site_code.as_str(),
                        c.batch.as_str(),
                        c.photo_sha256.as_deref(),
                        c.updated_at
                    )
                );
            }
        }
        assert!(fast >= 8, "{fast} canonical records");
    }

    #[test]
    fn passport_numbers_are_not_checksummed() {
        let mut v = example_json();
        v["id_type"] = json!("护照");
        v["id_no"] = json!("E12345678");
        assert!(Candidate::from_json_value(&v).is_ok());
    }
}
