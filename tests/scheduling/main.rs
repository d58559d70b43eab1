//! Tests of the optimiser on generated problems: every plan keeps every hard rule (checked by
//! the independent checker), lists every appointment once, is never worse than the greedy plan,
//! and on small instances reaches the optimum that exhaustive search finds.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod brute_force;
mod decomposition;
mod files;
mod properties;
