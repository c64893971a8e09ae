//! Finding serial ports: what `port = "auto"` picks and what `scanner list` shows.

use std::path::{Path, PathBuf};

use crate::strings;

/// One serial port as the OS describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortInfo {
    /// The device path (`/dev/ttyACM0`, `COM3`).
    pub path: String,
    pub kind: PortKind,
    /// Stable names that point at this port (Linux: /dev/serial/by-id/*). A by-id path keeps
    /// naming the same reader when devices are plugged in another order.
    pub aliases: Vec<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortKind {
    Usb(UsbInfo),
    Pci,
    Bluetooth,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbInfo {
    pub vid: u16,
    pub pid: u16,
    pub serial_number: Option<String>,
    pub manufacturer: Option<String>,
    pub product: Option<String>,
}

impl From<serialport::SerialPortInfo> for PortInfo {
    fn from(info: serialport::SerialPortInfo) -> Self {
        use serialport::SerialPortType as T;
        let kind = match info.port_type {
            T::UsbPort(usb) => PortKind::Usb(UsbInfo {
                vid: usb.vid,
                pid: usb.pid,
                serial_number: usb.serial_number,
                manufacturer: usb.manufacturer,
                product: usb.product,
            }),
            T::PciPort => PortKind::Pci,
            T::BluetoothPort => PortKind::Bluetooth,
            T::Unknown => PortKind::Unknown,
        };
        Self {
            path: info.port_name,
            kind,
            aliases: Vec::new(),
        }
    }
}

impl PortInfo {
    /// One line for the installer: kind, USB ids, product, manufacturer and serial number.
    pub fn describe(&self) -> String {
        match &self.kind {
            PortKind::Usb(usb) => {
                let mut text = format!("USB {:04x}:{:04x}", usb.vid, usb.pid);
                for part in [&usb.product, &usb.manufacturer].into_iter().flatten() {
                    text.push_str("  ");
                    text.push_str(part);
                }
                if let Some(serial) = &usb.serial_number {
                    text.push_str(&format!("  {}{serial}", strings::SCANNER_SERIAL_NO));
                }
                text
            }
            PortKind::Pci => strings::SCANNER_KIND_PCI.to_owned(),
            PortKind::Bluetooth => strings::SCANNER_KIND_BLUETOOTH.to_owned(),
            PortKind::Unknown => strings::SCANNER_KIND_OTHER.to_owned(),
        }
    }
}

/// The serial ports of this machine, in name order, with their stable aliases.
pub fn list() -> Result<Vec<PortInfo>, serialport::Error> {
    // serialport (without libudev) panics when /sys/class/tty is missing, as in some containers.
    if cfg!(target_os = "linux") && !Path::new("/sys/class/tty").is_dir() {
        return Ok(Vec::new());
    }
    let mut ports: Vec<PortInfo> = serialport::available_ports()?
        .into_iter()
        .map(PortInfo::from)
        .collect();
    ports.sort_by_cached_key(|p| natural_key(&p.path));
    let links = by_id_links(Path::new("/dev"));
    for port in &mut ports {
        let target = std::fs::canonicalize(&port.path).ok();
        port.aliases = links
            .iter()
            .filter(|link| target.is_some() && std::fs::canonicalize(link).ok() == target)
            .cloned()
            .collect();
    }
    Ok(ports)
}

/// The device `port = "auto"` opens now: the first of [`auto_candidates`].
pub fn auto_port() -> Option<PathBuf> {
    auto_candidates().into_iter().next()
}

/// USB serial devices in order of preference: /dev/serial/by-id/* (stable names), then
/// /dev/ttyACM* (USB-CDC readers), then /dev/ttyUSB* (USB-serial adapters). Elsewhere, the
/// USB ports the OS lists (COMn on Windows).
pub fn auto_candidates() -> Vec<PathBuf> {
    if cfg!(target_os = "linux") {
        candidates_in(Path::new("/dev"))
    } else {
        os_usb_ports()
    }
}

fn os_usb_ports() -> Vec<PathBuf> {
    let mut ports: Vec<String> = serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| matches!(p.port_type, serialport::SerialPortType::UsbPort(_)))
        .map(|p| p.port_name)
        .collect();
    ports.sort_by_cached_key(|p| natural_key(p));
    ports.into_iter().map(PathBuf::from).collect()
}

/// The Linux search under a `/dev`-like directory (a parameter so tests can fake one).
fn candidates_in(dev: &Path) -> Vec<PathBuf> {
    let mut out = by_id_links(dev);
    for prefix in ["ttyACM", "ttyUSB"] {
        out.extend(entries_named(dev, prefix));
    }
    out
}

fn by_id_links(dev: &Path) -> Vec<PathBuf> {
    entries_named(&dev.join("serial/by-id"), "")
}

/// Entries of `dir` whose name starts with `prefix`, in natural order (ttyACM2 before ttyACM10).
fn entries_named(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .filter(|(name, _)| name.starts_with(prefix))
        .collect();
    found.sort_by_cached_key(|(name, _)| natural_key(name));
    found.into_iter().map(|(_, path)| path).collect()
}

/// Sorts names by their text and then by their trailing number.
fn natural_key(name: &str) -> (String, u64, String) {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let number = name[stem.len()..].parse().unwrap_or(0);
    (stem.to_owned(), number, name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_prefers_by_id_then_acm_then_usb() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dev = dir.path();
        std::fs::create_dir_all(dev.join("serial/by-id")).expect("by-id");
        for name in [
            "ttyUSB0", "ttyACM10", "ttyACM2", "ttyS0", "tty1", "ttyACM0", "null",
        ] {
            std::fs::write(dev.join(name), b"").expect("fake device");
        }
        std::fs::write(dev.join("serial/by-id/usb-Reader_B-if00"), b"").expect("link");
        std::fs::write(dev.join("serial/by-id/usb-Reader_A-if00"), b"").expect("link");

        let names: Vec<String> = candidates_in(dev)
            .iter()
            .map(|p| p.strip_prefix(dev).unwrap_or(p).display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "serial/by-id/usb-Reader_A-if00",
                "serial/by-id/usb-Reader_B-if00",
                "ttyACM0",
                "ttyACM2",
                "ttyACM10",
                "ttyUSB0"
            ]
        );
    }

    #[test]
    fn auto_finds_nothing_in_an_empty_dev() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(candidates_in(dir.path()).is_empty());
    }

    #[test]
    fn usb_ports_describe_their_ids() {
        let port = PortInfo {
            path: "/dev/ttyACM0".into(),
            kind: PortKind::Usb(UsbInfo {
                vid: 0x05e0,
                pid: 0x1200,
                serial_number: Some("S123".into()),
                manufacturer: Some("Symbol".into()),
                product: Some("Bar Code Scanner".into()),
            }),
            aliases: Vec::new(),
        };
        let text = port.describe();
        assert!(
            text.starts_with("USB 05e0:1200  Bar Code Scanner  Symbol"),
            "{text}"
        );
        assert!(text.ends_with("序列号 S123"), "{text}");
    }

    #[test]
    fn listing_never_panics() {
        // Whatever this machine has (often nothing in a container), listing returns.
        let _ = list();
        let _ = auto_port();
    }
}
