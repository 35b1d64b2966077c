//! Users, organisations and roles: who a user is, their status, and the changes the store makes
//! to them. Their invite's own types are in `invite`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::invite::{BounceType, DeliveryEvent, Invite, InviteStatus, ShownInviteStatus};
use super::{Contacts, EmailAddress, Identifier, Locale};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgId(pub String);

impl UserId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

impl OrgId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Tech,
}

impl Role {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "admin" => Some(Self::Admin),
            "tech" => Some(Self::Tech),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Tech => "tech",
        }
    }
}

/// `invited` until the user sets a password of their own, `active` after; `disabled` while an
/// admin has switched the account off (enabling it restores what it was, see
/// [`User::status_when_enabled`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Invited,
    Active,
    Disabled,
}

impl UserStatus {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "invited" => Some(Self::Invited),
            "active" => Some(Self::Active),
            "disabled" => Some(Self::Disabled),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }
}

/// Everything the service keeps about a user. Hashes are PHC strings; nothing here is a secret
/// in plain form, but hashes still never reach a log (the `Debug` impl leaves them out).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    /// The organisation's display name, copied from the admin who created the user.
    pub org_name: Option<String>,
    /// The user's email, phone or both; stored as the fields `email` and `phone`, so records
    /// written before phones read as email-only users.
    #[serde(flatten)]
    pub contacts: Contacts,
    pub name: Option<String>,
    pub role: Role,
    pub status: UserStatus,
    pub created_at: DateTime<Utc>,
    /// The admin's temporary password; cleared when the user sets their own.
    pub temporary_password_hash: Option<String>,
    /// The user's own password, once set.
    pub password_hash: Option<String>,
    /// Sessions carry this; setting a password changes it, so every older session stops working.
    pub session_version: String,
    /// The generation of the newest setup link and reset link; a token of an older generation is dead.
    pub setup_generation: u64,
    pub reset_generation: u64,
    pub invite: Option<Invite>,
    /// The language the user's emails, texts and pages speak (API.md, "Languages"); `None`
    /// (users stored before languages) is `DEFAULT_LOCALE`, whatever it is when read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<Locale>,
    /// The WebAuthn `user.id` of the user's passkeys (base64url; `domain::passkey`), set with the
    /// first one and kept after, so every passkey of the user names the same handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passkey_handle: Option<String>,
    /// The user's passkeys (at most [`MAX_PASSKEYS`](super::passkey::MAX_PASSKEYS)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkeys: Vec<super::passkey::Passkey>,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("org_id", &self.org_id)
            .field("role", &self.role)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        EmailAddress::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A fresh value for `User::session_version`: random, so no read is needed to change it.
pub fn new_session_version() -> String {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl User {
    /// The hash that signs this user in now: their own password once set, the temporary one before.
    pub fn current_password_hash(&self) -> Option<&str> {
        self.password_hash
            .as_deref()
            .or(self.temporary_password_hash.as_deref())
    }
    /// Signed in with the temporary password: no credential of the user's own yet.
    pub fn must_change_password(&self) -> bool {
        !self.has_own_credential()
    }
    /// A password or a passkey of the user's own: what setting up gives and what `active` means.
    pub fn has_own_credential(&self) -> bool {
        self.password_hash.is_some() || !self.passkeys.is_empty()
    }
    /// The identifier the user is filed under ([`Contacts::home`]).
    pub fn home(&self) -> Identifier {
        self.contacts.home()
    }
    pub fn email(&self) -> Option<&EmailAddress> {
        self.contacts.email.as_ref()
    }
    /// The language the user is spoken to in: theirs, or `default` (`DEFAULT_LOCALE`).
    pub fn locale_or(&self, default: Locale) -> Locale {
        self.locale.unwrap_or(default)
    }
}

/// Who is invited: everything of a new user the inviting admin (or operator) decides.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub org_id: OrgId,
    pub org_name: Option<String>,
    pub contacts: Contacts,
    pub name: Option<String>,
    pub role: Role,
    /// The admin's temporary password; `None` when the link is the only way in.
    pub temporary_password_hash: Option<String>,
    /// `None`: `DEFAULT_LOCALE`, whatever it is when read.
    pub locale: Option<Locale>,
}

