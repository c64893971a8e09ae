//! `grad-intake scanner list` and `scanner listen`: serial barcode reader diagnostics.

use std::io::Write;
use std::path::PathBuf;

use super::{Error, Setup};
use crate::scanner::{self, PortSpec, ReaderConfig, Terminator, ports::PortInfo};
use crate::strings;

/// The serial ports of this machine and the one `port = "auto"` would use.
#[derive(Debug)]
pub struct PortList {
    pub ports: Vec<PortInfo>,
    pub auto: Option<PathBuf>,
}

pub fn list() -> Result<PortList, Error> {
    let ports = scanner::ports::list().map_err(Error::ScannerList)?;
    Ok(PortList {
        ports,
        auto: scanner::ports::auto_port(),
    })
}

pub fn render_list(l: &PortList) -> String {
    let mut lines = vec![if l.ports.is_empty() {
        strings::SCANNER_NO_PORTS.to_owned()
    } else {
        strings::SCANNER_PORTS_FOUND.to_owned()
    }];
    for port in &l.ports {
        lines.push(format!("  {}  {}", port.path, port.describe()));
        for alias in &port.aliases {
            lines.push(format!(
                "      {}{}",
                strings::SCANNER_STABLE_PATH,
                alias.display()
            ));
        }
    }
    lines.push(match &l.auto {
        Some(path) => format!("{}{}", strings::SCANNER_AUTO_PICK, path.display()),
        None => strings::SCANNER_AUTO_NONE.to_owned(),
    });
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// The reader settings: the flags over the configuration's `[scanner]` table over the defaults.
pub fn listen_config(
    setup: &Setup,
    port: Option<&str>,
    baud: Option<u32>,
    terminator: Option<Terminator>,
) -> ReaderConfig {
    let mut config = setup.config.scanner.as_ref().map_or_else(
        || ReaderConfig::new(PortSpec::Auto),
        ReaderConfig::from_config,
    );
    config.port = port.map_or(config.port, PortSpec::from);
    config.baud = baud.unwrap_or(config.baud);
    config.framing.terminator = terminator.unwrap_or(config.framing.terminator);
    config
}

pub fn render_listening(config: &ReaderConfig) -> String {
    format!(
        "{}{}  {} 8N1  {}",
        strings::SCANNER_LISTENING,
        config.port,
        config.baud,
        config.framing.terminator
    )
}

/// Writes every frame and state change with a local timestamp to `out` until the process ends
/// (Ctrl-C; the port closes with it).
pub fn listen(config: ReaderConfig, out: &mut impl Write) -> Result<(), std::io::Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    let _reader = scanner::spawn(config, move |event| {
        // Stamped when it happens, not when printed.
        let _ = tx.send((chrono::Local::now(), event));
    });
    for (at, event) in rx {
        writeln!(out, "{}  {event}", at.format("%H:%M:%S%.3f"))?;
        out.flush()?;
    }
    Ok(())
}
