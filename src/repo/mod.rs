//! Queries over `&impl ConnectionTrait`, so that each can run inside a use case's transaction.
//! Every query on an organisation's data takes the organisation id and filters by it.

pub mod audit;
pub mod booking;
pub mod caseload;
pub mod coverage;
pub mod first;
pub mod interpreters;
pub mod languages;
pub mod organisations;
pub mod sessions;
pub mod sites;
pub mod throttle;
pub mod users;

pub use first::First;
