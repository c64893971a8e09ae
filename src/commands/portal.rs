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
    CounterInfo, EnrolmentCode, PhotoReportRow, PhotoState, PhotosMeasured, Portal, PortalError,
    PortalImport, ServerHandle, TlsFiles,
};
use crate::roster_file::{self, Format};
use crate::strings::{self, report as s};

/// Starts the server on `listen` (HTTPS with `tls`); it runs until the process ends.
pub fn serve(
    db: &Path,
    listen: &str,
    workers: usize,
    tls: Option<&TlsFiles>,
) -> Result<ServerHandle, Error> {
    Ok(crate::portal::serve_with(db, listen, workers, tls)?)
}

pub fn render_started(server: &ServerHandle, db: &Path) -> String {
    s::portal_started(&server.url(), &db.display().to_string())
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

/// A counter's new credentials: the token (shown once) and a one-time enrolment code that
/// carries it to the counter (`grad-intake enrol`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub counter: String,
    pub site: String,
    pub token: String,
    pub code: EnrolmentCode,
}

/// Registers a counter (or gives it a new token, lifting a revocation) with an enrolment code.
pub fn add_counter(
    db: &Path,
    site: &str,
    counter: &str,
    now: DateTime<Utc>,
) -> Result<Credentials, Error> {
    let mut portal = Portal::open(db)?;
    let token = portal.add_counter(site, counter, now)?;
    let code = portal.issue_enrolment_code(counter, now)?;
    Ok(Credentials {
        counter: counter.to_owned(),
        site: site.to_owned(),
        token,
        code,
    })
}

/// A new token for a counter (the old one is refused from its next request), with a code.
pub fn rotate_token(db: &Path, counter: &str, now: DateTime<Utc>) -> Result<Credentials, Error> {
    let mut portal = Portal::open(db)?;
    let (token, code) = portal.rotate_token(counter, now)?;
    let site = portal
        .list_counters(now)?
        .into_iter()
        .find(|c| c.counter_id == counter)
        .map(|c| c.site_code)
        .unwrap_or_default();
    Ok(Credentials {
        counter: counter.to_owned(),
        site,
        token,
        code,
    })
}

pub fn revoke_counter(db: &Path, counter: &str, now: DateTime<Utc>) -> Result<(), Error> {
    Ok(Portal::open(db)?.revoke_counter(counter, now)?)
}

pub fn list_counters(db: &Path, now: DateTime<Utc>) -> Result<Vec<CounterInfo>, Error> {
    Ok(Portal::open(db)?.list_counters(now)?)
}

/// The title, the code with how to use it and its QR for the screen, then the token as the
/// last line (for a counter configured by hand).
pub fn render_credentials(title: &str, c: &Credentials) -> String {
    let until = crate::domain::office_time::date_hm(c.code.expires_at);
    format!(
        "{title}\n{}{}　{}\n{}\n{}\n{}\n{}\n",
        strings::PORTAL_CODE_HEADER,
        c.code.code,
        s::portal_code_valid(&until),
        s::portal_code_howto(&c.code.code),
        code_qr(&c.code.code),
        strings::PORTAL_TOKEN_MANUAL,
        c.token
    )
}

pub fn render_counter_added(c: &Credentials) -> String {
    render_credentials(&s::portal_counter_added(&c.counter, &c.site), c)
}

pub fn render_token_rotated(c: &Credentials) -> String {
    render_credentials(&s::portal_token_rotated(&c.counter), c)
}

pub fn render_revoked(counter: &str) -> String {
    format!("{}\n", s::portal_counter_revoked(counter))
}

pub fn render_counters(counters: &[CounterInfo]) -> String {
    if counters.is_empty() {
        return format!("{}\n", strings::PORTAL_NO_COUNTERS);
    }
    let local = |t: &str| {
        chrono::DateTime::parse_from_rfc3339(t).map_or_else(
            |_| t.to_owned(),
            |t| crate::domain::office_time::date_hm(t.to_utc()),
        )
    };
    counters
        .iter()
        .map(|c| {
            let state = c.revoked_at.as_deref().map_or_else(
                || s::COUNTER_ACTIVE.to_owned(),
                |at| s::counter_revoked_at(&local(at)),
            );
            let code = c.code_valid_until.as_deref().map_or_else(
                || s::COUNTER_NO_CODE.to_owned(),
                |until| s::counter_code_until(&local(until)),
            );
            let issued = local(&c.token_issued_at);
            format!(
                "{}\n",
                s::portal_counter_line(&c.counter_id, &c.site_code, &state, &issued, &code)
            )
        })
        .collect()
}

/// The code as a QR of half-block characters (two modules a character, dark on light, with
/// its quiet zone), for a barcode reader or phone held to the administrator's screen.
pub fn code_qr(code: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) {
        Ok(qr) => qr
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
        // A 19-character code always fits; without a QR the code is still printed.
        Err(_) => String::new(),
    }
}

/// `portal set-clock-limit HOURS`: events whose corrected time is further than this from the
/// portal's clock are stored flagged and filed under no day.
pub fn set_clock_limit(db: &Path, hours: i64) -> Result<(), Error> {
    Ok(Portal::open(db)?.set_clock_limit(hours)?)
}

pub fn render_clock_limit(hours: i64) -> String {
    format!("{}{hours}\n", strings::PORTAL_CLOCK_LIMIT_SET)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The half-block picture back to modules: '█' both dark, '▀' top, '▄' bottom (colours
    /// swapped above: a terminal shows light text on dark, so "light" characters are dark).
    fn modules(text: &str) -> Vec<Vec<bool>> {
        let mut rows = Vec::new();
        for line in text.lines() {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            for ch in line.chars() {
                // Dense1x2 with Light as the dark colour draws light modules as ink.
                let (t, b) = match ch {
                    '█' => (false, false),
                    '▀' => (false, true),
                    '▄' => (true, false),
                    _ => (true, true),
                };
                top.push(t);
                bottom.push(b);
            }
            rows.push(top);
            rows.push(bottom);
        }
        rows
    }

    #[test]
    fn the_qr_on_screen_reads_back_as_the_code() {
        let code = crate::sync::enrol::new_code();
        let grid = modules(&code_qr(&code));
        let (h, w) = (grid.len(), grid[0].len());
        // Four pixels a module, so the detector finds the finder patterns comfortably.
        let scale = 4;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
            let dark = grid[y / scale].get(x / scale).copied().unwrap_or(false);
            if dark { 0 } else { 255 }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, code);
    }
}
