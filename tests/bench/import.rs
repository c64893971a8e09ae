//! Importing a roster of 200,000 candidates from JSON Lines into a fresh database, as
//! `grad-intake roster import` does once the file is read: `Store::open`, `roster_file::import`
//! (parsing on every core while the writer stores, one transaction) and closing the database.
//! Target: ≤ 2 s.
//!
//! Every iteration gets its own new SQLite file. Besides criterion's estimate, each timed run's
//! wall time is printed with its CPU time (all threads). Benchmarks report; they assert nothing
//! about time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use grad_intake::roster_file::{self, Format};
use grad_intake::store::Store;

const COUNT: usize = 200_000;
const SEED: u64 = 2026;

/// 10:00 in Shanghai on a day of the demo batch.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0)
        .single()
        .expect("a valid fixed instant")
}

/// The demo roster as the portal would send it: one JSON record a line.
fn jsonl_roster() -> String {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let roster = grad_intake::demo::roster(COUNT, SEED, now(), &key).expect("demo roster");
    let mut text = String::with_capacity(COUNT * 1_700);
    for (_, candidate) in &roster {
        text.push_str(&serde_json::to_string(candidate).expect("candidate serialises"));
        text.push('\n');
    }
    text
}

/// CPU time this process (every thread) has used, from /proc/self/stat (utime + stime, in clock
/// ticks of 1/100 s); zero where there is no /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    fields
        .get(10)
        .zip(fields.get(11))
        .map_or(0.0, |(u, s)| (u + s) / 100.0)
}

/// One whole import into a new file under `dir`: open, import, close. Returns (wall, CPU).
fn import_once(text: &str, dir: &std::path::Path) -> (Duration, f64) {
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let mut store = Store::open(&dir.join("counter.db")).expect("store opens");
    let report = roster_file::import(&mut store, text, Format::Jsonl).expect("roster imports");
    drop(store);
    let (elapsed, cpu) = (start.elapsed(), cpu_seconds() - cpu);
    assert_eq!(report.added, COUNT, "a fresh database adds every record");
    black_box(report);
    (elapsed, cpu)
}

fn bench_import(c: &mut Criterion) {
    let setup = Instant::now();
    let text = jsonl_roster();
    println!(
        "roster: {COUNT} candidates, {:.1} MB of JSON Lines (generated in {:.1} s)",
        text.len() as f64 / 1e6,
        setup.elapsed().as_secs_f64()
    );

    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(30));
    let mut run = 0;
    group.bench_function("jsonl_200k_parse_and_store", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                // A fresh directory (and so database) per iteration; creating and removing it
                // is not timed.
                let dir = tempfile::tempdir().expect("temporary directory");
                let (elapsed, cpu) = import_once(&text, dir.path());
                run += 1;
                println!(
                    "import run {run}: {:.3} s for {COUNT} records (CPU {cpu:.2} s)",
                    elapsed.as_secs_f64()
                );
                total += elapsed;
                drop(dir);
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
