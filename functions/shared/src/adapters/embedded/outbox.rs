//! The outbox in the embedded store: a table of mail jobs by id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::ReadableTable;

use super::{backend, decode, EmbeddedStore, MAIL};
use crate::domain::AuditEvent;
use crate::domain::{InviteStatus, MailJob, Queue};
use crate::ports::{MailOutcome, Outbox, StoreError};

#[async_trait]
impl Outbox for EmbeddedStore {
    async fn due_in(
        &self,
        queue: Queue,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<MailJob>, StoreError> {
        let mut due: Vec<MailJob> = self.read(|rtx| {
            let table = rtx.open_table(MAIL).map_err(backend)?;
            let mut jobs = Vec::new();
            for row in table.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let job: MailJob = decode(v.value())?;
                if job.queue() == queue && job.due.timestamp_millis() <= now.timestamp_millis() {
                    jobs.push(job);
                }
            }
            Ok(jobs)
        })?;
        due.sort_by_key(|j| (j.due, j.created_at));
        due.truncate(limit);
        Ok(due)
    }

    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError> {
        let (id, seen) = (job.id.clone(), job.due.timestamp_millis());
        self.write(move |tx| {
            let Some(mut job) = Self::read_job(tx, &id)? else {
                return Ok(None);
            };
            if job.due.timestamp_millis() != seen {
                return Ok(None);
            }
            job.due = until;
            job.attempts += 1;
            Self::write_jobs(tx, std::slice::from_ref(&job))?;
            Ok(Some(job))
        })
        .await
    }

    async fn finish_mail(
        &self,
        job: &MailJob,
        outcome: &MailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let (job, outcome) = (job.clone(), outcome.clone());
        self.write(move |tx| {
            let Some(mut stored) = Self::read_job(tx, &job.id)? else {
                return Ok(());
            };
            let invite_status = match &outcome {
                MailOutcome::Retry { at } | MailOutcome::Defer { at } => {
                    // Only while this sender still holds it.
                    if stored.due.timestamp_millis() == job.due.timestamp_millis() {
                        stored.due = *at;
                        if matches!(outcome, MailOutcome::Defer { .. }) {
                            stored.attempts = stored.attempts.saturating_sub(1);
                        }
                        Self::write_jobs(tx, std::slice::from_ref(&stored))?;
                    }
                    return Ok(());
                }
                MailOutcome::Sent { .. } => Some(InviteStatus::Sent),
                MailOutcome::Failed | MailOutcome::OptedOut => Some(InviteStatus::Failed),
                MailOutcome::Dropped => None,
            };
            tx.open_table(MAIL)
                .map_err(backend)?
                .remove(job.id.as_str())
                .map_err(backend)?;
            let Some(status) = invite_status else {
                return Ok(());
            };
            let Some(mut user) = Self::read_user(tx, &job.user_id.0)? else {
                return Ok(());
            };
            if !outcome.record_on(&mut user, &job, status) {
                return Ok(());
            }
            Self::write_message(tx, &user.id, user.invite.as_ref())?;
            Self::write_user(tx, &user)?;
            let sent = match outcome {
                MailOutcome::Sent { .. } => Some(true),
                MailOutcome::Failed | MailOutcome::OptedOut => Some(false),
                _ => None,
            };
            let event = AuditEvent::of_mail_outcome(&user, &job, sent, at);
            Self::write_events(tx, event.as_slice())
        })
        .await
    }
}
