//! Integration tests of the service, run against SQLite by default and against PostgreSQL when
//! `TEST_DATABASE_URL` names a server. Each test gets its own fresh database.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod admin;
mod auth;
mod bad_input;
mod booking;
mod calendar;
mod caseload;
mod cli;
mod concurrency;
mod courses;
mod coverage;
mod helpers;
mod invariants;
mod isolation;
mod login_throttle;
mod mail;
mod notifications;
mod openapi_schema;
mod operations;
mod own_exclusion;
mod planning;
mod planning_mixes;
mod pool;
mod privacy;
mod profile;
mod races;
mod referrals;
mod schema;
mod smtp_sink;
mod trainings;
mod web;
