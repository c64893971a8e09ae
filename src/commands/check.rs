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
    let until = a
        .window
        .until
        .map(|t| s::until(&t.format("%m-%d %H:%M").to_string()))
        .unwrap_or_default();
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
