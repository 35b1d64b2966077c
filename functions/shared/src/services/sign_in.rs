//! Signing in with an email and password: the temporary password until the user sets their
//! own, their own after; failures limited per email from one source, per email and per source
//! (`limits`), each attempt taking its slot before the password is checked.

use secrecy::{ExposeSecret, SecretString};

use chrono::{DateTime, Duration, Utc};

use super::limits::{
    keys, per_email, per_email_and_ip, per_ip, take_slots, LimitError, Limited, OverLimit,
};
use super::{Services, Session};
use crate::config::RateLimits;
use crate::domain::password::normalise;
use crate::domain::{DeviceKeys, SessionKeys};
use crate::domain::{Identifier, User, UserStatus};
use crate::hashing::{PasswordHasher, Verified};
use crate::ports::{Clock, Limits, Rehash, StoreError, Users};
use crate::telemetry::log_unexpected;

/// A user who proved who they are. `must_change_password`: signed in with the temporary password.
pub struct SignedIn {
    pub session: Session,
    pub must_change_password: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// An unknown email and a wrong password alike.
    #[error("the email and password do not match an account")]
    InvalidCredentials,
    /// The right password of a disabled account.
    #[error("the account is disabled")]
    Disabled,
    #[error(transparent)]
    TooManyAttempts(#[from] OverLimit),
    #[error("reading the user or the counters")]
    Store(#[from] StoreError),
}

/// Failed sign-ins from one known device in one `login_window` (API.md, "Known devices"), after
/// which its token counts as unknown.
pub const DEVICE_LOGIN_FAILURES: u64 = 5;

/// The sign-in failure limits for `email` from `source_ip` (see `limits`): also what a change of
/// password spends when the current password is checked.
pub(crate) fn login_limits(email: &Identifier, source_ip: &str, rl: &RateLimits) -> [Limited; 3] {
    [
        per_email_and_ip(
            "login",
            email,
            source_ip,
            rl.login_failures_per_email_and_ip,
        ),
        per_email("login", email, rl.login_failures_per_email),
        per_ip("login", source_ip, rl.login_failures_per_ip),
    ]
}

/// Signing in, holding only what it uses: users and their failure counters, the clock, the
/// hasher, the session and device keys, and the configuration's limits and temporary-password lifetime.
pub struct SignIn<'a> {
    pub users: &'a dyn Users,
    pub limits: &'a dyn Limits,
    pub clock: &'a dyn Clock,
    pub hasher: &'a PasswordHasher,
    pub sessions: &'a SessionKeys,
    pub devices: &'a DeviceKeys,
    pub rate_limits: RateLimits,
    pub temp_password_ttl: Option<Duration>,
}

/// Takes the failure slots of one attempt to prove `user`'s password (a sign-in, a password
/// change), before the password is checked, and says which it took: the known device's own
/// counter when the request carries a valid device token of this very user whose device has
/// failed fewer than [`DEVICE_LOGIN_FAILURES`] times this window; otherwise the ordinary
/// limits per email and address, per email and per address ([`login_limits`]).
#[allow(clippy::too_many_arguments)]
pub(super) async fn take_login_slots(
    limits: &dyn Limits,
    devices: &DeviceKeys,
    user: Option<&User>,
    email: &Identifier,
    source_ip: &str,
    device_tokens: &[&str],
    rl: &RateLimits,
    now: DateTime<Utc>,
) -> Result<Vec<Limited>, LimitError> {
    let device = user.and_then(|u| Some((u, devices.find(device_tokens.iter().copied(), u)?)));
    if let Some((u, device)) = device {
        let own = [Limited {
            key: device.limit_key("login", &u.id),
            max: DEVICE_LOGIN_FAILURES,
        }];
        match take_slots(limits, &own, rl.login_window, now).await {
            Ok(()) => return Ok(own.to_vec()),
            // Five failures from this device: its token counts as unknown now.
            Err(LimitError::Over(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let ordinary = login_limits(email, source_ip, rl).to_vec();
    take_slots(limits, &ordinary, rl.login_window, now).await?;
    Ok(ordinary)
}

/// A sign-in that proved its credential, whatever it was (a password, a passkey).
pub(super) struct SignedInAs<'a> {
    pub user: User,
    /// The failure slots the attempt took ([`take_login_slots`]).
    pub taken: &'a [Limited],
    pub device_tokens: &'a [&'a str],
    /// When the slots were taken: the same window's counters are given back.
    pub now: DateTime<Utc>,
    pub proof: crate::domain::session::Proof,
}

impl SignedInAs<'_> {
    /// What every successful sign-in does: gives back the failure slots it took (not a failure
    /// after all; if that fails the slots stay counted: refusing a little early beats failing
    /// the sign-in), starts the session, and keeps a known device's id (and so its counter).
    pub(super) async fn finish(
        self,
        limits: &dyn Limits,
        sessions: &SessionKeys,
        devices: &DeviceKeys,
        rl: &RateLimits,
    ) -> Session {
        if let Err(e) = limits
            .give_back_slots(&keys(self.taken), rl.login_window, self.now)
            .await
        {
            log_unexpected("giving back sign-in slots", &e);
        }
        let known = devices.find(self.device_tokens.iter().copied(), &self.user);
        tracing::info!(
            audit = "signed_in",
            user_id = %self.user.id.0,
            org_id = %self.user.org_id.0,
            known_device = known.is_some(),
            by = self.proof.amr()
        );
        let mut session = Session::start(sessions, devices, self.user, self.now, self.proof);
        if let Some(device) = known {
            session.device_token = devices.issue_for(&session.user, &device.device_id);
        }
        session
    }
}

impl Services {
    /// The sign-in use case on this app's ports.
    pub fn sign_in_case(&self) -> SignIn<'_> {
        SignIn {
            users: self.store.as_ref(),
            limits: self.store.as_ref(),
            clock: self.clock.as_ref(),
            hasher: &self.hasher,
            sessions: &self.sessions,
            devices: &self.devices,
            rate_limits: self.config.rate_limits,
            temp_password_ttl: self.config.temp_password_ttl,
        }
    }

    /// Signs in with `password`. `device_tokens` are the device tokens the request carried (a
    /// browser's cookie holds several users'; an app sends one): one that verifies for this user
    /// makes the attempt a known device's, limited per device only (`domain::device`).
    pub async fn sign_in(
        &self,
        email: &Identifier,
        password: &SecretString,
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<SignedIn, SignInError> {
        self.sign_in_case()
            .run(email, password, source_ip, device_tokens)
            .await
    }
}

/// Whether `user`'s temporary password still works at `now`: always, unless `ttl` is set and has
/// run out since the user was created.
pub(super) fn temporary_password_works(
    ttl: Option<Duration>,
    user: &User,
    now: DateTime<Utc>,
) -> bool {
    ttl.is_none_or(|ttl| now < user.created_at + ttl)
}

impl SignIn<'_> {
    /// The hash a sign-in is checked against: the user's own password once set; before that the
    /// temporary one, unless `TEMP_PASSWORD_TTL` is set and has run out since the user was
    /// created (then nothing matches, and the user is told only that the sign-in failed).
    fn password_hash_to_check<'u>(&self, user: &'u User, now: DateTime<Utc>) -> Option<&'u str> {
        if user.password_hash.is_none()
            && !temporary_password_works(self.temp_password_ttl, user, now)
        {
            return None;
        }
        user.current_password_hash()
    }

    pub async fn run(
        &self,
        email: &Identifier,
        password: &SecretString,
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<SignedIn, SignInError> {
        let rl = self.rate_limits;
        let now = self.clock.now();
        // Every attempt takes a failure slot before its password is checked, so parallel guesses
        // are counted as they arrive; a success gives the slot back. Without a device token the
        // user is read meanwhile; with one, the user is read first, to know whose device it is.
        let (user, limits) = if device_tokens.is_empty() {
            let limits = login_limits(email, source_ip, &rl).to_vec();
            let (user, slots) = tokio::join!(
                self.users.user_by(email),
                take_slots(self.limits, &limits, rl.login_window, now)
            );
            Self::slots_taken(slots, source_ip)?;
            (user?, limits)
        } else {
            let user = self.users.user_by(email).await?;
            let slots = take_login_slots(
                self.limits,
                self.devices,
                user.as_ref(),
                email,
                source_ip,
                device_tokens,
                &rl,
                now,
            )
            .await;
            (user, Self::slots_taken(slots, source_ip)?)
        };
        let current = user
            .as_ref()
            .and_then(|u| self.password_hash_to_check(u, now))
            .map(str::to_owned);
        // An unknown email still pays one verification, against a dummy hash.
        let verified = self
            .hasher
            .verify_async(normalise(password.expose_secret()), current.clone())
            .await;
        let user = match (verified, user) {
            (Verified::No, _) | (_, None) => {
                tracing::info!(audit = "sign_in_failed", ip = %source_ip);
                // The slot taken above stays: it is this failure's count.
                return Err(SignInError::InvalidCredentials);
            }
            (_, Some(user)) => user,
        };
        // Only once the password is right, so a disabled account says so to its owner and to
        // nobody else. The slot stays taken, as for a failure.
        if user.status == UserStatus::Disabled {
            tracing::info!(audit = "sign_in_disabled", user_id = %user.id.0, org_id = %user.org_id.0);
            return Err(SignInError::Disabled);
        }
        if let (Verified::YesButRehash, Some(old_hash)) = (verified, current) {
            self.rehash(&user, password, old_hash).await;
        }
        let must_change_password = user.must_change_password();
        let proof = crate::domain::session::Proof::password_of(&user);
        let signed_in = SignedInAs {
            user,
            taken: &limits,
            device_tokens,
            now,
            proof,
        };
        Ok(SignedIn {
            session: signed_in
                .finish(self.limits, self.sessions, self.devices, &rl)
                .await,
            must_change_password,
        })
    }

    fn slots_taken<T>(slots: Result<T, LimitError>, source_ip: &str) -> Result<T, SignInError> {
        match slots {
            Ok(taken) => Ok(taken),
            Err(LimitError::Over(over)) => {
                tracing::warn!(audit = "sign_in_limited", ip = %source_ip);
                Err(over.into())
            }
            Err(LimitError::Store(e)) => Err(e.into()),
        }
    }

    /// Stores a fresh hash under the configured argon2 parameters; sign-in succeeds either way.
    async fn rehash(&self, user: &User, password: &SecretString, old_hash: String) {
        let new_hash = match self
            .hasher
            .hash_async(normalise(password.expose_secret()))
            .await
        {
            Ok(h) => h,
            Err(e) => return log_unexpected("rehashing on sign-in", &e),
        };
        let change = Rehash {
            user_id: user.id.clone(),
            home: user.home(),
            temporary: user.password_hash.is_none(),
            old_hash,
            new_hash,
        };
        match self.users.rehash_password(&change).await {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => log_unexpected("rehashing on sign-in", &e),
        }
    }
}
