//! The schedule's sweep: sends whatever is due (queued emails, retries, reminders), the longest
//! waiting first, at no more than `MAIL_SEND_RATE` per second, and reports what it did.

use chrono::{DateTime, Duration, Utc};

use super::outbox::{held_until, DeliverMail};
use super::Services;
use crate::domain::{MailJob, MailKind, Queue};
use crate::ports::{Clock, MailOutcome, Outbox, StoreError};
use crate::telemetry::log_unexpected;

/// How many due jobs one query of the sweep reads.
const SWEEP_PAGE: usize = 25;

/// What one run of the schedule did.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleReport {
    pub sent: usize,
    /// Not handed over this time; each waits for its retry.
    pub retried: usize,
    pub failed: usize,
    /// Jobs with nothing left to send (a link replaced, a user gone or active, no reminder due).
    pub dropped: usize,
    /// How long the longest-waiting due job had waited when the run began (seconds): what the
    /// operators' alarm watches.
    pub oldest_waiting_secs: i64,
    /// Whether the run stopped at its deadline with jobs still due.
    pub cut_short: bool,
    /// The audit log's expiry watches and the webhooks' fan-out and deliveries.
    pub hooks: super::hooks::HookReport,
}

impl ScheduleReport {
    /// The figures the operators' metrics carry.
    pub fn metrics(&self) -> crate::telemetry::MailMetrics {
        crate::telemetry::MailMetrics {
            oldest_waiting_secs: self.oldest_waiting_secs,
            sent: self.sent,
            retried: self.retried,
            failed: self.failed,
            webhooks_delivered: self.hooks.delivered,
            webhooks_failed: self.hooks.failed + self.hooks.retried,
        }
    }
}

/// The sweep, holding only what it uses: the outbox, the delivery of one job, the clock and the
/// configured send rate.
pub struct Schedule<'a> {
    pub outbox: &'a dyn Outbox,
    pub deliver: DeliverMail<'a>,
    pub clock: &'a dyn Clock,
    /// `MAIL_SEND_RATE`: emails per second at most.
    pub send_rate: f64,
    /// `SMS_SEND_RATE`: text messages per second at most.
    pub text_rate: f64,
}

impl Services {
    /// The schedule use case on this app's ports.
    pub fn schedule_case(&self) -> Schedule<'_> {
        Schedule {
            outbox: self.store.as_ref(),
            deliver: self.deliver_case(),
            clock: self.clock.as_ref(),
            send_rate: self.config.mail_send_rate,
            text_rate: self.config.sms.send_rate,
        }
    }

    /// [`Schedule::run`], and beside it [`super::hooks::DeliverHooks::run`] (expiry watches,
    /// the webhooks' fan-out and deliveries), each with the same deadline.
    pub async fn run_schedule(&self, until: DateTime<Utc>) -> Result<ScheduleReport, StoreError> {
        let (schedule, hooks) = (self.schedule_case(), self.hooks_case());
        let (mail, hooks) = tokio::join!(schedule.run(until), hooks.run(until));
        // The mail's report (and its metric line) stands whatever became of the webhooks: what
        // they left is in the store for the next run.
        let hooks = hooks.unwrap_or_else(|e| {
            log_unexpected("the audit log's and webhooks' part of the schedule", &e);
            super::hooks::HookReport {
                cut_short: true,
                ..Default::default()
            }
        });
        Ok(ScheduleReport { hooks, ..mail? })
    }
}

