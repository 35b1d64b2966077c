//! The audit log as the store keeps it (API.md, "Audit log"). Events are written by the other
//! ports' writes, in the same write as the change they record (each write that records one takes
//! its events as an argument); this port reads them, and records what only the schedule sees.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{AuditAction, AuditEvent, MailJob, OrgId, UserId};

/// Which events a page of the log asks for: one organisation's, newest first (by time, then by
/// id, both descending), only one user's and only one action's when given, at most `limit`,
/// starting after `after`. Events past their retention at `now` are skipped, whether or not the
/// store's TTL has removed them yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub org_id: OrgId,
    pub user_id: Option<UserId>,
    pub action: Option<AuditAction>,
    pub limit: usize,
    pub after: Option<AuditKey>,
    pub now: DateTime<Utc>,
}

/// Where a page of events ends: the last event's time and id (the order's keys).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditKey {
    #[serde(rename = "t")]
    pub at: DateTime<Utc>,
    #[serde(rename = "i")]
    pub id: String,
}

impl AuditKey {
    pub fn of(event: &AuditEvent) -> Self {
        Self {
            at: event.at,
            id: event.id.clone(),
        }
    }
}

/// One page of events and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    pub next: Option<AuditKey>,
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    /// One page of the log ([`AuditQuery`]). DynamoDB: `Query` of the organisation index (or of
    /// the user index, with `user_id`), with the action and the retention as filters, repeated
    /// while a page is short and more may follow.
    async fn audit_events(&self, query: &AuditQuery) -> Result<AuditPage, StoreError>;

    /// The schedule found the invite link that `watch` (a [`crate::domain::MailKind::Expiry`]
    /// job) watches expired: removes the watch and, if the user is still invited on that link
    /// (same setup generation, no credential of their own), records `event` (`invite.expired`),
    /// in one write. Whether the event was recorded; a watch already gone records nothing.
    async fn record_expiry(&self, watch: &MailJob, event: &AuditEvent) -> Result<bool, StoreError>;
}
