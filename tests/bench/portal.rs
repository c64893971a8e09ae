//! The portal under slow clients: `/v1/health` latency (target p99 ≤ 50 ms) while 50 connections
//! send an authorised events batch at a byte every 100 ms, against the in-process server on
//! loopback. Each health request is a new connection (as a monitoring probe makes it).
//!
//! The percentiles are measured here by timing single requests; criterion then estimates the
//! mean of one. Benchmarks report; they assert only that the work was done.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use grad_intake::portal::{self, Portal};

const SLOW_CLIENTS: usize = 50;
const SAMPLES: usize = 2_000;

/// One `GET /v1/health` on a new connection; its time to the end of the answer.
fn health(addr: SocketAddr) -> Duration {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connects");
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("request sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("answer read");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "health answered");
    started.elapsed()
}

/// Connections that announce a 100 KB batch and send it a byte every 100 ms, until `stop`.
fn slow_clients(
    addr: SocketAddr,
    token: &str,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    let mut clients: Vec<TcpStream> = (0..SLOW_CLIENTS)
        .map(|_| {
            let mut s = TcpStream::connect(addr).expect("connects");
            let head = format!(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 100000\r\n\r\n"
            );
            s.write_all(head.as_bytes()).expect("head sent");
            s
        })
        .collect();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            for s in &mut clients {
                // The server may have closed one (body timeout): that is its right.
                let _ = s.write_all(b" ");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn bench_health_under_slow_clients(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = dir.path().join("portal.db");
    let now = Utc
        .with_ymd_and_hms(2026, 11, 10, 2, 0, 0)
        .single()
        .expect("a valid fixed instant");
    let token = {
        let mut portal = Portal::open(&db).expect("portal opens");
        portal.keygen(false, now).expect("key");
        portal
            .add_counter("9901", "bench-01", now)
            .expect("counter")
    };
    let server = portal::serve(&db, "127.0.0.1:0", 4).expect("portal serves");
    let addr = server.addr();
    let stop = Arc::new(AtomicBool::new(false));
    let dribbler = slow_clients(addr, &token, Arc::clone(&stop));

    let mut times: Vec<Duration> = (0..SAMPLES).map(|_| health(addr)).collect();
    times.sort();
    println!(
        "/v1/health with {SLOW_CLIENTS} slow clients connected: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({SAMPLES} requests)",
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    c.bench_function("portal/health_with_50_slow_clients", |b| {
        b.iter(|| health(addr));
    });

    stop.store(true, Ordering::Relaxed);
    dribbler.join().expect("slow clients stop");
    server.stop();
}

criterion_group!(benches, bench_health_under_slow_clients);
criterion_main!(benches);
