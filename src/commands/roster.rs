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
    // The file first: a bad file is refused before a database is made for it.
    let roster = roster_file::open(file, format)?;
    let mut store = Store::open(&setup.db)?;
    // Read, parsed and stored a block at a time (one transaction): nothing is stored unless all
    // of it is.
    let report = roster_file::import_file(&mut store, roster)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    /// The first `n` candidates of the demo roster, full (as a roster file holds them).
    fn roster_of(setup: &crate::commands::Setup, n: usize) -> Vec<Candidate> {
        let store = Store::open(&setup.db).unwrap();
        testing::exam_nos(setup)[..n]
            .iter()
            .map(|e| store.candidate(e).unwrap().unwrap())
            .collect()
    }

    #[test]
    fn import_summary_counts_added_updated_unchanged() {
        let demo_dir = tempfile::tempdir().unwrap();
        let mut roster = roster_of(&testing::demo(&demo_dir), 3);
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::empty(&dir);
        let file = dir.path().join("roster.json");
        std::fs::write(&file, serde_json::to_string(&roster).unwrap()).unwrap();

        let r = import(&setup, &file, None).unwrap();
        assert_eq!((r.added, r.updated, r.unchanged), (3, 0, 0));
        assert_eq!(render_import(&r), s::roster_imported(3, 0, 0));
        assert_eq!(
            render_import(&r),
            "导入完成：新增 3，更新 0，未变 0（共 3 条）"
        );

        roster[1].major_name.push_str("（新）");
        std::fs::write(&file, serde_json::to_string(&roster).unwrap()).unwrap();
        let r = import(&setup, &file, Some(Format::Json)).unwrap();
        assert_eq!((r.added, r.updated, r.unchanged), (0, 1, 2));

        // A broken file changes nothing and says which record.
        std::fs::write(&file, "[{\"exam_no\": 1}]").unwrap();
        assert!(matches!(
            import(&setup, &file, None),
            Err(crate::commands::Error::RosterImport(_))
        ));
        let shown = show(&setup, roster[1].exam_no.as_str()).unwrap().unwrap();
        assert!(shown.major_name.ends_with("（新）"));
    }

    #[test]
    fn show_masks_the_id_number_and_unknown_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        let full = &roster_of(&setup, 1)[0];
        let shown = show(&setup, &format!(" {} ", full.exam_no))
            .unwrap()
            .unwrap();
        assert_eq!(shown.id_no, full.id_masked());
        assert_ne!(shown.id_no, full.id_no);
        let text = render_show(&shown);
        assert!(!text.contains(&full.id_no), "{text}");
        assert_eq!(text.lines().count(), 3 + full.courses.len());
        assert!(show(&setup, "999999999999").unwrap().is_none());
    }
}
