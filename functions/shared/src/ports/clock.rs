//! The time every operation reads: the system's, or (only in tests) one that moves when told to.

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to, for tests of lifetimes. Behind `test-hooks`, so no
/// shipped function carries it.
#[cfg(any(test, feature = "test-hooks"))]
pub struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

#[cfg(any(test, feature = "test-hooks"))]
impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(at))
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.0.lock().expect("clock lock");
        *now += by;
    }
}

#[cfg(any(test, feature = "test-hooks"))]
impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}
