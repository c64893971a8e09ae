//! Delivering a rendered batch: to a PDF file, or to a printer over IPP followed to the end.
//! A finished print job is recorded as a `printed` event (with its audit entry) for sync.

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::fonts::Fonts;
use super::ipp::{self, JobOutcome, JobRequest};
use super::layout::FormDef;
use super::{Document, FormJob, PrintError, receipt, render};
use crate::counter::Counter;
use crate::store::{Actor, Printed};
use crate::strings;

/// Where a batch goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// A new PDF file (never overwrites one: it may be another candidate's).
    File(PathBuf),
    /// An IPP printer URI.
    Printer(String),
}

/// What was done, as the command line and the counter screen report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Written {
        path: PathBuf,
        forms: usize,
        pages: usize,
        /// Copies of each form to print from the file, as the rules (or `--copies`) ask.
        copies: u32,
    },
    Printed {
        job_id: i32,
        forms: usize,
        pages: usize,
        copies: u32,
    },
}

impl fmt::Display for Done {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Done::Written {
                path,
                forms,
                pages,
                copies,
            } => write!(
                f,
                "{}",
                strings::print_written(&path.display().to_string(), *forms, *pages, *copies)
            ),
            Done::Printed {
                job_id,
                forms,
                pages,
                copies,
            } => write!(
                f,
                "{}",
                strings::print_done(*job_id, *forms, *pages, *copies)
            ),
        }
    }
}

/// Forms grouped so each printer job has one copy count: `copies` (from the command line) for
/// all, else the rules' count of each candidate (社会考生 2, 公开学院 3), in the order given.
pub fn batches_by_copies(jobs: Vec<FormJob>, copies: Option<u32>) -> Vec<Vec<FormJob>> {
    let mut batches: Vec<Vec<FormJob>> = Vec::new();
    for mut job in jobs {
        if let Some(n) = copies {
            job.copies = n;
        }
        match batches.iter_mut().find(|b| b[0].copies == job.copies) {
            Some(batch) => batch.push(job),
            None => batches.push(vec![job]),
        }
    }
    batches
}

/// Sends `doc` to the destination; for a printer, returns the finished job's id.
pub fn deliver(doc: &Document, copies: u32, dest: &Destination) -> Result<Option<i32>, PrintError> {
    match dest {
        Destination::File(path) => {
            crate::owner_only::write_new(path, &doc.pdf).map_err(|e| PrintError::Write {
                path: path.display().to_string(),
                detail: e.to_string(),
            })?;
            Ok(None)
        }
        Destination::Printer(uri) => {
            let request = JobRequest {
                printer_uri: uri,
                pdf: &doc.pdf,
                job_name: &doc.job_name,
                copies,
                duplex: doc.duplex,
            };
            let job = ipp::submit(&request, &mut |_| {})?;
            match job.outcome {
                JobOutcome::Completed => Ok(Some(job.job_id)),
                other => Err(PrintError::JobNotCompleted {
                    job_id: job.job_id,
                    outcome: other.to_string(),
                }),
            }
        }
    }
}

/// A rendered batch and the `printed` record it makes once a printer finishes it.
#[derive(Debug, Clone)]
pub struct Prepared {
    doc: Document,
    printed: Printed,
}

impl Prepared {
    /// Copies of each form the batch asks for.
    pub fn copies(&self) -> u32 {
        self.printed.copies
    }
}

/// Renders one batch of registration forms (all with the same copy count), delivering nothing,
/// so that every batch of a command can be rendered before the first one goes anywhere.
pub fn prepare_forms(
    form: &FormDef,
    batch: &[FormJob],
    fonts: &Fonts,
) -> Result<Prepared, PrintError> {
    let copies = batch.first().map_or(1, |j| j.copies);
    let filled: Vec<_> = batch.iter().map(|j| j.data.clone()).collect();
    let doc = render(form, &filled, fonts)?;
    let printed = Printed {
        form: form.name.clone(),
        exam_nos: batch.iter().map(|j| j.exam_no.clone()).collect(),
        intake_id: None,
        copies,
        job_id: 0,
    };
    Ok(Prepared { doc, printed })
}

