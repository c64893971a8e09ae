//! Supervisor work (issue 7) on real SQLite files: clerk commands of the real binary and who may
//! run them, lockout on a fixed clock, the audit chain against rows edited, deleted and
//! reordered in SQLite, the day's tally (text, JSON, CSV for Excel) of a constructed day,
//! voiding a file, and the supervisor's acts (approval, unlock, void) written to the event log
//! for sync in one transaction with their audit entries.
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use grad_intake::domain::intake::{Decision, Intake, IntakeError, IntakeState};
use grad_intake::domain::supervision::Override;
use grad_intake::domain::tally::{Outcomes, Tally};
use grad_intake::store::{Actor, ClerkError, LoginError, Role, Store, VoidError};
use rusqlite::Connection;

use common::office::Office;
use common::tmux::Tmux;

/// Local 2026-11-20 `h:m` in Shanghai.
fn at(h: u32, m: u32) -> DateTime<Utc> {
    Shanghai
        .with_ymd_and_hms(2026, 11, 20, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

fn sql(office: &Office) -> Connection {
    Connection::open(office.db()).unwrap()
}

fn audit_actions(office: &Office) -> Vec<(String, String, String)> {
    office
        .store()
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.action, e.detail))
        .collect()
}

/// Every full ID number on the roster: none may appear in any output.
fn id_numbers(office: &Office) -> Vec<String> {
    let conn = sql(office);
    let mut stmt = conn.prepare("SELECT id_no FROM candidates").unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn clerk_commands_and_who_may_run_them() {
    let office = Office::empty();

    // No supervisor yet: a clerk cannot be the first, a supervisor can, without --by; the OS
    // user who ran it is recorded.
    let (code, _, err) = office.run(
        &[
            "clerk",
            "add",
            "c01",
            "--name",
            "柜员甲",
            "--role",
            "clerk",
            "--pin-stdin",
        ],
        "1234\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("还没有主管"), "{err}");
    let (code, out, err) = office.run(
        &[
            "clerk",
            "add",
            "s01",
            "--name",
            "主管甲",
            "--role",
            "supervisor",
            "--pin-stdin",
        ],
        "9999\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已添加：s01 主管甲（主管）"), "{out}");
    assert!(audit_actions(&office).contains(&(
        "os:admin".into(),
        "clerk_added".into(),
        "s01 supervisor".into()
    )));

    // From now on every role action names its supervisor.
    let add_c01 = [
        "clerk",
        "add",
        "c01",
        "--name",
        "柜员甲",
        "--role",
        "clerk",
        "--pin-stdin",
    ];
    let (code, _, err) = office.run(&add_c01, "1234\n");
    assert_eq!(code, 1);
    assert!(err.contains("--by"), "{err}");
    let (code, _, err) = office.run(&[&add_c01[..], &["--by", "s01"]].concat(), "1234\n");
    assert_eq!(code, 0, "{err}");
    // Duplicate id, bad PIN, bad id, empty standard input.
    let (code, _, err) = office.run(&[&add_c01[..], &["--by", "s01"]].concat(), "5678\n");
    assert_eq!((code, err.contains("该工号已存在")), (1, true), "{err}");
    let add_c02 = [
        "clerk",
        "add",
        "c02",
        "--name",
        "柜员乙",
        "--role",
        "clerk",
        "--pin-stdin",
        "--by",
        "s01",
    ];
    for bad in ["12a4\n", "123\n", "1234567890123\n"] {
        let (code, _, err) = office.run(&add_c02, bad);
        assert_eq!(
            (code, err.contains("PIN应为4至12位数字")),
            (1, true),
            "{bad:?}: {err}"
        );
    }
    let (code, _, err) = office.run(&add_c02, "");
    assert_eq!((code, err.contains("没有读到PIN")), (1, true), "{err}");
    let (code, _, err) = office.run(
        &[
            "clerk",
            "add",
            "c 3",
            "--name",
            "x",
            "--role",
            "clerk",
            "--pin-stdin",
            "--by",
            "s01",
        ],
        "1234\n",
    );
    assert_eq!((code, err.contains("工号只能包含")), (1, true), "{err}");
    // Without --pin-stdin and without a terminal the PIN cannot be asked without echo.
    let (code, _, err) = office.run(
        &[
            "clerk",
            "add",
            "c02",
            "--name",
            "柜员乙",
            "--role",
            "clerk",
            "--by",
            "s01",
        ],
        "2222\n",
    );
    assert_eq!((code, err.contains("--pin-stdin")), (1, true), "{err}");
    let (code, _, _) = office.run(&add_c02, "2222\r\n");
    assert_eq!(code, 0);

    // A clerk named by --by is refused for every role action; each refusal is audited and
    // nothing changes.
    let refused: [&[&str]; 5] = [
        &[
            "clerk",
            "add",
            "c03",
            "--name",
            "x",
            "--role",
            "supervisor",
            "--pin-stdin",
            "--by",
            "c01",
        ],
        &["clerk", "reset-pin", "c02", "--pin-stdin", "--by", "c01"],
        &["clerk", "disable", "c02", "--by", "c01"],
        &["clerk", "unlock", "c02", "--by", "c01"],
        &["clerk", "enable", "c02", "--by", "nobody"],
    ];
    for args in refused {
        let before = office.store().clerks().unwrap();
        let (code, _, err) = office.run(args, "4321\n");
        assert_eq!(code, 1, "{args:?}");
        assert!(err.contains("只有在用的主管"), "{args:?}: {err}");
        assert_eq!(office.store().clerks().unwrap(), before, "{args:?}");
    }
    let refusals = audit_actions(&office)
        .iter()
        .filter(|(_, action, _)| action == "role_action_refused")
        .count();
    assert_eq!(refusals, 5);

    // List: text and JSON.
    let (code, out, _) = office.run(&["clerk", "list"], "");
    assert_eq!(code, 0);
    assert!(out.contains("c01  柜员甲  柜员  在用"), "{out}");
    assert!(out.contains("s01  主管甲  主管  在用"), "{out}");
    let (_, out, _) = office.run(&["clerk", "list", "--json"], "");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["role"], "supervisor");
    assert!(!out.contains("argon2"), "no hash in the list");

    // Reset PIN: the old PIN no longer works, the new one does.
    let (code, out, err) = office.run(
        &["clerk", "reset-pin", "c01", "--pin-stdin", "--by", "s01"],
        "5678\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已重设PIN"), "{out}");
    let mut store = office.store();
    assert!(matches!(
        store.login("c01", "1234", at(10, 1)),
        Err(LoginError::Wrong)
    ));
    assert_eq!(store.login("c01", "5678", at(10, 1)).unwrap().id, "c01");
    drop(store);
    let (code, _, err) = office.run(
        &["clerk", "reset-pin", "zz9", "--pin-stdin", "--by", "s01"],
        "5678\n",
    );
    assert_eq!((code, err.contains("没有这个工号")), (1, true), "{err}");

    // Disable: login refused even with the right PIN; enable again: login works.
    assert_eq!(
        office
            .run(&["clerk", "disable", "c01", "--by", "s01"], "")
            .0,
        0
    );
    let (_, out, _) = office.run(&["clerk", "list"], "");
    assert!(out.contains("c01  柜员甲  柜员  已停用"), "{out}");
    assert!(matches!(
        office.store().login("c01", "5678", at(10, 2)),
        Err(LoginError::Disabled)
    ));
    assert_eq!(
        office.run(&["clerk", "enable", "c01", "--by", "s01"], "").0,
        0
    );
    assert_eq!(
        office.store().login("c01", "5678", at(10, 3)).unwrap().role,
        Role::Clerk
    );

    // The last enabled supervisor cannot be disabled (nobody could manage clerks any more).
    let (code, _, err) = office.run(&["clerk", "disable", "s01", "--by", "s01"], "");
    assert_eq!(
        (code, err.contains("最后一名在用的主管")),
        (1, true),
        "{err}"
    );

    let actions: Vec<String> = audit_actions(&office)
        .into_iter()
        .map(|(_, a, _)| a)
        .collect();
    for expected in [
        "clerk_added",
        "pin_reset",
        "clerk_disabled",
        "clerk_enabled",
        "login",
        "login_failed",
        "login_refused",
    ] {
        assert!(
            actions.iter().any(|a| a == expected),
            "{expected} in {actions:?}"
        );
    }
    assert_eq!(office.run(&["audit", "verify"], "").0, 0);
}

