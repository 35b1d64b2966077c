//! The text-message half of handing a job over ([`DeliverMail`]): a job's text (the company
//! name, the short link, the expiry and the code, `texts`), the organisation's texts of the day
//! (`SMS_DAILY_LIMIT_PER_ORG`), and End User Messaging's answers as outbox outcomes.

use chrono::{DateTime, Duration, Utc};

use super::outbox::{roughly, DeliverMail, Handover, Outgoing};
use crate::domain::mail::MAX_ATTEMPTS;
use crate::domain::{IssuedToken, MailJob, MailKind, OrgId, PhoneNumber, User};
use crate::ports::{Limits, MailOutcome, StoreError, TextError, TextMessage};
use crate::texts::{InviteText, ResetText};

impl DeliverMail<'_> {
    /// `job`'s text message: the company name, the short link, the expiry and the code.
    pub(super) fn text(
        &self,
        job: &MailJob,
        user: &User,
        to: &PhoneNumber,
        token: &IssuedToken,
        now: DateTime<Utc>,
    ) -> Outgoing {
        let link = token.short_link(self.public_base_url);
        let code = token.code();
        let org_name = user.org_name.as_deref();
        let body = match job.kind {
            // `prepare` sent no expiry watch this far.
            MailKind::Welcome | MailKind::Reminder | MailKind::Expiry => InviteText {
                lang: self.langs.for_user(user),
                org_name,
                link: &link,
                expires_at: job.link_expires_at,
                code: &code,
                public_base_url: self.public_base_url,
                reminder: job.kind == MailKind::Reminder,
            }
            .render(),
            MailKind::Reset => ResetText {
                lang: self.langs.for_user(user),
                org_name,
                link: &link,
                lifetime: roughly(job.link_expires_at - now),
                code: &code,
                public_base_url: self.public_base_url,
            }
            .render(),
        };
        Outgoing::Text(TextMessage {
            to: to.as_str().to_owned(),
            body,
            link,
            purpose: job.kind.as_str(),
        })
    }

    async fn take_daily_text(&self, user: &User, now: DateTime<Utc>) -> Result<bool, StoreError> {
        take_daily_text(self.limits, self.sms_daily_limit, &user.org_id, now).await
    }

    /// A text message, as [`DeliverMail::send`] an email: within the organisation's texts of the
    /// day (over them, it waits for the next day, `queued`), a number that opted out `failed`
    /// at once with its reason, a refusal `failed`, an outage retried with the same backoff.
    pub(super) async fn send_text(
        &self,
        job: &MailJob,
        user: &User,
        text: TextMessage,
        now: DateTime<Utc>,
    ) -> Result<Handover, StoreError> {
        if !self.take_daily_text(user, now).await? {
            let tomorrow = (now + Duration::days(1))
                .date_naive()
                .and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc())
                .unwrap_or(now + Duration::days(1));
            // The alarm on this metric filter tells the operator (template.yaml).
            tracing::warn!(audit = "sms_daily_limit_reached", org_id = %user.org_id.0, user_id = %user.id.0, "the organisation's texts of the day are used up; this one waits for tomorrow");
            return Ok(Handover {
                outcome: MailOutcome::Defer { at: tomorrow },
                throttled: false,
            });
        }
        let sent = self.texter.send(&text).await;
        if sent.is_err() {
            // Not sent: the day's slot goes back (best effort; a failure only costs a slot).
            let key = [daily_text_key(&user.org_id)];
            if let Err(e) = self.limits.give_back_slots(&key, TEXT_DAY, now).await {
                crate::telemetry::log_unexpected("giving back a text's daily slot", &e);
            }
        }
        let (outcome, throttled) = match sent {
            Ok(message_id) => (
                MailOutcome::Sent {
                    message_id,
                    at: now,
                },
                false,
            ),
            Err(TextError::OptedOut) => (MailOutcome::OptedOut, false),
            Err(TextError::Rejected(e)) => {
                tracing::warn!(user_id = %user.id.0, error = %e, "the text service refused the message");
                (MailOutcome::Failed, false)
            }
            Err(e @ (TextError::Unavailable(_) | TextError::Throttled(_))) => {
                let throttled = matches!(e, TextError::Throttled(_));
                tracing::warn!(user_id = %user.id.0, error = %e, "the text service did not take the message");
                if !throttled && job.attempts >= MAX_ATTEMPTS {
                    (MailOutcome::Failed, throttled)
                } else {
                    let at = job.retry_at(self.clock.now());
                    (MailOutcome::Retry { at }, throttled)
                }
            }
        };
        Ok(Handover { outcome, throttled })
    }
}

/// The window `SMS_DAILY_LIMIT_PER_ORG` counts: a UTC day (fixed windows start at midnight).
const TEXT_DAY: Duration = Duration::days(1);

/// The counter of an organisation's texts of the day: what a text takes and gives back.
fn daily_text_key(org_id: &OrgId) -> String {
    super::limits::hashed("sms-daily", &org_id.0)
}

/// One of the organisation's texts of the day (UTC), taken before a text is handed over, whatever
/// the text (an invite's, a reset's, a notice): `Ok(false)` when `SMS_DAILY_LIMIT_PER_ORG` are
/// gone.
pub(crate) async fn take_daily_text(
    limits: &dyn Limits,
    daily_limit: u32,
    org_id: &OrgId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let limit = [crate::ports::Limited {
        key: daily_text_key(org_id),
        max: u64::from(daily_limit),
    }];
    match super::limits::take_slots(limits, &limit, TEXT_DAY, now).await {
        Ok(()) => Ok(true),
        Err(super::limits::LimitError::Over(_)) => Ok(false),
        Err(super::limits::LimitError::Store(e)) => Err(e),
    }
}