/// Renders one batch of registration forms (all with the same copy count) and delivers it.
pub fn print_forms(
    counter: &mut Counter,
    form: &FormDef,
    batch: &[FormJob],
    fonts: &Fonts,
    dest: &Destination,
    clerk_id: &str,
    now: DateTime<Utc>,
) -> Result<Done, PrintError> {
    let prepared = prepare_forms(form, batch, fonts)?;
    finish(counter, prepared, dest, clerk_id, now)
}

/// Renders the receipt of one intake (by its id or the candidate's exam number) and delivers it
/// (one copy, one side).
pub fn print_receipt(
    counter: &mut Counter,
    intake_or_exam_no: &str,
    fonts: &Fonts,
    dest: &Destination,
    clerk_id: &str,
    now: DateTime<Utc>,
) -> Result<Done, PrintError> {
    let form = FormDef::builtin("receipt")?;
    let (record, filled) = receipt(counter, intake_or_exam_no, now)?;
    let doc = render(&form, &[filled], fonts)?;
    let printed = Printed {
        form: form.name.clone(),
        exam_nos: vec![record.intake.exam_no],
        intake_id: Some(record.intake.id),
        copies: 1,
        job_id: 0,
    };
    finish(counter, Prepared { doc, printed }, dest, clerk_id, now)
}

/// Delivers, and records a finished printer job at the time it finished (`started` plus the
/// time the printer took), under `clerk_id`; a file written records nothing (nothing was handed
/// to anyone), and a failed job changes nothing in the database.
pub fn finish(
    counter: &mut Counter,
    prepared: Prepared,
    dest: &Destination,
    clerk_id: &str,
    started: DateTime<Utc>,
) -> Result<Done, PrintError> {
    let Prepared { doc, mut printed } = prepared;
    let forms = printed.exam_nos.len();
    let clock = Instant::now();
    match deliver(&doc, printed.copies, dest)? {
        None => Ok(Done::Written {
            path: match dest {
                Destination::File(p) => p.clone(),
                Destination::Printer(uri) => PathBuf::from(uri),
            },
            forms,
            pages: doc.pages,
            copies: printed.copies,
        }),
        Some(job_id) => {
            printed.job_id = job_id;
            let took = chrono::Duration::from_std(clock.elapsed()).unwrap_or(chrono::Duration::MAX);
            let actor = Actor {
                counter_id: &counter.counter_id.clone(),
                clerk_id,
                at: started.checked_add_signed(took).unwrap_or(started),
            };
            counter.store.record_printed(&printed, &actor)?;
            Ok(Done::Printed {
                job_id,
                forms,
                pages: doc.pages,
                copies: printed.copies,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::layout::FormData;

    fn job(exam_no: &str, copies: u32) -> FormJob {
        FormJob {
            exam_no: exam_no.to_owned(),
            data: FormData::default(),
            copies,
        }
    }

    fn shape(batches: &[Vec<FormJob>]) -> Vec<Vec<(String, u32)>> {
        batches
            .iter()
            .map(|b| b.iter().map(|j| (j.exam_no.clone(), j.copies)).collect())
            .collect()
    }

    #[test]
    fn one_job_per_copy_count_in_the_order_given() {
        let jobs = vec![job("a", 2), job("b", 3), job("c", 2)];
        let s = |x: &str, n| (x.to_owned(), n);
        assert_eq!(
            shape(&batches_by_copies(jobs.clone(), None)),
            vec![vec![s("a", 2), s("c", 2)], vec![s("b", 3)]]
        );
        assert_eq!(
            shape(&batches_by_copies(jobs, Some(1))),
            vec![vec![s("a", 1), s("b", 1), s("c", 1)]]
        );
    }
}
