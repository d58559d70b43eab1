//! Tests of the optimiser on generated problems: every plan keeps every hard rule (checked by
//! the independent checker), lists every appointment once, is never worse than the greedy plan,
//! and on small instances reaches the optimum that exhaustive search finds. The problem file
//! is fuzzed: whatever it holds, it is read or refused with its line, never a panic.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod brute_force;
mod decomposition;
mod files;
mod fuzz;
mod mutate;
mod properties;
