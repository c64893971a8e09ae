//! One candidate's file at the counter and the moves it may make:
//! new → in progress → accepted | returned; a returned file is reopened at a later visit;
//! a supervisor may void a file. Each move yields the event the counter's log records.
//!
//! Pure: ids and instants are passed in; a refused move changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::rules::{Blocker, ChecklistItem, ItemKind};
use crate::strings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntakeState {
    New,
    InProgress,
    Accepted,
    Returned,
    Voided,
}

impl IntakeState {
    pub fn as_str(self) -> &'static str {
        match self {
            IntakeState::New => "new",
            IntakeState::InProgress => "in_progress",
            IntakeState::Accepted => "accepted",
            IntakeState::Returned => "returned",
            IntakeState::Voided => "voided",
        }
    }
}

/// What the clerk did with one checklist item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Tick {
    /// The original was seen and handed back.
    pub original_seen: bool,
    /// The copy (or the form itself) was kept.
    pub copy_kept: bool,
    /// A problem the clerk noted on this item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Tick {
    pub fn satisfies(&self, kind: &ItemKind) -> bool {
        match kind {
            ItemKind::Copy => self.copy_kept,
            ItemKind::Original => self.original_seen,
            ItemKind::OriginalAndCopy => self.original_seen && self.copy_kept,
        }
    }

    /// The tick after the clerk's key on an item of `kind`: the note stays as it was.
    pub fn next(&self, kind: ItemKind, how: TickMove) -> Tick {
        let full = Tick {
            original_seen: kind != ItemKind::Copy,
            copy_kept: kind != ItemKind::Original,
            note: self.note.clone(),
        };
        let none = Tick {
            note: self.note.clone(),
            ..Tick::default()
        };
        match how {
            TickMove::Toggle if self.satisfies(&kind) => none,
            TickMove::Toggle => full,
            TickMove::Cycle if kind != ItemKind::OriginalAndCopy => {
                self.next(kind, TickMove::Toggle)
            }
            TickMove::Cycle => match (self.original_seen, self.copy_kept) {
                (false, false) => Tick {
                    original_seen: true,
                    ..none
                },
                (true, false) => Tick {
                    copy_kept: true,
                    ..none
                },
                (false, true) => full,
                (true, true) => none,
            },
        }
    }
}

/// How the clerk moves an item's tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickMove {
    /// All or nothing for the item's kind.
    Toggle,
    /// Step through original-only, copy-only, both, none for an item that needs both (the
    /// same as `Toggle` for the others).
    Cycle,
}

/// Who decided and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub at: DateTime<Utc>,
    pub clerk_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intake {
    pub id: String,
    pub exam_no: String,
    pub state: IntakeState,
    pub ticks: BTreeMap<String, Tick>,
    pub return_reasons: Vec<String>,
    pub decision: Option<Decision>,
    pub void_reason: Option<String>,
    /// How many times the candidate came to the counter with this file.
    pub visits: u32,
}

/// The events of DESIGN §4, as the counter's log records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IntakeEvent {
    IntakeOpened {
        intake_id: String,
        exam_no: String,
        visit: u32,
    },
    ItemTicked {
        intake_id: String,
        item: String,
        tick: Tick,
    },
    ItemUnticked {
        intake_id: String,
        item: String,
    },
    Accepted {
        intake_id: String,
        exam_no: String,
    },
    Returned {
        intake_id: String,
        exam_no: String,
        reasons: Vec<String>,
    },
    Voided {
        intake_id: String,
        exam_no: String,
        reason: String,
    },
}

