//! The append-only audit log. Each entry holds the hash of the previous one, and the newest
//! hash is also kept in `settings`, so editing, removing or reordering entries is detected.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::roster::sha256_hex;
use super::{Store, StoreError};

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const HEAD_KEY: &str = "audit_head";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The first entry that does not fit the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditProblem {
    /// The sequence number where the chain breaks (the entry edited, or the one after a gap).
    pub seq: i64,
    pub kind: &'static str,
}

fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    detail: &str,
) -> String {
    // Fields are length-prefixed so that moving text from one field into another changes the hash.
    let text = [at, actor, action, detail]
        .iter()
        .fold(format!("{prev_hash}|{seq}"), |acc, f| {
            format!("{acc}|{}:{f}", f.len())
        });
    sha256_hex(text.as_bytes())
}

/// Appends an entry inside the caller's transaction.
pub(super) fn append(
    tx: &Transaction,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), StoreError> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(s, h)| (s + 1, h));
    let at = at.to_rfc3339();
    let hash = entry_hash(&prev, seq, &at, actor, action, detail);
    tx.execute(
        "INSERT INTO audit(seq, at, actor, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, at, actor, action, detail, prev, hash],
    )?;
    tx.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![HEAD_KEY, format!("{seq}:{hash}")],
    )?;
    Ok(())
}

impl Store {
    /// Appends one audit entry in its own transaction.
    pub fn audit(
        &mut self,
        at: DateTime<Utc>,
        actor: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        append(&tx, at, actor, action, detail)?;
        tx.commit()?;
        Ok(())
    }

    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at, actor, action, detail, prev_hash, hash FROM audit ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AuditEntry {
                seq: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
                prev_hash: r.get(5)?,
                hash: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the chain; `Ok(None)` when every entry is as written.
    pub fn verify_audit(&self) -> Result<Option<AuditProblem>, StoreError> {
        let entries = self.audit_entries()?;
        let mut prev = GENESIS.to_owned();
        for (i, e) in entries.iter().enumerate() {
            let expected_seq = i as i64 + 1;
            if e.seq != expected_seq || e.prev_hash != prev {
                return Ok(Some(AuditProblem {
                    seq: expected_seq,
                    kind: "removed_or_reordered",
                }));
            }
            if entry_hash(&e.prev_hash, e.seq, &e.at, &e.actor, &e.action, &e.detail) != e.hash {
                return Ok(Some(AuditProblem {
                    seq: e.seq,
                    kind: "edited",
                }));
            }
            prev = e.hash.clone();
        }
        let head = self.setting(HEAD_KEY)?;
        let actual = entries.last().map(|e| format!("{}:{}", e.seq, e.hash));
        if head != actual {
            let seq = entries.len() as i64 + 1;
            return Ok(Some(AuditProblem {
                seq,
                kind: "removed_or_reordered",
            }));
        }
        Ok(None)
    }
}