#[test]
fn unlock_clears_a_lockout() {
    let office = Office::demo();
    let t = at(10, 0);
    let mut store = office.store();
    for _ in 0..4 {
        assert!(matches!(
            store.login("c01", "0000", t),
            Err(LoginError::Wrong)
        ));
    }
    assert!(matches!(
        store.login("c01", "0000", t),
        Err(LoginError::Locked(_))
    ));
    assert!(matches!(
        store.login("c01", "1111", t),
        Err(LoginError::Locked(_))
    ));
    drop(store);
    let (_, out, _) = office.run(&["clerk", "list"], "");
    assert!(
        out.contains("c01  演示柜员甲  柜员  在用，锁定至 10:05"),
        "{out}"
    );

    // A clerk cannot unlock a colleague (nor themself).
    let (code, _, _) = office.run(&["clerk", "unlock", "c01", "--by", "c02"], "");
    assert_eq!(code, 1);
    assert!(matches!(
        office.store().login("c01", "1111", t),
        Err(LoginError::Locked(_))
    ));

    let (code, out, err) = office.run(&["clerk", "unlock", "c01", "--by", "s01"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已解锁"), "{out}");
    assert_eq!(office.store().login("c01", "1111", t).unwrap().id, "c01");
    assert!(audit_actions(&office).contains(&(
        "s01".into(),
        "clerk_unlocked".into(),
        "c01".into()
    )));
    // ...and logged for sync under the configured counter id.
    let unlocked = office.store().events_after("demo-01", 0, 10).unwrap();
    assert!(
        unlocked
            .iter()
            .any(|e| e.kind == "clerk_unlocked" && e.body["clerk_id"] == "c01"),
        "{unlocked:?}"
    );

    // The store function the supervisor screen calls.
    let mut store = office.store();
    assert!(matches!(
        store.unlock_clerk("c01", "c02", "demo-01", t),
        Err(ClerkError::NotSupervisor(_))
    ));
    assert!(matches!(
        store.unlock_clerk("nobody", "s01", "demo-01", t),
        Err(ClerkError::NotFound(_))
    ));
    store.unlock_clerk("c02", "s01", "demo-01", t).unwrap();
}

#[test]
fn sixth_wrong_pin_within_five_minutes_is_refused_even_if_right_then_clears() {
    let office = Office::demo();
    let mut store = office.store();
    let t0 = at(9, 30);
    // Five wrong PINs spread over four minutes: the fifth locks.
    for k in 0..4 {
        assert!(matches!(
            store.login("c02", "0000", t0 + Duration::minutes(k)),
            Err(LoginError::Wrong)
        ));
    }
    let fifth = t0 + Duration::minutes(4);
    let until = match store.login("c02", "0000", fifth) {
        Err(LoginError::Locked(until)) => until,
        other => panic!("fifth wrong PIN: {other:?}"),
    };
    assert_eq!(until, fifth + Duration::minutes(5));
    // The sixth attempt, right PIN, within the five minutes: refused.
    assert!(matches!(
        store.login("c02", "2222", fifth + Duration::seconds(30)),
        Err(LoginError::Locked(u)) if u == until
    ));
    assert!(matches!(
        store.login("c02", "2222", until - Duration::seconds(1)),
        Err(LoginError::Locked(_))
    ));
    assert_eq!(store.login("c02", "2222", until).unwrap().id, "c02");
    let actions: Vec<String> = store
        .audit_entries()
        .unwrap()
        .into_iter()
        .filter(|e| e.actor == "c02")
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "login_failed",
            "login_failed",
            "login_failed",
            "login_failed",
            "locked_out",
            "login_refused",
            "login_refused",
            "login"
        ]
    );
}

