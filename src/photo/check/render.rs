//! A [`CheckReport`] for people (Chinese text), for programs (JSON) and for spreadsheets (CSV,
//! UTF-8 with BOM so Excel opens it).

use std::io::{self, Write};

use super::{CheckReport, PhotoResult};
use crate::domain::photo::{Outcome, RuleResult};
use crate::strings::photo as s;

fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => s::PASSED,
        Outcome::Failed => s::FAILED,
        Outcome::NotMeasured => s::NOT_MEASURED,
    }
}

/// "脸部宽度 实测 150像素，要求 180–300".
fn rule_line(rule: &RuleResult) -> String {
    format!(
        "{} {}{}，{}{}",
        rule.check.label(),
        s::MEASURED,
        rule.measured,
        s::REQUIRED,
        rule.limit
    )
}

/// Text: a single photo with every rule and its source; a batch with one line per photo that
/// did not pass. Then the summary.
pub fn text(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    writeln!(
        out,
        "{}{}（{}）",
        s::STANDARD_USED,
        report.standard_title,
        report.standard
    )?;
    if let [photo] = report.photos.as_slice() {
        one_photo(out, photo)?;
    } else {
        for photo in report
            .photos
            .iter()
            .filter(|p| p.outcome() != Outcome::Passed)
        {
            batch_line(out, photo)?;
        }
    }
    summary(out, report)
}

fn one_photo(out: &mut dyn Write, photo: &PhotoResult) -> io::Result<()> {
    writeln!(out, "{} {}", photo.photo, outcome_label(photo.outcome()))?;
    if let Some(problem) = &photo.read_error {
        writeln!(out, "  {problem}")?;
    }
    for rule in photo.verdict.iter().flat_map(|v| &v.rules) {
        writeln!(
            out,
            "  [{}] {}（{}）",
            outcome_label(rule.outcome),
            rule_line(rule),
            rule.source
        )?;
    }
    Ok(())
}

fn batch_line(out: &mut dyn Write, photo: &PhotoResult) -> io::Result<()> {
    let mut parts: Vec<String> = photo.read_error.iter().cloned().collect();
    for rule in photo.verdict.iter().flat_map(|v| &v.rules) {
        if rule.outcome != Outcome::Passed {
            parts.push(format!(
                "[{}] {}",
                outcome_label(rule.outcome),
                rule_line(rule)
            ));
        }
    }
    writeln!(
        out,
        "{} {}：{}",
        photo.photo,
        outcome_label(photo.outcome()),
        parts.join("；")
    )
}

fn summary(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    let sum = report.summary();
    writeln!(
        out,
        "{}{} {}{} {}{} {}{}",
        s::SUMMARY_PHOTOS,
        sum.photos,
        s::SUMMARY_PASSED,
        sum.passed,
        s::SUMMARY_FAILED,
        sum.failed,
        s::SUMMARY_NOT_MEASURED,
        sum.not_measured
    )?;
    if sum.unreadable > 0 {
        writeln!(out, "  {}{}", s::SUMMARY_UNREADABLE, sum.unreadable)?;
    }
    if !sum.failed_by_rule.is_empty() {
        writeln!(out, "{}", s::SUMMARY_BY_RULE)?;
    }
    for (check, count) in &sum.failed_by_rule {
        writeln!(out, "  {}：{count}", check.label())?;
    }
    Ok(())
}

/// The whole report with its summary, as one JSON document.
pub fn json(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    let doc = serde_json::json!({ "report": report, "summary": report.summary() });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One row per photo: photo, result, failed rules, then each rule's measured value.
pub fn csv(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    out.write_all("\u{feff}".as_bytes())?;
    let mut writer = csv::Writer::from_writer(out);
    let checks: Vec<_> = report
        .photos
        .iter()
        .find_map(|p| p.verdict.as_ref())
        .map(|v| v.rules.iter().map(|r| r.check).collect())
        .unwrap_or_default();
    let mut header = vec![s::CSV_PHOTO, s::CSV_RESULT, s::CSV_FAILED_RULES];
    header.extend(checks.iter().map(|c| c.label()));
    writer.write_record(&header)?;
    for photo in &report.photos {
        let rules = photo
            .verdict
            .as_ref()
            .map(|v| v.rules.as_slice())
            .unwrap_or_default();
        let failed: Vec<&str> = rules
            .iter()
            .filter(|r| r.outcome == Outcome::Failed)
            .map(|r| r.check.label())
            .collect();
        let mut row = vec![
            photo.photo.clone(),
            outcome_label(photo.outcome()).to_string(),
            photo
                .read_error
                .clone()
                .unwrap_or_else(|| failed.join("、")),
        ];
        row.extend(checks.iter().map(|c| {
            rules
                .iter()
                .find(|r| r.check == *c)
                .map(|r| r.measured.clone())
                .unwrap_or_default()
        }));
        writer.write_record(&row)?;
    }
    writer.flush()
}
