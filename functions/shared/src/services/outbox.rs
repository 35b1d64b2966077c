//! The outbox's sending side (`domain::mail` says what a job is): writing an invite's or a
//! reset's jobs, and handing one held job to the mail service (an email) or the text service (a
//! text message) and recording what became of it. The sweep that sends what is due is
//! `schedule`.

use chrono::{DateTime, Duration, Utc};

use super::schedule::Pacer;
use super::Services;
use crate::domain::mail::{LEASE, MAX_ATTEMPTS};
use crate::domain::token::issue_from;
use crate::domain::{
    CodeKeys, FailureReason, Identifier, Invite, InviteStatus, IssuedToken, LinkKeys, MailJob,
    MailKind, User, UserStatus,
};
use crate::emails::{ResetEmail, WelcomeEmail};
use crate::ports::{
    Clock, EmailMessage, Limits, Links, MailError, MailOutcome, Mailer, Outbox, StoreError,
    TextMessage, Texter, Users,
};

/// What one job sends.
pub(super) enum Outgoing {
    Email(EmailMessage),
    Text(TextMessage),
}

/// How long one invocation of the mailer sweeps (seconds): the schedule comes every minute, so
/// a sweep ends before the next one is due and the next carries on.
pub const SWEEP_SPAN: i64 = 50;

/// What handing one job over came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub outcome: MailOutcome,
    /// The mail service was throttling: the sweep slows down.
    pub throttled: bool,
}

/// Handing one held job to the mail service and recording what became of it, holding only what
/// it uses: users (the job's addressee), links (a reminder issues its own), the outbox, the
/// mailer, the clock, the link keys and the public address the emails link to.
pub struct DeliverMail<'a> {
    pub users: &'a dyn Users,
    pub links: &'a dyn Links,
    pub outbox: &'a dyn Outbox,
    pub mailer: &'a dyn Mailer,
    pub texter: &'a dyn Texter,
    /// An organisation's texts of the day (`SMS_DAILY_LIMIT_PER_ORG`).
    pub limits: &'a dyn Limits,
    pub sms_daily_limit: u32,
    pub clock: &'a dyn Clock,
    pub link_keys: &'a LinkKeys,
    /// What a reminder's new link's code is hashed under.
    pub codes: &'a CodeKeys,
    pub public_base_url: &'a str,
    /// The language each user's messages are written in.
    pub langs: crate::i18n::Langs,
}

impl Services {
    /// The delivery use case on this app's ports.
    pub fn deliver_case(&self) -> DeliverMail<'_> {
        DeliverMail {
            users: self.store.as_ref(),
            links: self.store.as_ref(),
            outbox: self.store.as_ref(),
            mailer: self.mailer.as_ref(),
            texter: self.texter.as_ref(),
            limits: self.store.as_ref(),
            sms_daily_limit: self.config.sms.daily_limit_per_org,
            clock: self.clock.as_ref(),
            link_keys: &self.links,
            codes: &self.codes,
            public_base_url: &self.config.public_base_url,
            langs: self.config.langs(),
        }
    }

    /// [`DeliverMail::handle_job`].
    pub async fn handle_job(
        &self,
        job: &MailJob,
        user: Option<&User>,
    ) -> Result<Handover, StoreError> {
        self.deliver_case().handle_job(job, user).await
    }
}