impl User {
    /// A user who has been invited and has not set a password yet. Their first setup link is
    /// generation 1, and `invite` records when it expires.
    pub fn new_invited(new: NewUser, now: DateTime<Utc>, invite: Invite) -> Self {
        Self {
            id: UserId::generate(),
            org_id: new.org_id,
            org_name: new.org_name,
            contacts: new.contacts,
            name: new.name,
            role: new.role,
            status: UserStatus::Invited,
            created_at: now,
            temporary_password_hash: new.temporary_password_hash,
            password_hash: None,
            session_version: new_session_version(),
            setup_generation: 1,
            reset_generation: 0,
            invite: Some(invite),
            locale: new.locale,
            passkey_handle: None,
            passkeys: Vec::new(),
        }
    }

    /// An active admin of a new organisation who already has a password (the local server's
    /// seeded admin).
    pub fn new_admin(
        email: EmailAddress,
        org_name: Option<String>,
        password_hash: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: UserId::generate(),
            org_id: OrgId::generate(),
            org_name,
            contacts: Contacts::email(email),
            name: None,
            role: Role::Admin,
            status: UserStatus::Active,
            created_at: now,
            temporary_password_hash: None,
            password_hash: Some(password_hash),
            session_version: new_session_version(),
            setup_generation: 0,
            reset_generation: 0,
            invite: None,
            locale: None,
            passkey_handle: None,
            passkeys: Vec::new(),
        }
    }

    /// What setting one's own password does to a user, in every store: the temporary password
    /// stops working, the user is active, every earlier session ends (a new session version),
    /// and every other outstanding setup and reset link dies (both generations move on).
    pub fn set_own_password(&mut self, password_hash: String, new_session_version: String) {
        self.password_hash = Some(password_hash);
        self.temporary_password_hash = None;
        self.status = UserStatus::Active;
        self.session_version = new_session_version;
        self.setup_generation += 1;
        self.reset_generation += 1;
    }

    /// The generation of this user's newest link of `purpose`: a token of any other is dead.
    pub fn generation(&self, purpose: crate::domain::TokenPurpose) -> u64 {
        match purpose {
            crate::domain::TokenPurpose::Setup => self.setup_generation,
            crate::domain::TokenPurpose::Reset => self.reset_generation,
        }
    }

    /// The invite as it stands at `now`, if the user was ever invited.
    pub fn shown_invite(&self, now: DateTime<Utc>) -> Option<(ShownInviteStatus, DateTime<Utc>)> {
        let invite = self.invite.as_ref()?;
        let status = if self.has_own_credential() {
            ShownInviteStatus::Used
        } else if now >= invite.expires_at {
            ShownInviteStatus::Expired
        } else {
            match invite.status {
                InviteStatus::Queued => ShownInviteStatus::Queued,
                InviteStatus::Sent => ShownInviteStatus::Sent,
                InviteStatus::Failed => ShownInviteStatus::Failed,
                InviteStatus::Manual => ShownInviteStatus::Manual,
                InviteStatus::Delivered => ShownInviteStatus::Delivered,
                // A bounce recorded before bounce types were: the kind nobody can tell.
                InviteStatus::Bounced => {
                    ShownInviteStatus::Bounced(invite.bounce_type.unwrap_or(BounceType::Transient))
                }
                InviteStatus::Complained => ShownInviteStatus::Complained,
            }
        };
        Some((status, invite.expires_at))
    }

    /// Applies what the mail service said about email `message_id`, in every store: only an
    /// event about the invite's newest email counts, a used invite (a password set) stays as it
    /// is, and [`DeliveryEvent::moves_from`] decides the order. Whether anything changed.
    pub fn apply_delivery_event(&mut self, message_id: &str, event: DeliveryEvent) -> bool {
        if self.has_own_credential() {
            return false;
        }
        let Some(invite) = self.invite.as_mut() else {
            return false;
        };
        if invite.message_id.as_deref() != Some(message_id)
            || !event.moves_from().contains(&invite.status)
        {
            return false;
        }
        invite.status = event.status();
        invite.bounce_type = event.bounce_type();
        true
    }

    /// Takes `token` as the user's newest link of its purpose, in every store: a setup link only
    /// while the user is invited, and only as the next generation, which kills every older link
    /// of that purpose. `invite` (a resend's) replaces the user's invite.
    pub fn accept_link(
        &mut self,
        token: &crate::domain::TokenRecord,
        invite: Option<Invite>,
    ) -> Result<(), crate::domain::token::LinkRefused> {
        use crate::domain::token::LinkRefused;
        use crate::domain::TokenPurpose;
        if token.purpose == TokenPurpose::Setup && self.status != UserStatus::Invited {
            return Err(LinkRefused::AlreadyActive);
        }
        if self.generation(token.purpose) + 1 != token.generation {
            return Err(LinkRefused::Stale);
        }
        match token.purpose {
            TokenPurpose::Setup => self.setup_generation = token.generation,
            TokenPurpose::Reset => self.reset_generation = token.generation,
        }
        if let Some(invite) = invite {
            self.invite = Some(invite);
        }
        Ok(())
    }

    /// Records on the invite what became of `job`'s email (`status`, and the id the mail service
    /// gave it when it was accepted; an empty id is not recorded), only while the job's link is still the one the invite
    /// waits on: an email about a replaced link, or to a user no longer invited, says nothing
    /// about the invite, and a reset email never does. Whether the invite changed.
    pub fn record_mail_outcome(
        &mut self,
        job: &crate::domain::MailJob,
        status: InviteStatus,
        accepted_as: Option<&str>,
    ) -> bool {
        let current = job.kind != crate::domain::MailKind::Reset
            && self.status == UserStatus::Invited
            && self.setup_generation == job.link_generation();
        let Some(invite) = self.invite.as_mut().filter(|_| current) else {
            return false;
        };
        match accepted_as.filter(|id| !id.is_empty()) {
            Some(message_id) => invite.record_sent(message_id),
            None => invite.status = status,
        }
        true
    }

    /// Replaces a password hash (the temporary one, or the user's own) only while it is still
    /// `old_hash`: a rehash on sign-in loses to any change made meanwhile. Whether it did.
    pub fn replace_password_hash(
        &mut self,
        temporary: bool,
        old_hash: &str,
        new_hash: &str,
    ) -> bool {
        let slot = if temporary {
            &mut self.temporary_password_hash
        } else {
            &mut self.password_hash
        };
        if slot.as_deref() != Some(old_hash) {
            return false;
        }
        *slot = Some(new_hash.to_owned());
        true
    }

    /// The status that enabling a disabled user gives back: `active` once they have a password of
    /// their own, `invited` before. Derived, so disabling needs to keep nothing more.
    pub fn status_when_enabled(&self) -> UserStatus {
        if self.has_own_credential() {
            UserStatus::Active
        } else {
            UserStatus::Invited
        }
    }

    /// What disabling does to a user, in every store: the status is `disabled`, every session ends
    /// (a new session version) and every setup and reset link dies (both generations move on).
    pub fn disable(&mut self, new_session_version: String) {
        self.status = UserStatus::Disabled;
        self.session_version = new_session_version;
        self.setup_generation += 1;
        self.reset_generation += 1;
    }

    /// What enabling does: the status it had comes back; sessions and links stay dead.
    pub fn enable(&mut self) {
        self.status = self.status_when_enabled();
    }

    /// The subject a token for this user carries.
    pub fn token_subject(&self) -> crate::domain::token::TokenSubject<'_> {
        crate::domain::token::TokenSubject {
            user_id: &self.id,
            org_id: &self.org_id,
            contacts: &self.contacts,
            org_name: self.org_name.as_deref(),
            name: self.name.as_deref(),
            created_at: self.created_at,
            role: self.role,
            locale: self.locale,
        }
    }
}

#[cfg(test)]
mod tests;
