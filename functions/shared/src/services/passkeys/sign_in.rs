//! Signing in with a passkey: discoverable, so the options name nobody and the answer says whose
//! passkey it is. The same limits, session versions, disable and known-device rules as a
//! password (`services::sign_in`).

use super::{invalid, PasskeyError, Services};
use crate::domain::passkey::{b64, unb64};
use crate::domain::session::Proof;
use crate::domain::{CeremonyPurpose, PasskeyUse, UserStatus};
use crate::ports::{Passkeys, StoreError};
use crate::services::limits::{keys, per_ip, take_slots, LimitError, Limited};
use crate::services::sign_in::{take_login_slots, SignedIn, SignedInAs};
use crate::services::SignInError;
use crate::telemetry::log_unexpected;
use crate::webauthn::{self, StoredPasskey};

/// Sign-in options one address may ask for in a `LOGIN_FAILURE_WINDOW` without answering them:
/// every sign-in page view asks for one (for the autofill), so a crew behind one address gets
/// ten times its password failures; an answer gives its slot back (a failed answer is counted
/// as a failure under the sign-in limits instead).
fn options_limit(source_ip: &str, failures_per_ip: u64) -> Limited {
    per_ip(
        "passkey-options",
        source_ip,
        failures_per_ip.saturating_mul(10),
    )
}

impl Services {
    /// `POST /login/passkey/options`: a challenge any of the relying party's passkeys may
    /// answer. Limited per address like sign-in.
    pub async fn passkey_sign_in_options(
        &self,
        source_ip: &str,
    ) -> Result<serde_json::Value, PasskeyError> {
        let rp = self.relying_party()?;
        let rl = self.config.rate_limits;
        let limit = [options_limit(source_ip, rl.login_failures_per_ip)];
        match take_slots(self.store.as_ref(), &limit, rl.login_window, self.now()).await {
            Ok(()) => {}
            Err(LimitError::Over(over)) => {
                tracing::warn!(audit = "passkey_options_limited", ip = %source_ip);
                return Err(SignInError::TooManyAttempts(over).into());
            }
            Err(LimitError::Store(e)) => return Err(e.into()),
        }
        self.keep_ceremony(webauthn::start_authentication(rp), CeremonyPurpose::SignIn)
            .await
    }

