//! `grad-intake scanner list` and `scanner listen` as the installer runs them: the real binary,
//! a pseudo-terminal standing in for the reader.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use serialport::{SerialPort, TTYPort};

const WAIT: Duration = Duration::from_secs(10);

/// The child is killed however the test ends.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn start(dir: &Path, args: &[&str]) -> Self {
        let guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
        let mut child = Command::new(env!("CARGO_BIN_EXE_grad-intake"))
            .args(args)
            .env("GRAD_INTAKE_CONFIG", dir.join("config.toml"))
            .env("GRAD_INTAKE_DB", dir.join("counter.db"))
            .env_remove("GRAD_INTAKE_NOW")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        drop(guard);
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first new line containing `needle`, waiting up to [`WAIT`].
    fn wait_line(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => panic!(
                    "no line with {needle:?} within {WAIT:?}; saw {:#?}",
                    self.seen
                ),
            }
        }
    }
}

/// Serialises pair creation and child spawning: a child must not inherit another test's pty.
static SPAWN: Mutex<()> = Mutex::new(());

/// A pty pair whose file descriptors close on exec. `TTYPort::pair` opens them inheritable, and
/// a child holding a copy of the master would never see the hang-up this test causes.
fn pair() -> (TTYPort, TTYPort, String) {
    let _guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave has a path");
    // try_clone_native duplicates with F_DUPFD_CLOEXEC; the inheritable originals drop here.
    let master = master.try_clone_native().expect("clone the master");
    let slave = slave.try_clone_native().expect("clone the slave");
    (master, slave, path)
}

/// `HH:MM:SS.mmm` at the start of the line.
fn has_timestamp(line: &str) -> bool {
    let stamp: Vec<char> = line.chars().take(12).collect();
    stamp.len() == 12
        && stamp.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == ':',
            8 => *c == '.',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn listen_prints_each_frame_and_state_change() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut master, _slave, path) = pair();
    let mut listen = Running::start(
        dir.path(),
        &["scanner", "listen", &path, "--terminator", "CRLF"],
    );
    let header = listen.wait_line("Ctrl-C");
    assert!(
        header.contains(&path) && header.contains("9600 8N1  CRLF"),
        "{header}"
    );
    let connected = listen.wait_line("扫码枪已连接");
    assert!(connected.contains(&path), "{connected}");
    assert!(has_timestamp(&connected), "{connected}");

    let payload = "ZK1|010523100123|2023H1|0104|20230601|c2lnbmF0dXJl";
    master
        .write_all(format!("{payload}\r\n").as_bytes())
        .expect("write a frame");
    let line = listen.wait_line(payload);
    assert!(has_timestamp(&line) && line.contains("扫码"), "{line}");

    master.write_all(b"BAD\x07\r\n").expect("write a bad frame");
    let line = listen.wait_line("控制字符");
    assert!(line.contains("错误"), "{line}");

    drop(master);
    let line = listen.wait_line("扫码枪未连接");
    assert!(line.contains(&path), "{line}");
}

#[test]
fn listen_takes_port_and_terminator_from_the_config() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut master, _slave, path) = pair();
    let config = format!("[scanner]\nport = \"{path}\"\nbaud = 19200\nterminator = \"Tab\"\n");
    std::fs::write(dir.path().join("config.toml"), config).expect("config written");
    let mut listen = Running::start(dir.path(), &["scanner", "listen"]);
    let header = listen.wait_line("Ctrl-C");
    assert!(header.contains("19200 8N1  Tab"), "{header}");
    listen.wait_line("扫码枪已连接");
    master.write_all(b"010523100123\t").expect("write a frame");
    listen.wait_line("010523100123");
}

#[test]
fn list_says_what_it_found_or_that_there_is_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let guard = SPAWN.lock().unwrap_or_else(|e| e.into_inner());
    let output = Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .args(["scanner", "list"])
        .env("GRAD_INTAKE_CONFIG", dir.path().join("config.toml"))
        .env("GRAD_INTAKE_DB", dir.path().join("counter.db"))
        .output()
        .expect("the binary runs");
    drop(guard);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("找到串口") || text.contains("没有找到串口"),
        "{text}"
    );
    assert!(text.contains("port = \"auto\""), "{text}");
}
