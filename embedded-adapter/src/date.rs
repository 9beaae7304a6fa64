//! [`parse_http_date`]: an HTTP `Date` header (IMF-fixdate, RFC 9110 section 5.6.7) as Unix
//! time, so that a device without a clock of its own can set an
//! [`OffsetClock`](crate::OffsetClock) from any HTTP server's reply.

use core::fmt;
use core::time::Duration;

/// An HTTP date could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateError {
    /// One of the two obsolete forms RFC 9110 tells senders not to use (RFC 850's
    /// `Sunday, 06-Nov-94 08:49:37 GMT`, asctime's `Sun Nov  6 08:49:37 1994`): refused, as
    /// their two-digit years and missing time zone are guesses.
    Obsolete,
    /// Not of the form `Sun, 06 Nov 1994 08:49:37 GMT`.
    Malformed,
    /// The form is right but the date is not: a day past the month's end, an hour past 23, a
    /// weekday that is not that date's, or a year before 1970.
    InvalidDate,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DateError::Obsolete => "an obsolete HTTP date format (RFC 850 or asctime)",
            DateError::Malformed => "not an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`)",
            DateError::InvalidDate => "no such date or time, or before 1970",
        })
    }
}

impl core::error::Error for DateError {}

#[cfg(feature = "defmt")]
impl defmt::Format for DateError {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            DateError::Obsolete => defmt::write!(f, "obsolete HTTP date format"),
            DateError::Malformed => defmt::write!(f, "not an IMF-fixdate"),
            DateError::InvalidDate => defmt::write!(f, "no such date or time"),
        }
    }
}

const WEEKDAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Reads an HTTP date in the one form senders must use, IMF-fixdate (`Sun, 06 Nov 1994
/// 08:49:37 GMT`; surrounding whitespace is ignored), as the time since the Unix epoch. The
/// obsolete forms are refused ([`DateError::Obsolete`]); any input returns, never panics.
///
/// ```
/// use core::time::Duration;
/// use edgeprom_embedded::{parse_http_date, DateError};
///
/// let t = parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT")?;
/// assert_eq!(t, Duration::from_secs(784_111_777));
/// assert_eq!(
///     parse_http_date(b"Sunday, 06-Nov-94 08:49:37 GMT"),
///     Err(DateError::Obsolete)
/// );
/// # Ok::<(), DateError>(())
/// ```
pub fn parse_http_date(value: &[u8]) -> Result<Duration, DateError> {
    let s = value.trim_ascii();
    let Some(b) = s.first_chunk::<29>().filter(|_| s.len() == 29) else {
        return Err(obsolete_or_malformed(s));
    };
    let [w0, w1, w2, b',', b' ', d0, d1, b' ', m0, m1, m2, b' ', y0, y1, y2, y3, b' ', h0, h1, b':', n0, n1, b':', s0, s1, b' ', b'G', b'M', b'T'] =
        *b
    else {
        return Err(obsolete_or_malformed(s));
    };
    let weekday = WEEKDAYS
        .iter()
        .position(|w| **w == [w0, w1, w2])
        .ok_or(DateError::Malformed)?;
    let month = MONTHS
        .iter()
        .position(|m| **m == [m0, m1, m2])
        .ok_or(DateError::Malformed)? as u32
        + 1;
    let day = digits(&[d0, d1])?;
    let year = digits(&[y0, y1, y2, y3])?;
    // 32-bit arithmetic below (days up to 2.9 million): no 64-bit division routine.
    let (hour, minute, second) = (digits(&[h0, h1])?, digits(&[n0, n1])?, digits(&[s0, s1])?);
    // Second 60: a leap second, which Unix time does not count (it reads as the next one).
    if year < 1970 || day == 0 || day > days_in_month(year, month) {
        return Err(DateError::InvalidDate);
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(DateError::InvalidDate);
    }
    let days = days_from_civil(year, month, day);
    if (days + 4) % 7 != weekday as u32 {
        return Err(DateError::InvalidDate); // 1970-01-01 was a Thursday
    }
    let seconds = hour * 3_600 + minute * 60 + second;
    Ok(Duration::from_secs(
        u64::from(days) * 86_400 + u64::from(seconds),
    ))
}

/// Why a value that is not an IMF-fixdate was refused: one of the obsolete forms (a full
/// weekday name and a comma, or a weekday and a space), or anything else.
fn obsolete_or_malformed(s: &[u8]) -> DateError {
    let starts_with_weekday = s.first_chunk::<3>().is_some_and(|w| WEEKDAYS.contains(&w));
    // `Sunday, 06-Nov-94 ...`: the full name; `Sun Nov  6 ...`: no comma.
    let fourth = s.get(3).copied().unwrap_or_default();
    let rfc850 = fourth.is_ascii_lowercase() && s.contains(&b',') && s.contains(&b'-');
    let asctime = fourth == b' ';
    if starts_with_weekday && (rfc850 || asctime) {
        DateError::Obsolete
    } else {
        DateError::Malformed
    }
}

