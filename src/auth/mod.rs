//! Authentication and authorisation: password hashes, login tokens, sessions and the `Caller`
//! every handler receives, with its organisation and roles.

mod caller;
mod client;
pub mod password;
pub mod secret;
pub mod throttle;
pub mod token;

pub use caller::{Caller, SessionKind, bearer_token};
pub use client::ClientAddress;
