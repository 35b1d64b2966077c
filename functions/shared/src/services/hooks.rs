//! The schedule's share of the audit log and the webhooks (API.md, "Audit log", "Webhooks"):
//! - invites' expiry watches that came due record `invite.expired`, once;
//! - events not yet fanned out become one delivery job per subscribed endpoint;
//! - due deliveries are posted, signed per attempt, and retried with backoff for three days;
//!   an endpoint that answers `410`, or has failed every delivery for three days, is disabled.
//!
//! Each step is a store write that either happened or did not, so a process killed anywhere
//! leaves the mark, the job or the watch behind for the next run: at least once.

use chrono::{DateTime, Duration, Utc};
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::collections::HashMap;

use super::outbox::held_until;
use super::Services;
use crate::domain::rfc3339;
use crate::domain::webhook::{retry_window, DELIVERY_LEASE_SECS};
use crate::domain::{
    Actor, AttemptOutcome, AuditAction, AuditEvent, DeliveryAttempt, DeliveryJob, MailJob,
    MailKind, OrgId, Queue, User, UserStatus, Webhook,
};
use crate::ports::{
    AuditLog, Clock, DeliveryNext, EndpointHealth, MailOutcome, Outbox, StoreError, Users, Webhooks,
};
use crate::telemetry::log_unexpected;
use crate::webhooks::{headers, WebhookClient, WebhookSecret};

/// How many items one query of a sweep reads.
const PAGE: usize = 25;

/// How many due deliveries one query reads: more than a page, so that one endpoint's backlog at
/// the head of the queue leaves room for the others' ([`PER_ENDPOINT`]).
const DELIVERY_PAGE: usize = 100;

/// How many deliveries to one endpoint are in flight at once: a receiver that hangs holds two
/// of the [`IN_FLIGHT`] slots, never all of them.
const PER_ENDPOINT: usize = 2;

/// How many deliveries are in flight at once: receivers answer slowly (up to the 15-second
/// timeout), and one slow receiver must not hold up the others.
const IN_FLIGHT: usize = 8;

/// A delivery is not started this close to the run's deadline: its timeout would outlast it.
const ATTEMPT_BUDGET_SECS: i64 = 16;

/// What one run did with the log and the webhooks.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HookReport {
    /// `invite.expired` events recorded.
    pub expired: usize,
    /// Events fanned out (whether or not any endpoint wanted them).
    pub fanned_out: usize,
    pub delivered: usize,
    /// Attempts that failed and will be tried again.
    pub retried: usize,
    /// Deliveries given up on (three days of failures, or `410`).
    pub failed: usize,
    /// Endpoints disabled.
    pub disabled: usize,
    pub cut_short: bool,
}

/// The schedule's webhook work, holding only what it uses.
pub struct DeliverHooks<'a> {
    pub outbox: &'a dyn Outbox,
    pub users: &'a dyn Users,
    pub log: &'a dyn AuditLog,
    pub webhooks: &'a dyn Webhooks,
    pub client: &'a WebhookClient,
    pub clock: &'a dyn Clock,
}

impl Services {
    pub fn hooks_case(&self) -> DeliverHooks<'_> {
        DeliverHooks {
            outbox: self.store.as_ref(),
            users: self.store.as_ref(),
            log: self.store.as_ref(),
            webhooks: self.store.as_ref(),
            client: &self.webhook_client,
            clock: self.clock.as_ref(),
        }
    }
}

