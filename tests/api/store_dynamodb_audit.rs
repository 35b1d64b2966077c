//! The audit log and webhooks on DynamoDB Local, where only DynamoDB has something to show: the
//! round trips (and capacity) each write takes now that events ride in it, pages of the log
//! that a filter leaves short, the stored TTL, the counter that holds concurrent registrations
//! to the limit, and the sweep of a deleted webhook's jobs. The store contract (both stores)
//! says the rest. Needs `--features services` and `DYNAMODB_TEST_ENDPOINT`.

use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

use onboarding::adapters::dynamodb::{CapacityMeter, DynamoStore};
use onboarding::domain::user::new_session_version;
use onboarding::domain::webhook::MAX_WEBHOOKS;
use onboarding::domain::{
    Actor, AttemptOutcome, AuditAction, AuditEvent, DeliveryAttempt, DeliveryEvent, DeliveryJob,
    InviteStatus, MailJob, MailKind, OrgId, User, UserId, Webhook,
};
use onboarding::ports::{
    AuditKey, AuditLog, AuditQuery, Crew, DeliveryNext, EndpointHealth, Invites, MailOutcome,
    Outbox, SessionChange, StoreError, Users, Webhooks,
};
use tests::services::fresh_dynamo_store;
use tests::store_contract::{invited, t0, unique_email};

fn about(user: &User, action: AuditAction, at: DateTime<Utc>) -> AuditEvent {
    AuditEvent::about_user(action, Actor::user(&user.id), user, at)
}

fn query(org: &OrgId, limit: usize, now: DateTime<Utc>) -> AuditQuery {
    AuditQuery {
        org_id: org.clone(),
        user_id: None,
        action: None,
        limit,
        after: None,
        now,
    }
}

/// Every event a query's pages give, page by page: no page over the limit, and `next` until
/// the last.
async fn every_page(store: &DynamoStore, mut q: AuditQuery) -> Vec<Vec<AuditEvent>> {
    let mut pages = Vec::new();
    loop {
        let page = store.audit_events(&q).await.unwrap();
        assert!(page.events.len() <= q.limit);
        pages.push(page.events);
        match page.next {
            Some(next) => q.after = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 200, "paging never ends");
    }
}

/// `events`' writes are one `end_sessions` (any write carries any events): the session moves on.
async fn write_events(store: &DynamoStore, user: &mut User, events: &[AuditEvent]) {
    let change = SessionChange::of(user, new_session_version());
    store.end_sessions(&change, events).await.unwrap();
    user.session_version = change.new_session_version;
}

#[tokio::test]
async fn a_change_with_events_is_one_transaction_and_a_refused_one_writes_none() {
    let (store, counter) = fresh_dynamo_store().await;
    let (user, token) = invited(&unique_email("audit-trips"));
    let invited_event = about(&user, AuditAction::UserInvited, t0());
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[],
            std::slice::from_ref(&invited_event),
        )
        .await
        .unwrap();
    assert_eq!(counter.take(), vec!["TransactWriteItems"]);

    // A single conditional update becomes a transaction with its events, and reads the user
    // back (a transaction returns no item).
    let disabled_event = about(
        &user,
        AuditAction::UserDisabled,
        t0() + Duration::seconds(1),
    );
    let disabled = store
        .disable_user(
            &user,
            &new_session_version(),
            std::slice::from_ref(&disabled_event),
        )
        .await
        .unwrap();
    assert_eq!(counter.take(), vec!["TransactWriteItems", "GetItem"]);
    assert_eq!(disabled.status, onboarding::domain::UserStatus::Disabled);
    assert_eq!(disabled.setup_generation, user.setup_generation + 1);
    // Disabled already: the user as they are, and no event.
    let again = about(
        &user,
        AuditAction::UserDisabled,
        t0() + Duration::seconds(2),
    );
    assert_eq!(
        store
            .disable_user(&user, &new_session_version(), &[again])
            .await,
        Ok(disabled.clone())
    );
    // A stale session: a conflict, and no event.
    let change = SessionChange::of(&user, new_session_version());
    let changed = about(
        &user,
        AuditAction::PasswordChanged,
        t0() + Duration::seconds(3),
    );
    assert_eq!(
        store
            .change_password(&change, "$argon2id$new", &[changed])
            .await,
        Err(StoreError::Conflict)
    );
    let page = store
        .audit_events(&query(&user.org_id, 10, t0() + Duration::days(1)))
        .await
        .unwrap();
    assert_eq!(page.events, vec![disabled_event, invited_event]);
    assert_eq!(page.next, None);
}

