//! Identifiers printed on the form: the 准考证号 (exam number) and the 18-character resident ID.
//! Pure parsing and validation; nothing here touches the outside world.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::strings;

/// Why an identifier is not acceptable. The messages are for the clerk (see `strings`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("{}", strings::ID_EXAM_NO_FORMAT)]
    ExamNoFormat,
    #[error("{}", strings::ID_FORMAT)]
    IdFormat,
    #[error("{}", strings::ID_BIRTH_DATE)]
    IdBirthDate,
    #[error("{}", strings::ID_CHECKSUM)]
    IdChecksum,
}

/// 准考证号: 12 digits = city (2) + county/district (2) + registration batch (3) + sequence (5).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExamNo(String);

impl ExamNo {
    pub fn parse(text: &str) -> Result<Self, IdError> {
        if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdError::ExamNoFormat)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn city(&self) -> &str {
        &self.0[0..2]
    }
    pub fn district(&self) -> &str {
        &self.0[2..4]
    }
    pub fn batch(&self) -> &str {
        &self.0[4..7]
    }
    pub fn sequence(&self) -> &str {
        &self.0[7..12]
    }
}

impl TryFrom<String> for ExamNo {
    type Error = IdError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ExamNo> for String {
    fn from(value: ExamNo) -> Self {
        value.0
    }
}

impl fmt::Display for ExamNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gender {
    #[serde(rename = "男")]
    Male,
    #[serde(rename = "女")]
    Female,
}

impl Gender {
    pub fn label(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

/// An 18-character resident ID (GB 11643-1999), validated: 6-digit address code, a real birth
/// date, a 3-digit sequence (odd = male) and the ISO 7064 MOD 11-2 check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResidentId {
    text: String,
    birth_date: NaiveDate,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: [u8; 11] = *b"10X98765432";

/// The check character for the first 17 digits (which must be ASCII digits).
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

impl ResidentId {
    /// Accepts a lower-case `x` as check character and stores it upper-case.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let bytes = text.as_bytes();
        if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdError::IdFormat);
        }
        let last = bytes[17].to_ascii_uppercase();
        if !(last.is_ascii_digit() || last == b'X') {
            return Err(IdError::IdFormat);
        }
        let birth_date = birth_date_of(&text[6..14]).ok_or(IdError::IdBirthDate)?;
        if char::from(last) != check_char(&bytes[..17]) {
            return Err(IdError::IdChecksum);
        }
        Ok(Self {
            text: text.to_ascii_uppercase(),
            birth_date,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    pub fn gender(&self) -> Gender {
        let seq_last = self.text.as_bytes()[16] - b'0';
        if seq_last % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    pub fn masked(&self) -> String {
        mask(&self.text)
    }
}

fn birth_date_of(yyyymmdd: &str) -> Option<NaiveDate> {
    let date = NaiveDate::parse_from_str(yyyymmdd, "%Y%m%d").ok()?;
    // Resident IDs began in the 1980s for people born from the 1880s on; a year outside this
    // range is a typing error, not a person.
    (1850..=2200)
        .contains(&chrono::Datelike::year(&date))
        .then_some(date)
}

/// Shows only the last 4 characters of an identifier; every other character becomes `*`.
/// Used for everything a screen, a log line or a report shows of an ID number.
pub fn mask(id: &str) -> String {
    let count = id.chars().count();
    id.chars()
        .enumerate()
        .map(|(i, c)| if i + 4 >= count { c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLES: [&str; 2] = ["11010519491231002X", "440524188001010014"];

    #[test]
    fn seed_examples_are_valid() {
        for text in EXAMPLES {
            assert!(ResidentId::parse(text).is_ok(), "{text}");
        }
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(
            ResidentId::parse("440524188001010014").unwrap().gender(),
            Gender::Male
        );
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let alphabet = b"0123456789X";
        for text in EXAMPLES {
            for pos in 0..18 {
                for &c in alphabet {
                    let mut bytes = text.as_bytes().to_vec();
                    if bytes[pos] == c {
                        continue;
                    }
                    bytes[pos] = c;
                    let changed = String::from_utf8(bytes).unwrap();
                    assert!(ResidentId::parse(&changed).is_err(), "{changed} accepted");
                }
            }
        }
    }

    #[test]
    fn lower_case_x_is_normalised() {
        let id = ResidentId::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn bad_shapes_name_their_problem() {
        assert_eq!(
            ResidentId::parse("1101051949123100"),
            Err(IdError::IdFormat)
        );
        assert_eq!(
            ResidentId::parse("11010519491331002X"),
            Err(IdError::IdBirthDate)
        );
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(IdError::IdChecksum)
        );
        assert_eq!(
            ResidentId::parse("11010519491231002Y"),
            Err(IdError::IdFormat)
        );
        assert_eq!(
            ResidentId::parse("１１０１０５１９４９１２３１００２X"),
            Err(IdError::IdFormat)
        );
    }

    #[test]
    fn exam_number_parts() {
        let no = ExamNo::parse("010523100123").unwrap();
        assert_eq!(
            (no.city(), no.district(), no.batch(), no.sequence()),
            ("01", "05", "231", "00123")
        );
        for bad in [
            "01052310012",
            "0105231001234",
            "01052310012a",
            "０１０５２３１００１２",
        ] {
            assert_eq!(ExamNo::parse(bad), Err(IdError::ExamNoFormat), "{bad}");
        }
    }

    #[test]
    fn masking_keeps_last_four() {
        assert_eq!(mask("11010519491231002X"), "**************002X");
        assert_eq!(mask("H1234567"), "****4567");
        assert_eq!(mask("123"), "123");
        assert_eq!(mask(""), "");
    }
}
