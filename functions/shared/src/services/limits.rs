//! Rate limits kept in the store as counters per fixed window: failed sign-ins and
//! forgot-password requests, each per email and per source address. Keys hold a hash of the
//! email, not the email, so the counters carry no personal data.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::Services;
use crate::domain::EmailAddress;
use crate::ports::{window_start, StoreError};

/// One limit on one key.
pub struct Limited {
    pub key: String,
    pub max: u64,
}

fn hashed(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}:{hex}")
}

pub fn per_email(kind: &str, email: &EmailAddress, max: u64) -> Limited {
    Limited {
        key: hashed(&format!("{kind}:email"), email.as_str()),
        max,
    }
}

pub fn per_ip(kind: &str, ip: &str, max: u64) -> Limited {
    Limited {
        key: hashed(&format!("{kind}:ip"), ip),
        max,
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

/// Refused if any key is already at its limit in this window, given the counts read for `limits`.
pub fn refuse_if_limited(
    limits: &[Limited],
    counts: &[u64],
    window: Duration,
    now: DateTime<Utc>,
) -> Result<(), OverLimit> {
    if limits.iter().zip(counts).any(|(l, count)| *count >= l.max) {
        return Err(OverLimit {
            retry_after: retry_after(window, now),
        });
    }
    Ok(())
}

/// The store keys of `limits`.
pub fn keys(limits: &[Limited]) -> Vec<String> {
    limits.iter().map(|l| l.key.clone()).collect()
}

impl Services {
    /// Counts one event under every key; refused if that took any key over its limit.
    pub async fn count_and_limit(
        &self,
        limits: &[Limited],
        window: Duration,
    ) -> Result<(), LimitError> {
        let now = self.now();
        let mut over = false;
        for l in limits {
            over |= self.store.count_event(&l.key, window, now).await? > l.max;
        }
        if over {
            return Err(OverLimit {
                retry_after: retry_after(window, now),
            }
            .into());
        }
        Ok(())
    }
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
        let email = EmailAddress::parse("ana@example.com").unwrap();
        let l = per_email("login", &email, 5);
        assert!(!l.key.contains("ana") && l.key.starts_with("login:email:"));
    }
}
