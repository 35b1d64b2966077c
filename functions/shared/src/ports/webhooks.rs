//! An organisation's webhooks in the store (API.md, "Webhooks"): the endpoints, the fan-out of
//! each audit event to them, the delivery jobs and the record of their attempts.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{AuditEvent, DeliveryAttempt, DeliveryJob, OrgId, Webhook};

/// What a finished attempt does to its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryNext {
    /// Delivered, or failed for good: the job goes.
    Done,
    /// Try again at `at` (the job stays, no longer held).
    Retry { at: DateTime<Utc> },
}

/// What a finished attempt does to its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointHealth {
    /// It answered 2xx: its run of failures (if any) ends.
    Healthy,
    /// It failed: its run of failures starts now unless one is already running.
    Failing { since: DateTime<Utc> },
    /// It answered `410`, or has failed every delivery for the retry window: disabled, with
    /// `event` (`webhook.disabled`) in the same write, unless it is disabled or gone already, or
    /// (`failing_since`: `Some`) its run of failures is no longer the one that began then (a
    /// delivery succeeded meanwhile: it is healthy, and stays enabled).
    Disable {
        event: AuditEvent,
        failing_since: Option<DateTime<Utc>>,
    },
    /// Nothing to record about it (a job dropped because its endpoint is gone or disabled).
    Unchanged,
}

#[async_trait]
pub trait Webhooks: Send + Sync {
    /// Registers `hook` with `event` (`webhook.created`), unless its organisation already has
    /// `max` (`TooManyWebhooks`): concurrent registrations never pass the limit.
    async fn create_webhook(
        &self,
        hook: &Webhook,
        max: usize,
        event: &AuditEvent,
    ) -> Result<(), StoreError>;

    /// The organisation's webhooks, oldest first (at most [`crate::domain::webhook::MAX_WEBHOOKS`]).
    async fn webhooks_of(&self, org: &OrgId) -> Result<Vec<Webhook>, StoreError>;

    async fn webhook(&self, org: &OrgId, id: &str) -> Result<Option<Webhook>, StoreError>;

    /// Removes the webhook with `event` (`webhook.deleted`) in one write (`UserNotFound` when it
    /// is gone), then its queued deliveries: a delivery missed by that sweep finds no endpoint
    /// when it is taken, and is dropped.
    async fn delete_webhook(&self, hook: &Webhook, event: &AuditEvent) -> Result<(), StoreError>;

    /// Up to `limit` audit events not yet fanned out, the oldest first.
    async fn due_fanouts(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;

    /// Writes `jobs` (one per subscribed endpoint; none is fine) and marks `event` fanned out,
    /// all or nothing, if it is still unmarked: `false` when someone else fanned it out first
    /// (nothing written). At most [`crate::domain::webhook::MAX_WEBHOOKS`] jobs.
    async fn fan_out(&self, event: &AuditEvent, jobs: &[DeliveryJob]) -> Result<bool, StoreError>;

    /// Up to `limit` delivery jobs due at `now`, the longest waiting first.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DeliveryJob>, StoreError>;

    /// Takes `job` until `until`, counting one attempt, if it is still as listed: `None` when
    /// another sender took it first or it is gone. One conditional write.
    async fn take_delivery(
        &self,
        job: &DeliveryJob,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryJob>, StoreError>;

    /// Records `attempt` if any (kept for [`crate::domain::webhook::attempt_retention`]), moves
    /// `job` on as `next` says and its endpoint as `health` says, all in one write (a job
    /// already gone, or an endpoint gone, is not an error: its part is skipped).
    async fn finish_delivery(
        &self,
        job: &DeliveryJob,
        attempt: Option<&DeliveryAttempt>,
        next: &DeliveryNext,
        health: &EndpointHealth,
    ) -> Result<(), StoreError>;

    /// The endpoint's latest `limit` attempts, newest first.
    async fn deliveries_of(
        &self,
        hook: &Webhook,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError>;
}