fn verify(office: &Office) -> (i32, String) {
    let (code, out, _) = office.run(&["audit", "verify"], "");
    (code, out)
}

#[test]
fn audit_verify_finds_edited_deleted_and_reordered_entries() {
    let office = Office::demo();
    let mut store = office.store();
    for k in 0..5 {
        store
            .audit(at(10, k), "s01", "test", &format!("entry {k}"))
            .unwrap();
    }
    drop(store);
    let total = office.store().audit_entries().unwrap().len();
    assert_eq!(total, 8);
    let (code, out) = verify(&office);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("审计日志完整，未被改动。条目数：{total}")),
        "{out}"
    );

    let sql = sql(&office);
    // Edit one field of entry 5.
    sql.execute("UPDATE audit SET detail = 'entry X' WHERE seq = 5", [])
        .unwrap();
    let (code, out) = verify(&office);
    assert_eq!(code, 1);
    assert!(
        out.contains("内容被修改过") && out.contains("条目序号：5"),
        "{out}"
    );
    assert!(
        out.contains("entry X"),
        "names the entry as it stands: {out}"
    );
    sql.execute("UPDATE audit SET detail = 'entry 1' WHERE seq = 5", [])
        .unwrap();
    assert_eq!(verify(&office).0, 0, "restored");

    // Edit the actor too (who did it).
    sql.execute("UPDATE audit SET actor = 'c01' WHERE seq = 7", [])
        .unwrap();
    let (code, out) = verify(&office);
    assert_eq!((code, out.contains("条目序号：7")), (1, true), "{out}");
    sql.execute("UPDATE audit SET actor = 's01' WHERE seq = 7", [])
        .unwrap();

    // Delete entry 4 from the middle, then the newest entry.
    for seq in [4, total as i64] {
        let row: (String, String, String, String, String, String) = sql
            .query_row(
                "SELECT at, actor, action, detail, prev_hash, hash FROM audit WHERE seq = ?1",
                [seq],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .unwrap();
        sql.execute("DELETE FROM audit WHERE seq = ?1", [seq])
            .unwrap();
        let (code, out) = verify(&office);
        assert_eq!(code, 1, "delete {seq}");
        assert!(
            out.contains("删除或调换了顺序") && out.contains(&format!("条目序号：{seq}")),
            "delete {seq}: {out}"
        );
        sql.execute(
            "INSERT INTO audit(seq, at, actor, action, detail, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![seq, row.0, row.1, row.2, row.3, row.4, row.5],
        )
        .unwrap();
        assert_eq!(verify(&office).0, 0, "restored {seq}");
    }

    // Reorder: entries 2 and 3 swap places.
    let swap = |a: i64, b: i64| {
        sql.execute("UPDATE audit SET seq = -1 WHERE seq = ?1", [a])
            .unwrap();
        sql.execute("UPDATE audit SET seq = ?1 WHERE seq = ?2", [a, b])
            .unwrap();
        sql.execute("UPDATE audit SET seq = ?1 WHERE seq = -1", [b])
            .unwrap();
    };
    swap(2, 3);
    let (code, out) = verify(&office);
    assert_eq!(code, 1);
    assert!(
        out.contains("删除或调换了顺序") && out.contains("条目序号：2"),
        "{out}"
    );
    swap(2, 3);
    assert_eq!(verify(&office).0, 0);

    // `audit show` lists the newest entries.
    let (code, out, _) = office.run(&["audit", "show", "--last", "2"], "");
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(
        out.starts_with("#7  2026-11-20 10:03:00  s01  test  entry 3"),
        "{out}"
    );
}

