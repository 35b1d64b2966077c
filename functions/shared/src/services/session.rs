//! Sessions: who a session belongs to, the admin behind an API call, and a fresh session for a
//! user who just proved who they are.

use secrecy::SecretString;

use super::Services;
use chrono::{DateTime, Utc};

use crate::domain::session::Proof;
use crate::domain::{
    Claims, DeviceKeys, EmailAddress, Identifier, PhoneNumber, Role, SessionKeys, User, UserStatus,
};
use crate::ports::{Clock, StoreError, Users};

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

/// Who a session belongs to, holding only what it uses: users, the session keys and the clock.
pub struct SessionCheck<'a> {
    pub users: &'a dyn Users,
    pub sessions: &'a SessionKeys,
    pub clock: &'a dyn Clock,
}

impl Services {
    /// The session use case on this app's ports.
    pub fn session_case(&self) -> SessionCheck<'_> {
        SessionCheck {
            users: self.store.as_ref(),
            sessions: &self.sessions,
            clock: self.clock.as_ref(),
        }
    }

    /// [`SessionCheck::user_for_session`].
    pub async fn user_for_session(&self, jwt: &str) -> Result<Option<User>, StoreError> {
        self.session_case().user_for_session(jwt).await
    }

    /// [`SessionCheck::admin_for_session`].
    pub async fn admin_for_session(&self, jwt: Option<&str>) -> Result<User, AdminError> {
        self.session_case().admin_for_session(jwt).await
    }

    /// A new session for `user`, who proved who they are with `proof` just now.
    pub fn start_session(&self, user: User, proof: Proof) -> Session {
        Session::start(&self.sessions, &self.devices, user, self.now(), proof)
    }
}

impl SessionCheck<'_> {
    /// The user a session belongs to, if the session is valid now and not ended by a password
    /// change (its session version is the user's current one).
    pub async fn user_for_session(&self, jwt: &str) -> Result<Option<User>, StoreError> {
        Ok(self.session_of(jwt).await?.map(|(user, _)| user))
    }

    /// [`Self::user_for_session`], with the session's claims (when and how the user proved who
    /// they are: `auth_time`, `amr`).
    pub async fn session_of(&self, jwt: &str) -> Result<Option<(User, Claims)>, StoreError> {
        let Ok(claims) = self.sessions.verify(jwt, self.clock.now()) else {
            return Ok(None);
        };
        let home = match (&claims.email, &claims.phone) {
            (Some(email), _) => EmailAddress::parse(email).ok().map(Identifier::Email),
            (None, Some(phone)) => PhoneNumber::from_e164(phone).map(Identifier::Phone),
            (None, None) => None,
        };
        let Some(home) = home else {
            return Ok(None);
        };
        // By the identifier the user is filed under: one read, where the id would take two on
        // DynamoDB.
        let user = self.users.user_by(&home).await?;
        // A disabled user's sessions end with the session version disabling changes; the status
        // is checked too, so no other way of disabling can leave a session alive.
        Ok(user
            .filter(|u| {
                u.id.0 == claims.sub
                    && u.session_version == claims.sv
                    && u.org_id.0 == claims.org
                    && u.status != UserStatus::Disabled
            })
            .map(|u| (u, claims)))
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
}

impl Session {
    /// A new session for `user`, starting at `now`, signed with `keys`, with a new device token
    /// (a sign-in from a known device swaps in that device's: `SignIn::run`).
    pub fn start(
        keys: &SessionKeys,
        devices: &DeviceKeys,
        user: User,
        now: DateTime<Utc>,
        proof: Proof,
    ) -> Self {
        Self {
            jwt: keys.issue_proved(&user, now, proof),
            expires_in: keys.lifetime().num_seconds(),
            device_token: devices.issue(&user),
            user,
        }
    }
}
