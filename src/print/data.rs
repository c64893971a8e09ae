//! What the forms are filled with: a candidate's roster record (and photo) for the registration
//! form, an intake and its checklist for the receipt. Pure: the instant and place are passed in.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::layout::FormData;
use crate::domain::candidate::{Candidate, IdType};
use crate::domain::ids::{ResidentId, mask};
use crate::domain::intake::{Intake, IntakeState, Tick};
use crate::domain::rules::ChecklistItem;
use crate::strings;

/// Where and when a form is printed.
#[derive(Debug, Clone)]
pub struct PrintPlace<'a> {
    /// "0201 韶关市区", or the bare code when the site is unknown.
    pub site: &'a str,
    pub counter_id: &'a str,
    pub now: DateTime<Utc>,
}

fn local_minute(at: DateTime<Utc>) -> String {
    crate::domain::office_time::date_hm(at)
}

/// The Chinese word serde uses for an enum value (the roster's own spelling).
fn label<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn entry<const N: usize>(pairs: [(&str, String); N]) -> BTreeMap<String, String> {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The registration form's data. `copies` is the rules' copy count for 《毕业生登记表》.
pub fn registration(
    c: &Candidate,
    photo: Option<Vec<u8>>,
    copies: u32,
    place: &PrintPlace<'_>,
) -> FormData {
    let birth_date = match c.id_type {
        IdType::ResidentCard => ResidentId::parse(&c.id_no)
            .map(|id| id.birth_date().format("%Y年%m月%d日").to_string())
            .unwrap_or_default(),
        _ => String::new(),
    };
    let mut fields = entry([
        ("name", c.name.clone()),
        ("gender", c.gender.label().to_owned()),
        ("birth_date", birth_date),
        ("id_type", label(&c.id_type)),
        ("id_no", c.id_no.clone()),
        ("exam_no", c.exam_no.as_str().to_owned()),
        ("level", c.level.label().to_owned()),
        ("candidate_type", label(&c.candidate_type)),
        ("major", format!("{} {}", c.major_code, c.major_name)),
        ("exam_school", c.exam_school.clone()),
        ("site", place.site.to_owned()),
        ("batch", c.batch.clone()),
        ("course_count", c.courses.len().to_string()),
        ("copies", copies.to_string()),
        ("printed_at", local_minute(place.now)),
        ("counter", place.counter_id.to_owned()),
    ]);
    if let Some(qr) = &c.qr {
        fields.insert("qr".to_owned(), qr.clone());
    }
    let courses = c
        .courses
        .iter()
        .enumerate()
        .map(|(i, course)| {
            entry([
                ("n", (i + 1).to_string()),
                ("code", course.code.clone()),
                ("name", course.name.clone()),
                ("score", course.score.clone()),
                ("date", course.date.clone()),
            ])
        })
        .collect();
    FormData {
        fields,
        lists: BTreeMap::from([
            ("courses".to_owned(), courses),
            ("resume".to_owned(), Vec::new()),
        ]),
        photo: photo.map(Arc::from),
    }
}

/// How the counter handled one checklist item, as the receipt says it.
fn handling(tick: Option<&Tick>) -> &'static str {
    match tick {
        Some(t) if t.original_seen && t.copy_kept => strings::RECEIPT_ORIGINAL_AND_COPY,
        Some(t) if t.copy_kept => strings::RECEIPT_COPY_KEPT,
        Some(t) if t.original_seen => strings::RECEIPT_ORIGINAL_SEEN,
        _ => strings::RECEIPT_NOT_RECEIVED,
    }
}

fn decision_label(state: IntakeState) -> &'static str {
    match state {
        IntakeState::New | IntakeState::InProgress => strings::RECEIPT_IN_PROGRESS,
        IntakeState::Accepted => strings::RECEIPT_ACCEPTED,
        IntakeState::Returned => strings::RECEIPT_RETURNED,
        IntakeState::Voided => strings::RECEIPT_VOIDED,
    }
}

