//! Photos measured on import against the standard of the candidate's site (its own entry in
//! data/photo_standards.toml, else its city's per data/districts.toml), kept in `photo_checks`;
//! and the city office's list of candidates whose photo failed or was not measured.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::{Portal, PortalError};
use crate::domain::candidate::Candidate;
use crate::domain::photo::{Check, Outcome, Standards, Verdict, verdict};
use crate::domain::schedule::Schedule;
use crate::photo::check::standard_for_site;

/// Photos read from the database and measured together (their bytes are held at once).
const CHUNK: usize = 32;

/// What measuring the photos of an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PhotosMeasured {
    pub measured: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_measured: usize,
}

/// A stored photo whose measurement is missing or out of date.
struct Stale {
    exam_no: String,
    site_code: String,
}

/// One photo's measurement, as `photo_checks` keeps it.
struct Measured {
    exam_no: String,
    sha256: String,
    /// `None`: no standard applies to the candidate's site.
    standard: Option<String>,
    outcome: Outcome,
    failed: Vec<Check>,
    not_measured: Vec<Check>,
}

impl Measured {
    fn of(exam_no: String, sha256: String, v: Option<&Verdict>) -> Self {
        let rules = |outcome| -> Vec<Check> {
            v.iter()
                .flat_map(|v| &v.rules)
                .filter(|r| r.outcome == outcome)
                .map(|r| r.check)
                .collect()
        };
        Measured {
            exam_no,
            sha256,
            standard: v.map(|v| v.standard.clone()),
            outcome: v.map_or(Outcome::NotMeasured, |v| v.overall),
            failed: rules(Outcome::Failed),
            not_measured: rules(Outcome::NotMeasured),
        }
    }
}

/// One candidate for the city office to review: the photo failed or was not measured (or there
/// is none). The ID number is masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoReportRow {
    pub exam_no: String,
    pub name: String,
    pub id_masked: String,
    pub site_code: String,
    /// `None`: no photo on file.
    pub photo: Option<PhotoState>,
}

/// What is known of a candidate's photo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PhotoState {
    /// Never measured, or measured before the photo was replaced.
    Unmeasured,
    /// No standard applies to the candidate's site.
    NoStandard,
    Measured {
        standard: String,
        outcome: Outcome,
        failed: Vec<Check>,
        not_measured: Vec<Check>,
    },
}

impl Portal {
    /// Measures the stored photos of `exam_nos` whose last measurement is missing, of another
    /// photo, or against another standard (the site moved); the others are left as measured.
    pub fn measure_photos(
        &mut self,
        exam_nos: &[String],
        standards: &Standards,
        schedule: &Schedule,
        now: DateTime<Utc>,
    ) -> Result<PhotosMeasured, PortalError> {
        let standard_of = |site: &str| {
            standard_for_site(standards, schedule, site)
                .ok()
                .map(|s| s.name.clone())
        };
        let stale = self.stale_photos(exam_nos, &standard_of)?;
        let mut done = PhotosMeasured::default();
        for chunk in stale.chunks(CHUNK) {
            let mut photos = Vec::with_capacity(chunk.len());
            for stale in chunk {
                if let Some(photo) = self.photo(&stale.exam_no)? {
                    photos.push((stale, photo));
                }
            }
            // Measuring takes tens of milliseconds a photo: on every core.
            let measured = crate::parallel::map(&photos, |(stale, photo)| {
                let standard = standard_for_site(standards, schedule, &stale.site_code).ok();
                let v = standard.map(|s| verdict(&crate::photo::measure(&photo.jpeg), s));
                Measured::of(stale.exam_no.clone(), photo.sha256.clone(), v.as_ref())
            });
            let tx = self.conn.transaction()?;
            for m in &measured {
                store_measured(&tx, m, now)?;
                done.measured += 1;
                match m.outcome {
                    Outcome::Passed => done.passed += 1,
                    Outcome::Failed => done.failed += 1,
                    Outcome::NotMeasured => done.not_measured += 1,
                }
            }
            tx.commit()?;
        }
        Ok(done)
    }

