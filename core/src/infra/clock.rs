//! Calendar time for the domain. Logic takes `today` as a parameter; only the shell reads the
//! clock, through [`today_in_china`], so tests stay deterministic.

use std::time::{SystemTime, UNIX_EPOCH};
use yichuang_drivers::escpos::SlipTime;
use yichuang_drivers::idcard::Date;

/// The hall's offset from UTC, in minutes: China Standard Time, UTC+8 all year (no daylight
/// saving), the legal time of every hall. The one zone of the workstation: case numbers,
/// deadlines, today's figures, notices, and (through the shell status) every time the
/// clerk's and the citizen's windows show.
pub const HALL_UTC_OFFSET_MINUTES: i32 = 8 * 60;

const CST_OFFSET_SECS: i64 = HALL_UTC_OFFSET_MINUTES as i64 * 60;

/// Unix ms as seconds of the hall's civil time (for [`date_from_unix`], [`slip_time_from_unix`]).
pub fn hall_secs(at_ms: i64) -> i64 {
    at_ms.div_euclid(1000) + CST_OFFSET_SECS
}

fn china_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
        + CST_OFFSET_SECS
}

/// Today's date in China Standard Time, from the system clock.
pub fn today_in_china() -> Date {
    date_from_unix(china_secs())
}

/// The current minute in China Standard Time, as printed on slips.
pub fn slip_time_in_china() -> SlipTime {
    slip_time_from_unix(china_secs())
}

pub fn slip_time_from_unix(secs: i64) -> SlipTime {
    let date = date_from_unix(secs);
    let of_day = secs.rem_euclid(86_400);
    SlipTime {
        year: date.year,
        month: date.month,
        day: date.day,
        hour: (of_day / 3600) as u8,
        minute: (of_day % 3600 / 60) as u8,
    }
}

/// The civil date of a unix timestamp (already shifted to the wanted zone).
pub fn date_from_unix(secs: i64) -> Date {
    Date::from_unix_days(secs.div_euclid(86_400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_unix_seconds() {
        let d = |y, m, dd| Date::new(y, m, dd).unwrap();
        assert_eq!(date_from_unix(0), d(1970, 1, 1));
        assert_eq!(date_from_unix(951_782_400), d(2000, 2, 29));
        assert_eq!(date_from_unix(1_795_478_400), d(2026, 11, 24));
        // 2026-11-23 16:30 UTC is already the 24th in China.
        assert_eq!(
            date_from_unix(1_795_451_400 + CST_OFFSET_SECS),
            d(2026, 11, 24)
        );
    }
}
