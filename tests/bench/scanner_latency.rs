//! Serial reader latency: from the terminator byte written to a pseudo-terminal master to the
//! `Scan` event received from the reader thread's channel (as the counter's UI thread gets it).
//! Target: p99 ≤ 1 ms.
//!
//! The percentiles are measured here by timing single scans: the code's body is written first
//! and given time to arrive, so the reader thread is asleep in its read when the terminator
//! comes, as with a real reader. Criterion then estimates the mean of a whole frame written at
//! once. Benchmarks report; they assert nothing about time.

use std::io::Write;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use grad_intake::scanner::{self, PortSpec, PortStatus, ReaderConfig, ReaderHandle, ScannerEvent};
use serialport::{SerialPort, TTYPort};

const SAMPLES: usize = 2_000;
const WAIT: Duration = Duration::from_secs(10);

struct Rig {
    master: TTYPort,
    _slave: TTYPort,
    _reader: ReaderHandle,
    rx: Receiver<ScannerEvent>,
    next: u64,
}

impl Rig {
    fn new() -> Self {
        let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
        let path = slave.name().expect("the slave has a path");
        let (tx, rx) = mpsc::channel();
        let config = ReaderConfig::new(PortSpec::Path(path.into()));
        let reader = scanner::spawn(config, move |event| {
            let _ = tx.send(event);
        });
        let rig = Self {
            master,
            _slave: slave,
            _reader: reader,
            rx,
            next: 0,
        };
        rig.wait(|e| matches!(e, ScannerEvent::Status(PortStatus::Connected { .. })));
        rig
    }

    fn wait(&self, wanted: impl Fn(&ScannerEvent) -> bool) {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(event) if wanted(&event) => return,
                Ok(_) => {}
                Err(_) => panic!("the reader sent nothing expected within {WAIT:?}"),
            }
        }
    }

    /// A new code each time: the same one again within a second would be a double read.
    fn code(&mut self) -> String {
        self.next += 1;
        format!("0105231{:05}", self.next)
    }

    fn write(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to the master");
    }

    /// Body first, a pause, then the terminator alone: the time from it to the scan.
    fn terminator_to_scan(&mut self) -> Duration {
        let code = self.code();
        self.write(code.as_bytes());
        std::thread::sleep(Duration::from_millis(1));
        let start = Instant::now();
        self.write(b"\r");
        self.wait(|e| matches!(e, ScannerEvent::Scan(s) if *s == code));
        start.elapsed()
    }

    /// The whole frame in one write: the time from it to the scan.
    fn frame_to_scan(&mut self) -> Duration {
        let code = self.code();
        let frame = format!("{code}\r");
        let start = Instant::now();
        self.write(frame.as_bytes());
        self.wait(|e| matches!(e, ScannerEvent::Scan(s) if *s == code));
        start.elapsed()
    }
}

/// The same measurement without the reader: a bare thread blocked in a read of the slave,
/// sending into a channel when the terminator comes. What the machine itself costs (pty
/// driver, thread wake-ups); the reader's own share is the difference. Sampled alternately
/// with the reader, so both see the same load.
struct Bare {
    master: TTYPort,
    rx: Receiver<()>,
    next: u64,
}

impl Bare {
    fn new() -> Self {
        let (master, mut slave) = TTYPort::pair().expect("a pseudo-terminal pair");
        slave
            .set_timeout(Duration::from_secs(5))
            .expect("slave timeout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = std::io::Read::read(&mut slave, &mut buf) {
                if buf[..n].contains(&b'\r') && tx.send(()).is_err() {
                    break;
                }
            }
        });
        Self {
            master,
            rx,
            next: 0,
        }
    }

    fn terminator_to_read(&mut self) -> Duration {
        self.next += 1;
        let code = format!("0105231{:05}", self.next);
        self.master.write_all(code.as_bytes()).expect("write");
        std::thread::sleep(Duration::from_millis(1));
        let start = Instant::now();
        self.master.write_all(b"\r").expect("write");
        self.rx.recv_timeout(WAIT).expect("the bare reader answers");
        start.elapsed()
    }
}

fn report(what: &str, times: &[Duration]) {
    println!(
        "{what}: p50 = {:.1} µs, p99 = {:.1} µs, max = {:.1} µs (n = {})",
        micros(percentile(times, 50.0)),
        micros(percentile(times, 99.0)),
        micros(times[times.len() - 1]),
        times.len()
    );
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn bench_latency(c: &mut Criterion) {
    let mut rig = Rig::new();
    for _ in 0..100 {
        rig.terminator_to_scan();
    }
    let mut bare = Bare::new();
    let (mut times, mut base): (Vec<Duration>, Vec<Duration>) = (0..SAMPLES)
        .map(|_| (rig.terminator_to_scan(), bare.terminator_to_read()))
        .unzip();
    times.sort_unstable();
    base.sort_unstable();
    report(
        "terminator→Scan event (pty, reader thread, channel)",
        &times,
    );
    report(
        "baseline: terminator→bare blocking read (same pty path)",
        &base,
    );

    c.bench_function("scanner_frame_to_scan", |b| {
        b.iter_custom(|iters| (0..iters).map(|_| rig.frame_to_scan()).sum());
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench_latency
}
criterion_main!(benches);