impl DeliverMail<'_> {
    /// Hands a job this process holds to the mail service and records what became of it.
    /// `user` is the user as this request just wrote them (no read needed); `None` reads them.
    pub async fn handle_job(
        &self,
        job: &MailJob,
        user: Option<&User>,
    ) -> Result<Handover, StoreError> {
        self.handle_paced_job(job, user, None).await
    }

    /// [`DeliverMail::handle_job`], its mail service call waiting for `pacer`'s next slot.
    pub(super) async fn handle_paced_job(
        &self,
        job: &MailJob,
        user: Option<&User>,
        pacer: Option<&Pacer>,
    ) -> Result<Handover, StoreError> {
        let read;
        let user = match user {
            Some(u) => Some(u),
            None => {
                read = self.users.user_by(job.home()).await?;
                read.as_ref()
            }
        };
        let now = self.clock.now();
        let handled = if self.link_keys.token_bytes(job).is_none() {
            // Written under a key this process does not have (a retired rotation, or a tool
            // with a throwaway key): the link cannot be rebuilt, so the invite says `failed`
            // and a resend or forgot-password makes a new one.
            tracing::warn!(audit = "mail_key_unknown", user_id = %job.user_id.0, "the job's link key is not one of ours");
            Handover {
                outcome: MailOutcome::Failed,
                throttled: false,
            }
        } else {
            match self.prepare(job, user, now).await? {
                Some((user, message)) => {
                    if let Some(pacer) = pacer {
                        pacer.wait().await;
                    }
                    self.send(job, &user, message, self.clock.now()).await?
                }
                None => Handover {
                    outcome: MailOutcome::Dropped,
                    throttled: false,
                },
            }
        };
        self.outbox
            .finish_mail(job, &handled.outcome, self.clock.now())
            .await?;
        let (user_id, kind) = (&job.user_id.0, job.kind.as_str());
        let (sent, failed) = match job.kind {
            MailKind::Welcome => ("invite_sent", "invite_failed"),
            MailKind::Reminder => ("reminder_sent", "reminder_failed"),
            MailKind::Reset => ("reset_link_sent", "reset_link_failed"),
            MailKind::Expiry => ("expiry_seen", "expiry_seen"),
        };
        match &handled.outcome {
            MailOutcome::Sent { message_id, .. } => {
                tracing::info!(audit = sent, user_id, message_id = %message_id, attempts = job.attempts)
            }
            MailOutcome::Retry { at } => {
                tracing::warn!(audit = "mail_retry", user_id, kind, attempts = job.attempts, retry_at = %at)
            }
            MailOutcome::Defer { at } => {
                tracing::info!(audit = "text_deferred", user_id, kind, retry_at = %at)
            }
            MailOutcome::Failed => tracing::warn!(audit = failed, user_id, attempts = job.attempts),
            MailOutcome::OptedOut => {
                tracing::warn!(
                    audit = failed,
                    user_id,
                    reason = "opted_out",
                    "the number has opted out of texts"
                )
            }
            MailOutcome::Dropped => tracing::info!(audit = "mail_dropped", user_id, kind),
        }
        Ok(handled)
    }

    /// The user and the email to send for `job`, or `None` when there is nothing to send any
    /// more. A reminder issues its fresh link here (once: a retry of the same reminder finds the
    /// link it issued and sends it again).
    async fn prepare(
        &self,
        job: &MailJob,
        user: Option<&User>,
        now: DateTime<Utc>,
    ) -> Result<Option<(User, Outgoing)>, StoreError> {
        // The job goes to a contact the user still has: a corrected email or number drops it.
        let Some(user) = user.filter(|u| u.id == job.user_id && u.contacts.has(&job.to)) else {
            return Ok(None);
        };
        if !job.is_live(now) {
            return Ok(None);
        }
        let mut user = user.clone();
        match job.kind {
            MailKind::Welcome => {
                if user.status != UserStatus::Invited || user.setup_generation != job.generation {
                    return Ok(None);
                }
            }
            MailKind::Reset => {
                if user.status == UserStatus::Disabled || user.reset_generation != job.generation {
                    return Ok(None);
                }
            }
            // A watch carries no message (the schedule reads its queue itself).
            MailKind::Expiry => return Ok(None),
            MailKind::Reminder => {
                let Some(invite) = user.invite.clone() else {
                    return Ok(None);
                };
                // A number that opted out is asked no more than an address that bounced or
                // complained: End User Messaging would refuse the reminder, after its fresh link
                // had replaced the invite's and the invite showed a reminder sent.
                let wanted = user.status == UserStatus::Invited
                    && !matches!(
                        invite.status,
                        InviteStatus::Manual | InviteStatus::Bounced | InviteStatus::Complained
                    )
                    && invite.failure != Some(FailureReason::OptedOut);
                if !wanted {
                    return Ok(None);
                }
                let issued_by_this_job = user.setup_generation == job.link_generation()
                    && invite.reminder_sent_at.is_some();
                if !issued_by_this_job {
                    if user.setup_generation != job.generation || invite.reminder_sent_at.is_some()
                    {
                        return Ok(None);
                    }
                    let token = job_token(self.link_keys, job, &user, now).with_code(self.codes);
                    let reminded = Invite {
                        status: InviteStatus::Queued,
                        reminder_sent_at: Some(now),
                        ..invite
                    };
                    match self.links.issue_token(&token.record, Some(&reminded)).await {
                        Ok(()) => {}
                        Err(
                            StoreError::Conflict
                            | StoreError::AlreadyActive
                            | StoreError::UserNotFound,
                        ) => return Ok(None),
                        Err(e) => return Err(e),
                    }
                    user.setup_generation = job.link_generation();
                    user.invite = Some(reminded);
                    tracing::info!(audit = "invite_reminded", user_id = %user.id.0, org_id = %user.org_id.0);
                }
            }
        }
        let token = job_token(self.link_keys, job, &user, job.created_at);
        let to = match &job.to {
            Identifier::Email(to) => to,
            Identifier::Phone(to) => {
                return Ok(Some((user.clone(), self.text(job, &user, to, &token, now))));
            }
        };
        let message = match job.kind {
            // `prepare` sent no expiry watch this far.
            MailKind::Welcome | MailKind::Reminder | MailKind::Expiry => WelcomeEmail {
                lang: self.langs.for_user(&user),
                to,
                name: user.name.as_deref(),
                org_name: user.org_name.as_deref(),
                token: &token,
                public_base_url: self.public_base_url,
                // What is left of the link when it is sent (a retry goes out later).
                lifetime: roughly(job.link_expires_at - now),
                reminder: job.kind == MailKind::Reminder,
            }
            .render(),
            MailKind::Reset => ResetEmail {
                lang: self.langs.for_user(&user),
                to,
                org_name: user.org_name.as_deref(),
                token: &token,
                public_base_url: self.public_base_url,
                lifetime: roughly(job.link_expires_at - now),
            }
            .render(),
        };
        Ok(Some((user, Outgoing::Email(message))))
    }

    async fn send(
        &self,
        job: &MailJob,
        user: &User,
        message: Outgoing,
        now: DateTime<Utc>,
    ) -> Result<Handover, StoreError> {
        let message = match message {
            Outgoing::Email(message) => message,
            Outgoing::Text(text) => return self.send_text(job, user, text, now).await,
        };
        let (outcome, throttled) = match self.mailer.send(&message).await {
            Ok(message_id) => (
                MailOutcome::Sent {
                    message_id,
                    at: now,
                },
                false,
            ),
            Err(MailError::Rejected(e)) => {
                tracing::warn!(user_id = %user.id.0, error = %e, "the mail service refused the email");
                (MailOutcome::Failed, false)
            }
            Err(e @ (MailError::Unavailable(_) | MailError::Throttled(_))) => {
                // An account that cannot send now (a rate, a quota, a pause) is waited for until
                // the link expires (the job is then dropped and the invite shows `expired`);
                // anything else gets MAX_ATTEMPTS tries.
                let throttled = matches!(e, MailError::Throttled(_));
                tracing::warn!(user_id = %user.id.0, error = %e, "the mail service did not take the email");
                if !throttled && job.attempts >= MAX_ATTEMPTS {
                    (MailOutcome::Failed, throttled)
                } else {
                    (
                        MailOutcome::Retry {
                            at: job.retry_at(self.clock.now()),
                        },
                        throttled,
                    )
                }
            }
        };
        Ok(Handover { outcome, throttled })
    }
}

