//! `grad-intake photo check`: photos from files, folders or the counter's database, measured on
//! every core and judged against a standard. The work returns a [`CheckReport`]; rendering it
//! (text, JSON, CSV) is in [`render`].

pub mod render;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::counter::{OpenError, load_schedule};
use crate::domain::photo::{
    Check, Measurements, Outcome, Standard, Standards, StandardsError, Verdict, verdict,
};
use crate::domain::schedule::Schedule;
use crate::store::{Store, StoreError};
use crate::strings::photo as s;

/// Largest file read as a photo: 200 times the standard's 40 KB. A bigger file is refused
/// unread rather than loaded into memory.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Why a check could not start (the photos themselves never make it fail).
#[derive(Debug, Error)]
pub enum CheckError {
    #[error(transparent)]
    Standards(#[from] StandardsError),
    #[error("{msg}{0}", msg = s::UNKNOWN_STANDARD_NAMED)]
    UnknownStandard(String),
    #[error("{msg}{0}", msg = s::NO_STANDARD_FOR_SITE)]
    NoStandardForSite(String),
    #[error("{msg}{0}", msg = s::PATH_MISSING)]
    PathMissing(String),
    #[error("{}{path}（{source}）", s::FOLDER_UNREADABLE)]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("{msg}{0}", msg = s::CANDIDATE_UNKNOWN)]
    UnknownCandidate(String),
    #[error("{msg}{0}", msg = s::NO_PHOTO_ON_FILE)]
    NoPhotoOnFile(String),
}

/// One photo's result: where it came from, what was measured, the verdict. A file that could
/// not be read has `read_error` and no measurements; it counts as failed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhotoResult {
    pub photo: String,
    pub read_error: Option<String>,
    pub measurements: Option<Measurements>,
    pub verdict: Option<Verdict>,
}

impl PhotoResult {
    /// The overall outcome; an unreadable file failed.
    pub fn outcome(&self) -> Outcome {
        self.verdict.as_ref().map_or(Outcome::Failed, |v| v.overall)
    }
}

/// Every photo of one check, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub standard: String,
    pub standard_title: String,
    pub photos: Vec<PhotoResult>,
}

/// Counts for the end of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub photos: usize,
    pub passed: usize,
    pub failed: usize,
    pub not_measured: usize,
    /// Photos failing each rule.
    pub failed_by_rule: BTreeMap<Check, usize>,
    pub unreadable: usize,
}

impl CheckReport {
    /// True only when every photo passed every rule.
    pub fn all_passed(&self) -> bool {
        self.photos.iter().all(|p| p.outcome() == Outcome::Passed)
    }

    pub fn summary(&self) -> Summary {
        let mut sum = Summary {
            photos: self.photos.len(),
            ..Summary::default()
        };
        for photo in &self.photos {
            match photo.outcome() {
                Outcome::Passed => sum.passed += 1,
                Outcome::Failed => sum.failed += 1,
                Outcome::NotMeasured => sum.not_measured += 1,
            }
            sum.unreadable += usize::from(photo.read_error.is_some());
            for rule in photo.verdict.iter().flat_map(|v| v.failed()) {
                *sum.failed_by_rule.entry(rule.check).or_default() += 1;
            }
        }
        sum
    }
}

/// The standard called `name`, or (without a name) the Guangdong standard the demo site and
/// Guangzhou's offices use.
pub fn choose_standard<'a>(
    standards: &'a Standards,
    name: Option<&str>,
) -> Result<&'a Standard, CheckError> {
    let name = name.unwrap_or(DEFAULT_STANDARD);
    standards
        .named(name)
        .ok_or_else(|| CheckError::UnknownStandard(name.to_string()))
}

/// The standard a site uses: its own entry in data/photo_standards.toml, else the one of its
/// city (data/districts.toml, as `schedule` has it).
pub fn standard_for_site<'a>(
    standards: &'a Standards,
    schedule: &Schedule,
    site_code: &str,
) -> Result<&'a Standard, CheckError> {
    let city = schedule.site(site_code).map(|s| s.city.as_str());
    standards
        .for_site(site_code, city)
        .ok_or_else(|| CheckError::NoStandardForSite(site_code.to_string()))
}

/// The standard used when none is named (data/photo_standards.toml).
pub const DEFAULT_STANDARD: &str = "guangzhou";

/// The files to check: each FILE as given, and the `.jpg`/`.jpeg` files of each DIR (not
/// recursive, sorted by name).
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CheckError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let folder_error = |source| CheckError::Folder {
                path: path.display().to_string(),
                source,
            };
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(folder_error)?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_jpeg_name(p))
                .collect();
            found.sort();
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(CheckError::PathMissing(path.display().to_string()));
        }
    }
    Ok(files)
}

fn is_jpeg_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jpg") || e.eq_ignore_ascii_case("jpeg"))
}

/// Measures and judges `files` on every core; `tick` is called once per photo done (for a
/// progress bar) from the worker threads.
pub fn check_files(files: &[PathBuf], standard: &Standard, tick: impl Fn() + Sync) -> CheckReport {
    let photos = crate::parallel::stream(
        files,
        8,
        |path| {
            let result = check_file(path, standard);
            tick();
            result
        },
        |results| results.collect(),
    );
    CheckReport {
        standard: standard.name.clone(),
        standard_title: standard.title.clone(),
        photos,
    }
}

fn check_file(path: &Path, standard: &Standard) -> PhotoResult {
    let name = path.display().to_string();
    match read_limited(path) {
        Ok(bytes) => check_bytes(name, &bytes, standard),
        Err(problem) => PhotoResult {
            photo: name,
            read_error: Some(problem),
            measurements: None,
            verdict: None,
        },
    }
}

/// The file's bytes, unless it is larger than [`MAX_FILE_BYTES`] or cannot be read.
fn read_limited(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}（{e}）", s::FILE_UNREADABLE))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}（{e}）", s::FILE_UNREADABLE))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(s::FILE_TOO_LARGE.to_string());
    }
    Ok(bytes)
}

/// Measures and judges one photo held in memory.
pub fn check_bytes(photo: String, bytes: &[u8], standard: &Standard) -> PhotoResult {
    let measurements = crate::photo::measure(bytes);
    let verdict = verdict(&measurements, standard);
    PhotoResult {
        photo,
        read_error: None,
        measurements: Some(measurements),
        verdict: Some(verdict),
    }
}

/// The photo on file for `exam_no` in the counter's database, judged against the standard of
/// the candidate's site (or `standard_name`).
pub fn check_on_file(
    db: &Path,
    exam_no: &str,
    standards: &Standards,
    standard_name: Option<&str>,
) -> Result<CheckReport, CheckError> {
    let store = Store::open(db)?;
    let candidate = store
        .candidate(exam_no)?
        .ok_or_else(|| CheckError::UnknownCandidate(exam_no.to_string()))?;
    let standard = match standard_name {
        Some(name) => choose_standard(standards, Some(name))?,
        None => standard_for_site(standards, &load_schedule(&store)?, &candidate.site_code)?,
    };
    let bytes = store
        .photo(exam_no)?
        .ok_or_else(|| CheckError::NoPhotoOnFile(exam_no.to_string()))?;
    Ok(CheckReport {
        standard: standard.name.clone(),
        standard_title: standard.title.clone(),
        photos: vec![check_bytes(exam_no.to_string(), &bytes, standard)],
    })
}
