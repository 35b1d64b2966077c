//! An admin's webhooks (API.md, "Webhooks"): register one (its secret shown this once), list
//! them (never the secret), delete one (its queued deliveries go too), and read its latest
//! attempts. Delivering is the schedule's ([`super::hooks`]).

use super::Services;
use crate::domain::webhook::MAX_WEBHOOKS;
use crate::domain::{Actor, AuditAction, AuditEvent, DeliveryAttempt, EventFilter, User, Webhook};
use crate::ports::{Clock, StoreError, Webhooks};
use crate::webhooks::{UrlPolicy, WebhookSecret, WebhookUrlError};

/// The most attempts `GET /webhooks/{id}/deliveries` shows.
pub const DELIVERIES_SHOWN: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the URL is refused: {0}")]
    Url(#[from] WebhookUrlError),
    /// `events` is empty, names an unknown action or one twice, or mixes `*` with actions.
    #[error("the events are not a list of audit actions")]
    Events,
    #[error("the organisation has the most webhooks allowed")]
    Limit,
    #[error("no such webhook in the admin's organisation")]
    NotFound,
    #[error("changing the organisation's webhooks")]
    Store(#[from] StoreError),
}

/// A webhook just registered, and its secret, shown this once.
#[derive(Debug)]
pub struct Registered {
    pub webhook: Webhook,
    pub secret: String,
}

/// The admin's webhooks, holding only what it uses: the store's webhooks, the clock and which
/// URLs may be registered.
pub struct ManageWebhooks<'a> {
    pub store: &'a dyn Webhooks,
    pub clock: &'a dyn Clock,
    pub policy: UrlPolicy,
}

impl Services {
    pub fn webhooks_case(&self) -> ManageWebhooks<'_> {
        ManageWebhooks {
            store: self.store.as_ref(),
            clock: self.clock.as_ref(),
            policy: self.webhook_client.policy(),
        }
    }
}

impl ManageWebhooks<'_> {
    /// `POST /webhooks`: `url` judged as the policy says (a literal address too; a name's
    /// addresses are judged again at every connection), `events` a list of actions or `["*"]`.
    pub async fn register(
        &self,
        admin: &User,
        url: &str,
        events: &[String],
    ) -> Result<Registered, WebhookError> {
        let url = self.policy.check_url(url)?;
        let filter = EventFilter::parse(events).ok_or(WebhookError::Events)?;
        let secret = WebhookSecret::generate().to_whsec();
        let now = self.clock.now();
        let webhook = Webhook {
            id: Webhook::new_id(now),
            org_id: admin.org_id.clone(),
            url: url.as_str().to_owned(),
            events: filter.names(),
            secret: secret.clone(),
            created_at: now,
            disabled_at: None,
            failing_since: None,
        };
        let event = AuditEvent::about_webhook(
            AuditAction::WebhookCreated,
            Actor::admin(admin),
            &admin.org_id,
            &webhook.id,
            now,
        )
        .with("host", super::hooks::host_of(&webhook.url))
        .with("events", webhook.events.clone());
        match self
            .store
            .create_webhook(&webhook, MAX_WEBHOOKS, &event)
            .await
        {
            Ok(()) => {}
            Err(StoreError::TooManyWebhooks) => return Err(WebhookError::Limit),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(audit = "webhook_created", webhook_id = %webhook.id, org_id = %admin.org_id.0, by = %admin.id.0);
        Ok(Registered { webhook, secret })
    }

    /// `GET /webhooks`: the organisation's webhooks, oldest first.
    pub async fn list(&self, admin: &User) -> Result<Vec<Webhook>, WebhookError> {
        Ok(self.store.webhooks_of(&admin.org_id).await?)
    }

    async fn find(&self, admin: &User, id: &str) -> Result<Webhook, WebhookError> {
        self.store
            .webhook(&admin.org_id, id)
            .await?
            .filter(|w| w.org_id == admin.org_id)
            .ok_or(WebhookError::NotFound)
    }

    /// `DELETE /webhooks/{id}`: the webhook and its queued deliveries.
    pub async fn delete(&self, admin: &User, id: &str) -> Result<(), WebhookError> {
        let webhook = self.find(admin, id).await?;
        let event = AuditEvent::about_webhook(
            AuditAction::WebhookDeleted,
            Actor::admin(admin),
            &admin.org_id,
            &webhook.id,
            self.clock.now(),
        )
        .with("host", super::hooks::host_of(&webhook.url));
        match self.store.delete_webhook(&webhook, &event).await {
            Ok(()) => {}
            Err(StoreError::UserNotFound) => return Err(WebhookError::NotFound),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(audit = "webhook_deleted", webhook_id = %webhook.id, org_id = %admin.org_id.0, by = %admin.id.0);
        Ok(())
    }

    /// `GET /webhooks/{id}/deliveries`: its latest attempts, newest first.
    pub async fn deliveries(
        &self,
        admin: &User,
        id: &str,
    ) -> Result<Vec<DeliveryAttempt>, WebhookError> {
        let webhook = self.find(admin, id).await?;
        Ok(self.store.deliveries_of(&webhook, DELIVERIES_SHOWN).await?)
    }
}