/// ASCII digits as a number.
fn digits(d: &[u8]) -> Result<u32, DateError> {
    d.iter().try_fold(0u32, |n, b| match b {
        b'0'..=b'9' => Ok(n * 10 + u32::from(b - b'0')),
        _ => Err(DateError::Malformed),
    })
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date at or after it (Howard Hinnant's `days_from_civil`, in
/// unsigned arithmetic).
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12; // March is 0
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // 719_468: days from 0000-03-01 to 1970-01-01.
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    extern crate std;

    use std::format;
    use std::string::String;

    use super::*;

    /// The date `days` after 1970-01-01, by walking day by day (independent of
    /// `days_from_civil`), formatted as IMF-fixdate with the time `secs` into the day.
    fn reference(mut days: u64, secs: u64) -> String {
        let weekday = WEEKDAYS[((days + 4) % 7) as usize];
        let (mut year, mut month) = (1970u32, 0usize);
        loop {
            let len = if is_leap(year) { 366 } else { 365 };
            if days < len {
                break;
            }
            days -= len;
            year += 1;
        }
        let lengths = [
            31,
            if is_leap(year) { 29 } else { 28 },
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ];
        while days >= lengths[month] {
            days -= lengths[month];
            month += 1;
        }
        format!(
            "{}, {:02} {} {year} {:02}:{:02}:{:02} GMT",
            core::str::from_utf8(weekday).unwrap(),
            days + 1,
            core::str::from_utf8(MONTHS[month]).unwrap(),
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }

    #[test]
    fn rfc_examples_and_edges() {
        let ok = |s: &str| parse_http_date(s.as_bytes());
        assert_eq!(
            ok("Sun, 06 Nov 1994 08:49:37 GMT"),
            Ok(Duration::from_secs(784_111_777))
        );
        assert_eq!(ok(" Thu, 01 Jan 1970 00:00:00 GMT\r\n"), Ok(Duration::ZERO));
        assert_eq!(
            ok("Tue, 29 Feb 2028 12:00:00 GMT"),
            Ok(Duration::from_secs(1_835_438_400))
        );
        assert_eq!(
            ok("Fri, 31 Dec 9999 23:59:59 GMT"),
            Ok(Duration::from_secs(253_402_300_799))
        );
        assert_eq!(
            ok("Sun, 06 Nov 1994 08:49:60 GMT"),
            Ok(Duration::from_secs(784_111_800))
        );
        for obsolete in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Wednesday, 09-Nov-99 23:12:40 GMT",
        ] {
            assert_eq!(ok(obsolete), Err(DateError::Obsolete), "{obsolete}");
        }
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT+1",
            "Sun, 0x Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08-49-37 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "1994-11-06T08:49:37Z",
        ] {
            assert_eq!(ok(bad), Err(DateError::Malformed), "{bad}");
        }
        for invalid in [
            "Mon, 06 Nov 1994 08:49:37 GMT", // a Sunday
            "Sat, 29 Feb 2025 00:00:00 GMT",
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 31 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:61 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
        ] {
            assert_eq!(ok(invalid), Err(DateError::InvalidDate), "{invalid}");
        }
    }

    #[test]
    fn every_day_of_many_years_against_a_day_by_day_reference() {
        let mut x = 0x1234_5678u64;
        for days in (0..20_000u64).chain((0..2_000).map(|i| 2_930_000 + i)) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let secs = x % 86_400;
            let s = reference(days, secs);
            assert_eq!(
                parse_http_date(s.as_bytes()),
                Ok(Duration::from_secs(days * 86_400 + secs)),
                "{s}"
            );
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let base = *b"Sun, 06 Nov 1994 08:49:37 GMT";
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let alphabet = b"0123456789:, -GMTSunNovJanFeb\x00\xff\t";
        for _ in 0..200_000 {
            // Mutations of a valid date, and random lengths of random bytes.
            let mut buf = [0u8; 40];
            let len = (next() % 41) as usize;
            for (i, b) in buf.iter_mut().enumerate().take(len) {
                *b = match base.get(i) {
                    Some(c) if next() % 4 != 0 => *c,
                    _ => alphabet[(next() % alphabet.len() as u64) as usize],
                };
            }
            let got = parse_http_date(&buf[..len]);
            if let Ok(t) = got {
                // Whatever was accepted is a real date that reads the same way.
                let secs = t.as_secs();
                let again = reference(secs / 86_400, secs % 86_400);
                let leap_second = &buf[23..25] == b"60";
                assert!(leap_second || again.as_bytes() == buf[..len].trim_ascii());
            }
        }
    }
}
