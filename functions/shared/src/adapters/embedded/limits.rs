//! Rate-limit counters in the embedded store: one row per key, holding its window's count.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use redb::{ReadableTable, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::{backend, decode, encode, EmbeddedStore, COUNTERS};
use crate::ports::{window_start, Limited, Limits, StoreError};

#[derive(Serialize, Deserialize)]
struct Counter {
    window_start: i64,
    count: u64,
}

impl EmbeddedStore {
    /// The count under `key` in the window starting at `window_start` (0 for an older window).
    pub(super) fn count_in(
        counters: &redb::Table<&str, &[u8]>,
        key: &str,
        window_start: i64,
    ) -> Result<u64, StoreError> {
        let found = counters.get(key).map_err(backend)?;
        let counter: Option<Counter> = found.map(|v| decode(v.value())).transpose()?;
        Ok(counter
            .filter(|c| c.window_start == window_start)
            .map_or(0, |c| c.count))
    }

    /// Takes one slot under each of `limits` in the window starting at `window_start`, or none
    /// (`false`) when any is full. A key given twice is one counter, held to the stricter `max`.
    pub(super) fn take_slots_in(
        tx: &WriteTransaction,
        limits: &[Limited],
        window_start: i64,
    ) -> Result<bool, StoreError> {
        let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
        let mut next = Vec::with_capacity(limits.len());
        for l in limits {
            let count = Self::count_in(&counters, &l.key, window_start)?;
            if count >= l.max {
                return Ok(false);
            }
            next.push((l.key.as_str(), count + 1));
        }
        for (key, count) in next {
            let value = encode(&Counter {
                window_start,
                count,
            })?;
            counters.insert(key, value.as_slice()).map_err(backend)?;
        }
        Ok(true)
    }
}

#[async_trait]
impl Limits for EmbeddedStore {
    async fn count_event(
        &self,
        key: &str,
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let key = key.to_owned();
        let window_start = window_start(window, now);
        self.write(move |tx| {
            let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
            let current: Option<Counter> = {
                let found = counters.get(key.as_str()).map_err(backend)?;
                found.map(|v| decode(v.value())).transpose()?
            };
            let count = match current {
                Some(c) if c.window_start == window_start => c.count + 1,
                _ => 1,
            };
            let value = encode(&Counter {
                window_start,
                count,
            })?;
            counters
                .insert(key.as_str(), value.as_slice())
                .map_err(backend)?;
            Ok(count)
        })
        .await
    }

    /// One write transaction reads every counter and bumps them all or none; redb runs write
    /// transactions one at a time, so concurrent calls see each other's slots.
    async fn take_slots(
        &self,
        limits: &[Limited],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let limits = limits.to_vec();
        let window_start = window_start(window, now);
        self.write(move |tx| Self::take_slots_in(tx, &limits, window_start))
            .await
    }

    async fn give_back_slots(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let keys = keys.to_vec();
        let window_start = window_start(window, now);
        self.write(move |tx| {
            let mut counters = tx.open_table(COUNTERS).map_err(backend)?;
            for key in &keys {
                let count = Self::count_in(&counters, key, window_start)?;
                if count == 0 {
                    continue;
                }
                let value = encode(&Counter {
                    window_start,
                    count: count - 1,
                })?;
                counters
                    .insert(key.as_str(), value.as_slice())
                    .map_err(backend)?;
            }
            Ok(())
        })
        .await
    }

    async fn peek_counts(
        &self,
        keys: &[String],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<u64>, StoreError> {
        let window_start = window_start(window, now);
        self.read(|rtx| {
            let counters = rtx.open_table(COUNTERS).map_err(backend)?;
            keys.iter()
                .map(|key| {
                    let found = counters.get(key.as_str()).map_err(backend)?;
                    let counter: Option<Counter> = found.map(|v| decode(v.value())).transpose()?;
                    Ok(counter
                        .filter(|c| c.window_start == window_start)
                        .map_or(0, |c| c.count))
                })
                .collect()
        })
    }
}
