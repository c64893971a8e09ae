//! CUPS's own IPP Everywhere printer, `ippeveprinter` (Debian package cups-ipp-utils), for the
//! printing tests: a real IPP printer on a free loopback port, with its spool in a temporary
//! directory, killed when dropped. It registers itself over DNS-SD through Avahi, which wants a
//! D-Bus system bus; a private `dbus-daemon` stands in for it (`-r off` then skips the
//! registration itself), so nothing of the machine's own is needed or touched.
//!
//! Without `-c`, ippeveprinter pretends to print for several seconds; the tests give it a print
//! command instead: `true` for a printer that finishes at once, or a script that sleeps, for a
//! printer that is still busy when the test acts.

use std::fs;
use std::net::{SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::cups::{free_port, program};

/// How long the printer may take to start on a slow, busy machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

pub struct IppEve {
    printer: Child,
    bus: Child,
    dir: tempfile::TempDir,
    port: u16,
}

/// What the printer does with a job.
pub enum Work {
    /// Finishes at once.
    Instant,
    /// Takes this many seconds per job.
    Seconds(u32),
}

impl IppEve {
    /// A printer that offers duplex (`two-sided-long-edge`) or only one-sided printing.
    pub fn start(duplex: bool, work: Work) -> IppEve {
        let dir = tempfile::tempdir().expect("temporary directory");
        let socket = dir.path().join("system_bus_socket");
        let bus = Command::new(program("dbus-daemon"))
            .args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon (Debian package dbus-daemon)");
        wait_for(|| socket.exists(), "dbus-daemon's socket");

        let command = match work {
            Work::Instant => program("true"),
            Work::Seconds(s) => {
                let script = dir.path().join("print.sh");
                fs::write(&script, format!("#!/bin/sh\nsleep {s}\n")).expect("print script");
                fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
                script
            }
        };
        let spool = dir.path().join("spool");
        fs::create_dir(&spool).expect("spool directory");
        let port = free_port();
        let mut cmd = Command::new(program("ippeveprinter"));
        if duplex {
            cmd.arg("-2");
        }
        let printer = cmd
            .args(["-r", "off", "-k", "-f", "application/pdf"])
            .arg("-p")
            .arg(port.to_string())
            .arg("-d")
            .arg(&spool)
            .arg("-c")
            .arg(&command)
            .arg("grad-intake test printer")
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}", socket.display()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ippeveprinter (Debian package cups-ipp-utils)");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        wait_for(
            || TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok(),
            "ippeveprinter's port",
        );
        IppEve {
            printer,
            bus,
            dir,
            port,
        }
    }

    pub fn uri(&self) -> String {
        format!("ipp://127.0.0.1:{}/ipp/print", self.port)
    }

    /// The documents the printer received (kept by `-k`).
    pub fn documents(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut dirs = vec![self.dir.path().join("spool")];
        while let Some(dir) = dirs.pop() {
            for entry in fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "pdf") {
                    found.push(path);
                }
            }
        }
        found
    }

    /// The printer dies as if its power were cut.
    pub fn kill(&mut self) {
        let _ = self.printer.kill();
        let _ = self.printer.wait();
    }
}

fn wait_for(ready: impl Fn() -> bool, what: &str) {
    let deadline = Instant::now() + START_TIMEOUT;
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not come up in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for IppEve {
    fn drop(&mut self) {
        self.kill();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
