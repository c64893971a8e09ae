//! What printing reads and records: an intake found by its id (the receipt's QR), and, for
//! every job a printer finished, a `printed` event per candidate in the counter's log (so the
//! portal files each under its candidate) with one audit entry for the job.

use rusqlite::OptionalExtension;

use super::intakes::{Actor, IntakeRecord, append_event};
use super::{Store, StoreError, audit};

/// One finished print job: what the `printed` events say (no personal data but the exam
/// numbers, which every event carries).
#[derive(Debug, Clone)]
pub struct Printed {
    /// "registration-form" or "receipt".
    pub form: String,
    pub exam_nos: Vec<String>,
    pub intake_id: Option<String>,
    pub copies: u32,
    pub job_id: i32,
}

impl Store {
    pub fn intake_by_id(&self, intake_id: &str) -> Result<Option<IntakeRecord>, StoreError> {
        let exam_no: Option<String> = self
            .conn
            .query_row(
                "SELECT exam_no FROM intakes WHERE id = ?1",
                [intake_id],
                |r| r.get(0),
            )
            .optional()?;
        match exam_no {
            Some(exam_no) => self.intake(&exam_no),
            None => Ok(None),
        }
    }

    /// Appends the `printed` events and the job's audit entry in one transaction.
    pub fn record_printed(&mut self, printed: &Printed, actor: &Actor) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for exam_no in &printed.exam_nos {
            let body = serde_json::json!({
                "type": "printed",
                "exam_no": exam_no,
                "form": printed.form,
                "intake_id": printed.intake_id,
                "copies": printed.copies,
                "job_id": printed.job_id,
            });
            append_event(
                &tx,
                actor,
                "printed",
                printed.intake_id.as_deref(),
                &body.to_string(),
            )?;
        }
        audit::append(
            &tx,
            actor.at,
            actor.clerk_id,
            "printed",
            &format!(
                "{} {} job {}",
                printed.form,
                printed.exam_nos.join(","),
                printed.job_id
            ),
        )?;
        tx.commit()?;
        Ok(())
    }
}
