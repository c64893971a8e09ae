//! The reader thread: open the port, read, frame, report; on any loss, report it and retry
//! every second until the device is back.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serialport::{DataBits, FlowControl, Parity, StopBits};

use super::framing::{FrameEvent, Framer};
use super::{PortSpec, PortStatus, ReaderConfig, ScannerEvent, ports};
use crate::strings;

/// How long one read waits for data. A timeout is "no data yet"; it only bounds how late the
/// thread notices a stop request or a stale partial frame. Data ends the wait at once (poll).
const READ_TIMEOUT: Duration = Duration::from_millis(50);
/// Delay between attempts to open a missing or broken port.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// How often an open port's path is checked for having vanished or been re-pointed.
const PATH_CHECK_EVERY: Duration = Duration::from_millis(250);

#[cfg(unix)]
type NativePort = serialport::TTYPort;
#[cfg(windows)]
type NativePort = serialport::COMPort;

/// Owns the reader thread. Stopping (or dropping) it ends the thread and closes the port; that
/// waits at most one read timeout (50 ms) plus whatever the `send` callback takes.
#[derive(Debug)]
pub struct ReaderHandle {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ReaderHandle {
    /// Stops the thread and waits for it, so the port is closed when this returns.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// False if the thread could not be started or has ended.
    pub fn is_running(&self) -> bool {
        self.thread.as_ref().is_some_and(|t| !t.is_finished())
    }

