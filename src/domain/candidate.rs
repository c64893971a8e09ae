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
        let text_fields = [
            ("name", &self.name),
            ("major_code", &self.major_code),
            ("major_name", &self.major_name),
            ("exam_school", &self.exam_school),
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
            ResidentId::parse(&self.id_no).map_err(|e| FieldError::new("id_no", e.to_string()))?;
        }
        if !is_batch(&self.batch) {
            return Err(FieldError::new("batch", strings::FIELD_BATCH));
        }
        if !is_site_code(&self.site_code) {
            return Err(FieldError::new("site_code", strings::FIELD_SITE_CODE));
        }
        if let Some(sha) = &self.photo_sha256
            && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return Err(FieldError::new("photo_sha256", strings::FIELD_SHA256));
        }
        for (i, course) in self.courses.iter().enumerate() {
            if course.code.trim().is_empty() || course.name.trim().is_empty() {
                return Err(FieldError::new(
                    &format!("courses[{i}]"),
                    strings::FIELD_COURSE,
                ));
            }
        }
        Ok(())
    }

    /// The ID number as any screen or log may show it.
    pub fn id_masked(&self) -> String {
        mask(&self.id_no)
    }

    pub fn took_any_course(&self, codes: &[String]) -> bool {
        self.courses.iter().any(|c| codes.contains(&c.code))
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

    #[test]
    fn passport_numbers_are_not_checksummed() {
        let mut v = example_json();
        v["id_type"] = json!("护照");
        v["id_no"] = json!("E12345678");
        assert!(Candidate::from_json_value(&v).is_ok());
    }
}
