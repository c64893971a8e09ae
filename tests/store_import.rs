//! The store on real SQLite files: roster import (all or nothing), lookups, file mode and
//! pragmas, migrations from every version, the append-only event log, the audit chain and clerk
//! logins with lockout.
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use serde_json::Value;
use tempfile::TempDir;

use grad_intake::demo;
use grad_intake::domain::candidate::{Candidate, IdType};
use grad_intake::domain::ids::check_char;
use grad_intake::domain::intake::{Decision, Intake, IntakeEvent, IntakeState, Tick};
use grad_intake::domain::rules::{ChecklistItem, ItemKind};
use grad_intake::domain::scan::{self, PublicKeys, Scan};
use grad_intake::roster_file::{self, Format, Location, RosterImportError};
use grad_intake::store::{
    Actor, ClerkError, ImportReport, LATEST_VERSION, LoginError, Role, Store, StoreError,
};

fn now() -> DateTime<Utc> {
    // 2023-06-12 10:00 in Shanghai: a window day of the sample batch.
    Utc.with_ymd_and_hms(2023, 6, 12, 2, 0, 0).unwrap()
}

fn key() -> SigningKey {
    SigningKey::from_bytes(&[1; 32])
}

fn roster(count: usize, seed: u64) -> Vec<Candidate> {
    demo::roster(count, seed, now(), &key())
        .unwrap()
        .into_iter()
        .map(|(_, c)| c)
        .collect()
}

