//! The locally cached roster and photos.

use std::borrow::Cow;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError};
use crate::domain::candidate::{Candidate, CanonicalRecord, IdType};

/// What an import did, by exam number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// One candidate as the roster table holds it: the columns lookups use, and the record: the
/// candidate's JSON, canonical (what `serde_json::to_string` writes for it) from a file import,
/// as sent from a portal pull. "Unchanged" on a re-import means the same text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow<'a> {
    /// exam_no, id_key, name, site_code, batch, updated_at and photo_sha256 (empty for none)
    /// one after the other: one allocation a row (rows are made on parsing threads and dropped
    /// on the writer's).
    columns: String,
    ends: [usize; 7],
    record: Cow<'a, str>,
}

impl RosterRow<'static> {
    /// The row of `c`, its record serialised here.
    pub fn new(c: &Candidate) -> Result<Self, StoreError> {
        let record = serde_json::to_string(c).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Self::with_record(c, Cow::Owned(record)))
    }
}

impl<'a> RosterRow<'a> {
    /// The row of `c`, parsed from the JSON text `raw`. When `raw` already is the canonical
    /// record (files this program or the portal wrote are), the row borrows it instead of
    /// holding a copy: a roster file of hundreds of megabytes is not duplicated in memory.
    pub fn from_raw(c: &Candidate, raw: &'a str) -> Result<Self, StoreError> {
        thread_local! {
            static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let record = SCRATCH.with_borrow_mut(|scratch| {
            scratch.clear();
            serde_json::to_writer(&mut *scratch, c)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            if scratch.as_slice() == raw.as_bytes() {
                Ok(Cow::Borrowed(raw))
            } else {
                String::from_utf8(scratch.clone())
                    .map(Cow::Owned)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            }
        })?;
        Ok(Self::with_record(c, record))
    }

    /// The row of a record read in place: its text is already the canonical record.
    pub fn from_canonical(r: &CanonicalRecord<'a>) -> Self {
        Self::with_columns(
            [
                r.exam_no(),
                r.id_no(),
                r.name(),
                r.site_code(),
                r.batch(),
                &r.updated_at().to_rfc3339(),
                r.photo_sha256().unwrap_or_default(),
            ],
            r.id_type(),
            Cow::Borrowed(r.text()),
        )
    }

    /// The same row holding its own copy of the record.
    pub fn into_owned(self) -> RosterRow<'static> {
        RosterRow {
            columns: self.columns,
            ends: self.ends,
            record: Cow::Owned(self.record.into_owned()),
        }
    }

    /// The row of `c` as the portal sent it (`json`), kept as it came.
    pub fn as_received(c: &Candidate, json: Cow<'a, str>) -> Self {
        Self::with_record(c, json)
    }

    fn with_record(c: &Candidate, record: Cow<'a, str>) -> Self {
        Self::with_columns(
            [
                c.exam_no.as_str(),
                &c.id_no,
                &c.name,
                &c.site_code,
                &c.batch,
                &c.updated_at.to_rfc3339(),
                c.photo_sha256.as_deref().unwrap_or_default(),
            ],
            c.id_type,
            record,
        )
    }

    fn with_columns(texts: [&str; 7], id_type: IdType, record: Cow<'a, str>) -> Self {
        let mut columns = String::with_capacity(texts.iter().map(|t| t.len()).sum());
        let mut ends = [0; 7];
        for (end, text) in ends.iter_mut().zip(texts) {
            columns.push_str(text);
            *end = columns.len();
        }
        if id_type == IdType::ResidentCard {
            // The ID number as lookups see it: a resident ID's check character `x`
            // upper-cased, as scans and typed entries are.
            columns[ends[0]..ends[1]].make_ascii_uppercase();
        }
        Self {
            columns,
            ends,
            record,
        }
    }

    /// The `i`-th of the columns in `columns`.
    fn column(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.columns[start..self.ends[i]]
    }

    pub fn exam_no(&self) -> &str {
        self.column(0)
    }

    /// The photo the record names.
    pub fn photo_sha256(&self) -> Option<&str> {
        Some(self.column(6)).filter(|sha| !sha.is_empty())
    }

    pub fn record(&self) -> &str {
        &self.record
    }
}

/// From this many records on, an import into a database no other connection has open is
/// written with a rollback journal instead of the WAL (see [`Store::import_rows`]).
const BULK_ROWS: usize = 10_000;

impl Store {
    /// Adds or updates candidates by exam number, all in one transaction: either every record
    /// is stored or none is.
    pub fn import_roster(&mut self, candidates: &[Candidate]) -> Result<ImportReport, StoreError> {
        // Serialising runs on the other cores while this thread writes.
        crate::parallel::stream(candidates, 256, RosterRow::new, |rows| {
            self.import_rows(rows, candidates.len())
        })
    }

