//! Importing a roster of 200,000 candidates from JSON Lines into a fresh database: parse
//! (`roster_file::parse`) plus store (`Store::open` + `Store::import_roster`). Target: ≤ 2 s.
//!
//! Every iteration gets its own new SQLite file. Besides criterion's estimate, each timed run's
//! wall time is printed with its parse / store split. Benchmarks report; they assert nothing
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

/// One whole import into a new file under `dir`; returns (parse, store) durations.
fn import_once(text: &str, dir: &std::path::Path) -> (Duration, Duration) {
    let start = Instant::now();
    let candidates = roster_file::parse(text, Format::Jsonl).expect("roster parses");
    let parsed = Instant::now();
    let mut store = Store::open(&dir.join("counter.db")).expect("store opens");
    let report = store.import_roster(&candidates).expect("roster imports");
    let stored = Instant::now();
    assert_eq!(report.added, COUNT, "a fresh database adds every record");
    black_box(report);
    (parsed - start, stored - parsed)
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
                let (parse, store) = import_once(&text, dir.path());
                run += 1;
                println!(
                    "import run {run}: {:.3} s for {COUNT} records (parse {:.3} s + store {:.3} s)",
                    (parse + store).as_secs_f64(),
                    parse.as_secs_f64(),
                    store.as_secs_f64()
                );
                total += parse + store;
                drop(dir);
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench_import);
criterion_main!(benches);