// ---- the day's tally ----

/// Writes the files of a day at counters demo-01 / demo-02 through the domain's moves and
/// `Store::save_intake`, as the counter screen does.
struct Day<'a> {
    store: &'a mut Store,
}

impl Day<'_> {
    fn save(
        &mut self,
        intake: &Intake,
        event: grad_intake::domain::intake::IntakeEvent,
        counter: &str,
        clerk: &str,
        at: DateTime<Utc>,
    ) {
        let actor = Actor {
            counter_id: counter,
            clerk_id: clerk,
            at,
        };
        self.store.save_intake(intake, &[event], &actor).unwrap();
    }

    fn open(&mut self, exam_no: &str, counter: &str, clerk: &str, at: DateTime<Utc>) -> Intake {
        let mut intake = self
            .store
            .intake(exam_no)
            .unwrap()
            .map(|r| r.intake)
            .unwrap_or_else(|| Intake::new(format!("intake-{exam_no}"), exam_no.to_owned()));
        let event = intake.open().unwrap().unwrap();
        self.save(&intake, event, counter, clerk, at);
        intake
    }

    fn accept(&mut self, exam_no: &str, counter: &str, clerk: &str, at: DateTime<Utc>) {
        let mut intake = self.open(exam_no, counter, clerk, at - Duration::minutes(5));
        let decision = Decision {
            at,
            clerk_id: clerk.into(),
        };
        let event = intake.accept(&[], &[], decision).unwrap();
        self.save(&intake, event, counter, clerk, at);
    }

    fn give_back(
        &mut self,
        exam_no: &str,
        reasons: &[&str],
        counter: &str,
        clerk: &str,
        at: DateTime<Utc>,
    ) {
        let mut intake = self.open(exam_no, counter, clerk, at - Duration::minutes(5));
        let decision = Decision {
            at,
            clerk_id: clerk.into(),
        };
        let reasons = reasons.iter().map(|r| (*r).to_owned()).collect();
        let event = intake.return_file(reasons, decision).unwrap();
        self.save(&intake, event, counter, clerk, at);
    }
}

