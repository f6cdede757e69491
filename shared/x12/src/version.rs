//! Rules that change with the X12 version.
//!
//! GS08 (the group's version, release and industry identifier, such as `003040`, `004010` or
//! `005010X231A1`) decides element rules inside a group; ISA12 (`00401`, `00501`) decides the
//! interchange envelope. Both start with the version number, so comparing that prefix is enough.

use chrono::NaiveDate;

/// The first group version whose dates (type DT) are eight digits, `CCYYMMDD`.
pub const EIGHT_DIGIT_DATES_FROM: &str = "004010";

/// The first group version whose 997 AK1 carries AK103 (the group's version).
pub const AK103_FROM: &str = "005010";

/// YY values below this are read as 20YY, the others as 19YY (see [`read_short_date`]).
pub const CENTURY_PIVOT: u32 = 50;

/// True when group version `gs08` predates 004010: its dates are `YYMMDD`.
///
/// An empty or non-numeric version is taken as current (eight-digit dates): the partner did not
/// say it speaks an old version, and a wrong guess there shows as a date error, not a silently
/// shifted century.
pub fn short_dates(gs08: &str) -> bool {
    match version_number(gs08) {
        Some(n) => n < version_number(EIGHT_DIGIT_DATES_FROM).unwrap_or(0),
        None => false,
    }
}

/// True when a 997 for a group of version `gs08` carries AK103.
pub fn with_ak103(gs08: &str) -> bool {
    version_number(gs08).is_some_and(|n| n >= version_number(AK103_FROM).unwrap_or(u32::MAX))
}

/// The six-digit version number that starts a GS08 value, such as 3040 for `003040VICS`.
fn version_number(gs08: &str) -> Option<u32> {
    let digits = gs08.get(..6)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A six-digit `YYMMDD` date of a pre-004010 group.
///
/// The century is a fixed window: `00`–`49` are 2000–2049 and `50`–`99` are 1950–1999. A fixed
/// pivot reads the same bytes the same way whenever they are read (a replayed interchange
/// cannot change meaning), and orders from before 1950 or after 2049 do not occur in this
/// traffic; see docs/decisions/0019.
pub fn read_short_date(raw: &str) -> Option<NaiveDate> {
    if raw.len() != 6 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let yy: u32 = raw.get(..2)?.parse().ok()?;
    let century = if yy < CENTURY_PIVOT { 2000 } else { 1900 };
    let year = i32::try_from(century + yy).ok()?;
    let month = raw.get(2..4)?.parse().ok()?;
    let day = raw.get(4..6)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The date format of group version `gs08`, for writers: `%y%m%d` before 004010, else `%Y%m%d`.
pub fn date_format(gs08: &str) -> &'static str {
    if short_dates(gs08) {
        "%y%m%d"
    } else {
        "%Y%m%d"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_before_004010_have_six_digit_dates() {
        for old in [
            "003040",
            "003050",
            "003060",
            "003070",
            "003072",
            "003040VICS",
        ] {
            assert!(short_dates(old), "{old}");
        }
        for current in [
            "004010",
            "004010VICS",
            "005010",
            "005010X231A1",
            "",
            "ABCDEF",
        ] {
            assert!(!short_dates(current), "{current}");
        }
    }

    #[test]
    fn six_digit_dates_use_a_fixed_window_pivoting_at_50() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(read_short_date("261127"), d(2026, 11, 27));
        assert_eq!(read_short_date("000229"), d(2000, 2, 29));
        assert_eq!(read_short_date("491231"), d(2049, 12, 31));
        assert_eq!(read_short_date("500101"), d(1950, 1, 1));
        assert_eq!(read_short_date("991231"), d(1999, 12, 31));
        for bad in ["20261127", "2611", "261132", "230229", "26112A", "+61127"] {
            assert_eq!(read_short_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ak103_exists_from_005010() {
        assert!(!with_ak103("004010") && !with_ak103("003040"));
        assert!(with_ak103("005010") && with_ak103("005010X231A1"));
    }

    #[test]
    fn writers_format_dates_by_version() {
        assert_eq!(date_format("003040"), "%y%m%d");
        assert_eq!(date_format("004010"), "%Y%m%d");
    }
}
