//! Working days (工作日) by the catalog's calendar: weekends rest unless listed as 调休
//! workdays, listed holidays rest. Time limits, supplement deadlines and the time-limit lights
//! all count in working days.

use super::model::Calendar;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use yichuang_drivers::idcard::Date;

/// Days since 1970-01-01 of a civil date (inverse of `Date::from_unix_days`; after H. Hinnant's
/// public-domain days-from-civil algorithm).
pub fn unix_days(d: Date) -> i64 {
    let y = i64::from(d.year) - i64::from(d.month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(d.month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d.day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `yyyy-mm-dd`.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Date::new(
        s[..4].parse().ok()?,
        s[5..7].parse().ok()?,
        s[8..].parse().ok()?,
    )
}

/// The calendar, indexed for quick lookups.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    holidays: HashSet<i64>,
    workdays: HashSet<i64>,
}

/// Time-limit light of a case (I2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// No deadline running (decided on the spot, rejected, withdrawn, draft).
    None,
    /// Due later than today.
    Green,
    /// Due today.
    Yellow,
    /// One working day over.
    Orange,
    /// More than one working day over.
    Red,
}

impl WorkCalendar {
    pub fn new(c: &Calendar) -> Self {
        let days = |v: &[String]| {
            v.iter()
                .filter_map(|s| parse_date(s))
                .map(unix_days)
                .collect()
        };
        WorkCalendar {
            holidays: days(&c.holidays),
            workdays: days(&c.workdays),
        }
    }

    pub fn is_working_day(&self, d: Date) -> bool {
        let n = unix_days(d);
        if self.workdays.contains(&n) {
            return true;
        }
        if self.holidays.contains(&n) {
            return false;
        }
        // 1970-01-01 was a Thursday: n % 7 == 2 is Saturday, 3 is Sunday.
        !matches!(n.rem_euclid(7), 2 | 3)
    }

    /// The date `n` working days after `from` (not counting `from` itself); `n = 0` gives
    /// `from` when it is a working day, else the next working day.
    pub fn add_working_days(&self, from: Date, n: u32) -> Date {
        let mut day = unix_days(from);
        if n == 0 {
            while !self.is_working_day(Date::from_unix_days(day)) {
                day += 1;
            }
            return Date::from_unix_days(day);
        }
        let mut left = n;
        // A year of holidays cannot hold more than a few hundred rest days in a row; the
        // bound keeps a corrupt calendar from looping forever.
        for _ in 0..(n as i64 * 3 + 400) {
            day += 1;
            if self.is_working_day(Date::from_unix_days(day)) {
                left -= 1;
                if left == 0 {
                    break;
                }
            }
        }
        Date::from_unix_days(day)
    }

    /// Working days strictly after `from` up to and including `to` (0 when `to <= from`).
    pub fn working_days_between(&self, from: Date, to: Date) -> u32 {
        let (a, b) = (unix_days(from), unix_days(to));
        (a + 1..=b)
            .filter(|&d| self.is_working_day(Date::from_unix_days(d)))
            .count() as u32
    }

    /// The light of a deadline `due` seen on `today`.
    pub fn light(&self, due: Date, today: Date) -> Light {
        if today < due {
            return Light::Green;
        }
        if today == due {
            return Light::Yellow;
        }
        match self.working_days_between(due, today) {
            0 | 1 => Light::Orange,
            _ => Light::Red,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        parse_date(s).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::new(&Calendar {
            holidays: [
                "2026-10-01",
                "2026-10-02",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]
            .map(String::from)
            .to_vec(),
            workdays: vec!["2026-10-10".into()],
        })
    }

    #[test]
    fn unix_days_round_trips() {
        for n in [-1000, 0, 1, 59, 365, 20_000, 20_415, 40_000] {
            assert_eq!(unix_days(Date::from_unix_days(n)), n);
        }
        assert_eq!(unix_days(d("2026-11-23")), 20_780);
    }

    #[test]
    fn weekends_holidays_and_swapped_workdays() {
        let c = cal();
        assert!(c.is_working_day(d("2026-11-23")), "a Monday");
        assert!(!c.is_working_day(d("2026-11-22")), "a Sunday");
        assert!(!c.is_working_day(d("2026-11-21")), "a Saturday");
        assert!(!c.is_working_day(d("2026-10-01")), "National Day");
        assert!(
            c.is_working_day(d("2026-10-10")),
            "a Saturday worked in exchange"
        );
    }

    #[test]
    fn adding_working_days_skips_rest_days() {
        let c = cal();
        // Friday + 1 = Monday.
        assert_eq!(c.add_working_days(d("2026-11-20"), 1), d("2026-11-23"));
        // Monday + 5 = next Monday.
        assert_eq!(c.add_working_days(d("2026-11-23"), 5), d("2026-11-30"));
        // Over National Day: 9-30 (Wed) + 1 → 10-08 (Thu; 10-03/04 weekend, rest holidays).
        assert_eq!(c.add_working_days(d("2026-09-30"), 1), d("2026-10-08"));
        assert_eq!(c.add_working_days(d("2026-10-09"), 1), d("2026-10-10"));
        assert_eq!(c.add_working_days(d("2026-11-22"), 0), d("2026-11-23"));
    }

    #[test]
    fn lights_count_working_days_over() {
        let c = cal();
        let due = d("2026-11-20"); // Friday
        assert_eq!(c.light(due, d("2026-11-19")), Light::Green);
        assert_eq!(c.light(due, due), Light::Yellow);
        // The weekend after is not a working day over.
        assert_eq!(c.light(due, d("2026-11-22")), Light::Orange);
        assert_eq!(c.light(due, d("2026-11-23")), Light::Orange);
        assert_eq!(c.light(due, d("2026-11-24")), Light::Red);
    }
}
