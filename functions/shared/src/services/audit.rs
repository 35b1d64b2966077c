//! Reading the audit log (API.md, "Audit log"): `GET /audit`, the admin's organisation's events
//! newest first, and `GET /users/{id}/events`, one user's timeline. The events themselves are
//! written by the other use cases, each with the store write that makes its change.

use serde::{Deserialize, Serialize};

use super::crew::{DEFAULT_PAGE, MAX_PAGE};
use super::invite::{user_in_org, FindUserError};
use super::Services;
use crate::domain::cursor::CursorKeys;
use crate::domain::{AuditAction, AuditEvent, User, UserId};
use crate::ports::{AuditKey, AuditLog, AuditQuery, Clock, StoreError, Users};

/// Which events an admin asks for, beside their organisation (always the session's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user_id: Option<UserId>,
    pub action: Option<AuditAction>,
}

impl AuditFilter {
    /// What a cursor is bound to: the organisation and these filters.
    fn scope(&self, admin: &User) -> String {
        format!(
            "audit\n{}\n{}\n{}",
            admin.org_id.0,
            self.user_id.as_ref().map_or("", |u| u.0.as_str()),
            self.action.map_or("", AuditAction::as_str)
        )
    }
}

/// One page of events and the cursor of the next (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvents {
    pub events: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditReadError {
    /// Not a cursor this service issued for this organisation and these filters.
    #[error("the cursor is not valid here")]
    BadCursor,
    /// `GET /users/{id}/events` of a user the organisation never had.
    #[error("no such user in the admin's organisation")]
    NotFound,
    #[error("reading the audit log")]
    Store(#[from] StoreError),
}

/// Reading the log, holding only what it uses: the log, users (to tell an unknown user from
/// one without events), the clock (retention) and the cursor keys.
pub struct ReadAudit<'a> {
    pub log: &'a dyn AuditLog,
    pub users: &'a dyn Users,
    pub clock: &'a dyn Clock,
    pub cursors: &'a CursorKeys,
}

impl Services {
    pub fn audit_case(&self) -> ReadAudit<'_> {
        ReadAudit {
            log: self.store.as_ref(),
            users: self.store.as_ref(),
            clock: self.clock.as_ref(),
            cursors: &self.cursors,
        }
    }
}

/// A page's end as the cursor carries it.
#[derive(Serialize, Deserialize)]
struct End {
    t: chrono::DateTime<chrono::Utc>,
    i: String,
}

impl ReadAudit<'_> {
    /// `GET /audit`: one page of the admin's organisation's events, newest first.
    pub async fn page(
        &self,
        admin: &User,
        filter: AuditFilter,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<AuditEvents, AuditReadError> {
        let scope = filter.scope(admin);
        let after = cursor
            .map(|c| self.open(&scope, c))
            .transpose()?
            .map(|end| AuditKey {
                at: end.t,
                id: end.i,
            });
        let query = AuditQuery {
            org_id: admin.org_id.clone(),
            user_id: filter.user_id,
            action: filter.action,
            limit: limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE),
            after,
            now: self.clock.now(),
        };
        let page = self.log.audit_events(&query).await?;
        let next_cursor = page.next.map(|key| {
            let end = End {
                t: key.at,
                i: key.id,
            };
            self.cursors
                .sign(&scope, &serde_json::to_vec(&end).unwrap_or_default())
        });
        Ok(AuditEvents {
            events: page.events,
            next_cursor,
        })
    }

    /// `GET /users/{id}/events`: one user's timeline. `NotFound` for a user the organisation
    /// does not have and never had (a cancelled invite's user is gone, their events are not).
    pub async fn user_events(
        &self,
        admin: &User,
        id: &str,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<AuditEvents, AuditReadError> {
        let filter = AuditFilter {
            user_id: Some(UserId(id.to_owned())),
            action: None,
        };
        let page = self.page(admin, filter, limit, cursor).await?;
        if page.events.is_empty() && cursor.is_none() {
            match user_in_org(self.users, admin, id).await {
                Ok(_) => {}
                Err(FindUserError::NotFound) => return Err(AuditReadError::NotFound),
                Err(FindUserError::Store(e)) => return Err(e.into()),
            }
        }
        Ok(page)
    }

    fn open(&self, scope: &str, cursor: &str) -> Result<End, AuditReadError> {
        let payload = self
            .cursors
            .open(scope, cursor)
            .ok_or(AuditReadError::BadCursor)?;
        serde_json::from_slice(&payload).map_err(|_| AuditReadError::BadCursor)
    }
}
