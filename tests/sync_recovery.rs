//! Issue 15, items 2–4: a counter restored from a backup takes back what its database lost, a
//! cloned counter is refused and reported, and counters with wrong clocks are warned, their
//! offsets recorded and their decisions filed under their true days. The real portal process
//! on 127.0.0.1, real counter databases.

mod sync_support;

use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use grad_intake::domain::intake::IntakeState;
use grad_intake::store::Store;
use grad_intake::sync::{self, Client, RoundReport, SyncError, SyncSettings};
use sync_support::*;

fn open(db: &Path) -> Store {
    Store::open(db).expect("counter db opens")
}

fn round(s: &SyncSettings, db: &Path) -> RoundReport {
    sync::run_round(s, db, &mut |_| {}).expect("round completes")
}

/// A copy of the database as a backup tool makes it (consistent, one file).
fn backup(db: &Path, to: &Path) {
    open(db)
        .connection()
        .execute("VACUUM INTO ?1", [to.to_str().unwrap()])
        .expect("backup");
}

/// Puts a backup back in place of the database (its journal files go with the old one).
fn restore(from: &Path, db: &Path) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(from, db).expect("restored");
}

/// (exam number, how many `accepted` events) the portal holds for `counter`.
fn portal_acceptances(portal: &PortalSetup, counter: &str) -> Vec<(String, i64)> {
    let conn = portal.conn();
    let mut stmt = conn
        .prepare(
            "SELECT exam_no, COUNT(*) FROM events WHERE counter_id = ?1 AND kind = 'accepted'
             GROUP BY exam_no ORDER BY exam_no",
        )
        .unwrap();
    stmt.query_map([counter], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn portal_seqs(portal: &PortalSetup, counter: &str) -> Vec<i64> {
    let conn = portal.conn();
    let mut stmt = conn
        .prepare("SELECT seq FROM events WHERE counter_id = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([counter], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_restored_counter_takes_back_its_lost_decisions_and_numbers_its_new_ones_after_them() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    let s = settings(&server.url(), &token, SITE, "c1");
    let exam = portal.site_exam_nos();
    let (db, saved) = (dir.path().join("c1.db"), dir.path().join("backup.db"));

    accept(&mut open(&db), "c1", &exam[0], 1, now());
    assert_eq!(round(&s, &db).stored, 3);
    backup(&db, &saved);
    // After the backup: two more files decided and synced, then the disk dies.
    for (i, e) in exam[1..3].iter().enumerate() {
        accept(
            &mut open(&db),
            "c1",
            e,
            1,
            now() + Duration::minutes(i as i64 + 1),
        );
    }
    assert_eq!(round(&s, &db).stored, 6);
    restore(&saved, &db);
    assert!(open(&db).intake(&exam[1]).unwrap().is_none(), "lost");
    // The restored counter goes on working before it syncs: its numbers 4–6 are taken.
    accept(
        &mut open(&db),
        "c1",
        &exam[3],
        1,
        now() + Duration::minutes(5),
    );

    let report = round(&s, &db);
    assert_eq!(
        (
            report.recovered,
            report.renumbered,
            report.stored,
            report.rejected
        ),
        (6, 3, 3, 0),
        "{report:?}"
    );
    assert!(
        grad_intake::strings::report::sync_done(&report)
            .contains("取回本柜台数据库丢失的事件 6 条"),
        "{}",
        grad_intake::strings::report::sync_done(&report)
    );
    // The portal holds each decision exactly once, numbered without a gap.
    let mut want: Vec<(String, i64)> = exam[..4].iter().map(|e| (e.clone(), 1)).collect();
    want.sort();
    assert_eq!(portal_acceptances(&portal, "c1"), want);
    assert_eq!(portal_seqs(&portal, "c1"), (1..=12).collect::<Vec<i64>>());
    // The counter shows all of them; nothing is refused or left to send.
    let store = open(&db);
    for e in &exam[..4] {
        let record = store.intake(e).unwrap().expect("file is there");
        assert_eq!(record.intake.state, IntakeState::Accepted, "{e}");
    }
    assert_eq!(store.unsent_count("c1").unwrap(), 0);
    assert_eq!(store.rejected_count().unwrap(), 0);
    let recovered = store
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|a| a.action == "recovered")
        .count();
    assert_eq!(recovered, 6, "each recovered event is audited");
    assert_eq!(store.verify_audit().unwrap(), None);
    // The log goes on after the highest number; a next round has nothing to take back.
    accept(
        &mut open(&db),
        "c1",
        &exam[4],
        0,
        now() + Duration::minutes(9),
    );
    let again = round(&s, &db);
    assert_eq!((again.recovered, again.stored, again.rejected), (0, 2, 0));
    assert_eq!(portal_seqs(&portal, "c1"), (1..=14).collect::<Vec<i64>>());
}

#[test]
fn a_cloned_counter_is_refused_with_a_reason_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    let s = settings(&server.url(), &token, SITE, "c1");
    let exam = portal.site_exam_nos();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));

    accept(&mut open(&a), "c1", &exam[0], 0, now());
    round(&s, &a);
    backup(&a, &b); // the PC is cloned: two live databases, one token
    accept(
        &mut open(&a),
        "c1",
        &exam[1],
        0,
        now() + Duration::minutes(1),
    );
    round(&s, &a);
    accept(
        &mut open(&b),
        "c1",
        &exam[2],
        0,
        now() + Duration::minutes(2),
    );
    // The first divergence looks like a restore: B takes A's events and the log over.
    assert_eq!(round(&s, &b).recovered, 2);
    accept(
        &mut open(&a),
        "c1",
        &exam[3],
        0,
        now() + Duration::minutes(3),
    );
    let err = sync::run_round(&s, &a, &mut |_| {}).unwrap_err();
    assert!(matches!(err, SyncError::Cloned(_)), "{err:?}");
    assert!(err.to_string().contains("克隆"), "{err}");
    // A's new work is kept to be sorted out, never refused for good nor merged.
    let store = open(&a);
    assert_eq!(store.unsent_count("c1").unwrap(), 2);
    assert_eq!(store.rejected_count().unwrap(), 0);
    assert!(
        portal_acceptances(&portal, "c1")
            .iter()
            .all(|(e, _)| *e != exam[3])
    );
    // The command line says so and fails.
    let cfg = dir.path().join("a.toml");
    write_config(&cfg, &server.url(), &token, SITE, "c1");
    let out = cmd(dir.path())
        .env("GRAD_INTAKE_CONFIG", &cfg)
        .args(["--db", a.to_str().unwrap(), "sync", "--once"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("克隆"));
    // Supervisors see it.
    let counters = Client::new(&s.endpoint).unwrap().site_counters().unwrap();
    let c1 = counters
        .counters
        .iter()
        .find(|c| c.counter_id == "c1")
        .unwrap();
    assert!(c1.clone_refused_at.is_some(), "{c1:?}");
}

