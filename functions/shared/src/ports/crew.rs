//! An admin's view of their organisation's users: list them a page at a time, cancel an invite,
//! disable and enable a user.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{AuditEvent, Identifier, OrgId, User, UserStatus};

#[async_trait]
pub trait Crew: Send + Sync {
    /// One page of an organisation's users, newest first (by creation time, then by email,
    /// both descending), only those of `status` when given: at most `limit` users, starting after
    /// `after`. `next` is the last user's position when more may follow. One read per page
    /// (DynamoDB: one `Query` of the organisation index).
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError>;

    /// Removes a user who has not set a password yet: the user, their email's claim and their
    /// links, all or nothing, so the email is free again. `AlreadyActive` once they have set a
    /// password (so a cancel racing a setup of the same invite loses to it and says why),
    /// `UserNotFound` when the user is gone, `Conflict` when a link was issued meanwhile.
    /// `audit` (`invite.cancelled`) is written with the removal.
    async fn cancel_invite(&self, user: &User, audit: &[AuditEvent]) -> Result<(), StoreError>;

    /// Disables the user in one write: status `disabled`, `new_session_version` (every session
    /// ends), both link generations moved on (every setup and reset link dies). Returns the user
    /// as left, with `audit` (`user.disabled`) in the same write. A user already disabled is
    /// returned as they are, and nothing is written. `UserNotFound` when gone.
    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError>;

    /// Writes `after`, an admin's correction of `before` ([`User::correct`]), all or nothing, if
    /// the user is still as `before` was read (session version, link generations and invite
    /// status; `Conflict` otherwise, `UserNotFound` when gone): a changed email or phone is
    /// claimed (`EmailTaken`, `PhoneTaken` when someone else has it) and the old one freed.
    /// `audit` (`user.updated`) is written with it.
    async fn correct_user(
        &self,
        before: &User,
        after: &User,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError>;

    /// Enables a disabled user: the status they had comes back (`User::status_when_enabled`);
    /// sessions and links stay dead; `audit` (`user.enabled`) in the same write. A user who is
    /// not disabled is returned as they are, and nothing is written.
    async fn enable_user(&self, user: &User, audit: &[AuditEvent]) -> Result<User, StoreError>;
}

/// Which users a list page asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserQuery {
    pub org_id: OrgId,
    pub status: Option<UserStatus>,
    pub limit: usize,
    pub after: Option<PageKey>,
}

/// Where a page of users ends: the last user's creation time and the identifier they are filed
/// under (the order's keys; an email, or a phone for a user without one).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageKey {
    #[serde(rename = "t")]
    pub created_at: DateTime<Utc>,
    #[serde(rename = "e")]
    pub home: Identifier,
}

impl PageKey {
    pub fn of(user: &User) -> Self {
        Self {
            created_at: user.created_at,
            home: user.home(),
        }
    }
}

/// One page of users and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPage {
    pub users: Vec<User>,
    pub next: Option<PageKey>,
}
