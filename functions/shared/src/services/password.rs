//! A signed-in user's own account: changing the password (the temporary one for their own, or
//! their own for a new one), signing out everywhere, and the "your password was changed" email
//! that every change and every reset sends.

use secrecy::{ExposeSecret, SecretString};

use super::limits::{keys, LimitError, OverLimit};
use super::sign_in::{take_login_slots, temporary_password_works};
use super::{Services, Session};
use crate::domain::password::normalise;
use crate::domain::user::new_session_version;
use chrono::{DateTime, Utc};

use crate::config::RateLimits;
use crate::domain::{
    Actor, AuditAction, AuditEvent, Contacts, DeviceKeys, NewPassword, PasswordPolicy,
    PasswordRejected, SessionKeys, User, UserStatus,
};
use crate::emails::PasswordChangedEmail;
use crate::hashing::{HashError, PasswordHasher, Verified};
use crate::ports::{BreachedPasswords, Clock, Limits, Mailer, SessionChange, StoreError, Users};
use crate::telemetry::log_unexpected;

/// The longest the "your password was changed" email may hold a request whose change is
/// already stored.
pub const NOTICE_SEND_LIMIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// What a signed-in user sends to change their password. `current` is not needed while they are
/// on the temporary password (they typed it to sign in moments ago); `confirmation` is `None`
/// for API callers.
pub struct ChangePasswordRequest {
    pub current: Option<SecretString>,
    pub password: SecretString,
    pub confirmation: Option<SecretString>,
    /// The request's device tokens (the browser's cookie, or an app's `deviceToken`): from a
    /// known device of this user, a wrong current password counts against that device only.
    pub device_tokens: Vec<String>,
    /// The session proved a passkey less than 5 minutes ago: a user with no password (set up
    /// with a passkey) may then choose one without a current password (API.md, "Passkeys").
    pub fresh_passkey: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    /// The current password is missing or wrong.
    #[error("the current password does not match")]
    WrongCurrentPassword { missing: bool },
    #[error("the new password is not accepted: {0}")]
    Password(PasswordRejected),
    #[error("the password and its confirmation differ")]
    Confirmation,
    #[error(transparent)]
    TooManyAttempts(#[from] OverLimit),
    /// The session ended meanwhile (another change, a reset, a sign-out everywhere).
    #[error("the session is no longer current")]
    SessionEnded,
    /// A user without a password (a passkey's) chooses one only right after signing in with
    /// the passkey.
    #[error("sign in again with the passkey first")]
    Reauthenticate,
    #[error("hashing the new password")]
    Hash(#[from] HashError),
    #[error("changing the password")]
    Store(#[source] StoreError),
}

/// Why a new password is refused, at its field.
pub enum NewPasswordProblem {
    Password(PasswordRejected),
    Confirmation,
}

impl From<NewPasswordProblem> for ChangePasswordError {
    fn from(p: NewPasswordProblem) -> Self {
        match p {
            NewPasswordProblem::Password(m) => Self::Password(m),
            NewPasswordProblem::Confirmation => Self::Confirmation,
        }
    }
}

/// A signed-in user's own account, holding only what it uses: users and the sign-in failure
/// counters, the clock, the hasher, the breached-password check, the policy, the session and device keys,
/// the mailer and public address of the notice, and the configuration's limits and
/// temporary-password lifetime.
pub struct OwnAccount<'a> {
    pub users: &'a dyn Users,
    pub limits: &'a dyn Limits,
    pub clock: &'a dyn Clock,
    pub hasher: &'a PasswordHasher,
    pub breached: &'a dyn BreachedPasswords,
    pub policy: &'a PasswordPolicy,
    pub sessions: &'a SessionKeys,
    pub devices: &'a DeviceKeys,
    pub mailer: &'a dyn Mailer,
    pub public_base_url: &'a str,
    /// The language of the "password changed" email.
    pub langs: crate::i18n::Langs,
    pub rate_limits: RateLimits,
    pub temp_password_ttl: Option<chrono::Duration>,
}

impl Services {
    /// The own-account use case on this app's ports.
    pub fn own_account_case(&self) -> OwnAccount<'_> {
        OwnAccount {
            users: self.store.as_ref(),
            limits: self.store.as_ref(),
            clock: self.clock.as_ref(),
            hasher: &self.hasher,
            breached: self.breached.as_ref(),
            policy: &self.policy,
            sessions: &self.sessions,
            devices: &self.devices,
            mailer: self.mailer.as_ref(),
            public_base_url: &self.config.public_base_url,
            langs: self.config.langs(),
            rate_limits: self.config.rate_limits,
            temp_password_ttl: self.config.temp_password_ttl,
        }
    }

    /// [`OwnAccount::change_password`].
    pub async fn change_password(
        &self,
        user: User,
        request: ChangePasswordRequest,
        source_ip: &str,
    ) -> Result<Session, ChangePasswordError> {
        self.own_account_case()
            .change_password(user, request, source_ip)
            .await
    }

    /// [`OwnAccount::sign_out_everywhere`].
    pub async fn sign_out_everywhere(&self, user: &User) -> Result<(), StoreError> {
        self.own_account_case().sign_out_everywhere(user).await
    }
}

impl OwnAccount<'_> {
    /// Sets a new password for the signed-in `user` (as their session showed them), ends every
    /// other session and link, emails the notice, and starts a fresh session.
    pub async fn change_password(
        &self,
        user: User,
        request: ChangePasswordRequest,
        source_ip: &str,
    ) -> Result<Session, ChangePasswordError> {
        // A session from a temporary password that has run out (`TEMP_PASSWORD_TTL`) may not
        // set the password without one: it could not sign in again either.
        if !user.has_own_credential()
            && !temporary_password_works(self.temp_password_ttl, &user, self.clock.now())
        {
            return Err(ChangePasswordError::SessionEnded);
        }
        // A passkey's user without a password has none to type: a passkey just proved instead.
        if user.password_hash.is_none() && !user.passkeys.is_empty() && !request.fresh_passkey {
            return Err(ChangePasswordError::Reauthenticate);
        }
        let context = password_context(&user.contacts, user.org_name.as_deref());
        let password = check_new_password(
            self.policy,
            &request.password,
            request.confirmation.as_ref(),
            context,
        )?;
        // The new session's `amr`: the current password proved again; for a first password
        // chosen from a temporary-password session (nothing typed again), still `tmp`; after a
        // passkey's sign-in, the passkey.
        let proof = match user.password_hash.clone() {
            Some(own) => {
                self.check_current_password(&user, own, &request, source_ip)
                    .await?;
                crate::domain::session::Proof::Password
            }
            None if request.fresh_passkey => crate::domain::session::Proof::Passkey,
            None => crate::domain::session::Proof::TemporaryPassword,
        };
        if self.breached.is_breached(&request.password).await {
            return Err(ChangePasswordError::Password(PasswordRejected::breached(
                super::BREACHED_PASSWORD,
            )));
        }
        let hash = self.hasher.hash_async(password.secret().clone()).await?;
        let change = SessionChange::of(&user, new_session_version());
        // An invited tech choosing their own password after signing in with the temporary one
        // accepts the invite (the write moves them to `active`); anyone else changes theirs.
        let event = if user.status == UserStatus::Invited && !user.has_own_credential() {
            AuditEvent::about_user(
                AuditAction::InviteAccepted,
                Actor::user(&user.id),
                &user,
                self.clock.now(),
            )
            .with("credential", "password")
            .with("via", "temporary_password")
        } else {
            AuditEvent::about_user(
                AuditAction::PasswordChanged,
                Actor::user(&user.id),
                &user,
                self.clock.now(),
            )
            .with("first", user.password_hash.is_none())
        };
        let user = match self.users.change_password(&change, &hash, &[event]).await {
            Ok(u) => u,
            Err(StoreError::Conflict | StoreError::UserNotFound) => {
                return Err(ChangePasswordError::SessionEnded)
            }
            Err(e) => return Err(ChangePasswordError::Store(e)),
        };
        tracing::info!(audit = "password_changed", user_id = %user.id.0, org_id = %user.org_id.0);
        notify_password_changed(
            self.mailer,
            self.public_base_url,
            self.langs,
            &user,
            self.clock.now(),
        )
        .await;
        Ok(Session::start(
            self.sessions,
            self.devices,
            user,
            self.clock.now(),
            proof,
        ))
    }

