//! Closed value sets of the domain (roles, CEFR levels, genders, modes, absence reasons), each
//! with the exact spelling used in the API and in the database.

/// Declares an enum whose variants have one canonical spelling, shared by serde (API), the
/// OpenAPI document, the database (text columns with a check constraint) and `FromStr`.
///
/// The spelling is taken as `tt`, not `literal`: a `literal` fragment reaches derive macros
/// wrapped in an invisible group, which serde reads but utoipa silently skips, so the document
/// would name the Rust variants instead of the spellings sent on the wire.
macro_rules! spelled_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:tt),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize, ::utoipa::ToSchema)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical spelling.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::domain::types::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err($crate::domain::types::UnknownValue {
                        expected: &[$($text),+],
                    }),
                }
            }
        }
    };
}
pub(crate) use spelled_enum;

/// A value outside a closed set; says which values are allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {}", expected.join(", "))]
pub struct UnknownValue {
    pub expected: &'static [&'static str],
}

spelled_enum! {
    /// What a user may do. A user may hold several roles.
    Role {
        /// Fachkraft: books interpreters, refers clients.
        Caseworker = "caseworker",
        /// A staff member who interprets for colleagues.
        Volunteer = "volunteer",
        /// Teamleitung: runs the pool, sets caps, sees coverage.
        TeamLead = "team_lead",
        /// Manages users, sites and the language list.
        Admin = "admin",
    }
}

spelled_enum! {
    /// Language level on the CEFR scale, or native. Ordered: `A1 < … < C2 < native`.
    Level {
        A1 = "A1",
        A2 = "A2",
        B1 = "B1",
        B2 = "B2",
        C1 = "C1",
        C2 = "C2",
        Native = "native",
    }
}

spelled_enum! {
    /// Gender of a volunteer, or a client's preference for the interpreter's gender.
    Gender {
        Female = "f",
        Male = "m",
        Diverse = "d",
    }
}

spelled_enum! {
    /// How an interpreter takes part in an appointment.
    Mode {
        InPerson = "in_person",
        Phone = "phone",
        Video = "video",
    }
}

spelled_enum! {
    /// Why a volunteer is away. Only the volunteer sees the reason; others see the period.
    AbsenceReason {
        Vacation = "vacation",
        Sick = "sick",
        Other = "other",
    }
}

spelled_enum! {
    /// Language of the user interface and of messages.
    Locale {
        De = "de",
        En = "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_from_a1_to_native() {
        assert!(Level::A1 < Level::A2 && Level::B2 < Level::C1 && Level::C2 < Level::Native);
        let mut sorted = Level::ALL.to_vec();
        sorted.sort();
        assert_eq!(sorted, Level::ALL);
    }

    #[test]
    fn spelling_round_trips_through_from_str_and_serde() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(*role));
            let json = serde_json::to_string(role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        let err = "B3".parse::<Level>().unwrap_err();
        assert_eq!(err.to_string(), "must be one of: A1, A2, B1, B2, C1, C2, native");
    }

    /// Reads `text` as each closed set: a value only in its one spelling, the same for
    /// `FromStr` and serde, and a refusal that lists every spelling.
    macro_rules! read_as_each {
        ($text:expr; $($set:ty),+ $(,)?) => {$(
            let text: &str = $text;
            let from_json = serde_json::from_value::<$set>(serde_json::json!(text)).ok();
            match text.parse::<$set>() {
                Ok(value) => {
                    prop_assert_eq!(value.as_str(), text);
                    prop_assert_eq!(from_json, Some(value));
                }
                Err(refusal) => {
                    let spellings: Vec<&str> = <$set>::ALL.iter().map(|v| v.as_str()).collect();
                    prop_assert_eq!(refusal.expected, spellings.as_slice());
                    prop_assert_eq!(from_json, None);
                }
            }
        )+};
    }

    fn every_closed_set(text: &str) -> Result<(), TestCaseError> {
        use crate::domain::booking::{
            AppointmentKind, AppointmentStatus, AssignmentStatus, FallbackKind, Outcome,
        };
        use crate::domain::courses::{Programme, Schedule, TimeOfDay};
        use crate::domain::referrals::{
            CourseStatus, ExamResult, LegalBasis, QualificationType, RecognitionOutcome,
            RecognitionStatus,
        };
        use crate::domain::time::Weekday;
        read_as_each!(text; Role, Level, Gender, Mode, AbsenceReason, Locale, Weekday);
        read_as_each!(text; Programme, Schedule, TimeOfDay);
        read_as_each!(text; AppointmentKind, AppointmentStatus, AssignmentStatus, FallbackKind, Outcome);
        read_as_each!(text; CourseStatus, LegalBasis, ExamResult, RecognitionStatus, RecognitionOutcome, QualificationType);
        Ok(())
    }

    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn closed_sets_take_only_their_spellings(
            text in prop_oneof![
                any::<String>(),
                "[a-z_]{1,12}|[A-C][1-2]|native",
                prop::sample::select(vec!["in_person", "B2", "team_lead", "sun", "dtz_b1", "held", "de"])
                    .prop_flat_map(|s| (Just(s), 0usize..3))
                    .prop_map(|(s, how)| match how {
                        0 => s.to_uppercase(),
                        1 => format!("{s} "),
                        _ => s.to_owned(),
                    }),
            ],
        ) {
            every_closed_set(&text)?;
        }
    }
}
