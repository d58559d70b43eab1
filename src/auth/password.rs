//! Password hashing with Argon2id (PHC strings). Verification runs on a blocking thread: it is
//! deliberately slow and must not stall the async workers.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;

/// Hashes a password with a fresh random salt.
///
/// # Errors
/// Only if the system's random source fails.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// [`hash`] on a blocking thread, for request handlers.
///
/// # Errors
/// As [`hash`].
pub async fn hash_blocking(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| format!("hashing task failed: {e}"))?
}

/// A hash of a password nobody knows, verified against when the username does not exist, so
/// that an unknown user takes as long to refuse as a wrong password.
static DECOY: LazyLock<Option<String>> = LazyLock::new(|| hash("decoy password, never valid").ok());

/// Whether `password` matches `stored`. With `stored = None` (no such user, or no password
/// set) the decoy hash is checked and the answer is always `false`.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    verify_holding(password, stored, ()).await
}

/// As [`verify`], keeping `held` (a slot of the login guard) until the hash is computed, also
/// when the request that asked has gone: the blocking thread goes on with the work.
pub async fn verify_holding<H: Send + 'static>(
    password: String,
    stored: Option<String>,
    held: H,
) -> bool {
    tokio::task::spawn_blocking(move || {
        let _held = held;
        let (phc, real) = match stored {
            Some(stored) => (stored, true),
            None => match DECOY.as_ref() {
                Some(decoy) => (decoy.clone(), false),
                None => return false,
            },
        };
        let Ok(parsed) = PasswordHash::new(&phc) else {
            return false;
        };
        let matches = Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok();
        real && matches
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(stored.clone())).await);
        assert!(!verify("wrong horse".into(), Some(stored)).await);
        assert!(!verify("decoy password, never valid".into(), None).await);
    }
}
