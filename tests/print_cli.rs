//! `grad-intake print` end to end against a real CUPS (a private cupsd per test, see
//! tests/common/cups.rs): the form goes out duplex on A4 in the rules' number of copies and the
//! finished job is logged for sync; a printer that cannot print duplex or cannot be reached
//! leaves the counter's database as it was.
#![cfg(unix)] // real ptys, file modes, tmux or cupsd: Unix only

mod common;

use common::cups::{Cups, free_port};
use common::office::Office;
use grad_intake::print::ipp;

/// The first demo candidate (a 社会考生: two copies of the form) and its intake id, after a
/// clerk accepted the file.
fn accepted_file(office: &Office) -> (String, String) {
    use grad_intake::domain::intake::{Decision, Intake, Tick};
    use grad_intake::store::Actor;
    let mut store = office.store();
    let candidate = store.search_by_name("演示", 1).unwrap().remove(0);
    let exam_no = candidate.exam_no.to_string();
    let at = chrono::DateTime::parse_from_rfc3339(common::office::NOW)
        .unwrap()
        .to_utc();
    let rules = grad_intake::domain::rules::Rules::builtin().unwrap();
    let checklist = rules.evaluate(&candidate, at.date_naive()).checklist;
    let mut intake = Intake::new(uuid::Uuid::now_v7().to_string(), exam_no.clone());
    let mut events = vec![intake.open().unwrap().unwrap()];
    for item in &checklist {
        let tick = Tick {
            original_seen: true,
            copy_kept: true,
            note: None,
        };
        events.push(intake.tick(&checklist, &item.id, tick).unwrap());
    }
    let decision = Decision {
        at,
        clerk_id: "c01".into(),
    };
    events.push(intake.accept(&checklist, &[], decision).unwrap());
    let actor = Actor {
        counter_id: "demo-01",
        clerk_id: "c01",
        at,
    };
    store.save_intake(&intake, &events, &actor).unwrap();
    (exam_no, intake.id)
}

/// The counter's log and its audit trail, to compare before and after.
fn snapshot(office: &Office) -> (usize, usize, String) {
    let store = office.store();
    let events = store.events_after("demo-01", 0, 10_000).unwrap().len();
    let audit = store.audit_entries().unwrap().len();
    let conn = rusqlite::Connection::open(office.db()).unwrap();
    let intakes: String = conn
        .query_row("SELECT group_concat(body, '|') FROM intakes", [], |r| {
            r.get::<_, Option<String>>(0)
        })
        .unwrap()
        .unwrap_or_default();
    (events, audit, intakes)
}

#[test]
fn a_form_prints_duplex_on_a4_in_the_rules_copies_and_is_logged() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    let office = Office::demo();
    let (exam_no, intake_id) = accepted_file(&office);
    let uri = cups.uri("duplex");

    let (code, out, err) = office.run(&["print", "form", &exam_no, "--printer", &uri], "");
    assert_eq!(code, 0, "{out}{err}\n{}", cups.logs());
    assert!(out.contains("完成") && out.contains("各 2 份"), "{out}");
    let job_id: i32 = out
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("the job id is reported");
    let attrs = ipp::job_attributes(&uri, job_id).unwrap();
    assert_eq!(attrs["sides"], "two-sided-long-edge");
    assert_eq!(attrs["media"], "iso_a4_210x297mm");
    assert_eq!(attrs["copies"], "2");
    assert!(
        !attrs["job-name"].contains(&exam_no),
        "no personal data in the job name"
    );
    let printed = std::fs::read(cups.output("duplex")).unwrap();
    assert!(printed.starts_with(b"%PDF"), "the queue wrote the document");

    let store = office.store();
    let events = store.events_after("demo-01", 0, 10_000).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.kind, "printed");
    assert_eq!(last.body["exam_no"], exam_no.as_str());
    assert_eq!(last.body["job_id"], job_id);
    let audit = store.audit_entries().unwrap();
    assert!(audit.last().unwrap().action == "printed");

    let (code, out, err) = office.run(&["print", "receipt", &intake_id, "--printer", &uri], "");
    assert_eq!(code, 0, "{out}{err}");
    let events = office.store().events_after("demo-01", 0, 10_000).unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.kind.as_str(), last.intake_id.as_deref()),
        ("printed", Some(intake_id.as_str()))
    );
}

/// Printed from a shell without $USER (a service, `env -i`), the job is still recorded under the
/// account that ran it, at the time the printer finished it (after the command started).
#[test]
fn the_printed_event_names_the_os_account_and_the_completion_time() {
    let cups = Cups::start();
    cups.add_queue("duplex", "duplex.ppd");
    let office = Office::demo();
    let (exam_no, _) = accepted_file(&office);
    let out = office
        .cmd()
        .env_remove("USER")
        .args(["print", "form", &exam_no, "--printer", &cups.uri("duplex")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}\n{}", cups.logs());

    let events = office.store().unsent_events("demo-01", 10_000).unwrap();
    let printed = events.iter().find(|e| e.kind == "printed").unwrap();
    assert!(printed.clerk_id.starts_with("os:"), "{}", printed.clerk_id);
    assert_ne!(printed.clerk_id, "os:unknown");
    assert!(printed.clerk_id.len() > "os:".len());
    let at = chrono::DateTime::parse_from_rfc3339(&printed.at).unwrap();
    let started = chrono::DateTime::parse_from_rfc3339(common::office::NOW).unwrap();
    assert!(at > started, "completed {at}, started {started}");
}

#[test]
fn a_printer_without_duplex_or_out_of_reach_changes_nothing() {
    let cups = Cups::start();
    cups.add_queue("simplex", "simplex.ppd");
    let office = Office::demo();
    let (exam_no, intake_id) = accepted_file(&office);
    let before = snapshot(&office);

    let simplex = cups.uri("simplex");
    let (code, _, err) = office.run(&["print", "form", &exam_no, "--printer", &simplex], "");
    assert_ne!(code, 0);
    assert!(err.contains("双面"), "{err}");
    assert!(cups.printed("simplex").is_empty(), "nothing was sent");

    let away = format!("ipp://127.0.0.1:{}/printers/duplex", free_port());
    let (code, _, err) = office.run(&["print", "receipt", &intake_id, "--printer", &away], "");
    assert_ne!(code, 0);
    assert!(err.contains("打印机"), "{err}");

    assert_eq!(
        snapshot(&office),
        before,
        "the intake, its log and the audit are untouched"
    );
}

#[test]
fn without_a_printer_the_command_says_how_to_set_one() {
    let office = Office::demo();
    let (exam_no, _) = accepted_file(&office);
    let (code, _, err) = office.run(&["print", "form", &exam_no], "");
    assert_ne!(code, 0);
    assert!(err.contains("printer") && err.contains("--out"), "{err}");
}