impl Schedule<'_> {
    /// The schedule: sends every due job (queued emails, retries, reminders), the longest
    /// waiting first, at no more than `MAIL_SEND_RATE` per second, until none is due or `until`
    /// comes. Each job is taken (one conditional write) before it is sent, so two sweeps, or a
    /// sweep and the request that wrote the job, never send one job twice while a hold lasts.
    ///
    /// Emails and text messages are two queues, swept side by side, each at its own rate
    /// (`SMS_SEND_RATE` for texts), so neither waits behind the other.
    pub async fn run(&self, until: DateTime<Utc>) -> Result<ScheduleReport, StoreError> {
        let (mail, text) = tokio::join!(
            self.run_queue(Queue::Mail, self.send_rate, until),
            self.run_queue(Queue::Text, self.text_rate, until)
        );
        let (mail, text) = (mail?, text?);
        Ok(ScheduleReport {
            sent: mail.sent + text.sent,
            retried: mail.retried + text.retried,
            failed: mail.failed + text.failed,
            dropped: mail.dropped + text.dropped,
            oldest_waiting_secs: mail.oldest_waiting_secs.max(text.oldest_waiting_secs),
            cut_short: mail.cut_short || text.cut_short,
            hooks: Default::default(),
        })
    }

    /// One queue's sweep, at `rate` per second.
    async fn run_queue(
        &self,
        queue: Queue,
        rate: f64,
        until: DateTime<Utc>,
    ) -> Result<ScheduleReport, StoreError> {
        let pacer = Pacer::new(rate);
        let mut report = ScheduleReport::default();
        let mut first_page = true;
        loop {
            let now = self.clock.now();
            if now >= until {
                report.cut_short = true;
                break;
            }
            let due = self.outbox.due_in(queue, now, SWEEP_PAGE).await?;
            if first_page {
                report.oldest_waiting_secs = due
                    .iter()
                    .map(|j| (now - waiting_since(j)).num_seconds())
                    .max()
                    .unwrap_or(0);
                first_page = false;
            }
            if due.is_empty() {
                break;
            }
            let mut progressed = false;
            for listed in due {
                // The next email's slot, never past the deadline.
                let wait = pacer
                    .next_slot()
                    .saturating_duration_since(tokio::time::Instant::now());
                if self.clock.now() + Duration::from_std(wait).unwrap_or_default() >= until {
                    report.cut_short = true;
                    return Ok(report);
                }
                let Some(job) = self
                    .outbox
                    .take_mail(&listed, held_until(self.clock.now()))
                    .await?
                else {
                    continue; // another sender has it
                };
                progressed = true;
                let handled = match self
                    .deliver
                    .handle_paced_job(&job, None, Some(&pacer))
                    .await
                {
                    Ok(h) => h,
                    // The job stays held until its hold runs out, then comes due again.
                    Err(e) => {
                        log_unexpected("sending a queued email", &e);
                        report.retried += 1;
                        continue;
                    }
                };
                if handled.throttled {
                    // Give the account's rate a second to recover on top of the job's backoff.
                    pacer.pause(std::time::Duration::from_secs(1));
                }
                match handled.outcome {
                    MailOutcome::Sent { .. } => report.sent += 1,
                    MailOutcome::Retry { .. } | MailOutcome::Defer { .. } => report.retried += 1,
                    MailOutcome::Failed | MailOutcome::OptedOut => report.failed += 1,
                    MailOutcome::Dropped => report.dropped += 1,
                }
            }
            if !progressed {
                // Everything listed was taken meanwhile (or the index has not caught up yet).
                break;
            }
        }
        Ok(report)
    }
}

/// Spaces one sweep's mail service calls: each waits for its slot, and the next slot is `1 /
/// MAIL_SEND_RATE` after it (or now, when handling took longer), so consecutive sends are never
/// closer than the rate allows, and the time spent reading and recording is not added on top.
pub(super) struct Pacer {
    pace: std::time::Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    pub(super) fn new(rate: f64) -> Self {
        Self {
            pace: std::time::Duration::from_secs_f64(1.0 / rate),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    pub(super) fn next_slot(&self) -> tokio::time::Instant {
        *self.next.lock().expect("pacer lock")
    }

    /// Waits for the next slot and takes it.
    pub(super) async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().expect("pacer lock");
            let at = (*next).max(tokio::time::Instant::now());
            *next = at + self.pace;
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Moves the next slot `by` later.
    pub(super) fn pause(&self, by: std::time::Duration) {
        *self.next.lock().expect("pacer lock") += by;
    }
}

/// Since when a due job has been waiting: a reminder from its time, anything else from when it
/// was written.
fn waiting_since(job: &MailJob) -> DateTime<Utc> {
    match job.kind {
        MailKind::Reminder => job.due,
        _ => job.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn sends_are_spaced_by_the_rate_and_slow_handling_is_not_added_on_top() {
        let pacer = Pacer::new(10.0);
        let start = tokio::time::Instant::now();
        let mut at = Vec::new();
        for _ in 0..3 {
            pacer.wait().await;
            at.push(start.elapsed().as_millis());
        }
        assert_eq!(at, [0, 100, 200]);
        // Handling that takes longer than a slot: the next send goes at once, then 100 ms on.
        tokio::time::advance(std::time::Duration::from_millis(450)).await;
        pacer.wait().await;
        assert_eq!(start.elapsed().as_millis(), 650);
        pacer.wait().await;
        assert_eq!(start.elapsed().as_millis(), 750);
        // A throttled send pauses the next slot by a second.
        pacer.pause(std::time::Duration::from_secs(1));
        pacer.wait().await;
        assert_eq!(start.elapsed().as_millis(), 1850);
    }
}