fn db_in(dir: &TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// The roster table's content, row by row.
fn snapshot(store: &Store) -> Vec<(String, String)> {
    let mut stmt = store
        .connection()
        .prepare("SELECT exam_no, record FROM candidates ORDER BY exam_no")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn jsonl(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(|c| serde_json::to_string(c).unwrap() + "\n")
        .collect()
}

// ---- roster import --------------------------------------------------------------------------

#[test]
fn bad_last_record_of_a_1000_record_file_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "counter.db");
    let mut store = Store::open(&db).unwrap();
    let earlier = roster(300, 1);
    assert_eq!(
        store.import_roster(&earlier).unwrap(),
        ImportReport {
            added: 300,
            updated: 0,
            unchanged: 0
        }
    );
    let before = snapshot(&store);
    assert_eq!(before.len(), 300);

    // 1,000 records; the 1,000th has a gender the roster does not know.
    let new = roster(1000, 2);
    let mut lines: Vec<Value> = new
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    lines[999]["gender"] = Value::String("M".into());
    let text: String = lines.iter().map(|v| v.to_string() + "\n").collect();
    let file = dir.path().join("roster.jsonl");
    std::fs::write(&file, &text).unwrap();

    let err = roster_file::parse(&text, Format::Jsonl).unwrap_err();
    assert_eq!(err.location, Location::Line(1000), "{err}");
    assert_eq!(err.field, "gender", "{err}");
    assert_eq!(err.exam_no.as_deref(), Some(new[999].exam_no.as_str()));
    let shown = err.to_string();
    assert!(
        shown.contains("第1000行") && shown.contains("gender"),
        "{shown}"
    );
    let err = roster_file::read(&file, None).unwrap_err();
    assert_eq!(
        (err.location, err.field.as_str()),
        (Location::Line(1000), "gender")
    );

    // The command-line import of the same file fails and leaves the database as it was.
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .env_remove("GRAD_INTAKE_NOW")
        .env("GRAD_INTAKE_CONFIG", dir.path().join("no-config.toml"))
        .arg("--db")
        .arg(&db)
        .args(["roster", "import"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("第1000行") && stderr.contains("gender"),
        "{stderr}"
    );

    assert_eq!(snapshot(&store), before);
    assert_eq!(store.roster_count().unwrap(), 300);

    // Fixed, the same file imports: 700 new, the 300 earlier exam numbers replaced.
    let fixed = jsonl(&new);
    let parsed = roster_file::parse(&fixed, Format::Jsonl).unwrap();
    assert_eq!(parsed, new);
    let report = store.import_roster(&parsed).unwrap();
    assert_eq!(report.added, 700);
    assert_eq!(report.updated + report.unchanged, 300);
    assert_eq!(store.roster_count().unwrap(), 1000);
}

/// The roster's secondary indexes as the schema holds them.
fn roster_indexes(store: &Store) -> Vec<(String, String)> {
    let mut stmt = store
        .connection()
        .prepare(
            "SELECT name, sql FROM sqlite_schema
             WHERE type = 'index' AND tbl_name = 'candidates' AND sql IS NOT NULL ORDER BY name",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_large_import_into_an_empty_roster_builds_its_indexes_after_the_rows() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let indexes = roster_indexes(&store);
    assert_eq!(indexes.len(), 2, "{indexes:?}");

    // Refused at its last record (a test-only trigger): the indexes are back as they were.
    let big = roster(12_000, 3);
    store
        .connection()
        .execute_batch(&format!(
            "CREATE TRIGGER test_refuse_last BEFORE INSERT ON candidates WHEN NEW.exam_no = '{}'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            big[11_999].exam_no
        ))
        .unwrap();
    store.import_roster(&big).unwrap_err();
    assert_eq!(roster_indexes(&store), indexes);
    assert_eq!(store.roster_count().unwrap(), 0);
    store
        .connection()
        .execute_batch("DROP TRIGGER test_refuse_last")
        .unwrap();

    // Stored: the same indexes, holding every row, and used by the look-up by ID number.
    assert_eq!(store.import_roster(&big).unwrap().added, 12_000);
    assert_eq!(roster_indexes(&store), indexes);
    let check: String = store
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let plan: String = store
        .connection()
        .query_row(
            "EXPLAIN QUERY PLAN SELECT record FROM candidates WHERE id_no = ?1",
            ["x"],
            |r| r.get(3),
        )
        .unwrap();
    assert!(plan.contains("candidates_by_id_no"), "{plan}");
    let found = store.candidate_by_id_no(big[6_543].id_no.as_str()).unwrap();
    assert_eq!(found.as_ref(), Some(&big[6_543]));
}

#[test]
fn import_that_fails_in_the_database_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    store.import_roster(&roster(300, 1)).unwrap();
    let before = snapshot(&store);

    // A test-only trigger refuses the 1,000th record at the moment it is written.
    let new = roster(1000, 2);
    store
        .connection()
        .execute_batch(&format!(
            "CREATE TRIGGER test_refuse_last BEFORE INSERT ON candidates WHEN NEW.exam_no = '{}'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            new[999].exam_no
        ))
        .unwrap();
    let err = store.import_roster(&new).unwrap_err();
    assert!(matches!(err, StoreError::Sql { .. }), "{err:?}");
    assert_eq!(snapshot(&store), before);
    assert_eq!(store.roster_count().unwrap(), 300);
}

#[test]
fn reimport_reports_added_updated_unchanged() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let all = roster(102, 5);
    // Generation is deterministic: the first 100 of 102 are the roster of 100.
    assert_eq!(&all[..100], roster(100, 5).as_slice());

    assert_eq!(
        store.import_roster(&all[..100]).unwrap(),
        ImportReport {
            added: 100,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(
        store.import_roster(&all[..100]).unwrap(),
        ImportReport {
            added: 0,
            updated: 0,
            unchanged: 100
        }
    );

    let mut next = all.clone();
    next[3].name = "演示改名".into();
    next[10].id_no = valid_id_no("99010119800101123");
    next[20].updated_at += Duration::hours(1);
    let old_id_no = all[10].id_no.clone();
    assert_eq!(
        store.import_roster(&next).unwrap(),
        ImportReport {
            added: 2,
            updated: 3,
            unchanged: 97
        }
    );
    assert_eq!(store.roster_count().unwrap(), 102);

    for c in [&next[3], &next[10], &next[20], &next[101]] {
        assert_eq!(
            store.candidate(c.exam_no.as_str()).unwrap().as_ref(),
            Some(c)
        );
    }
    assert_eq!(
        store
            .candidate(next[3].exam_no.as_str())
            .unwrap()
            .unwrap()
            .name,
        "演示改名"
    );
    assert_eq!(
        store.candidate_by_id_no(&next[10].id_no).unwrap().as_ref(),
        Some(&next[10])
    );
    assert_eq!(store.candidate_by_id_no(&old_id_no).unwrap(), None);
    assert_eq!(
        store.import_roster(&next).unwrap(),
        ImportReport {
            added: 0,
            updated: 0,
            unchanged: 102
        }
    );
}

/// `first17` with its check character.
fn valid_id_no(first17: &str) -> String {
    format!("{first17}{}", check_char(first17.as_bytes()))
}

#[test]
fn lookups_by_exam_no_id_no_and_name() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let candidates = roster(60, 9);
    store.import_roster(&candidates).unwrap();

    for c in &candidates {
        assert_eq!(
            store.candidate(c.exam_no.as_str()).unwrap().as_ref(),
            Some(c)
        );
    }
    for c in candidates.iter().filter(|c| c.id_type.is_mainland()) {
        let found = store.candidate_by_id_no(&c.id_no).unwrap().unwrap();
        assert_eq!(found.id_no, c.id_no);
    }
    assert_eq!(store.candidate("999999999999").unwrap(), None);
    assert_eq!(store.candidate("").unwrap(), None);
    assert_eq!(
        store.candidate_by_id_no("11010519491231002X").unwrap(),
        None
    );

    // A name with a rare character is found by that character; results come by exam number.
    let rare = candidates
        .iter()
        .find(|c| c.name.contains('喆'))
        .expect("demo roster has a rare name");
    let found = store.search_by_name("喆", 10).unwrap();
    assert!(found.contains(rare), "{found:?}");
    assert!(found.iter().all(|c| c.name.contains('喆')));

    let tagged = store
        .search_by_name(demo::names::DEMO_NAME_TAG, 1000)
        .unwrap();
    assert_eq!(tagged.len(), candidates.len());
    let mut by_exam_no = candidates.clone();
    by_exam_no.sort_by(|a, b| a.exam_no.cmp(&b.exam_no));
    assert_eq!(tagged, by_exam_no);
    assert_eq!(
        store.search_by_name(demo::names::DEMO_NAME_TAG, 7).unwrap(),
        by_exam_no[..7].to_vec()
    );
    assert!(store.search_by_name("没有这个名字", 10).unwrap().is_empty());
    // LIKE wildcards typed by the clerk are not wildcards.
    assert!(store.search_by_name("x_y%z", 10).unwrap().is_empty());
    assert!(store.search_by_name("演%喆", 10).unwrap().is_empty());
}

// A roster record whose resident ID ends in a lower-case `x` is found by a scan or typed entry
// of that ID, which is upper-cased ("…X").
#[test]
fn id_number_with_lower_case_x_in_the_roster_is_found_by_scan() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let mut c = roster(20, 3).remove(0);
    c.id_no = "11010519491231002x".into();
    assert!(c.validate().is_ok());
    store.import_roster(std::slice::from_ref(&c)).unwrap();

    let Ok(Scan::IdNo(id)) = scan::parse("11010519491231002x", &PublicKeys::default()) else {
        panic!("the ID number scans");
    };
    let found = store.candidate_by_id_no(id.as_str()).unwrap();
    assert_eq!(
        found.map(|f| f.exam_no),
        Some(c.exam_no),
        "scanned {} finds nobody",
        id.as_str()
    );
}