#[tokio::test]
async fn pages_are_newest_first_by_time_then_id_and_end_exactly_at_the_last_event() {
    let (store, _) = fresh_dynamo_store().await;
    let (mut ana, token) = invited(&unique_email("audit-ana"));
    store.create_user(&ana, Some(&token.record)).await.unwrap();
    let (mut bo, token) = invited(&unique_email("audit-bo"));
    bo.org_id = ana.org_id.clone();
    store.create_user(&bo, Some(&token.record)).await.unwrap();
    // Two events share each instant (the id orders them); one is past a short retention.
    let mut events = Vec::new();
    for i in 0..9 {
        let at = t0() + Duration::seconds(i / 2);
        let action = if i % 3 == 0 {
            AuditAction::InviteSent
        } else {
            AuditAction::UserUpdated
        };
        events.push(about(if i % 2 == 0 { &ana } else { &bo }, action, at));
    }
    write_events(&store, &mut ana, &events[..5]).await;
    write_events(&store, &mut bo, &events[5..]).await;
    let mut newest_first = events.clone();
    newest_first.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));

    let now = t0() + Duration::days(1);
    let pages = every_page(&store, query(&ana.org_id, 4, now)).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [4, 4, 1]);
    assert_eq!(pages.concat(), newest_first);
    // Exactly a page's worth: no next page to ask for.
    assert_eq!(
        every_page(&store, query(&ana.org_id, 9, now)).await.len(),
        1
    );

    let only = |keep: &dyn Fn(&AuditEvent) -> bool| -> Vec<AuditEvent> {
        newest_first.iter().filter(|e| keep(e)).cloned().collect()
    };
    let mut q = query(&ana.org_id, 2, now);
    q.user_id = Some(bo.id.clone());
    assert_eq!(
        every_page(&store, q.clone()).await.concat(),
        only(&|e| e.target.id == bo.id.0)
    );
    q.action = Some(AuditAction::InviteSent);
    assert_eq!(
        every_page(&store, q).await.concat(),
        only(&|e| e.target.id == bo.id.0 && e.action == AuditAction::InviteSent)
    );

    // Past the retention at `now`: gone from every page, and a page after it is empty.
    let short = store.clone().with_audit_retention(Duration::seconds(3));
    let kept_now = t0() + Duration::seconds(5);
    assert_eq!(
        every_page(&short, query(&ana.org_id, 3, kept_now))
            .await
            .concat(),
        only(&|e| e.at > kept_now - Duration::seconds(3))
    );
    let mut past = query(&ana.org_id, 3, kept_now);
    past.after = Some(AuditKey::of(&events[0]));
    assert!(short.audit_events(&past).await.unwrap().events.is_empty());
    // Never another organisation's.
    assert!(store
        .audit_events(&query(&OrgId::generate(), 10, now))
        .await
        .unwrap()
        .events
        .is_empty());
}