impl DeliverHooks<'_> {
    /// Expiry watches, then fan-out, then deliveries, until nothing is due or `until` comes.
    pub async fn run(&self, until: DateTime<Utc>) -> Result<HookReport, StoreError> {
        let mut report = HookReport::default();
        self.record_expiries(until, &mut report).await?;
        self.fan_out(until, &mut report).await?;
        self.deliver(until, &mut report).await?;
        Ok(report)
    }

    async fn record_expiries(
        &self,
        until: DateTime<Utc>,
        report: &mut HookReport,
    ) -> Result<(), StoreError> {
        loop {
            let now = self.clock.now();
            if now >= until {
                report.cut_short = true;
                return Ok(());
            }
            let due = self.outbox.due_in(Queue::Expiry, now, PAGE).await?;
            if due.is_empty() {
                return Ok(());
            }
            let mut progressed = false;
            for listed in due {
                let Some(watch) = self.outbox.take_mail(&listed, held_until(now)).await? else {
                    continue;
                };
                progressed = true;
                if self.record_expiry(&watch).await? {
                    report.expired += 1;
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// One watch this run holds: `invite.expired` if the invite still waits on its link.
    async fn record_expiry(&self, watch: &MailJob) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let user = self.users.user_by_id(&watch.user_id).await?;
        match user.filter(|u| still_waits(u, watch, now)) {
            Some(user) => {
                let channel = user
                    .invite
                    .as_ref()
                    .and_then(|i| i.channel)
                    .map_or("email", |c| c.as_str());
                let event =
                    AuditEvent::about_user(AuditAction::InviteExpired, Actor::system(), &user, now)
                        .with("channel", channel)
                        .with("expiresAt", rfc3339(watch.link_expires_at));
                self.log.record_expiry(watch, &event).await
            }
            None => {
                self.outbox
                    .finish_mail(watch, &MailOutcome::Dropped, now)
                    .await?;
                Ok(false)
            }
        }
    }

    async fn fan_out(
        &self,
        until: DateTime<Utc>,
        report: &mut HookReport,
    ) -> Result<(), StoreError> {
        // Each organisation's endpoints, read once a run, and again for an event newer than
        // the read (an endpoint registered meanwhile hears every event after it).
        let mut endpoints: HashMap<OrgId, (DateTime<Utc>, Vec<Webhook>)> = HashMap::new();
        loop {
            let now = self.clock.now();
            if now >= until {
                report.cut_short = true;
                return Ok(());
            }
            let due = self.webhooks.due_fanouts(now, PAGE).await?;
            if due.is_empty() {
                return Ok(());
            }
            let mut progressed = false;
            for event in due {
                let stale = endpoints
                    .get(&event.org_id)
                    .is_none_or(|(read_at, _)| event.at >= *read_at);
                if stale {
                    let read_at = self.clock.now();
                    let hooks = self.webhooks.webhooks_of(&event.org_id).await?;
                    endpoints.insert(event.org_id.clone(), (read_at, hooks));
                }
                let hooks = &endpoints[&event.org_id].1;
                let now = self.clock.now();
                let jobs: Vec<DeliveryJob> = hooks
                    .iter()
                    .filter(|h| h.wants(&event) && h.created_at <= event.at)
                    .map(|h| DeliveryJob::new(&h.id, &event, now))
                    .collect();
                if self.webhooks.fan_out(&event, &jobs).await? {
                    progressed = true;
                    report.fanned_out += 1;
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    async fn deliver(
        &self,
        until: DateTime<Utc>,
        report: &mut HookReport,
    ) -> Result<(), StoreError> {
        loop {
            let now = self.clock.now();
            if now + Duration::seconds(ATTEMPT_BUDGET_SECS) >= until {
                report.cut_short = true;
                return Ok(());
            }
            let due = self.webhooks.due_deliveries(now, DELIVERY_PAGE).await?;
            if due.is_empty() {
                return Ok(());
            }
            let mut progressed = false;
            let mut listed = due.into_iter().peekable();
            let mut running = FuturesUnordered::new();
            // Jobs in flight per endpoint; a job over its endpoint's share waits for a later page.
            let mut per_endpoint: HashMap<String, usize> = HashMap::new();
            loop {
                while running.len() < IN_FLIGHT && listed.peek().is_some() {
                    // No attempt starts that its timeout could carry past the run's deadline
                    // (and the mailer's Lambda timeout behind it).
                    if self.clock.now() + Duration::seconds(ATTEMPT_BUDGET_SECS) >= until {
                        report.cut_short = true;
                        listed.by_ref().for_each(drop);
                        break;
                    }
                    let Some(job) = listed.next() else { break };
                    let share = per_endpoint.entry(job.webhook_id.clone()).or_default();
                    if *share >= PER_ENDPOINT {
                        continue;
                    }
                    *share += 1;
                    running.push(self.deliver_one(job));
                }
                let Some((webhook_id, done)) = running.next().await else {
                    break;
                };
                if let Some(share) = per_endpoint.get_mut(&webhook_id) {
                    *share -= 1;
                }
                match done {
                    Ok(None) => {}
                    Ok(Some(outcome)) => {
                        progressed = true;
                        match outcome {
                            Done::Delivered => report.delivered += 1,
                            Done::Retrying => report.retried += 1,
                            Done::Failed { disabled } => {
                                report.failed += 1;
                                report.disabled += usize::from(disabled);
                            }
                            Done::Dropped => {}
                        }
                    }
                    // The job stays held until its hold runs out, then comes due again.
                    Err(e) => log_unexpected("a webhook delivery", &e),
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// [`Self::attempt`], named by its endpoint.
    async fn deliver_one(&self, listed: DeliveryJob) -> (String, Result<Option<Done>, StoreError>) {
        let webhook_id = listed.webhook_id.clone();
        (webhook_id, self.attempt(listed).await)
    }

    /// Takes, posts and finishes one job. `None` when another sender took it first.
    async fn attempt(&self, listed: DeliveryJob) -> Result<Option<Done>, StoreError> {
        let now = self.clock.now();
        let until = now + Duration::seconds(DELIVERY_LEASE_SECS);
        let Some(job) = self.webhooks.take_delivery(&listed, until).await? else {
            return Ok(None);
        };
        let hook = self
            .webhooks
            .webhook(&job.event.org_id, &job.webhook_id)
            .await?
            .filter(|h| h.disabled_at.is_none());
        let (secret, hook) = match hook
            .and_then(|h| Some((WebhookSecret::from_whsec(&h.secret)?, h)))
        {
            Some(found) => found,
            // Deleted or disabled meanwhile: nothing to send it to.
            None => {
                return self
                    .webhooks
                    .finish_delivery(&job, None, &DeliveryNext::Done, &EndpointHealth::Unchanged)
                    .await
                    .map(|()| Some(Done::Dropped));
            }
        };
        let body = job.event.webhook_body();
        let sent_at = self.clock.now();
        let signed = headers(&secret, &job.event.id, sent_at.timestamp(), &body);
        let answer = self.client.post(&hook.url, &signed, body).await;
        let at = self.clock.now();
        let (status_code, error) = match &answer {
            Ok(status) => (Some(*status), None),
            Err(e) => (None, Some(e.kind().to_owned())),
        };
        let ok = status_code.is_some_and(|s| (200..300).contains(&s));
        let gone = status_code == Some(410);
        let retry_at = (!ok && !gone).then(|| job.next_retry(at)).flatten();
        let outcome = match (ok, retry_at) {
            (true, _) => AttemptOutcome::Delivered,
            (false, Some(_)) => AttemptOutcome::Retrying,
            (false, None) => AttemptOutcome::Failed,
        };
        // Disabled on `410`, or once everything has failed for the retry window: failures for
        // three days running, or this delivery given up with no success since it was fanned out.
        let failing_since = hook.failing_since.unwrap_or(at);
        let given_up = retry_at.is_none() && failing_since <= job.created_at;
        let disable = gone || (!ok && (at - failing_since >= retry_window() || given_up));
        let health = if ok {
            EndpointHealth::Healthy
        } else if disable {
            let reason = if gone { "gone" } else { "failing" };
            EndpointHealth::Disable {
                // A `410` disables whatever else happened; failures only while their run lasts.
                failing_since: if gone { None } else { hook.failing_since },
                event: AuditEvent::about_webhook(
                    AuditAction::WebhookDisabled,
                    Actor::system(),
                    &hook.org_id,
                    &hook.id,
                    at,
                )
                .with("reason", reason)
                .with("host", host_of(&hook.url)),
            }
        } else {
            EndpointHealth::Failing { since: at }
        };
        let next = match retry_at {
            Some(at) if !disable => DeliveryNext::Retry { at },
            _ => DeliveryNext::Done,
        };
        let outcome = if disable && !ok {
            AttemptOutcome::Failed
        } else {
            outcome
        };
        let attempt = DeliveryAttempt {
            webhook_id: hook.id.clone(),
            event_id: job.event.id.clone(),
            at,
            status_code,
            error,
            outcome,
        };
        tracing::info!(
            audit = "webhook_attempt",
            webhook_id = %hook.id,
            event_id = %job.event.id,
            status = status_code,
            error = attempt.error.as_deref(),
            outcome = ?outcome,
            attempts = job.attempts,
        );
        self.webhooks
            .finish_delivery(&job, Some(&attempt), &next, &health)
            .await?;
        if disable {
            tracing::warn!(audit = "webhook_disabled", webhook_id = %hook.id, org_id = %hook.org_id.0, gone);
        }
        Ok(Some(match outcome {
            AttemptOutcome::Delivered => Done::Delivered,
            AttemptOutcome::Retrying => Done::Retrying,
            AttemptOutcome::Failed => Done::Failed { disabled: disable },
        }))
    }
}

/// What became of one delivery job this run held.
enum Done {
    Delivered,
    Retrying,
    /// Given up on; `disabled` when its endpoint was disabled with it.
    Failed {
        disabled: bool,
    },
    Dropped,
}

/// Whether `user`'s invite still waits on the link `watch` watches, expired at `now`.
fn still_waits(user: &User, watch: &MailJob, now: DateTime<Utc>) -> bool {
    watch.kind == MailKind::Expiry
        && user.status == UserStatus::Invited
        && !user.has_own_credential()
        && user
            .invite
            .as_ref()
            .is_some_and(|i| i.expires_at == watch.link_expires_at && i.expires_at <= now)
}

/// The host of an endpoint's URL, which is what the log says of it: a receiver's path or query
/// may carry a capability (`/services/T/B/XXXX`), and events go to the organisation's other
/// endpoints too.
pub(crate) fn host_of(url: &str) -> String {
    url.parse::<axum::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_owned))
        .unwrap_or_default()
}
