//! Rate-limit counters: count an event, peek at counts, take and give back slots, all in fixed
//! windows.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::StoreError;

#[async_trait]
pub trait Limits: Send + Sync {
    /// Counts one event under `key` in the fixed window of `window` that holds `now`, and returns
    /// the count in that window including this one. Counters expire with their window.
    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The counts under `keys` in the window that holds `now`, without counting: what a request
    /// reads to know whether it is already over a limit. Missing counters are 0.
    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError>;

    /// Takes one slot under every limit's key in the fixed window of `window` that holds `now`,
    /// all or none: `false` when any key already holds `max` slots, and then every slot this
    /// call took is given back before it answers. Concurrent calls never take more than `max`
    /// slots of one key, so a burst is counted as it arrives. Counters expire with their window.
    /// A key given twice is one counter, held to the stricter `max`.
    ///
    /// DynamoDB: one conditional `UpdateItem` per key, sent at once (one round trip's wait, 1 WCU
    /// per key), and a give-back update per key taken when another refused. Never a transaction:
    /// counters shared by many requests (an address's, an email's) are exactly the items on
    /// which real DynamoDB cancels concurrent transactions, where plain updates queue (issue 25).
    /// All-or-none is kept by the give-back; between the take and the give-back a concurrent
    /// call may see the slot taken and be refused, which errs on the strict side. A give-back
    /// that fails is logged and its slots stay counted (the answer is still `false`).
    /// `Conflict` only when an update kept meeting a transaction in progress on its counter
    /// after the retries.
    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Gives back one slot under each key, never below zero: an attempt that turned out not to
    /// count (a successful sign-in).
    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// Rate-limit slots taken in the same write as the work they limit
/// ([`super::Links::issue_token_within_limits`]): one under each of `limits` in the fixed window of
/// `window` that holds `now`, as [`Limits::take_slots`] takes them.
#[derive(Debug, Clone, Copy)]
pub struct Slots<'a> {
    pub limits: &'a [Limited],
    pub window: Duration,
    pub now: DateTime<Utc>,
}

/// One rate limit on one store key: at most `max` slots in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limited {
    pub key: String,
    pub max: u64,
}

/// The start (epoch seconds) of the fixed window of length `window` that holds `now`.
pub fn window_start(window: Duration, now: DateTime<Utc>) -> i64 {
    let secs = window.num_seconds().max(1);
    now.timestamp() - now.timestamp().rem_euclid(secs)
}