/// A retention shortened since: the stored TTL (`expiresAt`) is past, and the event is not shown
/// even to a store that would keep it longer (DynamoDB may not have deleted it yet).
#[tokio::test]
async fn an_event_past_its_stored_ttl_is_never_shown() {
    let (store, _) = fresh_dynamo_store().await;
    let (mut user, token) = invited(&unique_email("audit-ttl"));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    let day = store.clone().with_audit_retention(Duration::days(1));
    let event = about(&user, AuditAction::SessionsRevoked, t0());
    write_events(&day, &mut user, std::slice::from_ref(&event)).await;
    let seen = |now| {
        let store = store.clone();
        let q = query(&user.org_id, 10, now);
        async move { store.audit_events(&q).await.unwrap().events }
    };
    assert_eq!(seen(t0() + Duration::hours(23)).await, vec![event]);
    assert!(seen(t0() + Duration::days(2)).await.is_empty());
}

/// One rare action among many: each `Query` reads a few times the page, and a page is read on
/// (from where DynamoDB stopped) while short, within a bound; every event is reached, in order.
#[tokio::test]
async fn a_rare_action_in_a_long_log_is_reached_through_short_pages() {
    let (store, _) = fresh_dynamo_store().await;
    let (mut user, token) = invited(&unique_email("audit-rare"));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    let mut rare = Vec::new();
    for batch in 0..4 {
        let mut events: Vec<AuditEvent> = (0..60)
            .map(|i| {
                let at = t0() + Duration::seconds(batch * 60 + i);
                about(&user, AuditAction::UserUpdated, at)
            })
            .collect();
        if batch % 2 == 0 {
            let at = t0() + Duration::seconds(batch * 60 + 30) + Duration::milliseconds(1);
            events.push(about(&user, AuditAction::PasskeyAdded, at));
            rare.push(events.last().unwrap().clone());
        }
        write_events(&store, &mut user, &events).await;
    }
    rare.reverse();
    let mut q = query(&user.org_id, 1, t0() + Duration::days(1));
    q.action = Some(AuditAction::PasskeyAdded);
    let pages = every_page(&store, q).await;
    assert_eq!(pages.concat(), rare);
}

fn webhook(org: &OrgId, at: DateTime<Utc>) -> Webhook {
    Webhook {
        id: Webhook::new_id(at),
        org_id: org.clone(),
        url: "https://hooks.example.com/in".into(),
        events: vec!["*".into()],
        secret: "whsec_c2VjcmV0".into(),
        created_at: at,
        disabled_at: None,
        failing_since: None,
    }
}

fn hook_event(action: AuditAction, hook: &Webhook, at: DateTime<Utc>) -> AuditEvent {
    AuditEvent::about_webhook(action, Actor::system(), &hook.org_id, &hook.id, at)
}

