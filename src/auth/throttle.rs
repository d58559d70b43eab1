//! The login guard kept in memory by each instance, in front of the password check:
//!
//! 1. at most `login_max_verifications` password checks at once, each taking Argon2's memory;
//!    a few more wait briefly, the rest are answered 503 with `Retry-After`;
//! 2. failed logins per client address within the window, then 429 for that address;
//! 3. failed logins per username and address: after `login_max_failures`, each further
//!    attempt waits twice as long as the one before (1 s, 2 s, 4 s, … up to the window), and
//!    one sent sooner is answered 429 with `Retry-After`.
//!
//! The lock per username across all addresses lives in the database (`repo::throttle`), so
//! that every instance sees it. Attempts are counted before the password is checked, under one
//! mutex, so parallel attempts cannot slip through between the check and the count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::Settings;
use crate::error::AppError;

/// Entries kept per map; expired ones go first, then the oldest. Bounds the memory an attacker
/// with many addresses or usernames can take.
const MAX_ENTRIES: usize = 10_000;
/// How long a login waits for a password check before it is answered 503.
const MAX_WAIT: Duration = Duration::from_secs(2);

/// Why a login is refused before its password is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures from this address, or this username from this address, for now.
    TooMany { retry_after: Duration },
    /// Too many password checks under way in this instance.
    Busy { retry_after: Duration },
}

/// Whole seconds to wait, rounded up.
fn seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

impl From<Refusal> for AppError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::TooMany { retry_after } => {
                AppError::TooManyAttempts { retry_after_secs: seconds(retry_after) }
            }
            Refusal::Busy { retry_after } => {
                AppError::Busy { retry_after_secs: seconds(retry_after) }
            }
        }
    }
}

/// A bounded digest of a normalised username: the key the throttles keep instead of the text.
#[must_use]
pub fn username_key(username: &str) -> String {
    hex::encode(Sha256::digest(username.trim().to_lowercase().as_bytes()))
}

/// The address a throttle counts: IPv4 as it is, IPv6 by its /64, which one host usually owns
/// whole.
fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::from(segments)
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    since: Instant,
    /// No attempt before this.
    not_before: Instant,
}

/// Failure counts by key, bounded.
#[derive(Debug)]
struct Counts<K>(HashMap<K, Count>);

impl<K: std::hash::Hash + Eq + Clone> Counts<K> {
    fn current(&mut self, key: &K, now: Instant, window: Duration) -> Count {
        match self.0.get(key) {
            Some(count) if now.duration_since(count.since) < window || count.not_before > now => {
                *count
            }
            _ => Count { failures: 0, since: now, not_before: now },
        }
    }

    fn set(&mut self, key: K, count: Count, now: Instant, window: Duration) {
        if self.0.len() >= MAX_ENTRIES && !self.0.contains_key(&key) {
            self.0.retain(|_, c| now.duration_since(c.since) < window || c.not_before > now);
            if self.0.len() >= MAX_ENTRIES
                && let Some(oldest) =
                    self.0.iter().min_by_key(|(_, c)| c.since).map(|(k, _)| k.clone())
            {
                self.0.remove(&oldest);
            }
        }
        self.0.insert(key, count);
    }
}

/// An attempt let through to the password check; say how it ended with
/// [`LoginGuard::succeeded`]. Until then it counts as a failure.
#[derive(Debug)]
pub struct Attempt {
    username: String,
    address: IpAddr,
}

/// The login guard of one instance; a field of `App`.
#[derive(Debug)]
pub struct LoginGuard {
    verifications: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
    window: Duration,
    max_failures: u32,
    address_max_failures: u32,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    by_address: Counts<IpAddr>,
    by_pair: Counts<(String, IpAddr)>,
}

