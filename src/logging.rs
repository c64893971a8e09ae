//! Logs go to a file beside the database, never to the terminal (the counter screen owns it).
//! Nothing logged may hold a full ID number or a photo: log exam numbers and masked IDs only.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Starts logging to `grad-intake.log` in `dir`, owner-only. Failing to log never stops the
/// counter: the error is returned for the caller to mention, and work goes on.
pub fn init(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join("grad-intake.log");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path)?;
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
