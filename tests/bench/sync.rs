//! Sync over loopback against the reference portal (served in this process on 127.0.0.1, over
//! real HTTP): pushing 10,000 events (target ≥ 5,000 events/s) and pulling a 200,000-candidate
//! roster into an empty counter (target ≤ 5 s).
//!
//! Every timed run starts from copies of prepared databases (a fresh portal and a fresh counter),
//! so nothing is a duplicate and nothing is already there; copying is not timed. Besides
//! criterion's estimate each run's figure is printed. Benchmarks report; they assert only that
//! the work was done.

#[path = "../sync_support/mod.rs"]
mod sync_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use grad_intake::domain::candidate::Candidate;
use grad_intake::domain::ids::ExamNo;
use grad_intake::portal::{self, Portal};
use grad_intake::store::Store;
use grad_intake::sync::{self, Backoff, Endpoint, SyncSettings};

const SITE: &str = "9901";
const COUNTER: &str = "bench-01";
const EVENTS: usize = 10_000;
const ROSTER: usize = 200_000;
/// `demo::roster` builds at most this many in one call (its sequence numbers are 5 digits).
const DEMO_CHUNK: usize = 99_999;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 10, 2, 0, 0)
        .single()
        .expect("a valid fixed instant")
}

/// `count` candidates, all at `SITE`, with unique exam numbers (chunk k in district k+1).
fn roster(count: usize) -> Vec<Candidate> {
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let mut out = Vec::with_capacity(count);
    for chunk in 0.. {
        let want = (count - out.len()).min(DEMO_CHUNK);
        if want == 0 {
            break;
        }
        let min = want.max(grad_intake::demo::MIN_CANDIDATES);
        let generated =
            grad_intake::demo::roster(min, 2026 + chunk, now(), &key).expect("demo roster");
        for (_, mut c) in generated.into_iter().take(want) {
            let old = c.exam_no.as_str();
            let exam_no = format!("{}{:02}{}", &old[..2], chunk + 1, &old[4..]);
            c.exam_no = ExamNo::parse(&exam_no).expect("12 digits");
            c.site_code = SITE.into();
            out.push(c);
        }
    }
    out
}

/// A portal database with `roster` imported and the bench counter registered; returns its token.
fn prepare_portal(path: &Path, roster: &[Candidate]) -> String {
    let mut portal = Portal::open(path).expect("portal opens");
    portal.keygen(false, now()).expect("key");
    portal
        .import_roster(roster, None, now())
        .expect("roster imports");
    portal
        .add_counter(SITE, COUNTER, now())
        .expect("counter added")
}

/// A counter database holding `events` unsent events (visits of 10 events), written as the
/// sync tests write them.
fn prepare_counter(path: &Path, exam_nos: &[String], events: usize) {
    let mut store = Store::open(path).expect("counter opens");
    sync_support::record_events(&mut store, COUNTER, exam_nos, events, 10);
    assert_eq!(store.unsent_count(COUNTER).expect("count"), events);
}

fn settings(addr: std::net::SocketAddr, token: &str) -> SyncSettings {
    SyncSettings {
        endpoint: Endpoint {
            url: format!("http://{addr}"),
            token: token.to_owned(),
            site_code: SITE.into(),
            counter_id: COUNTER.into(),
            timeout: Duration::from_secs(60),
            ca_file: None,
        },
        batch_size: SyncSettings::DEFAULT_BATCH,
        roster_page: SyncSettings::DEFAULT_ROSTER_PAGE,
        backoff: Backoff::default(),
        max_failures: 0,
        interval: Duration::from_secs(60),
        probe_every: grad_intake::sync::planner::HealthProbe::EVERY,
        fixed_now: None,
    }
}

/// Copies a prepared (closed, checkpointed) database file.
fn copy(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(from, &to).expect("database copied");
    to
}

/// CPU time this process (every thread, the in-process portal included) has used, from
/// /proc/self/stat (utime + stime, in clock ticks of 1/100 s); zero where there is no /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<f64> = after_name
        .split_whitespace()
        .filter_map(|f| f.parse().ok())
        .collect();
    // After the name: state (not a number, skipped by the filter), then ppid … utime is the 14th
    // field of the line, i.e. index 10 of the numeric fields that follow the state.
    fields
        .get(10)
        .zip(fields.get(11))
        .map_or(0.0, |(u, s)| (u + s) / 100.0)
}

/// One timed round against a fresh copy of both databases; returns (elapsed, cpu, report).
fn timed_round(
    portal_db: &Path,
    counter_db: &Path,
    token: &str,
) -> (Duration, f64, sync::RoundReport) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let portal_db = copy(portal_db, dir.path(), "portal.db");
    let counter_db = copy(counter_db, dir.path(), "counter.db");
    let server = portal::serve(&portal_db, "127.0.0.1:0", 4).expect("portal serves");
    let settings = settings(server.addr(), token);
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let report = sync::run_round(&settings, &counter_db, &mut |_| {}).expect("round completes");
    let (elapsed, cpu) = (start.elapsed(), cpu_seconds() - cpu);
    server.stop();
    (elapsed, cpu, report)
}

fn bench_push(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let roster = roster(2_000);
    let exam_nos: Vec<String> = roster.iter().map(|c| c.exam_no.to_string()).collect();
    let portal_db = dir.path().join("portal-template.db");
    let token = prepare_portal(&portal_db, &roster);
    let counter_db = dir.path().join("counter-template.db");
    // The counter already has the roster: the timed round is the push (plus one empty page).
    {
        let server = portal::serve(&portal_db, "127.0.0.1:0", 2).expect("portal serves");
        sync::run_round(&settings(server.addr(), &token), &counter_db, &mut |_| {})
            .expect("roster pulled");
        server.stop();
    }
    prepare_counter(&counter_db, &exam_nos, EVENTS);

    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    let mut run = 0;
    group.bench_function("push_10k_events_loopback", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (elapsed, cpu, report) = timed_round(&portal_db, &counter_db, &token);
                assert_eq!(report.stored, EVENTS, "every event stored once");
                run += 1;
                let rate = EVENTS as f64 / elapsed.as_secs_f64();
                println!(
                    "push run {run}: {EVENTS} events in {:.3} s = {rate:.0} events/s \
                     (CPU {cpu:.2} s, counter and portal)",
                    elapsed.as_secs_f64()
                );
                total += elapsed;
            }
            total
        });
    });
    group.finish();
}

fn bench_pull(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let setup = Instant::now();
    let roster = roster(ROSTER);
    let portal_db = dir.path().join("portal-template.db");
    let token = prepare_portal(&portal_db, &roster);
    drop(roster);
    let counter_db = dir.path().join("counter-template.db");
    drop(Store::open(&counter_db).expect("empty counter"));
    println!(
        "roster: {ROSTER} candidates on the portal (prepared in {:.1} s)",
        setup.elapsed().as_secs_f64()
    );

    let mut group = c.benchmark_group("sync");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(40));
    let mut run = 0;
    group.bench_function("pull_200k_roster_loopback", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (elapsed, cpu, report) = timed_round(&portal_db, &counter_db, &token);
                assert_eq!(report.roster_received, ROSTER, "the whole roster arrived");
                run += 1;
                println!(
                    "pull run {run}: {ROSTER} candidates in {:.3} s (CPU {cpu:.2} s, counter and portal)",
                    elapsed.as_secs_f64()
                );
                total += elapsed;
            }
            total
        });
    });
    group.finish();
}

criterion_group!(benches, bench_push, bench_pull);
criterion_main!(benches);
