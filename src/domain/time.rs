//! Wall-clock time: weekdays, `HH:MM` local times and weekly availability windows. Windows are
//! kept as local weekday + local times in an IANA zone (Europe/Berlin) and turned into instants
//! with chrono-tz only when needed, so they hold across daylight-saving changes.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::ToSchema;

use super::types::spelled_enum;
use super::validation::FieldErrors;

/// The zone in which every wall-clock rule of the service is read.
pub const BERLIN: Tz = chrono_tz::Europe::Berlin;

spelled_enum! {
    /// A day of the week, Monday first (ISO 8601).
    Weekday {
        Mon = "mon",
        Tue = "tue",
        Wed = "wed",
        Thu = "thu",
        Fri = "fri",
        Sat = "sat",
        Sun = "sun",
    }
}

impl Weekday {
    /// 1 = Monday … 7 = Sunday.
    pub fn iso_number(self) -> i16 {
        match self {
            Weekday::Mon => 1,
            Weekday::Tue => 2,
            Weekday::Wed => 3,
            Weekday::Thu => 4,
            Weekday::Fri => 5,
            Weekday::Sat => 6,
            Weekday::Sun => 7,
        }
    }

    pub fn from_iso_number(n: i16) -> Option<Self> {
        Weekday::ALL.get(usize::try_from(n).ok()?.checked_sub(1)?).copied()
    }

    pub fn of(date: NaiveDate) -> Self {
        // number_from_monday is 1..=7, always inside ALL.
        Weekday::ALL[date.weekday().num_days_from_monday() as usize]
    }
}

/// A local wall-clock time of day with minute precision, written `HH:MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LocalTime(NaiveTime);

/// Why a string is not an `HH:MM` time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a time of day as HH:MM (00:00 to 23:59)")]
pub struct InvalidTime;

impl LocalTime {
    /// # Errors
    /// [`InvalidTime`] unless the text is `HH:MM` with a valid hour and minute.
    pub fn parse(text: &str) -> Result<Self, InvalidTime> {
        let (h, m) = text.split_once(':').ok_or(InvalidTime)?;
        // Digits only: `u32::from_str` would also take a sign, as in "+8:00".
        let two_digits = |part: &str| part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
        if !two_digits(h) || !two_digits(m) {
            return Err(InvalidTime);
        }
        let hour: u32 = h.parse().map_err(|_| InvalidTime)?;
        let minute: u32 = m.parse().map_err(|_| InvalidTime)?;
        NaiveTime::from_hms_opt(hour, minute, 0).map(Self).ok_or(InvalidTime)
    }

    /// Minutes since local midnight, as stored.
    pub fn minutes(self) -> i32 {
        // At most 23 * 60 + 59: always fits.
        i32::try_from(self.0.hour() * 60 + self.0.minute()).unwrap_or(i32::MAX)
    }

    pub fn from_minutes(minutes: i32) -> Option<Self> {
        let minutes = u32::try_from(minutes).ok()?;
        NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).map(Self)
    }

    /// The stored minutes, held to 00:00…23:59 (the schema's check keeps them there already).
    pub fn clamped(minutes: i32) -> Self {
        let minutes = u32::try_from(minutes.clamp(0, 23 * 60 + 59)).unwrap_or(0);
        Self(NaiveTime::from_hms_opt(minutes / 60, minutes % 60, 0).unwrap_or(NaiveTime::MIN))
    }

    pub fn naive(self) -> NaiveTime {
        self.0
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0.hour(), self.0.minute())
    }
}

impl Serialize for LocalTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl utoipa::PartialSchema for LocalTime {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .pattern(Some("^([01][0-9]|2[0-3]):[0-5][0-9]$"))
            .description(Some("Local wall-clock time in Europe/Berlin, HH:MM"))
            .examples(["09:30"])
            .into()
    }
}

impl ToSchema for LocalTime {}

/// A weekly availability window: on `weekday`, from `start` to `end` local time, optionally only
/// between two dates. A window never crosses midnight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyWindow {
    pub weekday: Weekday,
    pub start: LocalTime,
    pub end: LocalTime,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

