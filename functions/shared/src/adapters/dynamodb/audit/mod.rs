//! The audit log and webhooks on this store (ports `AuditLog`, `Webhooks`).
//!
//! - An event is an `AUDIT#<event id>` item, put (only if new) in the `TransactWriteItems` of the
//!   change it records: [`puts`] gives the other ports' writes their events' items. A write
//!   that records events is always a transaction; one that used to be a single conditional
//!   `UpdateItem` becomes one only when it has events to write.
//! - A page of the log is a `Query` of the organisation index (`AUDIT#<org>`) or of the user
//!   index (`<org>#<user>`), newest first, bounded below by the retention and above by the
//!   page's start, with the action and the stored TTL as filters ([`feed`]).
//! - Webhooks, their counter and the sweep of a deleted one's jobs are in [`webhooks`]; the
//!   fan-out, the delivery jobs and the attempts' records in [`deliveries`].

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::errors::built;
use super::items::AuditItem;
use super::layout::{attr, home_key, own_credential_names, s, time, value, NO_OWN_CREDENTIAL};
use super::outbox::mail_key;
use super::DynamoStore;
use crate::domain::{
    AuditEvent, DeliveryAttempt, DeliveryJob, MailJob, OrgId, UserStatus, Webhook,
};
use crate::ports::{
    AuditLog, AuditPage, AuditQuery, DeliveryNext, EndpointHealth, StoreError, Webhooks,
};

mod deliveries;
mod feed;
mod webhooks;

#[cfg(test)]
mod tests;

/// The puts of `events`, for the transaction of the change they record: each only if new (an
/// event id is 128 random bits: one that exists is this write's retry, or a bug).
pub(super) fn puts(
    store: &DynamoStore,
    events: &[AuditEvent],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    events
        .iter()
        .map(|event| {
            store.put_new(
                "audit event",
                &AuditItem::new(event, store.audit_retention)?,
            )
        })
        .collect()
}

/// One transaction: the watch's delete (only while it is there), a check of the user (still
/// invited on the watched link, which has expired by the event, with no credential of their
/// own) and the event. When only the check fails, the watch goes alone (one `DeleteItem`).
pub(super) async fn record_expiry(
    store: &DynamoStore,
    watch: &MailJob,
    event: &AuditEvent,
) -> Result<bool, StoreError> {
    let remove_watch = built(
        Delete::builder()
            .table_name(&store.table)
            .key(attr::PK, s(mail_key(&watch.id)))
            .condition_expression("attribute_exists(pk)")
            .build(),
    )?;
    let mut items = vec![
        TransactWriteItem::builder().delete(remove_watch).build(),
        TransactWriteItem::builder()
            .condition_check(still_waiting(store, watch, event)?)
            .build(),
    ];
    items.extend(puts(store, std::slice::from_ref(event))?);
    match store.transact("record invite expiry", items).await {
        Ok(()) => Ok(true),
        Err(Err(e)) => Err(e),
        // Another run of the schedule took the watch first: it decided.
        Err(Ok(c)) if c.failed(0).is_some() => Ok(false),
        // Set up, cancelled, re-invited or given a later link meanwhile: nothing expired.
        Err(Ok(c)) if c.failed(1).is_some() => {
            store
                .delete("remove an expiry watch", mail_key(&watch.id))
                .await?;
            Ok(false)
        }
        Err(Ok(_)) => Err(StoreError::Conflict),
    }
}

/// The check that the user `watch` watches is still invited on its link, which has expired by
/// `event`, with no password or passkey of their own.
pub(super) fn still_waiting(
    store: &DynamoStore,
    watch: &MailJob,
    event: &AuditEvent,
) -> Result<ConditionCheck, StoreError> {
    let mut check = ConditionCheck::builder()
        .table_name(&store.table)
        .key(attr::PK, s(home_key(watch.home())))
        .condition_expression(format!(
            "attribute_exists(pk) AND #id = :id AND #status = :invited AND {NO_OWN_CREDENTIAL} \
             AND #inviteExpiresAt = :linkExpiresAt AND #inviteExpiresAt <= :at"
        ))
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_names("#status", attr::STATUS)
        .expression_attribute_names("#inviteExpiresAt", attr::INVITE_EXPIRES_AT)
        .expression_attribute_values(":id", s(&watch.user_id.0))
        .expression_attribute_values(":invited", value("user status", UserStatus::Invited)?)
        .expression_attribute_values(":linkExpiresAt", time(watch.link_expires_at))
        .expression_attribute_values(":at", time(event.at));
    for (name, attribute) in own_credential_names() {
        check = check.expression_attribute_names(name, attribute);
    }
    built(check.build())
}

#[async_trait]
impl AuditLog for DynamoStore {
    async fn audit_events(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        feed::page(self, query).await
    }

    async fn record_expiry(&self, watch: &MailJob, event: &AuditEvent) -> Result<bool, StoreError> {
        record_expiry(self, watch, event).await
    }
}

#[async_trait]
impl Webhooks for DynamoStore {
    async fn create_webhook(
        &self,
        hook: &Webhook,
        max: usize,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        webhooks::create(self, hook, max, event).await
    }

    async fn webhooks_of(&self, org: &OrgId) -> Result<Vec<Webhook>, StoreError> {
        webhooks::of_org(self, org).await
    }

    async fn webhook(&self, org: &OrgId, id: &str) -> Result<Option<Webhook>, StoreError> {
        webhooks::by_id(self, org, id).await
    }

    async fn delete_webhook(&self, hook: &Webhook, event: &AuditEvent) -> Result<(), StoreError> {
        webhooks::delete(self, hook, event).await
    }

    async fn due_fanouts(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        deliveries::due_fanouts(self, now, limit).await
    }

    async fn fan_out(&self, event: &AuditEvent, jobs: &[DeliveryJob]) -> Result<bool, StoreError> {
        deliveries::fan_out(self, event, jobs).await
    }

    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        deliveries::due(self, now, limit).await
    }

    async fn take_delivery(
        &self,
        job: &DeliveryJob,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryJob>, StoreError> {
        deliveries::take(self, job, until).await
    }

    async fn finish_delivery(
        &self,
        job: &DeliveryJob,
        attempt: Option<&DeliveryAttempt>,
        next: &DeliveryNext,
        health: &EndpointHealth,
    ) -> Result<(), StoreError> {
        deliveries::finish(self, job, attempt, next, health).await
    }

    async fn deliveries_of(
        &self,
        hook: &Webhook,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        deliveries::of_hook(self, hook, limit).await
    }
}
