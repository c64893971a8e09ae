//! What the portal's administrator does: make the signing key, register counters, import the
//! roster (signing each candidate's form code) and photos.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use rand::RngCore;
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Portal, PortalError};
use crate::domain::candidate::{Candidate, is_site_code};
use crate::domain::scan::{FormCode, encode_public_key, signed_payload};
use crate::store::sha256_hex;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortalImport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub photos: usize,
    /// Photo files that exist but could not be read: the candidate is imported without them
    /// (keeping a photo imported before).
    pub unreadable: Vec<UnreadablePhoto>,
}

/// A photo file that could not be read, and why (the system's words).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadablePhoto {
    pub path: std::path::PathBuf,
    pub problem: String,
}

/// A counter token: 32 random bytes, base64url. Only its SHA-256 is kept.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn is_counter_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Portal {
    /// Makes the signing key unless there is one (or `rotate`); returns the public key to put
    /// into the counters' `portal_public_keys`, and whether it is new.
    pub fn keygen(
        &mut self,
        rotate: bool,
        now: DateTime<Utc>,
    ) -> Result<(String, bool), PortalError> {
        if !rotate && let Some(key) = self.signing_key_opt()? {
            return Ok((encode_public_key(&key.verifying_key()), false));
        }
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let public = encode_public_key(&key.verifying_key());
        self.conn.execute(
            "INSERT INTO signing_keys(secret, public, created_at) VALUES (?1, ?2, ?3)",
            params![STANDARD.encode(key.to_bytes()), public, now.to_rfc3339()],
        )?;
        Ok((public, true))
    }

    /// Every public key made so far, newest first (counters keep old ones while forms signed
    /// with them are in circulation).
    pub fn public_keys(&self) -> Result<Vec<String>, PortalError> {
        let mut stmt = self
            .conn
            .prepare("SELECT public FROM signing_keys ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The newest signing key.
    pub fn signing_key(&self) -> Result<SigningKey, PortalError> {
        self.signing_key_opt()?.ok_or(PortalError::NoKey)
    }

    fn signing_key_opt(&self) -> Result<Option<SigningKey>, PortalError> {
        let secret: Option<String> = self
            .conn
            .query_row(
                "SELECT secret FROM signing_keys ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let Some(secret) = secret else {
            return Ok(None);
        };
        let bytes = STANDARD
            .decode(secret)
            .map_err(|e| PortalError::Corrupt(e.to_string()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|_| PortalError::Corrupt("signing key".into()))?;
        Ok(Some(SigningKey::from_bytes(&bytes)))
    }

    /// Registers a counter of `site` (or gives it a new token, which revokes the old one) and
    /// returns the token. A counter belongs to one site for good: its log is that site's.
    pub fn add_counter(
        &mut self,
        site: &str,
        counter: &str,
        now: DateTime<Utc>,
    ) -> Result<String, PortalError> {
        if !is_site_code(site) {
            return Err(PortalError::BadSite(site.to_owned()));
        }
        if !is_counter_id(counter) {
            return Err(PortalError::BadCounter(counter.to_owned()));
        }
        let existing: Option<String> = self
            .conn
            .query_row(
                "SELECT site_code FROM counters WHERE counter_id = ?1",
                [counter],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(other) = existing.filter(|s| s != site) {
            return Err(PortalError::CounterMoved {
                counter: counter.to_owned(),
                site: other,
            });
        }
        let token = new_token();
        self.conn.execute(
            "INSERT INTO counters(counter_id, site_code, token_sha256, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(counter_id) DO UPDATE SET token_sha256 = excluded.token_sha256,
               created_at = excluded.created_at, revoked_at = NULL",
            params![counter, site, sha256_hex(token.as_bytes()), now.to_rfc3339()],
        )?;
        Ok(token)
    }

    /// Adds or updates candidates in one transaction (all or nothing). A changed candidate gets
    /// the next change number and a newly signed form code; an unchanged one keeps both, so
    /// counters pull only what changed. Photos come from `<exam_no>.jpg` in `photos`.
    pub fn import_roster(
        &mut self,
        candidates: &[Candidate],
        photos: Option<&Path>,
        now: DateTime<Utc>,
    ) -> Result<PortalImport, PortalError> {
        let key = self.signing_key()?;
        let issued = crate::domain::office_time::local_date(now);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut report = PortalImport::default();
        let mut seq = next_change_seq(&tx)?;
        let known = known_sources(&tx)?;
        for candidate in candidates {
            let mut c = candidate.clone();
            c.qr = None;
            let imported = match import_photo(&tx, c.exam_no.as_str(), photos)? {
                Ok(imported) => imported,
                Err(unreadable) => {
                    report.unreadable.push(unreadable);
                    None
                }
            };
            if let Some(sha) = imported {
                c.photo_sha256 = Some(sha);
                report.photos += 1;
            } else if c.photo_sha256.is_none() {
                c.photo_sha256 = stored_photo_sha(&tx, c.exam_no.as_str())?;
            }
            let source = sha256_hex(
                serde_json::to_string(&c)
                    .map_err(|e| PortalError::Corrupt(e.to_string()))?
                    .as_bytes(),
            );
            match known.get(c.exam_no.as_str()) {
                Some(old) if *old == source => {
                    report.unchanged += 1;
                    continue;
                }
                Some(_) => report.updated += 1,
                None => report.added += 1,
            }
            let code = FormCode {
                exam_no: c.exam_no.clone(),
                batch: c.batch.clone(),
                site_code: c.site_code.clone(),
                issued,
            };
            c.qr = Some(signed_payload(&code, &key));
            seq += 1;
            store_candidate(&tx, &c, seq, &source)?;
        }
        tx.commit()?;
        Ok(report)
    }
}

fn next_change_seq(tx: &Transaction) -> Result<i64, PortalError> {
    Ok(tx.query_row(
        "SELECT COALESCE(MAX(change_seq), 0) FROM candidates",
        [],
        |r| r.get(0),
    )?)
}

/// exam_no → hash of the record as last imported (before signing).
fn known_sources(tx: &Transaction) -> Result<HashMap<String, String>, PortalError> {
    let mut stmt = tx.prepare("SELECT exam_no, source_sha256 FROM candidates")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn stored_photo_sha(tx: &Transaction, exam_no: &str) -> Result<Option<String>, PortalError> {
    Ok(tx
        .query_row(
            "SELECT sha256 FROM photos WHERE exam_no = ?1",
            [exam_no],
            |r| r.get(0),
        )
        .optional()?)
}

/// Stores `<dir>/<exam_no>.jpg` when there is one; returns its SHA-256. A file that exists but
/// cannot be read is the inner error: reported, and the import goes on.
fn import_photo(
    tx: &Transaction,
    exam_no: &str,
    dir: Option<&Path>,
) -> Result<Result<Option<String>, UnreadablePhoto>, PortalError> {
    let Some(dir) = dir else { return Ok(Ok(None)) };
    let path = dir.join(format!("{exam_no}.jpg"));
    let jpeg = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(None)),
        Err(e) => {
            let problem = e.to_string();
            return Ok(Err(UnreadablePhoto { path, problem }));
        }
    };
    let sha = sha256_hex(&jpeg);
    tx.prepare_cached(
        "INSERT INTO photos(exam_no, sha256, jpeg) VALUES (?1, ?2, ?3)
         ON CONFLICT(exam_no) DO UPDATE SET sha256 = excluded.sha256, jpeg = excluded.jpeg",
    )?
    .execute(params![exam_no, sha, jpeg])?;
    Ok(Ok(Some(sha)))
}

fn store_candidate(
    tx: &Transaction,
    c: &Candidate,
    seq: i64,
    source: &str,
) -> Result<(), PortalError> {
    let record = serde_json::to_string(c).map_err(|e| PortalError::Corrupt(e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO candidates(exam_no, site_code, change_seq, source_sha256, name, record)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(exam_no) DO UPDATE SET site_code = excluded.site_code,
           change_seq = excluded.change_seq, source_sha256 = excluded.source_sha256,
           name = excluded.name, record = excluded.record",
    )?
    .execute(params![
        c.exam_no.as_str(),
        c.site_code,
        seq,
        source,
        c.name,
        record
    ])?;
    Ok(())
}
