//! The counter screen with 200,000 candidates: start to first frame, and scan → update → frame
//! drawn on a 120×40 TestBackend (targets: 300 ms and p99 2 ms), with the photo as half blocks
//! and as Sixel (scan → first frame with the photo drawn: p99 ≤ 30 ms, the UI thread never
//! blocked more than 2 ms), and the resident memory of the real binary after a scan (target
//! 100 MB, measured in tmux).
//!
//! Criterion estimates means; percentiles are measured here over single runs. Benchmarks
//! report; they assert nothing about time.

use std::hint::black_box;

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ed25519_dalek::SigningKey;
use grad_intake::config::Config;
use grad_intake::counter::Counter;
use grad_intake::demo;
use grad_intake::domain::intake::Intake;
use grad_intake::domain::scan::encode_public_key;
use grad_intake::store::{Role, Store};
use grad_intake::strings::ui::Lang;
use grad_intake::tui::graphics::{Graphics, Kind};
use grad_intake::tui::state::{Loaded, Screen};
use grad_intake::tui::{self, App, AppEvent, UiConfig};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const COUNT: usize = 200_000;
const SAMPLES: usize = 2_000;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
        .single()
        .expect("fixed instant")
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    config: Config,
    config_path: std::path::PathBuf,
    payloads: Vec<String>,
}

/// A counter database of `COUNT` demo candidates, the demo window and clerks, and photos for the
/// candidates the benchmark scans.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("counter.db");
    let key = SigningKey::from_bytes(&[9; 32]);
    let roster: Vec<_> = demo::roster(COUNT, 11, now(), &key)
        .expect("roster")
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let mut store = Store::open(&db).expect("store");
    store.import_roster(&roster).expect("import");
    demo::refresh_window(&store, now()).expect("window");
    store
        .add_clerk("c01", "演示柜员甲", Role::Clerk, "1111", "bench", now())
        .expect("clerk");
    let step = COUNT / SAMPLES;
    let payloads: Vec<String> = roster
        .iter()
        .step_by(step)
        .filter_map(|c| c.qr.clone())
        .collect();
    for (i, c) in roster.iter().step_by(step).enumerate() {
        let photo = demo::photo::demo_photo(i as u64).expect("photo");
        store
            .put_photo(c.exam_no.as_str(), &photo)
            .expect("photo stored");
    }
    let config = Config {
        site_code: Some(demo::DEMO_SITE.into()),
        counter_id: Some(demo::DEMO_COUNTER.into()),
        db: Some(db.clone()),
        portal_public_keys: vec![encode_public_key(&key.verifying_key())],
        ..Config::default()
    };
    let config_path = dir.path().join("config.toml");
    config.write_new(&config_path).expect("config");
    Fixture {
        _dir: dir,
        db,
        config,
        config_path,
        payloads,
    }
}

fn ui_config(counter: &Counter) -> UiConfig {
    UiConfig {
        site_code: demo::DEMO_SITE.into(),
        site_name: "演示考点".into(),
        counter_id: counter.counter_id.clone(),
        lang: Lang::Zh,
        bell: false,
        idle_lock: chrono::Duration::minutes(10),
        override_ttl: chrono::Duration::minutes(15),
        portal: false,
        printer: false,
        welcome: None,
    }
}

/// What `tui::run` does before the first frame: open the counter, build the state, draw.
fn start_to_first_frame(fx: &Fixture) -> Duration {
    let start = Instant::now();
    let counter = Counter::open(&fx.config, &fx.db).expect("counter");
    let app = App::new(
        ui_config(&counter),
        counter.schedule.clone(),
        tui::builtin_reasons().expect("reasons"),
        now(),
    );
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal.draw(|f| tui::view(f, &app)).expect("draw");
    start.elapsed()
}

/// The worker's answer to a scan (as `tui::worker` builds it), its photo made for `graphics`.
fn lookup(counter: &Counter, payload: &str, graphics: Graphics) -> Box<Loaded> {
    let checked = counter.check_full(payload, now()).expect("known candidate");
    let exam_no = checked.candidate.exam_no.to_string();
    let intake = checked
        .intake
        .map(|r| r.intake)
        .unwrap_or_else(|| Intake::new("bench".into(), exam_no.clone()));
    let photo = counter
        .store
        .photo(&exam_no)
        .ok()
        .flatten()
        .and_then(|j| tui::photo::card_picture(&j, graphics));
    Box::new(Loaded {
        assessment: checked.assessment,
        candidate: checked.candidate,
        intake,
        photo,
        jpeg: None,
    })
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99), at(1.0))
}

