//! `grad-intake roster import FILE` and `roster show EXAM_NO`.

use std::path::Path;

use super::{Error, Setup};
use crate::domain::candidate::Candidate;
use crate::roster_file::{self, Format};
use crate::store::{ImportReport, Store};
use crate::strings::report as s;

/// Reads, checks and stores a roster file in one transaction: nothing is stored unless all of
/// it is.
pub fn import(setup: &Setup, file: &Path, format: Option<Format>) -> Result<ImportReport, Error> {
    let (text, format) = roster_file::read_text(file, format)?;
    let mut store = Store::open(&setup.db)?;
    let report = roster_file::import(&mut store, &text, format)?;
    tracing::info!(
        added = report.added,
        updated = report.updated,
        unchanged = report.unchanged,
        "roster import"
    );
    Ok(report)
}

pub fn render_import(r: &ImportReport) -> String {
    s::roster_imported(r.added, r.updated, r.unchanged)
}

/// One candidate with the ID number masked (screens and reports show only its last 4
/// characters), or `None` for an exam number not on the roster.
pub fn show(setup: &Setup, exam_no: &str) -> Result<Option<Candidate>, Error> {
    let store = Store::open(&setup.db)?;
    Ok(store.candidate(exam_no.trim())?.map(|mut c| {
        c.id_no = c.id_masked();
        c
    }))
}

pub fn render_show(c: &Candidate) -> String {
    let mut lines = vec![
        s::roster_person(&c.exam_no.to_string(), &c.name, c.gender.label(), &c.id_no),
        s::roster_study(
            c.level.label(),
            &c.major_name,
            &c.major_code,
            &c.exam_school,
        ),
        s::roster_status(
            &c.batch,
            &c.site_code,
            &format!("{:?}", c.photo_status),
            c.prediction_passed,
        ),
    ];
    for course in &c.courses {
        lines.push(s::roster_course(
            &course.code,
            &course.name,
            &course.score,
            &course.date,
        ));
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
