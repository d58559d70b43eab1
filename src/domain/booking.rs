//! The closed value sets of booking: kinds of appointment, the life cycles of appointments and
//! assignments, fallbacks and outcomes.

use super::types::spelled_enum;

spelled_enum! {
    /// What the appointment is for.
    AppointmentKind {
        FirstInterview = "first_interview",
        Counselling = "counselling",
        Benefits = "benefits",
        Placement = "placement",
        LanguageCourseAdvice = "language_course_advice",
        RecognitionAdvice = "recognition_advice",
        Other = "other",
    }
}

spelled_enum! {
    /// Where an interpreter request stands: `open → proposed → confirmed → held |
    /// client_no_show`, or `cancelled`, or `unfilled → fallback`.
    AppointmentStatus {
        Open = "open",
        Proposed = "proposed",
        Confirmed = "confirmed",
        Held = "held",
        ClientNoShow = "client_no_show",
        Cancelled = "cancelled",
        Unfilled = "unfilled",
        Fallback = "fallback",
    }
}

impl AppointmentStatus {
    /// Still to take place and still to be planned or confirmed.
    pub fn is_plannable(self) -> bool {
        matches!(self, Self::Open | Self::Proposed | Self::Unfilled)
    }

    /// Can still be cancelled.
    pub fn is_cancellable(self) -> bool {
        matches!(
            self,
            Self::Open | Self::Proposed | Self::Confirmed | Self::Unfilled | Self::Fallback
        )
    }
}

spelled_enum! {
    /// A volunteer's assignment: `proposed → confirmed | declined | withdrawn | cancelled`.
    AssignmentStatus {
        Proposed = "proposed",
        Confirmed = "confirmed",
        Declined = "declined",
        Withdrawn = "withdrawn",
        Cancelled = "cancelled",
    }
}

spelled_enum! {
    /// What was done when the pool could not help.
    FallbackKind {
        PhoneVideoService = "phone_video_service",
        PaidInterpreter = "paid_interpreter",
        BridgeLanguage = "bridge_language",
    }
}

spelled_enum! {
    /// How a confirmed appointment went.
    Outcome {
        Held = "held",
        ClientNoShow = "client_no_show",
    }
}

/// The longest an appointment may last. Queries for a period rely on it to bound the start.
pub const LONGEST_APPOINTMENT: chrono::Duration = chrono::Duration::hours(8);

/// When an appointment lies, as the figures group it: its local date and ISO week, its length
/// and how long before it was booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    pub local_date: chrono::NaiveDate,
    /// ISO year × 100 + ISO week, e.g. 202648.
    pub local_week: i32,
    pub duration_minutes: i32,
    pub lead_minutes: i32,
}

impl Timing {
    pub fn of(
        start: chrono::DateTime<chrono::Utc>,
        end: chrono::DateTime<chrono::Utc>,
        booked: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        use chrono::Datelike;
        let local_date = start.with_timezone(&super::time::BERLIN).date_naive();
        let week = local_date.iso_week();
        let minutes = |d: chrono::Duration| i32::try_from(d.num_minutes()).unwrap_or(i32::MAX);
        Self {
            local_date,
            local_week: iso_week_number(week.year(), week.week()),
            duration_minutes: minutes(end - start),
            lead_minutes: minutes(start - booked).max(0),
        }
    }
}

/// An ISO week as stored: year × 100 + week.
pub fn iso_week_number(year: i32, week: u32) -> i32 {
    year * 100 + i32::try_from(week).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
        text.parse().unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn timing_follows_the_local_calendar() {
        // 23:30 UTC on Sunday 25 October 2026 is already Monday in Berlin (winter time, +1).
        let t = Timing::of(
            utc("2026-10-25T23:30:00Z"),
            utc("2026-10-26T00:15:00Z"),
            utc("2026-10-20T23:30:00Z"),
        );
        assert_eq!(t.local_date.to_string(), "2026-10-26");
        assert_eq!(t.local_week, 202644);
        assert_eq!(t.duration_minutes, 45);
        assert_eq!(t.lead_minutes, 5 * 24 * 60);
        // Booked after the start (recorded late): no negative lead time.
        let late = Timing::of(
            utc("2027-01-04T08:00:00Z"),
            utc("2027-01-04T09:00:00Z"),
            utc("2027-01-04T09:00:00Z"),
        );
        assert_eq!(late.lead_minutes, 0);
        assert_eq!(late.local_week, 202701);
    }
}