// ---- large imports: parsed while stored ------------------------------------------------------

/// `text` with the record of line `line` (1-based) given a gender the roster does not know.
fn with_bad_gender(text: &str, line: usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let mut v: Value = serde_json::from_str(&lines[line - 1]).unwrap();
    v["gender"] = Value::String("M".into());
    lines[line - 1] = v.to_string();
    lines.join("\n") + "\n"
}

fn journal_mode(store: &Store) -> String {
    store
        .connection()
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap()
}

#[test]
fn a_large_import_is_all_or_nothing_and_leaves_the_file_in_wal_mode() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "counter.db");
    let mut store = Store::open(&db).unwrap();
    store.import_roster(&roster(300, 1)).unwrap();
    let before = snapshot(&store);

    // 12,000 records (enough for the bulk way), the very last one bad.
    let big = roster(12_000, 6);
    let text = jsonl(&big);
    let err = roster_file::import(&mut store, &with_bad_gender(&text, 12_000), Format::Jsonl)
        .unwrap_err();
    let RosterImportError::File(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (err.location, err.field.as_str()),
        (Location::Line(12_000), "gender")
    );
    assert_eq!(snapshot(&store), before);
    assert_eq!(journal_mode(&store), "wal");
    let journal = PathBuf::from(format!("{}-journal", db.display()));
    assert!(!journal.exists(), "no journal left behind");

    // Fixed, it is stored whole: the 300 earlier exam numbers are among the 12,000.
    let report = roster_file::import(&mut store, &text, Format::Jsonl).unwrap();
    assert_eq!(report.added, 11_700);
    assert_eq!(report.updated + report.unchanged, 300);
    assert_eq!(store.roster_count().unwrap(), 12_000);
    assert_eq!(journal_mode(&store), "wal");
    assert!(!journal.exists(), "no journal left behind");
    for c in [&big[0], &big[5_000], &big[11_999]] {
        assert_eq!(
            store.candidate(c.exam_no.as_str()).unwrap().as_ref(),
            Some(c)
        );
        assert_eq!(
            store.candidate_by_id_no(&c.id_no).unwrap().as_ref(),
            Some(c)
        );
    }
    // The records are the candidates' canonical JSON, as the lines of the file were.
    let stored = snapshot(&store);
    assert_eq!(stored.len(), 12_000);
    assert!(
        stored.iter().map(|(_, r)| r.as_str()).eq(text.lines()),
        "the records are the lines of the file"
    );
    // Again: nothing changes.
    let again = roster_file::import(&mut store, &text, Format::Jsonl).unwrap();
    assert_eq!(
        again,
        ImportReport {
            added: 0,
            updated: 0,
            unchanged: 12_000
        }
    );
    drop(store);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.roster_count().unwrap(), 12_000);
}

#[test]
fn a_large_import_killed_midway_leaves_the_roster_as_it_was_or_whole() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "counter.db");
    let mut store = Store::open(&db).unwrap();
    store.import_roster(&roster(300, 1)).unwrap();
    drop(store);
    let file = dir.path().join("roster.jsonl");
    std::fs::write(&file, jsonl(&roster(20_000, 6))).unwrap();
    for delay_ms in [60, 150, 300] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_grad-intake"))
            .env_remove("GRAD_INTAKE_NOW")
            .env("GRAD_INTAKE_CONFIG", dir.path().join("no-config.toml"))
            .arg("--db")
            .arg(&db)
            .args(["roster", "import"])
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SIGKILL: no destructor, no rollback by the process itself.
        let _ = child.kill();
        child.wait().unwrap();
        let store = Store::open(&db).unwrap();
        let count = store.roster_count().unwrap();
        assert!(count == 300 || count == 20_000, "half an import: {count}");
        assert_intact_in_wal(&store);
    }
}

/// The image a power cut leaves in the middle of the bulk import: a rollback journal holding
/// the original pages beside a file already holding some new ones. Made without killing
/// anything: the file and its journal are copied while the write is open.
#[test]
fn an_interrupted_bulk_write_is_rolled_back_on_open_and_named_by_doctor() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "counter.db");
    let mut store = Store::open(&db).unwrap();
    store.import_roster(&roster(300, 1)).unwrap();
    drop(store);
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "TRUNCATE")
        .unwrap();
    // A tiny cache: the open write spills its pages into the file itself.
    conn.pragma_update(None, "cache_size", 10).unwrap();
    conn.execute_batch("BEGIN; DELETE FROM candidates; CREATE TABLE filler(x);")
        .unwrap();
    for i in 0..2_000 {
        conn.execute("INSERT INTO filler VALUES (?1)", [format!("{i:0>2000}")])
            .unwrap();
    }
    let crashed = dir.path().join("crashed");
    std::fs::create_dir(&crashed).unwrap();
    let image = crashed.join("counter.db");
    for suffix in ["", "-journal"] {
        std::fs::copy(
            format!("{}{suffix}", db.display()),
            format!("{}{suffix}", image.display()),
        )
        .unwrap();
    }
    drop(conn);
    assert!(grad_intake::owner_only::has_hot_journal(&image));

    let doctor = std::process::Command::new(env!("CARGO_BIN_EXE_grad-intake"))
        .env("GRAD_INTAKE_CONFIG", dir.path().join("no-config.toml"))
        .arg("--db")
        .arg(&image)
        .arg("doctor")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&doctor.stdout);
    assert!(said.contains("被中断"), "{said}");
    assert!(
        grad_intake::owner_only::has_hot_journal(&image),
        "doctor changed it"
    );

    let store = Store::open(&image).unwrap();
    assert_eq!(store.roster_count().unwrap(), 300);
    assert_intact_in_wal(&store);
}

