//! `grad-intake doctor`: is this desk PC ready for the window? One check per line (✓ works,
//! ✗ does not and what to do, ! a warning, - not configured). Reads only: it never creates,
//! changes or migrates anything (the database is opened read-only, and only once it is known
//! to be this program's).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::Config;
use crate::scanner::ScannerEvent;
use crate::store::{LATEST_VERSION, MARK_TABLES, Store};
use crate::strings::doctor as text;

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    /// Not configured here: nothing to check.
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub id: &'static str,
    pub status: Status,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Check>,
}

/// Where the desk's files are, and the time to compare the portal's clock with.
pub struct Inputs {
    pub config_path: PathBuf,
    /// The database named by `--db` / `GRAD_INTAKE_DB`, if any (else the configuration's).
    pub db_flag: Option<PathBuf>,
    pub now: DateTime<Utc>,
    /// `--scanner-test`: wait this long for one frame from the serial reader.
    pub scanner_test: Option<Duration>,
}

/// Free space under which the disk is a warning.
const MIN_FREE_BYTES: u64 = 1 << 30;

/// A roster last brought up to date longer ago than this is a warning.
const ROSTER_STALE_HOURS: i64 = 24;

/// The largest clock difference to the portal that is still fine.
const MAX_CLOCK_OFFSET_SECONDS: i64 = 120;

fn check(id: &'static str, status: Status, message: impl Into<String>) -> Check {
    Check {
        id,
        status,
        message: message.into(),
    }
}

/// Runs every check. `say` gets what the person at the desk must do while a check waits for
/// them (the scanner test's "scan a form now").
pub fn run(inputs: &Inputs, say: &mut dyn FnMut(&str)) -> Report {
    let mut checks = Vec::new();
    let config = check_config(&inputs.config_path, &mut checks);
    let db = crate::config::resolve_db(inputs.db_flag.as_deref(), &config, &inputs.config_path);
    let store = check_database(&db, &mut checks);
    checks.push(check_permissions(&inputs.config_path, &db));
    checks.push(check_disk(&db));
    checks.push(check_demo_key(&config, &db));
    check_portal(&config, store.as_ref(), inputs.now, &mut checks);
    checks.push(check_printer(&config));
    checks.push(check_scanner(&config, inputs.scanner_test, say));
    checks.push(check_fonts(&config));
    checks.push(check_audit(store.as_ref()));
    let ok = checks.iter().all(|c| c.status != Status::Fail);
    Report { ok, checks }
}

fn check_config(path: &Path, checks: &mut Vec<Check>) -> Config {
    if !path.exists() {
        checks.push(check("config", Status::Fail, text::config_missing(path)));
        return Config::default();
    }
    match Config::load(path) {
        Ok(config) => {
            checks.push(check("config", Status::Ok, text::config_ok(path)));
            config
        }
        Err(e) => {
            checks.push(check(
                "config",
                Status::Fail,
                text::config_bad(&e.to_string()),
            ));
            Config::default()
        }
    }
}

