//! A scan answered on a database of 200,000 candidates: `Counter::check` on a signed form code
//! (signature check, indexed lookup, rules, window). Target: p99 ≤ 1 ms.
//!
//! Criterion estimates the mean; the percentiles are measured here as well, by timing 10,000
//! single checks of random candidates. Benchmarks report; they assert nothing about time.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use grad_intake::config::Config;
use grad_intake::counter::Counter;
use grad_intake::demo::{self, DEMO_SITE};
use grad_intake::domain::scan::encode_public_key;
use grad_intake::store::Store;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const COUNT: usize = 200_000;
const SEED: u64 = 2026;
const SAMPLES: usize = 10_000;

/// 10:00 in Shanghai on a day of the demo batch: the demo window is open.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0)
        .single()
        .expect("a valid fixed instant")
}

/// Builds the database (roster through JSON Lines, as an import would, and the demo window) and
/// returns the signed payloads of every candidate.
fn build_db(db: &Path, key: &SigningKey) -> Vec<String> {
    let roster = demo::roster(COUNT, SEED, now(), key).expect("demo roster");
    let text: String = roster
        .iter()
        .map(|(_, c)| serde_json::to_string(c).expect("candidate serialises") + "\n")
        .collect();
    let candidates =
        grad_intake::roster_file::parse(&text, grad_intake::roster_file::Format::Jsonl)
            .expect("roster parses");
    let mut store = Store::open(db).expect("store opens");
    store.import_roster(&candidates).expect("roster imports");
    demo::refresh_window(&store, now()).expect("demo window stored");
    roster
        .into_iter()
        .map(|(_, c)| c.qr.expect("demo candidates carry a signed code"))
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn bench_scan(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("counter.db");
    let setup = Instant::now();
    let payloads = build_db(&db, &key);
    println!(
        "database of {COUNT} candidates built in {:.1} s",
        setup.elapsed().as_secs_f64()
    );

    // Opened after the window was stored: Counter::open loads the schedule documents.
    let config = Config {
        site_code: Some(DEMO_SITE.into()),
        portal_public_keys: vec![encode_public_key(&key.verifying_key())],
        ..Default::default()
    };
    let counter = Counter::open(&config, &db).expect("counter opens");
    let now = now();

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let picks: Vec<&str> = (0..SAMPLES)
        .map(|_| payloads[rng.gen_range(0..payloads.len())].as_str())
        .collect();

    // The path measured must be the full one: a verified scan of a known candidate at an open
    // window.
    let sample = counter
        .check(picks[0], now)
        .expect("a demo scan is answered");
    println!(
        "sample assessment: scan verified = {}, window = {:?}, {} checklist items, {} blockers",
        sample.scan.verified,
        sample.window.status,
        sample.checklist.len(),
        sample.blockers.len()
    );

    // Percentiles: single checks timed one by one (after a short warm-up of the caches).
    for payload in picks.iter().take(1_000) {
        black_box(counter.check(payload, now).expect("scan answered"));
    }
    let mut times: Vec<Duration> = picks
        .iter()
        .map(|payload| {
            let start = Instant::now();
            let assessment = counter.check(payload, now);
            let elapsed = start.elapsed();
            black_box(assessment.expect("scan answered"));
            elapsed
        })
        .collect();
    times.sort_unstable();
    println!(
        "scan→assessment over {COUNT} candidates: p50 = {:.1} µs, p99 = {:.1} µs, max = {:.1} µs (n = {SAMPLES})",
        micros(percentile(&times, 50.0)),
        micros(percentile(&times, 99.0)),
        micros(times[times.len() - 1])
    );

    let mut next = 0;
    c.bench_function("scan_check_200k", |b| {
        b.iter(|| {
            let payload = picks[next % picks.len()];
            next += 1;
            black_box(
                counter
                    .check(black_box(payload), now)
                    .expect("scan answered"),
            )
        });
    });
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);
