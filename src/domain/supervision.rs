//! A supervisor's acts at a counter that are not moves of a candidate's file: approving a file
//! despite a blocker only a supervisor may lift, and unlocking a clerk. Each yields the event the
//! counter's log records for the portal. (Voiding is a move of the file: `IntakeEvent::Voided`.)
//!
//! Pure: instants are passed in.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Blockers a supervisor may approve; every other blocker only allows returning the file.
pub const OVERRIDABLE: [&str; 2] = ["wrong_site", "outside_window"];

/// How long an approval lasts when `override_minutes` is not configured.
pub const DEFAULT_OVERRIDE_MINUTES: u32 = 15;

/// A supervisor's approval to work one candidate's file despite the blockers named, until
/// `expires_at`. It is time-limited because it answers the situation at the desk when it was
/// given: a candidate who comes back later, or a file left open at an unattended counter, must
/// not still carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub exam_no: String,
    pub supervisor_id: String,
    /// The overridable blocker ids lifted (`wrong_site`, `outside_window`).
    pub blockers: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

impl Override {
    /// An approval given at `now`, lasting `ttl`.
    pub fn grant(
        exam_no: String,
        supervisor_id: String,
        blockers: Vec<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Self {
        Self {
            exam_no,
            supervisor_id,
            blockers,
            expires_at: now + ttl,
        }
    }

    /// Holds from the grant up to, not including, `expires_at`.
    pub fn is_valid(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }

    /// Whether it lifts `blocker` of candidate `exam_no` at `now`.
    pub fn covers(&self, exam_no: &str, blocker: &str, now: DateTime<Utc>) -> bool {
        self.is_valid(now) && self.exam_no == exam_no && self.blockers.iter().any(|b| b == blocker)
    }

    /// The event recording the grant, for the file `intake_id` it was given for.
    pub fn event(&self, intake_id: &str) -> SupervisorEvent {
        SupervisorEvent::OverrideGranted {
            intake_id: intake_id.to_owned(),
            exam_no: self.exam_no.clone(),
            reasons: self.blockers.clone(),
            supervisor_id: self.supervisor_id.clone(),
            expires_at: self.expires_at,
        }
    }
}

/// A supervisor's act as the counter's log records it and the portal stores it (the JSON body
/// of the event, tagged by `type` like `IntakeEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SupervisorEvent {
    /// A candidate's file may be worked despite `reasons` (overridable blocker ids) until
    /// `expires_at`.
    OverrideGranted {
        intake_id: String,
        exam_no: String,
        reasons: Vec<String>,
        supervisor_id: String,
        expires_at: DateTime<Utc>,
    },
    /// A clerk locked out by wrong PINs may log in again. About staff: no candidate.
    ClerkUnlocked {
        clerk_id: String,
        supervisor_id: String,
    },
}

impl SupervisorEvent {
    /// Every kind, as the log and the portal name them.
    pub const KINDS: [&'static str; 2] = ["override_granted", "clerk_unlocked"];

    pub fn kind(&self) -> &'static str {
        match self {
            SupervisorEvent::OverrideGranted { .. } => Self::KINDS[0],
            SupervisorEvent::ClerkUnlocked { .. } => Self::KINDS[1],
        }
    }

    pub fn supervisor_id(&self) -> &str {
        match self {
            SupervisorEvent::OverrideGranted { supervisor_id, .. }
            | SupervisorEvent::ClerkUnlocked { supervisor_id, .. } => supervisor_id,
        }
    }

    /// The candidate's file the act is about; `None` for acts about staff.
    pub fn intake(&self) -> Option<(&str, &str)> {
        match self {
            SupervisorEvent::OverrideGranted {
                intake_id, exam_no, ..
            } => Some((intake_id, exam_no)),
            SupervisorEvent::ClerkUnlocked { .. } => None,
        }
    }

    /// Whether the body says what it claims: an override lifts at least one blocker and only
    /// blockers a supervisor may lift.
    pub fn is_well_formed(&self) -> bool {
        match self {
            SupervisorEvent::OverrideGranted { reasons, .. } => {
                !reasons.is_empty() && reasons.iter().all(|r| OVERRIDABLE.contains(&r.as_str()))
            }
            SupervisorEvent::ClerkUnlocked { clerk_id, .. } => !clerk_id.is_empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
    }

    #[test]
    fn an_override_holds_until_just_before_its_expiry() {
        let grant = Override::grant(
            "990126200018".into(),
            "s01".into(),
            vec!["wrong_site".into()],
            t0(),
            Duration::minutes(15),
        );
        let end = t0() + Duration::minutes(15);
        assert_eq!(grant.expires_at, end);
        assert!(grant.covers("990126200018", "wrong_site", t0()));
        assert!(grant.covers("990126200018", "wrong_site", end - Duration::seconds(1)));
        assert!(!grant.covers("990126200018", "wrong_site", end));
        assert!(!grant.covers("990126200018", "outside_window", t0()));
        assert!(!grant.covers("990126200001", "wrong_site", t0()));
    }

    #[test]
    fn events_are_tagged_and_checked() {
        let grant = Override::grant(
            "990126200018".into(),
            "s01".into(),
            vec!["wrong_site".into(), "outside_window".into()],
            t0(),
            Duration::minutes(15),
        );
        let event = grant.event("i-1");
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["type"], "override_granted");
        assert_eq!(json["expires_at"], "2026-11-20T02:15:00Z");
        assert_eq!(event.kind(), "override_granted");
        assert_eq!(event.intake(), Some(("i-1", "990126200018")));
        assert!(event.is_well_formed());
        let unlock: SupervisorEvent = serde_json::from_str(
            r#"{"type": "clerk_unlocked", "clerk_id": "c01", "supervisor_id": "s01"}"#,
        )
        .unwrap();
        assert_eq!((unlock.kind(), unlock.intake()), ("clerk_unlocked", None));
        assert_eq!(unlock.supervisor_id(), "s01");
        let lifted_too_much = SupervisorEvent::OverrideGranted {
            intake_id: "i".into(),
            exam_no: "e".into(),
            reasons: vec!["prediction_not_passed".into()],
            supervisor_id: "s01".into(),
            expires_at: t0(),
        };
        assert!(!lifted_too_much.is_well_formed());
    }
}
