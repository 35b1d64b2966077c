//! Passkeys (API.md, "Passkeys"): setting up or resetting with one from a link or its code
//! (`link`), signing in with one (`sign_in`), and a signed-in user's own list, additions and
//! removals (`account`). Each ceremony is two requests: the options, whose challenge the store
//! keeps for 5 minutes ([`Ceremony`]), and the browser's answer, which takes it (once) and is
//! verified by `crate::webauthn`.

mod account;
mod link;
mod sign_in;

use chrono::{DateTime, Utc};

use super::{RedeemError, Services, SignInError};
use crate::domain::passkey::{b64, ceremony_ttl, unb64};
use crate::domain::{Ceremony, CeremonyPurpose, Passkey, User};
use crate::ports::{Passkeys, StoreError};
use crate::webauthn::{self, NewPasskey, RelyingParty, Started};

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    /// The public base URL is an IP address: browsers refuse it as a relying party (`404`).
    #[error("passkeys are not offered at this address")]
    NotOffered,
    /// A bad, expired or replayed challenge, a wrong origin or rp id, or a response that does
    /// not verify.
    #[error("the passkey response is not valid")]
    Invalid,
    /// Adding a passkey needs a sign-in under 5 minutes old, not with the temporary password.
    #[error("sign in again first")]
    Reauthenticate,
    /// The passkey is the user's only way in.
    #[error("the user's only way in")]
    LastCredential,
    #[error("the user has the most passkeys allowed")]
    TooMany,
    #[error("no such passkey")]
    NotFound,
    /// The session ended meanwhile (a sign-out everywhere, a password change, a disable).
    #[error("the session is no longer current")]
    SessionEnded,
    /// The link or its code, as `POST /setup` refuses them.
    #[error(transparent)]
    Redeem(#[from] RedeemError),
    /// As `POST /login` refuses.
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error("the store failed")]
    Store(#[from] StoreError),
}

impl Services {
    /// The relying party, when passkeys are offered at all.
    pub fn relying_party(&self) -> Result<&RelyingParty, PasskeyError> {
        self.rp.as_ref().ok_or(PasskeyError::NotOffered)
    }

    /// Keeps `started`'s state for `purpose` and returns the options for the browser.
    async fn keep_ceremony(
        &self,
        started: Started,
        purpose: CeremonyPurpose,
    ) -> Result<serde_json::Value, PasskeyError> {
        let ceremony = Ceremony {
            challenge: started.challenge,
            purpose,
            state: b64(&started.state),
            expires_at: self.now() + ceremony_ttl(),
        };
        Passkeys::put_ceremony(self.store.as_ref(), &ceremony).await?;
        Ok(started.options)
    }

    /// The live ceremony `response` answers, taken: `Invalid` for an unreadable response or a
    /// challenge that is unknown, already answered or expired.
    async fn take_ceremony(&self, response: &[u8]) -> Result<Ceremony, PasskeyError> {
        let challenge = webauthn::challenge_of(response).map_err(invalid)?;
        Passkeys::take_ceremony(self.store.as_ref(), &challenge, self.now())
            .await?
            .ok_or(PasskeyError::Invalid)
    }

    /// Registration options for `user` under `handle`, excluding the passkeys they hold;
    /// `TooMany` when they hold the most allowed (no answer could be kept).
    fn registration_options(
        &self,
        rp: &RelyingParty,
        user: &User,
        handle: &str,
    ) -> Result<Started, PasskeyError> {
        if user.passkeys.len() >= crate::domain::passkey::MAX_PASSKEYS {
            return Err(PasskeyError::TooMany);
        }
        let handle = unb64(handle).ok_or(PasskeyError::Invalid)?;
        let name = user.home().as_str().to_owned();
        let display = user.name.clone().unwrap_or_else(|| name.clone());
        let exclude: Vec<Vec<u8>> = user.passkeys.iter().filter_map(|p| unb64(&p.id)).collect();
        Ok(webauthn::start_registration(
            rp, &handle, &name, &display, &exclude,
        ))
    }

    /// Verifies a registration response against its ceremony's state.
    fn verified_registration(
        &self,
        rp: &RelyingParty,
        ceremony: &Ceremony,
        response: &[u8],
        name: Option<String>,
    ) -> Result<Passkey, PasskeyError> {
        let state = unb64(&ceremony.state).ok_or(PasskeyError::Invalid)?;
        let new = webauthn::finish_registration(rp, &state, response).map_err(invalid)?;
        Ok(stored_passkey(new, name, self.now()))
    }
}

/// A verified new passkey as the user record keeps it.
fn stored_passkey(new: NewPasskey, name: Option<String>, now: DateTime<Utc>) -> Passkey {
    Passkey {
        id: b64(&new.id),
        public_key: b64(&new.public_key),
        sign_count: new.sign_count,
        backup_eligible: new.backup_eligible,
        backed_up: new.backed_up,
        name,
        created_at: now,
        last_used_at: None,
    }
}

/// A response that does not verify: why goes to the log (never the response's bytes), the
/// caller hears only `Invalid`.
fn invalid(e: webauthn::PasskeyInvalid) -> PasskeyError {
    tracing::info!(audit = "passkey_refused", reason = %e);
    PasskeyError::Invalid
}
