//! The use cases: invite, resend, read a user, open and redeem a link, sign in, forgot-password,
//! and the first admin. Each operation has its own error enum; the HTTP handlers, the operator
//! tools and the local server call these same operations, and only these talk to the ports.
//!
//! Each use case is a struct of the ports and settings it uses (`SignIn`, `RedeemLink`,
//! `OwnAccount`, `ForgotPassword`, `InviteTech`, `InviteBatch`, `ManageCrew`, `SessionCheck`,
//! `DeliverMail`, `Schedule`, `FirstAdmin`), with its logic on it: a reader following a request
//! sees exactly what it can touch. `Services` holds the app's adapters and settings, builds each
//! case (`Services::<case>_case`) and keeps the entry points the callers use as thin methods.
//! Delivery events are a plain function of the `Invites` port (`delivery::apply_delivery_event`),
//! which the mailer function calls without the rest of `Services`.

pub mod audit;
pub mod batch;
pub mod bootstrap;
pub mod codes;
pub mod correct;
pub mod crew;
pub mod delivery;
pub mod forgot;
pub mod hooks;
pub mod invite;
mod invite_types;
pub mod limits;
pub mod outbox;
mod outbox_texts;
pub mod passkeys;
pub mod password;
pub mod probing;
pub mod redeem;
pub mod schedule;
pub mod session;
pub mod sign_in;
pub mod webhooks;

use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::domain::cursor::CursorKeys;
use crate::domain::{CodeKeys, DeviceKeys, LinkKeys, PasswordPolicy, SessionKeys};
use crate::hashing::{HashError, PasswordHasher};
use crate::ports::{BreachedPasswords, Clock, Mailer, Store, Texter};
use crate::webhooks::{UrlPolicy, WebhookClient};

pub use audit::{AuditEvents, AuditFilter, AuditReadError};
pub use batch::{RowFailure, MAX_BATCH_ROWS};
pub use codes::CodeError;
pub use crew::{AccountStatusError, CancelInviteError, ListUsersError};
pub use delivery::DeliveryEventError;
pub use forgot::ForgotError;
pub use invite::{
    Delivery, FindUserError, InviteError, InviteOptions, InviteRequest, Invited, ResendError,
};
pub use outbox::Handover;
pub use passkeys::PasskeyError;
pub use password::{ChangePasswordError, ChangePasswordRequest};
pub use redeem::{Credential, LinkError, RedeemError, RedeemRequest};
pub use schedule::ScheduleReport;
pub use session::{AdminError, Session};
pub use sign_in::{SignInError, SignedIn};
pub use webhooks::{Registered, WebhookError};

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
    /// Text messages (End User Messaging SMS on AWS, the local outbox locally).
    pub texter: Arc<dyn Texter>,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasher,
    pub sessions: SessionKeys,
    /// What mail jobs' links are derived with (`domain::mail`): the same secret as sessions.
    pub links: LinkKeys,
    /// What device tokens are tagged with (`domain::device`): a key derived from the same
    /// secret under a label of its own.
    pub devices: DeviceKeys,
    /// What one-time codes are hashed under for the store (`domain::code`): a key derived from
    /// the same secret under a label of its own.
    pub codes: CodeKeys,
    /// Woken when jobs were queued for the sweep (a batch): the local server's schedule runs
    /// at once instead of at its next tick. Nobody waits on it on Lambda.
    pub outbox_wake: tokio::sync::Notify,
    pub policy: PasswordPolicy,
    /// Built by the caller with the other adapters (`adapters::breached::from_config`).
    pub breached: Arc<dyn BreachedPasswords>,
    /// The WebAuthn relying party of `PUBLIC_BASE_URL`; `None` when its host is an IP address,
    /// which browsers refuse (passkeys are then not offered).
    pub rp: Option<crate::webauthn::RelyingParty>,
    /// What audit log cursors are signed with (`domain::cursor`): a key derived from the same
    /// secret under a label of its own.
    pub cursors: CursorKeys,
    /// Posts webhooks, judging every address it dials ([`Services::with_webhook_client`]
    /// replaces it in the tests).
    pub webhook_client: WebhookClient,
}

/// What a password found in a breach corpus is refused with, at its field.
pub const BREACHED_PASSWORD: &str = "This password has appeared in a data breach, so attackers \
try it first. Choose a different one.";

impl Services {
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        texter: Arc<dyn Texter>,
        clock: Arc<dyn Clock>,
        breached: Arc<dyn BreachedPasswords>,
    ) -> Result<Self, StartError> {
        let hasher = PasswordHasher::new(config.argon2)?;
        let links = LinkKeys::new(config.signing_secrets()?);
        let devices = DeviceKeys::new(config.signing_secrets()?);
        let codes = CodeKeys::new(config.signing_secrets()?);
        let cursors = CursorKeys::new(config.signing_secrets()?);
        let webhook_client = WebhookClient::new(UrlPolicy {
            allow_loopback_http: config.webhook_allow_loopback,
        });
        let sessions = SessionKeys::new(
            config.signing_secrets()?,
            &config.session_issuer,
            &config.session_audience,
            config.session_ttl,
        );
        Ok(Self {
            rp: crate::webauthn::RelyingParty::from_base_url(&config.public_base_url),
            breached,
            policy: config.password_policy,
            config,
            store,
            mailer,
            texter,
            clock,
            hasher,
            sessions,
            links,
            devices,
            codes,
            cursors,
            webhook_client,
            outbox_wake: tokio::sync::Notify::new(),
        })
    }

    /// These services posting webhooks through `client` (a test's resolver and dialler).
    pub fn with_webhook_client(self, client: WebhookClient) -> Self {
        Self {
            webhook_client: client,
            ..self
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}
