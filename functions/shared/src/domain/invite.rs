//! An invite: whether its welcome email reached the mail service, what the mail service said
//! about it since, and how it is shown to the admin.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Contacts, Identifier};

/// How an invite's link reaches the tech: by email, by text message, or handed to the admin to
/// pass on in person. Reminders follow it; a resend may change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InviteChannel {
    #[default]
    Email,
    Sms,
    Link,
}

impl InviteChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
            Self::Link => "link",
        }
    }

    /// What a new invite shows: its message waits in the outbox, or the link went to the admin.
    pub fn first_status(self) -> InviteStatus {
        match self {
            Self::Email | Self::Sms => InviteStatus::Queued,
            Self::Link => InviteStatus::Manual,
        }
    }

    /// Where this channel's messages go for a user with `contacts`: `None` for a link handed
    /// over, and for a channel whose contact the user lacks.
    pub fn to(self, contacts: &Contacts) -> Option<Identifier> {
        match self {
            Self::Email => contacts.email.clone().map(Identifier::Email),
            Self::Sms => contacts.phone.clone().map(Identifier::Phone),
            Self::Link => None,
        }
    }

    /// The channel an invite uses when the admin names none: email when the user has one.
    pub fn default_for(contacts: &Contacts) -> Self {
        if contacts.email.is_some() {
            Self::Email
        } else {
            Self::Sms
        }
    }
}

/// Why an invite is `failed`, when the reason is the recipient's: a number that texted STOP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureReason {
    OptedOut,
}

impl FailureReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptedOut => "opted_out",
        }
    }
}

/// Whether the welcome email reached the mail service, or (`manual`) the link was handed to the
/// admin instead of emailed; then what the mail service's events said about the newest email
/// (`delivered`, `bounced`, `complained`). `expired` and `used` are derived when the invite is
/// shown, from the clock and the user's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InviteStatus {
    /// Accepted, and its email waits in the outbox for the mail service.
    Queued,
    Sent,
    Failed,
    Manual,
    Delivered,
    Bounced,
    Complained,
}

/// Whether a bounce is for good (`permanent`: the address does not exist or refuses mail) or may
/// pass later (`transient`: a full mailbox, a server that is down). SES's `Undetermined` counts
/// as transient: nothing says the address is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BounceType {
    Permanent,
    Transient,
}

impl BounceType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Permanent => "permanent",
            Self::Transient => "transient",
        }
    }
}

/// What the mail service said happened to one email after it accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryEvent {
    /// The recipient's mail server accepted it.
    Delivered,
    Bounced(BounceType),
    /// The recipient marked it as spam.
    Complained,
}

impl DeliveryEvent {
    /// The invite status this event leads to.
    pub fn status(self) -> InviteStatus {
        match self {
            Self::Delivered => InviteStatus::Delivered,
            Self::Bounced(_) => InviteStatus::Bounced,
            Self::Complained => InviteStatus::Complained,
        }
    }

    pub fn bounce_type(self) -> Option<BounceType> {
        match self {
            Self::Bounced(t) => Some(t),
            _ => None,
        }
    }

    /// The stored statuses this event may move an invite from. Events arrive in any order and
    /// more than once: a late `delivered` never hides a bounce or a complaint, and an event that
    /// already applied applies again as a no-change.
    pub fn moves_from(self) -> &'static [InviteStatus] {
        match self {
            Self::Delivered => &[InviteStatus::Sent],
            Self::Bounced(_) | Self::Complained => &[InviteStatus::Sent, InviteStatus::Delivered],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    pub status: InviteStatus,
    pub expires_at: DateTime<Utc>,
    /// The mail service's id of the newest welcome email (`None` before one was accepted, and for
    /// a link handed over in person). Events about any other email change nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Set with `bounced` only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounce_type: Option<BounceType>,
    /// When the invite's one reminder (a fresh link) was issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_sent_at: Option<DateTime<Utc>>,
    /// How the link went out; `None` in invites recorded before texts (an email, or the link
    /// handed over when `manual`): see [`Invite::channel`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<InviteChannel>,
    /// Set with `failed` when the recipient refused texts (`opted_out`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<FailureReason>,
}

impl Invite {
    /// What the mail service's acceptance of the invite's newest email (as `message_id`) does:
    /// the invite is `sent`, remembers that id (events about any earlier email stop counting) and
    /// forgets an earlier email's bounce.
    pub fn record_sent(&mut self, message_id: &str) {
        self.status = InviteStatus::Sent;
        self.message_id = Some(message_id.to_owned());
        self.bounce_type = None;
        self.failure = None;
    }

    /// The channel the invite's link went out on.
    pub fn channel(&self) -> InviteChannel {
        self.channel
            .unwrap_or(if self.status == InviteStatus::Manual {
                InviteChannel::Link
            } else {
                InviteChannel::Email
            })
    }

    /// This invite, sent on `channel`.
    pub fn via(mut self, channel: InviteChannel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// An invite with no email recorded yet.
    pub fn new(status: InviteStatus, expires_at: DateTime<Utc>) -> Self {
        Self {
            status,
            expires_at,
            message_id: None,
            bounce_type: None,
            reminder_sent_at: None,
            channel: None,
            failure: None,
        }
    }
}

/// An invite's status as an admin sees it: the stored one, unless the user has set a password
/// (`used`) or the link ran out first (`expired`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShownInviteStatus {
    Queued,
    Sent,
    Failed,
    Manual,
    Delivered,
    Bounced(BounceType),
    Complained,
    Expired,
    Used,
}

impl ShownInviteStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Manual => "manual",
            Self::Delivered => "delivered",
            Self::Bounced(_) => "bounced",
            Self::Complained => "complained",
            Self::Expired => "expired",
            Self::Used => "used",
        }
    }

    /// `permanent` or `transient` for a bounced invite.
    pub fn bounce_type(self) -> Option<BounceType> {
        match self {
            Self::Bounced(t) => Some(t),
            _ => None,
        }
    }
}
