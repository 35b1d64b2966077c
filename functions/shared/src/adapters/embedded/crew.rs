//! An admin's list, cancel, disable and enable, in the embedded store.

use async_trait::async_trait;
use redb::ReadableTable;

use super::{backend, decode, EmbeddedStore, TOKENS, USERS};
use crate::domain::AuditEvent;
use crate::domain::{TokenRecord, User, UserStatus};
use crate::ports::{Crew, PageKey, StoreError, UserPage, UserQuery};

#[async_trait]
impl Crew for EmbeddedStore {
    /// Reads every user and sorts: the embedded store serves one developer's few users.
    async fn list_users(&self, query: &UserQuery) -> Result<UserPage, StoreError> {
        self.read(|rtx| {
            let table = rtx.open_table(USERS).map_err(backend)?;
            let mut users = Vec::new();
            for row in table.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let user: User = decode(v.value())?;
                if user.org_id != query.org_id || query.status.is_some_and(|s| s != user.status) {
                    continue;
                }
                if let Some(after) = &query.after {
                    let key = (user.created_at, user.home());
                    if (key.0, key.1.as_str()) >= (after.created_at, after.home.as_str()) {
                        continue;
                    }
                }
                users.push(user);
            }
            users.sort_by(|a, b| {
                (b.created_at, b.home().as_str()).cmp(&(a.created_at, a.home().as_str()))
            });
            let more = users.len() > query.limit;
            users.truncate(query.limit);
            let next = if more {
                users.last().map(PageKey::of)
            } else {
                None
            };
            Ok(UserPage { users, next })
        })
    }

    async fn cancel_invite(&self, user: &User, audit: &[AuditEvent]) -> Result<(), StoreError> {
        let (id, audit) = (user.id.clone(), audit.to_vec());
        self.write(move |tx| {
            let user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.has_own_credential() {
                return Err(StoreError::AlreadyActive);
            }
            tx.open_table(USERS)
                .map_err(backend)?
                .remove(id.0.as_str())
                .map_err(backend)?;
            Self::release_contacts(tx, &user.contacts)?;
            let mut tokens = tx.open_table(TOKENS).map_err(backend)?;
            let mut theirs = Vec::new();
            for row in tokens.iter().map_err(backend)? {
                let (k, v) = row.map_err(backend)?;
                let token: TokenRecord = decode(v.value())?;
                if token.user_id == id {
                    theirs.push(k.value().to_owned());
                }
            }
            for key in theirs {
                tokens.remove(key.as_str()).map_err(backend)?;
            }
            Self::write_events(tx, &audit)
        })
        .await
    }

    async fn disable_user(
        &self,
        user: &User,
        new_session_version: &str,
        audit: &[AuditEvent],
    ) -> Result<User, StoreError> {
        let (id, audit) = (user.id.clone(), audit.to_vec());
        let sv = new_session_version.to_owned();
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.status != UserStatus::Disabled {
                user.disable(sv);
                Self::write_user(tx, &user)?;
                Self::write_events(tx, &audit)?;
            }
            Ok(user)
        })
        .await
    }

    async fn enable_user(&self, user: &User, audit: &[AuditEvent]) -> Result<User, StoreError> {
        let (id, audit) = (user.id.clone(), audit.to_vec());
        self.write(move |tx| {
            let mut user = Self::read_user(tx, &id.0)?.ok_or(StoreError::UserNotFound)?;
            if user.status == UserStatus::Disabled {
                user.enable();
                Self::write_user(tx, &user)?;
                Self::write_events(tx, &audit)?;
            }
            Ok(user)
        })
        .await
    }

    async fn correct_user(
        &self,
        before: &User,
        after: &User,
        audit: &[AuditEvent],
    ) -> Result<(), StoreError> {
        let (before, after, audit) = (before.clone(), after.clone(), audit.to_vec());
        self.write(move |tx| {
            let current = Self::read_user(tx, &before.id.0)?.ok_or(StoreError::UserNotFound)?;
            // Exactly as read: a correction never writes back over a change it did not see.
            if current != before {
                return Err(StoreError::Conflict);
            }
            Self::release_contacts(tx, &current.contacts)?;
            Self::claim_contacts(tx, &after.contacts, &after.id)?;
            Self::write_user(tx, &after)?;
            Self::write_events(tx, &audit)
        })
        .await
    }
}
