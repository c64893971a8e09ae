//! The counter screen wired to its edges from the configuration: the one place that opens the
//! counter's database for the screen, and says which workers get connections of their own.

use std::path::Path;

use super::{Clock, Edges, PrintEdge, UiConfig, state::Welcome};
use crate::config::{self, Config};
use crate::counter::{Counter, OpenError};
use crate::scanner::ReaderConfig;
use crate::strings::ui::Lang;
use crate::sync::SyncSettings;

/// The minutes of no key after which the screen locks, when the configuration says nothing.
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 10;

/// What the command line may set for the counter screen besides the configuration.
#[derive(Debug, Clone)]
pub struct ScreenOptions<'a> {
    /// `--lang`, before the configuration's `lang`.
    pub lang: Option<&'a str>,
    /// `--scanner`: a serial reader's port, before the configuration's `[scanner] port`.
    pub scanner_port: Option<&'a str>,
    pub clock: Clock,
    /// What the first run just set up, for the login box.
    pub welcome: Option<Welcome>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Fonts(#[from] crate::print::PrintError),
    #[error(transparent)]
    Terminal(#[from] std::io::Error),
}

/// Opens the counter at `db` and runs its screen until the clerk quits.
pub fn run_counter(
    config: &Config,
    db: &Path,
    options: &ScreenOptions<'_>,
) -> Result<(), ScreenError> {
    let mut counter = Counter::open(config, db)?;
    if counter.site_code.as_deref() == Some(crate::demo::DEMO_SITE) {
        // The demo window follows the clock, so the demo counter is open whenever it is
        // started; the schedule is read again with the new window.
        crate::demo::refresh_window(&counter.store, options.clock.now())?;
        counter.schedule = crate::counter::load_schedule(&counter.store)?;
    }
    let cfg = UiConfig {
        welcome: options.welcome.clone(),
        ..ui_config(config, &counter, options.lang)
    };
    // A portal that is set up wrongly stops sync, never the counter: it works offline and the
    // status bar says what is wrong. The sync worker opens its own connection to `db` (it runs
    // beside the database worker and must not wait for it).
    let sync = config.portal_url.as_ref().map(|_| {
        SyncSettings::from_config(config)
            .map(|s| {
                let fixed_now = match options.clock {
                    Clock::Fixed(t) => Some(t),
                    Clock::System => None,
                };
                (SyncSettings { fixed_now, ..s }, db.to_owned())
            })
            .map_err(|e| e.to_string())
    });
    let printer = match &config.printer {
        Some(uri) => Some(PrintEdge {
            uri: uri.clone(),
            fonts: crate::print::configured_fonts(config.print_fallback_font.as_deref())?,
            // The print worker has a counter of its own: a job may take minutes, and saves
            // on the database worker's connection must not wait for it.
            counter: Counter::open(config, db)?,
        }),
        None => None,
    };
    let edges = Edges {
        scanner: reader_config(config, options.scanner_port),
        sync,
        printer,
        photo_protocol: config.photo_protocol.unwrap_or_default(),
    };
    super::run(counter, cfg, options.clock, edges)?;
    Ok(())
}

/// The screen's settings for this counter: its site, the language (`--lang`, the configuration,
/// Chinese), bell, idle lock, approvals, portal and printer.
fn ui_config(config: &Config, counter: &Counter, lang: Option<&str>) -> UiConfig {
    let site_code = counter.site_code.clone().unwrap_or_default();
    let site_name = counter
        .schedule
        .site(&site_code)
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let lang = lang
        .or(config.lang.as_deref())
        .and_then(Lang::parse)
        .unwrap_or_default();
    let idle_lock = config
        .idle_lock_minutes
        .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES);
    UiConfig {
        site_code,
        site_name,
        counter_id: counter.counter_id.clone(),
        lang,
        bell: config.bell.unwrap_or(true),
        idle_lock: chrono::Duration::minutes(i64::from(idle_lock)),
        override_ttl: config.override_ttl(),
        portal: config.portal_url.is_some(),
        printer: config.printer.is_some(),
        welcome: None,
    }
}

/// The serial reader: `--scanner PORT` over the configuration's `[scanner]` table (whose baud
/// rate and terminator still apply); none when neither names one.
pub fn reader_config(config: &Config, port: Option<&str>) -> Option<ReaderConfig> {
    let mut table = config.scanner.clone();
    if let Some(port) = port {
        let base = table.unwrap_or(config::ScannerConfig {
            port: String::new(),
            baud: None,
            terminator: None,
        });
        table = Some(config::ScannerConfig {
            port: port.to_owned(),
            ..base
        });
    }
    table.as_ref().map(ReaderConfig::from_config)
}
