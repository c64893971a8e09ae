//! `grad-intake print form|receipt`: the registration form (A4, both sides) and the receipt,
//! to a printer (IPP) or a new PDF file. Printed from the command line, the job is recorded
//! under the OS account.

use std::path::{Path, PathBuf};

use super::{Error, Setup};
use crate::print::{self, Destination, Done, layout::FormDef};

/// Where to print: a PDF file named on the command line, else the printer named there, else the
/// configuration's printer.
#[derive(Debug, Clone, Default)]
pub struct PrintTo {
    pub out: Option<PathBuf>,
    pub printer: Option<String>,
}

fn destination(setup: &Setup, to: &PrintTo) -> Result<Destination, Error> {
    match (&to.out, &to.printer, &setup.config.printer) {
        (Some(path), _, _) => Ok(Destination::File(path.clone())),
        (None, Some(uri), _) | (None, None, Some(uri)) => Ok(Destination::Printer(uri.clone())),
        (None, None, None) => Err(Error::NoPrinter),
    }
}

/// The form definition: a TOML file, or the built-in registration form.
fn form_def(path: Option<&Path>) -> Result<FormDef, Error> {
    let Some(path) = path else {
        return Ok(FormDef::builtin("registration-form")?);
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::ReadForm {
        path: path.to_owned(),
        source,
    })?;
    Ok(FormDef::from_toml(&text, &path.display().to_string())?)
}

/// Prints the registration forms of `exam_nos`, one job per copy count (`copies`, else the
/// materials rules'). `on_done` hears of each job as it completes, so that a later failure does
/// not hide what was already printed.
pub fn forms(
    setup: &Setup,
    exam_nos: &[String],
    to: &PrintTo,
    copies: Option<u32>,
    form: Option<&Path>,
    on_done: &mut dyn FnMut(&Done),
) -> Result<Vec<Done>, Error> {
    let mut counter = setup.counter()?;
    let fonts = print::configured_fonts(setup.config.print_fallback_font.as_deref())?;
    let dest = destination(setup, to)?;
    let form = form_def(form)?;
    let clerk = super::os_actor();
    let jobs = print::registration_forms(&counter, exam_nos, setup.now)?;
    let mut done = Vec::new();
    for batch in print::batches_by_copies(jobs, copies) {
        let job = print::print_forms(
            &mut counter,
            &form,
            &batch,
            &fonts,
            &dest,
            &clerk,
            setup.now,
        )?;
        on_done(&job);
        done.push(job);
    }
    Ok(done)
}

/// Prints the receipt of an intake, found by its id or the candidate's exam number.
pub fn receipt(setup: &Setup, intake_id: &str, to: &PrintTo) -> Result<Done, Error> {
    let mut counter = setup.counter()?;
    let fonts = print::configured_fonts(setup.config.print_fallback_font.as_deref())?;
    let dest = destination(setup, to)?;
    let clerk = super::os_actor();
    Ok(print::print_receipt(
        &mut counter,
        intake_id,
        &fonts,
        &dest,
        &clerk,
        setup.now,
    )?)
}
