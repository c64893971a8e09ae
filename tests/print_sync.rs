//! A finished print job reaches the portal: the counter's `printed` events (one per candidate,
//! the exam number in the body, whether or not the candidate has a file at this counter) are
//! stored by the reference portal like every other event.

mod sync_support;

use grad_intake::store::{Actor, Printed, Store};
use grad_intake::sync;
use sync_support::*;

#[test]
fn printed_events_are_stored_by_the_portal_under_their_candidates() {
    let dir = tempfile::tempdir().unwrap();
    let portal = PortalSetup::new(dir.path(), 30);
    let token = portal.add_counter(SITE, "c1");
    let server = PortalProcess::start(&portal, 0);
    let exam = portal.site_exam_nos();
    let db = dir.path().join("c1.db");
    let mut store = Store::open(&db).unwrap();
    let actor = Actor {
        counter_id: "c1",
        clerk_id: "c01",
        at: now(),
    };
    let batch = Printed {
        form: "registration-form".into(),
        exam_nos: vec![exam[0].clone(), exam[1].clone()],
        intake_id: None,
        copies: 2,
        job_id: 41,
    };
    store.record_printed(&batch, &actor).unwrap();

    let s = settings(&server.url(), &token, SITE, "c1");
    let report = sync::run_round(&s, &db, &mut |_| {}).unwrap();
    assert_eq!((report.stored, report.rejected), (2, 0), "{report:?}");
    let conn = portal.conn();
    let mut stmt = conn
        .prepare("SELECT kind, exam_no FROM events WHERE counter_id = 'c1' ORDER BY seq")
        .unwrap();
    let stored: Vec<(String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let printed = |e: &String| ("printed".to_owned(), Some(e.clone()));
    assert_eq!(stored, [printed(&exam[0]), printed(&exam[1])]);
}
