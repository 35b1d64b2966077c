//! Webhook deliveries per second: `n` events of one organisation fanned out to its one endpoint,
//! a receiver on 127.0.0.1 that answers `200` at once, then one `DeliverHooks::run` (the
//! schedule's own delivery: take, read the endpoint, sign, post, finish; 8 in flight) timed
//! until every job is delivered. On the embedded store (a redb file, as the local server keeps
//! it) and on DynamoDB Local, runs interleaved, medians; the ratio is within one run of the
//! bench. Then what one delivery costs DynamoDB, counted on an untimed run.

use std::time::{Duration, Instant};

use anyhow::Context;

use chrono::Utc;

use super::{about, active_user, endpoint, fmt_split, Rig, Split};
use crate::webhook_receiver::Receiver;
use crate::{services, Row};
use onboarding::adapters::dynamodb::DynamoStore;
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::aws::RoundTrips;
use onboarding::domain::user::new_session_version;
use onboarding::domain::webhook::MAX_WEBHOOKS;
use onboarding::domain::{AuditAction, DeliveryJob, OrgId};
use onboarding::ports::{Store, SystemClock};
use onboarding::services::hooks::DeliverHooks;
use onboarding::webhooks::{UrlPolicy, WebhookClient};

/// One timed run on one store.
struct Run {
    took: Duration,
    /// Fanning the events out beforehand (`Webhooks::fan_out`, one at a time).
    fan_out: Duration,
}

impl Run {
    fn rate(&self, n: usize) -> f64 {
        n as f64 / self.took.as_secs_f64()
    }
}

