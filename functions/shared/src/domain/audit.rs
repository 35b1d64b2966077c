//! The audit log (API.md, "Audit log"): what happened to an organisation's users and invites, as
//! events written in the same store write as the change they record, so an event is never lost
//! (the change is not made without it) nor invented (it is not written without the change).
//!
//! An event names its actor and target by id only and carries small details built here, by the
//! constructors below: never a password, token, code, hash, session or secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::invite::{DeliveryEvent, InviteChannel};
use super::mail::{MailJob, MailKind};
use super::token::{TokenPurpose, TokenRecord};
use super::{OrgId, User, UserId};

/// Every action the log records, as the contract names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    #[serde(rename = "user.invited")]
    UserInvited,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "invite.resent")]
    InviteResent,
    #[serde(rename = "invite.cancelled")]
    InviteCancelled,
    #[serde(rename = "invite.sent")]
    InviteSent,
    #[serde(rename = "invite.delivered")]
    InviteDelivered,
    #[serde(rename = "invite.bounced")]
    InviteBounced,
    #[serde(rename = "invite.complained")]
    InviteComplained,
    #[serde(rename = "invite.failed")]
    InviteFailed,
    #[serde(rename = "invite.reminded")]
    InviteReminded,
    #[serde(rename = "invite.expired")]
    InviteExpired,
    #[serde(rename = "invite.accepted")]
    InviteAccepted,
    #[serde(rename = "user.disabled")]
    UserDisabled,
    #[serde(rename = "user.enabled")]
    UserEnabled,
    #[serde(rename = "password.reset")]
    PasswordReset,
    #[serde(rename = "password.changed")]
    PasswordChanged,
    #[serde(rename = "passkey.added")]
    PasskeyAdded,
    #[serde(rename = "passkey.removed")]
    PasskeyRemoved,
    #[serde(rename = "sessions.revoked")]
    SessionsRevoked,
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    #[serde(rename = "webhook.disabled")]
    WebhookDisabled,
}

impl AuditAction {
    pub const ALL: [Self; 22] = [
        Self::UserInvited,
        Self::UserUpdated,
        Self::InviteResent,
        Self::InviteCancelled,
        Self::InviteSent,
        Self::InviteDelivered,
        Self::InviteBounced,
        Self::InviteComplained,
        Self::InviteFailed,
        Self::InviteReminded,
        Self::InviteExpired,
        Self::InviteAccepted,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::PasswordReset,
        Self::PasswordChanged,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
        Self::SessionsRevoked,
        Self::WebhookCreated,
        Self::WebhookDeleted,
        Self::WebhookDisabled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserInvited => "user.invited",
            Self::UserUpdated => "user.updated",
            Self::InviteResent => "invite.resent",
            Self::InviteCancelled => "invite.cancelled",
            Self::InviteSent => "invite.sent",
            Self::InviteDelivered => "invite.delivered",
            Self::InviteBounced => "invite.bounced",
            Self::InviteComplained => "invite.complained",
            Self::InviteFailed => "invite.failed",
            Self::InviteReminded => "invite.reminded",
            Self::InviteExpired => "invite.expired",
            Self::InviteAccepted => "invite.accepted",
            Self::UserDisabled => "user.disabled",
            Self::UserEnabled => "user.enabled",
            Self::PasswordReset => "password.reset",
            Self::PasswordChanged => "password.changed",
            Self::PasskeyAdded => "passkey.added",
            Self::PasskeyRemoved => "passkey.removed",
            Self::SessionsRevoked => "sessions.revoked",
            Self::WebhookCreated => "webhook.created",
            Self::WebhookDeleted => "webhook.deleted",
            Self::WebhookDisabled => "webhook.disabled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// Who did it: an admin or the user themselves (by id), or the service (the schedule, the mail
/// and text services' events: no id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorKind {
    Admin,
    User,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: ActorKind,
    pub id: Option<String>,
}

impl Actor {
    pub fn admin(admin: &User) -> Self {
        Self {
            kind: ActorKind::Admin,
            id: Some(admin.id.0.clone()),
        }
    }

