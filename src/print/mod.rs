//! Printing: the registration form (《毕业生登记表》) and the intake receipt.
//!
//! `layout` turns a form definition (forms/*.toml) and a candidate's data into a page model
//! (pure); `fonts` checks every character against the shipped CJK font and subsets it; `pdf`
//! writes the page model with printpdf; `ipp` sends the PDF to a printer and follows the job.
//! `data` fills the forms from the roster and the intake; this file ties them to a counter.

pub mod data;
pub mod fonts;
pub mod ipp;
mod job;
pub mod layout;
pub mod pdf;

use chrono::{DateTime, Utc};

use crate::counter::Counter;
use crate::store::{IntakeRecord, StoreError};
use crate::strings;
use fonts::Fonts;
use layout::{FormData, FormDef, FormError, LayoutError, Page};
use pdf::PdfError;

pub use job::{
    Destination, Done, Prepared, batches_by_copies, deliver, finish, prepare_forms, print_forms,
    print_receipt,
};

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Form(#[from] FormError),
    #[error(transparent)]
    Layout(#[from] LayoutError),
    #[error(transparent)]
    Pdf(#[from] PdfError),
    #[error(transparent)]
    Ipp(#[from] ipp::IppError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}", strings::print_unknown_exam_no(exam_no))]
    UnknownCandidate { exam_no: String },
    #[error("{}", strings::print_unknown_intake(intake_id))]
    UnknownIntake { intake_id: String },
    #[error("{}", strings::print_no_signed_payload(exam_no))]
    NoSignedPayload { exam_no: String },
    #[error("{}", strings::print_write_failed(path, detail))]
    Write { path: String, detail: String },
    #[error("{}", strings::print_out_exists(path))]
    OutExists { path: String },
    #[error("{}", strings::print_job_not_completed(*job_id, outcome))]
    JobNotCompleted { job_id: i32, outcome: String },
}

/// A rendered batch, ready for a file or a printer.
#[derive(Debug, Clone)]
pub struct Document {
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub duplex: bool,
    /// The job name printers show: the form and the count, never personal data.
    pub job_name: String,
}

/// Lays out one copy of `form` for each filled data and renders them into one PDF. Every
/// character is checked against the fonts while laying out, before anything is rendered or
/// sent. For a duplex form each copy starts on a new sheet: an odd page count is padded.
pub fn render(form: &FormDef, filled: &[FormData], fonts: &Fonts) -> Result<Document, PrintError> {
    let mut pages: Vec<Page> = Vec::with_capacity(filled.len() * form.pages.len());
    for data in filled {
        let mut copy = layout::layout(form, data, fonts)?;
        if form.duplex && copy.len() % 2 == 1 {
            copy.push(Page::default());
        }
        pages.append(&mut copy);
    }
    let job_name = format!("grad-intake {} x{}", form.name, filled.len());
    let pdf = pdf::render(&pages, fonts, &job_name)?;
    Ok(Document {
        pdf,
        pages: pages.len(),
        duplex: form.duplex,
        job_name,
    })
}

/// The fonts of this installation: the shipped one, then the configured fallback if any.
pub fn configured_fonts(fallback: Option<&std::path::Path>) -> Result<Fonts, PrintError> {
    match fallback {
        Some(path) => {
            Fonts::with_fallback(path).map_err(|e| PrintError::Layout(LayoutError::Font(e)))
        }
        None => Ok(Fonts::shipped()),
    }
}

fn place_name(counter: &Counter, site_code: &str) -> String {
    match counter.schedule.site(site_code) {
        Some(site) => format!("{} {}", site.code, site.name),
        None => site_code.to_owned(),
    }
}

/// A registration form to print and how many copies the rules ask for.
#[derive(Debug, Clone)]
pub struct FormJob {
    pub exam_no: String,
    pub data: FormData,
    pub copies: u32,
}

/// The registration forms of these candidates, filled from the roster and their photos.
pub fn registration_forms(
    counter: &Counter,
    exam_nos: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<FormJob>, PrintError> {
    exam_nos
        .iter()
        .map(|exam_no| {
            let unknown = || PrintError::UnknownCandidate {
                exam_no: exam_no.clone(),
            };
            let candidate = counter.store.candidate(exam_no)?.ok_or_else(unknown)?;
            if candidate.qr.is_none() {
                return Err(PrintError::NoSignedPayload {
                    exam_no: exam_no.clone(),
                });
            }
            let photo = counter.store.photo(exam_no)?;
            let today = crate::domain::office_time::local_date(now);
            let copies = counter
                .rules
                .evaluate(&candidate, today)
                .checklist
                .iter()
                .find(|item| item.id == REGISTRATION_FORM_ITEM)
                .map_or(DEFAULT_FORM_COPIES, |item| item.copies);
            let site = place_name(counter, &candidate.site_code);
            let place = data::PrintPlace {
                site: &site,
                counter_id: &counter.counter_id,
                now,
            };
            Ok(FormJob {
                exam_no: exam_no.clone(),
                data: data::registration(&candidate, photo, copies, &place),
                copies,
            })
        })
        .collect()
}

/// The checklist item of data/materials.toml that is the registration form itself.
const REGISTRATION_FORM_ITEM: &str = "reg_form";
/// Seed 002 四(三)1: 社会考生 hand in two copies (公开学院 three, from the rules).
const DEFAULT_FORM_COPIES: u32 = 2;

/// The receipt of one intake, filled from the stored file and today's checklist.
pub fn receipt(
    counter: &Counter,
    intake_or_exam_no: &str,
    now: DateTime<Utc>,
) -> Result<(IntakeRecord, FormData), PrintError> {
    let unknown = || PrintError::UnknownIntake {
        intake_id: intake_or_exam_no.to_owned(),
    };
    // The intake's id is on the receipt's QR; at the desk the exam number is what one has, and
    // a candidate has at most one file (intakes are unique by exam number).
    let record = match counter.store.intake_by_id(intake_or_exam_no)? {
        Some(record) => record,
        None => counter
            .store
            .intake(intake_or_exam_no)?
            .ok_or_else(unknown)?,
    };
    let exam_no = record.intake.exam_no.clone();
    let candidate = counter
        .store
        .candidate(&exam_no)?
        .ok_or(PrintError::UnknownCandidate {
            exam_no: exam_no.clone(),
        })?;
    let on = crate::domain::office_time::local_date(record.updated_at);
    let checklist = counter.rules.evaluate(&candidate, on).checklist;
    let clerk = match &record.intake.decision {
        Some(d) => match counter.store.clerk(&d.clerk_id)? {
            Some(c) => format!("{} {}", c.id, c.name),
            None => d.clerk_id.clone(),
        },
        None => String::new(),
    };
    let site = place_name(
        counter,
        counter.site_code.as_deref().unwrap_or(&candidate.site_code),
    );
    let place = data::PrintPlace {
        site: &site,
        counter_id: &record.counter_id,
        now,
    };
    let filled = data::receipt(&candidate, &record.intake, &checklist, &clerk, &place);
    Ok((record, filled))
}