/// `runs` timed runs of `n` deliveries on each store, then one more on the rig's store for
/// what a delivery costs DynamoDB (its mirror slows it: that run is not timed).
pub async fn run(rig: &Rig, n: usize, runs: usize) -> anyhow::Result<Vec<Row>> {
    let receiver = Receiver::start().await;
    // The local server's client: loopback `http` allowed, every address still judged.
    let client = WebhookClient::new(UrlPolicy {
        allow_loopback_http: true,
    });
    let dir = std::env::temp_dir().join(format!("bench-hooks-{}", uuid::Uuid::new_v4().simple()));
    let embedded = EmbeddedStore::open(&dir.join("store.redb"))?;
    // As deployed: no meter, no mirror.
    let dynamodb = services::dynamodb(&RoundTrips::default())?;
    let table = services::fresh_table(&dynamodb).await?;
    let dynamo = DynamoStore::new(dynamodb, table);
    let mut on_embedded = Vec::new();
    let mut on_dynamo = Vec::new();
    // Interleaved: the machine's noise falls on both stores alike.
    for _ in 0..runs {
        let run = timed(&embedded, &client, &receiver, n).await;
        on_embedded.push(run.context("on the embedded store")?);
        let run = timed(&dynamo, &client, &receiver, n).await;
        on_dynamo.push(run.context("on DynamoDB Local")?);
    }
    let _ = std::fs::remove_dir_all(&dir);
    // Events the other rows left marked would be fanned out by this run too.
    rig.settle().await?;
    prepare(&rig.store, &receiver, n).await?;
    rig.take().await?;
    let run = deliver(&rig.store, &client, &receiver, n).await;
    run.context("on DynamoDB Local, counted")?;
    let cost = rig.take().await?;

    let embedded_rate = median(on_embedded.iter().map(|r| r.rate(n)));
    let dynamo_rate = median(on_dynamo.iter().map(|r| r.rate(n)));
    let rates = |runs: &[Run]| {
        runs.iter()
            .map(|r| format!("{:.0}", r.rate(n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let fan_outs = |runs: &[Run]| median(runs.iter().map(|r| n as f64 / r.fan_out.as_secs_f64()));
    let what = format!(
        "{n} events, 1 endpoint on 127.0.0.1 answering 200 at once, one `DeliverHooks::run`"
    );
    let per = |op: &str| cost.calls.iter().filter(|c| *c == op).count() as f64 / n as f64;
    // Sent more often than committed: a finish that lost a race was sent again.
    let again = cost
        .calls
        .iter()
        .filter(|c| *c == "TransactWriteItems")
        .count()
        .saturating_sub(cost.transactions.len());
    let finish_items = cost
        .transactions
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or_default();
    Ok(vec![
        Row::new(
            "webhook deliveries",
            format!("{what}, embedded store (redb file)"),
            format!(
                "{embedded_rate:.0} deliveries/s (runs: {}); fan-out beforehand {:.0} events/s",
                rates(&on_embedded),
                fan_outs(&on_embedded),
            ),
        ),
        Row::new(
            "webhook deliveries",
            format!("{what}, DynamoDB Local"),
            format!(
                "{dynamo_rate:.0} deliveries/s (runs: {}), {:.2}× the embedded store's; fan-out beforehand {:.0} events/s",
                rates(&on_dynamo),
                dynamo_rate / embedded_rate,
                fan_outs(&on_dynamo),
            ),
        ),
        Row::new(
            "webhook deliveries",
            format!("what one delivery costs DynamoDB ({n} delivered, the sweep's queries shared out)"),
            format!(
                "{:.2} calls: UpdateItem {:.2} (take), GetItem {:.2} (the endpoint), TransactWriteItems {:.2} (finish, {finish_items} items: attempt, job, endpoint; {again} of {n} sent again), Query {:.2}; {:.1} capacity units ({})",
                cost.calls.len() as f64 / n as f64,
                per("UpdateItem"),
                per("GetItem"),
                per("TransactWriteItems"),
                per("Query"),
                cost.units() / n as f64,
                fmt_split(&per_delivery(&cost.split(), n)),
            ),
        ),
    ])
}

fn per_delivery(split: &Split, n: usize) -> Split {
    split
        .iter()
        .map(|(part, units)| (part.clone(), units / n as f64))
        .collect()
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

async fn timed<S: Store>(
    store: &S,
    client: &WebhookClient,
    receiver: &Receiver,
    n: usize,
) -> anyhow::Result<Run> {
    let fan_out = prepare(store, receiver, n).await?;
    let took = deliver(store, client, receiver, n).await?;
    Ok(Run { took, fan_out })
}

/// A new organisation with one endpoint at the receiver and `n` events (its `webhook.created`,
/// then a user disabled and enabled in turn, one event per write), fanned out one at a time as
/// the schedule does: how long the fan-out took.
async fn prepare<S: Store>(store: &S, receiver: &Receiver, n: usize) -> anyhow::Result<Duration> {
    let org = OrgId::generate();
    let now = Utc::now();
    let (hook, created) = endpoint(&org, &receiver.url(), now);
    store.create_webhook(&hook, MAX_WEBHOOKS, &created).await?;
    let mut user = active_user(&org, now)?;
    store.create_user_with_mail(&user, None, &[], &[]).await?;
    let mut events = vec![created];
    for i in 0..n - 1 {
        let action = if i % 2 == 0 {
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        };
        let event = about(action, &user, Utc::now());
        let audit = std::slice::from_ref(&event);
        user = if i % 2 == 0 {
            store
                .disable_user(&user, &new_session_version(), audit)
                .await?
        } else {
            store.enable_user(&user, audit).await?
        };
        events.push(event);
    }
    let started = Instant::now();
    for event in &events {
        let job = DeliveryJob::new(&hook.id, event, Utc::now());
        anyhow::ensure!(
            store.fan_out(event, &[job]).await?,
            "an event was fanned out already"
        );
    }
    Ok(started.elapsed())
}

/// One `DeliverHooks::run` of the schedule, timed; every job must have been delivered.
async fn deliver<S: Store>(
    store: &S,
    client: &WebhookClient,
    receiver: &Receiver,
    n: usize,
) -> anyhow::Result<Duration> {
    let before = receiver.seen().len();
    let hooks = DeliverHooks {
        outbox: store,
        users: store,
        log: store,
        webhooks: store,
        client,
        clock: &SystemClock,
    };
    let started = Instant::now();
    let report = hooks
        .run(Utc::now() + chrono::Duration::minutes(10))
        .await?;
    let took = started.elapsed();
    let received = receiver.seen().len() - before;
    anyhow::ensure!(
        report.delivered == n && received == n && report.retried == 0,
        "delivered {} of {n} ({received} received, {} retried)",
        report.delivered,
        report.retried
    );
    Ok(took)
}
