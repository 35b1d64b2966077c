//! The domain: who users are, what an email address, a mobile number and a password may be, the
//! one-time tokens behind setup and reset links, sessions, and what a text message costs.
//! Pure: no AWS types, no I/O; time comes in as an argument.

pub mod audit;
pub mod code;
pub mod correction;
pub mod cursor;
pub mod device;
pub mod email;
pub mod identifier;
pub mod invite;
pub mod locale;
pub mod mail;
pub mod passkey;
pub mod password;
pub mod phone;
pub mod session;
pub mod sms_text;
pub mod token;
pub mod user;
pub mod webhook;

pub use audit::{Actor, ActorKind, AuditAction, AuditEvent, Target, TargetKind};
pub use code::{CodeHash, CodeKeys, OneTimeCode};
pub use correction::{Corrected, Correction, CorrectionRefused};
pub use device::{DeviceKeys, KnownDevice};
pub use email::EmailAddress;
pub use identifier::{Contacts, Identifier, IdentifierError};
pub use invite::{
    BounceType, DeliveryEvent, FailureReason, Invite, InviteChannel, InviteStatus,
    ShownInviteStatus,
};
pub use locale::{Locale, UnknownLocale};
pub use mail::{LinkKeys, MailJob, MailKind, Queue};
pub use passkey::{Ceremony, CeremonyPurpose, Passkey, PasskeyRefused, PasskeyUse};
pub use password::{
    GuessHint, NewPassword, PasswordPolicy, PasswordRejected, Refusal, TemporaryPassword,
};
pub use phone::{PhoneError, PhoneNumber, PhoneRules, Region};
pub use session::{Claims, SessionError, SessionKeys};
pub use token::{IssuedToken, LinkProblem, TokenHash, TokenPurpose, TokenRecord};
pub use user::{NewUser, OrgId, Role, User, UserId, UserStatus};
pub use webhook::{AttemptOutcome, DeliveryAttempt, DeliveryJob, EventFilter, Webhook};

/// The contract's timestamps (API.md, "Conventions"): RFC 3339, UTC, whole seconds, as every
/// answer, event and webhook body writes them.
pub fn rfc3339(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
