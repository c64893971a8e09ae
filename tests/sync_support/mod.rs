//! Shared by the sync and portal tests: the real portal process on 127.0.0.1, counter
//! databases with events written through `Store::save_intake`, and a fault-injecting proxy.
//! Every wait here is bounded.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use grad_intake::domain::candidate::Candidate;
use grad_intake::domain::intake::{Decision, Intake, IntakeEvent, Tick};
use grad_intake::store::{Actor, Store};
use grad_intake::sync::{Backoff, Endpoint, SyncSettings};

pub const SITE: &str = "9901";

/// 10:00 in Shanghai on a day of the demo batch.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0)
        .single()
        .expect("fixed instant")
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_grad-intake")
}

/// The binary with a clean environment: no configuration file, the fixed clock.
pub fn cmd(dir: &Path) -> Command {
    let mut cmd = Command::new(bin());
    cmd.env_clear()
        .env("GRAD_INTAKE_CONFIG", dir.join("no-config.toml"))
        .env("GRAD_INTAKE_NOW", now().to_rfc3339());
    cmd
}

/// Runs the binary; panics unless it succeeds; returns stdout.
pub fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = cmd(dir).args(args).output().expect("binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{args:?}: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A portal: its database, its roster, and the tokens of its counters.
pub struct PortalSetup {
    pub dir: PathBuf,
    pub db: PathBuf,
    pub roster: Vec<Candidate>,
    pub public_key: String,
}

impl PortalSetup {
    /// keygen + a demo roster of `count` candidates (site 9901, one of them at 0201).
    pub fn new(dir: &Path, count: usize) -> Self {
        let db = dir.join("portal.db");
        let db_arg = db.to_str().expect("utf-8 path");
        let out = run_ok(dir, &["portal", "keygen", "--db", db_arg]);
        let public_key = out
            .lines()
            .last()
            .expect("public key printed")
            .trim()
            .to_owned();
        let key = SigningKey::from_bytes(&[9u8; 32]);
        let roster: Vec<Candidate> = grad_intake::demo::roster(count, 7, now(), &key)
            .expect("demo roster")
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let setup = Self {
            dir: dir.to_owned(),
            db,
            roster,
            public_key,
        };
        setup.import(&setup.roster, None);
        setup
    }

    /// `portal import-roster` of these candidates (and photos from `photos`).
    pub fn import(&self, candidates: &[Candidate], photos: Option<&Path>) -> String {
        let file = self.dir.join("roster.jsonl");
        let text: Vec<String> = candidates
            .iter()
            .map(|c| serde_json::to_string(c).expect("json"))
            .collect();
        std::fs::write(&file, text.join("\n")).expect("roster file written");
        let mut args = vec![
            "portal",
            "import-roster",
            file.to_str().unwrap(),
            "--db",
            self.db.to_str().unwrap(),
        ];
        if let Some(dir) = photos {
            args.extend(["--photos", dir.to_str().unwrap()]);
        }
        run_ok(&self.dir, &args)
    }

    /// `portal add-counter`; returns the token.
    pub fn add_counter(&self, site: &str, counter: &str) -> String {
        let out = run_ok(
            &self.dir,
            &[
                "portal",
                "add-counter",
                "--site",
                site,
                "--counter",
                counter,
                "--db",
                self.db.to_str().unwrap(),
            ],
        );
        out.lines().last().expect("token printed").trim().to_owned()
    }

    /// `portal add-counter` with its clock at `at` (an enrolment code is checked against the
    /// portal's real clock): (token, enrolment code).
    pub fn add_counter_at(&self, site: &str, counter: &str, at: DateTime<Utc>) -> (String, String) {
        let db = self.db.to_str().unwrap();
        let out = cmd(&self.dir)
            .args(["--now", &at.to_rfc3339(), "portal", "add-counter"])
            .args(["--site", site, "--counter", counter, "--db", db])
            .output()
            .expect("binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let token = stdout
            .lines()
            .last()
            .expect("token printed")
            .trim()
            .to_owned();
        (
            token,
            find_code(&stdout).expect("an enrolment code printed"),
        )
    }

    /// Exam numbers of the roster at `SITE`.
    pub fn site_exam_nos(&self) -> Vec<String> {
        self.roster
            .iter()
            .filter(|c| c.site_code == SITE)
            .map(|c| c.exam_no.to_string())
            .collect()
    }

    /// A candidate of the roster at another site than `SITE`.
    pub fn other_site_exam_no(&self) -> String {
        self.roster
            .iter()
            .find(|c| c.site_code != SITE)
            .expect("the demo roster has a candidate of another site")
            .exam_no
            .to_string()
    }

    /// Imports the roster again with one demo photo for each of `exam_nos`; returns the JPEG
    /// and what the import printed.
    pub fn import_photos(&self, exam_nos: &[&str]) -> (Vec<u8>, String) {
        let photos = self.dir.join("photos");
        std::fs::create_dir_all(&photos).expect("photo directory");
        let jpeg = grad_intake::demo::photo::demo_photo(1).expect("demo photo");
        for exam in exam_nos {
            std::fs::write(photos.join(format!("{exam}.jpg")), &jpeg).expect("photo written");
        }
        let out = self.import(&self.roster, Some(&photos));
        (jpeg, out)
    }

    pub fn conn(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.db).expect("portal db opens")
    }

    pub fn event_count(&self, counter: &str) -> (i64, i64) {
        self.conn()
            .query_row(
                "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM events WHERE counter_id = ?1",
                [counter],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("count")
    }
}

/// The first enrolment code (`XXXX-XXXX-XXXX-XXXX`) in `text`.
pub fn find_code(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let is_code_char = |c: &char| c.is_ascii_digit() || c.is_ascii_uppercase();
    chars.windows(19).find_map(|w| {
        let ok = w.iter().enumerate().all(|(i, c)| {
            if i % 5 == 4 {
                *c == '-'
            } else {
                is_code_char(c)
            }
        });
        ok.then(|| w.iter().collect())
    })
}

/// `grad-intake portal serve` as a child process on 127.0.0.1.
pub struct PortalProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl PortalProcess {
    /// Starts on `port` (0: any free port) and waits for the address it prints.
    pub fn start(setup: &PortalSetup, port: u16) -> Self {
        Self::start_full(setup, port, now(), &[])
    }

    /// As `start`, with more arguments of `portal serve` (e.g. `--tls-cert`).
    pub fn start_with(setup: &PortalSetup, port: u16, extra: &[&str]) -> Self {
        Self::start_full(setup, port, now(), extra)
    }

    /// The same with the portal's clock standing at `clock` (`--now`).
    pub fn start_at(setup: &PortalSetup, port: u16, clock: DateTime<Utc>) -> Self {
        Self::start_full(setup, port, clock, &[])
    }

    fn start_full(setup: &PortalSetup, port: u16, clock: DateTime<Utc>, extra: &[&str]) -> Self {
        let mut child = cmd(&setup.dir)
            .env("GRAD_INTAKE_NOW", clock.to_rfc3339())
            .args([
                "portal",
                "serve",
                "--db",
                setup.db.to_str().unwrap(),
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("portal starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("portal prints its address");
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| {
                rest.split(|c: char| !(c.is_ascii_digit() || c == '.' || c == ':'))
                    .next()
            })
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Self { child, addr }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process has ended (and how).
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("portal process status")
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PortalProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sync settings for tests: short waits so that a run with many faults stays short.
pub fn settings(url: &str, token: &str, site: &str, counter: &str) -> SyncSettings {
    SyncSettings {
        endpoint: Endpoint {
            url: url.to_owned(),
            token: token.to_owned(),
            site_code: site.to_owned(),
            counter_id: counter.to_owned(),
            timeout: Duration::from_secs(2),
            ca_file: None,
        },
        batch_size: 500,
        roster_page: 500,
        backoff: Backoff {
            base: Duration::from_millis(20),
            max: Duration::from_millis(200),
        },
        max_failures: 3,
        interval: Duration::from_secs(60),
        probe_every: grad_intake::sync::planner::HealthProbe::EVERY,
        // The portal process's clock is `now()` too (GRAD_INTAKE_NOW): no offset between them.
        fixed_now: Some(now()),
    }
}

/// A counter's configuration file for the binary.
pub fn write_config(path: &Path, url: &str, token: &str, site: &str, counter: &str) {
    let text = format!(
        "site_code = \"{site}\"\ncounter_id = \"{counter}\"\nportal_url = \"{url}\"\nportal_token = \"{token}\"\n"
    );
    std::fs::write(path, text).expect("config written");
}

/// One visit at `counter`: the file opened, `ticks` items ticked, then accepted; written with
/// `Store::save_intake` like the counter screen does. Returns the intake.
pub fn accept(
    store: &mut Store,
    counter: &str,
    exam_no: &str,
    ticks: usize,
    at: DateTime<Utc>,
) -> Intake {
    let mut intake = Intake::new(uuid::Uuid::now_v7().to_string(), exam_no.to_owned());
    let mut events: Vec<IntakeEvent> = intake.open().expect("opens").into_iter().collect();
    for k in 0..ticks {
        let tick = Tick {
            copy_kept: true,
            ..Tick::default()
        };
        events.push(IntakeEvent::ItemTicked {
            intake_id: intake.id.clone(),
            item: format!("item{k}"),
            tick,
        });
    }
    events.push(
        intake
            .accept(
                &[],
                &[],
                Decision {
                    at,
                    clerk_id: "c01".into(),
                },
            )
            .expect("accepts"),
    );
    let actor = Actor {
        counter_id: counter,
        clerk_id: "c01",
        at,
    };
    store.save_intake(&intake, &events, &actor).expect("saved");
    intake
}

/// A supervisor voids an accepted file.
pub fn void(store: &mut Store, counter: &str, intake: &mut Intake, at: DateTime<Utc>) {
    let event = intake
        .void(
            "误受理",
            Decision {
                at,
                clerk_id: "s01".into(),
            },
        )
        .expect("voids");
    let actor = Actor {
        counter_id: counter,
        clerk_id: "s01",
        at,
    };
    store.save_intake(intake, &[event], &actor).expect("saved");
}

/// `count` events: visits of `per_visit` events each (open, ticks, accept) over `exam_nos`.
pub fn record_events(
    store: &mut Store,
    counter: &str,
    exam_nos: &[String],
    count: usize,
    per_visit: usize,
) {
    assert!(
        per_visit >= 2 && count.is_multiple_of(per_visit) && count / per_visit <= exam_nos.len()
    );
    for (i, exam_no) in exam_nos.iter().take(count / per_visit).enumerate() {
        accept(
            store,
            counter,
            exam_no,
            per_visit - 2,
            now() + chrono::Duration::seconds(i as i64),
        );
    }
}

/// What the proxy does with one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    Pass,
    /// Closes the connection without an answer; the portal never sees the request.
    Drop,
    /// Answers nothing for this long, then closes (the client times out first).
    Hang(Duration),
    /// Answers with this status (and `Retry-After: 1` for 429) without asking the portal.
    Status(u16),
    /// Forwards; the portal stores the batch; the answer is thrown away.
    LoseResponse,
}

/// One request as the proxy saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    pub fault: Fault,
}

type Plan = dyn Fn(&str, &str, &[u8], usize) -> Fault + Send + Sync;

/// A fault-injecting HTTP proxy on 127.0.0.1: one request per connection, forwarded to
/// `upstream` unless `plan(method, path, body, n)` (n counts requests) says otherwise.
pub struct Proxy {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    pub fn start(
        upstream: SocketAddr,
        plan: impl Fn(&str, &str, &[u8], usize) -> Fault + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy binds");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("proxy address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let plan: Arc<Plan> = Arc::new(plan);
        let (seen2, stop2) = (Arc::clone(&seen), Arc::clone(&stop));
        let thread =
            std::thread::spawn(move || accept_loop(&listener, upstream, &plan, &seen2, &stop2));
        Self {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Accepts for at most two minutes, or until stopped.
fn accept_loop(
    listener: &TcpListener,
    upstream: SocketAddr,
    plan: &Arc<Plan>,
    seen: &Arc<Mutex<Vec<Seen>>>,
    stop: &AtomicBool,
) {
    let deadline = Instant::now() + Duration::from_secs(120);
    let counter = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => {
                let (plan, seen, counter) =
                    (Arc::clone(plan), Arc::clone(seen), Arc::clone(&counter));
                std::thread::spawn(move || {
                    let _ = handle(stream, upstream, &plan, &seen, &counter);
                });
            }
            Err(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
}

fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    plan: &Arc<Plan>,
    seen: &Mutex<Vec<Seen>>,
    counter: &AtomicUsize,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(Duration::from_secs(10)))?;
    let Some((head, body)) = read_request(&mut client)? else {
        return Ok(());
    };
    let first = head.lines().next().unwrap_or_default().to_owned();
    let mut parts = first.split(' ');
    let (method, path) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let fault = plan(&method, &path, &body, n);
    seen.lock().expect("lock").push(Seen {
        method,
        path,
        body: body.clone(),
        fault: fault.clone(),
    });
    match fault {
        Fault::Drop => Ok(()),
        Fault::Hang(d) => {
            std::thread::sleep(d);
            Ok(())
        }
        Fault::Status(code) => {
            let extra = if code == 429 {
                "Retry-After: 1\r\n"
            } else {
                ""
            };
            let body = r#"{"error":{"kind":"injected","message":"故障注入"}}"#;
            write!(
                client,
                "HTTP/1.1 {code} Injected\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
        }
        Fault::Pass | Fault::LoseResponse => {
            let answer = forward(upstream, &head, &body)?;
            if fault == Fault::Pass {
                client.write_all(&answer)?;
            }
            Ok(())
        }
    }
}

/// Reads one request: head (up to the blank line) and a `Content-Length` body.
fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut reader = BufReader::new(stream);
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some((head, body)))
}

/// Sends the request upstream with `Connection: close` and reads the whole answer.
fn forward(upstream: SocketAddr, head: &str, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect_timeout(&upstream, Duration::from_secs(5))?;
    server.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut lines: Vec<&str> = head.trim_end().split("\r\n").collect();
    lines.retain(|l| !l.to_ascii_lowercase().starts_with("connection:"));
    let head = format!("{}\r\nConnection: close\r\n\r\n", lines.join("\r\n"));
    server.write_all(head.as_bytes())?;
    server.write_all(body)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;
    Ok(answer)
}

/// An HTTP answer read off a raw socket.
pub struct Answer {
    pub status: u16,
    /// The status line and headers, lower-cased.
    pub head: String,
    pub body: String,
}

/// Sends `request` and reads the answer until the server closes, within `timeout`.
pub fn exchange(addr: SocketAddr, request: &[u8], timeout: Duration) -> std::io::Result<Answer> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request)?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&chunk[..n]),
            // The server may close while unread request bytes are in flight: a reset after the
            // answer arrived still leaves the answer.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && !answer.is_empty() => {
                break;
            }
            Err(e) => return Err(e),
        }
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line in {text:?}")))?;
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Ok(Answer {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    })
}

/// A `printed` event of `counter` for `exam_no` as it travels (any JSON object body is kept).
pub fn printed_event(counter: &str, seq: i64, exam_no: &str, note: &str) -> serde_json::Value {
    serde_json::json!({"event_id": uuid::Uuid::now_v7().to_string(), "counter_id": counter,
        "seq": seq, "kind": "printed", "exam_no": exam_no, "at": "2026-11-20T02:00:00Z",
        "clerk_id": "c01", "body": {"type": "printed", "exam_no": exam_no, "note": note}})
}
