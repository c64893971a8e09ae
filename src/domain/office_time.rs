//! The office's clock face: every office works in Beijing time (Asia/Shanghai), whatever the PC's
//! own time zone. One place turns instants into the office's local date, hour and day bounds, so
//! the counter, the portal and the reports file a decision under the same day.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use chrono_tz::Tz;

/// The office's time zone.
pub const OFFICE_TZ: Tz = Shanghai;

/// An instant as the office's wall clock shows it.
pub fn local(at: DateTime<Utc>) -> DateTime<Tz> {
    at.with_timezone(&OFFICE_TZ)
}

/// The office's local date of an instant.
pub fn local_date(at: DateTime<Utc>) -> NaiveDate {
    local(at).date_naive()
}

/// The instants `[start, end)` of a local day.
pub fn day_bounds(date: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = date.succ_opt().unwrap_or(date);
    (midnight(date), midnight(next))
}

/// The first instant of a local day.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    // Shanghai has had no daylight saving since 1991: every local midnight exists once.
    let local = date.and_time(NaiveTime::MIN);
    OFFICE_TZ
        .from_local_datetime(&local)
        .earliest()
        .map_or_else(
            || local.and_utc() - chrono::Duration::hours(8),
            |t| t.with_timezone(&Utc),
        )
}

/// An instant as hours and minutes on the office's clock ("09:15").
pub fn hm(at: DateTime<Utc>) -> String {
    local(at).format("%H:%M").to_string()
}

/// An instant as date and time on the office's clock ("2026-12-02 09:15").
pub fn date_hm(at: DateTime<Utc>) -> String {
    local(at).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_bounds_are_local_midnights() {
        let date = NaiveDate::from_ymd_opt(2023, 6, 15).unwrap();
        let (start, end) = day_bounds(date);
        assert_eq!(start.to_rfc3339(), "2023-06-14T16:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2023-06-15T16:00:00+00:00");
    }

    #[test]
    fn late_utc_evening_is_next_local_day() {
        let at = DateTime::parse_from_rfc3339("2023-06-14T16:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            local_date(at),
            NaiveDate::from_ymd_opt(2023, 6, 15).unwrap()
        );
        assert_eq!(hm(at), "00:30");
        assert_eq!(date_hm(at), "2023-06-15 00:30");
    }
}