/// What every crash test ends with: SQLite finds the file whole and back in WAL mode.
fn assert_intact_in_wal(store: &Store) {
    let check: String = store
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    assert_eq!(journal_mode(store), "wal");
}

#[test]
fn a_large_import_while_the_counter_has_the_file_open_goes_through_the_wal() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "counter.db");
    let screen = Store::open(&db).unwrap();
    let mut store = Store::open(&db).unwrap();
    let big = roster(12_000, 6);
    let report = roster_file::import(&mut store, &jsonl(&big), Format::Jsonl).unwrap();
    assert_eq!(report.added, 12_000);
    assert_eq!(screen.roster_count().unwrap(), 12_000);
    assert_eq!(journal_mode(&store), "wal");
    assert_eq!(journal_mode(&screen), "wal");
    assert_eq!(
        screen.candidate(big[7].exam_no.as_str()).unwrap().as_ref(),
        Some(&big[7])
    );
}

#[test]
fn any_layout_of_the_file_is_stored_as_the_canonical_record() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let mut candidates = roster(40, 8);
    candidates[3].id_type = IdType::ResidentCard;
    candidates[3].id_no = "11010519491231002x".into();
    // A pretty-printed JSON array with an unknown field: stored as `serde_json::to_string`
    // of the parsed candidate (the ID number's `x` upper-cased, the unknown field gone).
    let mut values: Vec<Value> = candidates
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect();
    values[5]["extra"] = Value::from("ignored");
    let pretty = serde_json::to_string_pretty(&values).unwrap();
    let report = roster_file::import(&mut store, &pretty, Format::Json).unwrap();
    assert_eq!(report.added, 40);
    candidates[3].id_no = "11010519491231002X".into();
    let stored = snapshot(&store);
    assert_eq!(stored.len(), 40);
    for (c, (exam_no, record)) in candidates.iter().zip(&stored) {
        assert_eq!(exam_no, c.exam_no.as_str());
        assert!(
            *record == serde_json::to_string(c).unwrap(),
            "{exam_no} stored as {record}"
        );
    }
    // The same roster as JSON Lines and as CSV changes nothing.
    let unchanged = ImportReport {
        added: 0,
        updated: 0,
        unchanged: 40,
    };
    assert_eq!(
        roster_file::import(&mut store, &jsonl(&candidates), Format::Jsonl).unwrap(),
        unchanged
    );
    let mut csv = Vec::new();
    roster_file::write_csv(&candidates, &mut csv).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(
        roster_file::import(&mut store, &csv, Format::Csv).unwrap(),
        unchanged
    );
}

#[test]
fn import_reports_file_errors_as_parse_does() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let candidates = roster(60, 9);
    let mut twice = candidates.clone();
    twice[20] = twice[4].clone();
    let text = jsonl(&twice);
    // A duplicate alone: named at its second line.
    let err = roster_file::import(&mut store, &text, Format::Jsonl).unwrap_err();
    assert_eq!(
        err.to_string(),
        roster_file::parse(&text, Format::Jsonl)
            .unwrap_err()
            .to_string()
    );
    let RosterImportError::File(err) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (err.location, err.field.as_str()),
        (Location::Line(21), "exam_no")
    );
    // A bad record further on wins over an earlier duplicate, as with `parse`.
    let text = with_bad_gender(&text, 50);
    let RosterImportError::File(err) =
        roster_file::import(&mut store, &text, Format::Jsonl).unwrap_err()
    else {
        panic!("not a file error")
    };
    assert_eq!(
        (err.location, err.field.as_str()),
        (Location::Line(50), "gender")
    );
    assert_eq!(store.roster_count().unwrap(), 0);
}

#[test]
fn the_same_exam_number_twice_in_one_import_into_an_empty_roster() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let first = roster(20, 3).remove(0);
    let mut second = first.clone();
    second.name = "演示改名".into();
    let report = store
        .import_roster(&[first.clone(), second.clone(), second.clone()])
        .unwrap();
    assert_eq!(
        report,
        ImportReport {
            added: 1,
            updated: 1,
            unchanged: 1
        }
    );
    assert_eq!(
        store.candidate(first.exam_no.as_str()).unwrap(),
        Some(second)
    );
}

