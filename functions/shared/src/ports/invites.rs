//! An invite's welcome email as the mail service reports it: its status, the id the service gave
//! the newest email, and the delivery events about that email.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{DeliveryEvent, InviteStatus, User, UserId};

#[async_trait]
pub trait Invites: Send + Sync {
    /// Records whether the welcome email reached the mail service.
    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError>;

    /// Records that the mail service accepted the invite's newest welcome email as `message_id`:
    /// the invite is `sent`, remembers that id (events about any earlier email stop counting) and
    /// forgets an earlier email's bounce; the id finds the user again (DynamoDB: a `MSG#<id>`
    /// item). `user` is who was invited (its id and email, as stored: no read is needed to find
    /// the item). `UserNotFound` when the user is gone or has no invite.
    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Applies a mail service's event about email `message_id` to the invite it was the newest
    /// email of ([`User::apply_delivery_event`]'s rules), and when it changed the invite, records
    /// [`crate::domain::AuditEvent::of_delivery`] at `at` in the same write. Whether the invite
    /// changed: `false` for an unknown or superseded email, a used invite, and an event already
    /// applied.
    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
}

/// How long an email's id keeps finding its invite: SES reports bounces within days and
/// complaints within weeks; later events are dropped.
pub const MESSAGE_LOOKUP_DAYS: i64 = 30;
