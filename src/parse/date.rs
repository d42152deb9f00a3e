//! Dates as news sources write them, turned into UTC instants.
//!
//! Accepted: RFC 3339 (`2021-08-20T15:20:41+08:00`), RFC 2822 (`Fri, 20 Aug 2021 15:20:41 GMT`),
//! `YYYY-MM-DD HH:MM[:SS]` (also with `/` or `T`), a bare `YYYY-MM-DD`, and Chinese forms
//! (`2021年8月20日 15:20`, `2021年8月20日`). A date without a zone is read in the caller's default
//! zone (UTC+08:00 unless the user says otherwise); a bare day means its midnight.
//!
//! Not here: which front-matter key holds the date (`parse`), dates from web-page metadata
//! (`web::page`).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The zone most of the corpus is written in; used for dates that name none.
pub fn default_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+08:00 is a valid offset")
}

const NAIVE_DATETIME: [&str; 10] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y.%m.%d %H:%M",
];

const NAIVE_DATE: [&str; 4] = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d"];

const ZONED: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f %z"];

/// Parses `s` as one of the accepted forms; `None` when it is none of them.
pub fn parse_date(s: &str, zone: FixedOffset) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ZONED {
        if let Ok(t) = DateTime::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    // A trailing "UTC"/"GMT"/"Z" names the zone in an otherwise naive form.
    let (naive, zone) =
        match s.strip_suffix(" UTC").or_else(|| s.strip_suffix(" GMT")).or_else(|| s.strip_suffix('Z')) {
            Some(rest) => (rest.trim_end(), FixedOffset::east_opt(0).expect("zero offset")),
            None => (s, zone),
        };
    let local =
        NAIVE_DATETIME.iter().find_map(|f| NaiveDateTime::parse_from_str(naive, f).ok()).or_else(|| {
            NAIVE_DATE
                .iter()
                .find_map(|f| NaiveDate::parse_from_str(naive, f).ok())
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })?;
    zone.from_local_datetime(&local).single().map(|t| t.with_timezone(&Utc))
}

/// Parses a zone given as `+08:00`, `+0800`, `+8`, `-05:00`, `UTC`, `GMT`, `Z`, or `UTC+8`.
pub fn parse_zone(s: &str) -> Option<FixedOffset> {
    let s = s.trim();
    let upper = s.to_ascii_uppercase();
    let rest = upper.strip_prefix("UTC").or_else(|| upper.strip_prefix("GMT")).unwrap_or(&upper);
    if rest.is_empty() || rest == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, digits) = match rest.as_bytes().first()? {
        b'+' => (1, &rest[1..]),
        b'-' => (-1, &rest[1..]),
        _ => return None,
    };
    let (h, m) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => digits.split_at(2),
        None => (digits, "0"),
    };
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
}

/// Whether `s` names a whole day (no time of day), e.g. `2021-08-20` or `2021年8月20日`.
pub fn is_day_only(s: &str) -> bool {
    NAIVE_DATE.iter().any(|f| NaiveDate::parse_from_str(s.trim(), f).is_ok())
}

/// The years a range bound may fall in: the index counts time in nanoseconds in an `i64`
/// (1677-09-21 to 2262-04-11), and a bound outside would wrap around.
pub const FIRST_YEAR: i32 = 1678;
pub const LAST_YEAR: i32 = 2261;

