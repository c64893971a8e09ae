//! `grad-intake portal …`: the reference portal's administration. Its database is only ever the
//! one named with `--db` (or GRAD_INTAKE_DB), never the counter's.

use std::collections::HashSet;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::Error;
use crate::domain::candidate::is_site_code;
use crate::domain::photo::{Check, Standards};
use crate::domain::schedule::Schedule;
use crate::portal::{
    PhotoReportRow, PhotoState, PhotosMeasured, Portal, PortalError, PortalImport, ServerHandle,
};
use crate::roster_file::{self, Format};
use crate::strings::{self, report as s};

/// Starts the server on `listen`; it runs until the process ends.
pub fn serve(db: &Path, listen: &str, workers: usize) -> Result<ServerHandle, Error> {
    Ok(crate::portal::serve(db, listen, workers)?)
}

pub fn render_started(server: &ServerHandle, db: &Path) -> String {
    s::portal_started(&server.addr().to_string(), &db.display().to_string())
}

/// The signing key's public half, and whether it was made now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keygen {
    pub public_key: String,
    pub new: bool,
}

pub fn keygen(db: &Path, rotate: bool, now: DateTime<Utc>) -> Result<Keygen, Error> {
    let (public_key, new) = Portal::open(db)?.keygen(rotate, now)?;
    Ok(Keygen { public_key, new })
}

pub fn render_keygen(k: &Keygen) -> String {
    let title = if k.new {
        strings::PORTAL_KEY_NEW
    } else {
        strings::PORTAL_KEY_EXISTING
    };
    format!("{title}\n{}\n", k.public_key)
}

/// What a roster import into the portal did, how many records the file had, and how its
/// candidates' photos measured.
#[derive(Debug)]
pub struct RosterImport {
    pub import: PortalImport,
    pub records: usize,
    pub measured: PhotosMeasured,
}

/// Imports a roster file (all or nothing) with photos from `photos/<exam_no>.jpg`, and signs a
/// form QR for every candidate. Then measures each candidate's photo not yet measured as it is
/// against the standard of the candidate's site (a photo that cannot be read is reported, and
/// the import goes on).
pub fn import_roster(
    db: &Path,
    file: &Path,
    format: Option<Format>,
    photos: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<RosterImport, Error> {
    // A broken standards or districts file stops the import before anything is changed.
    let standards = Standards::builtin()?;
    let schedule = Schedule::builtin()?;
    let candidates = roster_file::read(file, format)?;
    let mut portal = Portal::open(db)?;
    let import = portal.import_roster(&candidates, photos, now)?;
    let exam_nos: Vec<String> = candidates.iter().map(|c| c.exam_no.to_string()).collect();
    let measured = portal.measure_photos(&exam_nos, &standards, &schedule, now)?;
    Ok(RosterImport {
        import,
        records: candidates.len(),
        measured,
    })
}

pub fn render_import(r: &RosterImport) -> String {
    let i = &r.import;
    let mut lines = vec![s::portal_imported(
        i.added,
        i.updated,
        i.unchanged,
        r.records,
        i.photos,
    )];
    let m = &r.measured;
    if m.measured > 0 {
        lines.push(s::portal_photos_measured(
            m.measured,
            m.passed,
            m.failed,
            m.not_measured,
        ));
    }
    lines.extend(i.unreadable.iter().map(|u| {
        format!(
            "{}{}（{}）{}",
            strings::PORTAL_PHOTO_READ,
            u.path.display(),
            u.problem,
            strings::PORTAL_PHOTO_SKIPPED
        )
    }));
    lines.join("\n")
}

/// Whose photos a report lists: one site's, or every site's of a city (data/districts.toml).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoScope {
    Site(String),
    City(String),
}

/// The candidates whose photo the city office must review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoReport {
    pub scope: PhotoScope,
    pub rows: Vec<PhotoReportRow>,
}

