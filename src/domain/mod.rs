//! Pure domain types and rules: languages and levels, roles, weekly availability windows in
//! local time, NRW public holidays and field validation. Nothing here knows about HTTP or the
//! database.

pub mod booking;
pub mod courses;
pub mod dates;
pub mod holidays;
pub mod language;
pub mod referrals;
pub mod supply;
pub mod text;
pub mod time;
pub mod types;
pub mod validation;

pub use language::LanguageTag;
pub use types::{AbsenceReason, Gender, Level, Locale, Mode, Role};
pub use validation::FieldErrors;