// ---- the file -------------------------------------------------------------------------------

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
#[test]
fn database_file_is_owner_only_wal_and_synchronous_full() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new().unwrap();
    let db = dir.path().join("sub/dir/counter.db");
    let mut store = Store::open(&db).unwrap();
    store.import_roster(&roster(30, 1)).unwrap();

    assert_eq!(mode(&db), 0o600);
    let mut sidecars = 0;
    for suffix in ["-wal", "-shm"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if path.exists() {
            sidecars += 1;
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
    assert!(
        sidecars > 0,
        "a WAL database being written has its -wal file"
    );

    let conn = store.connection();
    let journal: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    let synchronous: i64 = conn
        .pragma_query_value(None, "synchronous", |r| r.get(0))
        .unwrap();
    assert_eq!(synchronous, 2, "synchronous=FULL");
    let foreign_keys: i64 = conn
        .pragma_query_value(None, "foreign_keys", |r| r.get(0))
        .unwrap();
    assert_eq!(foreign_keys, 1);
    drop(store);

    // A file left readable by others is tightened when the counter opens it.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&db).unwrap();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(store.roster_count().unwrap(), 30);
}

// ---- migrations -----------------------------------------------------------------------------

fn tables(store: &Store) -> Vec<String> {
    let mut stmt = store
        .connection()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Writes what the schema at `version` can hold.
fn fill_at_version(store: &mut Store, version: i64, candidates: &[Candidate]) {
    let has = |store: &Store, table: &str| tables(store).iter().any(|t| t == table);
    if version >= 1 {
        assert!(has(store, "candidates") && has(store, "settings"));
        store.import_roster(candidates).unwrap();
        store.set_setting("roster_cursor", "42").unwrap();
        store
            .put_photo(candidates[0].exam_no.as_str(), b"\xff\xd8jpeg")
            .unwrap();
    }
    if version >= 2 {
        assert!(
            ["clerks", "events", "intakes", "audit"]
                .iter()
                .all(|t| has(store, t))
        );
        store
            .add_clerk("c01", "柜员甲", Role::Clerk, "1234", "admin", now())
            .unwrap();
        let mut intake = Intake::new("intake-1".into(), candidates[0].exam_no.to_string());
        let opened = intake.open().unwrap().unwrap();
        save_with_the_columns_of_version_2(store, &intake, opened);
    }
    if version >= 3 {
        assert!(has(store, "schedule_docs"));
        store.put_schedule_doc("extra", "# nothing\n").unwrap();
    }
}

/// An intake and its event as a database at schema 2 to 5 holds them: today's code writes
/// columns added later (the event's clock offset, step 6), so the rows are made in a scratch
/// database of the latest schema and copied with the columns step 2 made.
fn save_with_the_columns_of_version_2(store: &mut Store, intake: &Intake, event: IntakeEvent) {
    let scratch_dir = TempDir::new().unwrap();
    let scratch_db = db_in(&scratch_dir, "scratch.db");
    let mut scratch = Store::open(&scratch_db).unwrap();
    scratch
        .save_intake(intake, &[event], &actor("c-01", "c01", now()))
        .unwrap();
    drop(scratch);
    let columns =
        "counter_id, seq, event_id, kind, intake_id, at, clerk_id, body, sync_state, sync_error";
    let conn = store.connection();
    conn.execute(
        "ATTACH DATABASE ?1 AS scratch",
        [scratch_db.to_str().unwrap()],
    )
    .unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO intakes SELECT id, exam_no, state, counter_id, opened_at, updated_at, body
            FROM scratch.intakes;
         INSERT INTO events({columns}) SELECT {columns} FROM scratch.events;
         DETACH DATABASE scratch;"
    ))
    .unwrap();
}

/// Everything `fill_at_version(version)` wrote is there, and the latest schema works.
fn check_after_migration(store: &mut Store, version: i64, candidates: &[Candidate]) {
    assert_eq!(store.version().unwrap(), LATEST_VERSION);
    if version >= 1 {
        assert_eq!(store.roster_count().unwrap(), candidates.len());
        for c in candidates {
            assert_eq!(
                store.candidate(c.exam_no.as_str()).unwrap().as_ref(),
                Some(c)
            );
        }
        assert_eq!(
            store.setting("roster_cursor").unwrap().as_deref(),
            Some("42")
        );
        assert_eq!(
            store
                .photo(candidates[0].exam_no.as_str())
                .unwrap()
                .as_deref(),
            Some(&b"\xff\xd8jpeg"[..])
        );
    } else {
        assert_eq!(store.roster_count().unwrap(), 0);
    }
    if version >= 2 {
        assert_eq!(store.login("c01", "1234", now()).unwrap().id, "c01");
        let record = store
            .intake(candidates[0].exam_no.as_str())
            .unwrap()
            .unwrap();
        assert_eq!(record.intake.state, IntakeState::InProgress);
        assert_eq!(store.events_after("c-01", 0, 10).unwrap().len(), 1);
    }
    if version >= 3 {
        assert!(
            store
                .schedule_docs()
                .unwrap()
                .iter()
                .any(|(name, _)| name == "extra")
        );
    }
    // The latest schema takes everything.
    store.import_roster(candidates).unwrap();
    store.put_schedule_doc("after", "# after\n").unwrap();
    store
        .audit(now(), "test", "migrated", &format!("from {version}"))
        .unwrap();
    assert_eq!(store.verify_audit().unwrap(), None);
}

#[test]
fn every_version_migrates_to_the_latest_keeping_data() {
    let dir = TempDir::new().unwrap();
    let candidates = roster(25, 4);
    let mut previous_tables: Vec<String> = Vec::new();
    for version in 0..LATEST_VERSION {
        let db = db_in(&dir, &format!("v{version}.db"));
        {
            let mut store = Store::open_at_version(&db, version).unwrap();
            assert_eq!(store.version().unwrap(), version);
            let now_tables = tables(&store);
            assert!(
                previous_tables.iter().all(|t| now_tables.contains(t)),
                "v{version}: {now_tables:?}"
            );
            previous_tables = now_tables;
            fill_at_version(&mut store, version, &candidates);
        }
        let mut store = Store::open(&db).unwrap();
        check_after_migration(&mut store, version, &candidates);
        drop(store);
        // Opening again is a no-op; asking for an older version never downgrades.
        let store = Store::open_at_version(&db, 0).unwrap();
        assert_eq!(store.version().unwrap(), LATEST_VERSION);
        assert_eq!(store.roster_count().unwrap(), candidates.len());
    }
}

