//! A signed-in user's own passkeys: the list, adding one (only right after a sign-in that was not
//! the temporary password) and removing one (never the last way in).

use super::{PasskeyError, Services};
use crate::domain::passkey::{fresh_sign_in, new_user_handle};
use crate::domain::{Actor, AuditAction, AuditEvent, CeremonyPurpose, Claims, Passkey, User};
use crate::notices::{notify, Notice};
use crate::ports::{PasskeyAdd, Passkeys, SessionChange, StoreError};

impl Services {
    /// `POST /passkeys/options`: registration options for the session's user, if they signed in
    /// less than 5 minutes ago with something other than the temporary password.
    pub async fn add_passkey_options(
        &self,
        user: &User,
        claims: &Claims,
    ) -> Result<serde_json::Value, PasskeyError> {
        let rp = self.relying_party()?;
        self.check_fresh(claims)?;
        let handle = user.passkey_handle.clone().unwrap_or_else(new_user_handle);
        let started = self.registration_options(rp, user, &handle)?;
        let purpose = CeremonyPurpose::Add {
            user_id: user.id.clone(),
            home: user.home(),
            session_version: user.session_version.clone(),
            handle,
        };
        self.keep_ceremony(started, purpose).await
    }

    /// `POST /passkeys`: verifies the answer to a ceremony this user's current session started,
    /// keeps the passkey, and tells the user.
    pub async fn add_passkey(
        &self,
        user: &User,
        claims: &Claims,
        response: &[u8],
        name: Option<String>,
    ) -> Result<Passkey, PasskeyError> {
        let rp = self.relying_party()?;
        self.check_fresh(claims)?;
        let ceremony = self.take_ceremony(response).await?;
        let CeremonyPurpose::Add {
            ref user_id,
            ref session_version,
            ref handle,
            ..
        } = ceremony.purpose
        else {
            return Err(PasskeyError::Invalid);
        };
        if user_id != &user.id || session_version != &user.session_version {
            return Err(PasskeyError::Invalid);
        }
        let passkey = self.verified_registration(rp, &ceremony, response, name)?;
        let add = PasskeyAdd {
            change: SessionChange::of(user, user.session_version.clone()),
            handle: handle.clone(),
            passkey: passkey.clone(),
            audit: vec![AuditEvent::about_user(
                AuditAction::PasskeyAdded,
                Actor::user(&user.id),
                user,
                self.now(),
            )
            .with("passkeyId", passkey.id.clone())],
        };
        let after = match self.store.add_passkey(&add).await {
            Ok(after) => after,
            Err(StoreError::TooManyPasskeys) => return Err(PasskeyError::TooMany),
            // The session ended meanwhile (or, as good as never, another passkey took the
            // credential id or the handle first).
            Err(StoreError::Conflict | StoreError::UserNotFound) => {
                return Err(PasskeyError::SessionEnded)
            }
            Err(e) => return Err(e.into()),
        };
        tracing::info!(audit = "passkey_added", user_id = %after.id.0, org_id = %after.org_id.0);
        self.notify_passkey_added(&after).await;
        Ok(passkey)
    }

    /// `DELETE /passkeys/{id}`: removes one of the user's passkeys, never their only way in.
    pub async fn remove_passkey(&self, user: &User, id: &str) -> Result<(), PasskeyError> {
        let change = SessionChange::of(user, user.session_version.clone());
        let event = AuditEvent::about_user(
            AuditAction::PasskeyRemoved,
            Actor::user(&user.id),
            user,
            self.now(),
        )
        .with("passkeyId", id);
        match Passkeys::remove_passkey(self.store.as_ref(), &change, id, &[event]).await {
            Ok(after) => {
                tracing::info!(audit = "passkey_removed", user_id = %after.id.0, org_id = %after.org_id.0);
                Ok(())
            }
            Err(StoreError::UserNotFound) => Err(PasskeyError::NotFound),
            Err(StoreError::LastCredential) => Err(PasskeyError::LastCredential),
            Err(StoreError::Conflict) => Err(PasskeyError::SessionEnded),
            Err(e) => Err(e.into()),
        }
    }

    /// Tells the user a passkey was added, by email or text as their account is filed.
    pub(super) async fn notify_passkey_added(&self, user: &User) {
        notify(
            Notice::PasskeyAdded,
            self.mailer.as_ref(),
            self.texter.as_ref(),
            &[user.home()],
            self.config.langs().for_user(user),
            user.org_name.as_deref(),
            self.now(),
        )
        .await;
    }

    fn check_fresh(&self, claims: &Claims) -> Result<(), PasskeyError> {
        if claims.fresh(self.now(), fresh_sign_in()) {
            Ok(())
        } else {
            Err(PasskeyError::Reauthenticate)
        }
    }
}
