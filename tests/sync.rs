//! End-to-end sync (DESIGN §4, issue 6): the real portal process (`grad-intake portal serve`) on
//! 127.0.0.1, real counter databases in temporary directories, and a fault-injecting proxy.

mod sync_support;

use std::path::Path;
use std::process::Output;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use grad_intake::store::Store;
use grad_intake::sync::{self, Client, Link, SyncError, SyncStatus};
use sync_support::*;

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temporary directory")
}

fn counter_db(dir: &Path, name: &str) -> Store {
    Store::open(&dir.join(format!("{name}.db"))).expect("counter db opens")
}

/// A portal serving `candidates` on a free port, with one counter, "c1" at `SITE`, let in:
/// (its directory, the portal, c1's token, the process). Bound in this order, the process is
/// stopped before the directory is removed.
fn portal_with_c1(candidates: usize) -> (tempfile::TempDir, PortalSetup, String, PortalProcess) {
    let dir = tempdir();
    let portal = PortalSetup::new(dir.path(), candidates);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    (dir, portal, token, server)
}

/// `grad-intake --db DB sync --once` with the configuration file `cfg`.
fn sync_once(dir: &Path, cfg: &Path, db: &Path) -> Output {
    cmd(dir)
        .env("GRAD_INTAKE_CONFIG", cfg)
        .args(["--db", db.to_str().unwrap(), "sync", "--once"])
        .output()
        .expect("sync runs")
}

fn sync_states(store: &Store) -> Vec<(String, i64)> {
    let mut stmt = store
        .connection()
        .prepare("SELECT sync_state, COUNT(*) FROM events GROUP BY sync_state ORDER BY sync_state")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn two_offline_counters_accept_the_same_candidate_and_both_see_the_conflict() {
    let dir = tempdir();
    let portal = PortalSetup::new(dir.path(), 30);
    let (t1, t2) = (
        portal.add_counter(SITE, "c1"),
        portal.add_counter(SITE, "c2"),
    );
    let server = PortalProcess::start(&portal, 0);
    let (cfg1, cfg2) = (dir.path().join("c1.toml"), dir.path().join("c2.toml"));
    write_config(&cfg1, &server.url(), &t1, SITE, "c1");
    write_config(&cfg2, &server.url(), &t2, SITE, "c2");
    let sync_cli = |cfg: &Path, db: &str| sync_once(dir.path(), cfg, &dir.path().join(db));
    // Both counters get the roster while online...
    for (cfg, db) in [(&cfg1, "c1.db"), (&cfg2, "c2.db")] {
        let out = sync_cli(cfg, db);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("名单更新 29 人"));
    }
    // ...then, offline, both accept the same candidate; counter 1 also another one.
    let exam = portal.site_exam_nos();
    let mut intake_2 = {
        let (mut s1, mut s2) = (counter_db(dir.path(), "c1"), counter_db(dir.path(), "c2"));
        assert_eq!(s1.roster_count().unwrap(), 29);
        accept(&mut s1, "c1", &exam[0], 1, now());
        accept(&mut s1, "c1", &exam[1], 1, now());
        accept(
            &mut s2,
            "c2",
            &exam[0],
            1,
            now() + chrono::Duration::minutes(5),
        )
    };
    for (cfg, db) in [(&cfg1, "c1.db"), (&cfg2, "c2.db")] {
        let out = sync_cli(cfg, db);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for (token, counter) in [(&t1, "c1"), (&t2, "c2")] {
        let client = Client::new(&settings(&server.url(), token, SITE, counter).endpoint).unwrap();
        let conflicts = client.conflicts().unwrap().conflicts;
        assert_eq!(conflicts.len(), 1, "{counter}: {conflicts:?}");
        assert_eq!(conflicts[0].exam_no, exam[0]);
        let counters: Vec<&str> = conflicts[0]
            .counters
            .iter()
            .map(|c| c.counter_id.as_str())
            .collect();
        assert_eq!(counters, ["c1", "c2"]);
        let tally = client
            .tally(Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()))
            .unwrap();
        assert_eq!((tally.totals.accepted, tally.totals.opened), (3, 3));
        assert_eq!(tally.by_counter["c1"].accepted, 2);
        assert_eq!(tally.not_seen, 27);
    }
    // The supervisor voids one of the two: the conflict is resolved.
    void(
        &mut counter_db(dir.path(), "c2"),
        "c2",
        &mut intake_2,
        now() + chrono::Duration::hours(1),
    );
    assert!(sync_cli(&cfg2, "c2.db").status.success());
    let client = Client::new(&settings(&server.url(), &t1, SITE, "c1").endpoint).unwrap();
    assert!(client.conflicts().unwrap().conflicts.is_empty());
}