    /// A user with their own password proves it again, under the sign-in limits (a known
    /// device's own, as for a sign-in): a stolen session must not become a way to guess the
    /// password without them, and failures elsewhere must not keep the owner from changing it.
    async fn check_current_password(
        &self,
        user: &User,
        own_hash: String,
        request: &ChangePasswordRequest,
        source_ip: &str,
    ) -> Result<(), ChangePasswordError> {
        let device_tokens = &request.device_tokens;
        let current = request
            .current
            .as_ref()
            .filter(|c| !c.expose_secret().is_empty())
            .ok_or(ChangePasswordError::WrongCurrentPassword { missing: true })?;
        let rl = self.rate_limits;
        let now = self.clock.now();
        let device_tokens: Vec<&str> = device_tokens.iter().map(String::as_str).collect();
        let limits = match take_login_slots(
            self.limits,
            self.devices,
            Some(user),
            &user.home(),
            source_ip,
            &device_tokens,
            &rl,
            now,
        )
        .await
        {
            Ok(limits) => limits,
            Err(LimitError::Over(over)) => return Err(over.into()),
            Err(LimitError::Store(e)) => return Err(ChangePasswordError::Store(e)),
        };
        let verified = self
            .hasher
            .verify_async(normalise(current.expose_secret()), Some(own_hash))
            .await;
        if verified == Verified::No {
            tracing::info!(audit = "password_change_refused", user_id = %user.id.0);
            return Err(ChangePasswordError::WrongCurrentPassword { missing: false });
        }
        if let Err(e) = self
            .limits
            .give_back_slots(&keys(&limits), rl.login_window, now)
            .await
        {
            log_unexpected("giving back password-change slots", &e);
        }
        Ok(())
    }