    fn shutdown(&mut self) {
        // Dropping the sender is the stop signal: the thread sees the channel disconnected.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ReaderHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the reader thread and returns at once. Every event goes to `send`, called on the
/// reader thread; it must not block (a send into an unbounded channel is the intended use).
/// The first event is a `Status`.
pub fn spawn(config: ReaderConfig, send: impl Fn(ScannerEvent) + Send + 'static) -> ReaderHandle {
    let (stop_tx, stop_rx) = mpsc::channel();
    let reader = Reader {
        framer: Framer::new(config.framing.clone()),
        config,
        send,
        stop: stop_rx,
        status: None,
    };
    let thread = std::thread::Builder::new()
        .name("scanner".into())
        .spawn(move || reader.run());
    let thread = match thread {
        Ok(thread) => Some(thread),
        Err(e) => {
            tracing::error!("{}{e}", strings::SCANNER_THREAD_FAILED);
            None
        }
    };
    ReaderHandle {
        stop: Some(stop_tx),
        thread,
    }
}

/// What to do after a port was lost.
enum After {
    Stop,
    /// The path names another device already (a re-pointed symlink): open it now.
    ReopenNow,
    Wait,
}

struct Open {
    path: PathBuf,
    /// The path as reported in [`PortStatus`].
    name: String,
    port: NativePort,
    device: Option<DeviceId>,
}

struct Reader<F> {
    config: ReaderConfig,
    send: F,
    stop: mpsc::Receiver<()>,
    framer: Framer,
    /// The last status sent: statuses are reported on change only.
    status: Option<PortStatus>,
}

impl<F: Fn(ScannerEvent)> Reader<F> {
    fn run(mut self) {
        loop {
            let after = match self.open() {
                Ok(open) => self.serve(open),
                Err(status) => {
                    self.report(status);
                    After::Wait
                }
            };
            match after {
                After::Stop => return,
                After::ReopenNow => {}
                After::Wait if self.wait_for_stop(RETRY_EVERY) => return,
                After::Wait => {}
            }
        }
    }

    fn open(&self) -> Result<Open, PortStatus> {
        let path = match &self.config.port {
            PortSpec::Path(path) => path.clone(),
            PortSpec::Auto => ports::auto_port().ok_or(PortStatus::Searching)?,
        };
        let name = path.display().to_string();
        // Open by path exactly as configured, so a by-id symlink is followed on every attempt.
        let port = serialport::new(name.as_str(), self.config.baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .timeout(READ_TIMEOUT)
            .open_native()
            .map_err(|e| PortStatus::Disconnected {
                port: name.clone(),
                reason: open_error(&e),
            })?;
        let device = DeviceId::of(&path);
        Ok(Open {
            path,
            name,
            port,
            device,
        })
    }

    /// Reads until the port is lost or a stop is requested; the port closes on return.
    fn serve(&mut self, mut open: Open) -> After {
        self.report(PortStatus::Connected {
            port: open.name.clone(),
        });
        let mut buf = [0u8; 1024];
        let mut checked_at = Instant::now();
        loop {
            if self.stop_requested() {
                return After::Stop;
            }
            let read = open.port.read(&mut buf);
            let now = Instant::now();
            match read {
                Ok(0) => return self.lost(&open, strings::SCANNER_UNPLUGGED.into(), After::Wait),
                Ok(n) => {
                    let events = self.framer.push(&buf[..n], now);
                    self.deliver(events);
                }
                Err(e) if is_no_data(&e) => {
                    let events = self.framer.poll(now);
                    self.deliver(events);
                }
                Err(e) => return self.lost(&open, read_error(&e), After::Wait),
            }
            if now.saturating_duration_since(checked_at) >= PATH_CHECK_EVERY {
                checked_at = now;
                if let Some(after) = self.check_path(&open) {
                    return after;
                }
            }
        }
    }

    /// Catches what a read does not: the path removed, or re-pointed to another device while
    /// the old one still answers.
    fn check_path(&mut self, open: &Open) -> Option<After> {
        let expected = open.device.as_ref()?;
        match DeviceId::of(&open.path) {
            Some(now) if now == *expected => None,
            Some(_) => {
                Some(self.lost(open, strings::SCANNER_PATH_CHANGED.into(), After::ReopenNow))
            }
            None if !open.path.exists() => {
                Some(self.lost(open, strings::SCANNER_UNPLUGGED.into(), After::Wait))
            }
            None => None,
        }
    }

    fn lost(&mut self, open: &Open, reason: String, after: After) -> After {
        tracing::warn!(port = %open.name, %reason, "scanner port lost");
        // Bytes of a frame cut by the loss never become a scan.
        let partial = self.framer.reset();
        self.deliver(partial.into_iter().collect());
        self.report(PortStatus::Disconnected {
            port: open.name.clone(),
            reason,
        });
        after
    }

    fn deliver(&self, events: Vec<FrameEvent>) {
        for event in events {
            // Never the payload itself: scans carry ID numbers, which logs must not hold.
            tracing::debug!(event = event_kind(&event), "scanner frame");
            (self.send)(ScannerEvent::from(event));
        }
    }

    fn report(&mut self, status: PortStatus) {
        if self.status.as_ref() == Some(&status) {
            return;
        }
        tracing::info!(status = %status, "scanner status");
        (self.send)(ScannerEvent::Status(status.clone()));
        self.status = Some(status);
    }

    fn stop_requested(&self) -> bool {
        !matches!(self.stop.try_recv(), Err(TryRecvError::Empty))
    }

    /// Sleeps `delay` unless a stop comes first; true if it did.
    fn wait_for_stop(&self, delay: Duration) -> bool {
        !matches!(
            self.stop.recv_timeout(delay),
            Err(RecvTimeoutError::Timeout)
        )
    }
}

fn event_kind(event: &FrameEvent) -> &'static str {
    match event {
        FrameEvent::Scan(_) => "scan",
        FrameEvent::Duplicate(_) => "duplicate",
        FrameEvent::Rejected(_) => "rejected",
        FrameEvent::Discarded { .. } => "discarded",
    }
}

/// A read that ended without data and without an error worth reporting.
fn is_no_data(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
    )
}

/// A hang-up (POLLHUP, as when a USB reader is pulled or a pty's other end closes) or EIO is an
/// unplug; anything else is reported with the system's words.
fn read_error(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::BrokenPipe | io::ErrorKind::Other | io::ErrorKind::UnexpectedEof => {
            strings::SCANNER_UNPLUGGED.into()
        }
        _ => format!("{}{e}", strings::SCANNER_READ_FAILED),
    }
}

fn open_error(e: &serialport::Error) -> String {
    use serialport::ErrorKind as K;
    match e.kind() {
        K::Io(io::ErrorKind::NotFound) => strings::SCANNER_NOT_FOUND.into(),
        K::Io(io::ErrorKind::PermissionDenied) => strings::SCANNER_PERMISSION.into(),
        // serialport's word for EBUSY and a held lock: another program has the port.
        K::NoDevice => strings::SCANNER_BUSY.into(),
        _ => format!("{}{e}", strings::SCANNER_OPEN_FAILED),
    }
}

/// Which device node a path resolves to, so a re-pointed symlink is noticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DeviceId {
    rdev: u64,
    ino: u64,
}

impl DeviceId {
    #[cfg(unix)]
    fn of(path: &std::path::Path) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        // metadata follows symlinks: this is the device the path names now.
        let meta = std::fs::metadata(path).ok()?;
        Some(Self {
            rdev: meta.rdev(),
            ino: meta.ino(),
        })
    }

    #[cfg(not(unix))]
    fn of(_path: &std::path::Path) -> Option<Self> {
        // COM ports are not files; a lost port shows as a read error.
        None
    }
}
