//! Two processes open an old counter database at the same moment: the schema migration runs once
//! and both go on (the counter screen, `sync`, `tally` and `print` open one file side by side).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use grad_intake::store::{LATEST_VERSION, Store};

/// True once `pid` holds `file` open (it is then waiting for the write lock the test holds).
fn holds_open(pid: u32, file: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|target| target == file))
}

fn open_store_in_a_process(db: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .env_clear()
        .env("GRAD_INTAKE_DB", db)
        .env("GRAD_INTAKE_CONFIG", db.with_extension("toml"))
        .args(["audit", "verify"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn two_processes_migrate_an_old_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("counter.db");
    drop(Store::open_at_version(&db, 1).unwrap());
    let db = db.canonicalize().unwrap();

    // Hold the write lock so that both processes reach the migration before either can run it.
    let mut lock = rusqlite::Connection::open(&db).unwrap();
    let tx = lock
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .unwrap();
    let children = [open_store_in_a_process(&db), open_store_in_a_process(&db)];
    let deadline = Instant::now() + Duration::from_secs(30);
    while !children.iter().all(|c| holds_open(c.id(), &db)) {
        assert!(
            Instant::now() < deadline,
            "the processes never opened the database"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    tx.commit().unwrap();

    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a process failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let version: i64 = lock
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, LATEST_VERSION);
}