    /// Ends every session of `user` (as their session showed them): sign-out everywhere. If
    /// the session version moved meanwhile (a password changed at the same moment, which issued
    /// a fresh session), the user is read again and that version ended too.
    pub async fn sign_out_everywhere(&self, user: &User) -> Result<(), StoreError> {
        let mut current = user.session_version.clone();
        for _ in 0..3 {
            let change = SessionChange {
                user_id: user.id.clone(),
                home: user.home(),
                session_version: current,
                new_session_version: new_session_version(),
            };
            let event = AuditEvent::about_user(
                AuditAction::SessionsRevoked,
                Actor::user(&user.id),
                user,
                self.clock.now(),
            );
            match self.users.end_sessions(&change, &[event]).await {
                Ok(()) => {
                    tracing::info!(audit = "signed_out_everywhere", user_id = %user.id.0);
                    return Ok(());
                }
                Err(StoreError::Conflict) => {}
                // Gone (cancelled meanwhile): no session of theirs is left to end.
                Err(StoreError::UserNotFound) => return Ok(()),
                Err(e) => return Err(e),
            }
            match self.users.user_by(&user.home()).await? {
                Some(u) if u.id == user.id => current = u.session_version,
                _ => return Ok(()),
            }
        }
        Err(StoreError::Conflict)
    }
}

/// What a password may not be built from: the user's email, phone and organisation's name.
pub(crate) fn password_context<'a>(
    contacts: &'a Contacts,
    org_name: Option<&'a str>,
) -> [&'a str; 3] {
    [
        contacts.email.as_ref().map_or("", |e| e.as_str()),
        contacts.phone.as_ref().map_or("", |p| p.as_str()),
        org_name.unwrap_or(""),
    ]
}

/// The policy (with [`password_context`]), then the confirmation, each reported on its own so a
/// form can show it next to its field.
pub(crate) fn check_new_password(
    policy: &PasswordPolicy,
    password: &SecretString,
    confirmation: Option<&SecretString>,
    context: [&str; 3],
) -> Result<NewPassword, NewPasswordProblem> {
    let password = password.expose_secret();
    if password.is_empty() {
        return Err(NewPasswordProblem::Password(PasswordRejected::missing()));
    }
    let checked = NewPassword::parse(password, None, policy, &context)
        .map_err(NewPasswordProblem::Password)?;
    if confirmation.is_some_and(|c| c.expose_secret() != password) {
        return Err(NewPasswordProblem::Confirmation);
    }
    Ok(checked)
}

/// Tells `user` their password was changed (at `at`). The change stands either way: a mail
/// service that fails, or takes longer than [`NOTICE_SEND_LIMIT`], is logged, not shown as a
/// failed change (the request must not run into its timeout after the change was stored).
pub(crate) async fn notify_password_changed(
    mailer: &dyn Mailer,
    public_base_url: &str,
    langs: crate::i18n::Langs,
    user: &User,
    at: DateTime<Utc>,
) {
    // A user without an email hears of it at their next sign-in (texts are kept for links).
    let Some(to) = user.email() else {
        return;
    };
    let message = PasswordChangedEmail {
        lang: langs.for_user(user),
        to,
        org_name: user.org_name.as_deref(),
        at,
        public_base_url,
    }
    .render();
    match tokio::time::timeout(NOTICE_SEND_LIMIT, mailer.send(&message)).await {
        Ok(Ok(_message_id)) => {}
        Ok(Err(e)) => log_unexpected("sending the password-changed email", &e),
        Err(_) => tracing::error!(
            context = "sending the password-changed email",
            "the mail service took too long; the email was not sent"
        ),
    }
}
