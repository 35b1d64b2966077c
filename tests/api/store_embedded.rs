//! The store contract on the embedded store (redb, in memory, a fresh one per test), races
//! included. Runs in plain `cargo test`; the same suite runs on DynamoDB Local in
//! `store_dynamodb.rs`.

use std::sync::Arc;

use onboarding::adapters::embedded::EmbeddedStore;
use tests::store_contract::SharedStore;

async fn fresh() -> SharedStore {
    Arc::new(EmbeddedStore::in_memory())
}

tests::store_contract!(fresh);
