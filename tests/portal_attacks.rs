//! The portal under attack, with raw sockets against the real `grad-intake portal serve` process:
//! absurd Content-Lengths with and without a token, bodies cut short, slow bodies, slow heads and
//! an oversize event. After (and during) each, the process is alive and an ordinary authorised
//! request is answered within a second. Memory figures are printed (`--nocapture`).

mod sync_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sync_support::*;

/// How long an ordinary request may take while the portal is attacked.
const ANSWER_WITHIN: Duration = Duration::from_secs(1);

struct Target {
    _dir: tempfile::TempDir,
    setup: PortalSetup,
    server: PortalProcess,
    token: String,
}

impl Target {
    fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let setup = PortalSetup::new(dir.path(), 20);
        let token = setup.add_counter(SITE, "k1");
        let server = PortalProcess::start(&setup, 0);
        Self {
            _dir: dir,
            setup,
            server,
            token,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr
    }

    /// An ordinary authorised request gets its 200 within [`ANSWER_WITHIN`], and the process has
    /// not exited.
    fn assert_serves(&mut self, when: &str) {
        assert!(
            self.server.exited().is_none(),
            "{when}: the portal exited: {:?}",
            self.server.exited()
        );
        let started = Instant::now();
        let head = format!(
            "GET /v1/sites/{SITE}/conflicts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nConnection: close\r\n\r\n",
            self.token
        );
        let answer = exchange(self.addr(), head.as_bytes(), ANSWER_WITHIN);
        let took = started.elapsed();
        let answer = answer.unwrap_or_else(|e| panic!("{when}: no answer within 1 s: {e}"));
        assert_eq!(answer.status, 200, "{when}");
        assert!(took <= ANSWER_WITHIN, "{when}: answered after {took:?}");
    }