/// The database: this program's, whole, at the current schema. Returns it (read-only) when it
/// can be read at all.
fn check_database(path: &Path, checks: &mut Vec<Check>) -> Option<Store> {
    if !path.exists() {
        checks.push(check("database", Status::Fail, text::db_missing(path)));
        return None;
    }
    if crate::owner_only::has_hot_journal(path) {
        // doctor changes nothing; the next counter or command to open the file rolls it back.
        checks.push(check("database", Status::Fail, text::db_interrupted(path)));
        return None;
    }
    if !crate::owner_only::is_our_database(path, MARK_TABLES) {
        checks.push(check("database", Status::Fail, text::db_not_ours(path)));
        return None;
    }
    let store = match Store::open_read_only(path) {
        Ok(store) => store,
        Err(e) => {
            checks.push(check(
                "database",
                Status::Fail,
                text::db_corrupt(path, &e.to_string()),
            ));
            return None;
        }
    };
    let integrity: Result<Vec<String>, _> = store
        .connection()
        .prepare("PRAGMA integrity_check")
        .and_then(|mut stmt| stmt.query_map([], |r| r.get(0))?.collect());
    let verdict = match integrity {
        Ok(lines) if lines == ["ok"] => None,
        Ok(lines) => Some(lines.join("；")),
        Err(e) => Some(e.to_string()),
    };
    let result = match (verdict, store.version()) {
        (Some(detail), _) => check("database", Status::Fail, text::db_corrupt(path, &detail)),
        (None, Err(e)) => check(
            "database",
            Status::Fail,
            text::db_corrupt(path, &e.to_string()),
        ),
        (None, Ok(v)) if v == LATEST_VERSION => check("database", Status::Ok, text::db_ok(path, v)),
        (None, Ok(v)) if v < LATEST_VERSION => {
            check("database", Status::Fail, text::db_old(v, LATEST_VERSION))
        }
        (None, Ok(v)) => check(
            "database",
            Status::Fail,
            text::db_too_new(v, LATEST_VERSION),
        ),
    };
    let usable = result.status == Status::Ok;
    checks.push(result);
    usable.then_some(store)
}

/// Files that hold personal data or secrets: owner-only. (The database's folder may be shared,
/// e.g. /var/lib; the files in it are what must not be.)
fn check_permissions(config_path: &Path, db: &Path) -> Check {
    let dir = db.parent().filter(|d| !d.as_os_str().is_empty());
    let mut paths = vec![config_path.to_owned(), db.to_owned()];
    for suffix in ["-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        paths.push(PathBuf::from(name));
    }
    if let Some(dir) = dir {
        paths.push(dir.join("grad-intake.log"));
        paths.push(dir.join(crate::demo::KEY_FILE));
    }
    for path in paths {
        if let Some(mode) = group_or_other_access(&path) {
            return check("permissions", Status::Fail, text::perms_wide(&path, mode));
        }
    }
    check("permissions", Status::Ok, text::perms_ok())
}

/// The mode of `path` when group or others may use it (`None`: owner-only, or no such file).
#[cfg(unix)]
fn group_or_other_access(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

/// Windows: files get the folder's ACL; see README on owner-only files there.
#[cfg(not(unix))]
fn group_or_other_access(_path: &Path) -> Option<u32> {
    None
}

fn check_disk(db: &Path) -> Check {
    let dir = db
        .ancestors()
        .skip(1)
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("."));
    match free_bytes(dir) {
        Ok(free) => {
            let gb = free as f64 / 1e9;
            if free < MIN_FREE_BYTES {
                check("disk", Status::Warn, text::disk_low(gb))
            } else {
                check("disk", Status::Ok, text::disk_ok(gb))
            }
        }
        Err(e) => check("disk", Status::Warn, text::disk_unknown(&e.to_string())),
    }
}

/// Bytes an unprivileged user may still write on the file system of `dir`.
#[cfg(unix)]
fn free_bytes(dir: &Path) -> std::io::Result<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `c_path` is a NUL-terminated path; `stat` is written by statvfs before it is
    // read, and only read when statvfs reports success.
    let stat = unsafe {
        if libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        stat.assume_init()
    };
    #[allow(clippy::unnecessary_cast)] // the field types differ between platforms
    Ok(stat.f_bavail as u64 * stat.f_frsize as u64)
}

#[cfg(not(unix))]
fn free_bytes(_dir: &Path) -> std::io::Result<u64> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "statvfs",
    ))
}

fn check_demo_key(config: &Config, db: &Path) -> Check {
    let key = db
        .parent()
        .unwrap_or(Path::new("."))
        .join(crate::demo::KEY_FILE);
    if config.site_code.as_deref() == Some(crate::demo::DEMO_SITE) {
        check("demo_key", Status::Ok, text::demo_key_demo())
    } else if key.exists() {
        check("demo_key", Status::Fail, text::demo_key_present(&key))
    } else {
        check("demo_key", Status::Ok, text::demo_key_ok())
    }
}

