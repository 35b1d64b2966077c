//! The audit log on this store (port `AuditLog`), and how the other ports' writes put their
//! events in it: each event under its organisation, time and id in `AUDIT` (so a page of the log
//! is one range read backwards), and under its time and id in `FANOUT` (its mark: not yet fanned
//! out to the webhooks), both in the transaction of the change the event records.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::WriteTransaction;

use super::{backend, decode, encode, EmbeddedStore, AUDIT, FANOUT, MAIL};
use crate::domain::{AuditEvent, MailJob, OrgId, UserStatus};
use crate::ports::{AuditKey, AuditLog, AuditPage, AuditQuery, StoreError};

/// Parts of a key are joined with NUL, below any character of an id or a time, so a prefix and
/// NUL is exactly one organisation's (or one webhook's) range, and `prefix\u{1}` ends it.
pub(super) const SEP: char = '\0';
pub(super) const END: char = '\u{1}';

/// `at` as text that sorts as the time does: fixed width, nanoseconds included (two events a
/// nanosecond apart keep their order; equal times fall back to the id).
pub(super) fn sortable(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
}

/// An event's key in the log: its organisation, then the order the log is read in.
fn log_key(org: &OrgId, at: DateTime<Utc>, id: &str) -> String {
    format!("{}{SEP}{}{SEP}{id}", org.0, sortable(at))
}

/// An event's fan-out mark's key: the oldest first, whatever its organisation.
pub(super) fn mark_key(at: DateTime<Utc>, id: &str) -> String {
    format!("{}{SEP}{id}", sortable(at))
}

impl EmbeddedStore {
    /// Puts `events` in the log, each with its fan-out mark, in the caller's transaction: the
    /// change they record commits with them or not at all. The caller must not hold `AUDIT` or
    /// `FANOUT` open.
    pub(super) fn write_events(
        tx: &WriteTransaction,
        events: &[AuditEvent],
    ) -> Result<(), StoreError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut log = tx.open_table(AUDIT).map_err(backend)?;
        let mut marks = tx.open_table(FANOUT).map_err(backend)?;
        for event in events {
            let bytes = encode(event)?;
            log.insert(
                log_key(&event.org_id, event.at, &event.id).as_str(),
                bytes.as_slice(),
            )
            .map_err(backend)?;
            marks
                .insert(mark_key(event.at, &event.id).as_str(), bytes.as_slice())
                .map_err(backend)?;
        }
        Ok(())
    }
}

#[async_trait]
impl AuditLog for EmbeddedStore {
    /// Reads the organisation's range backwards from `after`, skipping what the filters and the
    /// retention leave out, until a page is full and one more event matches: so `next` is only
    /// given when there is more to read.
    async fn audit_events(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        let retention = self.audit_retention;
        self.read(|rtx| {
            let table = rtx.open_table(AUDIT).map_err(backend)?;
            let org = &query.org_id.0;
            let start = format!("{org}{SEP}");
            let end = match &query.after {
                Some(after) => log_key(&query.org_id, after.at, &after.id),
                None => format!("{org}{END}"),
            };
            let mut events: Vec<AuditEvent> = Vec::new();
            if query.limit == 0 {
                return Ok(AuditPage { events, next: None });
            }
            for row in table
                .range(start.as_str()..end.as_str())
                .map_err(backend)?
                .rev()
            {
                let (_, v) = row.map_err(backend)?;
                let event: AuditEvent = decode(v.value())?;
                let expired = event
                    .at
                    .checked_add_signed(retention)
                    .is_some_and(|until| until <= query.now);
                if expired
                    || query.action.is_some_and(|a| a != event.action)
                    || query
                        .user_id
                        .as_ref()
                        .is_some_and(|u| event.user_id().as_ref() != Some(u))
                {
                    continue;
                }
                if events.len() == query.limit {
                    let next = events.last().map(AuditKey::of);
                    return Ok(AuditPage { events, next });
                }
                events.push(event);
            }
            Ok(AuditPage { events, next: None })
        })
    }

    /// The watch goes whatever the user's state: it has done its work once its link expired.
    async fn record_expiry(&self, watch: &MailJob, event: &AuditEvent) -> Result<bool, StoreError> {
        let (watch, event) = (watch.clone(), event.clone());
        self.write(move |tx| {
            let removed = tx
                .open_table(MAIL)
                .map_err(backend)?
                .remove(watch.id.as_str())
                .map_err(backend)?
                .is_some();
            if !removed {
                return Ok(false);
            }
            let Some(user) = Self::read_user(tx, &watch.user_id.0)? else {
                return Ok(false);
            };
            let waiting = user.status == UserStatus::Invited
                && user.password_hash.is_none()
                && user.passkey_handle.is_none()
                && !user.has_own_credential()
                && user.invite.as_ref().is_some_and(|invite| {
                    invite.expires_at == watch.link_expires_at && invite.expires_at <= event.at
                });
            if waiting {
                Self::write_events(tx, std::slice::from_ref(&event))?;
            }
            Ok(waiting)
        })
        .await
    }
}