    /// Resident and peak memory of the portal process, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.server.pid()))
            .expect("/proc status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn authorization(token: Option<&str>) -> String {
    token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"))
}

#[test]
fn absurd_content_lengths_are_refused_unread_with_or_without_a_token() {
    let mut target = Target::start();
    let token = target.token.clone();
    for length in [
        "1000000000000",
        "18446744073709551615",
        "99999999999999999999999",
    ] {
        for token in [None, Some(token.as_str())] {
            for route in [
                "POST /v1/events",
                "GET /v1/health",
                "GET /v1/sites/9901/tally",
            ] {
                let head = format!(
                    "{route} HTTP/1.1\r\nHost: x\r\n{}Content-Length: {length}\r\n\r\n",
                    authorization(token)
                );
                let Answer { status, body, .. } =
                    exchange(target.addr(), head.as_bytes(), ANSWER_WITHIN * 5)
                        .unwrap_or_else(|e| panic!("{route} with {length}: no answer: {e}"));
                // 413 from the portal; 400 or 431 from the HTTP parser for a length it cannot
                // take (u64::MAX is its own "unknown" marker, more than 20 digits overflow).
                assert!(
                    matches!(status, 400 | 413 | 431),
                    "{route}, {length}, token {}: {status} {body}",
                    token.is_some()
                );
                if status == 413 {
                    assert!(body.contains("too_large"), "{body}");
                }
                target.assert_serves(&format!("after {route} announcing {length}"));
            }
        }
    }
    let (rss, peak) = target.memory();
    println!("absurd lengths: RSS {rss} KiB, peak {peak} KiB");
    assert!(peak < 200 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn a_body_shorter_than_announced_then_hang_up_loses_nothing() {
    let mut target = Target::start();
    let token = target.token.clone();
    for token in [None, Some(token.as_str())] {
        for _ in 0..20 {
            let mut stream = TcpStream::connect(target.addr()).expect("connects");
            let head = format!(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{{\"events\":[",
                authorization(token)
            );
            stream.write_all(head.as_bytes()).expect("head sent");
            drop(stream);
        }
        target.assert_serves("after truncated bodies");
    }
    assert_eq!(target.setup.event_count("k1"), (0, 0));
}

/// 50 connections sending an authorised 100 KB batch at a byte a second and 200 sending their
/// request head at a byte a second, all for 20 s: ordinary requests are answered throughout,
/// the slow heads are cut off by the head timeout, and memory stays flat.
#[test]
fn slow_bodies_and_slow_heads_do_not_stall_the_portal() {
    let mut target = Target::start();
    let (rss_before, _) = target.memory();
    let mut slow_bodies: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(target.addr()).expect("connects");
            let head = format!(
                "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n",
                target.token
            );
            s.write_all(head.as_bytes()).expect("head sent");
            s
        })
        .collect();
    let mut slow_heads: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(target.addr()).expect("connects");
            s.write_all(b"GET /v1/health HTTP/1.1\r\nX-Slow: ")
                .expect("start of head sent");
            s
        })
        .collect();
    let started = Instant::now();
    let mut served = 0;
    let mut peak_rss = 0;
    while started.elapsed() < Duration::from_secs(20) {
        let tick = Instant::now();
        for s in &mut slow_bodies {
            // Best effort: the server may close a connection, which is its right.
            let _ = s.write_all(b" ");
        }
        for s in &mut slow_heads {
            let _ = s.write_all(b"a");
        }
        target.assert_serves(&format!("{:?} into the slow clients", started.elapsed()));
        served += 1;
        peak_rss = peak_rss.max(target.memory().0);
        std::thread::sleep(Duration::from_secs(1).saturating_sub(tick.elapsed()));
    }
    // The head timeout (15 s) has closed every slow head: each read ends (EOF, reset or the
    // 408 hyper may write), within a generous deadline.
    for (i, s) in slow_heads.iter_mut().enumerate() {
        s.set_read_timeout(Some(Duration::from_secs(15)))
            .expect("timeout set");
        let mut rest = Vec::new();
        let ended = s.read_to_end(&mut rest);
        assert!(
            !matches!(&ended, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock || e.kind() == std::io::ErrorKind::TimedOut),
            "slow head {i} still open: {ended:?}"
        );
    }
    drop(slow_bodies);
    target.assert_serves("after the slow clients");
    let (rss_after, peak) = target.memory();
    println!(
        "slow clients: {served} ordinary requests answered; RSS before {rss_before} KiB, during at most {peak_rss} KiB, after {rss_after} KiB, peak {peak} KiB"
    );
    assert!(served >= 15, "only {served} rounds in 20 s");
    assert!(peak < 200 * 1024, "peak RSS {peak} KiB");
}

#[test]
fn an_oversize_event_is_refused_alone_and_an_oversize_batch_unread() {
    let mut target = Target::start();
    let exam_no = target.setup.site_exam_nos()[0].clone();
    let big = printed_event("k1", 1, &exam_no, &"x".repeat(1 << 20));
    let small = printed_event("k1", 2, &exam_no, "ok");
    let batch = json!({"events": [big, small]}).to_string();
    let request = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{batch}",
        target.token,
        batch.len()
    );
    let Answer { status, body, .. } =
        exchange(target.addr(), request.as_bytes(), Duration::from_secs(10)).expect("answer");
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).expect("json answer");
    let results = answer["results"].as_array().expect("results");
    assert_eq!(results[0]["status"], "rejected", "{answer}");
    let reason = results[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("超过"), "{reason}");
    assert_eq!(results[1]["status"], "stored", "{answer}");
    assert_eq!(target.setup.event_count("k1"), (1, 1));
    target.assert_serves("after an oversize event");

    // 9 MB announced and sent: refused as soon as the head is in, nothing stored.
    let huge = 9 << 20;
    let mut stream = TcpStream::connect(target.addr()).expect("connects");
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\n\r\n",
        target.token
    );
    stream.write_all(head.as_bytes()).expect("head sent");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout set");
    let mut answer = [0u8; 512];
    let n = stream.read(&mut answer).expect("413 before the body");
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    // The same length sent as chunks is cut off at the limit.
    let mut stream = TcpStream::connect(target.addr()).expect("connects");
    let head = format!(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        target.token
    );
    stream.write_all(head.as_bytes()).expect("head sent");
    let chunk = vec![b' '; 1 << 20];
    let mut sent = 0;
    while sent < huge {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&framed).is_err() {
            break;
        }
        sent += chunk.len();
    }
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout set");
    let n = stream.read(&mut answer).unwrap_or(0);
    let text = String::from_utf8_lossy(&answer[..n]);
    assert!(n == 0 || text.starts_with("HTTP/1.1 413"), "{text}");
    assert_eq!(target.setup.event_count("k1"), (1, 1));
    target.assert_serves("after oversize batches");
    let (rss, peak) = target.memory();
    println!("oversize: RSS {rss} KiB, peak {peak} KiB");
}

#[test]
fn wrong_methods_and_unknown_paths_are_answered_plainly() {
    let mut target = Target::start();
    let Answer { status, body, .. } = exchange(
        target.addr(),
        b"DELETE /v1/events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .expect("answer");
    assert_eq!(status, 405, "{body}");
    assert!(body.contains("method_not_allowed"), "{body}");
    let status = exchange(
        target.addr(),
        b"GET /v2/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .expect("answer")
    .status;
    assert_eq!(status, 404);
    let status = exchange(target.addr(), b"GARBAGE\r\n\r\n", Duration::from_secs(5))
        .expect("answer")
        .status;
    assert_eq!(status, 400);
    target.assert_serves("after odd requests");
}
