//! `grad-intake roster import` of 200,000 JSON Lines records as a whole process, from start to
//! exit (issue 14, item 5): the built binary run 5 times, each into a new database, the file in
//! the page cache (as right after it was downloaded or copied). Prints min / median / max wall
//! time and each run's user and system CPU time and peak memory, as GNU time measures them. Target: median ≤ 2 s. A
//! benchmark reports; it asserts nothing about time.
//!
//! `cargo bench --bench import_process`

use std::path::Path;
use std::process::Command;

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

/// One run of `roster import` under GNU time (`/usr/bin/time`, Debian's `time`), which reports
/// exactly that process: (wall, user, system seconds, peak resident KB).
fn timed_import(roster: &Path, db: &Path, config: &Path) -> (f64, f64, f64, u64) {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%e %U %S %M"])
        .arg(env!("CARGO_BIN_EXE_grad-intake"))
        .env_clear()
        .env("GRAD_INTAKE_CONFIG", config)
        .env("GRAD_INTAKE_DB", db)
        .args(["roster", "import"])
        .arg(roster)
        .output()
        .expect("run /usr/bin/time grad-intake (apt install time)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let figures: Vec<f64> = stderr
        .lines()
        .last()
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    assert_eq!(figures.len(), 4, "GNU time's line: {stderr}");
    (figures[0], figures[1], figures[2], figures[3] as u64)
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
        let (wall, user, system, peak_kb) =
            timed_import(&roster, &db, &dir.path().join("none.toml"));
        println!(
            "run {run}: {wall:.2} s (user {user:.2} s, system {system:.2} s, peak {} MB)",
            peak_kb / 1024
        );
        walls.push(wall);
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    }
    walls.sort_by(f64::total_cmp);
    println!(
        "roster import as a process, {RUNS} runs: min {:.2} s, median {:.2} s, max {:.2} s (target: median ≤ 2 s)",
        walls[0],
        walls[RUNS / 2],
        walls[RUNS - 1]
    );
}
