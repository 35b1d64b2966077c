//! An organisation's webhooks (API.md, "Webhooks"): the endpoints its admins registered, the
//! delivery jobs the audit log fans out to them, and the attempts' record.
//!
//! Every audit event is written with a mark that it has not been fanned out yet; the schedule
//! turns each marked event into one [`DeliveryJob`] per subscribed endpoint and clears the mark
//! in one write (at most [`MAX_WEBHOOKS`] + 1 items: far under DynamoDB's 100 per transaction).
//! A process killed anywhere between the change and the receiver's answer leaves either the mark
//! or the job, so the event is still delivered: at least once.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::audit::{AuditAction, AuditEvent};
use super::OrgId;

/// At most this many webhooks per organisation (the 11th: `409 limit_reached`).
pub const MAX_WEBHOOKS: usize = 10;

/// A delivery is retried for this long after its first attempt, then `failed`; an endpoint
/// whose every delivery failed for this long is disabled.
pub fn retry_window() -> Duration {
    Duration::days(3)
}

/// The first retry waits this long; each next one twice as long, up to [`MAX_BACKOFF_SECS`].
pub const FIRST_BACKOFF_SECS: i64 = 10;
pub const MAX_BACKOFF_SECS: i64 = 3600;

/// How long whoever takes a delivery holds it: the 15-second timeout, the store's writes and
/// margin, so two senders never post one attempt at once.
pub const DELIVERY_LEASE_SECS: i64 = 60;

/// How long the record of one attempt is kept (`GET /webhooks/{id}/deliveries`).
pub fn attempt_retention() -> Duration {
    Duration::days(30)
}

/// Which actions an endpoint hears: a list of actions, or all of them (`["*"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EventFilter {
    All,
    Only(Vec<AuditAction>),
}

impl EventFilter {
    /// From the contract's list: `["*"]`, or one or more actions, each named once. `None` for
    /// an empty list, an unknown name, `*` beside names, or a name twice.
    pub fn parse(names: &[String]) -> Option<Self> {
        if names == ["*"] {
            return Some(Self::All);
        }
        let mut actions = Vec::with_capacity(names.len());
        for name in names {
            let action = AuditAction::parse(name)?;
            if actions.contains(&action) {
                return None;
            }
            actions.push(action);
        }
        (!actions.is_empty()).then_some(Self::Only(actions))
    }

    pub fn wants(&self, action: AuditAction) -> bool {
        match self {
            Self::All => true,
            Self::Only(actions) => actions.contains(&action),
        }
    }

    /// The contract's list again.
    pub fn names(&self) -> Vec<String> {
        match self {
            Self::All => vec!["*".to_owned()],
            Self::Only(actions) => actions.iter().map(|a| a.as_str().to_owned()).collect(),
        }
    }
}

/// One registered endpoint. Its secret signs every delivery; it is shown to the admin once, at
/// registration, and never read back through the API.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// `wh_` and 32 hex digits ([`Webhook::new_id`]).
    pub id: String,
    pub org_id: OrgId,
    pub url: String,
    pub events: Vec<String>,
    /// `whsec_` + base64 of 32 random bytes.
    pub secret: String,
    pub created_at: DateTime<Utc>,
    /// Set when the endpoint answered `410` or failed every delivery for [`retry_window`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the endpoint's current run of failures began (`None` after any success).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("created_at", &self.created_at)
            .field("disabled_at", &self.disabled_at)
            .field("failing_since", &self.failing_since)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// `wh_` and 32 hex digits that sort as registered (listing is oldest first).
    pub fn new_id(at: DateTime<Utc>) -> String {
        super::audit::ordered_id("wh_", at)
    }

    pub fn filter(&self) -> EventFilter {
        EventFilter::parse(&self.events).unwrap_or(EventFilter::Only(Vec::new()))
    }

    /// Whether this endpoint is sent `event`: enabled, and subscribed to its action.
    pub fn wants(&self, event: &AuditEvent) -> bool {
        self.disabled_at.is_none()
            && self.org_id == event.org_id
            && self.filter().wants(event.action)
    }
}

/// One event on its way to one endpoint. Its key is the event's id and the endpoint's, so a
/// fan-out done twice writes it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryJob {
    pub webhook_id: String,
    pub event: AuditEvent,
    /// When it may be taken next: now when fanned out, later while held or waiting for a retry.
    pub due: DateTime<Utc>,
    /// How many times someone took it to post it.
    pub attempts: u32,
    /// When it was fanned out: the retries stop [`retry_window`] after.
    pub created_at: DateTime<Utc>,
}

impl DeliveryJob {
    pub fn new(webhook_id: &str, event: &AuditEvent, now: DateTime<Utc>) -> Self {
        Self {
            webhook_id: webhook_id.to_owned(),
            event: event.clone(),
            due: now,
            attempts: 0,
            created_at: now,
        }
    }

    /// The job's key: one per event and endpoint.
    pub fn key(&self) -> String {
        format!("{}#{}", self.event.id, self.webhook_id)
    }

    /// When the attempt that just failed is tried again (`attempts` already counts it), or
    /// `None` when the retry window is over: 10 s, then twice as long each time, at most an hour.
    pub fn next_retry(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let doublings = self.attempts.saturating_sub(1).min(20);
        let wait = (FIRST_BACKOFF_SECS << doublings).min(MAX_BACKOFF_SECS);
        let at = now + Duration::seconds(wait);
        (at < self.created_at + retry_window()).then_some(at)
    }
}

/// What one attempt got: the receiver's status code, or why there was none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAttempt {
    pub webhook_id: String,
    pub event_id: String,
    pub at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// `timeout`, `refused`, `forbidden_address`, `tls`, … (never the receiver's body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `delivered`, `retrying` or `failed`.
    pub outcome: AttemptOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttemptOutcome {
    Delivered,
    Retrying,
    Failed,
}

impl DeliveryAttempt {
    pub fn succeeded(&self) -> bool {
        self.outcome == AttemptOutcome::Delivered
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn filters_read_the_contracts_lists() {
        assert_eq!(EventFilter::parse(&names(&["*"])), Some(EventFilter::All));
        let only = EventFilter::parse(&names(&["invite.accepted", "user.disabled"])).unwrap();
        assert!(only.wants(AuditAction::InviteAccepted));
        assert!(!only.wants(AuditAction::InviteSent));
        assert_eq!(only.names(), names(&["invite.accepted", "user.disabled"]));
        for bad in [
            names(&[]),
            names(&["*", "invite.sent"]),
            names(&["invite.sent", "invite.sent"]),
            names(&["invite.opened"]),
        ] {
            assert_eq!(EventFilter::parse(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn retries_double_from_ten_seconds_to_an_hour_for_three_days() {
        let t0 = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let event = AuditEvent::about_webhook(
            AuditAction::WebhookCreated,
            super::super::audit::Actor::system(),
            &OrgId("o".into()),
            "wh_1",
            t0,
        );
        let mut job = DeliveryJob::new("wh_1", &event, t0);
        let waits: Vec<i64> = (1..=11)
            .map(|n| {
                job.attempts = n;
                (job.next_retry(t0).unwrap() - t0).num_seconds()
            })
            .collect();
        assert_eq!(
            waits,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        job.attempts = 400;
        let late = t0 + Duration::days(3) - Duration::minutes(30);
        assert_eq!(job.next_retry(late), None, "past the window");
        let earlier = t0 + Duration::days(2);
        assert!(job.next_retry(earlier).is_some());
    }
}
