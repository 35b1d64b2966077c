//! What inviting takes and gives: an admin's request and its options, the invite as it came
//! out, and the ways inviting, finding a user and resending are refused.

use chrono::Duration;
use secrecy::SecretString;

use super::limits::OverLimit;
use crate::domain::{EmailAddress, Locale, OneTimeCode, PasswordRejected, PhoneError, Role, User};
use crate::hashing::HashError;
use crate::ports::StoreError;

/// What an admin asks for when inviting a tech, parsed at the edge except the temporary
/// password, whose policy needs the organisation's name.
pub struct InviteRequest {
    pub email: Option<EmailAddress>,
    /// The mobile number as typed: read here with the configured rules
    /// (`DEFAULT_PHONE_REGION`, `SMS_ALLOWED_COUNTRIES`).
    pub phone: Option<String>,
    /// `None`: no temporary password; the link (and forgot-password) is the way in.
    pub temporary_password: Option<SecretString>,
    pub name: Option<String>,
    pub role: Role,
    /// The tech's language, as the admin named it; `None`: `DEFAULT_LOCALE` at creation.
    pub locale: Option<Locale>,
    pub options: InviteOptions,
}

/// How the setup link reaches the tech: by email, by text message, or handed to the admin to
/// pass on in person. The invite's channel: reminders follow it.
pub use crate::domain::InviteChannel as Delivery;

/// What an admin may choose about one invite (on `POST /users` and on a resend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InviteOptions {
    /// `None`: by email when the user has one, else by text; a resend keeps the invite's.
    pub delivery: Option<Delivery>,
    /// The setup link's lifetime in days (1 to [`MAX_INVITE_DAYS`], checked at the edge);
    /// `None`: the configured setup-link lifetime.
    pub expires_in_days: Option<u32>,
    /// Only queue the email for the schedule's sweep, which sends at `MAIL_SEND_RATE` (a batch);
    /// otherwise the request sends it at once and the outbox only guarantees it.
    pub queue_only: bool,
}

/// The longest an invite's link may last, in days.
pub const MAX_INVITE_DAYS: u32 = 30;

impl InviteOptions {
    /// The delivery asked for (once resolved, the invite's channel).
    pub(super) fn channel(&self) -> Delivery {
        self.delivery.unwrap_or_default()
    }

    /// These options with the delivery decided: as asked, else `default`.
    pub(super) fn resolved(self, default: Delivery) -> Self {
        Self {
            delivery: Some(self.delivery.unwrap_or(default)),
            ..self
        }
    }

    pub(super) fn lifetime(&self, default: Duration) -> Duration {
        self.expires_in_days
            .map_or(default, |days| Duration::days(i64::from(days)))
    }
}

/// An invite as it came out: the user with their invite, and, for [`Delivery::Link`], the setup
/// link for the admin to hand over (never stored, never logged).
pub struct Invited {
    pub user: User,
    pub link: Option<HandedOver>,
}

/// A setup link an admin hands over in person (`"delivery": "link"`), with the code beside it
/// (to read out on the phone). Never stored.
pub struct HandedOver {
    pub url: SecretString,
    pub code: OneTimeCode,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("the temporary password is not accepted: {0}")]
    TemporaryPassword(#[source] PasswordRejected),
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("a user with this phone number already exists")]
    PhoneTaken,
    #[error("the mobile number is not accepted: {0}")]
    Phone(#[source] PhoneError),
    /// Neither an email nor a phone.
    #[error("a user needs an email or a phone")]
    NoContact,
    /// The chosen delivery needs a contact the user does not have (`sms` without a phone).
    #[error("the delivery needs a contact the user does not have")]
    NoContactFor(Delivery),
    /// The admin met too many emails taken in other organisations this hour (a probe).
    #[error(transparent)]
    TooManyTakenElsewhere(#[from] OverLimit),
    #[error("hashing the temporary password")]
    Hash(#[from] HashError),
    #[error("storing the invited user")]
    Store(#[source] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum FindUserError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("reading the user")]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("the user has already set a password")]
    AlreadyActive,
    #[error("the user is disabled")]
    Disabled,
    /// The chosen delivery needs a contact the user does not have.
    #[error("the delivery needs a contact the user does not have")]
    NoContactFor(Delivery),
    #[error("issuing a new setup link")]
    Store(#[source] StoreError),
}

impl From<FindUserError> for ResendError {
    fn from(e: FindUserError) -> Self {
        match e {
            FindUserError::NotFound => Self::NotFound,
            FindUserError::Store(e) => Self::Store(e),
        }
    }
}
