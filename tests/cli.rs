//! End-to-end tests of the real binary: demo set-up, `check` (DESIGN §8), roster import,
//! configuration errors, and what the log file may not hold.
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

mod common;

use assert_cmd::Command;
use common::office::Office;
use serde_json::Value;

/// `grad-intake check PAYLOAD --json EXTRA...`: (exit code, the JSON it printed).
fn check(office: &Office, payload: &str, extra: &[&str]) -> (i32, Value) {
    let out = office
        .cmd()
        .arg("check")
        .arg(payload)
        .arg("--json")
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout));
    });
    (out.status.code().unwrap(), json)
}

/// (exam_no, qr, id_no) of the demo candidate at `index` (0-based), read from the database.
fn candidate(office: &Office, index: usize) -> (String, String, String) {
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let record: String = conn
        .query_row(
            "SELECT record FROM candidates ORDER BY exam_no LIMIT 1 OFFSET ?1",
            [index as i64],
            |r| r.get(0),
        )
        .unwrap();
    let v: Value = serde_json::from_str(&record).unwrap();
    let text = |k: &str| v[k].as_str().unwrap().to_owned();
    (text("exam_no"), text("qr"), text("id_no"))
}

fn blocker_ids(v: &Value) -> Vec<String> {
    v["blockers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn demo_then_check_a_signed_form() {
    let office = Office::empty();
    let out = office
        .cmd()
        .args(["demo", "--candidates", "30"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("c01 / 1111"),
        "demo prints its clerks: {text}"
    );
    let config = std::fs::read_to_string(office.path("config.toml")).unwrap();
    assert!(
        config.contains("site_code = \"9901\"") && config.contains("portal_public_keys"),
        "{config}"
    );
    let (_, qr, _) = candidate(&office, 0);
    let (code, v) = check(&office, &qr, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["scan"],
        serde_json::json!({"kind": "signed", "verified": true})
    );
    assert_eq!(
        v["window"]["status"], "open",
        "the demo window is open when the demo is run"
    );
    assert_eq!(v["intake"]["state"], "new");
    assert_eq!(v["checklist"][0]["id"], "reg_form");
    assert_eq!(v["checklist"][0]["copies"], 2);
    assert_eq!(v["checklist"][0]["kind"], "copy");
    assert!(v["blockers"].as_array().unwrap().is_empty(), "{v}");
    let masked = v["candidate"]["id_masked"].as_str().unwrap();
    assert!(
        masked.starts_with("**************") && masked.len() == 18,
        "{masked}"
    );
}

#[test]
fn check_by_exam_number_and_id_number_is_unsigned() {
    let office = Office::demo();
    let (exam_no, _, id_no) = candidate(&office, 0);
    let (code, v) = check(&office, &exam_no, &[]);
    assert_eq!(
        (
            code,
            v["scan"]["kind"].clone(),
            v["scan"]["verified"].clone()
        ),
        (0, "exam_no".into(), false.into())
    );
    let (code, v) = check(&office, &id_no, &[]);
    assert_eq!((code, v["scan"]["kind"].clone()), (0, "id_no".into()));
    assert_eq!(v["candidate"]["exam_no"], exam_no.as_str());
}

#[test]
fn every_error_kind_exits_1_with_json() {
    let office = Office::demo();
    let (_, qr, id_no) = candidate(&office, 0);
    let forged = qr.replacen("|9901|", "|9902|", 1);
    let mut bad_id = id_no.clone();
    let last = bad_id.pop().unwrap();
    bad_id.push(if last == '0' { '1' } else { '0' });
    let cases = [
        ("hello", "bad_payload"),
        (bad_id.as_str(), "bad_checksum"),
        (forged.as_str(), "bad_signature"),
        ("990199900001", "unknown_candidate"),
    ];
    for (payload, kind) in cases {
        let (code, v) = check(&office, payload, &[]);
        assert_eq!(code, 1, "{payload}");
        assert_eq!(v["error"]["kind"], kind, "{payload}: {v}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
    }
    // Without --json the message goes to stderr, still exit 1.
    office
        .cmd()
        .args(["check", "hello"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("无法识别"));
}

#[test]
fn blockers_for_the_rules_cases_and_the_window() {
    let office = Office::demo();
    // Demo case 14 (index 13): graduation prediction not passed.
    let (_, qr, _) = candidate(&office, 13);
    let (_, v) = check(&office, &qr, &[]);
    assert_eq!(blocker_ids(&v), ["prediction_not_passed"]);
    // Case 18 (index 17) belongs to another site: wrong_site at this counter.
    let (_, qr, _) = candidate(&office, 17);
    let (_, v) = check(&office, &qr, &[]);
    assert!(blocker_ids(&v).contains(&"wrong_site".to_owned()), "{v}");
    // A month later the demo window is over.
    let (_, qr, _) = candidate(&office, 0);
    let (code, v) = check(&office, &qr, &["--now", "2026-12-20T10:00:00+08:00"]);
    assert_eq!(code, 0);
    assert_eq!(v["window"]["status"], "window_over");
    assert_eq!(blocker_ids(&v), ["outside_window"]);
}

#[test]
fn flags_win_over_environment() {
    let office = Office::demo();
    let (exam_no, _, _) = candidate(&office, 0);
    let other = office.path("other.db");
    // The flag points at an empty database, so the candidate is unknown there.
    let out = office
        .cmd()
        .args(["check", &exam_no, "--json", "--db"])
        .arg(&other)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("unknown_candidate"));
    let (code, _) = check(&office, &exam_no, &[]);
    assert_eq!(code, 0);
}

#[test]
fn bad_now_is_a_usage_error() {
    let office = Office::demo();
    office
        .cmd()
        .args(["check", "x", "--now", "yesterday"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("RFC3339"));
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    for (text, key) in [
        ("site_code = \"12\"\n", "site_code"),
        ("sitecode = \"0104\"\n", "sitecode"),
        ("portal_public_keys = [\"xx\"]\n", "portal_public_keys[0]"),
    ] {
        std::fs::write(&config, text).unwrap();
        let out = Command::cargo_bin("grad-intake")
            .unwrap()
            .env_clear()
            .env("GRAD_INTAKE_CONFIG", &config)
            .env("GRAD_INTAKE_DB", dir.path().join("c.db"))
            .args(["check", "010523100123"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(key) && err.contains("配置文件"),
            "{text}: {err}"
        );
    }
}

fn roster_lines(office: &Office) -> Vec<String> {
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let mut stmt = conn
        .prepare("SELECT record FROM candidates ORDER BY exam_no")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn roster_import_is_all_or_nothing_and_reports_changes() {
    let office = Office::demo();
    let before = roster_lines(&office);
    let mut lines = before.clone();
    // Change one record, keep the others: 1 updated, 29 unchanged.
    let mut first: Value = serde_json::from_str(&lines[0]).unwrap();
    first["phone"] = "10099999999".into();
    lines[0] = first.to_string();
    let file = office.path("roster.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    office
        .cmd()
        .args(["roster", "import"])
        .arg(&file)
        .assert()
        .success()
        .stdout(predicates::str::contains("新增 0，更新 1，未变 29"));
    // A bad gender on line 30 refuses the whole file; nothing changes.
    let after_update = roster_lines(&office);
    let mut bad: Value = serde_json::from_str(&lines[29]).unwrap();
    bad["gender"] = "X".into();
    lines[29] = bad.to_string();
    lines[0] = before[0].clone();
    std::fs::write(&file, lines.join("\n")).unwrap();
    office
        .cmd()
        .args(["roster", "import"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("第30行").and(predicates::str::contains("gender")));
    assert_eq!(roster_lines(&office), after_update);
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn roster_show_masks_the_id_number() {
    let office = Office::demo();
    let (exam_no, _, id_no) = candidate(&office, 0);
    let out = office
        .cmd()
        .args(["roster", "show", &exam_no, "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains(&id_no) && text.contains(&id_no[14..]),
        "{text}"
    );
    office
        .cmd()
        .args(["roster", "show", "990199999999"])
        .assert()
        .code(1);
}

#[test]
fn log_never_holds_a_full_id_number() {
    let office = Office::demo();
    for i in 0..5 {
        let (exam_no, qr, id_no) = candidate(&office, i);
        check(&office, &qr, &[]);
        check(&office, &id_no, &[]);
        check(&office, &exam_no, &[]);
    }
    let log = std::fs::read_to_string(office.path("grad-intake.log")).unwrap_or_default();
    assert!(log.contains("check"), "the log is written: {log}");
    for i in 0..5 {
        let (_, _, id_no) = candidate(&office, i);
        assert!(!log.contains(&id_no), "full ID in the log");
    }
}

#[test]
fn files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let office = Office::demo();
    for name in [
        "counter.db",
        "config.toml",
        "demo-signing.key",
        "grad-intake.log",
    ] {
        let mode = std::fs::metadata(office.path(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn schedule_import_adds_a_batch_and_refuses_a_bad_file() {
    let office = Office::demo();
    let good = office.path("2023H2.toml");
    std::fs::write(&good, "batch = \"2023H2\"\n[[window]]\nsite = \"0201\"\ndates = [\"2023-12-11\"]\nsource = \"test\"\n").unwrap();
    office
        .cmd()
        .args(["schedule", "import"])
        .arg(&good)
        .assert()
        .success();
    office
        .cmd()
        .args([
            "schedule",
            "status",
            "0201",
            "--now",
            "2023-12-11T09:00:00+08:00",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("受理中"));
    let bad = office.path("bad.toml");
    std::fs::write(&bad, "[[window]]\nsite = \"7777\"\ndates = [\"2023-12-11\"]\nsource = \"x\"\nbatch = \"2023H2\"\n").unwrap();
    office
        .cmd()
        .args(["schedule", "import"])
        .arg(&bad)
        .assert()
        .code(1)
        .stderr(predicates::str::contains("7777"));
}

/// The demo made at any hour gives a counter that opens: a window valid for the schedule
/// validator and open at the minute it is made (every 10 minutes of a day are checked against
/// the schedule itself in `demo`'s unit tests; here the real binary at the day's edges).
#[test]
fn the_demo_made_at_any_hour_is_open() {
    for now in [
        "2026-12-02T00:00:00+08:00",
        "2026-12-02T05:50:00+08:00",
        "2026-12-02T13:10:00+08:00",
        "2026-12-02T22:41:00+08:00",
        "2026-12-02T23:59:30+08:00",
    ] {
        let office = Office::empty();
        let run = |args: &[&str]| {
            office
                .cmd()
                .env("GRAD_INTAKE_NOW", now)
                .args(args)
                .output()
                .unwrap()
        };
        assert!(
            run(&["demo", "--candidates", "30"]).status.success(),
            "demo at {now}"
        );
        let status = run(&["schedule", "status"]);
        let text = String::from_utf8_lossy(&status.stdout);
        assert!(
            status.status.success() && text.contains("受理中"),
            "at {now}: {text}{}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}
