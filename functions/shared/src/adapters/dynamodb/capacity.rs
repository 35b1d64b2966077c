//! The bench's capacity meter. With the `test-hooks` feature a store can carry a meter, asks
//! DynamoDB to report the capacity each request consumed and adds it up; without the feature (every
//! Lambda binary) the store asks for no report and this compiles to nothing.

use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};

/// Adds up the capacity units DynamoDB reports for the store's successful requests: the bench
/// attaches one to count capacity per flow.
#[cfg(feature = "test-hooks")]
#[derive(Clone, Default)]
pub struct CapacityMeter(std::sync::Arc<std::sync::Mutex<f64>>);

#[cfg(feature = "test-hooks")]
impl CapacityMeter {
    /// The units counted since the last `take`, and a fresh start.
    pub fn take(&self) -> f64 {
        std::mem::take(&mut *self.0.lock().expect("capacity meter lock"))
    }
}

/// The store's meter, if it has one.
#[derive(Clone, Default)]
pub(super) struct Capacity {
    #[cfg(feature = "test-hooks")]
    pub(super) meter: Option<CapacityMeter>,
}

impl Capacity {
    /// What to ask DynamoDB for: a report only when someone counts.
    pub(super) fn report(&self) -> Option<ReturnConsumedCapacity> {
        #[cfg(feature = "test-hooks")]
        if self.meter.is_some() {
            return Some(ReturnConsumedCapacity::Total);
        }
        None
    }

    pub(super) fn record<'a>(&self, consumed: impl IntoIterator<Item = &'a ConsumedCapacity>) {
        #[cfg(feature = "test-hooks")]
        if let Some(meter) = &self.meter {
            let units: f64 = consumed
                .into_iter()
                .filter_map(|c| c.capacity_units())
                .sum();
            *meter.0.lock().expect("capacity meter lock") += units;
        }
        #[cfg(not(feature = "test-hooks"))]
        let _ = consumed;
    }
}