/// The receipt's data: every checklist item with what was received, the decision, the reasons.
pub fn receipt(
    c: &Candidate,
    intake: &Intake,
    checklist: &[ChecklistItem],
    clerk: &str,
    place: &PrintPlace<'_>,
) -> FormData {
    let decided_at = intake
        .decision
        .as_ref()
        .map(|d| local_minute(d.at))
        .unwrap_or_default();
    let fields = entry([
        ("name", c.name.clone()),
        ("exam_no", c.exam_no.as_str().to_owned()),
        ("id_masked", mask(&c.id_no)),
        ("major", format!("{} {}", c.major_code, c.major_name)),
        ("site", place.site.to_owned()),
        ("counter", place.counter_id.to_owned()),
        ("clerk", clerk.to_owned()),
        ("decision", decision_label(intake.state).to_owned()),
        ("decided_at", decided_at),
        ("intake_id", intake.id.clone()),
        ("printed_at", local_minute(place.now)),
    ]);
    let items = checklist
        .iter()
        .enumerate()
        .map(|(i, item)| {
            entry([
                ("n", (i + 1).to_string()),
                ("title", item.title.clone()),
                ("copies", item.copies.to_string()),
                ("handling", handling(intake.ticks.get(&item.id)).to_owned()),
            ])
        })
        .collect();
    let reasons = intake
        .return_reasons
        .iter()
        .enumerate()
        .map(|(i, r)| entry([("n", (i + 1).to_string()), ("reason", r.clone())]))
        .collect();
    FormData {
        fields,
        lists: BTreeMap::from([("items".to_owned(), items), ("reasons".to_owned(), reasons)]),
        photo: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::intake::Decision;

    fn candidate() -> Candidate {
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 20, 2, 0, 0).unwrap();
        crate::demo::roster(30, 1, now, &key).expect("demo roster")[0]
            .1
            .clone()
    }

    fn place() -> PrintPlace<'static> {
        PrintPlace {
            site: "9901 演示考点",
            counter_id: "demo-01",
            now: chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 20, 2, 5, 0).unwrap(),
        }
    }

    #[test]
    fn the_form_carries_the_full_id_birth_date_courses_and_signed_payload() {
        let c = candidate();
        let data = registration(&c, None, 3, &place());
        assert_eq!(
            data.fields["id_no"], c.id_no,
            "the state form needs the whole number"
        );
        assert!(data.fields["birth_date"].ends_with('日'));
        assert_eq!(data.fields["copies"], "3");
        assert_eq!(
            data.fields["printed_at"], "2026-11-20 10:05",
            "Beijing time"
        );
        assert_eq!(data.fields.get("qr"), c.qr.as_ref());
        assert_eq!(data.lists["courses"].len(), c.courses.len());
        assert_eq!(data.lists["courses"][0]["n"], "1");
        assert!(data.lists["resume"].is_empty());
    }

    #[test]
    fn the_receipt_masks_the_id_and_says_how_each_item_was_handled() {
        let c = candidate();
        let item = |id: &str| ChecklistItem {
            id: id.to_owned(),
            title: id.to_owned(),
            copies: 1,
            kind: crate::domain::rules::ItemKind::Copy,
            note: None,
            valid_on: None,
            source: String::new(),
        };
        let checklist = [item("a"), item("b"), item("c"), item("d")];
        let mut intake = Intake::new("i-1".into(), c.exam_no.as_str().into());
        let tick = |original_seen, copy_kept| Tick {
            original_seen,
            copy_kept,
            note: None,
        };
        intake.ticks.insert("a".into(), tick(true, true));
        intake.ticks.insert("b".into(), tick(false, true));
        intake.ticks.insert("c".into(), tick(true, false));
        intake.state = IntakeState::Accepted;
        intake.decision = Some(Decision {
            at: place().now,
            clerk_id: "c01".into(),
        });
        let data = receipt(&c, &intake, &checklist, "c01 演示柜员", &place());
        assert_eq!(data.fields["id_masked"], mask(&c.id_no));
        assert!(!data.fields.values().any(|v| v.contains(&c.id_no)));
        let handled: Vec<&str> = data.lists["items"]
            .iter()
            .map(|i| i["handling"].as_str())
            .collect();
        assert_eq!(
            handled,
            [
                strings::RECEIPT_ORIGINAL_AND_COPY,
                strings::RECEIPT_COPY_KEPT,
                strings::RECEIPT_ORIGINAL_SEEN,
                strings::RECEIPT_NOT_RECEIVED
            ]
        );
        assert_eq!(data.fields["decision"], strings::RECEIPT_ACCEPTED);
        assert_eq!(data.fields["decided_at"], "2026-11-20 10:05");
    }
}