fn report(label: &str, samples: Vec<Duration>) {
    let (p50, p99, max) = percentiles(samples);
    println!("{label}: p50 = {p50:.2?}, p99 = {p99:.2?}, max = {max:.2?}");
}

fn logged_in(counter: &Counter) -> App {
    let mut app = App::new(
        ui_config(counter),
        counter.schedule.clone(),
        tui::builtin_reasons().expect("reasons"),
        now(),
    );
    app.clerk = Some(grad_intake::store::Clerk {
        id: "c01".into(),
        name: "演示".into(),
        role: Role::Clerk,
        disabled: false,
    });
    app.screen = Screen::Counter;
    app
}

fn bench(c: &mut Criterion) {
    let fx = fixture();
    let starts: Vec<Duration> = (0..20).map(|_| start_to_first_frame(&fx)).collect();
    report(
        &format!("start → first frame, {COUNT} candidates (20 runs)"),
        starts,
    );

    let counter = Counter::open(&fx.config, &fx.db).expect("counter");
    let mut app = logged_in(&counter);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let sixel = Graphics {
        kind: Kind::Sixel,
        cell: (10, 20),
        tmux: false,
    };
    for (label, graphics) in [("half blocks", Graphics::HALFBLOCKS), ("Sixel", sixel)] {
        let mut ui_only = Vec::with_capacity(SAMPLES);
        let mut full = Vec::with_capacity(SAMPLES);
        for payload in fx.payloads.iter().cycle().take(SAMPLES) {
            let start = Instant::now();
            let loaded = lookup(&counter, payload, graphics);
            let looked_up = Instant::now();
            tui::update(&mut app, AppEvent::Loaded(Ok(loaded)), now());
            terminal.draw(|f| tui::view(f, &app)).expect("draw");
            ui_only.push(looked_up.elapsed());
            full.push(start.elapsed());
        }
        report(
            &format!("scan event → update → frame (UI thread), photo as {label}, 120×40"),
            ui_only,
        );
        report(
            &format!("scan → lookup + photo (worker) → update → frame, photo as {label}, 120×40"),
            full,
        );
    }

    let payload = fx.payloads[0].clone();
    c.bench_function("scan → update → frame (UI thread)", |b| {
        b.iter_batched(
            || lookup(&counter, &payload, Graphics::HALFBLOCKS),
            |loaded| {
                tui::update(&mut app, AppEvent::Loaded(Ok(loaded)), now());
                terminal
                    .draw(|f| tui::view(f, black_box(&app)))
                    .expect("draw");
            },
            criterion::BatchSize::SmallInput,
        )
    });
    resident_memory(&fx);
}

/// Runs the real binary in tmux on the 200,000-candidate database, logs in, scans, and reads the
/// process's resident memory. Skipped (with a note) when tmux is missing.
fn resident_memory(fx: &Fixture) {
    let bin = env!("CARGO_BIN_EXE_grad-intake");
    let name = format!("gi-bench-{}", std::process::id());
    let cmd = format!(
        "env GRAD_INTAKE_CONFIG={} GRAD_INTAKE_DB={} GRAD_INTAKE_NOW={} {bin}",
        fx.config_path.display(),
        fx.db.display(),
        now().to_rfc3339()
    );
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output();
    if tmux(&[
        "new-session",
        "-d",
        "-s",
        &name,
        "-x",
        "120",
        "-y",
        "40",
        &cmd,
    ])
    .is_err()
    {
        println!("resident memory: tmux not found, not measured");
        return;
    }
    let screen = || {
        tmux(&["capture-pane", "-p", "-t", &name])
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    };
    let wait = |needle: &str| {
        let start = Instant::now();
        while !screen().contains(needle) && start.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    wait("柜员登录");
    for keys in [&["-l", "c01"][..], &["Enter"], &["-l", "1111"], &["Enter"]] {
        let _ = tmux(&[&["send-keys", "-t", &name][..], keys].concat());
    }
    wait("柜员 c01");
    let _ = tmux(&["send-keys", "-t", &name, "-l", &fx.payloads[0]]);
    let _ = tmux(&["send-keys", "-t", &name, "Enter"]);
    wait("二维码已验证");
    let pid = tmux(&["list-panes", "-t", &name, "-F", "#{pane_pid}"])
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let rss = status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or("VmRSS: unknown");
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown");
    println!(
        "resident memory of the counter after login and a scan, {COUNT} candidates: {rss}; peak {hwm}"
    );
    let _ = tmux(&["kill-session", "-t", &name]);
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50);
    targets = bench
}
criterion_main!(benches);
