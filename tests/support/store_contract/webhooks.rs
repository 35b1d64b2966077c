//! Webhooks: an organisation's endpoints (at most the limit, even under a burst), the fan-out of
//! each audit event done once, delivery jobs taken once and finished, the attempts' record, and
//! an endpoint's health (a disable written once, with its event).

use super::audit::{an_admin, assert_log, log_of, marked};
use super::*;
use onboarding::domain::webhook::MAX_WEBHOOKS;
use onboarding::domain::{
    AttemptOutcome, AuditAction, AuditEvent, DeliveryAttempt, DeliveryJob, Webhook,
};
use onboarding::ports::{DeliveryNext, EndpointHealth};

fn at(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// Far enough ahead that every job and mark of a test is due.
fn far() -> DateTime<Utc> {
    t0() + Duration::days(365)
}

/// A webhook of `org` registered `secs` seconds after `t0`, for every action.
fn hook(org: &OrgId, secs: i64) -> Webhook {
    Webhook {
        id: Webhook::new_id(at(secs)),
        org_id: org.clone(),
        url: format!("https://hooks.northwind.example/{}", uuid::Uuid::new_v4()),
        events: vec!["*".into()],
        secret: "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into(),
        created_at: at(secs),
        disabled_at: None,
        failing_since: None,
    }
}

fn about_hook(action: AuditAction, hook: &Webhook, secs: i64) -> AuditEvent {
    AuditEvent::about_webhook(action, an_admin(), &hook.org_id, &hook.id, at(secs))
}

/// A webhook registered with its `webhook.created` event.
async fn registered(store: &SharedStore, org: &OrgId, secs: i64) -> (Webhook, AuditEvent) {
    let hook = hook(org, secs);
    let created = about_hook(AuditAction::WebhookCreated, &hook, secs);
    store
        .create_webhook(&hook, MAX_WEBHOOKS, &created)
        .await
        .unwrap();
    (hook, created)
}

/// The keys of the due jobs among `keys`, in the order the store lists them.
async fn due_among(store: &SharedStore, now: DateTime<Utc>, keys: &[String]) -> Vec<String> {
    store
        .due_deliveries(now, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.key())
        .filter(|k| keys.contains(k))
        .collect()
}

async fn stored(store: &SharedStore, hook: &Webhook) -> Option<Webhook> {
    store.webhook(&hook.org_id, &hook.id).await.unwrap()
}

pub async fn an_organisation_registers_webhooks_up_to_the_limit_listed_oldest_first(
    store: SharedStore,
) {
    let org = OrgId::generate();
    let mut hooks = Vec::new();
    let mut events = Vec::new();
    for secs in [5, 2, 9, 0, 7, 1, 8, 3, 6, 4] {
        let (hook, created) = registered(&store, &org, secs).await;
        hooks.push(hook);
        events.push(created);
    }
    hooks.sort_by_key(|h| h.created_at);
    assert_eq!(store.webhooks_of(&org).await.unwrap(), hooks);
    assert_eq!(stored(&store, &hooks[3]).await, Some(hooks[3].clone()));
    // The eleventh: refused, not stored, its event not written.
    let eleventh = hook(&org, 10);
    let refused = about_hook(AuditAction::WebhookCreated, &eleventh, 10);
    assert_eq!(
        store
            .create_webhook(&eleventh, MAX_WEBHOOKS, &refused)
            .await,
        Err(StoreError::TooManyWebhooks)
    );
    assert_eq!(stored(&store, &eleventh).await, None);
    assert_eq!(store.webhooks_of(&org).await.unwrap(), hooks);
    events.sort_by_key(|e| std::cmp::Reverse(e.at));
    assert_log(&store, &org, &events.iter().collect::<Vec<_>>()).await;
    assert!(!marked(&store).await.contains(&refused.id));
    for event in &events {
        assert_eq!(event.actor.kind, onboarding::domain::ActorKind::Admin);
    }

    // Another organisation sees none of them, and has a limit of its own.
    let other = OrgId::generate();
    assert_eq!(store.webhooks_of(&other).await.unwrap(), vec![]);
    assert_eq!(store.webhook(&other, &hooks[0].id).await.unwrap(), None);
    let (theirs, _) = registered(&store, &other, 0).await;
    let second = hook(&other, 1);
    let created = about_hook(AuditAction::WebhookCreated, &second, 1);
    store.create_webhook(&second, 2, &created).await.unwrap();
    let third = hook(&other, 2);
    let refused = about_hook(AuditAction::WebhookCreated, &third, 2);
    assert_eq!(
        store.create_webhook(&third, 2, &refused).await,
        Err(StoreError::TooManyWebhooks),
        "the limit asked for"
    );
    assert_eq!(
        store.webhooks_of(&other).await.unwrap(),
        vec![theirs, second]
    );
}

pub async fn twelve_concurrent_registrations_leave_exactly_the_limit(store: SharedStore) {
    let org = OrgId::generate();
    let tries: Vec<(Webhook, AuditEvent)> = (0..12)
        .map(|i| {
            let hook = hook(&org, i);
            let created = about_hook(AuditAction::WebhookCreated, &hook, i);
            (hook, created)
        })
        .collect();
    let handles = tries.iter().cloned().map(|(hook, created)| {
        let store = store.clone();
        tokio::spawn(async move { store.create_webhook(&hook, MAX_WEBHOOKS, &created).await })
    });
    let results = super::users::futures_join(handles).await;
    let won: Vec<usize> = (0..12).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(won.len(), MAX_WEBHOOKS, "{results:?}");
    for result in results.iter().filter(|r| r.is_err()) {
        assert_eq!(result, &Err(StoreError::TooManyWebhooks));
    }
    let winners: Vec<Webhook> = won.iter().map(|&i| tries[i].0.clone()).collect();
    assert_eq!(store.webhooks_of(&org).await.unwrap(), winners);
    let mut events: Vec<&AuditEvent> = won.iter().map(|&i| &tries[i].1).collect();
    events.reverse();
    assert_log(&store, &org, &events).await;
}

pub async fn deleting_a_webhook_writes_its_event_and_drops_its_queued_deliveries(
    store: SharedStore,
) {
    let org = OrgId::generate();
    let (a, a_created) = registered(&store, &org, 0).await;
    let (b, b_created) = registered(&store, &org, 1).await;
    let jobs = [
        DeliveryJob::new(&a.id, &a_created, at(2)),
        DeliveryJob::new(&b.id, &a_created, at(2)),
    ];
    assert_eq!(store.fan_out(&a_created, &jobs).await, Ok(true));
    let third = DeliveryJob::new(&a.id, &b_created, at(3));
    assert_eq!(
        store
            .fan_out(&b_created, std::slice::from_ref(&third))
            .await,
        Ok(true)
    );
    let keys = vec![jobs[0].key(), jobs[1].key(), third.key()];
    assert_eq!(due_among(&store, far(), &keys).await.len(), 3);

    let deleted = about_hook(AuditAction::WebhookDeleted, &a, 4);
    store.delete_webhook(&a, &deleted).await.unwrap();
    assert_eq!(stored(&store, &a).await, None);
    assert_eq!(store.webhooks_of(&org).await.unwrap(), vec![b.clone()]);
    assert_eq!(
        due_among(&store, far(), &keys).await,
        vec![jobs[1].key()],
        "only the other webhook's delivery is left"
    );
    // Gone already: not found, and no second event.
    let again = about_hook(AuditAction::WebhookDeleted, &a, 5);
    assert_eq!(
        store.delete_webhook(&a, &again).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(
        log_of(&store, &org).await,
        vec![deleted.clone(), b_created, a_created]
    );
    // The created events were fanned out (their marks cleared): only the deletion is marked.
    assert_eq!(marked(&store).await, vec![deleted.id.clone()]);
}

pub async fn an_event_is_fanned_out_once_under_concurrent_calls(store: SharedStore) {
    let org = OrgId::generate();
    // Registered newest first: the marks still come oldest first.
    let (late, late_created) = registered(&store, &org, 30).await;
    let (_, mid_created) = registered(&store, &org, 20).await;
    let (_, early_created) = registered(&store, &org, 10).await;
    let ours = [&early_created.id, &mid_created.id, &late_created.id];
    let listed = store.due_fanouts(far(), 100).await.unwrap();
    assert_eq!(
        listed.iter().map(|e| &e.id).collect::<Vec<_>>(),
        ours,
        "oldest first"
    );
    assert_eq!(listed[0], early_created, "an event comes back whole");
    let oldest = store.due_fanouts(far(), 1).await.unwrap();
    assert_eq!(oldest, vec![early_created.clone()]);

    for (round, event) in [&early_created, &mid_created, &late_created]
        .into_iter()
        .enumerate()
    {
        let job = DeliveryJob::new(&late.id, event, at(40));
        let handles = (0..2).map(|_| {
            let (store, event, job) = (store.clone(), event.clone(), job.clone());
            tokio::spawn(async move { store.fan_out(&event, &[job]).await.unwrap() })
        });
        let results = super::users::futures_join(handles).await;
        assert_eq!(
            results.iter().filter(|done| **done).count(),
            1,
            "round {round}: exactly one fan-out"
        );
        assert_eq!(
            due_among(&store, far(), &[job.key()]).await,
            vec![job.key()]
        );
    }
    assert_eq!(store.due_fanouts(far(), 100).await.unwrap(), vec![]);

    // An event no one subscribes to is fanned out with no job, once.
    let (user, token) = invited(&unique_email("fanout-nobody"));
    let event = AuditEvent::about_user(AuditAction::UserInvited, an_admin(), &user, at(50));
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[],
            std::slice::from_ref(&event),
        )
        .await
        .unwrap();
    assert_eq!(marked(&store).await, vec![event.id.clone()]);
    assert_eq!(store.fan_out(&event, &[]).await, Ok(true));
    assert_eq!(store.fan_out(&event, &[]).await, Ok(false));
    // An event never written has no mark: nothing is fanned out, no job written.
    let ghost = about_hook(AuditAction::WebhookCreated, &late, 60);
    let ghost_job = DeliveryJob::new(&late.id, &ghost, at(60));
    assert_eq!(
        store
            .fan_out(&ghost, std::slice::from_ref(&ghost_job))
            .await,
        Ok(false)
    );
    assert_eq!(
        due_among(&store, far(), &[ghost_job.key()]).await,
        Vec::<String>::new()
    );
    assert_eq!(marked(&store).await, Vec::<String>::new());
}

/// A webhook of a new organisation, and one event fanned out to it per entry of `dues`, its
/// job due that many seconds after `t0`.
async fn with_jobs(store: &SharedStore, dues: &[i64]) -> (Webhook, Vec<DeliveryJob>) {
    let org = OrgId::generate();
    let (hook, created) = registered(store, &org, 0).await;
    assert_eq!(store.fan_out(&created, &[]).await, Ok(true));
    // The events are written (and marked) as any are: with a change.
    let (mut user, token) = invited(&unique_email("deliveries"));
    user.org_id = org;
    let events: Vec<AuditEvent> = dues
        .iter()
        .map(|_| AuditEvent::about_user(AuditAction::UserInvited, an_admin(), &user, t0()))
        .collect();
    store
        .create_user_with_mail(&user, Some(&token.record), &[], &events)
        .await
        .unwrap();
    let mut jobs = Vec::new();
    for (event, due) in events.iter().zip(dues) {
        let mut job = DeliveryJob::new(&hook.id, event, t0());
        job.due = at(*due);
        assert_eq!(
            store.fan_out(event, std::slice::from_ref(&job)).await,
            Ok(true)
        );
        jobs.push(job);
    }
    (hook, jobs)
}

pub async fn a_due_delivery_is_listed_longest_waiting_first_and_taken_once(store: SharedStore) {
    let (_, jobs) = with_jobs(&store, &[10, 0]).await;
    let (later, first) = (&jobs[0], &jobs[1]);
    let keys = vec![later.key(), first.key()];
    assert_eq!(due_among(&store, at(-1), &keys).await, Vec::<String>::new());
    assert_eq!(due_among(&store, at(0), &keys).await, vec![first.key()]);
    assert_eq!(
        due_among(&store, at(10), &keys).await,
        vec![first.key(), later.key()],
        "the longest waiting first"
    );
    let listed = store.due_deliveries(at(0), 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.key() == first.key()).unwrap();
    assert_eq!(&listed, first, "a job reads back exactly as written");

    // Ten senders race for it: exactly one holds it.
    let until = at(60);
    let handles = (0..10).map(|_| {
        let (store, listed) = (store.clone(), listed.clone());
        tokio::spawn(async move { store.take_delivery(&listed, until).await.unwrap() })
    });
    let taken: Vec<DeliveryJob> = super::users::futures_join(handles)
        .await
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(taken.len(), 1, "exactly one sender holds the job");
    assert_eq!(taken[0].attempts, 1);
    assert_eq!(taken[0].due, until);
    assert_eq!(taken[0].event, first.event);
    // Held: not due again until the hold runs out.
    assert_eq!(due_among(&store, at(59), &keys).await, vec![later.key()]);
    assert_eq!(
        due_among(&store, until, &keys).await,
        vec![later.key(), first.key()]
    );
    // As listed before it was taken: no longer as listed.
    assert_eq!(store.take_delivery(&listed, at(120)).await, Ok(None));
    // A job never written: nothing to take.
    let mut ghost = first.clone();
    ghost.webhook_id = Webhook::new_id(at(120));
    assert_eq!(store.take_delivery(&ghost, at(120)).await, Ok(None));
}

fn attempt(job: &DeliveryJob, secs: i64, status: u16, outcome: AttemptOutcome) -> DeliveryAttempt {
    DeliveryAttempt {
        webhook_id: job.webhook_id.clone(),
        event_id: job.event.id.clone(),
        at: at(secs),
        status_code: Some(status),
        error: None,
        outcome,
    }
}

pub async fn a_finished_delivery_is_retried_later_or_done_and_its_attempts_read_newest_first(
    store: SharedStore,
) {
    let (hook, jobs) = with_jobs(&store, &[0]).await;
    let keys = vec![jobs[0].key()];
    let held = store
        .take_delivery(&jobs[0], at(60))
        .await
        .unwrap()
        .unwrap();
    let failed = attempt(&held, 1, 500, AttemptOutcome::Retrying);
    store
        .finish_delivery(
            &held,
            Some(&failed),
            &DeliveryNext::Retry { at: at(20) },
            &EndpointHealth::Failing { since: at(1) },
        )
        .await
        .unwrap();
    assert_eq!(due_among(&store, at(19), &keys).await, Vec::<String>::new());
    let listed = store.due_deliveries(at(20), 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.key() == keys[0]).unwrap();
    assert_eq!((listed.due, listed.attempts), (at(20), 1));

    let held = store.take_delivery(&listed, at(80)).await.unwrap().unwrap();
    assert_eq!(held.attempts, 2);
    let delivered = attempt(&held, 21, 204, AttemptOutcome::Delivered);
    store
        .finish_delivery(
            &held,
            Some(&delivered),
            &DeliveryNext::Done,
            &EndpointHealth::Healthy,
        )
        .await
        .unwrap();
    assert_eq!(due_among(&store, far(), &keys).await, Vec::<String>::new());
    assert_eq!(
        store.deliveries_of(&hook, 10).await.unwrap(),
        vec![delivered.clone(), failed.clone()],
        "newest first"
    );
    assert_eq!(
        store.deliveries_of(&hook, 1).await.unwrap(),
        vec![delivered]
    );
    // The job is gone: finishing it again is no error, and does not bring it back.
    for next in [DeliveryNext::Done, DeliveryNext::Retry { at: at(30) }] {
        store
            .finish_delivery(&held, None, &next, &EndpointHealth::Unchanged)
            .await
            .unwrap();
    }
    assert_eq!(due_among(&store, far(), &keys).await, Vec::<String>::new());
    // Another endpoint's attempts are its own.
    let (other, _) = with_jobs(&store, &[]).await;
    assert_eq!(store.deliveries_of(&other, 10).await.unwrap(), vec![]);
}

pub async fn an_endpoints_health_is_recorded_and_a_disable_writes_its_event_once(
    store: SharedStore,
) {
    let (hook, jobs) = with_jobs(&store, &[0]).await;
    let job = &jobs[0];
    let finish = |health: EndpointHealth| {
        let (store, job) = (store.clone(), job.clone());
        async move {
            store
                .finish_delivery(&job, None, &DeliveryNext::Retry { at: at(30) }, &health)
                .await
                .unwrap()
        }
    };
    let failing_since = |hook: Option<Webhook>| hook.unwrap().failing_since;
    finish(EndpointHealth::Failing { since: at(1) }).await;
    assert_eq!(failing_since(stored(&store, &hook).await), Some(at(1)));
    finish(EndpointHealth::Failing { since: at(2) }).await;
    assert_eq!(
        failing_since(stored(&store, &hook).await),
        Some(at(1)),
        "a run of failures keeps its start"
    );
    finish(EndpointHealth::Unchanged).await;
    assert_eq!(failing_since(stored(&store, &hook).await), Some(at(1)));
    finish(EndpointHealth::Healthy).await;
    assert_eq!(failing_since(stored(&store, &hook).await), None);
    finish(EndpointHealth::Failing { since: at(3) }).await;
    assert_eq!(failing_since(stored(&store, &hook).await), Some(at(3)));
    finish(EndpointHealth::Unchanged).await;
    assert_eq!(failing_since(stored(&store, &hook).await), Some(at(3)));

    // A disable decided on a run of failures that has ended (a success cleared it, a new run
    // began at 3): refused, with no event.
    let before = log_of(&store, &hook.org_id).await;
    let stale = about_hook(AuditAction::WebhookDisabled, &hook, 4);
    finish(EndpointHealth::Disable {
        event: stale,
        failing_since: Some(at(1)),
    })
    .await;
    assert_eq!(stored(&store, &hook).await.unwrap().disabled_at, None);
    assert_eq!(log_of(&store, &hook.org_id).await, before);

    let disabled = about_hook(AuditAction::WebhookDisabled, &hook, 4);
    finish(EndpointHealth::Disable {
        event: disabled.clone(),
        failing_since: None,
    })
    .await;
    assert_eq!(
        stored(&store, &hook).await.unwrap().disabled_at,
        Some(at(4))
    );
    // Disabled already: nothing more, no second event.
    let again = about_hook(AuditAction::WebhookDisabled, &hook, 5);
    finish(EndpointHealth::Disable {
        event: again.clone(),
        failing_since: None,
    })
    .await;
    assert_eq!(
        stored(&store, &hook).await.unwrap().disabled_at,
        Some(at(4))
    );
    let mut expected = vec![disabled.clone()];
    expected.extend(before);
    assert_eq!(log_of(&store, &hook.org_id).await, expected);
    // Every other event was fanned out: the disable's is the one marked, once.
    assert_eq!(marked(&store).await, vec![disabled.id.clone()]);

    // An endpoint gone: its health is no error, and nothing is written.
    let (gone, gone_jobs) = with_jobs(&store, &[0]).await;
    let deleted = about_hook(AuditAction::WebhookDeleted, &gone, 6);
    store.delete_webhook(&gone, &deleted).await.unwrap();
    let late = about_hook(AuditAction::WebhookDisabled, &gone, 7);
    store
        .finish_delivery(
            &gone_jobs[0],
            None,
            &DeliveryNext::Done,
            &EndpointHealth::Disable {
                event: late.clone(),
                failing_since: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(stored(&store, &gone).await, None);
    let gone_log = log_of(&store, &gone.org_id).await;
    assert_eq!(gone_log.first(), Some(&deleted));
    assert!(!gone_log.contains(&late));
    assert!(!marked(&store).await.contains(&late.id));
}
