//! The items of passkeys: a passkey as the user item's `passkeys` list keeps it, the pointer
//! from a credential id to its user, and a started ceremony. A stored format, pinned in `tests.rs`.

use serde::{Deserialize, Serialize};

use super::super::layout::{ceremony_key, passkey_key, ttl_seconds, StoredTime};
use crate::domain::{Ceremony, CeremonyPurpose, Identifier, Passkey, UserId};

/// One element of a user item's `passkeys` (a list of maps, in the order they were added).
/// Times are stored as every other time of the table ([`StoredTime`]), so a sign-in can write
/// `lastUsedAt` with the same expression value as any other time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct StoredPasskey {
    id: String,
    public_key: String,
    sign_count: u32,
    backup_eligible: bool,
    backed_up: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    created_at: StoredTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_used_at: Option<StoredTime>,
}

impl From<&Passkey> for StoredPasskey {
    fn from(p: &Passkey) -> Self {
        Self {
            id: p.id.clone(),
            public_key: p.public_key.clone(),
            sign_count: p.sign_count,
            backup_eligible: p.backup_eligible,
            backed_up: p.backed_up,
            name: p.name.clone(),
            created_at: StoredTime(p.created_at),
            last_used_at: p.last_used_at.map(StoredTime),
        }
    }
}

impl From<StoredPasskey> for Passkey {
    fn from(p: StoredPasskey) -> Self {
        Self {
            id: p.id,
            public_key: p.public_key,
            sign_count: p.sign_count,
            backup_eligible: p.backup_eligible,
            backed_up: p.backed_up,
            name: p.name,
            created_at: p.created_at.0,
            last_used_at: p.last_used_at.map(|t| t.0),
        }
    }
}

/// `PASSKEY#<credential id>`: the passkey's claim (one credential id is one passkey) and where
/// its user is filed, so a sign-in by passkey is two reads away. The user item's `passkeys`
/// says whether the passkey is still theirs; a correction that moves the user moves this too.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct PasskeyPointerItem {
    pk: String,
    entity: String,
    pub user_id: UserId,
    pub home: Identifier,
}

impl PasskeyPointerItem {
    /// The pointer of passkey `id` to its user `user_id`, filed under `home`.
    pub(in super::super) fn new(id: &str, user_id: &UserId, home: &Identifier) -> Self {
        Self {
            pk: passkey_key(id),
            entity: "passkey".into(),
            user_id: user_id.clone(),
            home: home.clone(),
        }
    }
}

/// `CEREMONY#<challenge>`: a started ceremony until it is answered. As a token item: the exact
/// expiry in `validUntil`, which code checks, and `expiresAt` in epoch seconds for the table's
/// TTL, which deletes late. The challenge is only in the key. The purpose is the domain's own
/// serialized form (a map tagged by `kind`): a ceremony lives five minutes, so its format needs
/// no more care than that.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(in super::super) struct CeremonyItem {
    pk: String,
    entity: String,
    purpose: CeremonyPurpose,
    state: String,
    valid_until: StoredTime,
    expires_at: i64,
}

impl From<&Ceremony> for CeremonyItem {
    fn from(c: &Ceremony) -> Self {
        Self {
            pk: ceremony_key(&c.challenge),
            entity: "ceremony".into(),
            purpose: c.purpose.clone(),
            state: c.state.clone(),
            valid_until: StoredTime(c.expires_at),
            expires_at: ttl_seconds(c.expires_at),
        }
    }
}

impl CeremonyItem {
    /// The ceremony, with the challenge its key was made from.
    pub(in super::super) fn into_ceremony(self, challenge: &str) -> Ceremony {
        Ceremony {
            challenge: challenge.to_owned(),
            purpose: self.purpose,
            state: self.state,
            expires_at: self.valid_until.0,
        }
    }
}
