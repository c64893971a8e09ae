//! The serial reader through real pseudo-terminal pairs, opened by path as in production.
//!
//! Each pair's slave handle is kept open by the test: data written to the master then waits in
//! the slave's input queue until the reader opens the same device by its path.

#![cfg(unix)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use grad_intake::scanner::{self, PortSpec, PortStatus, ReaderConfig, ReaderHandle, ScannerEvent};
use serialport::{SerialPort, TTYPort};

/// Generous: an expected event that takes longer than this is a failure even on a slow machine.
const WAIT: Duration = Duration::from_secs(10);

fn pair() -> (TTYPort, TTYPort, PathBuf) {
    let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = PathBuf::from(slave.name().expect("the slave has a path"));
    (master, slave, path)
}

fn write(master: &mut TTYPort, bytes: &[u8]) {
    master.write_all(bytes).expect("write to the master");
    master.flush().expect("flush the master");
}

/// Points `link` at `target`, replacing it atomically (as udev re-points by-id links).
fn point(link: &Path, target: &Path) {
    let tmp = link.with_extension("new");
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).expect("symlink");
    std::fs::rename(&tmp, link).expect("rename the symlink into place");
}

/// A running reader and everything it has reported.
struct Reader {
    rx: mpsc::Receiver<(Instant, ScannerEvent)>,
    handle: Option<ReaderHandle>,
    seen: Vec<(Instant, ScannerEvent)>,
}

impl Reader {
    fn start(port: &Path) -> Self {
        let (tx, rx) = mpsc::channel();
        let config = ReaderConfig::new(PortSpec::Path(port.to_owned()));
        let handle = scanner::spawn(config, move |event| {
            let _ = tx.send((Instant::now(), event));
        });
        Self {
            rx,
            handle: Some(handle),
            seen: Vec::new(),
        }
    }

    /// Waits (up to [`WAIT`]) for the first new event that `wanted` accepts.
    fn wait_for(&mut self, what: &str, wanted: impl Fn(&ScannerEvent) -> bool) -> Instant {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok((at, event)) => {
                    let hit = wanted(&event);
                    self.seen.push((at, event));
                    if hit {
                        return at;
                    }
                }
                Err(_) => panic!("no {what} within {WAIT:?}; seen: {:#?}", self.events()),
            }
        }
    }

    fn wait_scan(&mut self, text: &str) -> Instant {
        self.wait_for(
            &format!("scan {text:?}"),
            |e| matches!(e, ScannerEvent::Scan(s) if s == text),
        )
    }

    fn wait_connected(&mut self, port: &Path) -> Instant {
        let port = port.display().to_string();
        self.wait_for(
            &format!("connected to {port}"),
            |e| matches!(e, ScannerEvent::Status(PortStatus::Connected { port: p }) if *p == port),
        )
    }

    fn wait_disconnected(&mut self) -> Instant {
        self.wait_for("disconnected", |e| {
            matches!(e, ScannerEvent::Status(PortStatus::Disconnected { .. }))
        })
    }

    /// Collects whatever else arrives within `quiet`.
    fn settle(&mut self, quiet: Duration) {
        while let Ok(item) = self.rx.recv_timeout(quiet) {
            self.seen.push(item);
        }
    }

    fn events(&self) -> Vec<&ScannerEvent> {
        self.seen.iter().map(|(_, e)| e).collect()
    }

    fn scans(&self) -> Vec<&str> {
        self.seen
            .iter()
            .filter_map(|(_, e)| match e {
                ScannerEvent::Scan(s) => Some(s.as_str()),
                _ => None,
            })
            .collect()
    }

    fn stop(&mut self) -> Duration {
        let started = Instant::now();
        if let Some(handle) = self.handle.take() {
            handle.stop();
        }
        started.elapsed()
    }
}

