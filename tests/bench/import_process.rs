//! `grad-intake roster import` of 200,000 JSON Lines records as a whole process, from start to
//! exit (issue 14, item 5): the built binary run 5 times, each into a new database, the file in
//! the page cache (as right after it was downloaded or copied). Prints min / median / max wall
//! time and each run's user and system CPU time and peak memory. Target: median ≤ 2 s. A
//! benchmark reports; it asserts nothing about time.
//!
//! `cargo bench --bench import_process`

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;

const COUNT: usize = 200_000;
const RUNS: usize = 5;

/// The demo roster as the portal would send it, one record a line (as `benches/import.rs`).
fn write_roster(path: &Path) -> usize {
    use std::io::Write;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 10, 2, 0, 0)
        .single()
        .expect("a valid fixed instant");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let roster = grad_intake::demo::roster(COUNT, 2026, now, &key).expect("demo roster");
    let file = std::fs::File::create(path).expect("roster file");
    let mut out = std::io::BufWriter::new(file);
    for (_, candidate) in &roster {
        serde_json::to_writer(&mut out, candidate).expect("candidate serialises");
        out.write_all(b"\n").expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).map_or(0, |m| m.len() as usize)
}

/// Children's CPU time so far (user, system) and the largest child's peak resident memory (KB).
fn children_usage() -> (Duration, Duration, i64) {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given; it is read only when that succeeded.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) != 0 {
            return (Duration::ZERO, Duration::ZERO, 0);
        }
        usage.assume_init()
    };
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    (time(usage.ru_utime), time(usage.ru_stime), usage.ru_maxrss)
}

fn main() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let roster = dir.path().join("roster.jsonl");
    let bytes = write_roster(&roster);
    // Read once so that every run finds it in the page cache.
    drop(std::fs::read(&roster));
    println!(
        "roster: {COUNT} candidates, {:.1} MB of JSON Lines",
        bytes as f64 / 1e6
    );
    let mut walls = Vec::new();
    for run in 1..=RUNS {
        let db = dir.path().join(format!("counter-{run}.db"));
        let (user0, sys0, _) = children_usage();
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_grad-intake"))
            .env_clear()
            .env("GRAD_INTAKE_CONFIG", dir.path().join("none.toml"))
            .env("GRAD_INTAKE_DB", &db)
            .args(["roster", "import"])
            .arg(&roster)
            .output()
            .expect("run grad-intake");
        let wall = start.elapsed();
        let (user1, sys1, peak_kb) = children_usage();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "run {run}: {:.2} s (user {:.2} s, system {:.2} s; peak of any run so far {} MB)",
            wall.as_secs_f64(),
            (user1 - user0).as_secs_f64(),
            (sys1 - sys0).as_secs_f64(),
            peak_kb / 1024
        );
        walls.push(wall);
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    walls.sort();
    println!(
        "roster import as a process, {RUNS} runs: min {:.2} s, median {:.2} s, max {:.2} s (target: median ≤ 2 s)",
        walls[0].as_secs_f64(),
        walls[RUNS / 2].as_secs_f64(),
        walls[RUNS - 1].as_secs_f64()
    );
}
