//! Logs go to a file beside the database, never to the terminal (the counter screen owns it).
//! Nothing logged may hold a full ID number or a photo: log exam numbers and masked IDs only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Starts logging to `grad-intake.log` in `dir`, owner-only. Failing to log never stops the
/// counter: the error is returned for the caller to mention, and work goes on.
pub fn init(dir: &Path) -> std::io::Result<PathBuf> {
    let path = dir.join("grad-intake.log");
    let file = crate::owner_only::append(&path)?;
    let filter = std::env::var("GRAD_INTAKE_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    // A second init in one process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_max_level(filter)
        .try_init();
    Ok(path)
}
