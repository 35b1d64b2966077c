//! Users in the embedded store: created with their email's claim, read by email or id, and
//! their own password and session changes.

use async_trait::async_trait;
use redb::{ReadableTable, WriteTransaction};

use super::{backend, decode, EmbeddedStore, EMAILS, PHONES, USERS};
use crate::domain::AuditEvent;
use crate::domain::{Contacts, Identifier, MailJob, TokenRecord, User, UserId};
use crate::ports::{Rehash, SessionChange, StoreError, Users};

impl EmbeddedStore {
    /// The user `change` is about, while the asking session is still current.
    pub(super) fn current_user(
        tx: &WriteTransaction,
        change: &SessionChange,
    ) -> Result<User, StoreError> {
        let user = Self::read_user(tx, &change.user_id.0)?.ok_or(StoreError::UserNotFound)?;
        if user.session_version != change.session_version {
            return Err(StoreError::Conflict);
        }
        Ok(user)
    }

    /// Claims `contacts` for `user_id` (each email and phone belongs to one user): `EmailTaken`
    /// or `PhoneTaken` when another user holds one. A contact `user_id` holds already is kept.
    pub(super) fn claim_contacts(
        tx: &WriteTransaction,
        contacts: &Contacts,
        user_id: &UserId,
    ) -> Result<(), StoreError> {
        for id in contacts.all() {
            let (table, taken) = match &id {
                Identifier::Email(_) => (EMAILS, StoreError::EmailTaken),
                Identifier::Phone(_) => (PHONES, StoreError::PhoneTaken),
            };
            let mut claims = tx.open_table(table).map_err(backend)?;
            let holder = claims
                .get(id.as_str())
                .map_err(backend)?
                .map(|v| v.value().to_owned());
            match holder {
                Some(holder) if holder != user_id.0 => return Err(taken),
                Some(_) => {}
                None => {
                    claims
                        .insert(id.as_str(), user_id.0.as_str())
                        .map_err(backend)?;
                }
            }
        }
        Ok(())
    }

    /// Frees `contacts` for anyone to claim.
    pub(super) fn release_contacts(
        tx: &WriteTransaction,
        contacts: &Contacts,
    ) -> Result<(), StoreError> {
        for id in contacts.all() {
            let table = match &id {
                Identifier::Email(_) => EMAILS,
                Identifier::Phone(_) => PHONES,
            };
            tx.open_table(table)
                .map_err(backend)?
                .remove(id.as_str())
                .map_err(backend)?;
        }
        Ok(())
    }
}

#[async_trait]
impl Users for EmbeddedStore {
    async fn create_user_with_mail(
        &self,
        user: &User,
        setup_token: Option<&TokenRecord>,
        mail: &[MailJob],
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let user = user.clone();
        let token = setup_token.cloned();
        let (mail, audit) = (mail.to_vec(), audit.to_vec());
        self.write(move |tx| {
            Self::write_jobs(tx, &mail)?;
            Self::claim_contacts(tx, &user.contacts, &user.id)?;
            Self::write_user(tx, &user)?;
            if let Some(token) = &token {
                Self::write_token(tx, token)?;
            }
            Self::write_events(tx, &audit)
        })
        .await
    }

    async fn user_by(&self, id: &Identifier) -> Result<Option<User>, StoreError> {
        self.read(|rtx| {
            let table = match id {
                Identifier::Email(_) => EMAILS,
                Identifier::Phone(_) => PHONES,
            };
            let claims = rtx.open_table(table).map_err(backend)?;
            let Some(id) = claims.get(id.as_str()).map_err(backend)? else {
                return Ok(None);
            };
            let users = rtx.open_table(USERS).map_err(backend)?;
            let found = users.get(id.value()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    async fn user_by_id(&self, id: &UserId) -> Result<Option<User>, StoreError> {
        self.read(|rtx| {
            let users = rtx.open_table(USERS).map_err(backend)?;
            let found = users.get(id.0.as_str()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    async fn change_password(
        &self,
        change: &SessionChange,
        password_hash: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        let (change, hash) = (change.clone(), password_hash.to_owned());
        let audit = audit.to_vec();
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &change)?;
            user.set_own_password(hash, change.new_session_version);
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &audit)?;
            Ok(user)
        })
        .await
    }

    async fn end_sessions(
        &self,
        change: &SessionChange,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let (change, audit) = (change.clone(), audit.to_vec());
        self.write(move |tx| {
            let mut user = Self::current_user(tx, &change)?;
            user.session_version = change.new_session_version;
            Self::write_user(tx, &user)?;
            Self::write_events(tx, &audit)
        })
        .await
    }

    async fn rehash_password(&self, rehash: &Rehash) -> Result<(), StoreError> {
        let rehash = rehash.clone();
        self.write(move |tx| {
            let mut user =
                Self::read_user(tx, &rehash.user_id.0)?.ok_or(StoreError::UserNotFound)?;
            if !user.replace_password_hash(rehash.temporary, &rehash.old_hash, &rehash.new_hash) {
                return Err(StoreError::Conflict);
            }
            Self::write_user(tx, &user)
        })
        .await
    }
}
