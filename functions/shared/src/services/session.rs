//! Sessions: who a session belongs to, the admin behind an API call, and a fresh session for a
//! user who just proved who they are.

use secrecy::SecretString;

use super::Services;
use crate::domain::{EmailAddress, Role, User, UserStatus};
use crate::ports::StoreError;

/// A signed-in session, ready to hand to the user.
pub struct Session {
    pub jwt: SecretString,
    /// Seconds until it expires.
    pub expires_in: i64,
    pub user: User,
    /// The device token this sign-in hands the browser or app (`domain::device`): a sign-in that
    /// carries it later is a known device's.
    pub device_token: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no valid session")]
    Unauthorized,
    #[error("the session is not an admin's")]
    Forbidden,
    #[error("reading the session's user")]
    Store(#[source] StoreError),
}

impl Services {
    /// The user a session belongs to, if the session is valid now and not ended by a password
    /// change (its session version is the user's current one).
    pub async fn user_for_session(&self, jwt: &str) -> Result<Option<User>, StoreError> {
        let Ok(claims) = self.sessions.verify(jwt, self.now()) else {
            return Ok(None);
        };
        let Ok(email) = EmailAddress::parse(&claims.email) else {
            return Ok(None);
        };
        // By email: one read, where the id would take two on DynamoDB.
        let user = self.store.user_by_email(&email).await?;
        // A disabled user's sessions end with the session version disabling changes; the status
        // is checked too, so no other way of disabling can leave a session alive.
        Ok(user.filter(|u| {
            u.id.0 == claims.sub
                && u.session_version == claims.sv
                && u.org_id.0 == claims.org
                && u.status != UserStatus::Disabled
        }))
    }

    /// The admin behind a bearer session.
    pub async fn admin_for_session(&self, jwt: Option<&str>) -> Result<User, AdminError> {
        let jwt = jwt.ok_or(AdminError::Unauthorized)?;
        let user = self
            .user_for_session(jwt)
            .await
            .map_err(AdminError::Store)?
            .ok_or(AdminError::Unauthorized)?;
        if user.role != Role::Admin {
            return Err(AdminError::Forbidden);
        }
        Ok(user)
    }

    /// A new session for `user`, starting now.
    pub fn start_session(&self, user: User) -> Session {
        Session {
            jwt: self.sessions.issue(&user, self.now()),
            expires_in: self.sessions.lifetime().num_seconds(),
            device_token: self.devices.issue(&user),
            user,
        }
    }
}
