//! Authentication and authorisation: password hashes, login tokens, sessions and the `Caller`
//! every handler receives, with its organisation and roles.

mod caller;
pub mod password;
pub mod token;

pub use caller::{Caller, SessionKind, bearer_token};
