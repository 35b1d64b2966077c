//! Passkeys in the store (API.md, "Passkeys"): ceremonies kept between a route's options and its
//! answer (5 minutes, one use), the user a passkey belongs to, and the signed-in user's own
//! changes to their passkeys. Setting up or resetting with a passkey is a redemption
//! ([`super::Redemption::passkey`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{SessionChange, StoreError};
use crate::domain::{AuditEvent, Ceremony, Passkey, PasskeyUse, User};

/// A passkey a signed-in user adds: only while `change`'s session is current (`Conflict`
/// otherwise), under `handle` (the user's, or the first one: `passkey_handle` is set with it).
#[derive(Debug, Clone)]
pub struct PasskeyAdd {
    pub change: SessionChange,
    pub handle: String,
    pub passkey: Passkey,
    /// `passkey.added`, written with it.
    pub audit: Vec<AuditEvent>,
}

#[async_trait]
pub trait Passkeys: Send + Sync {
    /// Keeps a started ceremony under its challenge until `expires_at` (the store's TTL may
    /// remove it after). A challenge is 32 random bytes: a collision is `Conflict`.
    async fn put_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError>;

    /// Removes the ceremony of `challenge` and returns it if it was there and still live at
    /// `now`: of any number of concurrent takes, one gets it. `None` for an unknown, taken or
    /// expired challenge.
    ///
    /// DynamoDB: one `DeleteItem` returning the old item.
    async fn take_ceremony(
        &self,
        challenge: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>, StoreError>;

    /// The user who holds passkey `id` (base64url credential id), with it among `passkeys`.
    ///
    /// DynamoDB: one `GetItem` of the passkey's pointer, one of the user.
    async fn user_by_passkey(&self, id: &str) -> Result<Option<User>, StoreError>;

    /// Records a sign-in by passkey (its counter, backup state and last use) if its counter is
    /// still `used.old_count`: `Conflict` otherwise (another sign-in with it won), `UserNotFound`
    /// if the passkey is gone.
    async fn record_passkey_use(&self, used: &PasskeyUse) -> Result<(), StoreError>;

    /// Adds a passkey for a signed-in user. `Conflict` when the session moved on or another
    /// handle was set meanwhile, `TooManyPasskeys` at [`crate::domain::passkey::MAX_PASSKEYS`].
    /// Returns the user as left.
    async fn add_passkey(&self, add: &PasskeyAdd) -> Result<User, StoreError>;

    /// Removes passkey `id` of the signed-in user. `Conflict` when the session moved on,
    /// `UserNotFound` for a passkey the user does not hold, `LastCredential` when it is their
    /// only way in. Returns the user as left. `audit` (`passkey.removed`) in the same write.
    async fn remove_passkey(
        &self,
        change: &SessionChange,
        id: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError>;
}
