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

/// Creates the folders above `path` that are missing, owner-only whatever the umask (they hold
/// the database, the configuration with the portal token, reports); existing ones are left as
/// they are.
fn create_parent(path: &Path) -> std::io::Result<()> {
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
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

/// Writes `bytes` as the file at `path`, replacing any file there (a report written again):
/// written to a new owner-only file beside it, then renamed over it, so the result is
/// owner-only whatever the umask or the old file's mode, and never half written.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.{}.part", std::process::id()));
    let _ = std::fs::remove_file(&temporary);
    write_new(&temporary, bytes)
        .and_then(|()| std::fs::rename(&temporary, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
}

/// Opens a file for appending (a log), creating it owner-only.
pub fn append(path: &Path) -> std::io::Result<File> {
    create_parent(path)?;
    options().create(true).append(true).open(path)
}

/// Prepares a SQLite database file before it is opened for use: a new file is created
/// owner-only (SQLite gives its -wal and -shm files the database file's mode); an existing one
/// is first verified to be this program's database (a SQLite file with the tables `marks`, or
/// still without any table) and only then has the permissions of group and others taken away.
/// Anything else is refused untouched: a mistyped `--db` never changes a system file's mode,
/// and a read-only database stays read-only. Says whether the file is new (empty).
///
/// An existing file is never opened here except through SQLite: closing any other descriptor
/// of a SQLite file drops every POSIX lock the process holds on it, including those of other
/// connections (SQLite's "posix locks cancelled by close()" corruption).
pub fn prepare_database(path: &Path, marks: &[&str]) -> std::io::Result<bool> {
    create_parent(path)?;
    match options().write(true).create_new(true).open(path) {
        Ok(_) => return Ok(true),
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        Err(_) => {}
    }
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(refused(crate::strings::DB_NOT_A_FILE));
    }
    if metadata.len() == 0 {
        // Another process of this program may have just created it (owner-only); an empty
        // file anyone else made is no database of ours.
        return if is_owner_only(&metadata) {
            Ok(true)
        } else {
            Err(refused(crate::strings::DB_EMPTY_NOT_OURS))
        };
    }
    if !is_our_database(path, marks) {
        return Err(refused(crate::strings::DB_NOT_OURS));
    }
    tighten(path, &metadata)?;
    Ok(false)
}

fn refused(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// A SQLite file (SQLite itself reads the header "SQLite format 3\0") holding every table of
/// `marks`, or no table at all (created by this program, interrupted before its first table).
fn is_our_database(path: &Path, marks: &[&str]) -> bool {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = rusqlite::Connection::open_with_flags(path, flags) else {
        return false;
    };
    let tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .and_then(|mut stmt| {
            stmt.query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        });
    match tables {
        Ok(tables) => tables.is_empty() || marks.iter().all(|m| tables.iter().any(|t| t == m)),
        // "file is not a database", or unreadable.
        Err(_) => false,
    }
}

#[cfg(unix)]
fn is_owner_only(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o077 == 0
}

#[cfg(not(unix))]
fn is_owner_only(_metadata: &std::fs::Metadata) -> bool {
    true
}

/// Takes away the permissions of group and others; the owner's stay (a read-only database
/// is not made writable).
#[cfg(unix)]
fn tighten(path: &Path, metadata: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o7777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode & !0o077))
}

#[cfg(not(unix))]
fn tighten(_path: &Path, _metadata: &std::fs::Metadata) -> std::io::Result<()> {
    Ok(())
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
        let report = dir.path().join("report.csv");
        std::fs::write(&report, b"old").unwrap();
        std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o644)).unwrap();
        super::replace(&report, b"new").unwrap();
        assert_eq!(std::fs::read(&report).unwrap(), b"new");
        assert_eq!(mode(&report), 0o600, "a replaced file is owner-only");
        assert_eq!(
            mode(&dir.path().join("a")),
            0o700,
            "new folders are owner-only"
        );
        let log = dir.path().join("log");
        super::append(&log).unwrap();
        assert_eq!(mode(&log), 0o600);
        let db = dir.path().join("x.db");
        assert!(
            super::prepare_database(&db, MARKS).unwrap(),
            "new and empty"
        );
        assert_eq!(mode(&db), 0o600);
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE ours (x); CREATE TABLE also (y);")
            .unwrap();
        drop(conn);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(!super::prepare_database(&db, MARKS).unwrap());
        assert_eq!(
            mode(&db),
            0o600,
            "an existing database of ours is tightened"
        );
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        super::prepare_database(&db, MARKS).unwrap();
        assert_eq!(mode(&db), 0o400, "a read-only database stays read-only");
    }

    const MARKS: &[&str] = &["ours", "also"];

    /// Files that are not this program's databases are refused, their bytes and mode unchanged.
    #[test]
    fn anything_else_is_refused_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let other_db = dir.path().join("other.db");
        let conn = rusqlite::Connection::open(&other_db).unwrap();
        conn.execute_batch("CREATE TABLE ours (x);").unwrap();
        drop(conn);
        let text = dir.path().join("passwd");
        std::fs::write(&text, b"root:x:0:0:root:/root:/bin/bash\n").unwrap();
        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        for (path, file_mode) in [
            (&other_db, 0o644),
            (&text, 0o644),
            (&empty, 0o664),
            (&text, 0o444),
        ] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(file_mode)).unwrap();
            let before = std::fs::read(path).unwrap();
            let err = super::prepare_database(path, MARKS).unwrap_err();
            assert_eq!(err.kind(), std::io::ErrorKind::InvalidData, "{path:?}");
            assert_eq!(mode(path), file_mode, "{path:?} keeps its mode");
            assert_eq!(
                std::fs::read(path).unwrap(),
                before,
                "{path:?} keeps its bytes"
            );
        }
        assert_eq!(
            super::prepare_database(dir.path(), MARKS)
                .unwrap_err()
                .kind(),
            std::io::ErrorKind::InvalidData,
            "a folder is no database"
        );
    }
}
