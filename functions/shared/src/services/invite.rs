//! Inviting: a new user with their first setup link and the welcome email, a fresh link for a
//! user who lost theirs, and reading a user of the admin's organisation.

use chrono::Duration;
use secrecy::{ExposeSecret, SecretString};

use super::{log_unexpected, Services};
use crate::domain::token::issue;
use crate::domain::{
    EmailAddress, Invite, InviteStatus, IssuedToken, NewUser, PasswordRejected, Role,
    TemporaryPassword, TokenPurpose, User, UserId, UserStatus,
};
use crate::emails::WelcomeEmail;
use crate::hashing::HashError;
use crate::ports::StoreError;

/// What an admin asks for when inviting a tech, parsed at the edge except the temporary
/// password, whose policy needs the organisation's name.
pub struct InviteRequest {
    pub email: EmailAddress,
    /// `None`: no temporary password (batch rows only); the tech has the link and forgot-password.
    pub temporary_password: Option<SecretString>,
    pub name: Option<String>,
    pub role: Role,
    pub options: InviteOptions,
}

/// How the setup link reaches the tech: by email, or handed to the admin to pass on in person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delivery {
    #[default]
    Email,
    Link,
}

/// What an admin may choose about one invite (on `POST /users` and on a resend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct InviteOptions {
    pub delivery: Delivery,
    /// The setup link's lifetime in days (1 to [`MAX_INVITE_DAYS`], checked at the edge);
    /// `None`: the configured setup-link lifetime.
    pub expires_in_days: Option<u32>,
    /// Write the welcome email's job and leave the sending to the sweep (a batch).
    pub queue_only: bool,
}

/// The longest an invite's link may last, in days.
pub const MAX_INVITE_DAYS: u32 = 30;

impl InviteOptions {
    fn lifetime(&self, default: Duration) -> Duration {
        self.expires_in_days
            .map_or(default, |days| Duration::days(i64::from(days)))
    }
}