#[test]
fn frames_written_to_the_master_arrive_as_scans_in_order() {
    let (mut master, _slave, path) = pair();
    let mut reader = Reader::start(&path);
    reader.wait_connected(&path);

    let signed = "ZK1|010523100123|2023H1|0104|20230601|c2lnbmF0dXJl";
    write(
        &mut master,
        format!("{signed}\r\n010523100124\r\n").as_bytes(),
    );
    // One code cut across two writes, as a slow reader sends it.
    write(&mut master, b"44010619900101");
    std::thread::sleep(Duration::from_millis(20));
    write(&mut master, b"1235\r\n");
    reader.wait_scan("440106199001011235");
    reader.settle(Duration::from_millis(200));

    assert_eq!(
        reader.scans(),
        [signed, "010523100124", "440106199001011235"]
    );
    let problems: Vec<_> = reader
        .events()
        .into_iter()
        .filter(|e| matches!(e, ScannerEvent::FrameError(_)))
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
}

#[test]
fn bad_frames_are_reported_and_good_ones_still_pass() {
    let (mut master, _slave, path) = pair();
    let mut reader = Reader::start(&path);
    reader.wait_connected(&path);

    write(&mut master, b"\x00\x1b[0m\r\n\xbf\xbc\r\nGOOD-1\r\n");
    reader.wait_scan("GOOD-1");
    let errors = reader
        .events()
        .iter()
        .filter(|e| matches!(e, ScannerEvent::FrameError(m) if m.contains("扫码内容")))
        .count();
    assert_eq!(errors, 2, "{:#?}", reader.events());

    // A double read counts once.
    write(&mut master, b"TWICE\r\nTWICE\r\n");
    reader.wait_for(
        "the duplicate",
        |e| matches!(e, ScannerEvent::Duplicate(s) if s == "TWICE"),
    );
    assert_eq!(reader.scans(), ["GOOD-1", "TWICE"]);
}

#[test]
fn an_unterminated_frame_is_discarded_never_scanned() {
    let (mut master, _slave, path) = pair();
    let mut reader = Reader::start(&path);
    reader.wait_connected(&path);

    write(&mut master, b"0105231");
    reader.wait_for(
        "the partial-frame warning",
        |e| matches!(e, ScannerEvent::FrameError(m) if m.contains("不完整")),
    );
    write(&mut master, b"010523100123\r");
    reader.wait_scan("010523100123");
    assert_eq!(reader.scans(), ["010523100123"]);
}

#[test]
fn closing_the_master_reports_disconnected() {
    let (mut master, _slave, path) = pair();
    let mut reader = Reader::start(&path);
    reader.wait_connected(&path);
    write(&mut master, b"BEFORE\r");
    reader.wait_scan("BEFORE");

    // A partial frame cut by the unplug is reported, never scanned. (Should the reader be
    // slower than the 500 ms partial timeout, it is reported the same way.)
    write(&mut master, b"HALF");
    std::thread::sleep(Duration::from_millis(300));
    drop(master);
    reader.wait_disconnected();
    reader.settle(Duration::from_millis(300));
    assert_eq!(reader.scans(), ["BEFORE"]);
    let status = reader.events().into_iter().find_map(|e| match e {
        ScannerEvent::Status(s @ PortStatus::Disconnected { .. }) => Some(s.clone()),
        _ => None,
    });
    let status = status.expect("a disconnected status");
    assert_eq!(status.port(), Some(path.display().to_string().as_str()));
    assert_eq!(status.label(), "扫码枪未连接");
    assert!(
        reader
            .events()
            .iter()
            .any(|e| matches!(e, ScannerEvent::FrameError(m) if m.contains("不完整"))),
        "{:#?}",
        reader.events()
    );
}