impl IntakeEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            IntakeEvent::IntakeOpened { .. } => "intake_opened",
            IntakeEvent::ItemTicked { .. } => "item_ticked",
            IntakeEvent::ItemUnticked { .. } => "item_unticked",
            IntakeEvent::Accepted { .. } => "accepted",
            IntakeEvent::Returned { .. } => "returned",
            IntakeEvent::Voided { .. } => "voided",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IntakeError {
    #[error("{}", strings::INTAKE_ALREADY_ACCEPTED)]
    AlreadyAccepted { at: DateTime<Utc>, clerk_id: String },
    #[error("{}", strings::INTAKE_NOT_OPEN)]
    NotOpen(IntakeState),
    #[error("{}{}", strings::INTAKE_MISSING_ITEMS, .0.join("、"))]
    MissingItems(Vec<String>),
    #[error("{}{}", strings::INTAKE_BLOCKED, .0.join("、"))]
    Blocked(Vec<String>),
    #[error("{}", strings::INTAKE_UNKNOWN_ITEM)]
    UnknownItem(String),
    #[error("{}", strings::INTAKE_NO_REASON)]
    NoReason,
    #[error("{}", strings::INTAKE_ALREADY_VOIDED)]
    AlreadyVoided,
}

impl Intake {
    /// A file that exists for nobody yet; `open` starts the first visit.
    pub fn new(id: String, exam_no: String) -> Self {
        Self {
            id,
            exam_no,
            state: IntakeState::New,
            ticks: BTreeMap::new(),
            return_reasons: Vec::new(),
            decision: None,
            void_reason: None,
            visits: 0,
        }
    }

    /// The candidate is at the counter. A returned file continues with what was already
    /// ticked; a voided file starts over; an accepted file cannot be reopened.
    pub fn open(&mut self) -> Result<Option<IntakeEvent>, IntakeError> {
        match self.state {
            IntakeState::InProgress => return Ok(None),
            IntakeState::Accepted => return Err(self.already_accepted()),
            IntakeState::Voided => {
                self.ticks.clear();
                self.void_reason = None;
            }
            IntakeState::New | IntakeState::Returned => {}
        }
        self.state = IntakeState::InProgress;
        self.decision = None;
        self.visits += 1;
        Ok(Some(IntakeEvent::IntakeOpened {
            intake_id: self.id.clone(),
            exam_no: self.exam_no.clone(),
            visit: self.visits,
        }))
    }

    pub fn tick(
        &mut self,
        checklist: &[ChecklistItem],
        item: &str,
        tick: Tick,
    ) -> Result<IntakeEvent, IntakeError> {
        self.require_in_progress()?;
        if !checklist.iter().any(|i| i.id == item) {
            return Err(IntakeError::UnknownItem(item.to_owned()));
        }
        self.ticks.insert(item.to_owned(), tick.clone());
        Ok(IntakeEvent::ItemTicked {
            intake_id: self.id.clone(),
            item: item.to_owned(),
            tick,
        })
    }

    pub fn untick(&mut self, item: &str) -> Result<IntakeEvent, IntakeError> {
        self.require_in_progress()?;
        if self.ticks.remove(item).is_none() {
            return Err(IntakeError::UnknownItem(item.to_owned()));
        }
        Ok(IntakeEvent::ItemUnticked {
            intake_id: self.id.clone(),
            item: item.to_owned(),
        })
    }

    /// Items of the checklist whose tick does not yet satisfy them, by title.
    pub fn missing(&self, checklist: &[ChecklistItem]) -> Vec<String> {
        checklist
            .iter()
            .filter(|item| {
                !self
                    .ticks
                    .get(&item.id)
                    .is_some_and(|t| t.satisfies(&item.kind))
            })
            .map(|item| item.title.clone())
            .collect()
    }

    /// Whether the file may be accepted now: in progress, no standing blocker (their messages
    /// otherwise), every item ticked (the missing titles otherwise).
    pub fn can_accept(
        &self,
        checklist: &[ChecklistItem],
        blockers: &[Blocker],
    ) -> Result<(), IntakeError> {
        self.require_in_progress()?;
        if !blockers.is_empty() {
            return Err(IntakeError::Blocked(
                blockers.iter().map(|b| b.message.clone()).collect(),
            ));
        }
        let missing = self.missing(checklist);
        if !missing.is_empty() {
            return Err(IntakeError::MissingItems(missing));
        }
        Ok(())
    }

