//! Files that hold personal data or secrets (databases, configuration with the portal token,
//! signing keys, logs) are created readable by their owner only (mode 0600 on Unix).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

/// Options for a new owner-only file.
fn options() -> OpenOptions {
    let mut options = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir),
        None => Ok(()),
    }
}

/// Writes a new file (never overwrites one) with `bytes`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_parent(path)?;
    options()
        .write(true)
        .create_new(true)
        .open(path)?
        .write_all(bytes)
}

/// Opens a file for appending (a log), creating it owner-only.
pub fn append(path: &Path) -> std::io::Result<File> {
    create_parent(path)?;
    options().create(true).append(true).open(path)
}

/// Prepares a SQLite database file before SQLite opens it: a new file is created owner-only
/// (SQLite gives its -wal and -shm files the database file's mode), an existing one has its
/// mode tightened. Says whether the file is new (empty).
///
/// An existing file is never opened here: closing any descriptor of a SQLite file drops every
/// POSIX lock the process holds on it, including those of other connections (SQLite's "posix
/// locks cancelled by close()" corruption).
pub fn prepare_database(path: &Path) -> std::io::Result<bool> {
    create_parent(path)?;
    if path.exists() {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    } else {
        match options().write(true).create_new(true).open(path) {
            // Another process may have created it in between: that file is just as good.
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(std::fs::metadata(path)?.len() == 0)
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &std::path::Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn every_kind_of_file_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("a/b/key");
        super::write_new(&new, b"secret").unwrap();
        assert_eq!(mode(&new), 0o600);
        assert!(
            super::write_new(&new, b"again").is_err(),
            "never overwrites"
        );
        let log = dir.path().join("log");
        super::append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        let db = dir.path().join("x.db");
        assert!(super::prepare_database(&db).unwrap(), "new and empty");
        std::fs::write(&db, b"data").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!super::prepare_database(&db).unwrap());
        assert_eq!(mode(&db), 0o600, "an existing file is tightened");
    }
}