impl WeeklyWindow {
    /// Checks the window's own consistency; field names are those of the API.
    ///
    /// # Errors
    /// The fields at fault: `end` not after `start` (which is also what a window crossing
    /// midnight looks like), `valid_until` before `valid_from`.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.end == self.start {
            errors.add("end", "must be later than start");
        } else if self.end < self.start {
            errors.add(
                "end",
                "is before start: a window cannot cross midnight, split it into two windows",
            );
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until)
            && until < from
        {
            errors.add("valid_until", "must not be before valid_from");
        }
        errors.into_result(())
    }

    /// Whether the window applies on the local date `date`.
    pub fn applies_on(&self, date: NaiveDate) -> bool {
        Weekday::of(date) == self.weekday
            && self.valid_from.is_none_or(|from| from <= date)
            && self.valid_until.is_none_or(|until| date <= until)
    }

    /// Whether `[start, end)` lies inside this window, read in local time of `zone`: same local
    /// date, window start ≤ local start, local end ≤ window end.
    pub fn covers(&self, start: DateTime<Utc>, end: DateTime<Utc>, zone: Tz) -> bool {
        self.covers_local(
            start.with_timezone(&zone).naive_local(),
            end.with_timezone(&zone).naive_local(),
        )
    }

    /// [`Self::covers`] for times already read in the window's zone.
    pub fn covers_local(&self, local_start: NaiveDateTime, local_end: NaiveDateTime) -> bool {
        local_start.date() == local_end.date()
            && self.applies_on(local_start.date())
            && self.start.naive() <= local_start.time()
            && local_end.time() <= self.end.naive()
    }
}

