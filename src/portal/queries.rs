//! What the portal answers: who a token belongs to, roster pages, photos, the office tally and
//! cross-counter conflicts.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::{Identity, Portal, PortalError};
use crate::store::sha256_hex;
use crate::sync::protocol::{Conflict, ConflictEntry, Conflicts, Outcomes, Tally};

/// A photo as stored.
pub struct Photo {
    pub sha256: String,
    pub site_code: String,
    pub jpeg: Vec<u8>,
}

impl Portal {
    /// The counter a bearer token belongs to; `None` for an unknown or revoked token.
    pub fn authenticate(&self, token: &str) -> Result<Option<Identity>, PortalError> {
        let digest = sha256_hex(token.as_bytes());
        Ok(self
            .conn
            .prepare_cached("SELECT counter_id, site_code FROM counters WHERE token_sha256 = ?1 AND revoked_at IS NULL")?
            .query_row([digest], |r| {
                Ok(Identity {
                    counter_id: r.get(0)?,
                    site_code: r.get(1)?,
                })
            })
            .optional()?)
    }

    /// One roster page as JSON text (a `RosterPage`). The stored records are copied into the
    /// answer as they are: nothing is parsed and written again.
    pub fn roster_page_json(
        &self,
        site: &str,
        cursor: i64,
        limit: usize,
    ) -> Result<String, PortalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT change_seq, record FROM candidates WHERE site_code = ?1 AND change_seq > ?2
             ORDER BY change_seq LIMIT ?3",
        )?;
        // One more than asked for tells whether this page is the last.
        let mut rows = stmt.query(params![site, cursor, limit as i64 + 1])?;
        let mut out = String::with_capacity(limit * 1_200 + 128);
        out.push_str("{\"portal_id\":");
        out.push_str(
            &serde_json::to_string(&self.portal_id)
                .map_err(|e| PortalError::Corrupt(e.to_string()))?,
        );
        out.push_str(",\"candidates\":[");
        let (mut next, mut count, mut more) = (cursor, 0usize, false);
        while let Some(row) = rows.next()? {
            if count == limit {
                more = true;
                break;
            }
            if count > 0 {
                out.push(',');
            }
            next = row.get(0)?;
            out.push_str(
                row.get_ref(1)?
                    .as_str()
                    .map_err(|e| PortalError::Corrupt(e.to_string()))?,
            );
            count += 1;
        }
        out.push_str(&format!("],\"next_cursor\":{next},\"done\":{}}}", !more));
        Ok(out)
    }

    pub fn photo(&self, exam_no: &str) -> Result<Option<Photo>, PortalError> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT p.sha256, c.site_code, p.jpeg FROM photos p JOIN candidates c ON c.exam_no = p.exam_no
                 WHERE p.exam_no = ?1",
            )?
            .query_row([exam_no], |r| Ok(Photo { sha256: r.get(0)?, site_code: r.get(1)?, jpeg: r.get(2)? }))
            .optional()?)
    }

    /// The office-wide tally of one local day at `site`, across its counters.
    pub fn tally(&self, site: &str, date: NaiveDate) -> Result<Tally, PortalError> {
        let mut tally = Tally {
            site_code: site.to_owned(),
            date: Some(date),
            ..Tally::default()
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT counter_id, clerk_id, local_hour, kind, body FROM events
             WHERE site_code = ?1 AND local_date = ?2 AND kind IN ('intake_opened', 'accepted', 'returned', 'voided')
               AND clock_flag IS NULL",
        )?;
        let mut rows = stmt.query(params![site, date.to_string()])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(3)?;
            let bump = |o: &mut Outcomes| match kind.as_str() {
                "intake_opened" => o.opened += 1,
                "accepted" => o.accepted += 1,
                "returned" => o.returned += 1,
                _ => o.voided += 1,
            };
            bump(&mut tally.totals);
            bump(tally.by_counter.entry(row.get(0)?).or_default());
            bump(tally.by_clerk.entry(row.get(1)?).or_default());
            bump(tally.by_hour.entry(row.get(2)?).or_default());
            if kind == "returned" {
                count_reasons(
                    &mut tally.return_reasons,
                    row.get_ref(4)?.as_str().unwrap_or_default(),
                );
            }
        }
        let (roster, not_seen) = self.conn.query_row(
            "SELECT COUNT(*), COALESCE(SUM(NOT EXISTS (SELECT 1 FROM candidate_states s WHERE s.exam_no = c.exam_no)), 0)
             FROM candidates c WHERE c.site_code = ?1",
            [site],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)),
        )?;
        tally.roster = roster as u64;
        tally.not_seen = not_seen as u64;
        Ok(tally)
    }

    /// Candidates accepted (and not voided since) at two or more counters, where the candidate
    /// or any of those counters belongs to `site`.
    pub fn conflicts(&self, site: &str) -> Result<Conflicts, PortalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.exam_no, COALESCE(c.name, ''), COALESCE(c.site_code, ''), s.counter_id,
                    COALESCE(k.site_code, ''), s.intake_id, s.clerk_id, s.at
             FROM candidate_states s
             LEFT JOIN candidates c ON c.exam_no = s.exam_no
             LEFT JOIN counters k ON k.counter_id = s.counter_id
             WHERE s.state = 'accepted' AND s.exam_no IN (
                SELECT exam_no FROM candidate_states WHERE state = 'accepted'
                GROUP BY exam_no HAVING COUNT(*) > 1)
             ORDER BY s.exam_no, s.at, s.counter_id",
        )?;
        let mut by_exam: BTreeMap<String, (Conflict, bool)> = BTreeMap::new();
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let exam_no: String = row.get(0)?;
            let candidate_site: String = row.get(2)?;
            let at: String = row.get(7)?;
            let entry = ConflictEntry {
                counter_id: row.get(3)?,
                site_code: row.get(4)?,
                intake_id: row.get(5)?,
                clerk_id: row.get(6)?,
                at: chrono::DateTime::parse_from_rfc3339(&at)
                    .map_err(|e| PortalError::Corrupt(format!("{at}: {e}")))?
                    .to_utc(),
            };
            let (conflict, ours) = by_exam.entry(exam_no.clone()).or_insert_with(|| {
                (
                    Conflict {
                        exam_no,
                        name: row.get(1).unwrap_or_default(),
                        counters: vec![],
                    },
                    candidate_site == site,
                )
            });
            *ours |= entry.site_code == site;
            conflict.counters.push(entry);
        }
        let conflicts = by_exam
            .into_values()
            .filter(|(_, ours)| *ours)
            .map(|(c, _)| c)
            .collect();
        Ok(Conflicts {
            site_code: site.to_owned(),
            conflicts,
        })
    }
}

/// Adds the reasons of one `returned` body to the counts.
fn count_reasons(counts: &mut BTreeMap<String, u64>, body: &str) {
    let reasons = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("reasons").and_then(|r| r.as_array()).cloned())
        .unwrap_or_default();
    for reason in reasons.iter().filter_map(|r| r.as_str()) {
        *counts.entry(reason.to_owned()).or_default() += 1;
    }
}