/// 00:00:30 on 21 November in Shanghai: a few minutes either way is another day.
fn portal_clock() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 16, 0, 30)
        .single()
        .unwrap()
}

#[test]
fn clocks_off_by_minutes_or_years_are_warned_recorded_and_filed_under_true_days() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let server = PortalProcess::start_at(&portal, 0, portal_clock());
    let exam = portal.site_exam_nos();
    let years = Duration::days(4 * 365 + 1);
    // (counter, its clock minus the portal's, when its clerk decided by its own clock)
    let counters = [
        ("c1", -Duration::minutes(5), Duration::seconds(-30)), // true 00:00:00 on the 21st
        ("c2", Duration::minutes(5), Duration::seconds(-90)),  // true 23:59:00 on the 20th
        ("c3", years, Duration::seconds(-120)),                // true 23:58:30 on the 20th
    ];
    let mut clients = vec![];
    for (i, (counter, off, decided)) in counters.iter().enumerate() {
        let token = portal.add_counter(SITE, counter);
        let clock = portal_clock() + *off;
        let db = dir.path().join(format!("{counter}.db"));
        accept(&mut open(&db), counter, &exam[i], 0, clock + *decided);
        let mut s = settings(&server.url(), &token, SITE, counter);
        s.fixed_now = Some(clock);
        let report = round(&s, &db);
        assert_eq!(report.clock_offset_ms, Some(off.num_milliseconds()));
        // Recorded on the counter, for the events it makes from now on.
        let (recorded, _) = open(&db).clock_offset().unwrap().expect("offset kept");
        assert_eq!(recorded, off.num_milliseconds());
        clients.push((s, db, clock));
    }
    // The +4 years counter decides again: the event carries the offset itself.
    let (s3, db3, clock3) = &clients[2];
    accept(
        &mut open(db3),
        "c3",
        &exam[3],
        0,
        *clock3 - Duration::seconds(60),
    );
    let carried: Option<i64> = open(db3)
        .connection()
        .query_row(
            "SELECT clock_offset_ms FROM events WHERE kind = 'accepted' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(carried, Some(years.num_milliseconds()));
    round(s3, db3);
    // And a decision dated 1970 (a clock reset) is stored, flagged, and filed under no day.
    let (s1, db1, _) = &clients[0];
    let epoch = Utc.timestamp_opt(0, 0).single().unwrap();
    accept(&mut open(db1), "c1", &exam[4], 0, epoch);
    assert_eq!(round(s1, db1).rejected, 0);

    let client = Client::new(&clients[0].0.endpoint).unwrap();
    let day = |d| {
        client
            .tally(NaiveDate::from_ymd_opt(2026, 11, d))
            .expect("tally")
    };
    let (the_20th, the_21st) = (day(20), day(21));
    let accepted = |t: &grad_intake::sync::protocol::Tally, c: &str| {
        t.by_counter.get(c).map_or(0, |o| o.accepted)
    };
    assert_eq!(the_20th.totals.accepted, 3, "{the_20th:?}");
    assert_eq!(
        (accepted(&the_20th, "c2"), accepted(&the_20th, "c3")),
        (1, 2)
    );
    assert_eq!(the_21st.totals.accepted, 1, "{the_21st:?}");
    assert_eq!(accepted(&the_21st, "c1"), 1);
    let epoch_day = client
        .tally(Some(epoch.date_naive()))
        .expect("tally of 1970");
    assert_eq!(epoch_day.totals.accepted, 0);

    // Supervisors see each counter's clock and the flagged events.
    let health = client.site_counters().unwrap().counters;
    let of = |c: &str| health.iter().find(|h| h.counter_id == c).unwrap().clone();
    assert_eq!(of("c1").clock_offset_ms, Some(-300_000));
    assert_eq!(of("c2").clock_offset_ms, Some(300_000));
    assert_eq!(of("c3").clock_offset_ms, Some(years.num_milliseconds()));
    assert!(["c1", "c2", "c3"].iter().all(|c| of(c).bad_clock));
    assert_eq!(of("c1").flagged_events, 2, "opened and accepted in 1970");
    assert_eq!((of("c2").flagged_events, of("c3").flagged_events), (0, 0));

    // `sync --once` warns.
    let cfg = dir.path().join("c3.toml");
    write_config(&cfg, &server.url(), &s3.endpoint.token, SITE, "c3");
    let out = cmd(dir.path())
        .env("GRAD_INTAKE_CONFIG", &cfg)
        .env("GRAD_INTAKE_NOW", clock3.to_rfc3339())
        .args(["--db", db3.to_str().unwrap(), "sync", "--once"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("本机时钟比考试院快 1461 天") && stdout.contains("超过 2 分钟"),
        "{stdout}"
    );
}

#[test]
fn the_clock_limit_is_set_from_the_command_line_within_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let db = portal.db.to_str().unwrap();
    let out = run_ok(dir.path(), &["portal", "set-clock-limit", "48", "--db", db]);
    assert!(out.contains("48"), "{out}");
    let kept: String = portal
        .conn()
        .query_row(
            "SELECT value FROM meta WHERE key = 'clock_limit_hours'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "48");
    let refused = cmd(dir.path())
        .args(["portal", "set-clock-limit", "0", "--db", db])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("整数小时"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}
