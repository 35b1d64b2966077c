//! A page of the audit log: a `Query` of the organisation index (partition `AUDIT#<org>`) or,
//! for one user's events, of the user index (`<org>#<user>`), newest first.
//!
//! The key condition bounds the sort key (`<at>#<event id>`, [`OrderKey`]) below by the
//! retention (the oldest instant still kept) and, for a page after the first, above by the
//! previous page's last event (inclusive: that one event is skipped here). The filter keeps the
//! action asked for and drops events whose stored TTL has passed (a retention shortened since
//! they were written). A filter makes pages short, so the query goes on (from
//! `LastEvaluatedKey`) until the page has one event more than asked (then there is a next
//! page) or the partition is read to the end (then there is none), within [`MAX_QUERIES`].

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use chrono::{DateTime, Duration, Utc};

use super::super::errors::{malformed, sdk_error};
use super::super::items::{from_item, AuditItem, OrderKey};
use super::super::layout::{attr, audit_feed, audit_user, n, s, time, Item, ORG_INDEX, USER_INDEX};
use super::super::DynamoStore;
use crate::ports::{AuditKey, AuditPage, AuditQuery, StoreError};

/// With an action to filter on, each `Query` reads this many times the events still missing,
/// so one read usually fills the page even when most events are of other actions.
const FILTERED_READ_FACTOR: usize = 4;

/// At most this many items read by one `Query`.
const MAX_READ: usize = 500;

/// At most this many `Query`s for one page: a rare action in a long log then answers a short
/// page whose `next` is where reading stopped, rather than reading the whole log in one request.
const MAX_QUERIES: usize = 8;

pub(super) async fn page(store: &DynamoStore, q: &AuditQuery) -> Result<AuditPage, StoreError> {
    let empty = AuditPage {
        events: Vec::new(),
        next: None,
    };
    if q.limit == 0 {
        return Ok(empty);
    }
    // An event is kept while `at + retention > now`: the oldest kept is a nanosecond (the
    // finest instant) after `now - retention`.
    let oldest = q.now - store.audit_retention + Duration::nanoseconds(1);
    let after = match &q.after {
        Some(after) if after.at < oldest => return Ok(empty),
        Some(after) => Some(OrderKey::new(after.at, &after.id)),
        None => None,
    };
    let mut events = Vec::new();
    let mut start: Option<Item> = None;
    for round in 0..MAX_QUERIES {
        let missing = q.limit.saturating_add(1) - events.len();
        let mut read = match q.action {
            Some(_) => missing.saturating_mul(FILTERED_READ_FACTOR),
            None => missing,
        };
        // The previous page's last event is read again (the bound is inclusive), and skipped.
        if after.is_some() && round == 0 {
            read += 1;
        }
        let request = query(store, q, oldest, after.as_ref(), read, start.take());
        let out = request
            .send()
            .await
            .map_err(|e| sdk_error("read the audit log", e))?;
        store.capacity.record(out.consumed_capacity());
        for item in out.items.unwrap_or_default() {
            let item: AuditItem = from_item("audit event", item)?;
            if after.as_ref() == Some(item.order()) {
                continue;
            }
            events.push(item.into_event()?);
        }
        if events.len() > q.limit {
            events.truncate(q.limit);
            let next = events.last().map(AuditKey::of);
            return Ok(AuditPage { events, next });
        }
        match out.last_evaluated_key.filter(|k| !k.is_empty()) {
            None => return Ok(AuditPage { events, next: None }),
            Some(key) => start = Some(key),
        }
    }
    // Still short after as many reads as a page may take: the next page starts where reading
    // stopped (an event of this page, or one the filter dropped).
    let next = start.as_ref().map(resume_at).transpose()?;
    Ok(AuditPage { events, next })
}

/// One `Query` of the page's partition, newest first: at most `read` items from `start`, from
/// `oldest` on and (for a page after the first) up to and including `after`.
pub(super) fn query(
    store: &DynamoStore,
    q: &AuditQuery,
    oldest: DateTime<Utc>,
    after: Option<&OrderKey>,
    read: usize,
    start: Option<Item>,
) -> QueryFluentBuilder {
    let (index, partition_attr, partition) = match &q.user_id {
        Some(user) => (USER_INDEX, attr::AUDIT_USER, audit_user(&q.org_id, user)),
        None => (ORG_INDEX, attr::MEMBER_OF, audit_feed(&q.org_id)),
    };
    let mut filter = "#expiresAt > :now".to_owned();
    let mut request = store
        .client
        .query()
        .table_name(&store.table)
        .index_name(index)
        .expression_attribute_names("#p", partition_attr)
        .expression_attribute_names("#c", attr::CREATED_AT)
        .expression_attribute_names("#expiresAt", attr::EXPIRES_AT)
        .expression_attribute_values(":p", s(partition))
        .expression_attribute_values(":oldest", time(oldest))
        .expression_attribute_values(":now", n(q.now.timestamp()))
        // Newest first.
        .scan_index_forward(false)
        .limit(i32::try_from(read.clamp(1, MAX_READ)).unwrap_or(1))
        .set_exclusive_start_key(start)
        .set_return_consumed_capacity(store.capacity.report());
    request = match after {
        Some(after) => request
            .key_condition_expression("#p = :p AND #c BETWEEN :oldest AND :after")
            .expression_attribute_values(":after", s(after.text())),
        None => request.key_condition_expression("#p = :p AND #c >= :oldest"),
    };
    if let Some(action) = q.action {
        filter.push_str(" AND #action = :action");
        request = request
            .expression_attribute_names("#action", attr::ACTION)
            .expression_attribute_values(":action", s(action.as_str()));
    }
    request.filter_expression(filter)
}

/// Where DynamoDB stopped reading, as the log's page key.
fn resume_at(key: &Item) -> Result<AuditKey, StoreError> {
    let order = key
        .get(attr::CREATED_AT)
        .and_then(|v| v.as_s().ok())
        .and_then(|raw| OrderKey::parse(raw))
        .ok_or_else(|| malformed("last evaluated key", "not an audit event's key"))?;
    Ok(AuditKey {
        at: order.at,
        id: order.tail,
    })
}
