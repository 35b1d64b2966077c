//! Webhooks on this store (port `Webhooks`): the endpoints under their organisation, the fan-out
//! marks the audit log's writes leave (`audit::write_events`), the delivery jobs by key and the
//! attempts under their endpoint. Every operation is one write transaction, which redb
//! serialises: the limit on an organisation's webhooks is a count in that transaction, and a
//! fan-out or a take done twice at once is done once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redb::{ReadableTable, WriteTransaction};

use super::audit::{mark_key, sortable, END, SEP};
use super::{backend, decode, encode, EmbeddedStore, ATTEMPTS, DELIVERIES, FANOUT, WEBHOOKS};
use crate::domain::webhook::attempt_retention;
use crate::domain::{AuditEvent, DeliveryAttempt, DeliveryJob, OrgId, Webhook};
use crate::ports::{DeliveryNext, EndpointHealth, StoreError, Webhooks};

fn hook_key(org: &OrgId, id: &str) -> String {
    format!("{}{SEP}{id}", org.0)
}

/// An attempt's key: its endpoint's, then oldest first.
fn attempt_key(attempt: &DeliveryAttempt) -> String {
    format!(
        "{}{SEP}{}{SEP}{}",
        attempt.webhook_id,
        sortable(attempt.at),
        attempt.event_id
    )
}

