//! Rate limits kept in the store as counters per fixed window: failed sign-ins and
//! forgot-password requests, each per email from one source address (strict), per email from
//! every source (looser) and per source address. Keys hold a hash of the email, not the email,
//! so the counters carry no personal data.
//!
//! Why three keys: a strict limit per email alone lets anyone lock the owner out by failing on
//! purpose (issue 13). The strict one is per email *and* source, so failures from one address do
//! not refuse the owner at another; the looser per-email one still bounds guessing spread over
//! many addresses; the per-source one bounds one address trying many emails.
//!
//! A slot is taken (under the limit only, all keys or none: a take refused by one key gives the
//! others back) *before* the work it limits, or in the same write as it, so a burst of parallel
//! requests is counted as it arrives, not after each request's password hash: sign-in takes its
//! slots before the hash is checked; forgot-password takes the address's slot first and the
//! email's in the transaction that stores the reset link and its email. A known device's
//! attempts take that device's own counter instead (`sign_in::take_login_slots`).

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::Services;
use crate::domain::Identifier;
pub use crate::ports::Limited;
use crate::ports::{window_start, StoreError};

pub(super) fn hashed(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}:{hex}")
}

pub fn per_email(kind: &str, email: &Identifier, max: u64) -> Limited {
    Limited {
        key: hashed(&format!("{kind}:email"), email.as_str()),
        max,
    }
}

/// One email from one source address: the strict limit, which nobody else's failures reach.
pub fn per_email_and_ip(kind: &str, email: &Identifier, ip: &str, max: u64) -> Limited {
    // A separator no email contains keeps ("a@b.c", "1.2.3.4") apart from any other pair.
    Limited {
        key: hashed(
            &format!("{kind}:email-ip"),
            &format!("{}\n{ip}", email.as_str()),
        ),
        max,
    }
}

pub fn per_ip(kind: &str, ip: &str, max: u64) -> Limited {
    Limited {
        key: hashed(&format!("{kind}:ip"), ip),
        max,
    }
}

/// Waits until `floor` has passed since `started`: answers that must not tell a known account
/// from an unknown one by their timing (forgot-password, a refused code) all take at least it.
pub(super) async fn no_sooner_than(floor: Duration, started: std::time::Instant) {
    let floor = floor.to_std().unwrap_or_default();
    if let Some(rest) = floor.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
}

/// Seconds until the window that holds `now` ends: the `Retry-After` of a 429.
pub fn retry_after(window: Duration, now: DateTime<Utc>) -> u64 {
    let end = window_start(window, now) + window.num_seconds().max(1);
    (end - now.timestamp()).max(1) as u64
}

/// Over a limit: come back after `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("over a rate limit; retry after {retry_after} s")]
pub struct OverLimit {
    pub retry_after: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error(transparent)]
    Over(#[from] OverLimit),
    #[error("counting an event")]
    Store(#[from] StoreError),
}

/// The store keys of `limits`.
pub fn keys(limits: &[Limited]) -> Vec<String> {
    limits.iter().map(|l| l.key.clone()).collect()
}

impl Services {
    /// Takes one slot under every limit, or none and refuses if any is already full.
    pub async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), LimitError> {
        take_slots(self.store.as_ref(), limits, window, now).await
    }
}

/// [`Services::take_slots`], for a use case that holds the `Limits` port alone.
pub async fn take_slots(
    counters: &dyn crate::ports::Limits,
    limits: &[Limited],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), LimitError> {
    if counters.take_slots(limits, window, now).await? {
        return Ok(());
    }
    Err(OverLimit {
        retry_after: retry_after(window, now),
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_the_rest_of_the_window() {
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:05:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(retry_after(Duration::minutes(15), now), 600);
    }

    #[test]
    fn keys_carry_no_email() {
        let email =
            Identifier::Email(crate::domain::EmailAddress::parse("ana@example.com").unwrap());
        let l = per_email("login", &email, 5);
        assert!(!l.key.contains("ana") && l.key.starts_with("login:email:"));
        let l = per_email_and_ip("login", &email, "127.0.0.1", 5);
        assert!(!l.key.contains("ana") && l.key.starts_with("login:email-ip:"));
    }
}
