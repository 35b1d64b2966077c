//! What the mail service says about an invite's email, in the embedded store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::ReadableTable;

use super::{backend, EmbeddedStore, MESSAGES};
use crate::domain::AuditEvent;
use crate::domain::{DeliveryEvent, InviteStatus, User, UserId};
use crate::ports::{Invites, StoreError};

#[async_trait]
impl Invites for EmbeddedStore {
    async fn set_invite_status(
        &self,
        user_id: &UserId,
        status: InviteStatus,
    ) -> Result<(), StoreError> {
        let id = user_id.clone();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if let Some(invite) = user.invite.as_mut() {
                invite.status = status;
            }
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn record_invite_email(
        &self,
        user: &User,
        message_id: &str,
        _now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (id, message_id) = (user.id.clone(), message_id.to_owned());
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            let invite = user.invite.as_mut().ok_or(StoreError::UserNotFound)?;
            invite.record_sent(&message_id);
            Self::write_message(tx, &id, user.invite.as_ref())?;
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn apply_delivery_event(
        &self,
        message_id: &str,
        event: DeliveryEvent,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let message_id = message_id.to_owned();
        self.write(move |tx| {
            let user_id = {
                let messages = tx.open_table(MESSAGES).map_err(backend)?;
                let found = messages.get(message_id.as_str()).map_err(backend)?;
                match found {
                    Some(id) => id.value().to_owned(),
                    None => return Ok(false),
                }
            };
            let Some(mut user) = Self::read_user(tx, &user_id)? else {
                return Ok(false);
            };
            if !user.apply_delivery_event(&message_id, event) {
                return Ok(false);
            }
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &[AuditEvent::of_delivery(&user, event, at)])?;
            Ok(true)
        })
        .await
    }
}
