//! The real binary in a real terminal: a detached tmux session whose screen the test reads and
//! types into. Every wait is bounded but generous (a slow machine is not a failure).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::office::{NOW, Office};

const BIN: &str = env!("CARGO_BIN_EXE_grad-intake");

pub struct Tmux {
    name: String,
}

impl Tmux {
    /// Runs `cmd` (a shell command line) in a new session of `width` × `height`.
    pub fn start(name: &str, (width, height): (u16, u16), cmd: &str) -> Self {
        let name = format!("{name}-{}", std::process::id());
        let (width, height) = (width.to_string(), height.to_string());
        let status = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                &width,
                "-y",
                &height,
                cmd,
            ])
            .status()
            .expect("tmux is needed for this test (.ci/run installs it)");
        assert!(status.success());
        Tmux { name }
    }

    /// The command line running the binary with `args` in this office, at `NOW`.
    pub fn command(office: &Office, args: &str) -> String {
        format!(
            "env GRAD_INTAKE_CONFIG={} GRAD_INTAKE_DB={} GRAD_INTAKE_NOW={NOW} {BIN} {args}",
            office.path("config.toml").display(),
            office.db().display()
        )
    }

    pub fn text(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `needle` at least `times` times.
    pub fn wait_for_count(&self, needle: &str, times: usize) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(30) {
            if self.text().matches(needle).count() >= times {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("screen never showed {needle:?}:\n{}", self.text());
    }

    pub fn wait_for(&self, needle: &str) {
        self.wait_for_count(needle, 1);
    }

    pub fn keys(&self, keys: &[&str]) {
        assert!(
            Command::new("tmux")
                .args(["send-keys", "-t", &self.name])
                .args(keys)
                .status()
                .unwrap()
                .success()
        );
    }

    /// Sends text as typed characters (what a keyboard-wedge reader does), then Enter.
    pub fn type_line(&self, text: &str) {
        self.keys(&["-l", text]);
        self.keys(&["Enter"]);
    }

    pub fn pid(&self) -> u32 {
        let out = Command::new("tmux")
            .args(["list-panes", "-t", &self.name, "-F", "#{pane_pid}"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    }

    pub fn alive(&self) -> bool {
        let status = Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .stderr(Stdio::null())
            .status();
        status.is_ok_and(|s| s.success())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}
