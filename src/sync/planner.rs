//! What a sync round does next, and how long to wait after a failure. Pure: the clock and the
//! randomness (jitter) are passed in, so every decision is tested without a network.
//!
//! A round pushes the event log until nothing is pending, then pulls roster pages until the
//! portal says `done`, then fetches missing photos. Retryable failures back off exponentially
//! with jitter (a 429's `Retry-After` is a floor); a batch refused as a whole with a permanent
//! error is halved until the one event the portal cannot take is alone, so that event is marked
//! rejected and never blocks the ones after it.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Exponential backoff: `base · 2^attempt`, capped at `max`, then "equal jitter" (half fixed,
/// half random) so that counters that lost the network together do not retry in step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_millis(500),
            max: Duration::from_secs(60),
        }
    }
}

/// The longest `Retry-After` honoured: a portal asking for more is treated as asking for this.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(600);

impl Backoff {
    /// The wait before retry number `attempt + 1` (`attempt` = failures so far − 1).
    /// `jitter` is uniform in [0, 1).
    pub fn delay(&self, attempt: u32, jitter: f64, retry_after: Option<Duration>) -> Duration {
        let exp = self
            .base
            .saturating_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX));
        let capped = exp.min(self.max);
        let half = capped / 2;
        let jittered = half + half.mul_f64(jitter.clamp(0.0, 1.0));
        match retry_after {
            Some(floor) => jittered.max(floor.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }
}

/// How a failure is classed (DESIGN §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Connect, timeout, 5xx, 429: try again later.
    Retryable { retry_after: Option<Duration> },
    /// A 4xx about the request itself: retrying the same request cannot help.
    Permanent,
    /// 401/403/404: wrong token, site or address; nothing will get through until the
    /// configuration is fixed, so the round stops (and no event is marked rejected for it).
    Stop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Push,
    Roster,
    Photos,
    Done,
}

/// What the worker should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Send the next `limit` pending events (oldest first).
    Push {
        limit: usize,
    },
    PullRoster,
    PullPhotos,
    /// Nothing before this much time has passed (backing off).
    Wait(Duration),
    /// The round is complete.
    Done,
    /// Too many failures in a row, or an authentication error: stop the round.
    GiveUp,
}

/// What became of the step just taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pushed,
    RosterPage { done: bool },
    PhotosDone,
    Failed(Failure),
}

/// What the worker must do about an outcome beyond asking for the next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// The single event just pushed was refused as a whole: mark it rejected.
    RejectSingle,
}

#[derive(Debug, Clone)]
pub struct Planner {
    backoff: Backoff,
    batch_size: usize,
    /// Failures in a row after which the round gives up; `None`: never (background worker).
    max_failures: Option<u32>,
    stage: Stage,
    limit: usize,
    failures: u32,
    not_before: Option<DateTime<Utc>>,
    gave_up: bool,
}

impl Planner {
    pub fn new(batch_size: usize, backoff: Backoff, max_failures: Option<u32>) -> Self {
        let batch_size = batch_size.max(1);
        Self {
            backoff,
            batch_size,
            max_failures,
            stage: Stage::Push,
            limit: batch_size,
            failures: 0,
            not_before: None,
            gave_up: false,
        }
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Starts a new round (the previous one finished or gave up).
    pub fn restart(&mut self) {
        *self = Self::new(self.batch_size, self.backoff, self.max_failures);
    }

    /// "Sync now": skip the remaining backoff wait.
    pub fn hurry(&mut self) {
        self.not_before = None;
    }

    /// The next step, given how many events are still pending.
    pub fn next(&mut self, now: DateTime<Utc>, pending: usize) -> Step {
        if self.gave_up {
            return Step::GiveUp;
        }
        if let Some(wait) = self
            .not_before
            .and_then(|t| (t - now).to_std().ok())
            .filter(|w| !w.is_zero())
        {
            return Step::Wait(wait);
        }
        if self.stage == Stage::Push && pending == 0 {
            self.stage = Stage::Roster;
        }
        match self.stage {
            Stage::Push => Step::Push {
                limit: self.limit.min(pending),
            },
            Stage::Roster => Step::PullRoster,
            Stage::Photos => Step::PullPhotos,
            Stage::Done => Step::Done,
        }
    }

    /// Records what happened; `jitter` is uniform in [0, 1).
    pub fn record(&mut self, outcome: Outcome, now: DateTime<Utc>, jitter: f64) -> Verdict {
        match outcome {
            Outcome::Pushed => self.succeeded(Stage::Push),
            Outcome::RosterPage { done } => {
                self.succeeded(if done { Stage::Photos } else { Stage::Roster })
            }
            Outcome::PhotosDone => self.succeeded(Stage::Done),
            Outcome::Failed(failure) => return self.failed(failure, now, jitter),
        }
        Verdict::Continue
    }

    fn succeeded(&mut self, stage: Stage) {
        self.failures = 0;
        self.not_before = None;
        self.stage = stage;
        // Back to full batches once the poisoned event is out of the way.
        if stage == Stage::Push && self.limit < self.batch_size {
            self.limit = (self.limit * 2).min(self.batch_size);
        }
    }

    fn failed(&mut self, failure: Failure, now: DateTime<Utc>, jitter: f64) -> Verdict {
        match failure {
            Failure::Stop => self.gave_up = true,
            Failure::Permanent if self.stage == Stage::Push && self.limit > 1 => self.limit /= 2,
            Failure::Permanent if self.stage == Stage::Push => return Verdict::RejectSingle,
            // A roster or photo request the portal refuses cannot progress this round.
            Failure::Permanent => self.gave_up = true,
            Failure::Retryable { retry_after } => {
                self.failures += 1;
                if self.max_failures.is_some_and(|max| self.failures > max) {
                    self.gave_up = true;
                }
                let delay = self.backoff.delay(self.failures - 1, jitter, retry_after);
                self.not_before =
                    Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX));
            }
        }
        Verdict::Continue
    }
}

