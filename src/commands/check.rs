//! `grad-intake check PAYLOAD`: what the counter shows for one scan.

use std::io::{self, Write};

use super::{Error, Setup};
use crate::counter::CheckError;
use crate::domain::assess::Assessment;
use crate::strings::{self, report as s};

/// The answer to one scan: the assessment, or why there is none (unknown candidate, a bad
/// payload…), which the clerk reads.
#[derive(Debug)]
pub enum CheckReport {
    Assessed(Box<Assessment>),
    Refused(CheckError),
}

impl CheckReport {
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Assessed(_) => 0,
            Self::Refused(_) => 1,
        }
    }

    /// A short word for the log: the file's state or the kind of refusal.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Assessed(a) => a.intake.state.as_str(),
            Self::Refused(e) => e.kind(),
        }
    }
}

pub fn run(setup: &Setup, payload: &str) -> Result<CheckReport, Error> {
    let counter = setup.counter()?;
    Ok(match counter.check(payload, setup.now) {
        Ok(a) => CheckReport::Assessed(Box::new(a)),
        Err(e) => CheckReport::Refused(e),
    })
}

/// `--json`: the assessment, or `{"error": {"kind", "message"}}`.
pub fn render_json(report: &CheckReport) -> Result<String, serde_json::Error> {
    match report {
        CheckReport::Assessed(a) => serde_json::to_string_pretty(a),
        CheckReport::Refused(e) => {
            let doc = serde_json::json!({"error": {"kind": e.kind(), "message": e.to_string()}});
            Ok(doc.to_string())
        }
    }
}

/// The text for the clerk: candidate, scan, window, state, checklist and what blocks accepting.
pub fn render_text(out: &mut impl Write, a: &Assessment) -> io::Result<()> {
    let c = &a.candidate;
    writeln!(
        out,
        "{}",
        s::check_candidate(&c.name, &c.exam_no, &c.id_masked)
    )?;
    writeln!(
        out,
        "{}",
        s::check_study(c.level, &c.major_code, &c.site_code)
    )?;
    writeln!(out, "{}", s::check_scan(strings::scan_kind(a.scan.kind)))?;
    let until = super::until(&a.window, "%m-%d %H:%M");
    let status = strings::window_status(a.window.status);
    writeln!(out, "{}", s::check_window(status, &until))?;
    writeln!(
        out,
        "{}",
        s::check_state(strings::intake_state(a.intake.state))
    )?;
    writeln!(out, "{}", s::CHECK_CHECKLIST)?;
    for item in &a.checklist {
        let kind = strings::item_kind(item.kind);
        writeln!(out, "{}", s::check_item(&item.title, item.copies, kind))?;
        if let Some(note) = &item.note {
            writeln!(out, "{}", s::check_item_note(note))?;
        }
    }
    if !a.blockers.is_empty() {
        writeln!(out, "{}", s::CHECK_BLOCKERS)?;
        for b in &a.blockers {
            writeln!(out, "{}", s::check_blocker(&b.message))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::testing;

    #[test]
    fn assessment_of_a_roster_candidate_and_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        let exam_no = &testing::exam_nos(&setup)[0];
        let report = run(&setup, exam_no).unwrap();
        let CheckReport::Assessed(a) = &report else {
            panic!("{report:?}");
        };
        assert_eq!(&a.candidate.exam_no, exam_no);
        assert_eq!(report.exit_code(), 0);
        assert_eq!(report.kind(), a.intake.state.as_str());
        assert!(!a.checklist.is_empty());

        let mut text = Vec::new();
        render_text(&mut text, a).unwrap();
        let text = String::from_utf8(text).unwrap();
        let first = text.lines().next().unwrap();
        assert_eq!(
            first,
            s::check_candidate(&a.candidate.name, exam_no, &a.candidate.id_masked)
        );
        assert!(text.contains(s::CHECK_CHECKLIST));
        // One checklist line per item.
        assert_eq!(text.matches("  □ ").count(), a.checklist.len());
        let json: serde_json::Value = serde_json::from_str(&render_json(&report).unwrap()).unwrap();
        assert_eq!(json["candidate"]["exam_no"], exam_no.as_str());
    }

    #[test]
    fn unknown_candidate_and_bad_payload_are_refusals_with_exit_code_1() {
        let dir = tempfile::tempdir().unwrap();
        let setup = testing::demo(&dir);
        let report = run(&setup, "999999999999").unwrap();
        assert!(
            matches!(&report, CheckReport::Refused(CheckError::UnknownCandidate)),
            "{report:?}"
        );
        assert_eq!(
            (report.exit_code(), report.kind()),
            (1, "unknown_candidate")
        );
        let json: serde_json::Value = serde_json::from_str(&render_json(&report).unwrap()).unwrap();
        assert_eq!(json["error"]["kind"], "unknown_candidate");
        assert_eq!(json["error"]["message"], strings::CHECK_UNKNOWN_CANDIDATE);

        let report = run(&setup, "not a scan").unwrap();
        assert!(matches!(report, CheckReport::Refused(CheckError::Scan(_))));
        assert_eq!(report.exit_code(), 1);
    }
}