    /// `POST /login/passkey`: `POST /login`'s answers. Whatever fails before the passkey is
    /// known to be someone's counts as a failure from the address; after, as a failed password
    /// of that user (the known-device rules included).
    pub async fn passkey_sign_in(
        &self,
        response: &[u8],
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<SignedIn, PasskeyError> {
        self.relying_party()?;
        let result = self
            .passkey_sign_in_inner(response, source_ip, device_tokens)
            .await;
        // An answer, right or wrong, is no longer an open ceremony of this address's.
        let rl = self.config.rate_limits;
        let options = keys(&[options_limit(source_ip, rl.login_failures_per_ip)]);
        if let Err(e) = self
            .store
            .give_back_slots(&options, rl.login_window, self.now())
            .await
        {
            log_unexpected("giving back a passkey options slot", &e);
        }
        match result {
            Err(PasskeyError::Invalid) => {
                tracing::info!(audit = "sign_in_failed", ip = %source_ip, by = "passkey");
                Err(SignInError::InvalidCredentials.into())
            }
            other => other,
        }
    }

    async fn passkey_sign_in_inner(
        &self,
        response: &[u8],
        source_ip: &str,
        device_tokens: &[&str],
    ) -> Result<SignedIn, PasskeyError> {
        let rp = self.relying_party()?;
        let rl = self.config.rate_limits;
        let now = self.now();
        let found = self.passkey_answering(response).await;
        let (ceremony, user, id) = match found {
            Ok(found) => found,
            Err(PasskeyError::Invalid) => {
                // Nobody's passkey: a failure of the address.
                let limit = [per_ip("login", source_ip, rl.login_failures_per_ip)];
                match take_slots(self.store.as_ref(), &limit, rl.login_window, now).await {
                    Ok(()) => return Err(PasskeyError::Invalid),
                    Err(LimitError::Over(over)) => {
                        return Err(SignInError::TooManyAttempts(over).into())
                    }
                    Err(LimitError::Store(e)) => return Err(e.into()),
                }
            }
            Err(e) => return Err(e),
        };
        let home = user.home();
        let limits = match take_login_slots(
            self.store.as_ref(),
            &self.devices,
            Some(&user),
            &home,
            source_ip,
            device_tokens,
            &rl,
            now,
        )
        .await
        {
            Ok(limits) => limits,
            Err(LimitError::Over(over)) => {
                tracing::warn!(audit = "sign_in_limited", ip = %source_ip);
                return Err(SignInError::TooManyAttempts(over).into());
            }
            Err(LimitError::Store(e)) => return Err(e.into()),
        };
        let passkey = user.passkey(&id).ok_or(PasskeyError::Invalid)?;
        let (Some(raw_id), Some(handle), Some(public_key), Some(state)) = (
            unb64(&passkey.id),
            user.passkey_handle.as_deref().and_then(unb64),
            unb64(&passkey.public_key),
            unb64(&ceremony.state),
        ) else {
            return Err(PasskeyError::Invalid);
        };
        let stored = StoredPasskey {
            id: &raw_id,
            user_handle: &handle,
            public_key: &public_key,
            sign_count: passkey.sign_count,
            backup_eligible: passkey.backup_eligible,
        };
        let assertion =
            webauthn::finish_authentication(rp, &state, response, &stored).map_err(invalid)?;
        // Only once the passkey is proved, so a disabled account says so to its owner only.
        if user.status == UserStatus::Disabled {
            tracing::info!(audit = "sign_in_disabled", user_id = %user.id.0, org_id = %user.org_id.0);
            return Err(SignInError::Disabled.into());
        }
        let used = PasskeyUse {
            user_id: user.id.clone(),
            home: home.clone(),
            passkey_id: passkey.id.clone(),
            index: user.passkey_index(&passkey.id).unwrap_or_default(),
            session_version: user.session_version.clone(),
            old_count: passkey.sign_count,
            new_count: assertion.sign_count,
            backed_up: assertion.backed_up,
            at: now,
        };
        match self.store.record_passkey_use(&used).await {
            Ok(()) => {}
            // Another sign-in with the same counter won, the passkey was removed, or the user
            // was disabled, reset or signed out everywhere meanwhile.
            Err(StoreError::Conflict | StoreError::UserNotFound) => {
                return Err(PasskeyError::Invalid)
            }
            Err(e) => return Err(e.into()),
        }
        let signed_in = SignedInAs {
            user,
            taken: &limits,
            device_tokens,
            now,
            proof: Proof::Passkey,
        };
        let session = signed_in
            .finish(self.store.as_ref(), &self.sessions, &self.devices, &rl)
            .await;
        Ok(SignedIn {
            session,
            must_change_password: false,
        })
    }

    /// The sign-in ceremony `response` answers (taken), and the user holding the passkey it
    /// names; `Invalid` when either is missing.
    async fn passkey_answering(
        &self,
        response: &[u8],
    ) -> Result<(crate::domain::Ceremony, crate::domain::User, String), PasskeyError> {
        let ceremony = self.take_ceremony(response).await?;
        if ceremony.purpose != CeremonyPurpose::SignIn {
            return Err(PasskeyError::Invalid);
        }
        let (raw_id, handle) = webauthn::assertion_names(response).map_err(invalid)?;
        let id = b64(&raw_id);
        let user = Passkeys::user_by_passkey(self.store.as_ref(), &id)
            .await?
            .ok_or(PasskeyError::Invalid)?;
        if user.passkey_handle.as_deref() != Some(b64(&handle).as_str()) {
            return Err(PasskeyError::Invalid);
        }
        Ok((ceremony, user, id))
    }
}
