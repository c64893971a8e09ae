//! Serial barcode readers (USB-CDC / virtual COM): a reader thread per port and the byte
//! framing it uses.
//!
//! The UI starts the reader with [`spawn`] and gets [`ScannerEvent`]s through the callback it
//! passes (normally a send into its one channel). The reader never blocks the caller: it opens,
//! reads, reconnects and reports on its own thread, and stops when its [`ReaderHandle`] is
//! stopped or dropped.

pub mod framing;
pub mod ports;
mod reader;

use std::fmt;
use std::path::PathBuf;

pub use framing::{FrameError, FrameEvent, Framer, FramerConfig, Terminator};
pub use reader::{ReaderHandle, spawn};

use crate::config::ScannerConfig;
use crate::strings;

/// Most readers ship at 9600 baud, 8N1.
pub const DEFAULT_BAUD: u32 = 9600;

/// Which device to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortSpec {
    /// The first USB serial device (see [`ports::auto_port`]), looked up again on every retry.
    Auto,
    /// A device path (or a symlink to one, e.g. under /dev/serial/by-id), or `COMn` on Windows.
    Path(PathBuf),
}

impl From<&str> for PortSpec {
    /// `auto` (any case) or a path.
    fn from(text: &str) -> Self {
        if text.trim().eq_ignore_ascii_case("auto") {
            Self::Auto
        } else {
            Self::Path(PathBuf::from(text))
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}

/// Everything the reader thread needs. Data bits, parity and stop bits are fixed at 8N1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderConfig {
    pub port: PortSpec,
    pub baud: u32,
    pub framing: FramerConfig,
}

impl ReaderConfig {
    /// The given port at 9600 baud with the default terminator and no prefix or suffix.
    pub fn new(port: PortSpec) -> Self {
        Self {
            port,
            baud: DEFAULT_BAUD,
            framing: FramerConfig::default(),
        }
    }

    /// From the `scanner` table of `config.toml` (already validated when it was loaded).
    pub fn from_config(config: &ScannerConfig) -> Self {
        let terminator = config
            .terminator
            .as_deref()
            .and_then(|t| t.parse().ok())
            .unwrap_or_default();
        Self {
            port: PortSpec::from(config.port.as_str()),
            // Zero would mean "hang up" to a tty: take it as unset.
            baud: config.baud.filter(|b| *b > 0).unwrap_or(DEFAULT_BAUD),
            framing: FramerConfig {
                terminator,
                ..FramerConfig::default()
            },
        }
    }
}

/// What the reader thread reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    /// A complete, valid frame: the payload to hand to `domain::scan::parse`.
    Scan(String),
    /// The port's state changed (reported on change only).
    Status(PortStatus),
    /// A frame was rejected or a partial one discarded; the message tells the clerk what to do.
    FrameError(String),
    /// The reader sent the previous scan again within a second; not a new scan. Only for
    /// diagnostics (`scanner listen`); the counter screen can ignore it.
    Duplicate(String),
}

impl From<FrameEvent> for ScannerEvent {
    fn from(event: FrameEvent) -> Self {
        match event {
            FrameEvent::Scan(text) => Self::Scan(text),
            FrameEvent::Duplicate(text) => Self::Duplicate(text),
            FrameEvent::Rejected(e) => Self::FrameError(e.to_string()),
            FrameEvent::Discarded { len } => {
                Self::FrameError(strings::scanner_partial_discarded(len))
            }
        }
    }
}

impl fmt::Display for ScannerEvent {
    /// One line of `scanner listen`: a label, then the payload or the message.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scan(text) => write!(f, "{}  {text}", strings::SCANNER_LINE_SCAN),
            Self::Status(status) => write!(f, "{}  {status}", strings::SCANNER_LINE_STATUS),
            Self::FrameError(message) => write!(f, "{}  {message}", strings::SCANNER_LINE_ERROR),
            Self::Duplicate(text) => write!(
                f,
                "{}  {}：{text}",
                strings::SCANNER_LINE_DUPLICATE,
                strings::SCANNER_DUPLICATE
            ),
        }
    }
}

/// The state of the port, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortStatus {
    /// `auto`: no USB serial device is present yet.
    Searching,
    Connected {
        port: String,
    },
    /// Not open; the reader retries every second. `reason` says why and what to do.
    Disconnected {
        port: String,
        reason: String,
    },
}

impl PortStatus {
    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected { .. })
    }

    /// The device path, when there is one.
    pub fn port(&self) -> Option<&str> {
        match self {
            Self::Searching => None,
            Self::Connected { port } | Self::Disconnected { port, .. } => Some(port),
        }
    }

    /// The short label of the status bar: 扫码枪已连接 / 扫码枪未连接.
    pub fn label(&self) -> &'static str {
        if self.is_connected() {
            strings::SCANNER_CONNECTED
        } else {
            strings::SCANNER_NOT_CONNECTED
        }
    }
}

impl fmt::Display for PortStatus {
    /// The full sentence, e.g. `扫码枪未连接：/dev/ttyACM0（设备已拔出或断开…）`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Searching => f.write_str(strings::SCANNER_SEARCHING),
            Self::Connected { port } => write!(f, "{}：{port}", strings::SCANNER_CONNECTED),
            Self::Disconnected { port, reason } => {
                write!(f, "{}：{port}（{reason}）", strings::SCANNER_NOT_CONNECTED)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_table_maps_to_reader_config() {
        let table = ScannerConfig {
            port: "/dev/serial/by-id/usb-reader".into(),
            baud: Some(115_200),
            terminator: Some("Tab".into()),
        };
        let config = ReaderConfig::from_config(&table);
        assert_eq!(
            config.port,
            PortSpec::Path("/dev/serial/by-id/usb-reader".into())
        );
        assert_eq!(config.baud, 115_200);
        assert_eq!(config.framing.terminator, Terminator::Tab);

        let table = ScannerConfig {
            port: "AUTO".into(),
            baud: None,
            terminator: None,
        };
        let config = ReaderConfig::from_config(&table);
        assert_eq!(config, ReaderConfig::new(PortSpec::Auto));
    }

    #[test]
    fn status_reads_as_the_status_bar_shows_it() {
        let down = PortStatus::Disconnected {
            port: "/dev/ttyACM0".into(),
            reason: strings::SCANNER_UNPLUGGED.into(),
        };
        assert_eq!(down.label(), "扫码枪未连接");
        assert!(down.to_string().starts_with("扫码枪未连接：/dev/ttyACM0（"));
        assert_eq!(down.port(), Some("/dev/ttyACM0"));
        let up = PortStatus::Connected {
            port: "COM3".into(),
        };
        assert!(up.is_connected());
        assert_eq!(up.to_string(), "扫码枪已连接：COM3");
        assert_eq!(PortStatus::Searching.label(), "扫码枪未连接");
        assert_eq!(PortStatus::Searching.port(), None);
    }
}
