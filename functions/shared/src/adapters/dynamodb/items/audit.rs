//! The items of the audit log and webhooks: an event, a webhook, a delivery job and an
//! attempt's record. A stored format, pinned in `tests.rs`.
//!
//! Each kind sits in a partition of its own in the organisation index (`memberOf`, sorted by
//! `createdAt`): an organisation's events (`AUDIT#<org>`), its webhooks (`WEBHOOKS#<org>`), a
//! webhook's jobs (`HOOKJOBS#<id>`) and attempts (`HOOKTRIES#<id>`). `createdAt` is an
//! [`OrderKey`]: the instant and a unique tail, so the index's order is time order without ties.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

use super::super::errors::{malformed, unwritable};
use super::super::layout::{
    audit_feed, audit_key, audit_user, hook_attempt_key, hook_attempts_of, hook_job_key,
    hook_jobs_of, order_key, ttl_seconds, webhook_key, webhooks_of, StoredTime, FANOUT_QUEUE,
    HOOK_QUEUE,
};
use crate::domain::webhook::retry_window;
use crate::domain::{
    Actor, ActorKind, AttemptOutcome, AuditAction, AuditEvent, DeliveryAttempt, DeliveryJob, OrgId,
    Target, TargetKind, Webhook,
};
use crate::ports::StoreError;

/// `createdAt` of the items here: [`order_key`]'s text, read back as its instant and tail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in super::super) struct OrderKey {
    pub at: DateTime<Utc>,
    pub tail: String,
}

impl OrderKey {
    pub(in super::super) fn new(at: DateTime<Utc>, tail: &str) -> Self {
        Self {
            at,
            tail: tail.to_owned(),
        }
    }

    /// The key's text, as stored and as compared in key conditions.
    pub(in super::super) fn text(&self) -> String {
        order_key(self.at, &self.tail)
    }

    pub(in super::super) fn parse(raw: &str) -> Option<Self> {
        let (at, tail) = raw.split_once('#')?;
        let at = DateTime::parse_from_rfc3339(at).ok()?.to_utc();
        Some(Self::new(at, tail))
    }
}

impl Serialize for OrderKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text())
    }
}

impl<'de> Deserialize<'de> for OrderKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).ok_or_else(|| serde::de::Error::custom("not an instant and a tail"))
    }
}

/// An event's own fields: flattened into its audit item, and a delivery job's `event` map.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct StoredEvent {
    id: String,
    org_id: OrgId,
    at: StoredTime,
    /// The contract's name (`invite.sent`): what a page of the log filters on.
    action: AuditAction,
    actor_type: ActorKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    actor_id: Option<String>,
    target_type: TargetKind,
    target_id: String,
    /// The details as JSON text, absent when there are none: read back exactly as written (a
    /// map of DynamoDB numbers would not keep `1.0` apart from `1`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    details: String,
}

impl StoredEvent {
    pub(in super::super) fn of(event: &AuditEvent) -> Result<Self, StoreError> {
        let details = if event.details.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&event.details).map_err(|e| unwritable("audit event", e))?
        };
        Ok(Self {
            id: event.id.clone(),
            org_id: event.org_id.clone(),
            at: StoredTime(event.at),
            action: event.action,
            actor_type: event.actor.kind,
            actor_id: event.actor.id.clone(),
            target_type: event.target.kind,
            target_id: event.target.id.clone(),
            details,
        })
    }

    pub(in super::super) fn into_event(self) -> Result<AuditEvent, StoreError> {
        let details = if self.details.is_empty() {
            Map::new()
        } else {
            match serde_json::from_str::<Value>(&self.details) {
                Ok(Value::Object(map)) => map,
                Ok(_) => return Err(malformed("audit event", "details that are not a map")),
                Err(e) => return Err(malformed("audit event", e)),
            }
        };
        Ok(AuditEvent {
            id: self.id,
            org_id: self.org_id,
            at: self.at.0,
            action: self.action,
            actor: Actor {
                kind: self.actor_type,
                id: self.actor_id,
            },
            target: Target {
                kind: self.target_type,
                id: self.target_id,
            },
            details,
        })
    }
}

/// `AUDIT#<event id>`: one event of the log, kept for the store's retention (`expiresAt`, TTL).
/// It is in the organisation index under `AUDIT#<org>`, in the user index when it is about a
/// user, and in the outbox index (queue `fanout`, due at the event) until it is fanned out to
/// the webhooks: that mark is `mailQueue` and `mailDue`, removed together.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct AuditItem {
    pk: String,
    entity: String,
    member_of: String,
    created_at: OrderKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_user: Option<String>,
    #[serde(flatten)]
    event: StoredEvent,
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail_queue: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mail_due: Option<i64>,
}

impl AuditItem {
    /// The item of a new event, with its fan-out mark, kept `retention` after it happened.
    pub(in super::super) fn new(
        event: &AuditEvent,
        retention: Duration,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            pk: audit_key(&event.id),
            entity: "audit".into(),
            member_of: audit_feed(&event.org_id),
            created_at: OrderKey::new(event.at, &event.id),
            audit_user: event.user_id().map(|u| audit_user(&event.org_id, &u)),
            event: StoredEvent::of(event)?,
            expires_at: ttl_seconds(event.at + retention),
            mail_queue: Some(FANOUT_QUEUE.into()),
            mail_due: Some(event.at.timestamp_millis()),
        })
    }

    /// Where the event is in its index: its instant and id.
    pub(in super::super) fn order(&self) -> &OrderKey {
        &self.created_at
    }

    pub(in super::super) fn into_event(self) -> Result<AuditEvent, StoreError> {
        self.event.into_event()
    }
}

