//! What a volunteer could give: the minutes of their weekly windows on each local date,
//! less absences and public holidays (unless they work on holidays), held to the daily cap and
//! then, day by day through each ISO week, to the weekly cap. Windows are wall-clock times in
//! Europe/Berlin, so a window on the day of a daylight-saving change still gives its
//! wall-clock length.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use super::holidays::is_nrw_holiday;
use super::time::{BERLIN, WeeklyWindow};

/// A volunteer's time as the figures need it.
#[derive(Debug, Clone)]
pub struct Availability {
    pub windows: Vec<WeeklyWindow>,
    /// Half-open `[from, until)` periods of absence.
    pub absences: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub works_on_holidays: bool,
    pub daily_cap_minutes: i64,
    pub weekly_cap_minutes: i64,
}

impl Availability {
    /// Minutes offered on each local date from `from` to `to` (inclusive). Dates without any
    /// are left out.
    pub fn offered(&self, from: NaiveDate, to: NaiveDate) -> BTreeMap<NaiveDate, i64> {
        let mut offered = BTreeMap::new();
        if to < from {
            return offered;
        }
        // Whole ISO weeks, so that the weekly cap counts the days outside the period too.
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        let mut day = monday(from);
        let mut week_left = self.weekly_cap_minutes;
        while day <= to {
            if day.weekday().num_days_from_monday() == 0 {
                week_left = self.weekly_cap_minutes;
            }
            let minutes = self.on(day).min(self.daily_cap_minutes).min(week_left).max(0);
            week_left -= minutes;
            if day >= from && minutes > 0 {
                offered.insert(day, minutes);
            }
            day += Duration::days(1);
        }
        offered
    }

    /// Minutes of the windows on one local date, absences and holidays taken off.
    fn on(&self, date: NaiveDate) -> i64 {
        if is_nrw_holiday(date) && !self.works_on_holidays {
            return 0;
        }
        let mut spans: Vec<(NaiveTime, NaiveTime)> = self
            .windows
            .iter()
            .filter(|w| w.applies_on(date))
            .map(|w| (w.start.naive(), w.end.naive()))
            .collect();
        spans.sort();
        // Overlapping windows count once.
        let mut merged: Vec<(NaiveTime, NaiveTime)> = Vec::new();
        for (start, end) in spans {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
            .into_iter()
            .map(|(start, end)| {
                let wall = (end - start).num_minutes();
                let instant =
                    |t: NaiveTime| BERLIN.from_local_datetime(&date.and_time(t)).earliest();
                let (Some(s), Some(e)) = (instant(start), instant(end)) else { return wall };
                let (s, e) = (s.with_timezone(&Utc), e.with_timezone(&Utc));
                let absent: i64 = self
                    .absences
                    .iter()
                    .map(|&(a, b)| (e.min(b) - s.max(a)).num_minutes().max(0))
                    .sum();
                (wall - absent).max(0)
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::{LocalTime, Weekday};

    fn window(weekday: Weekday, start: &str, end: &str) -> WeeklyWindow {
        WeeklyWindow {
            weekday,
            start: LocalTime::parse(start).unwrap_or_else(|_| unreachable!()),
            end: LocalTime::parse(end).unwrap_or_else(|_| unreachable!()),
            valid_from: None,
            valid_until: None,
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn windows_less_holidays_absences_and_caps() {
        let volunteer = Availability {
            windows: vec![
                window(Weekday::Mon, "08:00", "12:00"),
                window(Weekday::Mon, "11:00", "13:00"),
                window(Weekday::Wed, "09:00", "11:00"),
                window(Weekday::Fri, "09:00", "11:00"),
            ],
            // Wednesday 1 April 2026, 10:00–12:00 local (summer time, UTC+2).
            absences: vec![(
                "2026-04-01T08:00:00Z".parse().unwrap_or_else(|_| unreachable!()),
                "2026-04-01T10:00:00Z".parse().unwrap_or_else(|_| unreachable!()),
            )],
            works_on_holidays: false,
            daily_cap_minutes: 240,
            weekly_cap_minutes: 330,
        };
        // The week of 30 March 2026: Monday after the change to summer time, Good Friday on 3 April.
        let offered = volunteer.offered(date("2026-03-30"), date("2026-04-05"));
        // Monday 08:00–13:00 is 300 minutes, held to the daily 240; Wednesday 120 less the hour
        // absent; Friday is Good Friday.
        assert_eq!(offered.get(&date("2026-03-30")), Some(&240));
        assert_eq!(offered.get(&date("2026-04-01")), Some(&60));
        assert_eq!(offered.get(&date("2026-04-03")), None);
        // The weekly cap: 330 over the week, Monday's 240 first.
        let mut tight = volunteer.clone();
        tight.weekly_cap_minutes = 270;
        let offered = tight.offered(date("2026-03-30"), date("2026-04-05"));
        assert_eq!(offered.values().sum::<i64>(), 270);
        assert_eq!(offered.get(&date("2026-04-01")), Some(&30));
        // A period starting on Wednesday still counts Monday against the week's cap.
        let offered = tight.offered(date("2026-04-01"), date("2026-04-05"));
        assert_eq!(offered.values().sum::<i64>(), 30);
    }

    #[test]
    fn the_day_of_the_change_keeps_its_wall_clock_windows() {
        let volunteer = Availability {
            windows: vec![window(Weekday::Sun, "01:00", "05:00")],
            absences: Vec::new(),
            works_on_holidays: true,
            daily_cap_minutes: 600,
            weekly_cap_minutes: 600,
        };
        // On 29 March 2026 the clock skips 02:00–03:00: the window is 4 hours on the wall
        // clock, and so it counts (what a volunteer means by "01:00 to 05:00").
        let offered = volunteer.offered(date("2026-03-29"), date("2026-03-29"));
        assert_eq!(offered.get(&date("2026-03-29")), Some(&240));
    }
}
