//! Calendar fields of a Unix time in China Standard Time (UTC+8, no daylight saving), for
//! the PDF `/M` date and the clerk's messages. Time is always passed in, never read here.

/// China Standard Time offset, seconds.
const CST: i64 = 8 * 3600;

/// `(year, month, day, hour, minute, second)` of `unix` seconds in UTC+8.
pub fn cst_fields(unix: i64) -> (i64, u32, u32, u32, u32, u32) {
    let t = unix.saturating_add(CST);
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (secs / 3600) as u32,
        (secs % 3600 / 60) as u32,
        (secs % 60) as u32,
    )
}

/// PDF date string `D:YYYYMMDDHHmmSS+08'00'`.
pub fn pdf_date(unix: i64) -> String {
    let (y, mo, d, h, mi, s) = cst_fields(unix);
    format!("D:{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}+08'00'")
}

/// `2026年12月07日 12:05` for the clerk.
pub fn chinese(unix: i64) -> String {
    let (y, mo, d, h, mi, _) = cst_fields(unix);
    crate::wording::date_time(y, mo, d, h, mi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_china_standard_time() {
        // 2026-01-01T00:00:00Z is 08:00 in Beijing.
        assert_eq!(pdf_date(1_767_225_600), "D:20260101080000+08'00'");
        assert_eq!(
            chinese(1_767_225_600 - 8 * 3600 - 60),
            "2025年12月31日 23:59"
        );
        assert_eq!(cst_fields(951_782_400 - CST), (2000, 2, 29, 0, 0, 0));
    }
}