/// The schedule of faults for `POST /v1/events`, request by request; then everything passes.
fn faulty(n: usize) -> Fault {
    use Fault::*;
    let hang = Hang(Duration::from_millis(1_500));
    let plan = [
        Pass,
        Drop,
        LoseResponse,
        Pass,
        Status(500),
        hang.clone(),
        LoseResponse,
        Status(429),
        Pass,
        Drop,
        LoseResponse,
        Status(503),
        Pass,
        Status(429),
        LoseResponse,
        hang,
        Pass,
        LoseResponse,
        Drop,
        Pass,
    ];
    plan.get(n).cloned().unwrap_or(Pass)
}

#[test]
fn ten_thousand_events_through_a_faulty_network_arrive_exactly_once() {
    let started = Instant::now();
    let (dir, portal, token, server) = portal_with_c1(1_100);
    let events_seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&events_seen);
    let proxy = Proxy::start(server.addr, move |method, path, _, _| {
        if method == "POST" && path == "/v1/events" {
            faulty(counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
        } else {
            Fault::Pass
        }
    });
    let mut store = counter_db(dir.path(), "c1");
    let exam = portal.site_exam_nos();
    record_events(&mut store, "c1", &exam, 10_000, 10);
    assert_eq!(store.unsent_count("c1").unwrap(), 10_000);

    let mut s = settings(&proxy.url(), &token, SITE, "c1");
    s.endpoint.timeout = Duration::from_secs(1);
    s.max_failures = 8;
    let report =
        sync::run_round(&s, &dir.path().join("c1.db"), &mut |_| {}).expect("sync completes");

    let seen = proxy.seen();
    let lost = seen
        .iter()
        .filter(|r| r.fault == Fault::LoseResponse)
        .count();
    assert!(
        lost >= 5 && seen.iter().any(|r| matches!(r.fault, Fault::Hang(_))),
        "{lost} lost"
    );
    assert_eq!(
        portal.event_count("c1"),
        (10_000, 10_000),
        "exactly those events, no duplicates"
    );
    assert_eq!(store.unsent_count("c1").unwrap(), 0, "the queue is empty");
    assert_eq!(sync_states(&store), [("sent".to_owned(), 10_000)]);
    assert_eq!(
        report.stored + report.duplicates,
        10_000,
        "each event answered once: {report:?}"
    );
    assert!(
        report.duplicates > 0,
        "lost answers were retried and recognised: {report:?}"
    );
    let missing: i64 = {
        let conn = portal.conn();
        conn.execute(
            &format!(
                "ATTACH DATABASE '{}' AS counter",
                dir.path().join("c1.db").display()
            ),
            [],
        )
        .unwrap();
        conn.query_row(
            "SELECT COUNT(*) FROM counter.events c WHERE NOT EXISTS (SELECT 1 FROM main.events p WHERE p.event_id = c.event_id AND p.seq = c.seq)",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(
        missing, 0,
        "every counter event is at the portal with its sequence number"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn portal_killed_and_restarted_mid_sync_loses_and_doubles_nothing() {
    let (dir, portal, token, server) = portal_with_c1(1_100);
    let addr = server.addr;
    let mut store = counter_db(dir.path(), "c1");
    record_events(&mut store, "c1", &portal.site_exam_nos(), 6_000, 6);
    let mut s = settings(&server.url(), &token, SITE, "c1");
    s.batch_size = 50;
    s.max_failures = 30;
    s.backoff.base = Duration::from_millis(50);
    let db = dir.path().join("c1.db");
    let worker = std::thread::spawn(move || sync::run_round(&s, &db, &mut |_| {}));
    // Kill once some, but not all, batches are in.
    let deadline = Instant::now() + Duration::from_secs(30);
    while portal.event_count("c1").0 == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    server.kill();
    let at_kill = portal.event_count("c1").0;
    assert!(
        at_kill > 0 && at_kill < 6_000,
        "killed mid-sync: {at_kill} stored"
    );
    std::thread::sleep(Duration::from_millis(300));
    let _restarted = PortalProcess::start(&portal, addr.port());
    let report = worker
        .join()
        .expect("sync thread")
        .expect("sync completes after the restart");
    assert_eq!(portal.event_count("c1"), (6_000, 6_000));
    assert_eq!(store.unsent_count("c1").unwrap(), 0);
    assert_eq!(report.rejected, 0);
}

#[test]
fn a_rejected_event_does_not_stop_the_others() {
    let (dir, portal, token, server) = portal_with_c1(30);
    let exam = portal.site_exam_nos();
    let mut store = counter_db(dir.path(), "c1");
    accept(&mut store, "c1", &exam[0], 2, now());
    // A candidate the portal's roster does not have: 4 events, all refused.
    accept(&mut store, "c1", "990199999999", 2, now());
    accept(&mut store, "c1", &exam[1], 2, now());
    let cfg = dir.path().join("c1.toml");
    write_config(&cfg, &server.url(), &token, SITE, "c1");
    let out = sync_once(dir.path(), &cfg, &dir.path().join("c1.db"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("拒收 4 条") && stdout.contains("考试院名单中没有该考生：990199999999"),
        "{stdout}"
    );
    // Listed at the office's local time (the events were made at 02:00 UTC).
    assert!(
        stdout.contains("990199999999 2026-11-20 10:00:00"),
        "{stdout}"
    );
    assert_eq!(
        sync_states(&store),
        [("rejected".to_owned(), 4), ("sent".to_owned(), 8)]
    );
    assert_eq!(portal.event_count("c1"), (8, 8));
    let rejected = store.rejected_events(10).unwrap();
    assert!(
        rejected
            .iter()
            .all(|e| e.exam_no.as_deref() == Some("990199999999")),
        "{rejected:?}"
    );
    // Later events still go; the refused ones are not sent again.
    accept(&mut store, "c1", &exam[2], 0, now());
    let report = sync::run_round(
        &settings(&server.url(), &token, SITE, "c1"),
        &dir.path().join("c1.db"),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!((report.stored, report.rejected), (2, 0));
}

#[test]
fn a_batch_refused_as_a_whole_is_split_until_the_bad_event_is_alone() {
    let (dir, portal, token, server) = portal_with_c1(100);
    let mut store = counter_db(dir.path(), "c1");
    record_events(&mut store, "c1", &portal.site_exam_nos(), 400, 5);
    let poison: String = store
        .connection()
        .query_row("SELECT event_id FROM events WHERE seq = 123", [], |r| {
            r.get(0)
        })
        .unwrap();
    let needle = poison.clone();
    // A gateway that refuses (400) any batch containing one particular event.
    let proxy = Proxy::start(server.addr, move |_, _, body, _| {
        if String::from_utf8_lossy(body).contains(&needle) {
            Fault::Status(400)
        } else {
            Fault::Pass
        }
    });
    let mut s = settings(&proxy.url(), &token, SITE, "c1");
    s.batch_size = 64;
    let report = sync::run_round(&s, &dir.path().join("c1.db"), &mut |_| {}).unwrap();
    assert_eq!((report.stored, report.rejected), (399, 1));
    let rejected = store.rejected_events(5).unwrap();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].event_id, poison);
    assert!(
        rejected[0].error.contains("HTTP 400"),
        "{}",
        rejected[0].error
    );
    assert_eq!(portal.event_count("c1"), (399, 399));
}

#[test]
fn an_interrupted_roster_pull_resumes_from_its_cursor_and_changes_arrive() {
    let (dir, mut portal, token, server) = portal_with_c1(1_000);
    let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let cut2 = std::sync::Arc::clone(&cut);
    let roster_requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let rr = std::sync::Arc::clone(&roster_requests);
    // The 4th roster page is cut off while `cut` is set.
    let proxy = Proxy::start(server.addr, move |_, path, _, _| {
        let n = if path.contains("/roster") {
            rr.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        } else {
            99
        };
        if n == 3 && cut2.load(std::sync::atomic::Ordering::SeqCst) {
            Fault::Drop
        } else {
            Fault::Pass
        }
    });
    let db = dir.path().join("c1.db");
    let mut s = settings(&proxy.url(), &token, SITE, "c1");
    s.roster_page = 100;
    s.max_failures = 0;
    let err = sync::run_round(&s, &db, &mut |_| {}).unwrap_err();
    assert!(err.is_retryable(), "{err}");
    let store = Store::open(&db).unwrap();
    assert_eq!(
        store.roster_count().unwrap(),
        300,
        "three pages stored before the cut"
    );
    let (_, cursor) = store.roster_position(SITE).unwrap().expect("cursor saved");
    assert_eq!(
        store.roster_current_at(SITE).unwrap(),
        None,
        "not at the end yet"
    );
    cut.store(false, std::sync::atomic::Ordering::SeqCst);
    let before = chrono::Utc::now();
    let report = sync::run_round(&s, &db, &mut |_| {}).unwrap();
    assert_eq!(report.roster_received, 699);
    assert_eq!(store.roster_count().unwrap(), 999);
    let current = store
        .roster_current_at(SITE)
        .unwrap()
        .expect("pull reached the end");
    assert!(
        current >= before - chrono::TimeDelta::seconds(1),
        "{current}"
    );
    let resumed = proxy
        .seen()
        .into_iter()
        .filter(|r| r.path.contains("/roster"))
        .nth(4)
        .unwrap();
    assert!(
        resumed.path.contains(&format!("cursor={cursor}&")),
        "resumed at {cursor}: {}",
        resumed.path
    );

    // The portal changes one candidate and gives another a photo: only those two come down.
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let jpeg = grad_intake::demo::photo::demo_photo(3).unwrap();
    let exam = portal.site_exam_nos();
    std::fs::write(photos.join(format!("{}.jpg", exam[5])), &jpeg).unwrap();
    let changed = portal
        .roster
        .iter()
        .position(|c| c.exam_no.as_str() == exam[4])
        .unwrap();
    portal.roster[changed].name = "演示改名".into();
    let out = portal.import(&portal.roster, Some(&photos));
    assert!(out.contains("更新 2") && out.contains("照片 1 张"), "{out}");
    let report = sync::run_round(&s, &db, &mut |_| {}).unwrap();
    assert_eq!((report.roster_received, report.photos_received), (2, 1));
    assert_eq!(store.candidate(&exam[4]).unwrap().unwrap().name, "演示改名");
    assert_eq!(store.photo(&exam[5]).unwrap().as_deref(), Some(&jpeg[..]));
    // Nothing changed since: nothing comes down.
    let report = sync::run_round(&s, &db, &mut |_| {}).unwrap();
    assert_eq!((report.roster_received, report.photos_received), (0, 0));
}

#[test]
fn wrong_token_other_site_and_plain_http_are_refused() {
    let dir = tempdir();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let other_site = portal.add_counter("0201", "sg-1");
    let server = PortalProcess::start(&portal, 0);
    let mut store = counter_db(dir.path(), "c1");
    accept(&mut store, "c1", &portal.site_exam_nos()[0], 0, now());
    let db = dir.path().join("c1.db");
    let round = |token: &str, site: &str, counter: &str| {
        sync::run_round(
            &settings(&server.url(), token, site, counter),
            &db,
            &mut |_| {},
        )
        .unwrap_err()
    };

    let err = round("not-a-token", SITE, "c1");
    assert!(matches!(err, SyncError::Unauthorized(_)), "{err}");
    assert!(
        err.to_string().contains("portal_token") && err.to_string().contains("401"),
        "{err}"
    );
    // Another site's token used for this counter's events and this site's roster.
    let err = round(&other_site, SITE, "c1");
    assert!(matches!(err, SyncError::Forbidden(_)), "{err}");
    assert!(err.to_string().contains("其他柜台的事件"), "{err}");
    let err = round(&other_site, SITE, "sg-1");
    assert!(err.to_string().contains("不属于该办理点"), "{err}");
    assert_eq!(store.unsent_count("c1").unwrap(), 2, "nothing was marked");

    // Plain http to an address off this machine: refused before any connection attempt
    // (192.0.2.1 is TEST-NET-1; nothing is sent there).
    let t = Instant::now();
    let err = sync::run_round(
        &settings("http://192.0.2.1:8080", &token, SITE, "c1"),
        &db,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, SyncError::InsecureUrl(_)), "{err}");
    assert!(t.elapsed() < Duration::from_millis(200));
    let cfg = dir.path().join("insecure.toml");
    write_config(&cfg, "http://192.0.2.1:8080", &token, SITE, "c1");
    let out = sync_once(dir.path(), &cfg, &db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("https://") && stderr.contains("未发出任何连接"),
        "{stderr}"
    );
    assert!(
        sync::spawn_worker(
            settings("http://10.1.2.3", &token, SITE, "c1"),
            db.clone(),
            |_| {}
        )
        .is_err()
    );
    // With the right token all goes through.
    let report = sync::run_round(
        &settings(&server.url(), &token, SITE, "c1"),
        &db,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.stored, 2);
}

#[test]
fn supervisor_acts_reach_the_portal_and_count_as_no_visit() {
    use grad_intake::domain::intake::Intake;
    use grad_intake::domain::supervision::Override;
    use grad_intake::store::{Actor, Role};
    let (dir, portal, token, server) = portal_with_c1(30);
    let exam = portal.site_exam_nos();
    let mut store = counter_db(dir.path(), "c1");
    store
        .add_clerk(
            "s01",
            "演示主管",
            Role::Supervisor,
            "9999",
            "os:test",
            now(),
        )
        .unwrap();
    store
        .add_clerk("c01", "演示柜员", Role::Clerk, "1111", "s01", now())
        .unwrap();
    let approval = |exam_no: &str| {
        Override::grant(
            exam_no.to_owned(),
            "s01".into(),
            vec!["outside_window".into()],
            now(),
            chrono::Duration::minutes(15),
        )
    };
    // As the counter screen does: the approval is logged, then the file it was given for opens.
    let intake_id = uuid::Uuid::now_v7().to_string();
    store
        .record_override(&approval(&exam[0]), &intake_id, "c1", now())
        .unwrap();
    let mut intake = Intake::new(intake_id, exam[0].clone());
    let opened = intake.open().unwrap().into_iter().collect::<Vec<_>>();
    let clerk = Actor {
        counter_id: "c1",
        clerk_id: "c01",
        at: now(),
    };
    store.save_intake(&intake, &opened, &clerk).unwrap();
    // An approval whose file was never saved: the candidate comes from the event's body.
    let unsaved = uuid::Uuid::now_v7().to_string();
    store
        .record_override(&approval(&exam[1]), &unsaved, "c1", now())
        .unwrap();
    // About no candidate at all.
    store.unlock_clerk("c01", "s01", "c1", now()).unwrap();

    let s = settings(&server.url(), &token, SITE, "c1");
    let report = sync::run_round(&s, &dir.path().join("c1.db"), &mut |_| {}).unwrap();
    assert_eq!((report.stored, report.rejected), (4, 0), "{report:?}");
    assert_eq!(sync_states(&store), [("sent".to_owned(), 4)]);
    let conn = portal.conn();
    let mut stmt = conn
        .prepare(
            "SELECT kind, exam_no, clerk_id, body FROM events WHERE counter_id = 'c1' ORDER BY seq",
        )
        .unwrap();
    let stored: Vec<(String, Option<String>, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let kinds: Vec<(&str, Option<&str>, &str)> = stored
        .iter()
        .map(|(k, e, c, _)| (k.as_str(), e.as_deref(), c.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("override_granted", Some(exam[0].as_str()), "s01"),
            ("intake_opened", Some(exam[0].as_str()), "c01"),
            ("override_granted", Some(exam[1].as_str()), "s01"),
            ("clerk_unlocked", None, "s01"),
        ]
    );
    let body: serde_json::Value = serde_json::from_str(&stored[0].3).unwrap();
    assert_eq!(body["reasons"], serde_json::json!(["outside_window"]));
    assert_eq!(body["expires_at"], "2026-11-20T02:15:00Z");
    // Approvals and unlocks are kept, not counted: the office's numbers show one visit.
    let client = Client::new(&s.endpoint).unwrap();
    let tally = client
        .tally(Some(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()))
        .unwrap();
    assert_eq!(
        (
            tally.totals.opened,
            tally.totals.accepted,
            tally.by_clerk.len()
        ),
        (1, 0, 1)
    );
    // Sent once: the next round has nothing to push.
    let report = sync::run_round(&s, &dir.path().join("c1.db"), &mut |_| {}).unwrap();
    assert_eq!(report.stored + report.duplicates, 0);
}

/// Waits (bounded) for a status that satisfies `want`.
fn wait_for(rx: &mpsc::Receiver<SyncStatus>, want: impl Fn(&SyncStatus) -> bool) -> SyncStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let status = rx.recv_timeout(left).expect("status in time");
        if want(&status) {
            return status;
        }
    }
}

#[test]
fn background_worker_reports_status_and_syncs_on_demand() {
    let (dir, portal, token, server) = portal_with_c1(30);
    let exam = portal.site_exam_nos();
    let db = dir.path().join("c1.db");
    let mut store = Store::open(&db).unwrap();
    accept(&mut store, "c1", &exam[0], 1, now());
    let (tx, rx) = mpsc::channel();
    let worker = sync::spawn_worker(
        settings(&server.url(), &token, SITE, "c1"),
        db.clone(),
        move |s| {
            let _ = tx.send(s);
        },
    )
    .unwrap();
    let first = wait_for(&rx, |_| true);
    assert_eq!((first.link, first.label()), (Link::Syncing, "同步中"));
    let online = wait_for(&rx, |s| s.link == Link::Online);
    assert_eq!((online.pending, online.label()), (0, "在线"));
    assert!(online.last_success.is_some() && online.last_error.is_none());
    // A new event is seen while idle, and "sync now" sends it.
    accept(&mut store, "c1", &exam[1], 0, now());
    wait_for(&rx, |s| s.pending == 2);
    worker.sync_now();
    wait_for(&rx, |s| s.link == Link::Online && s.pending == 0);
    assert_eq!(portal.event_count("c1").0, 5);
    // The portal goes away: offline, with a Chinese error, and the events wait.
    server.kill();
    accept(&mut store, "c1", &exam[2], 0, now());
    worker.sync_now();
    let offline = wait_for(&rx, |s| s.link == Link::Offline);
    assert_eq!(offline.label(), "离线");
    assert!(
        offline
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("无法连接"),
        "{offline:?}"
    );
    assert_eq!(store.unsent_count("c1").unwrap(), 2);
    worker.stop();
}

#[test]
fn sync_once_prints_the_clock_offset_measured_against_the_portal() {
    let (dir, _portal, token, server) = portal_with_c1(30);
    drop(counter_db(dir.path(), "c1"));
    let cfg = dir.path().join("c1.toml");
    write_config(&cfg, &server.url(), &token, SITE, "c1");
    let db = dir.path().join("c1.db");
    let out = sync_once(dir.path(), &cfg, &db);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    // The counter and the portal read this machine's clock: well under a second, no warning.
    assert!(
        stdout.contains("本机时钟比考试院") && !stdout.contains("超过 2 分钟"),
        "{stdout}"
    );
    let report = sync::run_round(
        &settings(&server.url(), &token, SITE, "c1"),
        &db,
        &mut |_| {},
    )
    .expect("round");
    let ms = report.clock_offset_ms.expect("offset measured");
    assert!(ms.abs() < 2_000, "{ms} ms");
}

/// Waits (bounded by `within`) for a status that satisfies `want`; the time it took.
fn seen_within(
    rx: &mpsc::Receiver<SyncStatus>,
    within: Duration,
    want: impl Fn(&SyncStatus) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        let left = within.saturating_sub(start.elapsed());
        match rx.recv_timeout(left) {
            Ok(status) if want(&status) => return start.elapsed(),
            Ok(_) => {}
            Err(e) => panic!("no such status within {within:?}: {e}"),
        }
    }
}

/// Between rounds nobody asks the portal anything, yet the slot follows it: the health probe
/// says 离线 within 10 s of the portal going away, counts what is made meanwhile, and on its
/// return says 在线 and sends everything within 10 s, without "sync now" and without waiting
/// for the next round (60 s away).
#[test]
fn the_health_probe_follows_the_portal_between_rounds() {
    let (dir, portal, token, server) = portal_with_c1(30);
    let exam = portal.site_exam_nos();
    let db = dir.path().join("c1.db");
    let mut store = Store::open(&db).unwrap();
    let (tx, rx) = mpsc::channel();
    let addr = server.addr;
    let worker = sync::spawn_worker(
        settings(&server.url(), &token, SITE, "c1"),
        db.clone(),
        move |s| {
            let _ = tx.send(s);
        },
    )
    .unwrap();
    wait_for(&rx, |s| s.link == Link::Online);
    server.kill();
    let lost = seen_within(&rx, Duration::from_secs(10), |s| s.link == Link::Offline);
    eprintln!("offline after {lost:?}");
    accept(&mut store, "c1", &exam[0], 1, now());
    seen_within(&rx, Duration::from_secs(10), |s| {
        s.link == Link::Offline && s.pending == 3
    });
    let _restarted = PortalProcess::start(&portal, addr.port());
    let back = seen_within(&rx, Duration::from_secs(10), |s| {
        s.link == Link::Online && s.pending == 0
    });
    eprintln!("online with nothing pending after {back:?}");
    assert_eq!(portal.event_count("c1").0, 3);
    worker.stop();
}
