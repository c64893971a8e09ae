//! How far this counter's clock is from the portal's. Every portal answer carries the portal's
//! time ([`PORTAL_TIME_HEADER`](super::protocol::PORTAL_TIME_HEADER)); the client measures the
//! offset at each request. Pure: the three instants are passed in.

use chrono::{DateTime, TimeDelta, Utc};

/// An offset larger than this (either way) is worth a warning; nothing is refused for it.
pub const WARN_AFTER_SECONDS: i64 = 120;

/// The counter's clock minus the portal's (positive: the counter is ahead), from a request sent
/// at `sent` and answered at `received` (both on the counter's clock) whose answer says
/// `portal`. The portal is taken to have answered halfway, so the error is at most half the
/// round trip.
pub fn offset(sent: DateTime<Utc>, received: DateTime<Utc>, portal: DateTime<Utc>) -> TimeDelta {
    let halfway = sent + (received - sent) / 2;
    halfway - portal
}

/// Whether the offset is large enough to warn about.
pub fn is_off(offset_ms: i64) -> bool {
    offset_ms.unsigned_abs() > WARN_AFTER_SECONDS.unsigned_abs() * 1_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_offset_is_taken_halfway_through_the_round_trip() {
        let sent = at("2026-11-20T02:00:00Z");
        let received = at("2026-11-20T02:00:02Z");
        // The portal said 01:55:01 at the counter's 02:00:01: the counter is 5 min ahead.
        let ahead = offset(sent, received, at("2026-11-20T01:55:01Z"));
        assert_eq!(ahead, TimeDelta::minutes(5));
        let behind = offset(sent, received, at("2030-11-20T02:00:01Z"));
        assert!(behind < -TimeDelta::days(365 * 4 - 1), "{behind}");
        assert_eq!(offset(sent, sent, sent), TimeDelta::zero());
    }

    #[test]
    fn two_minutes_either_way_is_the_limit() {
        for (ms, off) in [
            (0, false),
            (120_000, false),
            (-120_000, false),
            (120_001, true),
            (-300_000, true),
            (i64::MIN, true),
        ] {
            assert_eq!(is_off(ms), off, "{ms}");
        }
    }

    #[test]
    fn the_offset_is_said_in_words_with_a_warning_beyond_the_limit() {
        use crate::strings::report::clock_offset;
        assert_eq!(clock_offset(250), "；本机时钟比考试院快 0.2 秒");
        assert_eq!(clock_offset(-90_000), "；本机时钟比考试院慢 1 分 30 秒");
        let ahead = clock_offset(300_000);
        assert!(
            ahead.starts_with("；本机时钟比考试院快 5 分 0 秒（超过 2 分钟"),
            "{ahead}"
        );
        let years = clock_offset(-4 * 365 * 86_400_000);
        assert!(
            years.starts_with("；本机时钟比考试院慢 1460 天 0 小时（"),
            "{years}"
        );
    }
}