#[test]
fn a_symlink_re_pointed_to_a_new_device_after_an_unplug_is_picked_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner");
    let (mut master_a, _slave_a, path_a) = pair();
    point(&link, &path_a);

    let mut reader = Reader::start(&link);
    reader.wait_connected(&link);
    write(&mut master_a, b"A-1\r\nA-2\r\n");
    reader.wait_scan("A-2");

    drop(master_a);
    reader.wait_disconnected();

    let (mut master_b, _slave_b, path_b) = pair();
    point(&link, &path_b);
    let plugged = Instant::now();
    // Sent while the reader may still be waiting to retry: it waits in the device's queue.
    write(&mut master_b, b"B-1\r\n");
    let connected = reader.wait_connected(&link);
    let pick_up = connected.saturating_duration_since(plugged);
    write(&mut master_b, b"B-2\r\nB-3\r\n");
    reader.wait_scan("B-3");
    reader.settle(Duration::from_millis(300));

    println!("re-pick-up after unplug: {pick_up:?}");
    assert!(pick_up <= Duration::from_secs(2), "took {pick_up:?}");
    assert_eq!(reader.scans(), ["A-1", "A-2", "B-1", "B-2", "B-3"]);
}

#[test]
fn a_symlink_re_pointed_while_the_old_device_lives_is_followed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner");
    let (mut master_a, _slave_a, path_a) = pair();
    point(&link, &path_a);

    let mut reader = Reader::start(&link);
    reader.wait_connected(&link);
    write(&mut master_a, b"A-1\r\n");
    reader.wait_scan("A-1");

    let (mut master_b, _slave_b, path_b) = pair();
    point(&link, &path_b);
    let plugged = Instant::now();
    reader.wait_disconnected();
    let connected = reader.wait_connected(&link);
    let pick_up = connected.saturating_duration_since(plugged);
    write(&mut master_b, b"B-1\r\n");
    reader.wait_scan("B-1");
    // The old device is no longer read.
    write(&mut master_a, b"A-LATE\r\n");
    reader.settle(Duration::from_millis(300));

    println!("re-pick-up after re-point: {pick_up:?}");
    assert!(pick_up <= Duration::from_secs(2), "took {pick_up:?}");
    assert_eq!(reader.scans(), ["A-1", "B-1"]);
}

#[test]
fn a_missing_device_is_reported_and_picked_up_when_it_appears() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("scanner");
    let mut reader = Reader::start(&link);
    reader.wait_disconnected();

    let (mut master, _slave, path) = pair();
    point(&link, &path);
    let plugged = Instant::now();
    reader.wait_connected(&link);
    let pick_up = plugged.elapsed();
    write(&mut master, b"FIRST\r");
    reader.wait_scan("FIRST");
    assert!(pick_up <= Duration::from_secs(2), "took {pick_up:?}");
    // Retries do not repeat an unchanged status.
    let statuses = reader
        .events()
        .iter()
        .filter(|e| matches!(e, ScannerEvent::Status(_)))
        .count();
    assert_eq!(statuses, 2, "{:#?}", reader.events());
}

#[test]
fn stop_returns_promptly_and_frees_the_port() {
    let (mut master, _slave, path) = pair();
    let mut first = Reader::start(&path);
    first.wait_connected(&path);
    let took = first.stop();
    assert!(took < Duration::from_secs(1), "stop took {took:?}");

    // The port was closed: a second reader gets it (the port is opened exclusively).
    let mut second = Reader::start(&path);
    second.wait_connected(&path);
    write(&mut master, b"AGAIN\r");
    second.wait_scan("AGAIN");
    assert!(first.scans().is_empty());
}

#[test]
fn a_busy_port_is_reported_not_fatal() {
    let (_master, _slave, path) = pair();
    let mut first = Reader::start(&path);
    first.wait_connected(&path);
    let mut second = Reader::start(&path);
    second.wait_for("disconnected (busy)", |e| {
        matches!(e, ScannerEvent::Status(PortStatus::Disconnected { reason, .. }) if reason.contains("占用"))
    });
    // When the first lets go, the second takes over by itself.
    first.stop();
    second.wait_connected(&path);
}
