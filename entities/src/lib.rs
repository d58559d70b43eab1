//! SeaORM entities of sprachpool: one module per table, columns and relations only.
//!
//! The schema itself is defined by the migrations crate; these types must match it, which the
//! integration tests check against a migrated database on every backend.

pub mod absence;
pub mod app_user;
pub mod appointment;
pub mod appointment_series;
pub mod assignment;
pub mod audit_event;
pub mod availability_rule;
pub mod client;
pub mod client_caseworker;
pub mod client_exclusion;
pub mod client_language;
pub mod course;
pub mod course_provider;
pub mod course_referral;
pub mod interpreter;
pub mod interpreter_language;
pub mod language;
pub mod login_throttle;
pub mod organisation;
pub mod outbox;
pub mod planning_run;
pub mod planning_run_unfilled;
pub mod recognition_referral;
pub mod referral_step;
pub mod report_measures;
pub mod session;
pub mod site;
pub mod site_travel;
pub mod training;
pub mod training_participation;
pub mod user_role;

/// Every table, for checks that walk the whole schema.
pub const TABLES: &[&str] = &[
    "organisation",
    "site",
    "app_user",
    "user_role",
    "session",
    "login_throttle",
    "audit_event",
    "language",
    "interpreter",
    "interpreter_language",
    "availability_rule",
    "absence",
    "client",
    "client_language",
    "client_exclusion",
    "client_caseworker",
    "course_provider",
    "course",
    "course_referral",
    "recognition_referral",
    "referral_step",
    "training",
    "training_participation",
    "appointment_series",
    "appointment",
    "assignment",
    "planning_run",
    "planning_run_unfilled",
    "outbox",
    "site_travel",
    "report_measures",
];