#[test]
fn empty_file_is_created_at_the_latest_version() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "empty.db");
    std::fs::File::create(&db).unwrap();
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
    // An empty file readable by others is not one this program made: refused, left as it is.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(Store::open(&db).is_err());
    assert_eq!(std::fs::metadata(&db).unwrap().len(), 0);
    // An empty owner-only one (as this program creates them) is set up.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut store = Store::open(&db).unwrap();
    assert_eq!(store.version().unwrap(), LATEST_VERSION);
    let latest_tables = tables(&store);
    for table in [
        "candidates",
        "photos",
        "settings",
        "intakes",
        "events",
        "clerks",
        "audit",
        "schedule_docs",
    ] {
        assert!(
            latest_tables.iter().any(|t| t == table),
            "{table} missing: {latest_tables:?}"
        );
    }
    let candidates = roster(20, 4);
    fill_at_version(&mut store, LATEST_VERSION, &candidates);
    check_after_migration(&mut store, LATEST_VERSION, &candidates);
}

#[test]
fn file_from_a_newer_version_is_refused() {
    let dir = TempDir::new().unwrap();
    let db = db_in(&dir, "newer.db");
    {
        let mut store = Store::open(&db).unwrap();
        store.import_roster(&roster(20, 4)).unwrap();
        store
            .connection()
            .pragma_update(None, "user_version", LATEST_VERSION + 1)
            .unwrap();
    }
    match Store::open(&db) {
        Err(StoreError::TooNew { found }) => assert_eq!(found, LATEST_VERSION + 1),
        Err(other) => panic!("expected TooNew, got {other:?}"),
        Ok(_) => panic!("a file of a newer version was opened"),
    }
    assert!(matches!(
        Store::open_at_version(&db, 1),
        Err(StoreError::TooNew { .. })
    ));
    // Refusing it did not touch it.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, LATEST_VERSION + 1);
    let rows: i64 = conn
        .query_row("SELECT COUNT(*) FROM candidates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 20);
}

// ---- intakes and the event log ---------------------------------------------------------------

fn actor<'a>(counter_id: &'a str, clerk_id: &'a str, at: DateTime<Utc>) -> Actor<'a> {
    Actor {
        counter_id,
        clerk_id,
        at,
    }
}

fn checklist() -> Vec<ChecklistItem> {
    let item = |id: &str, title: &str, kind| ChecklistItem {
        id: id.into(),
        title: title.into(),
        copies: 2,
        kind,
        note: None,
        valid_on: None,
        source: "test".into(),
    };
    vec![
        item("reg_form", "《毕业生登记表》", ItemKind::Copy),
        item("id_card", "身份证", ItemKind::OriginalAndCopy),
    ]
}

fn decision(clerk: &str, at: DateTime<Utc>) -> Decision {
    Decision {
        at,
        clerk_id: clerk.into(),
    }
}

fn intake_row(store: &Store, exam_no: &str) -> (String, String, String) {
    store
        .connection()
        .query_row(
            "SELECT state, updated_at, body FROM intakes WHERE exam_no = ?1",
            [exam_no],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

#[test]
fn events_get_per_counter_sequence_numbers_and_uuid_v7_ids() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let candidates = roster(20, 1);
    store.import_roster(&candidates).unwrap();
    let list = checklist();
    let t1 = now();
    let t2 = t1 + Duration::minutes(3);

    // Counter 1: open and tick in one save, then tick and accept.
    let exam_no = candidates[0].exam_no.to_string();
    let mut intake = Intake::new(uuid::Uuid::now_v7().to_string(), exam_no.clone());
    let first = vec![
        intake.open().unwrap().unwrap(),
        intake
            .tick(
                &list,
                "reg_form",
                Tick {
                    copy_kept: true,
                    ..Tick::default()
                },
            )
            .unwrap(),
    ];
    store
        .save_intake(&intake, &first, &actor("c-01", "c01", t1))
        .unwrap();
    let second = vec![
        intake
            .tick(
                &list,
                "id_card",
                Tick {
                    original_seen: true,
                    copy_kept: true,
                    note: None,
                },
            )
            .unwrap(),
        intake.accept(&list, &[], decision("c01", t2)).unwrap(),
    ];
    store
        .save_intake(&intake, &second, &actor("c-01", "c01", t2))
        .unwrap();
    // Nothing to record: nothing written.
    store
        .save_intake(&intake, &[], &actor("c-01", "c01", t2))
        .unwrap();

    // Counter 2 numbers its own events from 1.
    let mut other = Intake::new(
        uuid::Uuid::now_v7().to_string(),
        candidates[1].exam_no.to_string(),
    );
    let opened = other.open().unwrap().unwrap();
    let returned = other
        .return_file(vec!["缺少身份证复印件".into()], decision("c02", t2))
        .unwrap();
    store
        .save_intake(&other, &[opened, returned], &actor("c-02", "c02", t2))
        .unwrap();

    let log1 = store.events_after("c-01", 0, 100).unwrap();
    let expected: Vec<&IntakeEvent> = first.iter().chain(&second).collect();
    assert_eq!(
        log1.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        log1.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        vec!["intake_opened", "item_ticked", "item_ticked", "accepted"]
    );
    for (logged, event) in log1.iter().zip(&expected) {
        assert_eq!(logged.counter_id, "c-01");
        assert_eq!(logged.intake_id.as_deref(), Some(intake.id.as_str()));
        assert_eq!(logged.clerk_id, "c01");
        assert_eq!(logged.body, serde_json::to_value(event).unwrap());
        assert_eq!(logged.sync_state, "pending");
    }
    assert_eq!(
        (log1[0].at, log1[1].at, log1[2].at, log1[3].at),
        (t1, t1, t2, t2)
    );
    assert_eq!(
        store.events_after("c-01", 2, 100).unwrap(),
        log1[2..].to_vec()
    );
    assert_eq!(
        store.events_after("c-01", 0, 1).unwrap(),
        log1[..1].to_vec()
    );

    let log2 = store.events_after("c-02", 0, 100).unwrap();
    assert_eq!(log2.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![1, 2]);
    assert_eq!(log2[1].kind, "returned");

    let ids: HashSet<&str> = log1
        .iter()
        .chain(&log2)
        .map(|e| e.event_id.as_str())
        .collect();
    assert_eq!(ids.len(), 6, "event ids are unique");
    for id in &ids {
        let uuid = uuid::Uuid::parse_str(id).unwrap();
        assert_eq!(uuid.get_version_num(), 7, "{id}");
    }
    assert_eq!(store.pending_event_count().unwrap(), 6);

    // The intakes as stored.
    let record = store.intake(&exam_no).unwrap().unwrap();
    assert_eq!(record.intake, intake);
    assert_eq!(record.intake.state, IntakeState::Accepted);
    assert_eq!(
        (
            record.counter_id.as_str(),
            record.opened_at,
            record.updated_at
        ),
        ("c-01", t1, t2)
    );
    assert_eq!(
        store
            .intake(candidates[1].exam_no.as_str())
            .unwrap()
            .unwrap()
            .intake,
        other
    );
    assert_eq!(store.intake("999999999999").unwrap(), None);

    // Decisions are audited with the intake.
    let actions: Vec<String> = store
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, vec!["accepted", "returned"]);
    assert_eq!(store.verify_audit().unwrap(), None);
}

#[test]
fn intake_and_its_events_are_one_transaction() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let list = checklist();
    let exam_no = "990123100001";
    let mut intake = Intake::new("intake-1".into(), exam_no.into());
    let events = vec![
        intake.open().unwrap().unwrap(),
        intake
            .tick(
                &list,
                "reg_form",
                Tick {
                    copy_kept: true,
                    ..Tick::default()
                },
            )
            .unwrap(),
    ];
    store
        .save_intake(&intake, &events, &actor("c-01", "c01", now()))
        .unwrap();

    let row_before = intake_row(&store, exam_no);
    let events_before = store.events_after("c-01", 0, 100).unwrap();
    let audit_before = store.audit_entries().unwrap();

    // A test-only trigger makes writing the 'returned' event fail, after the intake row was
    // updated and the 'item_unticked' event was appended in the same transaction.
    store
        .connection()
        .execute_batch(
            "CREATE TRIGGER test_refuse_returned BEFORE INSERT ON events WHEN NEW.kind = 'returned'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
        )
        .unwrap();
    let mut changed = intake.clone();
    let later = now() + Duration::minutes(10);
    let events = vec![
        changed.untick("reg_form").unwrap(),
        changed
            .return_file(vec!["登记表未盖章".into()], decision("c01", later))
            .unwrap(),
    ];
    let err = store
        .save_intake(&changed, &events, &actor("c-01", "c01", later))
        .unwrap_err();
    // The clerk reads why in Chinese, without SQLite's English.
    assert!(matches!(err, StoreError::Sql { .. }), "{err:?}");
    assert!(
        err.to_string().contains(grad_intake::strings::SQL_REFUSED),
        "{err}"
    );

    assert_eq!(intake_row(&store, exam_no), row_before);
    assert_eq!(store.intake(exam_no).unwrap().unwrap().intake, intake);
    assert_eq!(store.events_after("c-01", 0, 100).unwrap(), events_before);
    assert_eq!(store.audit_entries().unwrap(), audit_before);

    // Without the trigger the same change goes through, numbered on from where the log was.
    store
        .connection()
        .execute_batch("DROP TRIGGER test_refuse_returned")
        .unwrap();
    store
        .save_intake(&changed, &events, &actor("c-01", "c01", later))
        .unwrap();
    let log = store.events_after("c-01", 0, 100).unwrap();
    assert_eq!(
        log.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        store.intake(exam_no).unwrap().unwrap().intake.state,
        IntakeState::Returned
    );
}

