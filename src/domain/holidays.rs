//! Public holidays of North Rhine-Westphalia, computed for any year: fixed dates plus the
//! movable feasts, which hang off Easter Sunday (Gregorian computus).

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

/// A public holiday with its German and English name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name_de: &'static str,
    pub name_en: &'static str,
}

/// Where a holiday falls: a fixed day of the year, or a number of days after Easter Sunday.
enum Rule {
    Fixed(u32, u32),
    AfterEaster(i64),
}

const NRW: &[(Rule, &str, &str)] = &[
    (Rule::Fixed(1, 1), "Neujahr", "New Year's Day"),
    (Rule::AfterEaster(-2), "Karfreitag", "Good Friday"),
    (Rule::AfterEaster(1), "Ostermontag", "Easter Monday"),
    (Rule::Fixed(5, 1), "Tag der Arbeit", "Labour Day"),
    (Rule::AfterEaster(39), "Christi Himmelfahrt", "Ascension Day"),
    (Rule::AfterEaster(50), "Pfingstmontag", "Whit Monday"),
    (Rule::AfterEaster(60), "Fronleichnam", "Corpus Christi"),
    (Rule::Fixed(10, 3), "Tag der Deutschen Einheit", "Day of German Unity"),
    (Rule::Fixed(11, 1), "Allerheiligen", "All Saints' Day"),
    (Rule::Fixed(12, 25), "1. Weihnachtstag", "Christmas Day"),
    (Rule::Fixed(12, 26), "2. Weihnachtstag", "Boxing Day"),
];

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
/// Defined for the years chrono can represent that are after the Gregorian reform.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    if year < 1583 {
        return None;
    }
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The NRW public holidays of `year`, in date order. Empty before 1583.
pub fn nrw_holidays(year: i32) -> Vec<Holiday> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    let mut holidays: Vec<Holiday> = NRW
        .iter()
        .filter_map(|(rule, name_de, name_en)| {
            let date = match rule {
                Rule::Fixed(month, day) => NaiveDate::from_ymd_opt(year, *month, *day)?,
                Rule::AfterEaster(days) => easter + Duration::days(*days),
            };
            Some(Holiday { date, name_de, name_en })
        })
        .collect();
    holidays.sort_by_key(|h| h.date);
    holidays
}

/// Whether `date` is a public holiday in NRW.
pub fn is_nrw_holiday(date: NaiveDate) -> bool {
    nrw_holidays(date.year()).iter().any(|h| h.date == date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_matches_published_dates() {
        // Dates as published by the Physikalisch-Technische Bundesanstalt.
        for (year, month, day) in [
            (1583, 4, 10),
            (1818, 3, 22),
            (1943, 4, 25),
            (2000, 4, 23),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(year), Some(d(year, month, day)), "{year}");
        }
        assert_eq!(easter_sunday(1582), None);
    }

    #[test]
    fn nrw_2026_has_the_eleven_holidays() {
        let dates: Vec<NaiveDate> = nrw_holidays(2026).iter().map(|h| h.date).collect();
        assert_eq!(
            dates,
            vec![
                d(2026, 1, 1),
                d(2026, 4, 3),
                d(2026, 4, 6),
                d(2026, 5, 1),
                d(2026, 5, 14),
                d(2026, 5, 25),
                d(2026, 6, 4),
                d(2026, 10, 3),
                d(2026, 11, 1),
                d(2026, 12, 25),
                d(2026, 12, 26),
            ]
        );
        assert!(is_nrw_holiday(d(2026, 6, 4)));
        assert!(!is_nrw_holiday(d(2026, 6, 5)));
    }

    proptest! {
        #[test]
        fn movable_feasts_keep_their_weekdays(year in 1583i32..4000) {
            let easter = easter_sunday(year).unwrap();
            prop_assert_eq!(easter.weekday(), Weekday::Sun);
            prop_assert!(easter >= d(year, 3, 22) && easter <= d(year, 4, 25));
            let holidays = nrw_holidays(year);
            prop_assert_eq!(holidays.len(), 11);
            let by_name = |name: &str| holidays.iter().find(|h| h.name_de == name).unwrap().date;
            prop_assert_eq!(by_name("Karfreitag").weekday(), Weekday::Fri);
            prop_assert_eq!(by_name("Ostermontag").weekday(), Weekday::Mon);
            prop_assert_eq!(by_name("Christi Himmelfahrt").weekday(), Weekday::Thu);
            prop_assert_eq!(by_name("Pfingstmontag").weekday(), Weekday::Mon);
            prop_assert_eq!(by_name("Fronleichnam").weekday(), Weekday::Thu);
        }
    }
}
