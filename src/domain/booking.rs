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
