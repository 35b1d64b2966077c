//! The audit log and webhooks (API.md, "Audit log", "Webhooks"): JSON only, admins only.

use serde::Serialize;

use crate::domain::{rfc3339, AuditEvent, DeliveryAttempt, Webhook};

/// `GET /audit`'s query (`GET /users/{id}/events` takes `limit` and `cursor`).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query, rename_all = "camelCase"))]
pub struct AuditQueryParams {
    /// Events per page, 1 to 100 (default 50).
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page, passed back as it came (bound to these filters).
    pub cursor: Option<String>,
    /// Only the events about this user.
    pub user_id: Option<String>,
    /// Only the events of this action (e.g. `invite.accepted`).
    pub action: Option<String>,
}

/// Who did it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorView {
    /// `admin`, `user` or `system`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The admin's or user's id; `null` for the service itself.
    pub id: Option<String>,
}

/// What it was done to.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetView {
    /// `user`, or `webhook` for the webhooks' own events.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
}

/// One event of the log; a webhook delivery's `data` is the same object.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = AuditEvent))]
pub struct AuditEventView {
    /// Also the deliveries' `webhook-id`.
    pub id: String,
    pub at: String,
    pub action: String,
    pub actor: ActorView,
    pub target: TargetView,
    /// Small facts about the change (a channel, a bounce type, the fields corrected); never a
    /// secret.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl From<&AuditEvent> for AuditEventView {
    fn from(event: &AuditEvent) -> Self {
        // The same view a webhook's `data` is serialized from, so the two cannot drift apart.
        let view = event.view();
        Self {
            id: view.id.to_owned(),
            at: view.at,
            action: view.action.as_str().to_owned(),
            actor: ActorView {
                kind: serde_json::to_value(view.actor.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                id: view.actor.id.clone(),
            },
            target: TargetView {
                kind: serde_json::to_value(view.target.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                id: view.target.id.clone(),
            },
            details: view.details.clone(),
        }
    }
}

/// `GET /audit`, `GET /users/{id}/events`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuditPageBody {
    pub events: Vec<AuditEventView>,
    /// Pass it back as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// `POST /webhooks`.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateWebhookRequest {
    /// `https://…` (the local server also takes `http://127.0.0.1` and `http://localhost`).
    pub url: String,
    /// Audit actions to hear, or `["*"]` for all.
    pub events: Vec<String>,
}

/// A webhook as the API shows it: never its secret.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Webhook))]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: String,
    /// `active`, or `disabled` once it answered `410` or failed every delivery for 3 days.
    pub status: String,
    /// When it was disabled, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<String>,
}

impl From<&Webhook> for WebhookView {
    fn from(w: &Webhook) -> Self {
        Self {
            id: w.id.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            created_at: rfc3339(w.created_at),
            status: if w.disabled_at.is_some() {
                "disabled"
            } else {
                "active"
            }
            .to_owned(),
            disabled_at: w.disabled_at.map(rfc3339),
        }
    }
}

/// `POST /webhooks`' answer: the secret, shown this once.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// `whsec_` + base64 of 32 random bytes: verify every delivery's `webhook-signature` with it.
    pub secret: String,
}

/// `GET /webhooks`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookList {
    pub webhooks: Vec<WebhookView>,
}

/// One attempt to deliver an event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub event_id: String,
    pub at: String,
    /// The receiver's status code, when it answered.
    pub status_code: Option<u16>,
    /// Why there is no status code: `timeout`, `connect`, `dns`, `tls`, `blocked_destination`, …
    pub error: Option<String>,
    /// `delivered`, `retrying` or `failed`.
    pub outcome: String,
}

impl From<&DeliveryAttempt> for DeliveryView {
    fn from(a: &DeliveryAttempt) -> Self {
        Self {
            event_id: a.event_id.clone(),
            at: rfc3339(a.at),
            status_code: a.status_code,
            error: a.error.clone(),
            outcome: serde_json::to_value(a.outcome)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
        }
    }
}

/// `GET /webhooks/{id}/deliveries`: the latest attempts, newest first.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryList {
    pub deliveries: Vec<DeliveryView>,
}