/// The portal: reachable, the token accepted, its clock; the roster pulled from it.
fn check_portal(
    config: &Config,
    store: Option<&Store>,
    now: DateTime<Utc>,
    checks: &mut Vec<Check>,
) {
    let Some(url) = config.portal_url.as_deref() else {
        checks.push(check("portal", Status::Skipped, text::PORTAL_NONE));
        return;
    };
    let endpoint = crate::sync::client::Endpoint {
        url: url.to_owned(),
        token: config.portal_token.clone().unwrap_or_default(),
        site_code: config.site_code.clone().unwrap_or_default(),
        counter_id: config.counter_id.clone().unwrap_or_default(),
        timeout: std::time::Duration::from_secs(10),
        ca_file: config.portal_ca_file.clone(),
    };
    let probe = crate::sync::client::Client::new(&endpoint).and_then(|client| client.probe());
    match probe {
        Ok(date) => {
            checks.push(check("portal", Status::Ok, text::portal_ok(url)));
            checks.push(clock_verdict(date, now));
        }
        Err(e) => checks.push(check(
            "portal",
            Status::Fail,
            text::portal_failed(url, &e.to_string()),
        )),
    }
    let site = config.site_code.as_deref().unwrap_or_default();
    checks.push(match store {
        Some(store) => roster_freshness(store, site, now),
        None => check("roster_cursor", Status::Skipped, text::SKIPPED_NO_DB),
    });
}

/// How far the roster was pulled and how long ago a pull last reached the portal's end: a
/// roster older than [`ROSTER_STALE_HOURS`] may miss a photo approval or a corrected record.
fn roster_freshness(store: &Store, site: &str, now: DateTime<Utc>) -> Check {
    let found = store
        .roster_position(site)
        .and_then(|p| Ok((p, store.roster_current_at(site)?)));
    match found {
        Err(e) => check("roster_cursor", Status::Fail, e.to_string()),
        Ok((None, _)) => check("roster_cursor", Status::Fail, text::CURSOR_NONE),
        Ok((Some((_, cursor)), None)) => check(
            "roster_cursor",
            Status::Warn,
            text::cursor_unfinished(cursor),
        ),
        Ok((Some((_, cursor)), Some(at))) => {
            let minutes = (now - at).num_minutes().max(0);
            let status = if minutes > ROSTER_STALE_HOURS * 60 {
                Status::Warn
            } else {
                Status::Ok
            };
            let message = if status == Status::Ok {
                text::cursor_ok(cursor, minutes)
            } else {
                text::cursor_stale(cursor, minutes)
            };
            check("roster_cursor", status, message)
        }
    }
}