/// The link `job` carries, issued at `now` (the token the store must hold for it).
pub(crate) fn job_token(
    keys: &LinkKeys,
    job: &MailJob,
    user: &User,
    now: DateTime<Utc>,
) -> IssuedToken {
    let bytes = keys
        .token_bytes(job)
        .expect("a job made by this process is derived with this process's current link key");
    issue_from(
        bytes,
        job.kind.purpose(),
        user.token_subject(),
        job.link_generation(),
        now,
        job.link_expires_at,
    )
}

/// A job of `kind` for `user`'s link of `generation`, to `to` (an email address, or a phone for a
/// text message), derived with `keys`: held by the request that writes it (`send_at_once`), or
/// due at once for the sweep.
#[allow(clippy::too_many_arguments)]
pub(crate) fn new_job(
    keys: &LinkKeys,
    kind: MailKind,
    user: &User,
    to: &Identifier,
    generation: u64,
    link_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    send_at_once: bool,
) -> MailJob {
    let due = if send_at_once { held_until(now) } else { now };
    MailJob::new(
        kind,
        &user.id,
        to,
        &user.home(),
        generation,
        link_expires_at,
        keys,
        now,
        due,
    )
}

/// The invite's one reminder, when its link lasts longer than `reminder_before`
/// (`REMINDER_BEFORE`): due that long before the link expires.
pub(crate) fn reminder_job(
    keys: &LinkKeys,
    reminder_before: Duration,
    user: &User,
    to: &Identifier,
    generation: u64,
    link_expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<MailJob> {
    let due = link_expires_at - reminder_before;
    (due > now).then(|| {
        let mut job = new_job(
            keys,
            MailKind::Reminder,
            user,
            to,
            generation,
            link_expires_at,
            now,
            false,
        );
        job.due = due;
        job
    })
}

/// What is left of a link, as an email says it: to the nearest hour when an hour or more is
/// left, else to the nearest minute (a reminder goes out some seconds after its time).
pub(super) fn roughly(left: Duration) -> Duration {
    let unit = if left >= Duration::hours(1) {
        3600
    } else if left >= Duration::minutes(1) {
        60
    } else {
        1
    };
    let secs = (left.num_seconds() + unit / 2) / unit * unit;
    Duration::seconds(secs.max(1))
}

/// Until when a sender that takes a job at `now` holds it.
pub(crate) fn held_until(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::seconds(LEASE)
}

/// What the invite shows after its email was handled at once by the request that wrote it.
pub(crate) fn status_after(outcome: &MailOutcome) -> Option<InviteStatus> {
    match outcome {
        MailOutcome::Sent { .. } => Some(InviteStatus::Sent),
        MailOutcome::Retry { .. } | MailOutcome::Defer { .. } => Some(InviteStatus::Queued),
        MailOutcome::Failed | MailOutcome::OptedOut => Some(InviteStatus::Failed),
        MailOutcome::Dropped => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_of_a_link_is_said_to_the_hour_or_the_minute() {
        assert_eq!(
            roughly(Duration::days(7) - Duration::milliseconds(40)),
            Duration::days(7)
        );
        assert_eq!(
            roughly(Duration::hours(48) - Duration::seconds(70)),
            Duration::hours(48)
        );
        assert_eq!(
            roughly(Duration::minutes(30) - Duration::milliseconds(5)),
            Duration::minutes(30)
        );
        assert_eq!(roughly(Duration::seconds(29)), Duration::seconds(29));
    }
}
