//! The use cases: invite, resend, read a user, open and redeem a link, sign in, forgot-password,
//! and the first admin. Each operation has its own error enum; the HTTP handlers, the operator
//! tools and the local server call these same operations, and only these talk to the ports.

pub mod batch;
pub mod bootstrap;
pub mod crew;
pub mod delivery;
pub mod forgot;
pub mod invite;
pub mod limits;
pub mod outbox;
pub mod password;
pub mod redeem;
pub mod session;
pub mod sign_in;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::domain::{DeviceKeys, LinkKeys, PasswordPolicy, SessionKeys};
use crate::hashing::{HashError, PasswordHasher};
use crate::ports::{BreachedPasswords, Clock, Mailer, Store};

pub use batch::{RowFailure, MAX_BATCH_ROWS};
pub use crew::{AccountStatusError, CancelInviteError, ListUsersError};
pub use delivery::DeliveryEventError;
pub use forgot::ForgotError;
pub use invite::{
    Delivery, FindUserError, InviteError, InviteOptions, InviteRequest, Invited, ResendError,
};
pub use outbox::{Handled, ScheduleReport};
pub use password::{ChangePasswordError, ChangePasswordRequest};
pub use redeem::{LinkError, RedeemError, RedeemRequest};
pub use session::{AdminError, Session};
pub use sign_in::{SignInError, SignedIn};

/// Why the services cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// What every operation works with, built once at start and shared by every request.
pub struct Services {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasher,
    pub sessions: SessionKeys,
    /// What mail jobs' links are derived with (`domain::mail`): the same secret as sessions.
    pub links: LinkKeys,
    /// What device tokens are tagged with (`domain::device`): a key derived from the same
    /// secret under a label of its own.
    pub devices: DeviceKeys,
    /// Woken when jobs were queued for the sweep (a batch): the local server's schedule runs
    /// at once instead of at its next tick. Nobody waits on it on Lambda.
    pub outbox_wake: tokio::sync::Notify,
    pub policy: PasswordPolicy,
    /// Built from the config (`BREACHED_PASSWORD_API_URL`), so every caller of `new` gets it.
    pub breached: Arc<dyn BreachedPasswords>,
}

/// What a password found in a breach corpus is refused with, at its field.
pub const BREACHED_PASSWORD: &str = "This password has appeared in a data breach, so attackers \
try it first. Choose a different one.";

impl Services {
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, StartError> {
        let hasher = PasswordHasher::new(config.argon2)?;
        let links = LinkKeys::new(config.signing_secrets()?);
        let devices = DeviceKeys::new(config.signing_secrets()?);
        let sessions = SessionKeys::new(
            config.signing_secrets()?,
            &config.session_issuer,
            &config.session_audience,
            config.session_ttl,
        );
        Ok(Self {
            breached: crate::adapters::breached::from_config(&config),
            policy: config.password_policy,
            config,
            store,
            mailer,
            clock,
            hasher,
            sessions,
            links,
            devices,
            outbox_wake: tokio::sync::Notify::new(),
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Logs the whole cause chain of an unexpected failure; callers only ever see an opaque message.
pub fn log_unexpected(context: &str, error: &(dyn std::error::Error + 'static)) {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(context, error = %chain, "unexpected failure");
}