#[test]
fn events_are_append_only() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let mut intake = Intake::new("intake-1".into(), "990123100001".into());
    let opened = intake.open().unwrap().unwrap();
    store
        .save_intake(&intake, &[opened], &actor("c-01", "c01", now()))
        .unwrap();
    let before = store.events_after("c-01", 0, 10).unwrap();

    let conn = store.connection();
    for sql in [
        "UPDATE events SET body = '{}'",
        "UPDATE events SET kind = 'accepted' WHERE seq = 1",
        "UPDATE events SET event_id = 'x', at = 'y'",
        "UPDATE events SET clock_offset_ms = 5",
        "DELETE FROM events",
        "DELETE FROM events WHERE seq = 1",
    ] {
        let err = conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.events_after("c-01", 0, 10).unwrap(), before);

    // The sync bookkeeping is not part of the record and may change.
    conn.execute("UPDATE events SET sync_state = 'synced' WHERE seq = 1", [])
        .unwrap();
    assert_eq!(store.pending_event_count().unwrap(), 0);
    // A sent event keeps its number (only one the portal never had may be renumbered, when a
    // restored counter takes back its lost events).
    conn.execute("UPDATE events SET sync_state = 'sent' WHERE seq = 1", [])
        .unwrap();
    let err = conn
        .execute("UPDATE events SET seq = 7", [])
        .expect_err("renumbering a sent event");
    assert!(err.to_string().contains("sequence number"), "{err}");
}

// ---- audit chain ----------------------------------------------------------------------------

