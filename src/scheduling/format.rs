//! The planning problem and the plan as files: `sprachpool.problem/1` and `sprachpool.plan/1`,
//! exactly as `PROBLEM_FORMAT.md` specifies. Unknown fields are an error, and so is a missing
//! one: fields that may be `null` must still be present, so that a typo never drops a rule.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

use crate::domain::time::{LocalTime, Weekday};
use crate::domain::{Gender, Level, Mode};

/// The `format` value of a problem file.
pub const PROBLEM_FORMAT: &str = "sprachpool.problem/1";
/// The `format` value of a plan file.
pub const PLAN_FORMAT: &str = "sprachpool.plan/1";

/// A nullable field that must be present: without this, serde would read a missing field as
/// `null`.
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer)
}

/// One planning problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Problem {
    pub format: String,
    /// IANA zone in which availability windows and dates are read.
    pub timezone: String,
    pub holidays: Vec<NaiveDate>,
    pub sites: Vec<String>,
    pub travel_minutes: Vec<Travel>,
    pub languages: Vec<LanguageFallback>,
    pub interpreters: Vec<Interpreter>,
    pub appointments: Vec<Appointment>,
    pub fixed: Vec<Fixed>,
}

/// Travel time between two sites, either way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Travel {
    pub from: String,
    pub to: String,
    pub minutes: u32,
}

/// A variety and the macrolanguage whose speakers can cover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageFallback {
    pub tag: String,
    #[serde(deserialize_with = "present")]
    pub fallback: Option<String>,
}

/// A language an interpreter speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Skill {
    pub tag: String,
    pub level: Level,
}

/// A weekly window in local wall-clock time; never crosses midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub weekday: Weekday,
    pub start: LocalTime,
    pub end: LocalTime,
}

/// A half-open period `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

/// A volunteer as the planner sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interpreter {
    pub id: String,
    pub user_id: String,
    pub site: String,
    #[serde(deserialize_with = "present")]
    pub gender: Option<Gender>,
    pub modes: Vec<Mode>,
    pub languages: Vec<Skill>,
    pub weekly_cap_minutes: u32,
    pub daily_cap_minutes: u32,
    pub availability: Vec<Window>,
    pub absences: Vec<Period>,
    pub works_on_holidays: bool,
    pub declaration_signed: bool,
}

/// An interpreter request to plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Appointment {
    pub id: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub language: String,
    pub min_level: Level,
    /// Where it takes place; needed for `in_person`, may be `null` otherwise.
    #[serde(deserialize_with = "present")]
    pub site: Option<String>,
    pub mode: Mode,
    pub priority: u32,
    pub sensitive: bool,
    pub caseworker_user_id: String,
    #[serde(deserialize_with = "present")]
    pub gender_preference: Option<Gender>,
    pub excluded_interpreters: Vec<String>,
    pub declined_by: Vec<String>,
    #[serde(deserialize_with = "present")]
    pub previous_interpreter: Option<String>,
    #[serde(deserialize_with = "present")]
    pub proposed_interpreter: Option<String>,
}

/// A confirmed assignment: not re-planned, but it takes the interpreter's time, travel and caps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fixed {
    pub appointment: String,
    pub interpreter: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    #[serde(deserialize_with = "present")]
    pub site: Option<String>,
    pub mode: Mode,
}

/// How good the plan is known to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// The covered priority is proven optimal.
    Optimal,
    /// Feasible; the time limit came before the proof.
    TimeLimit,
    /// The greedy plan only.
    Heuristic,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Optimal => "optimal",
            PlanStatus::TimeLimit => "time_limit",
            PlanStatus::Heuristic => "heuristic",
        }
    }
}

/// Why an appointment has no interpreter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Sensitive topics never go to lay interpreters.
    SensitiveTopic,
    /// Nobody speaks the language at the level.
    NoSpeaker,
    /// Speakers exist, but the rules exclude all of them.
    NoEligibleInterpreter,
    /// Eligible interpreters exist, but the plan needs them elsewhere.
    Capacity,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::SensitiveTopic => "sensitive_topic",
            Reason::NoSpeaker => "no_speaker",
            Reason::NoEligibleInterpreter => "no_eligible_interpreter",
            Reason::Capacity => "capacity",
        }
    }
}

/// The plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub format: String,
    pub status: PlanStatus,
    /// Sum of the priorities of the assigned appointments.
    pub covered_priority: u64,
    /// Best proven upper bound on `covered_priority`.
    pub bound: u64,
    pub solve_ms: u64,
    pub assignments: Vec<Assignment>,
    pub unassigned: Vec<Unassigned>,
}

/// An appointment and the interpreter planned for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub appointment: String,
    pub interpreter: String,
}

/// An appointment left without interpreter, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unassigned {
    pub appointment: String,
    pub reason: Reason,
    /// The reason as a sentence a person can read (an addition to the format's fields).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}