    /// Stores `rows` (about `expected` of them) in one transaction: all of them, or none when
    /// the iterator yields an error (that error is returned) or writing fails. Rows are written
    /// as they come, so a caller can still be parsing the rest of a file.
    ///
    /// A large import into a database that no other connection has open (no counter screen, no
    /// sync) goes through a rollback journal for its duration instead of the WAL: its pages are
    /// then written once, not into the WAL first and again by the checkpoint. That is as safe
    /// as the WAL:
    /// - SQLite refuses to leave WAL mode while any other connection has the file open, so the
    ///   switch either happens with nobody else there or not at all (the import then simply
    ///   goes through the WAL);
    /// - `journal_mode=TRUNCATE` with `synchronous=FULL` is SQLite's classic atomic commit: the
    ///   original content of every page the import changes is in the journal, synced, before
    ///   the page is overwritten; pages added past the old end of the file need no copy (a
    ///   rollback cuts the file back). The commit point is the journal truncated to nothing and
    ///   synced. A crash before it leaves a hot journal that the next opener rolls back: the
    ///   database as it was before the import; after it, the whole import. Never half of it,
    ///   never a torn page;
    /// - the switch back to WAL happens after the commit or rollback; a crash before it leaves a
    ///   consistent file in rollback mode, and [`Store::open`] puts it in WAL mode again.
    pub fn import_rows<'a, E: From<StoreError>>(
        &mut self,
        rows: impl Iterator<Item = Result<RosterRow<'a>, E>>,
        expected: usize,
    ) -> Result<ImportReport, E> {
        self.import_with(expected, |sink| {
            for row in rows {
                sink.put(&row?)?;
            }
            Ok(())
        })
    }

    /// Like [`Store::import_rows`], for a caller that produces its rows piece by piece (a file
    /// read a block at a time, each block's rows borrowing from it): `feed` hands every row to
    /// the [`RowSink`]; when it returns an error, nothing is stored.
    pub fn import_with<E: From<StoreError>>(
        &mut self,
        expected: usize,
        feed: impl FnOnce(&mut RowSink<'_>) -> Result<(), E>,
    ) -> Result<ImportReport, E> {
        let bulk = expected >= BULK_ROWS && self.enter_bulk_journal();
        // WAL: a large cache keeps the whole import in memory until commit instead of writing
        // pages out early and reading them back (256 MB; SQLite's default is 2 MB). Rollback
        // journal: pages written out early are written once anyway, and a smaller cache spares
        // the memory (and the time to fault it in).
        let cache_kib: i64 = if bulk { 32_768 } else { 262_144 };
        let result = self
            .conn
            .pragma_update(None, "cache_size", -cache_kib)
            .map_err(StoreError::from)
            .map_err(E::from)
            .and_then(|()| self.import_in_one_transaction(bulk, feed));
        let restored = self.conn.pragma_update(None, "cache_size", -2_000);
        if bulk {
            self.leave_bulk_journal();
        }
        let report = result?;
        restored.map_err(StoreError::from)?;
        Ok(report)
    }

    /// Switches to a rollback journal when nobody else has the file open; false otherwise.
    fn enter_bulk_journal(&self) -> bool {
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode = TRUNCATE", [], |r| {
                r.get::<_, String>(0)
            });
        match mode {
            Ok(mode) if mode.eq_ignore_ascii_case("truncate") => true,
            Ok(_) | Err(_) => {
                // Another connection has the file open: WAL it is (and still is).
                self.leave_bulk_journal();
                false
            }
        }
    }

    /// Back to WAL (removing the emptied journal). Should that fail, the database is still
    /// whole and committed; the next [`Store::open`] switches it back.
    fn leave_bulk_journal(&self) {
        let mode = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        match mode {
            Ok(mode) if mode.eq_ignore_ascii_case("wal") => {}
            other => tracing::warn!(?other, "database not switched back to WAL after an import"),
        }
    }

    /// One transaction for the whole import. A bulk import into an empty roster builds the
    /// roster's secondary indexes after the rows instead of row by row: SQLite then sorts each
    /// index once, a fraction of the cost of 200,000 B-tree insertions into each. The indexes
    /// are dropped and made again inside the transaction, so a rollback or crash restores them
    /// with everything else.
    fn import_in_one_transaction<E: From<StoreError>>(
        &mut self,
        bulk: bool,
        feed: impl FnOnce(&mut RowSink<'_>) -> Result<(), E>,
    ) -> Result<ImportReport, E> {
        let tx = self.conn.transaction().map_err(StoreError::from)?;
        let set_aside = if bulk {
            set_aside_roster_indexes(&tx)?
        } else {
            Vec::new()
        };
        let report = {
            let mut sink = RowSink::new(&tx)?;
            feed(&mut sink)?;
            sink.report
        };
        for sql in &set_aside {
            tx.execute_batch(sql).map_err(StoreError::from)?;
        }
        tx.commit().map_err(StoreError::from)?;
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

/// Where the rows of one import transaction go ([`Store::import_with`]).
/// When the roster is empty, drops its secondary indexes and returns the statements that make
/// them again (as the schema holds them); otherwise leaves everything and returns none.
fn set_aside_roster_indexes(tx: &rusqlite::Transaction<'_>) -> Result<Vec<String>, StoreError> {
    let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM candidates)", [], |r| {
        r.get(0)
    })?;
    if !empty {
        return Ok(Vec::new());
    }
    let mut stmt = tx.prepare(
        "SELECT name, sql FROM sqlite_schema
         WHERE type = 'index' AND tbl_name = 'candidates' AND sql IS NOT NULL",
    )?;
    let indexes = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (name, _) in &indexes {
        tx.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

pub struct RowSink<'tx> {
    /// Into an empty table, every row is new: no lookup before the insert (an exam number
    /// given twice fails the insert and takes the general way).
    empty: bool,
    same: rusqlite::CachedStatement<'tx>,
    insert: rusqlite::CachedStatement<'tx>,
    upsert: rusqlite::CachedStatement<'tx>,
    report: ImportReport,
}

