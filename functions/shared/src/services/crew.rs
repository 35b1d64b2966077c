//! The admin's side of a crew: listing the organisation's users a page at a time, cancelling an
//! invite nobody has taken up, and disabling or enabling an account.

use base64::Engine;

use super::invite::{user_in_org, FindUserError};
use super::Services;
use crate::domain::user::new_session_version;
use crate::domain::{Actor, AuditAction, AuditEvent, User, UserStatus};
use crate::ports::{Clock, Crew, PageKey, StoreError, UserPage, UserQuery, Users};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// The most users one page may hold, and how many a page holds when the admin does not say.
pub const MAX_PAGE: usize = 100;
pub const DEFAULT_PAGE: usize = 50;

/// The longest cursor this service ever hands out is far shorter; anything longer is not one.
const MAX_CURSOR_CHARS: usize = 512;

/// A page's end as the opaque `nextCursor`: base64url of the last user's position (creation
/// time and email). It only says where to go on: the organisation always comes from the session.
pub fn encode_cursor(key: &PageKey) -> String {
    B64.encode(serde_json::to_vec(key).unwrap_or_default())
}

/// A cursor back from a client, if it is one of ours (well-formed; anything else is `None`).
pub fn decode_cursor(raw: &str) -> Option<PageKey> {
    if raw.is_empty() || raw.len() > MAX_CURSOR_CHARS {
        return None;
    }
    let bytes = B64.decode(raw).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum ListUsersError {
    #[error("listing the organisation's users")]
    Store(#[from] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum CancelInviteError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("the user has already set a password")]
    AlreadyActive,
    #[error("cancelling the invite")]
    Store(#[source] StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum AccountStatusError {
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("an admin cannot disable their own account")]
    CannotDisableSelf,
    #[error("changing the account's status")]
    Store(#[source] StoreError),
}

impl From<FindUserError> for CancelInviteError {
    fn from(e: FindUserError) -> Self {
        match e {
            FindUserError::NotFound => Self::NotFound,
            FindUserError::Store(e) => Self::Store(e),
        }
    }
}

impl From<FindUserError> for AccountStatusError {
    fn from(e: FindUserError) -> Self {
        match e {
            FindUserError::NotFound => Self::NotFound,
            FindUserError::Store(e) => Self::Store(e),
        }
    }
}

/// A store write that lost to a concurrent change is tried again this often, on a fresh read.
const ATTEMPTS: usize = 3;

/// The admin's side of a crew, holding only what it uses: the crew port, and users to find the
/// one an admin names.
pub struct ManageCrew<'a> {
    pub crew: &'a dyn Crew,
    pub users: &'a dyn Users,
    pub clock: &'a dyn Clock,
}

impl Services {
    /// The crew use case on this app's ports.
    pub fn crew_case(&self) -> ManageCrew<'_> {
        ManageCrew {
            crew: self.store.as_ref(),
            users: self.store.as_ref(),
            clock: self.clock.as_ref(),
        }
    }

    /// One page of the admin's organisation, newest first ([`ManageCrew::list_users`]).
    pub async fn list_users(
        &self,
        admin: &User,
        status: Option<UserStatus>,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<UserPage, ListUsersError> {
        self.crew_case()
            .list_users(admin, status, limit, after)
            .await
    }

    /// [`ManageCrew::cancel_invite`].
    pub async fn cancel_invite(&self, admin: &User, id: &str) -> Result<(), CancelInviteError> {
        self.crew_case().cancel_invite(admin, id).await
    }

    /// [`ManageCrew::disable_user`].
    pub async fn disable_user(&self, admin: &User, id: &str) -> Result<User, AccountStatusError> {
        self.crew_case().disable_user(admin, id).await
    }

    /// [`ManageCrew::enable_user`].
    pub async fn enable_user(&self, admin: &User, id: &str) -> Result<User, AccountStatusError> {
        self.crew_case().enable_user(admin, id).await
    }
}

impl ManageCrew<'_> {
    /// The log's record of `admin` doing `action` to `user`, now.
    fn event(&self, action: AuditAction, admin: &User, user: &User) -> AuditEvent {
        AuditEvent::about_user(action, Actor::admin(admin), user, self.clock.now())
    }

    /// One page of the admin's organisation, newest first.
    pub async fn list_users(
        &self,
        admin: &User,
        status: Option<UserStatus>,
        limit: usize,
        after: Option<PageKey>,
    ) -> Result<UserPage, ListUsersError> {
        let query = UserQuery {
            org_id: admin.org_id.clone(),
            status,
            limit: limit.clamp(1, MAX_PAGE),
            after,
        };
        Ok(self.crew.list_users(&query).await?)
    }

    /// Removes an invited user who has not set a password: their links and temporary password
    /// stop working and their email is free to invite again.
    pub async fn cancel_invite(&self, admin: &User, id: &str) -> Result<(), CancelInviteError> {
        for _ in 0..ATTEMPTS {
            let user = user_in_org(self.users, admin, id).await?;
            if user.has_own_credential() {
                return Err(CancelInviteError::AlreadyActive);
            }
            let event = self.event(AuditAction::InviteCancelled, admin, &user);
            match self.crew.cancel_invite(&user, &[event]).await {
                Ok(()) => {
                    tracing::info!(audit = "invite_cancelled", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
                    return Ok(());
                }
                // A link was issued meanwhile: read again, so its token goes too.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AlreadyActive) => return Err(CancelInviteError::AlreadyActive),
                Err(StoreError::UserNotFound) => return Err(CancelInviteError::NotFound),
                Err(e) => return Err(CancelInviteError::Store(e)),
            }
        }
        Err(CancelInviteError::Store(StoreError::Conflict))
    }

    /// Disables a user of the admin's organisation: every session and link of theirs stops
    /// working and their passwords are refused until an admin enables them. Never the admin's own
    /// account, so an organisation cannot lock out the admin doing it.
    pub async fn disable_user(&self, admin: &User, id: &str) -> Result<User, AccountStatusError> {
        let user = user_in_org(self.users, admin, id).await?;
        if user.id == admin.id {
            return Err(AccountStatusError::CannotDisableSelf);
        }
        let event = self.event(AuditAction::UserDisabled, admin, &user);
        match self
            .crew
            .disable_user(&user, &new_session_version(), &[event])
            .await
        {
            Ok(user) => {
                tracing::info!(audit = "user_disabled", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
                Ok(user)
            }
            Err(StoreError::UserNotFound) => Err(AccountStatusError::NotFound),
            Err(e) => Err(AccountStatusError::Store(e)),
        }
    }

    /// Enables a disabled user: the status they had before comes back; the sessions and links
    /// that disabling ended stay dead.
    pub async fn enable_user(&self, admin: &User, id: &str) -> Result<User, AccountStatusError> {
        for _ in 0..ATTEMPTS {
            let user = user_in_org(self.users, admin, id).await?;
            let event = self.event(AuditAction::UserEnabled, admin, &user);
            match self.crew.enable_user(&user, &[event]).await {
                Ok(enabled) => {
                    if user.status == UserStatus::Disabled {
                        tracing::info!(audit = "user_enabled", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
                    }
                    return Ok(enabled);
                }
                Err(StoreError::Conflict) => continue,
                Err(StoreError::UserNotFound) => return Err(AccountStatusError::NotFound),
                Err(e) => return Err(AccountStatusError::Store(e)),
            }
        }
        Err(AccountStatusError::Store(StoreError::Conflict))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::EmailAddress;

    #[test]
    fn a_cursor_round_trips_and_anything_else_is_refused() {
        let key = PageKey {
            created_at: chrono::DateTime::parse_from_rfc3339("2026-11-24T10:00:00.5Z")
                .unwrap()
                .to_utc(),
            home: crate::domain::Identifier::Email(EmailAddress::parse("ana@example.com").unwrap()),
        };
        let cursor = encode_cursor(&key);
        assert!(cursor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(decode_cursor(&cursor), Some(key));
        for bad in [
            "",
            "!!",
            "bm90IGpzb24",
            &B64.encode(r#"{"t":"yesterday","e":"ana@example.com"}"#),
            &B64.encode(r#"{"t":"2026-11-24T10:00:00Z","e":"not an email"}"#),
            &"A".repeat(600),
        ] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
