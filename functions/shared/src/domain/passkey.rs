//! Passkeys (API.md, "Passkeys"): the credentials a user registered, as the user record keeps
//! them, and the ceremonies between a route's options and its answer. Verifying what a browser
//! sends is `crate::webauthn`'s; this module only says what is kept and what a change does.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Identifier, TokenHash, TokenPurpose, UserId};

/// Passkeys one user may hold; one more is `409 limit_reached`.
pub const MAX_PASSKEYS: usize = 10;

/// How long a ceremony's challenge may be answered (API.md: 5 minutes, one use).
pub fn ceremony_ttl() -> Duration {
    Duration::minutes(5)
}

/// How recent a sign-in must be to add a passkey, or to choose a password without the current
/// one after a passkey sign-in (API.md: under 5 minutes).
pub fn fresh_sign_in() -> Duration {
    Duration::minutes(5)
}

/// A passkey as the user record keeps it. Nothing here is a secret (a public key, a counter),
/// but it stays out of logs all the same: the `Debug` impl shows the id only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Passkey {
    /// The credential id, base64url without padding: the id the API shows.
    pub id: String,
    /// The public key, in `crate::webauthn`'s encoding, base64url without padding.
    pub public_key: String,
    pub sign_count: u32,
    #[serde(default)]
    pub backup_eligible: bool,
    #[serde(default)]
    pub backed_up: bool,
    /// What the user called it; `None`: the pages say "Passkey" and its date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Passkey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A fresh WebAuthn `user.id` for a user who has none yet: 32 random bytes, base64url, with
/// nothing of the user in it.
pub fn new_user_handle() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random number generator is available");
    b64(&bytes)
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn unb64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

/// What a ceremony was started for, which decides what its answer may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CeremonyPurpose {
    /// Registration from a setup or reset link (or its code): the link's token, and the user
    /// handle the options named.
    Link {
        purpose: TokenPurpose,
        token: TokenHash,
        user_id: UserId,
        handle: String,
    },
    /// Registration by a signed-in user, bound to the session version that asked.
    Add {
        user_id: UserId,
        home: Identifier,
        session_version: String,
        handle: String,
    },
    /// A discoverable sign-in: anyone's passkey may answer.
    SignIn,
}

/// A started ceremony as the store keeps it, under its challenge, until answered or expired.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ceremony {
    /// base64url, as the browser's `clientDataJSON` carries it back.
    pub challenge: String,
    pub purpose: CeremonyPurpose,
    /// The relying party's own state (`crate::webauthn::Started::state`), base64url.
    pub state: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for Ceremony {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ceremony")
            .field("purpose", &self.purpose)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Ceremony {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        now < self.expires_at
    }
}

/// A sign-in proved by a passkey, as the store records it: only if the passkey's counter is
/// still `old_count` (so two answers with one counter value cannot both pass). The session
/// version is not checked: a session started on a version that moved meanwhile is dead anyway.
#[derive(Debug, Clone)]
pub struct PasskeyUse {
    pub user_id: UserId,
    pub home: Identifier,
    pub passkey_id: String,
    /// Where the passkey was among the user's `passkeys` when read (see
    /// [`super::User::passkey_index`]): where a store that updates a list element by its place
    /// (DynamoDB) looks first, saving a read. Only a hint: a passkey that moved since (another
    /// one removed) is found again by its id.
    pub index: usize,
    /// The user's session version when read: a disable, a reset or a sign-out everywhere since
    /// refuses the sign-in (`Conflict`), as a disabled user is refused.
    pub session_version: String,
    pub old_count: u32,
    pub new_count: u32,
    pub backed_up: bool,
    pub at: DateTime<Utc>,
}

/// Why a passkey change is refused, in every store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyRefused {
    #[error("the user already has the most passkeys allowed")]
    TooMany,
    #[error("no such passkey")]
    NotFound,
    /// Removing it would leave the user no way in (no password, no other passkey).
    #[error("the passkey is the user's only way in")]
    LastCredential,
    /// The ceremony named another user handle than the user's (another ceremony set one first).
    #[error("the user's passkey handle changed")]
    HandleChanged,
}

impl super::User {
    /// Takes `passkey` (registered under `handle`) as one more of the user's, in every store.
    pub fn add_passkey(&mut self, handle: &str, passkey: Passkey) -> Result<(), PasskeyRefused> {
        if self.passkey_handle.as_deref().is_some_and(|h| h != handle) {
            return Err(PasskeyRefused::HandleChanged);
        }
        if self.passkeys.len() >= MAX_PASSKEYS {
            return Err(PasskeyRefused::TooMany);
        }
        self.passkey_handle = Some(handle.to_owned());
        self.passkeys.push(passkey);
        Ok(())
    }

    /// What setting up (or resetting) with a passkey does: as [`super::User::set_own_password`]
    /// (temporary password dead, `active`, every session and link ended), with the passkey as the
    /// new credential instead of a password: a password the user had goes too (a reset is how a
    /// known or forgotten password is replaced); their other passkeys stay, listed on the reset
    /// page, for them to remove.
    pub fn set_own_passkey(
        &mut self,
        handle: &str,
        passkey: Passkey,
        new_session_version: String,
    ) -> Result<(), PasskeyRefused> {
        self.add_passkey(handle, passkey)?;
        self.temporary_password_hash = None;
        self.password_hash = None;
        self.status = super::UserStatus::Active;
        self.session_version = new_session_version;
        self.setup_generation += 1;
        self.reset_generation += 1;
        Ok(())
    }

    /// Removes passkey `id`, unless it is the user's only way in.
    pub fn remove_passkey(&mut self, id: &str) -> Result<Passkey, PasskeyRefused> {
        let at = self
            .passkeys
            .iter()
            .position(|p| p.id == id)
            .ok_or(PasskeyRefused::NotFound)?;
        if self.passkeys.len() == 1 && self.password_hash.is_none() {
            return Err(PasskeyRefused::LastCredential);
        }
        Ok(self.passkeys.remove(at))
    }

    pub fn passkey(&self, id: &str) -> Option<&Passkey> {
        self.passkeys.iter().find(|p| p.id == id)
    }

    /// Where passkey `id` is among the user's passkeys ([`PasskeyUse::index`]).
    pub fn passkey_index(&self, id: &str) -> Option<usize> {
        self.passkeys.iter().position(|p| p.id == id)
    }

    /// Records a sign-in by passkey: only while its counter is still `old_count`. Whether it did.
    pub fn record_passkey_use(&mut self, used: &PasskeyUse) -> bool {
        if self.session_version != used.session_version
            || self.status == super::UserStatus::Disabled
        {
            return false;
        }
        let Some(p) = self.passkeys.iter_mut().find(|p| p.id == used.passkey_id) else {
            return false;
        };
        if p.sign_count != used.old_count {
            return false;
        }
        p.sign_count = used.new_count;
        p.backed_up = used.backed_up;
        p.last_used_at = Some(used.at);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_handle_is_32_random_bytes() {
        let (a, b) = (new_user_handle(), new_user_handle());
        assert_ne!(a, b);
        assert_eq!(unb64(&a).unwrap().len(), 32);
    }

    #[test]
    fn a_passkey_never_debug_prints_its_key() {
        let p = Passkey {
            id: "abc".into(),
            public_key: "SECRET-LOOKING".into(),
            sign_count: 1,
            backup_eligible: false,
            backed_up: false,
            name: None,
            created_at: Utc::now(),
            last_used_at: None,
        };
        assert!(!format!("{p:?}").contains("SECRET-LOOKING"));
    }
}