fn audited_store(dir: &TempDir, name: &str) -> Store {
    let mut store = Store::open(&db_in(dir, name)).unwrap();
    for i in 1..=5 {
        store
            .audit(
                now() + Duration::minutes(i),
                "s01",
                "override",
                &format!("entry {i}"),
            )
            .unwrap();
    }
    assert_eq!(store.audit_entries().unwrap().len(), 5);
    assert_eq!(store.verify_audit().unwrap(), None);
    store
}

#[test]
fn audit_chain_detects_edits_removals_and_reordering() {
    let dir = TempDir::new().unwrap();

    // (database, tampering done directly in SQLite, first entry reported, how)
    let cases = [
        (
            "edited.db",
            "UPDATE audit SET detail = 'entry 3 (changed)' WHERE seq = 3",
            3,
            "edited",
        ),
        (
            "edited-actor.db",
            "UPDATE audit SET actor = 'c01' WHERE seq = 1",
            1,
            "edited",
        ),
        (
            "removed.db",
            "DELETE FROM audit WHERE seq = 3",
            3,
            "removed_or_reordered",
        ),
        (
            "swapped.db",
            "UPDATE audit SET seq = -2 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 4;
             UPDATE audit SET seq = 4 WHERE seq = -2;",
            2,
            "removed_or_reordered",
        ),
        (
            "truncated.db",
            "DELETE FROM audit WHERE seq = 5",
            5,
            "removed_or_reordered",
        ),
    ];
    for (name, tampering, seq, kind) in cases {
        let store = audited_store(&dir, name);
        store.connection().execute_batch(tampering).unwrap();
        let problem = store
            .verify_audit()
            .unwrap()
            .unwrap_or_else(|| panic!("{name}: tampering is detected"));
        assert_eq!((problem.seq, problem.kind), (seq, kind), "{name}");
    }

    // Entries appended after an intact chain keep it intact.
    let mut store = audited_store(&dir, "intact.db");
    store.audit(now(), "s01", "void", "990123100001").unwrap();
    assert_eq!(store.verify_audit().unwrap(), None);
    let entries = store.audit_entries().unwrap();
    assert_eq!(
        entries.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5, 6]
    );
    assert!(entries.windows(2).all(|w| w[1].prev_hash == w[0].hash));
}

// ---- clerks ---------------------------------------------------------------------------------

#[test]
fn clerk_login_with_right_and_wrong_pins_and_lockout() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open(&db_in(&dir, "counter.db")).unwrap();
    let t0 = now();
    store
        .add_clerk("c01", "柜员甲", Role::Clerk, "1234", "admin", t0)
        .unwrap();
    assert!(matches!(
        store.add_clerk("c01", "又一个", Role::Clerk, "5678", "admin", t0),
        Err(ClerkError::Exists)
    ));
    assert!(matches!(
        store.add_clerk("c02", "柜员乙", Role::Clerk, "12a4", "admin", t0),
        Err(ClerkError::BadPin)
    ));
    assert!(matches!(
        store.add_clerk("c02", "柜员乙", Role::Clerk, "123", "admin", t0),
        Err(ClerkError::BadPin)
    ));
    assert!(matches!(
        store.add_clerk("c 02", "柜员乙", Role::Clerk, "1234", "admin", t0),
        Err(ClerkError::BadId)
    ));
    // The hash is stored, not the PIN.
    let hash: String = store
        .connection()
        .query_row("SELECT pin_hash FROM clerks WHERE id = 'c01'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$") && !hash.contains("1234"),
        "{hash}"
    );

    let clerk = store.login("c01", "1234", t0).unwrap();
    assert_eq!(
        (clerk.id.as_str(), clerk.name.as_str(), clerk.role),
        ("c01", "柜员甲", Role::Clerk)
    );
    assert!(matches!(
        store.login("c01", "4321", t0),
        Err(LoginError::Wrong)
    ));
    assert!(matches!(
        store.login("nobody", "1234", t0),
        Err(LoginError::Wrong)
    ));
    // A right PIN clears earlier failures: four wrong in all, then the right one.
    for _ in 0..3 {
        assert!(matches!(
            store.login("c01", "0000", t0),
            Err(LoginError::Wrong)
        ));
    }
    store.login("c01", "1234", t0).unwrap();

    // Five wrong PINs in a row lock the clerk out for five minutes, even with the right PIN.
    let t = t0 + Duration::hours(1);
    for attempt in 1..=4 {
        assert!(
            matches!(store.login("c01", "0000", t), Err(LoginError::Wrong)),
            "attempt {attempt}"
        );
    }
    let until = match store.login("c01", "0000", t) {
        Err(LoginError::Locked(until)) => until,
        other => panic!("5th wrong PIN: {other:?}"),
    };
    assert_eq!(until, t + Duration::minutes(5));
    match store.login("c01", "1234", t) {
        Err(LoginError::Locked(u)) => assert_eq!(u, until),
        other => panic!("6th attempt with the right PIN: {other:?}"),
    }
    assert!(matches!(
        store.login("c01", "1234", t + Duration::seconds(299)),
        Err(LoginError::Locked(_))
    ));
    assert_eq!(
        store
            .login("c01", "1234", t + Duration::minutes(5))
            .unwrap()
            .id,
        "c01"
    );
    // After the lockout the count starts again.
    assert!(matches!(
        store.login("c01", "0000", t + Duration::minutes(6)),
        Err(LoginError::Wrong)
    ));

    let actions: Vec<String> = store
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(actions.contains(&"clerk_added".to_owned()));
    assert!(actions.contains(&"locked_out".to_owned()));
    assert_eq!(store.verify_audit().unwrap(), None);
}
