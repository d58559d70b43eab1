//! The `sprachpool` binary as a process among others: killed with SIGKILL in the middle of a
//! planning run or of an e-mail and started again, cut off from its database, and run twice on
//! one database. Each test runs on SQLite (a temporary file) and, when `TEST_DATABASE_URL`
//! names a server, on a throwaway PostgreSQL database.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod crash;
mod data;
mod harness;
mod instances;
#[path = "../api/invariants.rs"]
mod invariants;
mod outage;
mod outbox;
mod proxy;
mod slow_clients;
#[path = "../api/smtp_sink.rs"]
mod smtp_sink;