/// Twenty registrations at once against a limit of ten: the counter's condition lets exactly
/// ten through (DynamoDB Local serialises the transactions; AWS cancels the losers with
/// `TransactionConflict`, which the store tries again).
#[tokio::test]
async fn concurrent_registrations_never_pass_the_limit() {
    let (store, _) = fresh_dynamo_store().await;
    let store = Arc::new(store);
    let org = OrgId::generate();
    let tries: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let hook = webhook(&org, t0() + Duration::seconds(i));
            tokio::spawn(async move {
                let event = hook_event(AuditAction::WebhookCreated, &hook, hook.created_at);
                store.create_webhook(&hook, MAX_WEBHOOKS, &event).await
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tries {
        results.push(task.await.unwrap());
    }
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, MAX_WEBHOOKS);
    assert!(results
        .iter()
        .all(|r| matches!(r, Ok(()) | Err(StoreError::TooManyWebhooks))));
    let hooks = store.webhooks_of(&org).await.unwrap();
    assert_eq!(hooks.len(), MAX_WEBHOOKS);
    assert!(hooks.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    // One deleted frees one place.
    let gone = &hooks[0];
    let deleted = hook_event(
        AuditAction::WebhookDeleted,
        gone,
        t0() + Duration::minutes(1),
    );
    store.delete_webhook(gone, &deleted).await.unwrap();
    let again = webhook(&org, t0() + Duration::minutes(2));
    let created = hook_event(AuditAction::WebhookCreated, &again, again.created_at);
    store
        .create_webhook(&again, MAX_WEBHOOKS, &created)
        .await
        .unwrap();
    assert_eq!(store.webhooks_of(&org).await.unwrap().len(), MAX_WEBHOOKS);
}

/// The whole way of an event to an endpoint, with each step's round trips and capacity (what
/// the bench would print): the report at the end is a test's output, for the record.
#[tokio::test]
async fn an_event_goes_out_to_its_endpoint_in_a_few_writes_each() {
    let (store, counter) = fresh_dynamo_store().await;
    let meter = CapacityMeter::default();
    let store = store.with_capacity_meter(meter.clone());
    let mut report = Vec::new();
    let mut step = |name: &str, trips: Vec<String>| {
        report.push(format!("{name}: {trips:?}, {} units", meter.take()));
    };
    let org = OrgId::generate();
    let hook = webhook(&org, t0());
    let created = hook_event(AuditAction::WebhookCreated, &hook, t0());
    store
        .create_webhook(&hook, MAX_WEBHOOKS, &created)
        .await
        .unwrap();
    step("create_webhook", counter.take());
    assert_eq!(store.webhooks_of(&org).await.unwrap(), vec![hook.clone()]);
    step("webhooks_of", counter.take());

    let now = t0() + Duration::seconds(1);
    let due = store.due_fanouts(now, 100).await.unwrap();
    step("due_fanouts", counter.take());
    assert!(due.contains(&created));
    assert!(
        !store
            .due_fanouts(t0() - Duration::seconds(1), 100)
            .await
            .unwrap()
            .contains(&created),
        "not due before it happened"
    );
    counter.take();
    let job = DeliveryJob::new(&hook.id, &created, now);
    assert!(store
        .fan_out(&created, std::slice::from_ref(&job))
        .await
        .unwrap());
    step("fan_out (1 job)", counter.take());
    assert!(!store
        .fan_out(&created, std::slice::from_ref(&job))
        .await
        .unwrap());
    assert!(!store
        .due_fanouts(now, 100)
        .await
        .unwrap()
        .contains(&created));
    counter.take();
    meter.take();

    let listed = store.due_deliveries(now, 10).await.unwrap();
    step("due_deliveries", counter.take());
    assert!(listed.contains(&job));
    let until = now + Duration::seconds(60);
    let taken = store.take_delivery(&job, until).await.unwrap().unwrap();
    step("take_delivery", counter.take());
    assert_eq!((taken.due, taken.attempts), (until, 1));
    assert_eq!(store.take_delivery(&job, until).await.unwrap(), None);
    counter.take();
    meter.take();

    let failed = DeliveryAttempt {
        webhook_id: hook.id.clone(),
        event_id: created.id.clone(),
        at: now,
        status_code: Some(503),
        error: None,
        outcome: AttemptOutcome::Retrying,
    };
    let retry_at = now + Duration::seconds(10);
    store
        .finish_delivery(
            &taken,
            Some(&failed),
            &DeliveryNext::Retry { at: retry_at },
            &EndpointHealth::Failing { since: now },
        )
        .await
        .unwrap();
    step("finish_delivery (retry, failing)", counter.take());
    let hook_now = store.webhook(&org, &hook.id).await.unwrap().unwrap();
    assert_eq!(hook_now.failing_since, Some(now));
    assert_eq!(
        store.deliveries_of(&hook, 10).await.unwrap(),
        vec![failed.clone()]
    );
    step("webhook + deliveries_of", counter.take());
    let again = store.due_deliveries(retry_at, 10).await.unwrap();
    let again = again.into_iter().find(|j| j.key() == job.key()).unwrap();
    assert_eq!((again.due, again.attempts), (retry_at, 1));
    counter.take();
    meter.take();

    let taken = store.take_delivery(&again, until).await.unwrap().unwrap();
    let delivered = DeliveryAttempt {
        at: retry_at,
        status_code: Some(204),
        outcome: AttemptOutcome::Delivered,
        ..failed.clone()
    };
    counter.take();
    meter.take();
    store
        .finish_delivery(
            &taken,
            Some(&delivered),
            &DeliveryNext::Done,
            &EndpointHealth::Healthy,
        )
        .await
        .unwrap();
    step("finish_delivery (done, healthy)", counter.take());
    assert_eq!(
        store
            .webhook(&org, &hook.id)
            .await
            .unwrap()
            .unwrap()
            .failing_since,
        None
    );
    assert_eq!(
        store.deliveries_of(&hook, 10).await.unwrap(),
        vec![delivered, failed],
        "newest first"
    );
    assert!(!store
        .due_deliveries(until + Duration::days(1), 100)
        .await
        .unwrap()
        .iter()
        .any(|j| j.key() == job.key()));
    // A job gone: its part is skipped, the endpoint's still written.
    let disabled = hook_event(AuditAction::WebhookDisabled, &hook, until);
    counter.take();
    meter.take();
    store
        .finish_delivery(
            &taken,
            None,
            &DeliveryNext::Retry { at: until },
            &EndpointHealth::Disable {
                event: disabled.clone(),
                failing_since: None,
            },
        )
        .await
        .unwrap();
    step("finish_delivery (job gone, disable)", counter.take());
    assert_eq!(
        store
            .webhook(&org, &hook.id)
            .await
            .unwrap()
            .unwrap()
            .disabled_at,
        Some(until)
    );
    // Disabled already: no second event.
    let twice = hook_event(
        AuditAction::WebhookDisabled,
        &hook,
        until + Duration::seconds(1),
    );
    store
        .finish_delivery(
            &taken,
            None,
            &DeliveryNext::Done,
            &EndpointHealth::Disable {
                event: twice,
                failing_since: None,
            },
        )
        .await
        .unwrap();
    let log = store
        .audit_events(&query(&org, 10, until + Duration::days(1)))
        .await
        .unwrap()
        .events;
    assert_eq!(log, vec![disabled.clone(), created]);
    assert!(store
        .due_fanouts(until, 100)
        .await
        .unwrap()
        .contains(&disabled));
    counter.take();
    meter.take();

    let deleted = hook_event(AuditAction::WebhookDeleted, &hook, until);
    let queued = DeliveryJob::new(&hook.id, &disabled, until);
    assert!(store
        .fan_out(&disabled, std::slice::from_ref(&queued))
        .await
        .unwrap());
    counter.take();
    meter.take();
    store.delete_webhook(&hook, &deleted).await.unwrap();
    step("delete_webhook (1 queued job)", counter.take());
    assert!(!store
        .due_deliveries(until + Duration::days(1), 100)
        .await
        .unwrap()
        .iter()
        .any(|j| j.key() == queued.key()));
    assert_eq!(
        store.delete_webhook(&hook, &deleted).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(store.webhook(&org, &hook.id).await.unwrap(), None);
    println!("{}", report.join("\n"));
}

fn watch(user: &User) -> MailJob {
    let expires = user.invite.as_ref().unwrap().expires_at;
    MailJob {
        id: uuid::Uuid::new_v4().simple().to_string(),
        kind: MailKind::Expiry,
        user_id: user.id.clone(),
        to: user.home(),
        home: Some(user.home()),
        generation: user.setup_generation,
        link_expires_at: expires,
        key_id: "k1".into(),
        due: expires,
        attempts: 0,
        created_at: t0(),
    }
}

#[tokio::test]
async fn an_expiry_is_recorded_once_and_only_for_an_invite_still_waiting_on_its_link() {
    let (store, counter) = fresh_dynamo_store().await;
    let (user, token) = invited(&unique_email("expiry"));
    let watched = watch(&user);
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            std::slice::from_ref(&watched),
            &[],
        )
        .await
        .unwrap();
    let expires = watched.link_expires_at;
    let expired = about(
        &user,
        AuditAction::InviteExpired,
        expires + Duration::seconds(1),
    );
    counter.take();
    assert_eq!(store.record_expiry(&watched, &expired).await, Ok(true));
    assert_eq!(counter.take(), vec!["TransactWriteItems"]);
    assert_eq!(store.record_expiry(&watched, &expired).await, Ok(false));
    let log = store
        .audit_events(&query(&user.org_id, 10, expires + Duration::days(1)))
        .await
        .unwrap()
        .events;
    assert_eq!(log, vec![expired]);

    // Set up meanwhile: the watch goes, nothing is recorded.
    let (user, token) = invited(&unique_email("expiry-active"));
    let watched = watch(&user);
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            std::slice::from_ref(&watched),
            &[],
        )
        .await
        .unwrap();
    let change = SessionChange::of(&user, new_session_version());
    store
        .change_password(&change, "$argon2id$own", &[])
        .await
        .unwrap();
    let expired = about(
        &user,
        AuditAction::InviteExpired,
        expires + Duration::seconds(1),
    );
    counter.take();
    assert_eq!(store.record_expiry(&watched, &expired).await, Ok(false));
    assert_eq!(counter.take(), vec!["TransactWriteItems", "DeleteItem"]);
    assert_eq!(store.record_expiry(&watched, &expired).await, Ok(false));
    assert_eq!(
        counter.take(),
        vec!["TransactWriteItems"],
        "the watch is gone"
    );
    assert!(store
        .audit_events(&query(&user.org_id, 10, expires + Duration::days(1)))
        .await
        .unwrap()
        .events
        .is_empty());
}

/// A mail outcome and a delivery event record theirs only when they change the invite, built
/// from the user as left: a read of the user, then the one transaction.
#[tokio::test]
async fn mail_outcomes_and_delivery_events_record_what_changed_the_invite() {
    let (store, counter) = fresh_dynamo_store().await;
    let (mut user, token) = invited(&unique_email("outcome"));
    user.invite = Some(onboarding::domain::Invite::new(
        InviteStatus::Queued,
        token.record.expires_at,
    ));
    let welcome = MailJob {
        kind: MailKind::Welcome,
        due: t0(),
        generation: 1,
        ..watch(&user)
    };
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            std::slice::from_ref(&welcome),
            &[],
        )
        .await
        .unwrap();
    let held = store
        .take_mail(&welcome, t0() + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    let message_id = format!("m-{}", uuid::Uuid::new_v4().simple());
    let sent = MailOutcome::Sent {
        message_id: message_id.clone(),
        at: t0(),
    };
    counter.take();
    store.finish_mail(&held, &sent, t0()).await.unwrap();
    assert_eq!(counter.take(), vec!["GetItem", "TransactWriteItems"]);
    // Finished already: no change, no event.
    store.finish_mail(&held, &sent, t0()).await.unwrap();
    let delivered_at = t0() + Duration::seconds(5);
    assert_eq!(
        store
            .apply_delivery_event(&message_id, DeliveryEvent::Delivered, delivered_at)
            .await,
        Ok(true)
    );
    assert_eq!(
        store
            .apply_delivery_event(&message_id, DeliveryEvent::Delivered, delivered_at)
            .await,
        Ok(false)
    );
    let log = store
        .audit_events(&query(&user.org_id, 10, t0() + Duration::days(1)))
        .await
        .unwrap()
        .events;
    let actions: Vec<AuditAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [AuditAction::InviteDelivered, AuditAction::InviteSent]
    );
    assert!(log
        .iter()
        .all(|e| e.org_id == user.org_id && e.user_id() == Some(UserId(user.id.0.clone()))));
    assert_eq!(log[1].details["channel"], "email");
}