impl<'tx> RowSink<'tx> {
    fn new(tx: &'tx rusqlite::Transaction<'_>) -> Result<Self, StoreError> {
        let empty: bool =
            tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM candidates)", [], |r| {
                r.get(0)
            })?;
        Ok(Self {
            empty,
            same: tx.prepare_cached("SELECT record = ?2 FROM candidates WHERE exam_no = ?1")?,
            insert: tx.prepare_cached(INSERT_CANDIDATE)?,
            upsert: tx.prepare_cached(UPSERT_CANDIDATE)?,
            report: ImportReport::default(),
        })
    }

    /// Adds the row, or updates the stored one of the same exam number, or counts it unchanged.
    pub fn put(&mut self, row: &RosterRow<'_>) -> Result<(), StoreError> {
        if self.empty {
            match write_row(&mut self.insert, row) {
                Ok(()) => {
                    self.report.added += 1;
                    return Ok(());
                }
                Err(e) if is_duplicate_key(&e) => {}
                Err(e) => return Err(e),
            }
        }
        let old: Option<bool> = self
            .same
            .query_row(params![row.exam_no(), row.record()], |r| r.get(0))
            .optional()?;
        match old {
            Some(true) => {
                self.report.unchanged += 1;
                return Ok(());
            }
            Some(false) => self.report.updated += 1,
            None => self.report.added += 1,
        }
        write_row(&mut self.upsert, row)
    }

    /// Rows taken so far.
    pub fn count(&self) -> usize {
        self.report.added + self.report.updated + self.report.unchanged
    }
}

/// Adds a candidate or replaces the stored one with the same exam number.
pub(super) const UPSERT_CANDIDATE: &str =
    "INSERT INTO candidates(exam_no, id_no, name, site_code, batch, updated_at, record)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT(exam_no) DO UPDATE SET id_no = excluded.id_no, name = excluded.name,
       site_code = excluded.site_code, batch = excluded.batch,
       updated_at = excluded.updated_at, record = excluded.record";

/// Adds a candidate whose exam number is not there yet.
const INSERT_CANDIDATE: &str =
    "INSERT INTO candidates(exam_no, id_no, name, site_code, batch, updated_at, record)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

/// Runs `UPSERT_CANDIDATE` (or `INSERT_CANDIDATE`) for one row: the one way roster rows are
/// written (file import and portal pull alike).
pub(super) fn write_row(
    stmt: &mut rusqlite::CachedStatement,
    row: &RosterRow,
) -> Result<(), StoreError> {
    stmt.execute(params![
        row.column(0),
        row.column(1),
        row.column(2),
        row.column(3),
        row.column(4),
        row.column(5),
        &*row.record
    ])?;
    Ok(())
}

/// The insert failed because the exam number is there already.
fn is_duplicate_key(e: &StoreError) -> bool {
    matches!(e, StoreError::Sql { error: rusqlite::Error::SqliteFailure(f, _) }
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
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
