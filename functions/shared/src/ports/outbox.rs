//! The transactional outbox: mail jobs written with the change that asks for them, listed when
//! due, taken by one sender at a time and finished with what became of them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::StoreError;
use crate::domain::{FailureReason, InviteStatus, MailJob, Queue, User};

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Up to `limit` mail jobs due at `now`, the longest waiting first (DynamoDB: one `Query` of
    /// the sparse `mailQueue` index, which only jobs are in). A job just taken by someone else may
    /// still be listed: taking it is what decides.
    async fn due_mail(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<MailJob>, StoreError> {
        self.due_in(Queue::Mail, now, limit).await
    }

    /// [`Outbox::due_mail`] of one queue: emails, or text messages.
    async fn due_in(
        &self,
        queue: Queue,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<MailJob>, StoreError>;

    /// Takes `job` until `until` (its `due`), counting one attempt, if it is still as listed:
    /// `None` when another sender took it first or it is gone. One conditional write.
    async fn take_mail(
        &self,
        job: &MailJob,
        until: DateTime<Utc>,
    ) -> Result<Option<MailJob>, StoreError>;

    /// Records what became of a job this sender holds, all or nothing ([`MailOutcome`]); when
    /// the outcome changed the invite, with [`crate::domain::AuditEvent::of_mail_outcome`] at
    /// `at` in the same write.
    async fn finish_mail(
        &self,
        job: &MailJob,
        outcome: &MailOutcome,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

/// What became of a mail job. Every outcome but `Retry` removes the job. The invite changes only
/// while its setup link is still the job's (same generation, user still invited): an email about
/// a link replaced meanwhile says nothing about the invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    /// The mail service accepted it as `message_id`: a welcome or reminder's invite is `sent`,
    /// remembers that id (an empty id is not recorded) and forgets an earlier bounce.
    Sent {
        message_id: String,
        at: DateTime<Utc>,
    },
    /// Not handed over yet: try again at `at` (the job stays, no longer held).
    Retry { at: DateTime<Utc> },
    /// Not tried at all: a text past the organisation's texts of the day waits for `at` (the next
    /// UTC day). As `Retry`, and the attempt it was taken with is not counted, so however many
    /// days a backlog waits, an outage afterwards still gets every try.
    Defer { at: DateTime<Utc> },
    /// Could not be handed over: a welcome or reminder's invite is `failed`.
    Failed,
    /// The number has texted STOP, and the service refused the text: a welcome or reminder's
    /// invite is `failed` with the reason `opted_out`. Never retried.
    OptedOut,
    /// Nothing to send any more: the user is gone, active or disabled, the link was replaced or
    /// expired, or the invite needs no reminder.
    Dropped,
}

impl MailOutcome {
    /// Records on `user` what this outcome of `job` made its invite (`status`, the id a sent
    /// message was given, an opt-out's reason), under [`User::record_mail_outcome`]'s rules: only
    /// while the job's link is still the one the invite waits on. Whether the invite changed.
    pub fn record_on(&self, user: &mut User, job: &MailJob, status: InviteStatus) -> bool {
        let accepted_as = match self {
            Self::Sent { message_id, .. } => Some(message_id.as_str()),
            _ => None,
        };
        if !user.record_mail_outcome(job, status, accepted_as) {
            return false;
        }
        if *self == Self::OptedOut {
            if let Some(invite) = user.invite.as_mut() {
                invite.failure = Some(FailureReason::OptedOut);
            }
        }
        true
    }
}
