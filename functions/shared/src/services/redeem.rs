//! Setup and reset links: opening one (a GET never consumes it, since mail scanners open
//! links) and redeeming it, which sets the password and signs the user in.

use secrecy::{ExposeSecret, SecretString};

use super::codes::{CodeError, TypedCode};
use super::password::{check_new_password, notify_password_changed, NewPasswordProblem};
use super::{Services, Session};
use crate::config::RateLimits;
use crate::domain::token::parse_token;
use crate::domain::user::new_session_version;
use crate::domain::{
    AuditEvent, CodeKeys, DeviceKeys, LinkProblem, Locale, NewPassword, PasswordPolicy,
    PasswordRejected, SessionKeys, TokenHash, TokenPurpose, TokenRecord, User, UserStatus,
};
use crate::hashing::{HashError, PasswordHasher};
use crate::ports::{
    BreachedPasswords, Clock, Limits, Links, Mailer, NewCredential, Redemption, StoreError, Users,
};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("the link has no token")]
    Missing,
    /// A code came without the email it belongs to.
    #[error("a code needs the email it was sent to")]
    MissingIdentifier,
    #[error(transparent)]
    Problem(#[from] LinkProblem),
    #[error("looking the link up")]
    Store(#[source] StoreError),
}

/// What a tech sends to redeem a link. `confirmation` is `None` for API callers, who may send
/// the password once.
pub struct RedeemRequest {
    pub credential: Credential,
    pub password: SecretString,
    pub confirmation: Option<SecretString>,
    /// The language the tech explicitly chose on the page (the menu or `?lang`), which becomes
    /// their locale with the password; `None` (a language merely guessed, or an API caller)
    /// leaves the admin's choice as it is.
    pub locale: Option<Locale>,
}

/// The link's token, or the code beside it with who the tech says they are.
pub enum Credential {
    Link(Option<String>),
    Code {
        identifier: String,
        code: SecretString,
        source_ip: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum RedeemError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error(transparent)]
    Code(#[from] CodeError),
    /// The password breaks the policy; the link stays valid. `record` is the link's, so the form
    /// can be shown again; `None` before a typed code was verified (the page then says nothing
    /// about whose the code is).
    #[error("the new password is not accepted: {message}")]
    Password {
        record: Option<Box<TokenRecord>>,
        message: PasswordRejected,
    },
    #[error("the password and its confirmation differ")]
    Confirmation { record: Option<Box<TokenRecord>> },
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
    /// The language of the "password changed" email.
    pub langs: crate::i18n::Langs,
    /// A typed code's limits (`codes.rs`): counters, the key its hash is checked with, the
    /// configuration's limits and the floor of its refusals.
    pub limits: &'a dyn Limits,
    pub codes: &'a CodeKeys,
    pub rate_limits: RateLimits,
    pub min_response: chrono::Duration,
    /// How a typed mobile number is read (`DEFAULT_PHONE_REGION`).
    pub phone_rules: &'a crate::domain::PhoneRules,
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
            langs: self.config.langs(),
            limits: self.store.as_ref(),
            codes: &self.codes,
            rate_limits: self.config.rate_limits,
            min_response: self.config.forgot_min_response,
            phone_rules: &self.config.sms.rules,
        }
    }

    /// What the link's page needs before showing the form ([`RedeemLink::open`]), and the user
    /// as that read found them (the reset page lists their passkeys).
    pub async fn open_link(
        &self,
        purpose: TokenPurpose,
        raw: Option<&str>,
    ) -> Result<(TokenRecord, User), LinkError> {
        self.redeem_case().open_with_user(purpose, raw).await
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
    /// The page a short link (`/s/{token}`, in text messages) opens: the reset page for a reset
    /// link, the setup page for anything else (that page then says what is wrong with it). One
    /// read, nothing consumed or counted; a store that fails leads to the setup page too, which
    /// reads again and answers as the contract says.
    pub async fn short_link_purpose(&self, raw: &str) -> TokenPurpose {
        let Some(token) = parse_token(raw) else {
            return TokenPurpose::Setup;
        };
        match self.links.token(&TokenHash::of(token)).await {
            Ok(Some(record)) => record.purpose,
            Ok(None) => TokenPurpose::Setup,
            Err(e) => {
                crate::telemetry::log_unexpected("reading a short link's token", &e);
                TokenPurpose::Setup
            }
        }
    }

    /// The token behind a link, if it can still be used now: right purpose, unused, unexpired.
    pub(super) async fn find_token(
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
        Ok(self.open_with_user(purpose, raw).await?.0)
    }

    /// [`Self::open`], with the user as the page's read found them.
    pub(super) async fn open_with_user(
        &self,
        purpose: TokenPurpose,
        raw: Option<&str>,
    ) -> Result<(TokenRecord, User), LinkError> {
        let record = self.find_token(purpose, raw).await?;
        // By the identifier the user is filed under, the token's copy of it: one read where the
        // id would take two on DynamoDB.
        let user = self
            .users
            .user_by(&record.contacts.home())
            .await
            .map_err(LinkError::Store)?;
        record.check_user(user.as_ref())?;
        let user = user.ok_or(LinkProblem::Invalid)?;
        // The page speaks the user's locale as it is now (an admin may have changed it since
        // the link went out), not the link's copy.
        let mut record = record;
        record.locale = user.locale.or(record.locale);
        Ok((record, user))
    }

    /// Consumes the link, sets the password, ends every other link and session of the user, and
    /// signs them in.
    pub async fn redeem(
        &self,
        purpose: TokenPurpose,
        request: RedeemRequest,
    ) -> Result<Session, RedeemError> {
        let by_code = matches!(request.credential, Credential::Code { .. });
        let record = match &request.credential {
            Credential::Link(token) => self.find_token(purpose, token.as_deref()).await?,
            Credential::Code {
                identifier,
                code,
                source_ip,
            } => {
                if identifier.trim().is_empty() {
                    return Err(LinkError::MissingIdentifier.into());
                }
                // The policy as far as it can be judged without knowing whose code it is, so a
                // password that fails it costs no guess; the rest once the code is verified.
                check_new_password(
                    self.policy,
                    &request.password,
                    request.confirmation.as_ref(),
                    [identifier.trim(), "", ""],
                )
                .map_err(|problem| refused(None, problem))?;
                // Before the code is checked too: a refusal after a verified code would spend
                // one of the link's few checks.
                if self.breached.is_breached(&request.password).await {
                    return Err(RedeemError::Password {
                        record: None,
                        message: PasswordRejected::breached(super::BREACHED_PASSWORD),
                    });
                }
                let typed = TypedCode {
                    identifier: identifier.trim(),
                    code: code.expose_secret(),
                    source_ip,
                };
                self.find_by_code(purpose, &typed).await?
            }
        };
        let password = self.check_redeemed_password(&record, &request)?;
        // After the local checks, so only a password that passes them is looked up at all.
        if !by_code && self.breached.is_breached(&request.password).await {
            return Err(RedeemError::Password {
                record: Some(Box::new(record)),
                message: PasswordRejected::breached(super::BREACHED_PASSWORD),
            });
        }
        let password_hash = self.hasher.hash_async(password.secret().clone()).await?;
        let now = self.clock.now();
        let first_setup = first_setup(self.users, &record)
            .await
            .map_err(RedeemError::Store)?;
        let redemption = Redemption {
            audit: vec![AuditEvent::of_redemption(
                &record,
                "password",
                by_code,
                first_setup,
                now,
            )],
            token: record,
            credential: NewCredential::Password(password_hash),
            new_session_version: new_session_version(),
            now,
            locale: request.locale,
        };
        let user =
            match self.links.redeem_token(&redemption).await {
                Ok(u) => u,
                // A verified code whose link was used or replaced meanwhile: a dead code, answered
                // as every dead code is.
                Err(
                    StoreError::TokenUsed | StoreError::TokenExpired | StoreError::TokenInvalid,
                ) if by_code => return Err(CodeError::Invalid.into()),
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
            // A reset replaces a password someone else may have known: tell the owner. In the
            // locale the redemption answered with: on DynamoDB, unless the tech chose one, the
            // link's copy from when it was issued (at most RESET_TOKEN_TTL ago), since a read of
            // the user for it would cost every reset a round trip (docs/BENCHMARKS.md).
            notify_password_changed(
                self.mailer,
                self.public_base_url,
                self.langs,
                &user,
                self.clock.now(),
            )
            .await;
        }
        // The link, or the code beside it, is what proved who the tech is: the password is new.
        Ok(Session::start(
            self.sessions,
            self.devices,
            user,
            self.clock.now(),
            crate::domain::session::Proof::Code,
        ))
    }

    /// The new password's checks (`check_new_password`), refused with the link's record so the
    /// form can be shown again.
    fn check_redeemed_password(
        &self,
        record: &TokenRecord,
        request: &RedeemRequest,
    ) -> Result<NewPassword, RedeemError> {
        let context =
            super::password::password_context(&record.contacts, record.org_name.as_deref());
        check_new_password(
            self.policy,
            &request.password,
            request.confirmation.as_ref(),
            context,
        )
        .map_err(|problem| refused(Some(record), problem))
    }
}

/// A new password refused, with the link's record when it is known (for the form).
fn refused(record: Option<&TokenRecord>, problem: NewPasswordProblem) -> RedeemError {
    let record = record.map(|r| Box::new(r.clone()));
    match problem {
        NewPasswordProblem::Password(message) => RedeemError::Password { record, message },
        NewPasswordProblem::Confirmation => RedeemError::Confirmation { record },
    }
}

/// Whether redeeming `record` is the user's first setup: always for a setup link; for a reset
/// link, when its user has not set a password or passkey yet (a forgot-password before setup),
/// which the log records as `invite.accepted`. One read, for reset links only; the redemption's
/// write then refuses if the user set up meanwhile (every other link dies with a setup).
pub(crate) async fn first_setup(
    users: &dyn Users,
    record: &TokenRecord,
) -> Result<bool, StoreError> {
    if record.purpose == TokenPurpose::Setup {
        return Ok(true);
    }
    Ok(users
        .user_by(&record.contacts.home())
        .await?
        .is_some_and(|u| u.status == UserStatus::Invited && !u.has_own_credential()))
}
