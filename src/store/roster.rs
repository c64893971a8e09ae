//! The locally cached roster and photos.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::domain::candidate::{Candidate, IdType};

/// What an import did, by exam number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Store {
    /// Adds or updates candidates by exam number, all in one transaction: either every record
    /// is stored or none is.
    pub fn import_roster(&mut self, candidates: &[Candidate]) -> Result<ImportReport, StoreError> {
        // A large cache keeps the whole import in memory until commit instead of writing pages
        // out early and reading them back (256 MB; SQLite's default is 2 MB).
        self.conn.pragma_update(None, "cache_size", -262_144)?;
        let result = self.import_in_one_transaction(candidates);
        self.conn.pragma_update(None, "cache_size", -2_000)?;
        result
    }

    fn import_in_one_transaction(
        &mut self,
        candidates: &[Candidate],
    ) -> Result<ImportReport, StoreError> {
        let records = crate::parallel::map(candidates, serde_json::to_string)
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let tx = self.conn.transaction()?;
        let mut report = ImportReport::default();
        {
            let mut existing =
                tx.prepare_cached("SELECT record FROM candidates WHERE exam_no = ?1")?;
            let mut upsert = tx.prepare_cached(UPSERT_CANDIDATE)?;
            for (c, record) in candidates.iter().zip(records) {
                let old: Option<String> = existing
                    .query_row([c.exam_no.as_str()], |r| r.get(0))
                    .optional()?;
                match old {
                    Some(old) if old == record => {
                        report.unchanged += 1;
                        continue;
                    }
                    Some(_) => report.updated += 1,
                    None => report.added += 1,
                }
                upsert_candidate(&mut upsert, c, &record)?;
            }
        }
        tx.commit()?;
        Ok(report)
    }

    pub fn candidate(&self, exam_no: &str) -> Result<Option<Candidate>, StoreError> {
        self.candidate_where("exam_no", exam_no)
    }

    /// The candidate with this ID number. ID numbers are stored as given (upper-case X).
    pub fn candidate_by_id_no(&self, id_no: &str) -> Result<Option<Candidate>, StoreError> {
        self.candidate_where("id_no", id_no)
    }

    fn candidate_where(&self, column: &str, value: &str) -> Result<Option<Candidate>, StoreError> {
        let sql = format!("SELECT record FROM candidates WHERE {column} = ?1 LIMIT 1");
        let record: Option<String> = self
            .conn
            .prepare_cached(&sql)?
            .query_row([value], |r| r.get(0))
            .optional()?;
        record.map(|r| parse_record(&r)).transpose()
    }

    /// Candidates whose name contains `part`, at most `limit`, by exam number.
    pub fn search_by_name(&self, part: &str, limit: usize) -> Result<Vec<Candidate>, StoreError> {
        let pattern = format!("%{}%", part.replace(['%', '_', '\\'], ""));
        let mut stmt = self.conn.prepare_cached(
            "SELECT record FROM candidates WHERE name LIKE ?1 ORDER BY exam_no LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![pattern, limit as i64], |r| r.get::<_, String>(0))?;
        rows.map(|r| parse_record(&r?)).collect()
    }

    pub fn roster_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM candidates", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Stores a candidate's photo; returns its SHA-256 (lower-case hex).
    pub fn put_photo(&self, exam_no: &str, jpeg: &[u8]) -> Result<String, StoreError> {
        let sha = sha256_hex(jpeg);
        self.conn.execute(
            "INSERT INTO photos(exam_no, sha256, jpeg) VALUES (?1, ?2, ?3)
             ON CONFLICT(exam_no) DO UPDATE SET sha256 = excluded.sha256, jpeg = excluded.jpeg",
            params![exam_no, sha, jpeg],
        )?;
        Ok(sha)
    }

    pub fn photo(&self, exam_no: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT jpeg FROM photos WHERE exam_no = ?1",
                [exam_no],
                |r| r.get(0),
            )
            .optional()?)
    }
}

/// Adds a candidate or replaces the stored one with the same exam number.
pub(super) const UPSERT_CANDIDATE: &str =
    "INSERT INTO candidates(exam_no, id_no, name, site_code, batch, updated_at, record)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT(exam_no) DO UPDATE SET id_no = excluded.id_no, name = excluded.name,
       site_code = excluded.site_code, batch = excluded.batch,
       updated_at = excluded.updated_at, record = excluded.record";

/// Runs `UPSERT_CANDIDATE` for one candidate whose serialised record is `record`: the one way
/// roster rows are written (file import and portal pull alike).
pub(super) fn upsert_candidate(
    stmt: &mut rusqlite::CachedStatement,
    c: &Candidate,
    record: &str,
) -> Result<(), StoreError> {
    stmt.execute(params![
        c.exam_no.as_str(),
        id_key(c),
        c.name,
        c.site_code,
        c.batch,
        c.updated_at.to_rfc3339(),
        record
    ])?;
    Ok(())
}

/// The ID number as lookups see it: a resident ID's check character `x` upper-cased, as scans
/// and typed entries are.
fn id_key(c: &Candidate) -> String {
    if c.id_type == IdType::ResidentCard {
        c.id_no.to_ascii_uppercase()
    } else {
        c.id_no.clone()
    }
}

fn parse_record(record: &str) -> Result<Candidate, StoreError> {
    serde_json::from_str(record).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
