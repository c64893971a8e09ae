//! `grad-intake portal …`: the reference portal's administration. Its database is only ever the
//! one named with `--db` (or GRAD_INTAKE_DB), never the counter's.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::Error;
use crate::portal::{Portal, PortalImport, ServerHandle};
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

/// What a roster import into the portal did, and how many records the file had.
#[derive(Debug)]
pub struct RosterImport {
    pub import: PortalImport,
    pub records: usize,
}

/// Imports a roster file (all or nothing) with photos from `photos/<exam_no>.jpg`, and signs a
/// form QR for every candidate.
pub fn import_roster(
    db: &Path,
    file: &Path,
    format: Option<Format>,
    photos: Option<&Path>,
    now: DateTime<Utc>,
) -> Result<RosterImport, Error> {
    let candidates = roster_file::read(file, format)?;
    let import = Portal::open(db)?.import_roster(&candidates, photos, now)?;
    Ok(RosterImport {
        import,
        records: candidates.len(),
    })
}

pub fn render_import(r: &RosterImport) -> String {
    let i = &r.import;
    s::portal_imported(i.added, i.updated, i.unchanged, r.records, i.photos)
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

/// `portal set-clock-limit HOURS`: events whose corrected time is further than this from the
/// portal's clock are stored flagged and filed under no day.
pub fn set_clock_limit(db: &Path, hours: i64) -> Result<(), Error> {
    Ok(Portal::open(db)?.set_clock_limit(hours)?)
}

pub fn render_clock_limit(hours: i64) -> String {
    format!("{}{hours}\n", strings::PORTAL_CLOCK_LIMIT_SET)
}
