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

/// The retention is the store's own setting (`AUDIT_RETENTION`): with a day, an event is read
/// until a day after its time, and no longer.
#[tokio::test]
async fn the_audit_retention_is_the_stores_setting() {
    use chrono::Duration;
    use onboarding::domain::{Actor, AuditAction, AuditEvent};
    use onboarding::ports::{AuditLog, AuditQuery, Users};
    use tests::store_contract::{invited, t0, unique_email};

    let store = EmbeddedStore::in_memory().with_audit_retention(Duration::days(1));
    let (user, token) = invited(&unique_email("retention"));
    let event = AuditEvent::about_user(AuditAction::UserInvited, Actor::system(), &user, t0());
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[],
            std::slice::from_ref(&event),
        )
        .await
        .unwrap();
    let read_at = |now| AuditQuery {
        org_id: user.org_id.clone(),
        user_id: None,
        action: None,
        limit: 10,
        after: None,
        now,
    };
    let day = t0() + Duration::days(1);
    let before = store
        .audit_events(&read_at(day - Duration::milliseconds(1)))
        .await
        .unwrap();
    assert_eq!(before.events, vec![event]);
    let after = store.audit_events(&read_at(day)).await.unwrap();
    assert_eq!(after.events, vec![]);
}