    pub fn user(user: &UserId) -> Self {
        Self {
            kind: ActorKind::User,
            id: Some(user.0.clone()),
        }
    }

    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            id: None,
        }
    }
}

/// What it was done to: a user, or one of the organisation's webhooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetKind {
    User,
    Webhook,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: TargetKind,
    pub id: String,
}

/// One event of the log. Its `id` is also the webhook deliveries' `webhook-id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// `evt_` and 128 random bits (a UUID's hex): unique, and the same on every delivery.
    pub id: String,
    pub org_id: OrgId,
    pub at: DateTime<Utc>,
    pub action: AuditAction,
    pub actor: Actor,
    pub target: Target,
    /// Small facts about the change, never a secret (only this module's constructors fill it).
    #[serde(default)]
    pub details: Map<String, Value>,
}

/// An event as admins and receivers see it (`GET /audit`'s items, a webhook's `data`): the
/// organisation is the reader's own, so it is left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventView<'a> {
    pub id: &'a str,
    pub at: String,
    pub action: AuditAction,
    pub actor: &'a Actor,
    pub target: &'a Target,
    pub details: &'a Map<String, Value>,
}

/// A webhook delivery's body (API.md, "Webhooks").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookBody<'a> {
    #[serde(rename = "type")]
    pub kind: AuditAction,
    pub timestamp: String,
    pub data: EventView<'a>,
}

use super::rfc3339;

/// A new event's id for an event at `at`: `evt_` and 32 hex digits, which sort as the events
/// happened. The first 12 are `at` in milliseconds (the log's order is time, then id), the next
/// 8 a count of this process's events (two events of one instant, such as an invite and its
/// email's `invite.sent` under a test's fixed clock, keep the order they were made in), the last
/// 12 random (ids of two processes never collide).
pub fn new_event_id(at: DateTime<Utc>) -> String {
    ordered_id("evt_", at)
}

/// `prefix` and 32 hex digits that sort as made ([`new_event_id`]'s layout).
pub fn ordered_id(prefix: &str, at: DateTime<Utc>) -> String {
    static MADE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let count = MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let random = uuid::Uuid::new_v4().as_u128() & 0xffff_ffff_ffff;
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0) & 0xffff_ffff_ffff;
    format!("{prefix}{ms:012x}{count:08x}{random:012x}")
}

impl AuditEvent {
    /// An event of `action` by `actor` on `user`, at `at`.
    pub fn about_user(action: AuditAction, actor: Actor, user: &User, at: DateTime<Utc>) -> Self {
        Self {
            id: new_event_id(at),
            org_id: user.org_id.clone(),
            at,
            action,
            actor,
            target: Target {
                kind: TargetKind::User,
                id: user.id.0.clone(),
            },
            details: Map::new(),
        }
    }

