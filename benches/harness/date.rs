//! Calendar arithmetic for Date headers and mbox `From ` lines (UTC only).

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A broken-down UTC time.
struct Civil {
    year: i64,
    month: usize,
    day: u32,
    weekday: &'static str,
    hms: (u64, u64, u64),
}

/// Splits Unix seconds into a civil date (Howard Hinnant's algorithm).
fn civil(secs: u64) -> Civil {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as usize;
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day,
        weekday: DAYS[days.rem_euclid(7) as usize],
        hms: (rem / 3600, rem / 60 % 60, rem % 60),
    }
}

/// Unix seconds at the start of January 1st of `year` (1970 or later).
pub fn year_start(year: u32) -> u64 {
    let y = u64::from(year) - 1;
    let days = 365 * (y - 1969) + (y / 4 - 492) - (y / 100 - 19) + (y / 400 - 4);
    days * 86_400
}

/// An RFC 5322 date, e.g. `Mon, 06 Jan 2020 10:00:00 +0000`.
pub fn rfc5322(secs: u64) -> String {
    let c = civil(secs);
    let (h, m, s) = c.hms;
    let month = MONTHS[c.month - 1];
    format!(
        "{}, {:02} {month} {} {h:02}:{m:02}:{s:02} +0000",
        c.weekday, c.day, c.year
    )
}

/// An mbox `From ` line date (asctime), e.g. `Mon Jan  6 10:00:00 2020`.
pub fn asctime(secs: u64) -> String {
    let c = civil(secs);
    let (h, m, s) = c.hms;
    let month = MONTHS[c.month - 1];
    format!(
        "{} {month} {:2} {h:02}:{m:02}:{s:02} {}",
        c.weekday, c.day, c.year
    )
}
