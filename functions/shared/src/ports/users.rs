//! Users as sign-in and account changes read and write them: create (with the first setup link
//! and the invite's emails), read by email or id, and the user's own password and session changes.

use async_trait::async_trait;

use super::StoreError;
use crate::domain::{AuditEvent, EmailAddress, Identifier, MailJob, TokenRecord, User, UserId};

/// A signed-in user's own change to their account, made only while the session that asked for
/// it is still current: the store refuses it (`Conflict`) when the user's session version moved
/// meanwhile (another password change, a reset, a sign-out everywhere, a disable).
#[derive(Debug, Clone)]
pub struct SessionChange {
    pub user_id: UserId,
    /// Where the user is filed ([`User::home`]).
    pub home: Identifier,
    /// The session version the asking session carries.
    pub session_version: String,
    /// The version every session issued from now on carries; every earlier session ends.
    pub new_session_version: String,
}

impl SessionChange {
    /// A change by `user`'s session as read, starting sessions at `new_session_version` (the
    /// same version keeps every session).
    pub fn of(user: &User, new_session_version: String) -> Self {
        Self {
            user_id: user.id.clone(),
            home: user.home(),
            session_version: user.session_version.clone(),
            new_session_version,
        }
    }
}

/// A change of password hash made on sign-in when argon2 parameters changed.
#[derive(Debug, Clone)]
pub struct Rehash {
    pub user_id: UserId,
    /// Where the user is filed ([`User::home`]).
    pub home: Identifier,
    /// Which hash is replaced: the user's own password, or the temporary one.
    pub temporary: bool,
    pub old_hash: String,
    pub new_hash: String,
}

/// Reads return whole users; writes are whole domain operations, each atomic.
#[async_trait]
pub trait Users: Send + Sync {
    /// Creates the user, claims the email and the phone (each unique; `EmailTaken`, `PhoneTaken`) and stores the first setup
    /// token, all or nothing.
    async fn create_user(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
    ) -> Result<(), StoreError> {
        self.create_user_with_mail(user, setup_token, &[], &[])
            .await
    }

    /// [`Users::create_user`], and `mail` (the invite's emails: the transactional outbox) and
    /// `audit` (`user.invited`) in the same write.
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError>;

    /// The read that sign-in makes: the user with this email or phone (DynamoDB: one `GetItem`
    /// for the identifier a user is filed under, two for a phone beside an email).
    async fn user_by(&self, id: &Identifier) -> Result<Option<User>, StoreError>;

    async fn user_by_email(&self, email: &EmailAddress) -> Result<Option<User>, StoreError> {
        self.user_by(&Identifier::Email(email.clone())).await
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError>;

    /// Sets the user's own password as a redemption does (`User::set_own_password`: temporary
    /// password cleared, every link and every other session ended), if `change` is still
    /// current, with `audit` (`password.changed`). Returns the user as left.
    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError>;

    /// Ends every session of the user (a new session version), if `change` is still current,
    /// with `audit` (`sessions.revoked`).
    async fn end_sessions(
        &self,
        change: &SessionChange,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError>;

    /// Replaces a password hash if it is still `old_hash`.
    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError>;
}