    /// 受理: only with every item ticked and no blocker (`can_accept`).
    pub fn accept(
        &mut self,
        checklist: &[ChecklistItem],
        blockers: &[Blocker],
        decision: Decision,
    ) -> Result<IntakeEvent, IntakeError> {
        self.can_accept(checklist, blockers)?;
        self.state = IntakeState::Accepted;
        self.decision = Some(decision);
        self.return_reasons.clear();
        Ok(IntakeEvent::Accepted {
            intake_id: self.id.clone(),
            exam_no: self.exam_no.clone(),
        })
    }

    /// 退回补正: the file goes back to the candidate with at least one reason.
    pub fn return_file(
        &mut self,
        reasons: Vec<String>,
        decision: Decision,
    ) -> Result<IntakeEvent, IntakeError> {
        self.require_in_progress()?;
        let reasons: Vec<String> = reasons
            .into_iter()
            .filter(|r| !r.trim().is_empty())
            .collect();
        if reasons.is_empty() {
            return Err(IntakeError::NoReason);
        }
        self.state = IntakeState::Returned;
        self.decision = Some(decision);
        self.return_reasons = reasons.clone();
        Ok(IntakeEvent::Returned {
            intake_id: self.id.clone(),
            exam_no: self.exam_no.clone(),
            reasons,
        })
    }

    /// A supervisor cancels the file (e.g. accepted by mistake), with a reason.
    pub fn void(&mut self, reason: &str, decision: Decision) -> Result<IntakeEvent, IntakeError> {
        if self.state == IntakeState::Voided {
            return Err(IntakeError::AlreadyVoided);
        }
        if reason.trim().is_empty() {
            return Err(IntakeError::NoReason);
        }
        self.state = IntakeState::Voided;
        self.decision = Some(decision);
        self.void_reason = Some(reason.to_owned());
        Ok(IntakeEvent::Voided {
            intake_id: self.id.clone(),
            exam_no: self.exam_no.clone(),
            reason: reason.to_owned(),
        })
    }

    /// Applies an event the log already holds (a restored counter taking back its lost
    /// events): the move happened, so nothing is checked; `decision` is who and when.
    pub fn apply_recorded(&mut self, event: &IntakeEvent, decision: Decision) {
        match event {
            IntakeEvent::IntakeOpened { visit, .. } => {
                if self.state == IntakeState::Voided {
                    self.ticks.clear();
                    self.void_reason = None;
                }
                self.state = IntakeState::InProgress;
                self.decision = None;
                self.visits = *visit;
            }
            IntakeEvent::ItemTicked { item, tick, .. } => {
                self.ticks.insert(item.clone(), tick.clone());
            }
            IntakeEvent::ItemUnticked { item, .. } => {
                self.ticks.remove(item);
            }
            IntakeEvent::Accepted { .. } => {
                self.state = IntakeState::Accepted;
                self.decision = Some(decision);
                self.return_reasons.clear();
            }
            IntakeEvent::Returned { reasons, .. } => {
                self.state = IntakeState::Returned;
                self.decision = Some(decision);
                self.return_reasons = reasons.clone();
            }
            IntakeEvent::Voided { reason, .. } => {
                self.state = IntakeState::Voided;
                self.decision = Some(decision);
                self.void_reason = Some(reason.clone());
            }
        }
    }

    fn require_in_progress(&self) -> Result<(), IntakeError> {
        match self.state {
            IntakeState::InProgress => Ok(()),
            IntakeState::Accepted => Err(self.already_accepted()),
            other => Err(IntakeError::NotOpen(other)),
        }
    }

