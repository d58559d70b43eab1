//! The `sprachpool` binary as a process among others: killed with SIGKILL in the middle of a
//! planning run and started again, and cut off from its database. Each test runs on SQLite (a
//! temporary file) and, when `TEST_DATABASE_URL` names a server, on a throwaway PostgreSQL
//! database.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod data;
mod harness;
#[path = "../api/invariants.rs"]
mod invariants;
mod outage;
mod proxy;