/// A `[since, until)` range of publication times.
pub type DateRange = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A `since`/`until` pair that is not a range. `names` are how the caller's user wrote the two
/// bounds (`--since` on the command line, `since` in a URL).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("{name} {value:?} is not a date; use e.g. 2021-08-20 or 2021-08-20T15:00:00+08:00")]
    NotADate { name: &'static str, value: String },
    #[error("{name} {value:?} is outside the years {FIRST_YEAR} to {LAST_YEAR} that the index can hold")]
    OutOfRange { name: &'static str, value: String },
    #[error("{since_name} {since} is not before {until_name} {until}, so nothing can match; swap them?")]
    Empty { since_name: &'static str, since: String, until_name: &'static str, until: String },
}

/// The bounds `since` and `until` as `[since, until)`, a bare day as `until` included. A range
/// that holds no instant is an error rather than a silent empty result.
pub fn range(
    since: Option<&str>,
    until: Option<&str>,
    zone: FixedOffset,
    names: [&'static str; 2],
) -> Result<DateRange, RangeError> {
    let bound = |s: &str, end_of_day: bool, name: &'static str| {
        let t = parse_date(s, zone).ok_or_else(|| RangeError::NotADate { name, value: s.to_string() })?;
        if !(FIRST_YEAR..=LAST_YEAR).contains(&t.year()) {
            return Err(RangeError::OutOfRange { name, value: s.to_string() });
        }
        Ok::<_, RangeError>(if end_of_day && is_day_only(s) { t + chrono::Duration::days(1) } else { t })
    };
    let from = since.map(|s| bound(s, false, names[0])).transpose()?;
    let to = until.map(|s| bound(s, true, names[1])).transpose()?;
    if let (Some(f), Some(t), Some(since), Some(until)) = (from, to, since, until) {
        if f >= t {
            return Err(RangeError::Empty {
                since_name: names[0],
                since: since.to_string(),
                until_name: names[1],
                until: until.to_string(),
            });
        }
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> String {
        crate::article::format_utc(&parse_date(s, default_zone()).unwrap_or_else(|| panic!("{s}")))
    }

    #[test]
    fn rfc2822_as_the_corpus_writes_it() {
        assert_eq!(utc("Fri, 20 Aug 2021 15:20:41 GMT"), "2021-08-20T15:20:41Z");
    }

    #[test]
    fn rfc3339_keeps_its_own_zone() {
        assert_eq!(utc("2022-03-01T10:00:00+08:00"), "2022-03-01T02:00:00Z");
        assert_eq!(utc("2022-03-01T10:00:00Z"), "2022-03-01T10:00:00Z");
        assert_eq!(utc("2022-03-01 10:00:00+08:00"), "2022-03-01T02:00:00Z");
    }

    #[test]
    fn naive_forms_are_read_in_the_default_zone() {
        assert_eq!(utc("2021-08-05 04:09:27"), "2021-08-04T20:09:27Z");
        assert_eq!(utc("2021-08-05 04:09"), "2021-08-04T20:09:00Z");
        assert_eq!(utc("2021/08/05 04:09"), "2021-08-04T20:09:00Z");
        assert_eq!(utc("2021-08-05"), "2021-08-04T16:00:00Z");
        assert_eq!(utc("2021-08-05 04:09:27 UTC"), "2021-08-05T04:09:27Z");
    }

    #[test]
    fn chinese_forms() {
        assert_eq!(utc("2021年8月20日 15:20"), "2021-08-20T07:20:00Z");
        assert_eq!(utc("2021年08月20日15:20"), "2021-08-20T07:20:00Z");
        assert_eq!(utc("2021年8月20日"), "2021-08-19T16:00:00Z");
    }

    #[test]
    fn another_default_zone_moves_naive_dates_only() {
        let ny = parse_zone("-05:00").unwrap();
        let t = parse_date("2021-08-05 04:00", ny).unwrap();
        assert_eq!(crate::article::format_utc(&t), "2021-08-05T09:00:00Z");
        let t = parse_date("Fri, 20 Aug 2021 15:20:41 GMT", ny).unwrap();
        assert_eq!(crate::article::format_utc(&t), "2021-08-20T15:20:41Z");
    }

    #[test]
    fn garbage_is_not_a_date() {
        for s in ["", "not a date", "2021-13-45", "yesterday", "32/01/2021"] {
            assert_eq!(parse_date(s, default_zone()), None, "{s}");
        }
    }

    #[test]
    fn zones() {
        assert_eq!(parse_zone("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_zone("+0800"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_zone("UTC+8"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(parse_zone("-05:30"), FixedOffset::east_opt(-(5 * 3600 + 1800)));
        assert_eq!(parse_zone("utc"), FixedOffset::east_opt(0));
        assert_eq!(parse_zone("Asia/Shanghai"), None);
        assert_eq!(parse_zone("+25:00"), None);
    }

    #[test]
    fn a_range_outside_the_years_the_index_holds_is_refused_not_wrapped() {
        let names = ["since", "until"];
        let zone = default_zone();
        assert!(matches!(
            range(Some("2300-01-01"), None, zone, names),
            Err(RangeError::OutOfRange { name: "since", .. })
        ));
        assert!(matches!(
            range(None, Some("0020-01-01"), zone, names),
            Err(RangeError::OutOfRange { name: "until", .. })
        ));
        assert!(range(Some("1900-01-01"), Some("2100-01-01"), zone, names).is_ok());
    }

    #[test]
    fn a_bare_until_day_is_included_and_an_empty_range_refused() {
        let names = ["since", "until"];
        let (from, to) = range(Some("2021-08-20"), Some("2021-08-20"), default_zone(), names).unwrap();
        assert_eq!(to.unwrap() - from.unwrap(), chrono::Duration::days(1));
        assert!(matches!(
            range(Some("2022-01-01"), Some("2021-01-01"), default_zone(), names),
            Err(RangeError::Empty { .. })
        ));
    }
}