/// An invite as it came out: the user with their invite, and, for [`Delivery::Link`], the setup
/// link for the admin to hand over (never stored, never logged).
pub struct Invited {
    pub user: User,
    pub link: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("the temporary password is not accepted: {0}")]
    TemporaryPassword(#[source] PasswordRejected),
    #[error("a user with this email already exists")]
    EmailTaken,
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

/// A concurrent resend or redemption changes a user's generation; an issue is retried this often.
const ISSUE_ATTEMPTS: usize = 3;

impl Services {
    /// `user.create`: the tech joins the admin's organisation, gets a 7-day setup link by email,
    /// and the temporary password signs them in until they choose their own. A welcome email
    /// that cannot be sent leaves the user in place with the invite marked `failed`.
    pub async fn invite(
        &self,
        admin: &User,
        request: InviteRequest,
    ) -> Result<Invited, InviteError> {
        let org_name = admin.org_name.clone();
        let temporary_hash = match &request.temporary_password {
            None => None,
            Some(password) => {
                let context = [request.email.as_str(), org_name.as_deref().unwrap_or("")];
                let temporary =
                    TemporaryPassword::parse(password.expose_secret(), &self.policy, &context)
                        .map_err(InviteError::TemporaryPassword)?;
                if self.breached.is_breached(password).await {
                    return Err(InviteError::TemporaryPassword(PasswordRejected {
                        message: super::BREACHED_PASSWORD.to_owned(),
                    }));
                }
                Some(self.hasher.hash_async(temporary.secret().clone()).await?)
            }
        };
        let options = request.options;
        let lifetime = options.lifetime(self.config.setup_token_ttl);
        let status = match options.delivery {
            Delivery::Email => InviteStatus::Sent,
            Delivery::Link => InviteStatus::Manual,
        };
        let (mut user, token) = self
            .create_invited(
                NewUser {
                    org_id: admin.org_id.clone(),
                    org_name,
                    email: request.email,
                    name: request.name,
                    role: request.role,
                    temporary_password_hash: temporary_hash,
                },
                lifetime,
                status,
            )
            .await
            .map_err(|e| match e {
                StoreError::EmailTaken => InviteError::EmailTaken,
                e => InviteError::Store(e),
            })?;
        tracing::info!(audit = "user_created", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0, role = user.role.as_str());
        let link = match options.delivery {
            Delivery::Email => {
                self.send_welcome(&mut user, &token, lifetime).await;
                None
            }
            Delivery::Link => {
                tracing::info!(audit = "invite_link_handed_over", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
                Some(self.link_of(&token))
            }
        };
        Ok(Invited { user, link })
    }

    /// The setup link of `token`, on the configured public base URL.
    fn link_of(&self, token: &IssuedToken) -> SecretString {
        SecretString::from(token.link(&self.config.public_base_url))
    }

    /// Stores an invited user with their first setup link, in one store call (the email's
    /// uniqueness checked in the same write). The welcome email is the caller's next step.
    pub(crate) async fn create_invited(
        &self,
        new: NewUser,
        lifetime: Duration,
        status: InviteStatus,
    ) -> Result<(User, IssuedToken), StoreError> {
        let now = self.now();
        let expires_at = now + lifetime;
        let invite = Invite::new(status, expires_at);
        let user = User::new_invited(new, now, invite);
        let token = issue(
            TokenPurpose::Setup,
            user.token_subject(),
            user.setup_generation,
            now,
            lifetime,
        );
        self.store.create_user(&user, Some(&token.record)).await?;
        Ok((user, token))
    }

    /// Sends the welcome email and records on `user` and in the store whether it reached the mail
    /// service, and the id it was given (which its delivery events name). Never fails: the user
    /// exists either way and the admin can resend.
    pub(crate) async fn send_welcome(
        &self,
        user: &mut User,
        token: &IssuedToken,
        lifetime: Duration,
    ) {
        let Some(message_id) = self.deliver_welcome(user, token, lifetime).await else {
            self.record_failed_invite(user).await;
            return;
        };
        if let Some(invite) = user.invite.as_mut() {
            invite.status = InviteStatus::Sent;
            invite.message_id = Some(message_id.clone()).filter(|id| !id.is_empty());
            invite.bounce_type = None;
        }
        if message_id.is_empty() {
            return;
        }
        // The invite is already stored `sent`: a failure here only loses the email's later
        // events (the invite keeps showing `sent`), so it is logged, not answered.
        if let Err(e) = self
            .store
            .record_invite_email(user, &message_id, self.now())
            .await
        {
            log_unexpected("recording the welcome email's message id", &e);
        }
    }

    /// Hands the welcome email with `token`'s link to the mail service; the id it gave the email
    /// (possibly empty), or `None` when it did not take it.
    async fn deliver_welcome(
        &self,
        user: &User,
        token: &IssuedToken,
        lifetime: Duration,
    ) -> Option<String> {
        let message = WelcomeEmail {
            to: &user.email,
            name: user.name.as_deref(),
            org_name: user.org_name.as_deref(),
            token,
            public_base_url: &self.config.public_base_url,
            lifetime,
        }
        .render();
        match self.mailer.send(&message).await {
            Ok(message_id) => {
                tracing::info!(audit = "invite_sent", user_id = %user.id.0, org_id = %user.org_id.0, message_id = %message_id);
                Some(message_id)
            }
            Err(e) => {
                tracing::warn!(audit = "invite_failed", user_id = %user.id.0, org_id = %user.org_id.0, error = %e);
                None
            }
        }
    }

    /// Marks the invite `failed` on `user` and in the store; only the status changes, so whatever
    /// setup link the user holds keeps working.
    async fn record_failed_invite(&self, user: &mut User) {
        if let Err(e) = self
            .store
            .set_invite_status(&user.id, InviteStatus::Failed)
            .await
        {
            log_unexpected("recording a failed invite", &e);
        }
        if let Some(invite) = user.invite.as_mut() {
            invite.status = InviteStatus::Failed;
        }
    }

    /// A user of the admin's organisation: another organisation's users do not exist here.
    pub async fn user_in_org(&self, admin: &User, id: &str) -> Result<User, FindUserError> {
        if id.is_empty() || id.len() > 64 {
            return Err(FindUserError::NotFound);
        }
        match self.store.user_by_id(&UserId(id.to_owned())).await? {
            Some(u) if u.org_id == admin.org_id => Ok(u),
            _ => Err(FindUserError::NotFound),
        }
    }

    /// A fresh setup link for a user who has not set a password yet; every earlier setup link of
    /// theirs stops working once the new one is emailed (or, with [`Delivery::Link`], handed to
    /// the admin). Returns the user with the new invite (`failed`, and the earlier link still
    /// alive, when the email could not be sent).
    pub async fn resend_invite(
        &self,
        admin: &User,
        id: &str,
        options: InviteOptions,
    ) -> Result<Invited, ResendError> {
        let lifetime = options.lifetime(self.config.setup_token_ttl);
        for _ in 0..ISSUE_ATTEMPTS {
            let mut user = self.user_in_org(admin, id).await?;
            match user.status {
                UserStatus::Active => return Err(ResendError::AlreadyActive),
                UserStatus::Disabled => return Err(ResendError::Disabled),
                UserStatus::Invited => {}
            }
            let now = self.now();
            let token = issue(
                TokenPurpose::Setup,
                user.token_subject(),
                user.setup_generation + 1,
                now,
                lifetime,
            );
            // Send first, store second (the reasons are at `forgot::send_reset_link`): storing the
            // new token kills the user's earlier setup link, so a send that fails stores nothing
            // and only marks the invite `failed`, and the earlier link keeps working.
            let mut invite = Invite::new(InviteStatus::Manual, token.record.expires_at);
            if options.delivery == Delivery::Email {
                let Some(message_id) = self.deliver_welcome(&user, &token, lifetime).await else {
                    self.record_failed_invite(&mut user).await;
                    return Ok(Invited { user, link: None });
                };
                invite.status = InviteStatus::Sent;
                // The new email's id, stored with the new link: events about earlier emails
                // stop counting in the same write.
                invite.message_id = Some(message_id).filter(|id| !id.is_empty());
            }
            let status = invite.status;
            match self.store.issue_token(&token.record, Some(&invite)).await {
                Ok(()) => {}
                // Another resend or the password came in between: the link just emailed is dead.
                // Retrying emails a fresh one, so the newest email in the user's inbox works.
                Err(StoreError::Conflict) => continue,
                Err(StoreError::AlreadyActive) => return Err(ResendError::AlreadyActive),
                Err(StoreError::UserNotFound) => return Err(ResendError::NotFound),
                Err(e) => {
                    tracing::warn!(audit = "invite_link_dead", user_id = %user.id.0, "the new setup link was not stored; the earlier one still works");
                    return Err(ResendError::Store(e));
                }
            }
            tracing::info!(audit = "invite_resent", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0, manual = status == InviteStatus::Manual);
            user.invite = Some(invite);
            let link = (options.delivery == Delivery::Link).then(|| self.link_of(&token));
            return Ok(Invited { user, link });
        }
        Err(ResendError::Store(StoreError::Conflict))
    }
}
