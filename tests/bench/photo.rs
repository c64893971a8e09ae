//! Photo standard check. Targets (issue 12): one 480×640 photo measured (decode + face +
//! background) p50 ≤ 30 ms; `grad-intake photo check DIR` of 1,000 photos on 2 cores ≤ 20 s as
//! a whole process; ImageMagick's `identify` reading the same files' header values (size,
//! quality, density) timed in the same run, side by side.
//!
//! Benchmarks report; they assert nothing about time.

use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

use grad_intake::demo::photo::demo_photo;
use grad_intake::photo::measure;

const SINGLE_SAMPLES: u64 = 100;
const BATCH: u64 = 1_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn main() {
    let photos: Vec<Vec<u8>> = (0..SINGLE_SAMPLES)
        .map(|seed| demo_photo(seed).expect("demo photo"))
        .collect();
    // Warm up the model load and the detector's buffers.
    black_box(measure(&photos[0]));
    let mut times: Vec<Duration> = photos
        .iter()
        .map(|p| {
            let start = Instant::now();
            black_box(measure(black_box(p)));
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "photo measure (one 480x640, decode + face + background): p50 {:.1} ms, p90 {:.1} ms, max {:.1} ms over {SINGLE_SAMPLES}",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.9).as_secs_f64() * 1e3,
        percentile(&times, 1.0).as_secs_f64() * 1e3,
    );

    let dir = tempfile::tempdir().expect("tempdir");
    for seed in 0..BATCH {
        let path = dir.path().join(format!("{seed:04}.jpg"));
        std::fs::write(path, demo_photo(seed).expect("demo photo")).expect("write");
    }
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .args(["photo", "check"])
        .arg(dir.path())
        .output()
        .expect("run photo check");
    let ours = start.elapsed();
    let summary = String::from_utf8_lossy(&out.stdout);
    let summary = summary
        .lines()
        .find(|l| l.starts_with("共检查"))
        .unwrap_or("");
    println!(
        "grad-intake photo check DIR ({BATCH} photos, {} cores, whole process): {:.2} s  [{summary}]",
        std::thread::available_parallelism().map_or(1, usize::from),
        ours.as_secs_f64()
    );

    let files: Vec<_> = (0..BATCH)
        .map(|seed| dir.path().join(format!("{seed:04}.jpg")))
        .collect();
    let start = Instant::now();
    match Command::new("identify")
        .args(["-format", "%w %h %Q %x %b\\n"])
        .args(&files)
        .output()
    {
        Ok(out) if out.status.success() => println!(
            "identify -format '%w %h %Q %x %b' on the same {BATCH} files (header values only, one process): {:.2} s",
            start.elapsed().as_secs_f64()
        ),
        _ => println!("identify: not installed (apt-get install imagemagick), not timed"),
    }
}
