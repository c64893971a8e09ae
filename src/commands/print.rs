//! `grad-intake print form|receipt`: the registration form (A4, both sides) and the receipt,
//! to a printer (IPP) or a new PDF file. Printed from the command line, the job is recorded
//! under the OS account.

use std::path::{Path, PathBuf};

use super::{Error, Setup};
use crate::print::{self, Destination, Done, Prepared, layout::FormDef};

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
/// materials rules'). Every batch is rendered, and every file named, before the first goes out:
/// a form that cannot be laid out or an `--out` file that already exists stops the command
/// with nothing written or printed. `on_done` hears of each job as it completes, so that a later
/// printer failure does not hide what was already printed.
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
    let prepared = print::batches_by_copies(jobs, copies)
        .iter()
        .map(|batch| print::prepare_forms(&form, batch, &fonts))
        .collect::<Result<Vec<_>, _>>()?;
    let dests = batch_destinations(&dest, &prepared)?;
    let mut done = Vec::new();
    for (batch, dest) in prepared.into_iter().zip(dests) {
        let job = print::finish(&mut counter, batch, &dest, &clerk, setup.now)?;
        on_done(&job);
        done.push(job);
    }
    Ok(done)
}

/// Where each batch goes. A printer takes them all (one job each); a PDF file holds one copy
/// count, so when the batches differ each gets its own file, named after the `--out` one with
/// the count added (`f.pdf` → `f-x2.pdf`, `f-x3.pdf`). None of the files may exist yet.
fn batch_destinations(dest: &Destination, batches: &[Prepared]) -> Result<Vec<Destination>, Error> {
    let Destination::File(path) = dest else {
        return Ok(vec![dest.clone(); batches.len()]);
    };
    let paths: Vec<PathBuf> = match batches {
        [_] => vec![path.clone()],
        _ => batches
            .iter()
            .map(|b| with_copies(path, b.copies()))
            .collect(),
    };
    if let Some(taken) = paths.iter().find(|p| p.exists()) {
        return Err(print::PrintError::OutExists {
            path: taken.display().to_string(),
        }
        .into());
    }
    Ok(paths.into_iter().map(Destination::File).collect())
}

/// `dir/f.pdf` → `dir/f-x2.pdf`.
fn with_copies(path: &Path, copies: u32) -> PathBuf {
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-x{copies}.{}", ext.to_string_lossy()),
        None => format!("{stem}-x{copies}"),
    };
    path.with_file_name(name)
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