    /// An event of `action` by `actor` on the webhook `id` of `org`.
    pub fn about_webhook(
        action: AuditAction,
        actor: Actor,
        org: &OrgId,
        id: &str,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            id: new_event_id(at),
            org_id: org.clone(),
            at,
            action,
            actor,
            target: Target {
                kind: TargetKind::Webhook,
                id: id.to_owned(),
            },
            details: Map::new(),
        }
    }

    /// What redeeming `token` records, by the user, with the credential set (`password` or
    /// `passkey`), the link's purpose (`setup` or `reset`) and how it was proved (`link` or
    /// `code`): `invite.accepted` for a setup link, and for a reset link of a user who had not
    /// set up yet (`first_setup`: a forgot-password before setup); `password.reset` otherwise.
    pub fn of_redemption(
        token: &TokenRecord,
        credential: &'static str,
        by_code: bool,
        first_setup: bool,
        at: DateTime<Utc>,
    ) -> Self {
        let action = match token.purpose {
            TokenPurpose::Setup => AuditAction::InviteAccepted,
            TokenPurpose::Reset if first_setup => AuditAction::InviteAccepted,
            TokenPurpose::Reset => AuditAction::PasswordReset,
        };
        Self {
            id: new_event_id(at),
            org_id: token.org_id.clone(),
            at,
            action,
            actor: Actor::user(&token.user_id),
            target: Target {
                kind: TargetKind::User,
                id: token.user_id.0.clone(),
            },
            details: Map::new(),
        }
        .with("credential", credential)
        .with("link", token.purpose.as_str())
        .with("via", if by_code { "code" } else { "link" })
    }

    pub fn view(&self) -> EventView<'_> {
        EventView {
            id: &self.id,
            at: rfc3339(self.at),
            action: self.action,
            actor: &self.actor,
            target: &self.target,
            details: &self.details,
        }
    }

    /// The JSON body a webhook receives for this event.
    pub fn webhook_body(&self) -> Vec<u8> {
        let body = WebhookBody {
            kind: self.action,
            timestamp: rfc3339(self.at),
            data: self.view(),
        };
        serde_json::to_vec(&body).unwrap_or_default()
    }

    /// Adds one detail (a name the contract's readers can rely on, a value that is no secret).
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.details.insert(name.to_owned(), value.into());
        self
    }

    /// The user this event is about, if it is about one.
    pub fn user_id(&self) -> Option<UserId> {
        (self.target.kind == TargetKind::User).then(|| UserId(self.target.id.clone()))
    }

    /// The event a mail job's outcome records, when the outcome changed the invite
    /// ([`crate::ports::MailOutcome::record_on`] said so): `invite.sent` or `invite.reminded`
    /// when accepted, `invite.failed` when it could not be handed over (with `reason` when the
    /// number opted out). `None` for an outcome that records nothing (a reset's email).
    pub fn of_mail_outcome(
        user: &User,
        job: &MailJob,
        sent: Option<bool>,
        at: DateTime<Utc>,
    ) -> Option<Self> {
        let action = match (job.kind, sent) {
            (MailKind::Reset | MailKind::Expiry, _) => return None,
            (MailKind::Welcome, Some(true)) => AuditAction::InviteSent,
            (MailKind::Reminder, Some(true)) => AuditAction::InviteReminded,
            (_, Some(false)) => AuditAction::InviteFailed,
            (_, None) => return None,
        };
        let mut event = Self::about_user(action, Actor::system(), user, at)
            .with("channel", channel_of(job))
            .with("attempts", job.attempts);
        if action == AuditAction::InviteFailed {
            if let Some(reason) = user.invite.as_ref().and_then(|i| i.failure) {
                event = event.with("reason", reason.as_str());
            }
        }
        Some(event)
    }

    /// The event a mail or text service's report about an invite records, when it changed the
    /// invite.
    pub fn of_delivery(user: &User, event: DeliveryEvent, at: DateTime<Utc>) -> Self {
        let action = match event {
            DeliveryEvent::Delivered => AuditAction::InviteDelivered,
            DeliveryEvent::Bounced(_) => AuditAction::InviteBounced,
            DeliveryEvent::Complained => AuditAction::InviteComplained,
        };
        let channel = user
            .invite
            .as_ref()
            .and_then(|i| i.channel)
            .unwrap_or(InviteChannel::Email);
        let out =
            Self::about_user(action, Actor::system(), user, at).with("channel", channel.as_str());
        match event {
            DeliveryEvent::Bounced(kind) => out.with("bounceType", kind.as_str()),
            _ => out,
        }
    }
}

fn channel_of(job: &MailJob) -> &'static str {
    match job.to {
        super::Identifier::Email(_) => "email",
        super::Identifier::Phone(_) => "sms",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(action));
            let json = serde_json::to_value(action).unwrap();
            assert_eq!(json, Value::String(action.as_str().to_owned()));
        }
        assert_eq!(AuditAction::parse("user.deleted"), None);
        assert_eq!(AuditAction::parse("*"), None);
    }

    #[test]
    fn ids_are_unique_prefixed_and_sort_as_made() {
        let t = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ids: Vec<String> = (0..50).map(|_| new_event_id(t)).collect();
        assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "one instant: in the order made"
        );
        let later = new_event_id(t + chrono::Duration::milliseconds(1));
        assert!(
            ids.iter().all(|id| id < &later),
            "a later instant sorts after"
        );
        assert!(ids
            .iter()
            .all(|id| id.starts_with("evt_") && id.len() == 36));
    }
}
