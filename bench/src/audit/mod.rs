//! The audit log's and the webhooks' rows (issue 30): what the log adds to each flow's writes on
//! DynamoDB Local, and what the fan-out costs each event later ([`per_flow`]); what one event
//! adds to a store write, measured through the store's port with and without it, and the
//! fan-out by number of endpoints ([`writes`]); webhook deliveries per second on each store
//! ([`deliveries`]). Every figure is measured here; none is written in.

mod capture;
mod deliveries;
mod per_flow;
mod writes;

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, TransactWriteItem};
use chrono::{DateTime, Utc};

use super::{services, Row};
use capture::{Capture, Write};
use onboarding::adapters::dynamodb::{CapacityMeter, DynamoStore};
use onboarding::aws::RoundTrips;
use onboarding::domain::{
    Actor, ActorKind, AuditAction, AuditEvent, Contacts, EmailAddress, Invite, InviteStatus,
    NewUser, OrgId, Role, User, UserId, Webhook,
};
use onboarding::ports::Webhooks;
use onboarding::webhooks::WebhookSecret;

/// `events` webhook deliveries per run, `runs` runs on each store.
pub async fn run(events: usize, runs: usize) -> anyhow::Result<Vec<Row>> {
    let rig = Rig::new().await?;
    let mut rows = per_flow::run(&rig).await?;
    rows.extend(writes::run(&rig).await?);
    rows.extend(deliveries::run(&rig, events, runs).await?);
    Ok(rows)
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// Capacity units by part: `table`, or an index's name.
pub type Split = BTreeMap<String, f64>;

/// A store on a fresh table of DynamoDB Local, whose client is watched three ways: round trips
/// (`RoundTrips`), the store's own meter (DynamoDB Local's report), and [`Capture`] (the
/// committed writes, the other requests' units by part). Beside it, a shadow table of the same
/// definition that every committed write is mirrored into, item by item, for each item's
/// exact cost ([`capture`] says why).
pub struct Rig {
    pub store: DynamoStore,
    pub table: String,
    calls: RoundTrips,
    meter: CapacityMeter,
    capture: Capture,
    plain: aws_sdk_dynamodb::Client,
    shadow: String,
}

/// What the store sent since the last [`Rig::take`].
pub struct Measured {
    pub calls: Vec<String>,
    /// The store's meter: what DynamoDB Local reported, transactions under-reported.
    pub reported: f64,
    /// Reads' and single writes' units, as reported (exact for those).
    pub direct: Split,
    /// Each committed transaction's items, with what each costs alone.
    pub transactions: Vec<Vec<(TransactWriteItem, Split)>>,
}

impl Rig {
    async fn new() -> anyhow::Result<Self> {
        let calls = RoundTrips::default();
        let capture = Capture::default();
        let config = services::dynamodb_config(&calls)?
            .interceptor(capture.clone())
            .build();
        let client = aws_sdk_dynamodb::Client::from_conf(config);
        let table = services::fresh_table(&client).await?;
        let meter = CapacityMeter::default();
        let store = DynamoStore::new(client, &table).with_capacity_meter(meter.clone());
        let plain = services::dynamodb(&RoundTrips::default())?;
        let shadow = services::fresh_table(&plain).await?;
        Ok(Self {
            store,
            table,
            calls,
            meter,
            capture,
            plain,
            shadow,
        })
    }

    /// Everything since the last call, the writes mirrored first (in the order they
    /// committed, so the shadow stays in step even across unmeasured work).
    pub async fn take(&self) -> anyhow::Result<Measured> {
        let calls = self.calls.take();
        let reported = self.meter.take();
        let seen = self.capture.take();
        anyhow::ensure!(
            seen.unmirrorable == 0,
            "{} writes the mirror cannot repeat",
            seen.unmirrorable
        );
        let mut transactions = Vec::new();
        for write in seen.writes {
            match write {
                Write::Transaction(items) => {
                    let mut costed = Vec::with_capacity(items.len());
                    for item in items {
                        let cost = self.mirror(&item).await?;
                        costed.push((item, cost));
                    }
                    transactions.push(costed);
                }
                // Its cost was reported exactly; the mirror only keeps the shadow in step.
                Write::Single(item) => {
                    self.mirror(&item).await?;
                }
                Write::Unmirrorable => {}
            }
        }
        Ok(Measured {
            calls,
            reported,
            direct: seen.direct,
            transactions,
        })
    }

    /// Every event still marked, oldest first (none is fanned out meanwhile: the bench runs no
    /// schedule on this store unless it says so).
    pub async fn pending(&self) -> anyhow::Result<Vec<AuditEvent>> {
        let now = Utc::now() + chrono::Duration::seconds(1);
        Ok(self.store.due_fanouts(now, 1000).await?)
    }

    /// Fans out every event still marked, to no endpoint, unmeasured: what is measured next
    /// meets only its own events.
    pub async fn settle(&self) -> anyhow::Result<()> {
        for event in self.pending().await? {
            self.store.fan_out(&event, &[]).await?;
        }
        self.take().await?;
        Ok(())
    }

    /// `item` alone, in a one-item `TransactWriteItems` to the shadow table; its cost by part.
    /// A transaction costs the sum of its items, so this is the item's own share of the one it
    /// rode in. A refusal means the shadow fell out of step: no figure then.
    async fn mirror(&self, item: &TransactWriteItem) -> anyhow::Result<Split> {
        let mut item = item.clone();
        if let Some(p) = item.put.as_mut() {
            p.table_name.clone_from(&self.shadow);
        }
        if let Some(u) = item.update.as_mut() {
            u.table_name.clone_from(&self.shadow);
        }
        if let Some(d) = item.delete.as_mut() {
            d.table_name.clone_from(&self.shadow);
        }
        if let Some(c) = item.condition_check.as_mut() {
            c.table_name.clone_from(&self.shadow);
        }
        let out = self
            .plain
            .transact_write_items()
            .transact_items(item)
            .return_consumed_capacity(ReturnConsumedCapacity::Indexes)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("the shadow table fell out of step: {e:?}"))?;
        let mut split = Split::new();
        for c in out.consumed_capacity() {
            capture::add(&mut split, c);
        }
        Ok(split)
    }
}

fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// An audit event's item (`AUDIT#<event id>`, the store's layout).
fn is_event(item: &TransactWriteItem) -> bool {
    item.put()
        .and_then(|p| attr(p.item(), "pk"))
        .is_some_and(|pk| pk.starts_with("AUDIT#"))
}

/// An invite's expiry watch: a mail job in the queue `expiry`, there only so that the schedule
/// can record `invite.expired`.
fn is_watch(item: &TransactWriteItem) -> bool {
    item.put()
        .is_some_and(|p| attr(p.item(), "mailQueue") == Some("expiry"))
}

fn add_split(to: &mut Split, from: &Split) {
    for (part, units) in from {
        *to.entry(part.clone()).or_default() += units;
    }
}

impl Measured {
    /// Every unit of the work: reads and single writes as reported, transactions' items as
    /// mirrored.
    pub fn split(&self) -> Split {
        let mut split = self.direct.clone();
        for (_, cost) in self.transactions.iter().flatten() {
            add_split(&mut split, cost);
        }
        split
    }

    pub fn units(&self) -> f64 {
        total(&self.split())
    }

    /// How many transaction items `which` picks, and what they cost.
    fn picked(&self, which: fn(&TransactWriteItem) -> bool) -> (usize, Split) {
        let mut split = Split::new();
        let mut n = 0;
        for (item, cost) in self.transactions.iter().flatten() {
            if which(item) {
                n += 1;
                add_split(&mut split, cost);
            }
        }
        (n, split)
    }

    pub fn events(&self) -> (usize, Split) {
        self.picked(is_event)
    }

    pub fn watches(&self) -> (usize, Split) {
        self.picked(is_watch)
    }