/// Nine candidates of site 9901 and what happened to them:
/// - yesterday: one accepted (not today's, but seen);
/// - today at demo-01: 09:20 accepted c01, 09:40 accepted c02, 10:05 returned c01 (two reasons),
///   10:30 accepted c01 then voided 16:10 by s01, returned 09:50 then back and accepted 11:10 c01;
/// - today at demo-02: 14:35 returned c02 (one reason, shared), 15:00 opened by c02 (in progress);
/// - and a candidate of another site accepted today at demo-01 (counted, but not in the roster).
fn constructed_day(office: &Office) -> Vec<String> {
    let exam: Vec<String> = {
        let conn = sql(office);
        let mut stmt = conn
            .prepare(
                "SELECT exam_no FROM candidates WHERE site_code = '9901' ORDER BY exam_no LIMIT 8",
            )
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let other_site: String = sql(office)
        .query_row(
            "SELECT exam_no FROM candidates WHERE site_code <> '9901' LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let mut store = office.store();
    let mut d = Day { store: &mut store };
    d.accept(&exam[0], "demo-01", "c01", at(9, 20) - Duration::days(1));
    d.accept(&exam[1], "demo-01", "c01", at(9, 20));
    d.accept(&exam[2], "demo-01", "c02", at(9, 40));
    d.give_back(
        &exam[3],
        &["缺少身份证复印件", "登记表思想品德栏未盖章"],
        "demo-01",
        "c01",
        at(10, 5),
    );
    d.accept(&exam[4], "demo-01", "c01", at(10, 30));
    d.give_back(&exam[5], &["登记表未双面打印"], "demo-01", "c01", at(9, 50));
    d.accept(&exam[5], "demo-01", "c01", at(11, 10));
    d.give_back(
        &exam[6],
        &["登记表思想品德栏未盖章"],
        "demo-02",
        "c02",
        at(14, 35),
    );
    d.open(&exam[7], "demo-02", "c02", at(15, 0));
    d.accept(&other_site, "demo-01", "c02", at(15, 30));
    store
        .void_intake(&exam[4], "误受理：材料不全", "s01", "demo-01", at(16, 10))
        .unwrap();
    exam
}

fn o(accepted: u64, returned: u64, in_progress: u64, voided: u64) -> Outcomes {
    Outcomes {
        accepted,
        returned,
        in_progress,
        voided,
    }
}

#[test]
fn tally_of_a_constructed_day() {
    let office = Office::demo();
    constructed_day(&office);
    let store = office.store();
    let roster: u64 = sql(&office)
        .query_row(
            "SELECT COUNT(*) FROM candidates WHERE site_code = '9901'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let t = store.tally(day(), Some("9901")).unwrap();

    assert_eq!(t.date, day());
    assert_eq!(t.totals, o(4, 2, 1, 1));
    let hours: Vec<(u32, Outcomes)> = t.by_hour.iter().map(|(h, o)| (*h, *o)).collect();
    assert_eq!(
        hours,
        vec![
            (9, o(2, 0, 0, 0)),
            (10, o(0, 1, 0, 0)),
            (11, o(1, 0, 0, 0)),
            (14, o(0, 1, 0, 0)),
            (15, o(1, 0, 1, 0)),
            (16, o(0, 0, 0, 1)),
        ]
    );
    let clerks: Vec<(&str, Outcomes)> = t.by_clerk.iter().map(|(c, o)| (c.as_str(), *o)).collect();
    assert_eq!(
        clerks,
        vec![
            ("c01", o(2, 1, 0, 0)),
            ("c02", o(2, 1, 0, 0)),
            ("s01", o(0, 0, 0, 1))
        ]
    );
    assert_eq!(t.undecided, 1);
    let counters: Vec<(&str, Outcomes)> =
        t.by_counter.iter().map(|(c, o)| (c.as_str(), *o)).collect();
    assert_eq!(
        counters,
        vec![("demo-01", o(4, 1, 0, 1)), ("demo-02", o(0, 1, 1, 0))]
    );
    // Only files still returned give reasons: the one returned and then accepted does not.
    let reasons: Vec<(&str, u64)> = t
        .return_reasons
        .iter()
        .map(|r| (r.reason.as_str(), r.count))
        .collect();
    assert_eq!(
        reasons,
        vec![("登记表思想品德栏未盖章", 2), ("缺少身份证复印件", 1)]
    );
    assert_eq!((t.roster, t.seen), (roster, 8));
    assert_eq!(t.not_yet_come, roster - 8);

    // Yesterday: the one accepted then.
    let y = store
        .tally(day().pred_opt().unwrap(), Some("9901"))
        .unwrap();
    assert_eq!(y.totals, o(1, 0, 0, 0));
    assert_eq!(
        y.not_yet_come, t.not_yet_come,
        "not yet come is over the whole window"
    );
    // Tomorrow: nothing yet.
    let n = store
        .tally(day().succ_opt().unwrap(), Some("9901"))
        .unwrap();
    assert_eq!(n.totals.total(), 0);
    // Without a site: the whole local roster (including the other site's candidate).
    let all = store.tally(day(), None).unwrap();
    assert_eq!((all.roster, all.seen), (roster + 1, 9));

    // The command prints the same numbers: JSON equals the library's, text says whose numbers.
    let (code, out, err) = office.run(&["tally", "--date", "2026-11-20", "--json"], "");
    assert_eq!(code, 0, "{err}");
    let from_cli: Tally = serde_json::from_str(&out).unwrap();
    assert_eq!(from_cli, t);
    let (code, text, _) = office.run(&["tally"], "");
    assert_eq!(code, 0);
    assert!(
        text.starts_with("2026-11-20 受理统计 · 本柜台数据（柜台 demo-01，办理点 9901）"),
        "{text}"
    );
    assert!(
        text.contains("合计：已受理 4  已退回补正 2  办理中 1  已作废 1  合计 8"),
        "{text}"
    );
    assert!(
        text.contains("  09:00–10:00  已受理 2  已退回补正 0  办理中 0  已作废 0  合计 2"),
        "{text}"
    );
    assert!(text.contains("  2  登记表思想品德栏未盖章"), "{text}");
    assert!(
        text.contains(&format!("尚未前来 {} 人", roster - 8)),
        "{text}"
    );
    for id in id_numbers(&office) {
        assert!(!text.contains(&id) && !out.contains(&id));
    }
    let (code, _, err) = office.run(&["tally", "--date", "2026-13-01"], "");
    assert_eq!((code, err.contains("年-月-日")), (2, true), "{err}");
}

#[test]
fn tally_csv_has_a_bom_and_the_same_numbers() {
    let office = Office::demo();
    constructed_day(&office);
    let t = office.store().tally(day(), Some("9901")).unwrap();
    let file = office.path("tally.csv");
    let (code, _, err) = office.run(
        &[
            "tally",
            "--date",
            "2026-11-20",
            "--csv",
            file.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("已写入CSV"), "{err}");
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        &bytes[..3],
        b"\xEF\xBB\xBF",
        "UTF-8 byte-order mark for Excel"
    );
    let mut reader = csv::Reader::from_reader(&bytes[3..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "分类",
            "项目",
            "已受理",
            "已退回补正",
            "办理中",
            "已作废",
            "合计"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let find = |section: &str, item: &str| -> Vec<String> {
        rows.iter()
            .find(|r| r[0] == section && r[1] == item)
            .unwrap_or_else(|| panic!("{section}/{item} in {rows:?}"))
            .clone()
    };
    let n = |r: Vec<String>| -> Vec<String> { r[2..].to_vec() };
    let s = |v: [u64; 5]| -> Vec<String> { v.iter().map(u64::to_string).collect() };
    assert_eq!(find("日期", "2026-11-20")[6], "");
    assert_eq!(
        find("范围", "本柜台数据（柜台 demo-01，办理点 9901）").len(),
        7
    );
    assert_eq!(n(find("合计", "全部")), s([4, 2, 1, 1, 8]));
    assert_eq!(n(find("时段", "09:00–10:00")), s([2, 0, 0, 0, 2]));
    assert_eq!(n(find("时段", "16:00–17:00")), s([0, 0, 0, 1, 1]));
    assert_eq!(n(find("柜员", "c01")), s([2, 1, 0, 0, 3]));
    assert_eq!(n(find("柜员", "s01")), s([0, 0, 0, 1, 1]));
    assert_eq!(n(find("柜员", "（办理中，尚未决定）")), s([0, 0, 1, 0, 1]));
    assert_eq!(n(find("柜台", "demo-02")), s([0, 1, 1, 0, 2]));
    assert_eq!(find("退回原因", "登记表思想品德栏未盖章")[6], "2");
    assert_eq!(find("退回原因", "缺少身份证复印件")[6], "1");
    assert_eq!(find("名单", "本办理点考生")[6], t.roster.to_string());
    assert_eq!(find("名单", "已在本柜台办理")[6], "8");
    assert_eq!(find("名单", "尚未前来")[6], t.not_yet_come.to_string());
    let hour_rows = rows.iter().filter(|r| r[0] == "时段").count();
    assert_eq!(hour_rows, t.by_hour.len());
}

#[test]
fn supervisor_voids_an_accepted_file() {
    let office = Office::demo();
    let exam = constructed_day(&office);
    let mut store = office.store();
    // constructed_day voided exam[4]: state, event, audit.
    let record = store.intake(&exam[4]).unwrap().unwrap();
    assert_eq!(record.intake.state, IntakeState::Voided);
    assert_eq!(
        record.intake.void_reason.as_deref(),
        Some("误受理：材料不全")
    );
    assert_eq!(
        record.intake.decision,
        Some(Decision {
            at: at(16, 10),
            clerk_id: "s01".into()
        })
    );
    assert_eq!(record.updated_at, at(16, 10));
    let events = store.events_after("demo-01", 0, 1000).unwrap();
    let voided = events.last().unwrap();
    assert_eq!(
        (voided.kind.as_str(), voided.clerk_id.as_str(), voided.at),
        ("voided", "s01", at(16, 10))
    );
    assert_eq!(voided.intake_id.as_deref(), Some(record.intake.id.as_str()));
    assert_eq!(voided.body["reason"], "误受理：材料不全");
    assert_eq!(voided.sync_state, "pending", "queued for the portal");
    let last = store.audit_entries().unwrap().pop().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("s01", "voided")
    );
    assert!(last.detail.starts_with(&exam[4]), "{}", last.detail);

    // Void an accepted file now, through the returned record.
    let voided = store
        .void_intake(&exam[1], " 重复受理 ", "s01", "demo-01", at(16, 20))
        .unwrap();
    assert_eq!(voided.intake.state, IntakeState::Voided);
    assert_eq!(voided.intake.void_reason.as_deref(), Some("重复受理"));

    // Refusals change nothing.
    let events_before = store.events_after("demo-01", 0, 1000).unwrap().len();
    assert!(matches!(
        store.void_intake(&exam[2], "x", "c01", "demo-01", at(16, 30)),
        Err(VoidError::Clerk(ClerkError::NotSupervisor(_)))
    ));
    assert!(matches!(
        store.void_intake(&exam[2], "  ", "s01", "demo-01", at(16, 30)),
        Err(VoidError::Intake(IntakeError::NoReason))
    ));
    assert!(matches!(
        store.void_intake(&exam[1], "again", "s01", "demo-01", at(16, 30)),
        Err(VoidError::Intake(IntakeError::AlreadyVoided))
    ));
    let unseen: String = sql(&office)
        .query_row(
            "SELECT exam_no FROM candidates WHERE exam_no NOT IN (SELECT exam_no FROM intakes) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let err = store
        .void_intake(&unseen, "x", "s01", "demo-01", at(16, 30))
        .unwrap_err();
    assert!(matches!(err, VoidError::NoIntake(_)));
    assert!(err.to_string().contains("没有办理记录"), "{err}");
    assert_eq!(
        store.intake(&exam[2]).unwrap().unwrap().intake.state,
        IntakeState::Accepted
    );
    assert_eq!(
        store.events_after("demo-01", 0, 1000).unwrap().len(),
        events_before
    );
    let last = store.audit_entries().unwrap().pop().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("c01", "role_action_refused")
    );
    // A voided file opens again from scratch at the next visit.
    let mut intake = store.intake(&exam[1]).unwrap().unwrap().intake;
    assert!(intake.open().unwrap().is_some());
    drop(store);
    assert_eq!(verify(&office).0, 0);
}

// ---- supervisor acts in the event log (for sync) ----

/// Makes every insert into `table` whose `column` is `value` fail, as a full disk would, until
/// `heal`. The trigger lives in the database file, so the store's own connection meets it.
fn break_inserts(office: &Office, table: &str, column: &str, value: &str) {
    sql(office)
        .execute_batch(&format!(
            "CREATE TRIGGER broken BEFORE INSERT ON {table} WHEN NEW.{column} = '{value}'
             BEGIN SELECT RAISE(ABORT, 'disk full'); END;"
        ))
        .unwrap();
}

fn heal(office: &Office) {
    sql(office).execute_batch("DROP TRIGGER broken").unwrap();
}

fn event_count(office: &Office) -> i64 {
    sql(office)
        .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

/// An approval of candidate `exam_no` by `by` from `at`, for 15 minutes.
fn grant(exam_no: &str, by: &str, at: DateTime<Utc>) -> Override {
    Override::grant(
        exam_no.into(),
        by.into(),
        vec!["wrong_site".into(), "outside_window".into()],
        at,
        Duration::minutes(15),
    )
}

#[test]
fn override_unlock_and_void_write_their_event_with_their_audit_entry() {
    let office = Office::demo();
    let exam = constructed_day(&office);
    let t = at(16, 30);
    {
        let mut store = office.store();
        for _ in 0..5 {
            assert!(store.login("c01", "0000", t).is_err());
        }
    }
    type Act = fn(&mut Store, &[String], DateTime<Utc>) -> bool;
    let acts: [(&str, &str, Act); 3] = [
        ("override_granted", "override", |store, exam, t| {
            store
                .record_override(&grant(&exam[7], "s01", t), "intake-o", "demo-01", t)
                .is_ok()
        }),
        ("clerk_unlocked", "clerk_unlocked", |store, _, t| {
            store.unlock_clerk("c01", "s01", "demo-01", t).is_ok()
        }),
        ("voided", "voided", |store, exam, t| {
            store
                .void_intake(&exam[2], "重复受理", "s01", "demo-01", t)
                .is_ok()
        }),
    ];
    for (kind, action, act) in acts {
        // Either write failing leaves nothing of the other: they are one transaction.
        for (table, column, value) in [("events", "kind", kind), ("audit", "action", action)] {
            let (events, audit) = (event_count(&office), audit_actions(&office).len());
            break_inserts(&office, table, column, value);
            assert!(
                !act(&mut office.store(), &exam, t),
                "{kind}: {table} broken"
            );
            heal(&office);
            assert_eq!(event_count(&office), events, "{kind}: {table} broken");
            assert_eq!(
                audit_actions(&office).len(),
                audit,
                "{kind}: {table} broken"
            );
        }
        assert!(act(&mut office.store(), &exam, t), "{kind}");
        let store = office.store();
        let event = store
            .events_after("demo-01", 0, 1000)
            .unwrap()
            .pop()
            .unwrap();
        let entry = store.audit_entries().unwrap().pop().unwrap();
        assert_eq!(
            (event.kind.as_str(), event.clerk_id.as_str(), event.at),
            (kind, "s01", t)
        );
        assert_eq!(event.sync_state, "pending", "{kind}: queued for the portal");
        assert_eq!(
            (
                entry.actor.as_str(),
                entry.action.as_str(),
                entry.at.as_str()
            ),
            ("s01", action, t.to_rfc3339().as_str())
        );
    }
    // Nothing half-done stood in between: the lockout and the file changed only on success.
    let mut store = office.store();
    assert_eq!(store.login("c01", "1111", t).unwrap().id, "c01");
    assert_eq!(
        store.intake(&exam[2]).unwrap().unwrap().intake.state,
        IntakeState::Voided
    );
    let events = store.events_after("demo-01", 0, 1000).unwrap();
    // The newest of each kind (constructed_day voided a file before).
    let body = |kind: &str| {
        events
            .iter()
            .rev()
            .find(|e| e.kind == kind)
            .map(|e| (e.intake_id.clone(), e.body.clone()))
            .unwrap()
    };
    let (intake_id, approval) = body("override_granted");
    assert_eq!(intake_id.as_deref(), Some("intake-o"));
    assert_eq!(approval["exam_no"], exam[7].as_str());
    assert_eq!(approval["supervisor_id"], "s01");
    assert_eq!(
        approval["reasons"],
        serde_json::json!(["wrong_site", "outside_window"])
    );
    assert_eq!(
        approval["expires_at"],
        serde_json::json!(t + Duration::minutes(15))
    );
    let (intake_id, unlock) = body("clerk_unlocked");
    assert_eq!(intake_id, None, "about no candidate");
    assert_eq!(
        unlock,
        serde_json::json!({"type": "clerk_unlocked", "clerk_id": "c01", "supervisor_id": "s01"})
    );
    assert_eq!(body("voided").1["reason"], "重复受理");
    drop(store);
    assert_eq!(verify(&office).0, 0);
}

#[test]
fn only_a_supervisor_approval_is_recorded() {
    let office = Office::demo();
    let exam = constructed_day(&office);
    let t = at(16, 30);
    let events = event_count(&office);
    let mut store = office.store();
    assert!(matches!(
        store.record_override(&grant(&exam[7], "c01", t), "intake-o", "demo-01", t),
        Err(ClerkError::NotSupervisor(_))
    ));
    assert_eq!(event_count(&office), events);
    let last = store.audit_entries().unwrap().pop().unwrap();
    assert_eq!(
        (last.actor.as_str(), last.action.as_str()),
        ("c01", "role_action_refused")
    );
    assert!(last.detail.contains(&exam[7]), "{}", last.detail);
}

/// A command of the binary in a 120×20 tmux terminal, kept open after it ends (with its exit
/// status shown as `EXIT=N`) so its screen can be read.
fn terminal(office: &Office, name: &str, args: &str) -> Tmux {
    let cmd = format!("{}; echo EXIT=$?; sleep 60", Tmux::command(office, args));
    Tmux::start(name, (120, 20), &cmd)
}

#[test]
fn pin_is_asked_twice_on_a_terminal_without_echo() {
    let office = Office::demo();
    let term = terminal(
        &office,
        "clerk-pin",
        "clerk add c07 --name 柜员丙 --role clerk --by s01",
    );
    term.wait_for("请输入PIN");
    term.type_line("80417");
    term.wait_for("请再输入一次PIN");
    term.type_line("80417");
    term.wait_for("EXIT=");
    let screen = term.text();
    assert!(screen.contains("已添加：c07 柜员丙（柜员）"), "{screen}");
    assert!(screen.contains("EXIT=0"), "{screen}");
    assert!(!screen.contains("80417"), "the PIN was shown:\n{screen}");
    assert_eq!(
        office.store().login("c07", "80417", at(10, 0)).unwrap().id,
        "c07"
    );

    // Two different PINs: nothing is added.
    let term = terminal(
        &office,
        "clerk-pin-mismatch",
        "clerk add c08 --name 柜员丁 --role clerk --by s01",
    );
    term.wait_for("请输入PIN");
    term.type_line("1234");
    term.wait_for("请再输入一次PIN");
    term.type_line("4321");
    term.wait_for("EXIT=");
    let screen = term.text();
    assert!(
        screen.contains("两次输入的PIN不一致") && screen.contains("EXIT=1"),
        "{screen}"
    );
    assert!(office.store().clerk("c08").unwrap().is_none());
}