/// `WEBHOOK#<id>`: one endpoint, in the organisation index under `WEBHOOKS#<org>`, oldest
/// first. No `Debug`: it carries the signing secret.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct WebhookItem {
    pk: String,
    entity: String,
    member_of: String,
    /// When it was registered, and its id.
    created_at: OrderKey,
    id: String,
    org_id: OrgId,
    url: String,
    events: Vec<String>,
    secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    disabled_at: Option<StoredTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failing_since: Option<StoredTime>,
}

impl From<&Webhook> for WebhookItem {
    fn from(hook: &Webhook) -> Self {
        Self {
            pk: webhook_key(&hook.id),
            entity: "webhook".into(),
            member_of: webhooks_of(&hook.org_id),
            created_at: OrderKey::new(hook.created_at, &hook.id),
            id: hook.id.clone(),
            org_id: hook.org_id.clone(),
            url: hook.url.clone(),
            events: hook.events.clone(),
            secret: hook.secret.clone(),
            disabled_at: hook.disabled_at.map(StoredTime),
            failing_since: hook.failing_since.map(StoredTime),
        }
    }
}

impl From<WebhookItem> for Webhook {
    fn from(item: WebhookItem) -> Self {
        Self {
            id: item.id,
            org_id: item.org_id,
            url: item.url,
            events: item.events,
            secret: item.secret,
            created_at: item.created_at.at,
            disabled_at: item.disabled_at.map(|t| t.0),
            failing_since: item.failing_since.map(|t| t.0),
        }
    }
}

/// `HOOKJOB#<event id>#<webhook id>`: one event on its way to one endpoint. In the outbox index
/// (queue `hook`, due in epoch milliseconds; the exact instant is `due`) and in the
/// organisation index under `HOOKJOBS#<webhook id>`, so deleting the webhook finds its jobs.
/// Kept a day past the retry window (TTL): a job is worth nothing after it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct DeliveryJobItem {
    pk: String,
    entity: String,
    mail_queue: String,
    mail_due: i64,
    due: StoredTime,
    member_of: String,
    /// When it was fanned out, and its key.
    created_at: OrderKey,
    webhook_id: String,
    event: StoredEvent,
    attempts: u32,
    expires_at: i64,
}

impl DeliveryJobItem {
    pub(in super::super) fn of(job: &DeliveryJob) -> Result<Self, StoreError> {
        Ok(Self {
            pk: hook_job_key(&job.key()),
            entity: "hook-job".into(),
            mail_queue: HOOK_QUEUE.into(),
            mail_due: job.due.timestamp_millis(),
            due: StoredTime(job.due),
            member_of: hook_jobs_of(&job.webhook_id),
            created_at: OrderKey::new(job.created_at, &job.key()),
            webhook_id: job.webhook_id.clone(),
            event: StoredEvent::of(&job.event)?,
            attempts: job.attempts,
            expires_at: ttl_seconds(job.created_at + retry_window() + Duration::days(1)),
        })
    }

    pub(in super::super) fn into_job(self) -> Result<DeliveryJob, StoreError> {
        Ok(DeliveryJob {
            webhook_id: self.webhook_id,
            event: self.event.into_event()?,
            due: self.due.0,
            attempts: self.attempts,
            created_at: self.created_at.at,
        })
    }
}

/// `HOOKTRY#<webhook id>#<order key>`: what one attempt got, in the organisation index under
/// `HOOKTRIES#<webhook id>` (newest last), kept for `attempt_retention` (TTL).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct AttemptItem {
    pk: String,
    entity: String,
    member_of: String,
    /// When it was made, and a random tail (two attempts may share an instant).
    created_at: OrderKey,
    webhook_id: String,
    event_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status_code: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    outcome: AttemptOutcome,
    expires_at: i64,
}

impl AttemptItem {
    /// The record of `attempt`, kept `retention`; `tail` tells it from another at that instant.
    pub(in super::super) fn new(
        attempt: &DeliveryAttempt,
        tail: &str,
        retention: Duration,
    ) -> Self {
        let order = OrderKey::new(attempt.at, tail);
        Self {
            pk: hook_attempt_key(&attempt.webhook_id, &order.text()),
            entity: "hook-attempt".into(),
            member_of: hook_attempts_of(&attempt.webhook_id),
            created_at: order,
            webhook_id: attempt.webhook_id.clone(),
            event_id: attempt.event_id.clone(),
            status_code: attempt.status_code,
            error: attempt.error.clone(),
            outcome: attempt.outcome,
            expires_at: ttl_seconds(attempt.at + retention),
        }
    }
}

impl From<AttemptItem> for DeliveryAttempt {
    fn from(item: AttemptItem) -> Self {
        Self {
            webhook_id: item.webhook_id,
            event_id: item.event_id,
            at: item.created_at.at,
            status_code: item.status_code,
            error: item.error,
            outcome: item.outcome,
        }
    }
}
