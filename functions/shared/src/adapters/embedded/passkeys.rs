//! Passkeys in the embedded store: ceremonies under their challenge, a pointer from each passkey
//! to its user, and the passkeys themselves on the user (as DynamoDB keeps them).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};

use super::{backend, decode, encode, EmbeddedStore, CEREMONIES, PASSKEYS};
use crate::domain::AuditEvent;
use crate::domain::{Ceremony, Passkey, PasskeyRefused, PasskeyUse, User};
use crate::ports::{PasskeyAdd, Passkeys, SessionChange, StoreError};

/// A refusal of the domain's, as the port says it (the same in every store).
pub(super) fn refused(r: PasskeyRefused) -> StoreError {
    r.into()
}

impl EmbeddedStore {
    /// Points passkey `passkey` at `user`: a credential id is one passkey's (`Conflict` if taken).
    pub(super) fn point_passkey(
        tx: &WriteTransaction,
        passkey: &Passkey,
        user: &User,
    ) -> Result<(), StoreError> {
        let mut table = tx.open_table(PASSKEYS).map_err(backend)?;
        if table.get(passkey.id.as_str()).map_err(backend)?.is_some() {
            return Err(StoreError::Conflict);
        }
        table
            .insert(passkey.id.as_str(), user.id.0.as_str())
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl Passkeys for EmbeddedStore {
    async fn put_ceremony(&self, ceremony: &Ceremony) -> Result<(), StoreError> {
        let ceremony = ceremony.clone();
        self.write(move |tx| {
            let mut table = tx.open_table(CEREMONIES).map_err(backend)?;
            if table
                .get(ceremony.challenge.as_str())
                .map_err(backend)?
                .is_some()
            {
                return Err(StoreError::Conflict);
            }
            table
                .insert(ceremony.challenge.as_str(), encode(&ceremony)?.as_slice())
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn take_ceremony(
        &self,
        challenge: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Ceremony>, StoreError> {
        let challenge = challenge.to_owned();
        self.write(move |tx| {
            let mut table = tx.open_table(CEREMONIES).map_err(backend)?;
            let taken = table.remove(challenge.as_str()).map_err(backend)?;
            let ceremony: Option<Ceremony> = taken.map(|v| decode(v.value())).transpose()?;
            Ok(ceremony.filter(|c| c.is_live(now)))
        })
        .await
    }

    async fn user_by_passkey(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        self.read(move |rtx| {
            let pointers = rtx.open_table(PASSKEYS).map_err(backend)?;
            let Some(user_id) = pointers.get(id.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let users = rtx.open_table(super::USERS).map_err(backend)?;
            let found = users.get(user_id.value()).map_err(backend)?;
            let user: Option<User> = found.map(|v| decode(v.value())).transpose()?;
            Ok(user.filter(|u| u.passkey(&id).is_some()))
        })
    }

    async fn record_passkey_use(&self, used: &PasskeyUse) -> Result<(), StoreError> {
        let used = used.clone();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &used.user_id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.passkey(&used.passkey_id).is_none() {
                return Err(StoreError::UserNotFound);
            }
            if !user.record_passkey_use(&used) {
                return Err(StoreError::Conflict);
            }
            Self::write_user(tx, &user)
        })
        .await
    }

    async fn add_passkey(&self, add: &PasskeyAdd) -> Result<User, StoreError> {
        let add = add.clone();
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &add.change)?;
            user.add_passkey(&add.handle, add.passkey.clone())
                .map_err(refused)?;
            Self::point_passkey(tx, &add.passkey, &user)?;
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &add.audit)?;
            Ok(user)
        })
        .await
    }

    async fn remove_passkey(
        &self,
        change: &SessionChange,
        id: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        let (change, id, audit) = (change.clone(), id.to_owned(), audit.to_vec());
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &change)?;
            user.remove_passkey(&id).map_err(refused)?;
            tx.open_table(PASSKEYS)
                .map_err(backend)?
                .remove(id.as_str())
                .map_err(backend)?;
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &audit)?;
            Ok(user)
        })
        .await
    }
}