/// The instant at which local `date` begins in `zone` (midnight, or the first valid instant of
/// the day should midnight fall into a daylight-saving gap). A day the zone skipped altogether
/// (Samoa's 30 December 2011) begins where the next one does.
pub fn start_of_local_day(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    let step = chrono::Duration::minutes(15);
    let mut local = date.and_time(NaiveTime::MIN);
    // Gaps are at most a day long; step forward until the wall clock exists again.
    for _ in 0..2 * 24 * 4 {
        if let Some(instant) = zone.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        match local.checked_add_signed(step) {
            Some(later) => local = later,
            None => break,
        }
    }
    // Only at the end of the calendar, where no wall-clock time of two days exists.
    date.and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(weekday: Weekday, start: &str, end: &str) -> WeeklyWindow {
        WeeklyWindow {
            weekday,
            start: LocalTime::parse(start).unwrap(),
            end: LocalTime::parse(end).unwrap(),
            valid_from: None,
            valid_until: None,
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn parses_and_prints_hh_mm() {
        assert_eq!(LocalTime::parse("08:05").unwrap().to_string(), "08:05");
        assert_eq!(LocalTime::parse("23:59").unwrap().minutes(), 23 * 60 + 59);
        for bad in ["24:00", "8:00", "08:60", "0800", "", "ab:cd", "+8:00", "08:+5", "+0:00"] {
            assert_eq!(LocalTime::parse(bad), Err(InvalidTime), "{bad:?}");
        }
    }

    /// The shape the OpenAPI document promises: `^([01][0-9]|2[0-3]):[0-5][0-9]$`.
    fn fits_schema(text: &str) -> bool {
        let b = text.as_bytes();
        b.len() == 5
            && b[2] == b':'
            && (matches!(b[0], b'0' | b'1') && b[1].is_ascii_digit()
                || b[0] == b'2' && (b'0'..=b'3').contains(&b[1]))
            && (b'0'..=b'5').contains(&b[3])
            && b[4].is_ascii_digit()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// Exactly the schema's times are accepted, and each prints back as it was written.
        #[test]
        fn a_time_is_accepted_exactly_in_the_schema_s_shape(
            text in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "[0-9+ -]{1,3}:[0-9+ -]{1,3}",
                "[0-2][0-9]:[0-6][0-9]",
            ],
        ) {
            match LocalTime::parse(&text) {
                Ok(time) => {
                    proptest::prop_assert!(fits_schema(&text), "{text:?} accepted");
                    proptest::prop_assert_eq!(time.to_string(), text);
                    proptest::prop_assert_eq!(LocalTime::from_minutes(time.minutes()), Some(time));
                }
                Err(_) => proptest::prop_assert!(!fits_schema(&text), "{text:?} refused"),
            }
        }

        #[test]
        fn weekdays_are_read_in_their_one_spelling(text in "[a-zA-Z]{0,4}|\\PC{0,6}") {
            match text.parse::<Weekday>() {
                Ok(day) => proptest::prop_assert_eq!(day.as_str(), text),
                Err(e) => proptest::prop_assert_eq!(e.expected, ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            }
        }
    }

    #[test]
    fn a_window_crossing_midnight_is_refused_on_its_end() {
        let err = window(Weekday::Fri, "22:00", "02:00").validate().unwrap_err();
        assert_eq!(err.fields().collect::<Vec<_>>(), ["end"]);
        assert!(window(Weekday::Fri, "09:00", "09:00").validate().is_err());
        assert!(window(Weekday::Fri, "09:00", "12:00").validate().is_ok());
    }

    #[test]
    fn windows_are_read_in_local_time_across_daylight_saving() {
        // Monday 09:00–12:00 Berlin time. 23 March 2026 is CET (UTC+1), 30 March is CEST (UTC+2).
        let w = window(Weekday::Mon, "09:00", "12:00");
        assert!(w.covers(at("2026-03-23T08:00:00Z"), at("2026-03-23T09:00:00Z"), BERLIN));
        assert!(w.covers(at("2026-03-30T07:00:00Z"), at("2026-03-30T08:00:00Z"), BERLIN));
        // The same UTC times a week later are 10:00 local — still inside; 06:30Z is 08:30 local.
        assert!(!w.covers(at("2026-03-30T06:30:00Z"), at("2026-03-30T07:30:00Z"), BERLIN));
        // 11:30–12:30 local runs past the window's end.
        assert!(!w.covers(at("2026-03-30T09:30:00Z"), at("2026-03-30T10:30:00Z"), BERLIN));
    }

    #[test]
    fn validity_dates_bound_a_window() {
        let mut w = window(Weekday::Tue, "10:00", "11:00");
        w.valid_from = NaiveDate::from_ymd_opt(2026, 4, 1);
        assert!(!w.applies_on(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()));
        assert!(w.applies_on(NaiveDate::from_ymd_opt(2026, 4, 7).unwrap()));
    }

    #[test]
    fn a_skipped_day_begins_where_the_next_one_does() {
        let apia: Tz = "Pacific/Apia".parse().unwrap();
        let skipped = NaiveDate::from_ymd_opt(2011, 12, 30).unwrap();
        assert_eq!(start_of_local_day(skipped, apia), at("2011-12-30T10:00:00Z"));
        // Local mean time, 0:53:28 ahead of UTC, leads out of the calendar until 01:00.
        let first = NaiveDate::MIN.and_hms_opt(0, 6, 32).unwrap().and_utc();
        assert_eq!(start_of_local_day(NaiveDate::MIN, BERLIN), first);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        /// Any date in any of these zones has a beginning; within years people use, it is the
        /// first instant of that local date.
        #[test]
        fn every_day_has_a_beginning(
            days in proptest::prop_oneof![-100_000_000i32..100_000_000, 690_000i32..770_000],
            zone in proptest::sample::select(vec!["Europe/Berlin", "Pacific/Apia", "Pacific/Kiritimati", "America/Havana", "Asia/Kathmandu", "Etc/GMT+12"]),
        ) {
            let zone: Tz = zone.parse().unwrap();
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or(NaiveDate::MAX);
            let start = start_of_local_day(date, zone);
            if (1..=9999).contains(&date.year()) {
                proptest::prop_assert!(start.with_timezone(&zone).date_naive() >= date);
                let before = start - chrono::Duration::seconds(1);
                proptest::prop_assert!(before.with_timezone(&zone).date_naive() < date);
            }
        }
    }

    #[test]
    fn local_days_start_at_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
        assert_eq!(start_of_local_day(day, BERLIN), at("2026-03-28T23:00:00Z"));
        let next = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap();
        assert_eq!(start_of_local_day(next, BERLIN), at("2026-03-29T22:00:00Z"));
    }
}
