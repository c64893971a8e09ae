//! The supervisor's tally of one day with 5,000 intakes: `Store::tally` (the day's rows through
//! the `intakes.updated_at` index, the site's roster counts, the pure tally). Target: ≤ 10 ms.
//!
//! Two databases, written through `Store::save_intake` as the counter does (open, then accept /
//! return / leave in progress / accept and void), the day measured being the last:
//! - `day_5000`: 5,000 files on one day, roster of 6,000 demo candidates (the target's case);
//! - `window_15000`: stress, three days of 5,000 files each, roster of 16,000 candidates (the
//!   roster count of "not yet come" spans the whole window).
//!
//! Besides criterion's estimate, the median of 200 timed runs of each and its split into rows /
//! roster / pure tally are printed. Benchmarks report; they assert nothing about time.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use grad_intake::demo;
use grad_intake::domain::intake::{Decision, Intake, IntakeEvent};
use grad_intake::domain::tally;
use grad_intake::store::{Actor, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const PER_DAY: usize = 5_000;
/// (name, days, roster size).
const SCENARIOS: [(&str, u32, usize); 2] = [("day_5000", 1, 6_000), ("window_15000", 3, 16_000)];
const COUNTERS: [&str; 4] = ["k01", "k02", "k03", "k04"];
const CLERKS: [&str; 8] = ["c01", "c02", "c03", "c04", "c05", "c06", "c07", "c08"];
const REASONS: [&str; 5] = [
    "登记表未双面打印",
    "思想品德栏未盖章",
    "缺少身份证复印件",
    "照片与本人不符",
    "缺少学历证书复印件",
];

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 18 + day).expect("a valid date")
}

/// A local instant of `day` during office hours (09:15–11:30, 14:30–17:30).
fn office_time(rng: &mut ChaCha8Rng, day: u32) -> DateTime<Utc> {
    let minute = if rng.gen_bool(0.45) {
        rng.gen_range(9 * 60 + 15..11 * 60 + 30)
    } else {
        rng.gen_range(14 * 60 + 30..17 * 60 + 30)
    };
    let local = date(day)
        .and_hms_opt(minute / 60, minute % 60, rng.gen_range(0..60))
        .expect("a valid time");
    Shanghai
        .from_local_datetime(&local)
        .single()
        .expect("Shanghai has no DST")
        .with_timezone(&Utc)
}

fn save(
    store: &mut Store,
    intake: &Intake,
    event: IntakeEvent,
    counter: &str,
    clerk: &str,
    at: DateTime<Utc>,
) {
    let actor = Actor {
        counter_id: counter,
        clerk_id: clerk,
        at,
    };
    store
        .save_intake(intake, &[event], &actor)
        .expect("save intake");
}

/// Roster and files over `days` days; returns the database's directory (kept alive by the
/// caller) and the store.
fn build(days: u32, roster_size: usize) -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut store = Store::open(&dir.path().join("counter.db")).expect("open store");
    // Setting up is not measured: skip the fsync of each of the ~25,000 transactions.
    store
        .connection()
        .pragma_update(None, "synchronous", "OFF")
        .expect("pragma");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 18, 2, 0, 0)
        .single()
        .expect("instant");
    let key = SigningKey::from_bytes(&[3; 32]);
    let roster: Vec<_> = demo::roster(roster_size, 2026, now, &key)
        .expect("demo roster")
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    store.import_roster(&roster).expect("import roster");
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut next = roster.iter().map(|c| c.exam_no.to_string());
    for day in 0..days {
        for _ in 0..PER_DAY {
            let exam_no = next.next().expect("enough candidates");
            let at = office_time(&mut rng, day);
            let counter = COUNTERS[rng.gen_range(0..COUNTERS.len())];
            let clerk = CLERKS[rng.gen_range(0..CLERKS.len())];
            let decision = Decision {
                at,
                clerk_id: clerk.into(),
            };
            let mut intake = Intake::new(format!("i-{exam_no}"), exam_no);
            let opened = intake.open().expect("open").expect("event");
            save(
                &mut store,
                &intake,
                opened,
                counter,
                clerk,
                at - chrono::Duration::minutes(3),
            );
            match rng.gen_range(0..100) {
                0..60 => {
                    let e = intake.accept(&[], &[], decision).expect("accept");
                    save(&mut store, &intake, e, counter, clerk, at);
                }
                60..80 => {
                    let k = rng.gen_range(1..=2);
                    let reasons = (0..k)
                        .map(|_| REASONS[rng.gen_range(0..REASONS.len())].to_owned())
                        .collect();
                    let e = intake.return_file(reasons, decision).expect("return");
                    save(&mut store, &intake, e, counter, clerk, at);
                }
                80..90 => {}
                _ => {
                    let e = intake.accept(&[], &[], decision.clone()).expect("accept");
                    save(&mut store, &intake, e, counter, clerk, at);
                    let void = Decision {
                        at: at + chrono::Duration::minutes(1),
                        clerk_id: "s01".into(),
                    };
                    let e = intake.void("误受理", void.clone()).expect("void");
                    save(&mut store, &intake, e, counter, "s01", void.at);
                }
            }
        }
    }
    store
        .connection()
        .pragma_update(None, "synchronous", "FULL")
        .expect("pragma");
    (dir, store)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn bench_tally(c: &mut Criterion) {
    let mut group = c.benchmark_group("tally");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));
    for (name, days, roster_size) in SCENARIOS {
        let started = Instant::now();
        let (_dir, store) = build(days, roster_size);
        let day = date(days - 1);
        let site = Some(demo::DEMO_SITE);
        println!(
            "{name}: {roster_size} candidates, {} intakes over {days} day(s), built in {:.1} s",
            PER_DAY * days as usize,
            started.elapsed().as_secs_f64()
        );
        let t = store.tally(day, site).expect("tally");
        assert_eq!(
            t.totals.total(),
            PER_DAY as u64,
            "the day holds {PER_DAY} files"
        );

        // The figure for README: median of 200 runs, and where the time goes.
        let (mut whole, mut rows_t, mut roster_t, mut pure_t) = (vec![], vec![], vec![], vec![]);
        for _ in 0..200 {
            let s = Instant::now();
            black_box(store.tally(day, site).expect("tally"));
            whole.push(s.elapsed());
            let s = Instant::now();
            let rows = store.tally_rows(day).expect("rows");
            rows_t.push(s.elapsed());
            let s = Instant::now();
            let roster = store.site_roster_count(site).expect("roster");
            roster_t.push(s.elapsed());
            let s = Instant::now();
            black_box(tally::tally(day, &rows, roster));
            pure_t.push(s.elapsed());
        }
        println!(
            "{name}: tally of one day with {PER_DAY} intakes: median {:.2} ms (rows {:.2} ms + roster {:.2} ms + pure tally {:.2} ms); target ≤ 10 ms",
            ms(median(whole)),
            ms(median(rows_t)),
            ms(median(roster_t)),
            ms(median(pure_t)),
        );
        group.bench_function(name, |b| {
            b.iter(|| black_box(store.tally(day, site).expect("tally")))
        });
    }
    group.finish();
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

criterion_group!(benches, bench_tally);
criterion_main!(benches);