/// When to ask the portal whether it can be reached (`GET /v1/health`, a light request with a
/// short timeout), so that the status bar follows the portal within seconds instead of waiting
/// for the next round or the end of a backoff wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HealthProbe {
    every: Duration,
    next_at: Option<DateTime<Utc>>,
}

/// What a probe's answer means for the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing changes.
    Same,
    /// The portal stopped answering: show 离线 now.
    Lost,
    /// The portal answers again: show 在线 and sync at once (skip the backoff wait).
    Back,
}

impl HealthProbe {
    /// How often the portal is probed: with the probe's own timeout this keeps a lost or
    /// returned portal on the bar within 10 s.
    pub const EVERY: Duration = Duration::from_secs(3);
    /// The probe's timeout: a portal slower than this for its health answer is as good as away.
    pub const TIMEOUT: Duration = Duration::from_secs(3);

    pub fn new(every: Duration) -> Self {
        Self {
            every,
            next_at: None,
        }
    }

    /// How long until the next probe is due (zero: now).
    pub fn wait(&self, now: DateTime<Utc>) -> Duration {
        self.next_at
            .and_then(|t| (t - now).to_std().ok())
            .map_or(Duration::ZERO, |w| w.min(self.every))
    }

    /// Records a probe's answer at `now` (`reachable`: the portal answered 200), given whether
    /// the bar shows the portal as reachable; plans the next probe.
    pub fn record(&mut self, reachable: bool, shown_online: bool, now: DateTime<Utc>) -> Reach {
        self.next_at = Some(now + chrono::Duration::from_std(self.every).unwrap_or_default());
        match (reachable, shown_online) {
            (false, true) => Reach::Lost,
            (true, false) => Reach::Back,
            _ => Reach::Same,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2023, 6, 16, 2, 0, 0).unwrap()
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_doubles_caps_and_jitters() {
        let b = Backoff {
            base: ms(100),
            max: ms(1_000),
        };
        let cases: &[(u32, f64, Option<Duration>, Duration)] = &[
            (0, 0.0, None, ms(50)),
            (0, 0.999_999, None, ms(100)),
            (1, 0.0, None, ms(100)),
            (2, 0.5, None, ms(300)),
            (3, 0.0, None, ms(400)),
            (4, 0.0, None, ms(500)), // 1600 capped at 1000
            (40, 1.0, None, ms(1_000)),
            (0, 0.0, Some(ms(1_000)), ms(1_000)), // Retry-After is a floor
            (4, 1.0, Some(ms(10)), ms(1_000)),
            (0, 0.0, Some(Duration::from_secs(86_400)), MAX_RETRY_AFTER),
            (0, -3.0, None, ms(50)),
        ];
        for (attempt, jitter, retry_after, want) in cases {
            let got = b.delay(*attempt, *jitter, *retry_after);
            let diff = got.abs_diff(*want);
            assert!(
                diff <= ms(1),
                "attempt {attempt} jitter {jitter}: {got:?} != {want:?}"
            );
        }
    }

    #[test]
    fn a_round_pushes_then_pulls_roster_then_photos() {
        let mut p = Planner::new(500, Backoff::default(), Some(3));
        assert_eq!(p.next(t0(), 1_200), Step::Push { limit: 500 });
        p.record(Outcome::Pushed, t0(), 0.0);
        assert_eq!(p.next(t0(), 700), Step::Push { limit: 500 });
        assert_eq!(p.next(t0(), 200), Step::Push { limit: 200 });
        assert_eq!(p.next(t0(), 0), Step::PullRoster);
        p.record(Outcome::RosterPage { done: false }, t0(), 0.0);
        assert_eq!(p.next(t0(), 0), Step::PullRoster);
        p.record(Outcome::RosterPage { done: true }, t0(), 0.0);
        assert_eq!(p.next(t0(), 0), Step::PullPhotos);
        p.record(Outcome::PhotosDone, t0(), 0.0);
        assert_eq!(p.next(t0(), 0), Step::Done);
        p.restart();
        assert_eq!(p.next(t0(), 1), Step::Push { limit: 1 });
    }

    #[test]
    fn retryable_failures_wait_then_give_up_after_the_limit() {
        let b = Backoff {
            base: ms(100),
            max: ms(10_000),
        };
        let mut p = Planner::new(10, b, Some(2));
        p.next(t0(), 5);
        p.record(
            Outcome::Failed(Failure::Retryable { retry_after: None }),
            t0(),
            0.0,
        );
        assert_eq!(p.next(t0(), 5), Step::Wait(ms(50)));
        let later = t0() + chrono::Duration::milliseconds(50);
        assert_eq!(p.next(later, 5), Step::Push { limit: 5 });
        p.record(
            Outcome::Failed(Failure::Retryable {
                retry_after: Some(ms(1_000)),
            }),
            later,
            0.0,
        );
        assert_eq!(
            p.next(later, 5),
            Step::Wait(ms(1_000)),
            "429 Retry-After honoured"
        );
        p.hurry();
        assert_eq!(
            p.next(later, 5),
            Step::Push { limit: 5 },
            "sync now skips the wait"
        );
        p.record(
            Outcome::Failed(Failure::Retryable { retry_after: None }),
            later,
            0.0,
        );
        assert_eq!(p.failures(), 3);
        assert_eq!(p.next(later, 5), Step::GiveUp);
    }

    #[test]
    fn success_resets_the_failure_count() {
        let mut p = Planner::new(
            10,
            Backoff {
                base: ms(1),
                max: ms(1),
            },
            Some(1),
        );
        p.record(
            Outcome::Failed(Failure::Retryable { retry_after: None }),
            t0(),
            0.0,
        );
        p.record(Outcome::Pushed, t0(), 0.0);
        p.record(
            Outcome::Failed(Failure::Retryable { retry_after: None }),
            t0(),
            0.0,
        );
        let later = t0() + chrono::Duration::seconds(1);
        assert_eq!(p.next(later, 3), Step::Push { limit: 3 });
    }

    #[test]
    fn background_worker_never_gives_up_on_retryable_errors() {
        let mut p = Planner::new(
            10,
            Backoff {
                base: ms(1),
                max: ms(1),
            },
            None,
        );
        for _ in 0..1_000 {
            p.record(
                Outcome::Failed(Failure::Retryable { retry_after: None }),
                t0(),
                0.5,
            );
        }
        assert!(matches!(p.next(t0(), 1), Step::Wait(_)));
    }

    #[test]
    fn a_refused_batch_is_halved_until_the_bad_event_is_alone() {
        let mut p = Planner::new(8, Backoff::default(), Some(0));
        let mut limits = vec![];
        loop {
            let Step::Push { limit } = p.next(t0(), 100) else {
                panic!("push expected")
            };
            limits.push(limit);
            if p.record(Outcome::Failed(Failure::Permanent), t0(), 0.0) == Verdict::RejectSingle {
                break;
            }
        }
        assert_eq!(limits, [8, 4, 2, 1]);
        // After the bad event is marked, batches grow back.
        p.record(Outcome::Pushed, t0(), 0.0);
        assert_eq!(p.next(t0(), 100), Step::Push { limit: 2 });
        p.record(Outcome::Pushed, t0(), 0.0);
        p.record(Outcome::Pushed, t0(), 0.0);
        assert_eq!(p.next(t0(), 100), Step::Push { limit: 8 });
    }

    #[test]
    fn auth_errors_and_refused_pulls_end_the_round() {
        let mut p = Planner::new(8, Backoff::default(), None);
        p.record(Outcome::Failed(Failure::Stop), t0(), 0.0);
        assert_eq!(p.next(t0(), 1), Step::GiveUp);
        let mut p = Planner::new(8, Backoff::default(), None);
        assert_eq!(p.next(t0(), 0), Step::PullRoster);
        p.record(Outcome::Failed(Failure::Permanent), t0(), 0.0);
        assert_eq!(p.next(t0(), 0), Step::GiveUp);
    }

    #[test]
    fn the_health_probe_is_due_every_few_seconds_and_says_what_changed() {
        let mut probe = HealthProbe::new(Duration::from_secs(3));
        assert_eq!(
            probe.wait(t0()),
            Duration::ZERO,
            "the first probe is due at once"
        );
        assert_eq!(probe.record(true, true, t0()), Reach::Same);
        assert_eq!(probe.wait(t0()), Duration::from_secs(3));
        let one = t0() + chrono::Duration::seconds(1);
        assert_eq!(probe.wait(one), Duration::from_secs(2));
        let later = t0() + chrono::Duration::seconds(3);
        assert_eq!(probe.wait(later), Duration::ZERO);
        assert_eq!(probe.record(false, true, later), Reach::Lost);
        assert_eq!(probe.record(false, false, later), Reach::Same);
        assert_eq!(probe.record(true, false, later), Reach::Back);
        // A clock set back does not stop the probes for longer than one period.
        assert_eq!(
            probe.wait(t0() - chrono::Duration::hours(1)),
            Duration::from_secs(3)
        );
    }
}