    /// The photos of `exam_nos` to measure: stored, and not measured as they are now.
    fn stale_photos(
        &self,
        exam_nos: &[String],
        standard_of: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Vec<Stale>, PortalError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.site_code, p.sha256, k.sha256, k.standard
             FROM candidates c JOIN photos p ON p.exam_no = c.exam_no
             LEFT JOIN photo_checks k ON k.exam_no = c.exam_no
             WHERE c.exam_no = ?1",
        )?;
        let mut stale = Vec::new();
        for exam_no in exam_nos {
            let row: Option<(String, String, Option<String>, Option<String>)> = stmt
                .query_row([exam_no], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()?;
            let Some((site_code, sha, checked_sha, checked_standard)) = row else {
                continue;
            };
            let standard = standard_of(&site_code).unwrap_or_default();
            if checked_sha.as_deref() != Some(&sha)
                || checked_standard.as_deref() != Some(&standard)
            {
                stale.push(Stale {
                    exam_no: exam_no.clone(),
                    site_code,
                });
            }
        }
        Ok(stale)
    }

    /// The candidates of `sites` whose photo failed, was not measured, or is missing, by site
    /// and exam number.
    pub fn photo_report(
        &self,
        sites: &HashSet<String>,
    ) -> Result<Vec<PhotoReportRow>, PortalError> {
        let mut stmt = self.conn.prepare(
            "SELECT c.exam_no, c.site_code, c.record, p.sha256, k.sha256, k.standard, k.outcome,
                    k.failed_rules, k.not_measured
             FROM candidates c LEFT JOIN photos p ON p.exam_no = c.exam_no
             LEFT JOIN photo_checks k ON k.exam_no = c.exam_no
             ORDER BY c.site_code, c.exam_no",
        )?;
        let mut rows = stmt.query([])?;
        let mut report = Vec::new();
        while let Some(r) = rows.next()? {
            let site_code: String = r.get(1)?;
            if !sites.contains(&site_code) {
                continue;
            }
            let photo = photo_state(r)?;
            if matches!(
                photo,
                Some(PhotoState::Measured {
                    outcome: Outcome::Passed,
                    ..
                })
            ) {
                continue;
            }
            let (exam_no, record): (String, String) = (r.get(0)?, r.get(2)?);
            let candidate: Candidate = serde_json::from_str(&record)
                .map_err(|e| PortalError::Corrupt(format!("{exam_no}: {e}")))?;
            report.push(PhotoReportRow {
                exam_no: candidate.exam_no.to_string(),
                id_masked: candidate.id_masked(),
                name: candidate.name,
                site_code,
                photo,
            });
        }
        Ok(report)
    }
}

/// The photo columns of a report row (3: photo sha, 4-8: its last measurement).
fn photo_state(r: &rusqlite::Row<'_>) -> Result<Option<PhotoState>, PortalError> {
    let Some(sha) = r.get::<_, Option<String>>(3)? else {
        return Ok(None);
    };
    if r.get::<_, Option<String>>(4)?.as_deref() != Some(&sha) {
        return Ok(Some(PhotoState::Unmeasured));
    }
    let standard: String = r.get(5)?;
    if standard.is_empty() {
        return Ok(Some(PhotoState::NoStandard));
    }
    let outcome = match r.get::<_, String>(6)?.as_str() {
        "passed" => Outcome::Passed,
        "failed" => Outcome::Failed,
        _ => Outcome::NotMeasured,
    };
    let rules = |i: usize| -> Result<Vec<Check>, PortalError> {
        let text: String = r.get(i)?;
        serde_json::from_str(&text).map_err(|e| PortalError::Corrupt(format!("photo_checks: {e}")))
    };
    Ok(Some(PhotoState::Measured {
        standard,
        outcome,
        failed: rules(7)?,
        not_measured: rules(8)?,
    }))
}

fn store_measured(tx: &Transaction, m: &Measured, now: DateTime<Utc>) -> Result<(), PortalError> {
    let json = |rules: &[Check]| {
        serde_json::to_string(rules).map_err(|e| PortalError::Corrupt(e.to_string()))
    };
    let outcome = match m.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "failed",
        Outcome::NotMeasured => "not_measured",
    };
    tx.prepare_cached(
        "INSERT INTO photo_checks(exam_no, sha256, standard, passed, outcome, failed_rules,
            not_measured, measured_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(exam_no) DO UPDATE SET sha256 = excluded.sha256,
           standard = excluded.standard, passed = excluded.passed, outcome = excluded.outcome,
           failed_rules = excluded.failed_rules, not_measured = excluded.not_measured,
           measured_at = excluded.measured_at",
    )?
    .execute(params![
        m.exam_no,
        m.sha256,
        m.standard.as_deref().unwrap_or_default(),
        m.outcome == Outcome::Passed,
        outcome,
        json(&m.failed)?,
        json(&m.not_measured)?,
        now.to_rfc3339(),
    ])?;
    Ok(())
}