impl EmbeddedStore {
    fn read_hook(tx: &WriteTransaction, key: &str) -> Result<Option<Webhook>, StoreError> {
        let table = tx.open_table(WEBHOOKS).map_err(backend)?;
        let found = table.get(key).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    fn write_hook(tx: &WriteTransaction, hook: &Webhook) -> Result<(), StoreError> {
        tx.open_table(WEBHOOKS)
            .map_err(backend)?
            .insert(
                hook_key(&hook.org_id, &hook.id).as_str(),
                encode(hook)?.as_slice(),
            )
            .map_err(backend)?;
        Ok(())
    }

    fn write_delivery(tx: &WriteTransaction, job: &DeliveryJob) -> Result<(), StoreError> {
        tx.open_table(DELIVERIES)
            .map_err(backend)?
            .insert(job.key().as_str(), encode(job)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    fn read_delivery(tx: &WriteTransaction, key: &str) -> Result<Option<DeliveryJob>, StoreError> {
        let table = tx.open_table(DELIVERIES).map_err(backend)?;
        let found = table.get(key).map_err(backend)?;
        found.map(|v| decode(v.value())).transpose()
    }

    /// Keeps `attempt`, and forgets the endpoint's attempts past their retention at its time
    /// (this store has no TTL to do it).
    fn write_attempt(tx: &WriteTransaction, attempt: &DeliveryAttempt) -> Result<(), StoreError> {
        let mut table = tx.open_table(ATTEMPTS).map_err(backend)?;
        let start = format!("{}{SEP}", attempt.webhook_id);
        let kept_from = format!(
            "{}{SEP}{}",
            attempt.webhook_id,
            sortable(attempt.at - attempt_retention())
        );
        table
            .retain_in(start.as_str()..kept_from.as_str(), |_, _| false)
            .map_err(backend)?;
        table
            .insert(attempt_key(attempt).as_str(), encode(attempt)?.as_slice())
            .map_err(backend)?;
        Ok(())
    }

    /// What a finished attempt does to its endpoint ([`EndpointHealth`]); an endpoint gone is
    /// left gone.
    fn record_health(
        tx: &WriteTransaction,
        job: &DeliveryJob,
        health: &EndpointHealth,
    ) -> Result<(), StoreError> {
        if *health == EndpointHealth::Unchanged {
            return Ok(());
        }
        let key = hook_key(&job.event.org_id, &job.webhook_id);
        let Some(mut hook) = Self::read_hook(tx, &key)? else {
            return Ok(());
        };
        match health {
            EndpointHealth::Unchanged => return Ok(()),
            EndpointHealth::Healthy if hook.failing_since.is_some() => hook.failing_since = None,
            EndpointHealth::Failing { since } if hook.failing_since.is_none() => {
                hook.failing_since = Some(*since)
            }
            EndpointHealth::Disable {
                event,
                failing_since,
            } if hook.disabled_at.is_none()
                && (failing_since.is_none() || hook.failing_since == *failing_since) =>
            {
                hook.disabled_at = Some(event.at);
                Self::write_events(tx, std::slice::from_ref(event))?;
            }
            _ => return Ok(()),
        }
        Self::write_hook(tx, &hook)
    }
}

#[async_trait]
impl Webhooks for EmbeddedStore {
    async fn create_webhook(
        &self,
        hook: &Webhook,
        max: usize,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let (hook, event) = (hook.clone(), event.clone());
        self.write(move |tx| {
            {
                let table = tx.open_table(WEBHOOKS).map_err(backend)?;
                let (start, end) = (
                    format!("{}{SEP}", hook.org_id.0),
                    format!("{}{END}", hook.org_id.0),
                );
                let held = table
                    .range(start.as_str()..end.as_str())
                    .map_err(backend)?
                    .count();
                if held >= max {
                    return Err(StoreError::TooManyWebhooks);
                }
                let key = hook_key(&hook.org_id, &hook.id);
                if table.get(key.as_str()).map_err(backend)?.is_some() {
                    return Err(StoreError::Conflict);
                }
            }
            Self::write_hook(tx, &hook)?;
            Self::write_events(tx, std::slice::from_ref(&event))
        })
        .await
    }

    async fn webhooks_of(&self, org: &OrgId) -> Result<Vec<Webhook>, StoreError> {
        let (start, end) = (format!("{}{SEP}", org.0), format!("{}{END}", org.0));
        let mut hooks: Vec<Webhook> = self.read(|rtx| {
            let table = rtx.open_table(WEBHOOKS).map_err(backend)?;
            let mut hooks = Vec::new();
            for row in table.range(start.as_str()..end.as_str()).map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                hooks.push(decode(v.value())?);
            }
            Ok(hooks)
        })?;
        hooks.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        Ok(hooks)
    }

    async fn webhook(&self, org: &OrgId, id: &str) -> Result<Option<Webhook>, StoreError> {
        let key = hook_key(org, id);
        self.read(|rtx| {
            let table = rtx.open_table(WEBHOOKS).map_err(backend)?;
            let found = table.get(key.as_str()).map_err(backend)?;
            found.map(|v| decode(v.value())).transpose()
        })
    }

    /// One transaction here: the webhook, its event, its queued deliveries and its attempts (no
    /// one can read those of a webhook that is gone).
    async fn delete_webhook(&self, hook: &Webhook, event: &AuditEvent) -> Result<(), StoreError> {
        let (hook, event) = (hook.clone(), event.clone());
        self.write(move |tx| {
            let removed = tx
                .open_table(WEBHOOKS)
                .map_err(backend)?
                .remove(hook_key(&hook.org_id, &hook.id).as_str())
                .map_err(backend)?
                .is_some();
            if !removed {
                return Err(StoreError::UserNotFound);
            }
            Self::write_events(tx, std::slice::from_ref(&event))?;
            let suffix = format!("#{}", hook.id);
            tx.open_table(DELIVERIES)
                .map_err(backend)?
                .retain(|key, _| !key.ends_with(&suffix))
                .map_err(backend)?;
            let (start, end) = (format!("{}{SEP}", hook.id), format!("{}{END}", hook.id));
            tx.open_table(ATTEMPTS)
                .map_err(backend)?
                .retain_in(start.as_str()..end.as_str(), |_, _| false)
                .map_err(backend)?;
            Ok(())
        })
        .await
    }

    /// Only events whose time has come: one written a moment ahead of the schedule's clock
    /// waits for its next sweep.
    async fn due_fanouts(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let end = format!("{}{END}", sortable(now));
        self.read(|rtx| {
            let table = rtx.open_table(FANOUT).map_err(backend)?;
            let mut events = Vec::new();
            for row in table.range(..end.as_str()).map_err(backend)?.take(limit) {
                let (_, v) = row.map_err(backend)?;
                events.push(decode(v.value())?);
            }
            Ok(events)
        })
    }

    async fn fan_out(&self, event: &AuditEvent, jobs: &[DeliveryJob]) -> Result<bool, StoreError> {
        let (key, jobs) = (mark_key(event.at, &event.id), jobs.to_vec());
        self.write(move |tx| {
            let unmarked = tx
                .open_table(FANOUT)
                .map_err(backend)?
                .remove(key.as_str())
                .map_err(backend)?
                .is_some();
            if !unmarked {
                return Ok(false);
            }
            for job in &jobs {
                Self::write_delivery(tx, job)?;
            }
            Ok(true)
        })
        .await
    }

    /// Reads every job and sorts: a local store holds few.
    async fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DeliveryJob>, StoreError> {
        let mut due: Vec<DeliveryJob> = self.read(|rtx| {
            let table = rtx.open_table(DELIVERIES).map_err(backend)?;
            let mut jobs = Vec::new();
            for row in table.iter().map_err(backend)? {
                let (_, v) = row.map_err(backend)?;
                let job: DeliveryJob = decode(v.value())?;
                if job.due <= now {
                    jobs.push(job);
                }
            }
            Ok(jobs)
        })?;
        due.sort_by_key(|j| (j.due, j.created_at, j.key()));
        due.truncate(limit);
        Ok(due)
    }

    async fn take_delivery(
        &self,
        job: &DeliveryJob,
        until: DateTime<Utc>,
    ) -> Result<Option<DeliveryJob>, StoreError> {
        let job = job.clone();
        self.write(move |tx| {
            let Some(mut stored) = Self::read_delivery(tx, &job.key())? else {
                return Ok(None);
            };
            if stored.due != job.due || stored.attempts != job.attempts {
                return Ok(None);
            }
            stored.due = until;
            stored.attempts += 1;
            Self::write_delivery(tx, &stored)?;
            Ok(Some(stored))
        })
        .await
    }

    async fn finish_delivery(
        &self,
        job: &DeliveryJob,
        attempt: Option<&DeliveryAttempt>,
        next: &DeliveryNext,
        health: &EndpointHealth,
    ) -> Result<(), StoreError> {
        let (job, attempt) = (job.clone(), attempt.cloned());
        let (next, health) = (next.clone(), health.clone());
        self.write(move |tx| {
            if let Some(attempt) = &attempt {
                Self::write_attempt(tx, attempt)?;
            }
            let key = job.key();
            match next {
                DeliveryNext::Done => {
                    tx.open_table(DELIVERIES)
                        .map_err(backend)?
                        .remove(key.as_str())
                        .map_err(backend)?;
                }
                DeliveryNext::Retry { at } => {
                    if let Some(mut stored) = Self::read_delivery(tx, &key)? {
                        stored.due = at;
                        Self::write_delivery(tx, &stored)?;
                    }
                }
            }
            Self::record_health(tx, &job, &health)
        })
        .await
    }

    async fn deliveries_of(
        &self,
        hook: &Webhook,
        limit: usize,
    ) -> Result<Vec<DeliveryAttempt>, StoreError> {
        let (start, end) = (format!("{}{SEP}", hook.id), format!("{}{END}", hook.id));
        self.read(|rtx| {
            let table = rtx.open_table(ATTEMPTS).map_err(backend)?;
            let mut attempts = Vec::new();
            let newest_first = table
                .range(start.as_str()..end.as_str())
                .map_err(backend)?
                .rev();
            for row in newest_first.take(limit) {
                let (_, v) = row.map_err(backend)?;
                attempts.push(decode(v.value())?);
            }
            Ok(attempts)
        })
    }
}
