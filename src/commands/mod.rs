//! The subcommands' work, as library functions: each takes the [`Setup`] and its arguments and
//! returns a report value (or a typed [`Error`]); each module's `render*` functions turn a report
//! into the text people read, from `strings::report`. The binary's `cli` parses arguments, calls
//! one function, renders its report and picks the exit code.

pub mod audit;
pub mod check;
pub mod clerk;
pub mod demo;
pub mod enrol;
pub mod portal;
pub mod print;
pub mod roster;
pub mod scanner;
pub mod schedule;
pub mod sync;
pub mod tally;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::config::{self, Config, ConfigError};
use crate::counter::{Counter, OpenError};
use crate::strings;

/// Where things are, after flags, environment and the configuration file.
pub struct Setup {
    pub config: Config,
    pub config_path: PathBuf,
    pub db: PathBuf,
    pub now: DateTime<Utc>,
    /// The `--now` given, if any: the counter screen then runs on a fixed clock.
    pub fixed_now: Option<DateTime<Utc>>,
}

impl Setup {
    /// Loads the configuration (`config_path`, else the default place) and resolves the database
    /// (`db`, else the configuration's, else the default). `now` fixes the clock.
    pub fn load(
        config_path: Option<&Path>,
        db: Option<&Path>,
        now: Option<DateTime<Utc>>,
    ) -> Result<Self, ConfigError> {
        let config_path = config_path.map_or_else(config::default_config_path, Path::to_owned);
        let config = Config::load(&config_path)?;
        let db = config::resolve_db(db, &config, &config_path);
        Ok(Self {
            config,
            config_path,
            db,
            now: now.unwrap_or_else(Utc::now),
            fixed_now: now,
        })
    }

    pub fn counter(&self) -> Result<Counter, OpenError> {
        Counter::open(&self.config, &self.db)
    }
}

/// Why a command could not do its work. The wrapped errors keep their own text (each says what
/// to do); the file errors name the file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Clerk(#[from] crate::store::ClerkError),
    #[error(transparent)]
    RosterFile(#[from] crate::roster_file::ImportError),
    #[error(transparent)]
    RosterImport(#[from] crate::roster_file::RosterImportError),
    #[error(transparent)]
    Schedule(#[from] crate::domain::schedule::ScheduleError),
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error(transparent)]
    Portal(#[from] crate::portal::PortalError),
    #[error(transparent)]
    Enrol(enrol::EnrolError),
    #[error(transparent)]
    Print(#[from] crate::print::PrintError),
    #[error(transparent)]
    Form(#[from] crate::print::layout::FormError),
    #[error(transparent)]
    Pin(#[from] crate::pin_prompt::PinError),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error("{}{}", strings::IMPORT_READ, path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}", strings::PRINT_FORM_READ, path.display())]
    ReadForm {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}", strings::TALLY_CSV_WRITE, path.display())]
    WriteCsv {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", strings::SCANNER_LIST_FAILED)]
    ScannerList(#[source] serialport::Error),
    #[error("{}", strings::PRINT_NO_PRINTER)]
    NoPrinter,
    #[error(transparent)]
    PhotoStandards(#[from] crate::domain::photo::StandardsError),
    #[error("{msg}{0}", msg = strings::PORTAL_UNKNOWN_CITY)]
    UnknownCity(String),
    #[error("{}{}", strings::PHOTO_REPORT_CSV_WRITE, path.display())]
    WritePhotoCsv {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The OS account that runs the command: recorded as `os:<name>` where no clerk is logged in
/// (the first supervisor added, a print from the command line).
pub fn os_actor() -> String {
    let named = ["USER", "LOGNAME", "USERNAME"]
        .into_iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()));
    format!("os:{}", named.unwrap_or_else(account_of_process))
}

/// The account running this process when no variable names it (a service, `env -i`): the
/// name /etc/passwd gives its user id, else `uid1000`.
#[cfg(unix)]
fn account_of_process() -> String {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's real user: no libc call needed.
    let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
        return "unknown".into();
    };
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .find(|fields| fields.get(2) == Some(&uid.to_string().as_str()))
        .and_then(|fields| fields.first().map(|name| (*name).to_owned()))
        .unwrap_or_else(|| format!("uid{uid}"))
}

#[cfg(not(unix))]
fn account_of_process() -> String {
    "unknown".into()
}

/// `（至 11-20 12:00）`: when a window's state changes next, in `format`; empty when it stays.
fn until(window: &crate::domain::schedule::WindowState, format: &str) -> String {
    window
        .until
        .map(|t| strings::report::until(&t.format(format).to_string()))
        .unwrap_or_default()
}

/// A demo office in a temporary folder, for the commands' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use chrono::{DateTime, Duration, NaiveDate, Utc};

    use super::Setup;

    /// 2026-11-20 10:30 in the office (inside the demo window of that day).
    pub fn now() -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        crate::domain::office_time::midnight(day) + Duration::minutes(10 * 60 + 30)
    }

    /// A setup with nothing in it yet: no configuration, no database.
    pub fn empty(dir: &tempfile::TempDir) -> Setup {
        let config = dir.path().join("config.toml");
        let db = dir.path().join("db.sqlite");
        Setup::load(Some(&config), Some(&db), Some(now())).unwrap()
    }

    /// The demo office (30 candidates), loaded again with the configuration `demo` wrote.
    pub fn demo(dir: &tempfile::TempDir) -> Setup {
        let setup = empty(dir);
        let report = super::demo::install(&setup, 30, 1).unwrap();
        assert!(report.config_written);
        empty(dir)
    }

    /// The exam numbers of the demo site's roster, in order.
    pub fn exam_nos(setup: &Setup) -> Vec<String> {
        let conn = rusqlite::Connection::open(&setup.db).unwrap();
        let mut stmt = conn
            .prepare("SELECT exam_no FROM candidates WHERE site_code = ?1 ORDER BY exam_no")
            .unwrap();
        stmt.query_map([crate::demo::DEMO_SITE], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}
