//! Setup and reset links: opening one (a GET never consumes it, since mail scanners open
//! links) and redeeming it, which sets the password and signs the user in.

use secrecy::SecretString;

use super::password::{check_new_password, notify_password_changed, NewPasswordProblem};
use super::{Services, Session};
use crate::domain::token::parse_token;
use crate::domain::user::new_session_version;
use crate::domain::{
    DeviceKeys, LinkProblem, NewPassword, PasswordPolicy, SessionKeys, TokenHash, TokenPurpose,
    TokenRecord,
};
use crate::hashing::{HashError, PasswordHasher};
use crate::ports::{BreachedPasswords, Clock, Links, Mailer, Redemption, StoreError, Users};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the link has no token")]
    Missing,
    #[error(transparent)]
    Problem(#[from] LinkProblem),
    #[error("looking the link up")]
    Store(#[source] StoreError),
}

/// What a tech sends to redeem a link. `confirmation` is `None` for API callers, who may send
/// the password once.
pub struct RedeemRequest {
    pub token: Option<String>,
    pub password: SecretString,
    pub confirmation: Option<SecretString>,
}

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The password breaks the policy; the link stays valid. `record` is the link's, so the form
    /// can be shown again.
    #[error("the new password is not accepted: {message}")]
    Password {
        record: Box<TokenRecord>,
        message: String,
    },
    #[error("the password and its confirmation differ")]
    Confirmation { record: Box<TokenRecord> },
    #[error("hashing the new password")]
    Hash(#[from] HashError),
    #[error("redeeming the link")]
    Store(#[source] StoreError),
}

/// Opening and redeeming a link, holding only what it uses: links and users, the clock, the
/// hasher, the breached-password check, the password policy, the session and device keys, and the mailer
/// and public address of the "password changed" email a reset sends.
pub struct RedeemLink<'a> {
    pub links: &'a dyn Links,
    pub users: &'a dyn Users,
    pub clock: &'a dyn Clock,
    pub hasher: &'a PasswordHasher,
    pub breached: &'a dyn BreachedPasswords,
    pub policy: &'a PasswordPolicy,
    pub sessions: &'a SessionKeys,
    pub devices: &'a DeviceKeys,
    pub mailer: &'a dyn Mailer,
    pub public_base_url: &'a str,
}

impl Services {
    /// The link use case on this app's ports.
    pub fn redeem_case(&self) -> RedeemLink<'_> {
        RedeemLink {
            links: self.store.as_ref(),
            users: self.store.as_ref(),
            clock: self.clock.as_ref(),
            hasher: &self.hasher,
            breached: self.breached.as_ref(),
            policy: &self.policy,
            sessions: &self.sessions,
            devices: &self.devices,
            mailer: self.mailer.as_ref(),
            public_base_url: &self.config.public_base_url,
        }
    }

    /// What the link's page needs before showing the form ([`RedeemLink::open`]).
    pub async fn open_link(
        &self,
        purpose: TokenPurpose,
        raw: Option<&str>,
    ) -> Result<TokenRecord, LinkError> {
        self.redeem_case().open(purpose, raw).await
    }

    /// Consumes the link and signs the user in ([`RedeemLink::redeem`]).
    pub async fn redeem(
        &self,
        purpose: TokenPurpose,
        request: RedeemRequest,
    ) -> Result<Session, RedeemError> {
        self.redeem_case().redeem(purpose, request).await
    }
}

impl RedeemLink<'_> {
    /// The token behind a link, if it can still be used now: right purpose, unused, unexpired.
    async fn find_token(
        &self,
        purpose: TokenPurpose,
        raw: Option<&str>,
    ) -> Result<TokenRecord, LinkError> {
        let raw = raw
            .filter(|r| !r.trim().is_empty())
            .ok_or(LinkError::Missing)?;
        let token = parse_token(raw).ok_or(LinkProblem::Invalid)?;
        let record = self
            .links
            .token(&TokenHash::of(token))
            .await
            .map_err(LinkError::Store)?
            .ok_or(LinkProblem::Invalid)?;
        record.check(purpose, self.clock.now())?;
        Ok(record)
    }

    /// What the link's page needs before showing the form: a live token whose user has not
    /// moved on (a newer link of the same kind, or a password set since, kills it).
    pub async fn open(
        &self,
        purpose: TokenPurpose,
        raw: Option<&str>,
    ) -> Result<TokenRecord, LinkError> {
        let record = self.find_token(purpose, raw).await?;
        // By email, the token's copy of it: one read where the id would take two on DynamoDB.
        let user = self
            .users
            .user_by_email(&record.email)
            .await
            .map_err(LinkError::Store)?;
        record.check_user(user.as_ref())?;
        Ok(record)
    }

    /// Consumes the link, sets the password, ends every other link and session of the user, and
    /// signs them in.
    pub async fn redeem(
        &self,
        purpose: TokenPurpose,
        request: RedeemRequest,
    ) -> Result<Session, RedeemError> {
        let record = self.find_token(purpose, request.token.as_deref()).await?;
        let password = self.check_redeemed_password(&record, &request)?;
        // After the local checks, so only a password that passes them is looked up at all.
        if self.breached.is_breached(&request.password).await {
            return Err(RedeemError::Password {
                record: Box::new(record),
                message: super::BREACHED_PASSWORD.to_owned(),
            });
        }
        let password_hash = self.hasher.hash_async(password.secret().clone()).await?;
        let redemption = Redemption {
            token: record,
            password_hash,
            new_session_version: new_session_version(),
            now: self.clock.now(),
        };
        let user = match self.links.redeem_token(&redemption).await {
            Ok(u) => u,
            Err(StoreError::TokenUsed) => return Err(LinkError::from(LinkProblem::Used).into()),
            Err(StoreError::TokenExpired) => {
                return Err(LinkError::from(LinkProblem::Expired).into())
            }
            Err(StoreError::TokenInvalid) => {
                return Err(LinkError::from(LinkProblem::Invalid).into())
            }
            Err(e) => return Err(RedeemError::Store(e)),
        };
        let audit = match purpose {
            TokenPurpose::Setup => "setup_completed",
            TokenPurpose::Reset => "password_reset",
        };
        tracing::info!(audit, user_id = %user.id.0, org_id = %user.org_id.0);
        if purpose == TokenPurpose::Reset {
            // A reset replaces a password someone else may have known: tell the owner.
            notify_password_changed(self.mailer, self.public_base_url, &user, self.clock.now())
                .await;
        }
        Ok(Session::start(
            self.sessions,
            self.devices,
            user,
            self.clock.now(),
        ))
    }

    /// The new password's checks (`check_new_password`), refused with the link's record so the
    /// form can be shown again.
    fn check_redeemed_password(
        &self,
        record: &TokenRecord,
        request: &RedeemRequest,
    ) -> Result<NewPassword, RedeemError> {
        let context = [
            record.email.as_str(),
            record.org_name.as_deref().unwrap_or(""),
        ];
        check_new_password(
            self.policy,
            &request.password,
            request.confirmation.as_ref(),
            context,
        )
        .map_err(|problem| match problem {
            NewPasswordProblem::Password(message) => RedeemError::Password {
                record: Box::new(record.clone()),
                message,
            },
            NewPasswordProblem::Confirmation => RedeemError::Confirmation {
                record: Box::new(record.clone()),
            },
        })
    }
}