/// Counts a waiting login while it waits, however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl LoginGuard {
    #[must_use]
    pub fn new(settings: &Settings) -> Self {
        let permits = usize::try_from(settings.login_max_verifications.max(1)).unwrap_or(1);
        Self {
            verifications: Arc::new(Semaphore::new(permits)),
            waiting: AtomicUsize::new(0),
            max_waiting: permits * 4,
            window: Duration::from_secs(u64::from(settings.login_lockout_minutes.max(1)) * 60),
            max_failures: settings.login_max_failures.max(1),
            address_max_failures: settings.login_address_max_failures.max(1),
            state: Mutex::new(State {
                by_address: Counts(HashMap::new()),
                by_pair: Counts(HashMap::new()),
            }),
        }
    }

    /// Lets an attempt through, counted as a failure until it succeeds, or refuses it.
    ///
    /// # Errors
    /// [`Refusal::TooMany`] with the time to wait.
    pub fn begin(&self, username: &str, address: IpAddr) -> Result<Attempt, Refusal> {
        self.begin_at(username_key(username), address, Instant::now())
    }

    fn begin_at(
        &self,
        username: String,
        address: IpAddr,
        now: Instant,
    ) -> Result<Attempt, Refusal> {
        let address = address_key(address);
        let window = self.window;
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut by_address = state.by_address.current(&address, now, window);
        if by_address.failures >= self.address_max_failures {
            let retry_after = window.saturating_sub(now.duration_since(by_address.since));
            return Err(Refusal::TooMany { retry_after: retry_after.max(Duration::from_secs(1)) });
        }
        let pair = (username, address);
        let mut by_pair = state.by_pair.current(&pair, now, window);
        if by_pair.not_before > now {
            return Err(Refusal::TooMany {
                retry_after: (by_pair.not_before - now).max(Duration::from_secs(1)),
            });
        }
        by_address.failures += 1;
        by_pair.failures += 1;
        if let Some(beyond) = by_pair.failures.checked_sub(self.max_failures) {
            // 1 s after the last free failure, doubling with each one after it.
            let wait = Duration::from_secs(1u64 << beyond.min(20)).min(window);
            by_pair.not_before = now + wait;
        }
        state.by_address.set(address, by_address, now, window);
        let (username, address) = pair;
        state.by_pair.set((username.clone(), address), by_pair, now, window);
        Ok(Attempt { username, address })
    }

    /// The attempt's password was right: its username starts afresh from its address, and the
    /// address's count gives the attempt back.
    pub fn succeeded(&self, attempt: Attempt) {
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.by_pair.0.remove(&(attempt.username, attempt.address));
        if let Some(count) = state.by_address.0.get_mut(&attempt.address) {
            count.failures = count.failures.saturating_sub(1);
        }
    }

    /// Forgets a username's failures from every address (an admin unlocked the account).
    pub fn forget(&self, username: &str) {
        let key = username_key(username);
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        state.by_pair.0.retain(|(username, _), _| *username != key);
    }

    /// A slot for one password check: at once, or after a short wait in a bounded queue. Hand
    /// it to the check itself (`password::verify_holding`), so that it is free again only
    /// when the hash is computed, not when the request gives up.
    ///
    /// # Errors
    /// [`Refusal::Busy`] when the queue is full or the wait too long.
    pub async fn verification(&self) -> Result<OwnedSemaphorePermit, Refusal> {
        let busy = Refusal::Busy { retry_after: Duration::from_secs(1) };
        if let Ok(permit) = Arc::clone(&self.verifications).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy);
        }
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(MAX_WAIT, Arc::clone(&self.verifications).acquire_owned()).await
        {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> LoginGuard {
        let settings = Settings {
            login_max_failures: 3,
            login_address_max_failures: 10,
            login_lockout_minutes: 15,
            ..Settings::default()
        };
        LoginGuard::new(&settings)
    }

    const HERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const THERE: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn waits_grow_after_the_free_failures_and_only_for_that_address() {
        let guard = guard();
        let now = Instant::now();
        let key = username_key("admin");
        for _ in 0..3 {
            guard.begin_at(key.clone(), HERE, now).expect("free failures");
        }
        let refused = guard.begin_at(key.clone(), HERE, now).unwrap_err();
        assert_eq!(refused, Refusal::TooMany { retry_after: Duration::from_secs(1) });
        // Another address is not held back by this one's failures.
        guard.begin_at(key.clone(), THERE, now).expect("another address");
        guard.begin_at(key.clone(), HERE, now + Duration::from_secs(1)).expect("after a second");
        let refused = guard.begin_at(key.clone(), HERE, now + Duration::from_secs(2)).unwrap_err();
        assert_eq!(refused, Refusal::TooMany { retry_after: Duration::from_secs(1) });
        guard.begin_at(key.clone(), HERE, now + Duration::from_secs(3)).expect("after two more");
        let refused = guard.begin_at(key, HERE, now + Duration::from_secs(3)).unwrap_err();
        assert_eq!(refused, Refusal::TooMany { retry_after: Duration::from_secs(4) });
    }

    #[test]
    fn an_address_with_many_failures_is_held_back_for_every_username() {
        let guard = guard();
        let now = Instant::now();
        for n in 0..10 {
            guard.begin_at(username_key(&format!("user{n}")), HERE, now).expect("under the limit");
        }
        assert!(matches!(
            guard.begin_at(username_key("someone"), HERE, now),
            Err(Refusal::TooMany { .. })
        ));
        guard.begin_at(username_key("someone"), THERE, now).expect("another address");
    }

    #[test]
    fn a_success_clears_the_pair_and_ipv6_counts_by_prefix() {
        let guard = guard();
        let now = Instant::now();
        let a: IpAddr = "2001:db8::1".parse().unwrap_or(HERE);
        let b: IpAddr = "2001:db8::2".parse().unwrap_or(HERE);
        for _ in 0..3 {
            guard.begin_at(username_key("x"), a, now).expect("free failures");
        }
        assert!(guard.begin_at(username_key("x"), b, now).is_err(), "same /64");
        guard.forget("X ");
        let attempt = guard.begin_at(username_key("x"), a, now).expect("forgotten");
        guard.succeeded(attempt);
        guard.begin_at(username_key("x"), a, now).expect("afresh after success");
    }

    #[test]
    fn the_maps_stay_bounded() {
        let guard = guard();
        let now = Instant::now();
        for n in 0..(MAX_ENTRIES as u32 + 50) {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(n));
            let _ = guard.begin_at(username_key("x"), address, now);
        }
        let state = guard.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        assert!(state.by_pair.0.len() <= MAX_ENTRIES);
        assert!(state.by_address.0.len() <= MAX_ENTRIES);
    }

    #[tokio::test]
    async fn password_checks_beyond_the_queue_are_busy() {
        let settings = Settings { login_max_verifications: 1, ..Settings::default() };
        let guard = LoginGuard::new(&settings);
        let _held = guard.verification().await.expect("the one slot");
        let mut waiting = Vec::new();
        for _ in 0..4 {
            waiting.push(Box::pin(guard.verification()));
        }
        // Poll each once so that they queue.
        for w in &mut waiting {
            assert!(futures_poll_once(w.as_mut()).await.is_none());
        }
        assert_eq!(
            guard.verification().await.unwrap_err(),
            Refusal::Busy { retry_after: Duration::from_secs(1) }
        );
    }

    async fn futures_poll_once<F: std::future::Future + Unpin>(f: F) -> Option<F::Output> {
        tokio::time::timeout(Duration::from_millis(1), f).await.ok()
    }
}
