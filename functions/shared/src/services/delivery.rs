//! What the mail service says about an email after accepting it (SES event publishing on AWS,
//! the outbox's mailbox simulator locally): delivered, bounced or complained, applied to the
//! invite whose newest email it was.

use super::Services;
use crate::domain::DeliveryEvent;
use crate::ports::{Invites, StoreError};

/// The longest message id taken (SES's are about 60 characters); longer ones are nobody's.
const MAX_MESSAGE_ID: usize = 256;

#[derive(Debug, thiserror::Error)]
pub enum DeliveryEventError {
    #[error("recording the mail service's event")]
    Store(#[from] StoreError),
}

impl Services {
    /// Moves the invite whose newest welcome email is `message_id` to what `event` says
    /// ([`crate::domain::User::apply_delivery_event`]): nothing happens for an email the store does
    /// not know, an earlier email of a resent invite, a used invite, or an event seen before, so
    /// the mail service may deliver events late, twice and out of order. Whether the invite
    /// changed.
    pub async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
    ) -> Result<bool, DeliveryEventError> {
        apply_delivery_event(self.store.as_ref(), message_id, event, self.clock.now()).await
    }
}

/// The operation itself, on the one port it uses: an SES event (`ses_events::handle`) or a
/// text's status event (`sms_events::handle`) needs nothing of [`Services`] but the invites, so
/// the mailer hands it just that. Emails and texts share it, and the `MSG#` pointer behind it:
/// a message id is the mail service's or the text service's, never both.
pub async fn apply_delivery_event(
    invites: &dyn Invites,
    message_id: &str,
    event: DeliveryEvent,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DeliveryEventError> {
    if message_id.is_empty() || message_id.len() > MAX_MESSAGE_ID {
        return Ok(false);
    }
    let changed = invites.apply_delivery_event(message_id, event, at).await?;
    tracing::info!(
        audit = "invite_mail_event",
        message_id,
        status = ?event.status(),
        bounce_type = event.bounce_type().map(|t| t.as_str()),
        changed,
    );
    Ok(changed)
}
