//! A counter's files in a fresh directory, driven through the real binary: the demo office at a
//! fixed clock (30 synthetic candidates of site 9901, clerks c01/1111, c02/2222, supervisor
//! s01/9999, counter demo-01), or an empty one.

use std::path::PathBuf;

use assert_cmd::Command;
use grad_intake::store::Store;

/// The clock every office test runs at: inside the demo window's first session.
pub const NOW: &str = "2026-11-20T10:00:00+08:00";

pub struct Office {
    pub dir: tempfile::TempDir,
}

impl Office {
    /// No configuration, no database yet.
    pub fn empty() -> Self {
        Office {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// The demo office set up at `NOW`.
    pub fn demo() -> Self {
        let office = Self::empty();
        office
            .cmd()
            .args(["demo", "--candidates", "30"])
            .assert()
            .success();
        office
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("counter.db")
    }

    /// The binary with this office's configuration and database, at `NOW`, and nothing else
    /// from the environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("grad-intake").unwrap();
        cmd.env_clear()
            .env("GRAD_INTAKE_CONFIG", self.path("config.toml"))
            .env("GRAD_INTAKE_DB", self.db())
            .env("GRAD_INTAKE_NOW", NOW)
            .env("USER", "admin");
        cmd
    }

    /// Runs the binary with `args` and `stdin`: (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let out = self.cmd().args(args).write_stdin(stdin).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub fn store(&self) -> Store {
        Store::open(&self.db()).unwrap()
    }
}
