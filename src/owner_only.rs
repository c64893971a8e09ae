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
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    restrict_new(dir, true)
}

/// Unix: the mode given at creation already made it owner-only.
#[cfg(not(windows))]
fn restrict_new(_path: &Path, _folder: bool) -> std::io::Result<()> {
    Ok(())
}

/// Windows: owner-only is an access list with one entry, full access for the current user,
/// that does not inherit the folder's entries (a protected DACL); a folder's entry is
/// inherited by what is created in it. Not compiled or run on this project's Linux machine
/// (README, "Files and privacy").
#[cfg(windows)]
fn restrict_new(path: &Path, folder: bool) -> std::io::Result<()> {
    windows_acl::owner_only(path, folder)
}

#[cfg(windows)]
mod windows_acl {
    use std::os::windows::ffi::OsStrExt;
    use std::path::Path;
    use std::ptr::{null, null_mut};

    use windows_sys::Win32::Foundation::{
        CloseHandle, ERROR_SUCCESS, GENERIC_ALL, HANDLE, LocalFree,
    };
    use windows_sys::Win32::Security::Authorization::{
        EXPLICIT_ACCESS_W, NO_MULTIPLE_TRUSTEE, SE_FILE_OBJECT, SET_ACCESS, SetEntriesInAclW,
        SetNamedSecurityInfoW, TRUSTEE_IS_SID, TRUSTEE_IS_USER, TRUSTEE_W,
    };
    use windows_sys::Win32::Security::{
        ACL, DACL_SECURITY_INFORMATION, GetTokenInformation, NO_INHERITANCE,
        PROTECTED_DACL_SECURITY_INFORMATION, SUB_CONTAINERS_AND_OBJECTS_INHERIT, TOKEN_QUERY,
        TOKEN_USER, TokenUser,
    };
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    pub fn owner_only(path: &Path, folder: bool) -> std::io::Result<()> {
        let user = current_user()?;
        // SAFETY: `user` holds a TOKEN_USER (aligned: a u64 buffer) whose SID lives as long as
        // `user`; the ACL SetEntriesInAclW allocates is freed with LocalFree after use; `wide`
        // is NUL-terminated.
        unsafe {
            let token_user = &*user.as_ptr().cast::<TOKEN_USER>();
            let access = EXPLICIT_ACCESS_W {
                grfAccessPermissions: GENERIC_ALL,
                grfAccessMode: SET_ACCESS,
                grfInheritance: if folder {
                    SUB_CONTAINERS_AND_OBJECTS_INHERIT
                } else {
                    NO_INHERITANCE
                },
                Trustee: TRUSTEE_W {
                    pMultipleTrustee: null_mut(),
                    MultipleTrusteeOperation: NO_MULTIPLE_TRUSTEE,
                    TrusteeForm: TRUSTEE_IS_SID,
                    TrusteeType: TRUSTEE_IS_USER,
                    ptstrName: token_user.User.Sid.cast(),
                },
            };
            let mut acl: *mut ACL = null_mut();
            let status = SetEntriesInAclW(1, &access, null(), &mut acl);
            if status != ERROR_SUCCESS {
                return Err(std::io::Error::from_raw_os_error(status as i32));
            }
            let wide: Vec<u16> = path.as_os_str().encode_wide().chain([0]).collect();
            let status = SetNamedSecurityInfoW(
                wide.as_ptr(),
                SE_FILE_OBJECT,
                DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                null_mut(),
                null_mut(),
                acl,
                null(),
            );
            LocalFree(acl.cast());
            if status != ERROR_SUCCESS {
                return Err(std::io::Error::from_raw_os_error(status as i32));
            }
        }
        Ok(())
    }

    /// The process's TOKEN_USER, in a buffer aligned for it.
    fn current_user() -> std::io::Result<Vec<u64>> {
        // SAFETY: the token handle is closed on every path; GetTokenInformation writes at most
        // `len` bytes into a buffer of at least that size.
        unsafe {
            let mut token: HANDLE = null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut len = 0u32;
            GetTokenInformation(token, TokenUser, null_mut(), 0, &mut len);
            let mut buffer = vec![0u64; (len as usize).div_ceil(8)];
            let ok =
                GetTokenInformation(token, TokenUser, buffer.as_mut_ptr().cast(), len, &mut len);
            let error = std::io::Error::last_os_error();
            CloseHandle(token);
            if ok == 0 {
                return Err(error);
            }
            Ok(buffer)
        }
    }
}

/// Writes a new file (never overwrites one) with `bytes`.
pub fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_parent(path)?;
    let mut file = options().write(true).create_new(true).open(path)?;
    restrict_new(path, false)?;
    file.write_all(bytes)
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
    let file = options().create(true).append(true).open(path)?;
    restrict_new(path, false)?;
    Ok(file)
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
        Ok(_) => return restrict_new(path, false).map(|()| true),
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
    if has_hot_journal(path) {
        roll_back_interrupted_write(path);
    }
    if !is_our_database(path, marks) {
        return Err(refused(crate::strings::DB_NOT_OURS));
    }
    tighten(path, &metadata)?;
    Ok(false)
}

/// A non-empty `-journal` beside the file: a write through a rollback journal (the bulk roster
/// import) was interrupted, and the file holds half-written pages until the journal is rolled
/// back. Read as it is (`immutable`), such a file looks corrupt.
pub fn has_hot_journal(path: &Path) -> bool {
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    std::fs::metadata(Path::new(&journal)).is_ok_and(|m| m.len() > 0)
}

/// Lets SQLite roll the interrupted write back, as any writer opening the file would: opened
/// read-write (never created), its first read restores every page from the journal. Only the
/// file's content goes back to what it was before the interrupted write; its mode is not
/// touched. Failure is left to [`is_our_database`] to judge.
fn roll_back_interrupted_write(path: &Path) {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if let Ok(conn) = rusqlite::Connection::open_with_flags(path, flags) {
        let _ = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        });
    }
}

fn refused(message: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, message)
}

/// A SQLite file (SQLite itself reads the header "SQLite format 3\0") holding every table of
/// `marks`, or no table at all (created by this program, interrupted before its first table).
pub fn is_our_database(path: &Path, marks: &[&str]) -> bool {
    let Ok(conn) = open_untouched(path) else {
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

/// Opens a SQLite file for reading without creating or changing any file. Without a `-wal`
/// file or a hot journal beside it, everything is in the file itself: opened `immutable` (a
/// read-only connection to a WAL database would otherwise create the `-shm` and `-wal` files).
/// With a WAL (the counter is running, or stopped without a checkpoint), read-only through the
/// WAL and its `-shm`; with a hot journal, read-only, so SQLite refuses to read half-written
/// pages (SQLITE_READONLY_ROLLBACK) rather than showing them.
pub fn open_untouched(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    use rusqlite::OpenFlags;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if Path::new(&wal).exists() || has_hot_journal(path) {
        return rusqlite::Connection::open_with_flags(path, flags);
    }
    // A URI: '%', '?' and '#' in the path are escaped.
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", c as u32)),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    rusqlite::Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
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
