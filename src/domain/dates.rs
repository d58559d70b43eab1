//! Dates and instants as they come in from outside. RFC 3339 and the date inputs of the pages
//! give a year four digits; chrono also reads a signed year of up to six ("+262142-12-31"),
//! which lies at the edge of its calendar, where adding a day or reading the local time
//! panics. No appointment, course or horizon lies there, so such a value is refused where it
//! comes in: in request bodies and query strings (the `deserialize_with` functions here), in
//! forms (`parse_date`), in the catalogue CSV and in problem files.

use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// The years a date or an instant may have: those written with four digits.
pub const YEARS: RangeInclusive<i32> = 0..=9999;

/// The refusal of a date or an instant outside [`YEARS`].
pub const OUTSIDE_YEARS: &str = "must lie in the years 0000 to 9999";

/// The years an instant a request sends (an appointment's or an absence's start and end) may
/// lie in, as written and in UTC: a wider span means a typing error, and at the edges of
/// [`YEARS`] an offset carries the instant out of them (`9999-12-31T23:00:00-12:00` is in the
/// year 10000 in UTC).
pub const INSTANT_YEARS: RangeInclusive<i32> = 1900..=2199;

/// The refusal of an instant outside [`INSTANT_YEARS`].
pub const OUTSIDE_INSTANT_YEARS: &str = "must lie in the years 1900 to 2199";

/// Why a text is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a date as YYYY-MM-DD in the years 0000 to 9999")]
pub struct InvalidDate;

/// Whether the date's year has four digits.
pub fn date_in_range(date: NaiveDate) -> bool {
    YEARS.contains(&date.year())
}

/// Whether the instant's year, as written with its offset, has four digits.
pub fn instant_in_range(instant: &DateTime<FixedOffset>) -> bool {
    YEARS.contains(&instant.year())
}

/// A date as a form sends it: `YYYY-MM-DD`, spaces around it allowed.
///
/// # Errors
/// [`InvalidDate`] for anything else, or a year outside [`YEARS`].
pub fn parse_date(text: &str) -> Result<NaiveDate, InvalidDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|date| date_in_range(*date))
        .ok_or(InvalidDate)
}

/// `#[serde(deserialize_with = "…::date")]`: a date in [`YEARS`].
///
/// # Errors
/// What `NaiveDate` refuses, and a year outside [`YEARS`].
pub fn date<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaiveDate, D::Error> {
    let date = NaiveDate::deserialize(deserializer)?;
    if date_in_range(date) { Ok(date) } else { Err(D::Error::custom(OUTSIDE_YEARS)) }
}

/// `#[serde(default, deserialize_with = "…::optional_date")]`: `null` or a date in [`YEARS`].
///
/// # Errors
/// As [`date`].
pub fn optional_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<NaiveDate>, D::Error> {
    match Option::<NaiveDate>::deserialize(deserializer)? {
        Some(date) if !date_in_range(date) => Err(D::Error::custom(OUTSIDE_YEARS)),
        date => Ok(date),
    }
}

/// `#[serde(default, deserialize_with = "…::set_or_clear_date")]`: absent stays as it is
/// (`None`), `null` clears (`Some(None)`), a date in [`YEARS`] sets.
///
/// # Errors
/// As [`date`].
pub fn set_or_clear_date<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<NaiveDate>>, D::Error> {
    optional_date(deserializer).map(Some)
}

/// Whether the instant lies in [`INSTANT_YEARS`], as written and in UTC.
pub fn instant_in_request_range(instant: &DateTime<FixedOffset>) -> bool {
    INSTANT_YEARS.contains(&instant.year())
        && INSTANT_YEARS.contains(&instant.with_timezone(&chrono::Utc).year())
}

/// `#[serde(deserialize_with = "…::instant")]`: an RFC 3339 instant in [`INSTANT_YEARS`].
///
/// # Errors
/// What `DateTime` refuses, and an instant outside [`INSTANT_YEARS`].
pub fn instant<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<FixedOffset>, D::Error> {
    let instant = DateTime::<FixedOffset>::deserialize(deserializer)?;
    if instant_in_request_range(&instant) {
        Ok(instant)
    } else {
        Err(D::Error::custom(OUTSIDE_INSTANT_YEARS))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Request {
        #[serde(deserialize_with = "date")]
        on: NaiveDate,
        #[serde(default, deserialize_with = "optional_date")]
        until: Option<NaiveDate>,
        #[serde(deserialize_with = "instant")]
        at: DateTime<FixedOffset>,
    }

    fn read(on: &str, until: Option<&str>, at: &str) -> Result<Request, serde_json::Error> {
        serde_json::from_value(serde_json::json!({ "on": on, "until": until, "at": at }))
    }

    #[test]
    fn years_chrono_reads_but_nobody_writes_are_refused() {
        assert!(read("2026-03-29", None, "2026-03-29T02:30:00+01:00").is_ok());
        assert!(read("9999-12-31", Some("0000-01-01"), "2199-12-31T23:59:59+00:00").is_ok());
        for (on, until) in [("+262142-12-31", None), ("2026-03-29", Some("-0001-12-31"))] {
            let refused = read(on, until, "2026-03-29T02:30:00+01:00").unwrap_err().to_string();
            assert!(refused.contains(OUTSIDE_YEARS), "{refused}");
        }
        for at in [
            "+262142-12-31T23:30:00+00:00",
            "+10000-01-01T00:00:00Z",
            // Written in 9999 and 0000, but in 10000 and -0001 in UTC.
            "9999-12-31T23:00:00-12:00",
            "0000-01-01T00:00:00+14:00",
            "1899-12-31T23:59:59Z",
            "2199-12-31T23:00:00-02:00",
        ] {
            let refused = read("2026-03-29", None, at).unwrap_err().to_string();
            assert!(refused.contains(OUTSIDE_INSTANT_YEARS), "{at}: {refused}");
        }
        assert_eq!(parse_date("+262142-12-31"), Err(InvalidDate));
        assert_eq!(parse_date(" 2026-03-29 "), Ok(NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Whatever the text, a date read is in range and prints back to itself; every
        /// calendar date of a four-digit year is read.
        #[test]
        fn a_form_date_is_a_four_digit_calendar_date(
            text in prop_oneof![
                any::<String>(),
                "[+-]?[0-9]{1,7}-[0-9]{1,2}-[0-9]{1,2}",
                " ?[0-9]{4}-[01][0-9]-[0-3][0-9] ?",
            ],
        ) {
            match parse_date(&text) {
                Ok(date) => {
                    prop_assert!(date_in_range(date));
                    prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
                }
                Err(InvalidDate) => {
                    let written = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d");
                    let four_digits = text.trim().split('-').next().is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()));
                    prop_assert!(written.is_err() || !four_digits, "{:?} refused", text);
                }
            }
        }
    }
}