/// The candidates of the site or city whose photo failed its standard, was not measured, or is
/// missing.
pub fn photo_report(db: &Path, scope: &PhotoScope) -> Result<PhotoReport, Error> {
    let sites: HashSet<String> = match scope {
        PhotoScope::Site(code) if is_site_code(code) => HashSet::from([code.clone()]),
        PhotoScope::Site(code) => return Err(PortalError::BadSite(code.clone()).into()),
        PhotoScope::City(city) => {
            let schedule = Schedule::builtin()?;
            let sites: HashSet<String> = schedule
                .sites()
                .filter(|site| site.city == *city)
                .map(|site| site.code.clone())
                .collect();
            if sites.is_empty() {
                return Err(Error::UnknownCity(city.clone()));
            }
            sites
        }
    };
    Ok(PhotoReport {
        scope: scope.clone(),
        rows: Portal::open(db)?.photo_report(&sites)?,
    })
}

/// The report as text: a title with the site or city and the count, then one line a candidate.
pub fn render_photo_report(report: &PhotoReport) -> String {
    let scope = match &report.scope {
        PhotoScope::Site(code) => format!("{}{code}", strings::PHOTO_REPORT_SITE),
        PhotoScope::City(city) => format!("{}{city}", strings::PHOTO_REPORT_CITY),
    };
    if report.rows.is_empty() {
        return format!("{scope}：{}\n", strings::PHOTO_REPORT_NONE);
    }
    let mut out = format!(
        "{}{scope}，{}{}\n",
        strings::PHOTO_REPORT_TITLE,
        strings::PHOTO_REPORT_COUNT,
        report.rows.len()
    );
    for row in &report.rows {
        out.push_str(&format!(
            "{}  {}  {}  {}  {}\n",
            row.exam_no,
            row.name,
            row.id_masked,
            row.site_code,
            problem_text(row.photo.as_ref())
        ));
    }
    out
}

/// What is wrong with a photo, for the reviewer.
fn problem_text(photo: Option<&PhotoState>) -> String {
    match photo {
        None => strings::PHOTO_REPORT_NO_PHOTO.to_owned(),
        Some(PhotoState::Unmeasured) => strings::PHOTO_REPORT_UNMEASURED.to_owned(),
        Some(PhotoState::NoStandard) => strings::PHOTO_REPORT_NO_STANDARD.to_owned(),
        Some(PhotoState::Measured {
            failed,
            not_measured,
            ..
        }) if failed.is_empty() => format!(
            "{}{}",
            strings::PHOTO_REPORT_NOT_MEASURED,
            rule_labels(not_measured)
        ),
        Some(PhotoState::Measured { failed, .. }) => {
            format!("{}{}", strings::PHOTO_REPORT_FAILED, rule_labels(failed))
        }
    }
}

fn rule_labels(rules: &[Check]) -> String {
    rules
        .iter()
        .map(|c| c.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// The report as CSV (UTF-8 with a byte-order mark, so that Excel opens the Chinese text).
pub fn photo_report_csv(report: &PhotoReport) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(strings::PHOTO_REPORT_HEADER)?;
        for row in &report.rows {
            let (standard, failed, not_measured) = match &row.photo {
                Some(PhotoState::Measured {
                    standard,
                    failed,
                    not_measured,
                    ..
                }) => (
                    standard.as_str(),
                    rule_labels(failed),
                    rule_labels(not_measured),
                ),
                _ => ("", String::new(), String::new()),
            };
            w.write_record([
                row.exam_no.as_str(),
                row.name.as_str(),
                row.id_masked.as_str(),
                row.site_code.as_str(),
                standard,
                &problem_text(row.photo.as_ref()),
                &failed,
                &not_measured,
            ])?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Writes the CSV owner-only (it names candidates), never over an existing file.
pub fn write_photo_report_csv(report: &PhotoReport, path: &Path) -> Result<(), Error> {
    let bytes = photo_report_csv(report)?;
    crate::owner_only::write_new(path, &bytes).map_err(|source| Error::WritePhotoCsv {
        path: path.to_owned(),
        source,
    })
}

/// Registers a counter and returns its new token (shown once; the portal keeps its digest).
pub fn add_counter(
    db: &Path,
    site: &str,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    Ok(Portal::open(db)?.add_counter(site, counter, now)?)
}

pub fn render_counter_added(token: &str) -> String {
    format!("{}\n{token}\n", strings::PORTAL_COUNTER_ADDED)
}