/// The portal's clock (its answer's `Date`) against this PC's: ✗ over two minutes apart.
pub fn clock_verdict(portal: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Check {
    let Some(portal) = portal else {
        return check("clock", Status::Warn, text::CLOCK_UNKNOWN);
    };
    let seconds = (now - portal).num_seconds();
    if seconds.abs() > MAX_CLOCK_OFFSET_SECONDS {
        check("clock", Status::Fail, text::clock_off(seconds))
    } else {
        check("clock", Status::Ok, text::clock_ok(seconds))
    }
}

fn check_printer(config: &Config) -> Check {
    let Some(uri) = config.printer.as_deref() else {
        return check("printer", Status::Skipped, text::PRINTER_NONE);
    };
    match crate::print::ipp::check_duplex_a4(uri) {
        Ok(()) => check("printer", Status::Ok, text::printer_ok(uri)),
        Err(e) => check("printer", Status::Fail, e.to_string()),
    }
}

fn check_scanner(config: &Config, test: Option<Duration>, say: &mut dyn FnMut(&str)) -> Check {
    let Some(scanner) = config.scanner.as_ref() else {
        return check("scanner", Status::Skipped, text::SCANNER_NONE);
    };
    let found = if scanner.port == "auto" {
        crate::scanner::ports::auto_port()
    } else {
        Some(PathBuf::from(&scanner.port)).filter(|p| p.exists())
    };
    match (found, test) {
        (Some(port), None) => check("scanner", Status::Ok, text::scanner_ok(&port)),
        (Some(port), Some(limit)) => scanner_test(scanner, &port, limit, say),
        (None, _) => check(
            "scanner",
            Status::Fail,
            text::scanner_missing(&scanner.port),
        ),
    }
}

/// Opens the reader's port as the counter would and waits up to `limit` for one complete
/// frame. What is read is not kept or shown (a form's QR holds personal data): only its length.
fn scanner_test(
    scanner: &crate::config::ScannerConfig,
    port: &Path,
    limit: Duration,
    say: &mut dyn FnMut(&str),
) -> Check {
    let mut reader = crate::scanner::ReaderConfig::from_config(scanner);
    reader.port = crate::scanner::PortSpec::from(port.to_string_lossy().as_ref());
    let (tx, events) = std::sync::mpsc::channel();
    let handle = crate::scanner::spawn(reader, move |event| {
        let _ = tx.send(event);
    });
    let deadline = Instant::now() + limit;
    let mut problem = None;
    let found = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(ScannerEvent::Scan(frame)) => {
                break check(
                    "scanner",
                    Status::Ok,
                    text::scanner_test_ok(port, frame.chars().count()),
                );
            }
            Ok(ScannerEvent::Status(status)) if status.is_connected() => {
                say(&text::scanner_test_prompt(port, limit.as_secs()));
            }
            Ok(ScannerEvent::Status(status)) => problem = Some(status.to_string()),
            Ok(ScannerEvent::FrameError(e)) => problem = Some(e),
            Ok(ScannerEvent::Duplicate(_)) => {}
            Err(_) => {
                break check(
                    "scanner",
                    Status::Fail,
                    text::scanner_test_none(port, limit.as_secs(), problem.as_deref()),
                );
            }
        }
    };
    handle.stop();
    found
}

fn check_fonts(config: &Config) -> Check {
    match config.print_fallback_font.as_deref() {
        None => check("fonts", Status::Ok, text::FONTS_OK),
        Some(path) => match crate::print::fonts::Fonts::with_fallback(path) {
            Ok(_) => check("fonts", Status::Ok, text::fonts_fallback_ok(path)),
            Err(e) => check("fonts", Status::Fail, e.to_string()),
        },
    }
}

fn check_audit(store: Option<&Store>) -> Check {
    let Some(store) = store else {
        return check("audit", Status::Skipped, text::SKIPPED_NO_DB);
    };
    match (store.verify_audit(), store.audit_entries()) {
        (Ok(None), Ok(entries)) => check("audit", Status::Ok, text::audit_ok(entries.len())),
        (Ok(Some(problem)), _) => check("audit", Status::Fail, text::audit_broken(problem.seq)),
        (Err(e), _) | (_, Err(e)) => check("audit", Status::Fail, e.to_string()),
    }
}

/// The report as the terminal shows it: one line per check, then the verdict.
pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    for c in &report.checks {
        let mark = match c.status {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
            Status::Skipped => "-",
        };
        out.push_str(&format!("{mark} {}\n", c.message));
    }
    let failed = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Fail)
        .count();
    out.push_str(&text::summary(failed));
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_clock_may_be_two_minutes_off_not_more() {
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap();
        let at = |s: i64| Some(now - chrono::Duration::seconds(s));
        assert_eq!(clock_verdict(at(120), now).status, Status::Ok);
        assert_eq!(clock_verdict(at(-120), now).status, Status::Ok);
        assert_eq!(clock_verdict(at(121), now).status, Status::Fail);
        assert_eq!(
            clock_verdict(at(-300), now).message,
            "本机时钟比考试院慢 5 分 0 秒（超过 2 分钟）：校准系统时间（如 timedatectl set-ntp true）后再受理"
        );
        assert_eq!(clock_verdict(None, now).status, Status::Warn);
    }
}
