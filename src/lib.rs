//! sprachpool: schedules a Jobcenter's voluntary interpreter pool and its language-support
//! referrals. `README.md` (its layout) and `docs/` are the map; dependencies point
//! `api`/`web` → `services` → (`repo`, `domain`).

pub mod api;
pub mod app;
pub mod auth;
pub mod commands;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod export;
pub mod i18n;
pub mod ical;
pub mod metrics;
pub mod repo;
pub mod report;
pub mod scheduling;
pub mod seed;
pub mod server;
pub mod services;
pub mod telemetry;
pub mod web;