    fn already_accepted(&self) -> IntakeError {
        let (at, clerk_id) = match &self.decision {
            Some(d) => (d.at, d.clerk_id.clone()),
            None => (DateTime::<Utc>::MIN_UTC, String::new()),
        };
        IntakeError::AlreadyAccepted { at, clerk_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn item(id: &str, kind: ItemKind) -> ChecklistItem {
        ChecklistItem {
            id: id.into(),
            title: format!("《{id}》"),
            copies: 1,
            kind,
            note: None,
            valid_on: None,
            source: String::new(),
        }
    }

    fn checklist() -> Vec<ChecklistItem> {
        vec![
            item("reg_form", ItemKind::Copy),
            item("id_card", ItemKind::OriginalAndCopy),
        ]
    }

    fn decision(clerk: &str) -> Decision {
        Decision {
            at: Utc.with_ymd_and_hms(2023, 6, 16, 2, 0, 0).unwrap(),
            clerk_id: clerk.into(),
        }
    }

    fn kept() -> Tick {
        Tick {
            copy_kept: true,
            ..Tick::default()
        }
    }

    fn both() -> Tick {
        Tick {
            original_seen: true,
            copy_kept: true,
            note: None,
        }
    }

    fn opened() -> Intake {
        let mut intake = Intake::new("i-1".into(), "010523100123".into());
        intake.open().unwrap();
        intake
    }

    #[test]
    fn first_visit_opens_the_file() {
        let mut intake = Intake::new("i-1".into(), "010523100123".into());
        let event = intake.open().unwrap().unwrap();
        assert_eq!(event.kind(), "intake_opened");
        assert_eq!(intake.state, IntakeState::InProgress);
        assert_eq!(intake.visits, 1);
        // Scanning again while the file is open changes nothing.
        assert_eq!(intake.open().unwrap(), None);
        assert_eq!(intake.visits, 1);
    }

    #[test]
    fn accept_needs_every_item_satisfied() {
        let list = checklist();
        let mut intake = opened();
        intake.tick(&list, "reg_form", kept()).unwrap();
        // Copy kept but original not seen does not satisfy original_and_copy.
        intake.tick(&list, "id_card", kept()).unwrap();
        let before = intake.clone();
        assert_eq!(
            intake.accept(&list, &[], decision("c01")),
            Err(IntakeError::MissingItems(vec!["《id_card》".into()]))
        );
        assert_eq!(intake, before, "a refused move changes nothing");
        intake.tick(&list, "id_card", both()).unwrap();
        assert_eq!(
            intake.accept(&list, &[], decision("c01")).unwrap().kind(),
            "accepted"
        );
        assert_eq!(intake.state, IntakeState::Accepted);
    }

    #[test]
    fn blockers_stop_acceptance() {
        let list = checklist();
        let mut intake = opened();
        intake.tick(&list, "reg_form", kept()).unwrap();
        intake.tick(&list, "id_card", both()).unwrap();
        let blocker = Blocker {
            id: "photo_not_approved".into(),
            message: "照片未通过".into(),
        };
        assert!(matches!(
            intake.accept(&list, &[blocker], decision("c01")),
            Err(IntakeError::Blocked(_))
        ));
        assert_eq!(intake.state, IntakeState::InProgress);
    }

    #[test]
    fn accepted_file_cannot_be_accepted_or_reopened() {
        let list = vec![item("reg_form", ItemKind::Copy)];
        let mut intake = opened();
        intake.tick(&list, "reg_form", kept()).unwrap();
        intake.accept(&list, &[], decision("c01")).unwrap();
        let expected = IntakeError::AlreadyAccepted {
            at: decision("c01").at,
            clerk_id: "c01".into(),
        };
        assert_eq!(
            intake.accept(&list, &[], decision("c02")),
            Err(expected.clone())
        );
        assert_eq!(intake.open(), Err(expected.clone()));
        assert_eq!(intake.tick(&list, "reg_form", kept()), Err(expected));
    }

    #[test]
    fn returned_file_continues_at_the_next_visit() {
        let list = checklist();
        let mut intake = opened();
        intake.tick(&list, "reg_form", kept()).unwrap();
        assert_eq!(
            intake.return_file(vec![" ".into()], decision("c01")),
            Err(IntakeError::NoReason)
        );
        let event = intake
            .return_file(vec!["缺身份证复印件".into()], decision("c01"))
            .unwrap();
        assert_eq!(event.kind(), "returned");
        assert_eq!(intake.state, IntakeState::Returned);
        assert!(matches!(
            intake.tick(&list, "id_card", both()),
            Err(IntakeError::NotOpen(IntakeState::Returned))
        ));
        // Second visit: same file, what was ticked is still ticked.
        let event = intake.open().unwrap().unwrap();
        assert_eq!(
            event,
            IntakeEvent::IntakeOpened {
                intake_id: "i-1".into(),
                exam_no: "010523100123".into(),
                visit: 2
            }
        );
        assert_eq!(intake.ticks.get("reg_form"), Some(&kept()));
        intake.tick(&list, "id_card", both()).unwrap();
        intake.accept(&list, &[], decision("c02")).unwrap();
        assert!(intake.return_reasons.is_empty());
    }

    #[test]
    fn void_then_start_over() {
        let list = vec![item("reg_form", ItemKind::Copy)];
        let mut intake = opened();
        intake.tick(&list, "reg_form", kept()).unwrap();
        intake.accept(&list, &[], decision("c01")).unwrap();
        assert_eq!(intake.void("", decision("s01")), Err(IntakeError::NoReason));
        assert_eq!(
            intake.void("误受理", decision("s01")).unwrap().kind(),
            "voided"
        );
        assert_eq!(
            intake.void("again", decision("s01")),
            Err(IntakeError::AlreadyVoided)
        );
        intake.open().unwrap();
        assert!(intake.ticks.is_empty(), "a voided file starts over");
        assert_eq!(intake.state, IntakeState::InProgress);
    }

    #[test]
    fn ticks_only_for_items_on_the_checklist() {
        let list = checklist();
        let mut intake = opened();
        assert_eq!(
            intake.tick(&list, "police_proof", kept()),
            Err(IntakeError::UnknownItem("police_proof".into()))
        );
        assert_eq!(
            intake.untick("reg_form"),
            Err(IntakeError::UnknownItem("reg_form".into()))
        );
        intake.tick(&list, "reg_form", kept()).unwrap();
        assert_eq!(intake.untick("reg_form").unwrap().kind(), "item_unticked");
        let new = Intake::new("i-2".into(), "x".into());
        assert!(matches!(
            new.clone().tick(&list, "reg_form", kept()),
            Err(IntakeError::NotOpen(IntakeState::New))
        ));
    }

    #[test]
    fn state_names_round_trip() {
        for s in [
            IntakeState::New,
            IntakeState::InProgress,
            IntakeState::Accepted,
            IntakeState::Returned,
            IntakeState::Voided,
        ] {
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
    }

    #[test]
    fn cycle_steps_through_original_copy_both_none_and_keeps_the_note() {
        let start = Tick {
            note: Some("复印件模糊".into()),
            ..Tick::default()
        };
        let both = ItemKind::OriginalAndCopy;
        let steps: Vec<(bool, bool)> =
            std::iter::successors(Some(start.clone()), |t| Some(t.next(both, TickMove::Cycle)))
                .skip(1)
                .take(4)
                .inspect(|t| assert_eq!(t.note, start.note))
                .map(|t| (t.original_seen, t.copy_kept))
                .collect();
        assert_eq!(
            steps,
            [(true, false), (false, true), (true, true), (false, false)]
        );
        let copy = start.next(ItemKind::Copy, TickMove::Cycle);
        assert!(
            copy.copy_kept && !copy.original_seen,
            "cycle is toggle here"
        );
        assert!(!copy.next(ItemKind::Copy, TickMove::Toggle).copy_kept);
        let half = Tick {
            original_seen: true,
            ..Tick::default()
        };
        assert!(half.next(both, TickMove::Toggle).satisfies(&both));
    }

    #[test]
    fn can_accept_names_blockers_before_missing_items() {
        use crate::domain::rules::Blocker;
        let list = checklist();
        let intake = opened();
        let blocker = Blocker {
            id: "wrong_site".into(),
            message: "不在本考点".into(),
        };
        assert_eq!(
            intake.can_accept(&list, std::slice::from_ref(&blocker)),
            Err(IntakeError::Blocked(vec!["不在本考点".into()]))
        );
        assert!(matches!(
            intake.can_accept(&list, &[]),
            Err(IntakeError::MissingItems(m)) if m.len() == list.len()
        ));
        let new = Intake::new("i-2".into(), "x".into());
        assert!(matches!(
            new.can_accept(&list, &[]),
            Err(IntakeError::NotOpen(IntakeState::New))
        ));
    }
}
