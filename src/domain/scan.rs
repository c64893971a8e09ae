//! What a scan (or a typed entry) means: a signed form code, a bare 准考证号 or an ID number.
//!
//! Signed form code (DESIGN §3): `ZK1|<exam_no>|<batch>|<site_code>|<issued YYYYMMDD>|<signature>`,
//! the signature being base64url Ed25519, by the portal's key, over everything before the last
//! `|`. The counter holds only public keys, several at once so that the portal can rotate keys.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::Serialize;
use thiserror::Error;

use super::candidate::{is_batch, is_site_code};
use super::ids::{ExamNo, IdError, ResidentId};
use crate::strings;

/// The longest payload a scanner frame may carry (DESIGN §3).
pub const MAX_PAYLOAD_BYTES: usize = 512;
const PREFIX: &str = "ZK1|";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormCode {
    pub exam_no: ExamNo,
    pub batch: String,
    pub site_code: String,
    pub issued: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// A form code whose signature was checked against a configured portal key.
    Signed(FormCode),
    ExamNo(ExamNo),
    IdNo(ResidentId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScanKind {
    Signed,
    ExamNo,
    IdNo,
}

impl Scan {
    pub fn kind(&self) -> ScanKind {
        match self {
            Scan::Signed(_) => ScanKind::Signed,
            Scan::ExamNo(_) => ScanKind::ExamNo,
            Scan::IdNo(_) => ScanKind::IdNo,
        }
    }

    /// Only a signed code proves that the portal issued this form.
    pub fn verified(&self) -> bool {
        matches!(self, Scan::Signed(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ScanError {
    #[error("{msg}{detail}", msg = strings::SCAN_BAD_PAYLOAD, detail = .0)]
    BadPayload(&'static str),
    #[error("{}", strings::SCAN_BAD_CHECKSUM)]
    BadChecksum,
    #[error("{}", strings::SCAN_BAD_SIGNATURE)]
    BadSignature,
    #[error("{}", strings::SCAN_NO_PUBLIC_KEY)]
    NoPublicKey,
}

impl ScanError {
    /// The stable error kind of DESIGN §8 (`check --json`).
    pub fn kind(&self) -> &'static str {
        match self {
            ScanError::BadPayload(_) => "bad_payload",
            ScanError::BadChecksum => "bad_checksum",
            ScanError::BadSignature => "bad_signature",
            ScanError::NoPublicKey => "no_public_key",
        }
    }
}

/// The portal public keys a counter trusts.
#[derive(Debug, Clone, Default)]
pub struct PublicKeys(Vec<VerifyingKey>);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{}{index}", strings::KEY_INVALID)]
pub struct KeyError {
    /// Position of the bad key in the configured list (0-based).
    pub index: usize,
}

impl PublicKeys {
    /// Keys as configured: standard or URL-safe base64 of the 32 key bytes.
    pub fn from_base64<S: AsRef<str>>(keys: &[S]) -> Result<Self, KeyError> {
        keys.iter()
            .enumerate()
            .map(|(index, text)| {
                decode_any_base64(text.as_ref().trim())
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok())
                    .and_then(|bytes| VerifyingKey::from_bytes(&bytes).ok())
                    .ok_or(KeyError { index })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(PublicKeys)
    }

    pub fn from_keys(keys: Vec<VerifyingKey>) -> Self {
        Self(keys)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn verifies(&self, body: &[u8], signature: &Signature) -> bool {
        self.0
            .iter()
            .any(|key| key.verify_strict(body, signature).is_ok())
    }
}

fn decode_any_base64(text: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
}

/// A public key as written into `portal_public_keys`.
pub fn encode_public_key(key: &VerifyingKey) -> String {
    base64::engine::general_purpose::STANDARD.encode(key.as_bytes())
}

/// Parses what the reader (or the clerk) produced. Surrounding white space is ignored; nothing
/// else is forgiven.
pub fn parse(payload: &str, keys: &PublicKeys) -> Result<Scan, ScanError> {
    let text = payload.trim();
    if text.len() > MAX_PAYLOAD_BYTES {
        return Err(ScanError::BadPayload(strings::SCAN_TOO_LONG));
    }
    if text.starts_with(PREFIX) {
        return parse_signed(text, keys).map(Scan::Signed);
    }
    if text.bytes().all(|b| b.is_ascii_digit()) && text.len() == 12 {
        return ExamNo::parse(text)
            .map(Scan::ExamNo)
            .map_err(|_| ScanError::BadPayload(""));
    }
    if text.len() == 18 {
        return match ResidentId::parse(text) {
            Ok(id) => Ok(Scan::IdNo(id)),
            Err(IdError::IdChecksum) => Err(ScanError::BadChecksum),
            Err(IdError::IdBirthDate) => Err(ScanError::BadPayload(strings::SCAN_ID_BIRTH_DATE)),
            Err(_) => Err(ScanError::BadPayload(strings::SCAN_UNKNOWN_SHAPE)),
        };
    }
    Err(ScanError::BadPayload(strings::SCAN_UNKNOWN_SHAPE))
}

fn parse_signed(text: &str, keys: &PublicKeys) -> Result<FormCode, ScanError> {
    let (body, signature) = text.rsplit_once('|').ok_or(ScanError::BadPayload(""))?;
    let fields: Vec<&str> = body.split('|').collect();
    let [_, exam_no, batch, site_code, issued] = fields[..] else {
        return Err(ScanError::BadPayload(strings::SCAN_FIELD_COUNT));
    };
    let code = FormCode {
        exam_no: ExamNo::parse(exam_no)
            .map_err(|_| ScanError::BadPayload(strings::SCAN_FIELD_EXAM_NO))?,
        batch: is_batch(batch)
            .then(|| batch.to_owned())
            .ok_or(ScanError::BadPayload(strings::SCAN_FIELD_BATCH))?,
        site_code: is_site_code(site_code)
            .then(|| site_code.to_owned())
            .ok_or(ScanError::BadPayload(strings::SCAN_FIELD_SITE))?,
        issued: parse_issued(issued).ok_or(ScanError::BadPayload(strings::SCAN_FIELD_ISSUED))?,
    };
    if keys.is_empty() {
        return Err(ScanError::NoPublicKey);
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature)
        .or_else(|_| URL_SAFE.decode(signature))
        .ok()
        .and_then(|bytes| Signature::from_slice(&bytes).ok())
        .ok_or(ScanError::BadSignature)?;
    if keys.verifies(body.as_bytes(), &signature) {
        Ok(code)
    } else {
        Err(ScanError::BadSignature)
    }
}

fn parse_issued(text: &str) -> Option<NaiveDate> {
    (text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| NaiveDate::parse_from_str(text, "%Y%m%d").ok())
        .flatten()
}

/// The payload the portal prints on a candidate's form. Signing is pure; only the portal (and the
/// demo) hold a signing key.
pub fn signed_payload(code: &FormCode, key: &SigningKey) -> String {
    let body = format!(
        "{PREFIX}{}|{}|{}|{}",
        code.exam_no,
        code.batch,
        code.site_code,
        code.issued.format("%Y%m%d")
    );
    let signature = key.sign(body.as_bytes());
    format!("{body}|{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn code() -> FormCode {
        FormCode {
            exam_no: ExamNo::parse("010523100123").unwrap(),
            batch: "2023H1".into(),
            site_code: "0104".into(),
            issued: NaiveDate::from_ymd_opt(2023, 6, 10).unwrap(),
        }
    }

    fn keys(seeds: &[u8]) -> PublicKeys {
        PublicKeys::from_keys(seeds.iter().map(|s| key(*s).verifying_key()).collect())
    }

    #[test]
    fn signed_code_round_trips() {
        let payload = signed_payload(&code(), &key(1));
        assert!(payload.starts_with("ZK1|010523100123|2023H1|0104|20230610|"));
        let scan = parse(&payload, &keys(&[1])).unwrap();
        assert_eq!(scan, Scan::Signed(code()));
        assert!(scan.verified());
        assert_eq!(scan.kind(), ScanKind::Signed);
    }

    #[test]
    fn any_configured_key_may_have_signed() {
        let payload = signed_payload(&code(), &key(2));
        assert!(parse(&payload, &keys(&[1, 2])).is_ok());
        assert_eq!(parse(&payload, &keys(&[1])), Err(ScanError::BadSignature));
        assert_eq!(
            parse(&payload, &PublicKeys::default()),
            Err(ScanError::NoPublicKey)
        );
    }

    #[test]
    fn text_changed_after_signing_is_refused() {
        let payload = signed_payload(&code(), &key(1));
        let forged = payload.replace("010523100123", "010523100124");
        assert_eq!(parse(&forged, &keys(&[1])), Err(ScanError::BadSignature));
        let moved = payload.replace("|0104|", "|0105|");
        assert_eq!(parse(&moved, &keys(&[1])), Err(ScanError::BadSignature));
        let mut truncated = payload.clone();
        truncated.pop();
        assert_eq!(parse(&truncated, &keys(&[1])), Err(ScanError::BadSignature));
    }

    #[test]
    fn bare_numbers_are_unsigned() {
        let scan = parse(" 010523100123\r\n", &keys(&[])).unwrap();
        assert_eq!(scan.kind(), ScanKind::ExamNo);
        assert!(!scan.verified());
        let scan = parse("11010519491231002x", &keys(&[])).unwrap();
        assert_eq!(scan.kind(), ScanKind::IdNo);
    }

    #[test]
    fn every_error_kind() {
        let k = keys(&[1]);
        let cases: &[(&str, &str)] = &[
            ("", "bad_payload"),
            ("hello", "bad_payload"),
            ("01052310012", "bad_payload"),
            ("110105194912310021", "bad_checksum"),
            ("11010519491331002X", "bad_payload"),
            ("ZK1|010523100123|2023H1|0104|20230610", "bad_payload"),
            ("ZK1|01052310012|2023H1|0104|20230610|sig", "bad_payload"),
            ("ZK1|010523100123|2023|0104|20230610|sig", "bad_payload"),
            ("ZK1|010523100123|2023H1|104|20230610|sig", "bad_payload"),
            ("ZK1|010523100123|2023H1|0104|20231310|sig", "bad_payload"),
            ("ZK1|010523100123|2023H1|0104|20230610|x|sig", "bad_payload"),
            ("ZK1|010523100123|2023H1|0104|20230610|!!!", "bad_signature"),
            (
                "ZK1|010523100123|2023H1|0104|20230610|AAAA",
                "bad_signature",
            ),
        ];
        for (payload, kind) in cases {
            let err = parse(payload, &k).unwrap_err();
            assert_eq!(err.kind(), *kind, "{payload}: {err}");
            assert!(!err.to_string().is_empty());
        }
        let long = "1".repeat(600);
        assert_eq!(parse(&long, &k).unwrap_err().kind(), "bad_payload");
    }

    #[test]
    fn configured_keys_are_checked() {
        let good = encode_public_key(&key(1).verifying_key());
        assert!(PublicKeys::from_base64(std::slice::from_ref(&good)).is_ok());
        assert_eq!(
            PublicKeys::from_base64(&[good, "not-a-key".to_owned()]).unwrap_err(),
            KeyError { index: 1 }
        );
    }
}