    /// Event items in a transaction with no item of the change they record (events only).
    pub fn events_alone(&self) -> usize {
        self.transactions
            .iter()
            .filter(|t| t.iter().all(|(i, _)| is_event(i)))
            .map(Vec::len)
            .sum()
    }

    /// Items written: each transaction's, and one for each single write.
    pub fn write_items(&self) -> usize {
        let transactions: usize = self.transactions.iter().map(Vec::len).sum();
        let single = self
            .calls
            .iter()
            .filter(|c| matches!(c.as_str(), "UpdateItem" | "PutItem" | "DeleteItem"))
            .count();
        transactions + single
    }
}

/// `table 2.0, byOrg 1.0, …`: the table first, then the indexes by name.
pub fn fmt_split(split: &Split) -> String {
    let table = split.get_key_value("table");
    table
        .into_iter()
        .chain(split.iter().filter(|(part, _)| *part != "table"))
        .filter(|(_, u)| **u > 0.0)
        .map(|(part, u)| format!("{part} {u:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn total(split: &Split) -> f64 {
    split.values().sum()
}

/// DynamoDB operations in order, repeats folded: `GetItem ×2, TransactWriteItems`.
pub fn summary(calls: &[String]) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for c in calls {
        match counts.iter_mut().find(|(n, _)| *n == c) {
            Some((_, k)) => *k += 1,
            None => counts.push((c, 1)),
        }
    }
    if counts.is_empty() {
        return "none".to_owned();
    }
    counts
        .iter()
        .map(|(n, k)| match k {
            1 => (*n).to_owned(),
            _ => format!("{n} ×{k}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn unique_email(label: &str) -> anyhow::Result<EmailAddress> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    Ok(EmailAddress::parse(&format!(
        "{label}-{}@bench.example",
        &id[..12]
    ))?)
}

/// An active user of `org` with a password, as the store would hold one after setup.
fn active_user(org: &OrgId, now: DateTime<Utc>) -> anyhow::Result<User> {
    let mut user = User::new_admin(
        unique_email("active")?,
        Some("Bench Field Service".into()),
        "$argon2id$v=19$m=19456,t=2,p=1$bench".into(),
        now,
    );
    user.org_id = org.clone();
    user.role = Role::Tech;
    Ok(user)
}

/// An invited user of `org`, with a temporary password and a week-long invite.
fn invited_user(org: &OrgId, now: DateTime<Utc>) -> anyhow::Result<User> {
    Ok(User::new_invited(
        NewUser {
            org_id: org.clone(),
            org_name: Some("Bench Field Service".into()),
            contacts: Contacts::email(unique_email("invited")?),
            name: Some("Ana Tech".into()),
            role: Role::Tech,
            temporary_password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$temporary".into()),
            locale: None,
        },
        now,
        Invite::new(InviteStatus::Sent, now + chrono::Duration::days(7)),
    ))
}

/// An admin of the organisation, as events name their actor (by id only).
fn an_admin() -> Actor {
    Actor {
        kind: ActorKind::Admin,
        id: Some(UserId::generate().0),
    }
}

fn about(action: AuditAction, user: &User, now: DateTime<Utc>) -> AuditEvent {
    AuditEvent::about_user(action, an_admin(), user, now)
}

/// An endpoint of `org` at `url` for every action, and its `webhook.created` event, as
/// `POST /webhooks` makes them.
fn endpoint(org: &OrgId, url: &str, now: DateTime<Utc>) -> (Webhook, AuditEvent) {
    let hook = Webhook {
        id: Webhook::new_id(now),
        org_id: org.clone(),
        url: url.to_owned(),
        events: vec!["*".to_owned()],
        secret: WebhookSecret::generate().to_whsec(),
        created_at: now,
        disabled_at: None,
        failing_since: None,
    };
    let event =
        AuditEvent::about_webhook(AuditAction::WebhookCreated, an_admin(), org, &hook.id, now)
            .with("url", url)
            .with("events", hook.events.clone());
    (hook, event)
}
