//! The audit log's and webhooks' stored format, pinned attribute by attribute, and their
//! expressions checked against the placeholders they define (a difference is DynamoDB's
//! ValidationException, found only at run time).

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeSet, HashMap};

use super::super::items::{
    from_item, to_item, AttemptItem, AuditItem, DeliveryJobItem, OrderKey, WebhookItem,
};
use super::super::layout::{attr, Item};
use super::super::DynamoStore;
use super::{deliveries, feed, still_waiting, webhooks};
use crate::domain::{
    Actor, AttemptOutcome, AuditAction, AuditEvent, Contacts, DeliveryAttempt, DeliveryJob,
    EmailAddress, Identifier, MailJob, MailKind, OrgId, Role, User, UserId, UserStatus, Webhook,
};
use crate::ports::{AuditQuery, DeliveryNext, EndpointHealth};

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

/// A store whose client is never called: the builders need one, not a connection.
fn store() -> DynamoStore {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .build();
    DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), "t")
}

fn user() -> User {
    User {
        id: UserId("u-1".into()),
        org_id: OrgId("o-1".into()),
        org_name: None,
        contacts: Contacts::email(EmailAddress::parse("ana@example.com").unwrap()),
        name: None,
        role: Role::Tech,
        status: UserStatus::Active,
        created_at: at("2026-11-01T10:00:00Z"),
        temporary_password_hash: None,
        password_hash: Some("$argon2id$own".into()),
        session_version: "sv".into(),
        setup_generation: 2,
        reset_generation: 0,
        invite: None,
        locale: None,
        passkey_handle: None,
        passkeys: Vec::new(),
    }
}

fn event() -> AuditEvent {
    let admin = user();
    AuditEvent::about_user(
        AuditAction::UserDisabled,
        Actor::admin(&admin),
        &user(),
        at("2026-11-24T10:00:00.123456789Z"),
    )
    .with("attempts", 3)
    .with("ratio", 1.0)
    .with("channel", "email")
}

fn text(item: &Item, name: &str) -> String {
    match &item[name] {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.clone(),
        other => panic!("{name} is {other:?}"),
    }
}

#[test]
fn an_event_is_filed_for_its_organisation_its_user_and_the_fan_out_and_reads_back_exactly() {
    let event = event();
    let retention = Duration::days(400);
    let item = to_item("audit event", &AuditItem::new(&event, retention).unwrap()).unwrap();
    assert_eq!(text(&item, attr::PK), format!("AUDIT#{}", event.id));
    assert_eq!(text(&item, attr::ENTITY), "audit");
    assert_eq!(text(&item, attr::MEMBER_OF), "AUDIT#o-1");
    assert_eq!(
        text(&item, attr::CREATED_AT),
        format!("2026-11-24T10:00:00.123456789Z#{}", event.id)
    );
    assert_eq!(text(&item, attr::AUDIT_USER), "o-1#u-1");
    assert_eq!(text(&item, attr::ACTION), "user.disabled");
    assert_eq!(text(&item, "actorType"), "admin");
    assert_eq!(text(&item, "targetType"), "user");
    assert_eq!(
        text(&item, attr::EXPIRES_AT),
        (event.at + retention)
            .timestamp()
            .saturating_add(1)
            .to_string(),
        "TTL rounds up"
    );
    assert_eq!(text(&item, attr::MAIL_QUEUE), "fanout");
    assert_eq!(
        text(&item, attr::MAIL_DUE),
        event.at.timestamp_millis().to_string()
    );
    let back = from_item::<AuditItem>("audit event", item).unwrap();
    assert_eq!(
        back.into_event().unwrap(),
        event,
        "1.0 stays 1.0, 3 stays 3"
    );
}

#[test]
fn an_event_about_a_webhook_by_the_system_is_in_no_users_index() {
    let event = AuditEvent::about_webhook(
        AuditAction::WebhookDisabled,
        Actor::system(),
        &OrgId("o-1".into()),
        "wh_1",
        at("2026-11-24T10:00:00Z"),
    );
    let item = to_item(
        "audit event",
        &AuditItem::new(&event, Duration::days(1)).unwrap(),
    )
    .unwrap();
    for absent in [attr::AUDIT_USER, "actorId", "details"] {
        assert!(!item.contains_key(absent), "{absent}");
    }
    let back = from_item::<AuditItem>("audit event", item).unwrap();
    assert_eq!(back.into_event().unwrap(), event);
}

fn webhook() -> Webhook {
    Webhook {
        id: "wh_1".into(),
        org_id: OrgId("o-1".into()),
        url: "https://hooks.example.com/in".into(),
        events: vec!["invite.accepted".into(), "user.disabled".into()],
        secret: "whsec_c2VjcmV0".into(),
        created_at: at("2026-11-24T10:00:00.5Z"),
        disabled_at: None,
        failing_since: Some(at("2026-11-25T10:00:00Z")),
    }
}

#[test]
fn a_webhook_is_listed_in_its_organisations_partition_and_reads_back_exactly() {
    let mut hook = webhook();
    let item = to_item("webhook", &WebhookItem::from(&hook)).unwrap();
    assert_eq!(text(&item, attr::PK), "WEBHOOK#wh_1");
    assert_eq!(text(&item, attr::MEMBER_OF), "WEBHOOKS#o-1");
    assert_eq!(
        text(&item, attr::CREATED_AT),
        "2026-11-24T10:00:00.500000000Z#wh_1"
    );
    assert_eq!(text(&item, attr::ORG_ID), "o-1");
    assert_eq!(
        text(&item, attr::FAILING_SINCE),
        "2026-11-25T10:00:00.000000000Z"
    );
    assert!(!item.contains_key(attr::DISABLED_AT));
    let back = Webhook::from(from_item::<WebhookItem>("webhook", item).unwrap());
    assert_eq!(back, hook);
    hook.disabled_at = Some(at("2026-11-26T10:00:00Z"));
    hook.failing_since = None;
    let item = to_item("webhook", &WebhookItem::from(&hook)).unwrap();
    assert!(item.contains_key(attr::DISABLED_AT) && !item.contains_key(attr::FAILING_SINCE));
    let back = Webhook::from(from_item::<WebhookItem>("webhook", item).unwrap());
    assert_eq!(back, hook);
}

#[test]
fn a_delivery_job_waits_in_the_hook_queue_and_its_webhooks_partition() {
    let created = at("2026-11-24T10:00:01.000000250Z");
    let mut job = DeliveryJob::new("wh_1", &event(), created);
    job.due = created + Duration::nanoseconds(999_999);
    job.attempts = 2;
    let item = to_item("delivery job", &DeliveryJobItem::of(&job).unwrap()).unwrap();
    assert_eq!(text(&item, attr::PK), format!("HOOKJOB#{}", job.key()));
    assert_eq!(text(&item, attr::MAIL_QUEUE), "hook");
    assert_eq!(
        text(&item, attr::MAIL_DUE),
        job.due.timestamp_millis().to_string()
    );
    assert_eq!(text(&item, attr::DUE), "2026-11-24T10:00:01.001000249Z");
    assert_eq!(text(&item, attr::MEMBER_OF), "HOOKJOBS#wh_1");
    assert_eq!(text(&item, attr::ATTEMPTS), "2");
    assert_eq!(
        text(&item, attr::EXPIRES_AT),
        (created + Duration::days(4))
            .timestamp()
            .saturating_add(1)
            .to_string(),
        "a day past the retry window"
    );
    assert!(matches!(item["event"], AttributeValue::M(_)));
    assert!(
        !item.contains_key(attr::AUDIT_USER),
        "a job is in no user's log"
    );
    let back = from_item::<DeliveryJobItem>("delivery job", item).unwrap();
    assert_eq!(back.into_job().unwrap(), job, "due and creation exact");
}

#[test]
fn an_attempt_is_kept_for_its_retention_under_its_webhook_newest_last() {
    let attempt = DeliveryAttempt {
        webhook_id: "wh_1".into(),
        event_id: "evt_1".into(),
        at: at("2026-11-24T10:00:02Z"),
        status_code: Some(503),
        error: None,
        outcome: AttemptOutcome::Retrying,
    };
    let item = to_item(
        "delivery attempt",
        &AttemptItem::new(&attempt, "00ff", Duration::days(30)),
    )
    .unwrap();
    assert_eq!(
        text(&item, attr::PK),
        "HOOKTRY#wh_1#2026-11-24T10:00:02.000000000Z#00ff"
    );
    assert_eq!(text(&item, attr::MEMBER_OF), "HOOKTRIES#wh_1");
    assert_eq!(
        text(&item, attr::CREATED_AT),
        "2026-11-24T10:00:02.000000000Z#00ff"
    );
    assert_eq!(text(&item, "outcome"), "retrying");
    assert!(!item.contains_key("error"));
    assert_eq!(
        text(&item, attr::EXPIRES_AT),
        (attempt.at + Duration::days(30)).timestamp().to_string()
    );
    let back = DeliveryAttempt::from(from_item::<AttemptItem>("delivery attempt", item).unwrap());
    assert_eq!(back, attempt);
}

#[test]
fn order_keys_sort_as_time_then_tail_and_read_back() {
    let t = at("2026-11-24T10:00:00Z");
    let keys = [
        OrderKey::new(t, "evt_a"),
        OrderKey::new(t, "evt_b"),
        OrderKey::new(t + Duration::nanoseconds(1), "evt_0"),
        OrderKey::new(t + Duration::seconds(1), "evt_0"),
    ];
    let texts: Vec<String> = keys.iter().map(OrderKey::text).collect();
    let mut sorted = texts.clone();
    sorted.sort();
    assert_eq!(texts, sorted);
    for key in keys {
        assert_eq!(OrderKey::parse(&key.text()), Some(key));
    }
    assert_eq!(OrderKey::parse("no instant#x"), None);
    assert_eq!(OrderKey::parse("2026-11-24T10:00:00Z"), None);
}

// ---------------------------------------------------------------------------------------------
// Expressions

/// The placeholders (`#name`, `:value`) that `expressions` use, and those defined.
fn assert_placeholders_match(
    what: &str,
    expressions: &[Option<&str>],
    names: Option<&HashMap<String, String>>,
    values: Option<&HashMap<String, AttributeValue>>,
) {
    let text = expressions.iter().flatten().copied().collect::<Vec<_>>();
    let used = |sigil: char| -> BTreeSet<String> {
        text.iter()
            .flat_map(|e| e.split(|c: char| !(c.is_alphanumeric() || c == '#' || c == ':')))
            .filter(|w| w.starts_with(sigil))
            .map(str::to_owned)
            .collect()
    };
    let defined_names: BTreeSet<String> =
        names.into_iter().flat_map(|m| m.keys().cloned()).collect();
    let defined_values: BTreeSet<String> =
        values.into_iter().flat_map(|m| m.keys().cloned()).collect();
    assert_eq!(used('#'), defined_names, "{what}: {text:?}");
    assert_eq!(used(':'), defined_values, "{what}: {text:?}");
}

fn assert_update_matches(what: &str, item: &aws_sdk_dynamodb::types::TransactWriteItem) {
    let update = item
        .update()
        .unwrap_or_else(|| panic!("{what} is an update"));
    assert_placeholders_match(
        what,
        &[
            Some(update.update_expression()),
            update.condition_expression(),
        ],
        update.expression_attribute_names(),
        update.expression_attribute_values(),
    );
}

#[test]
fn the_webhook_writes_define_exactly_the_placeholders_they_use() {
    let store = store();
    let org = OrgId("o-1".into());
    assert_update_matches(
        "count in",
        &webhooks::count(&store, &org, 1, Some(10)).unwrap(),
    );
    assert_update_matches(
        "count out",
        &webhooks::count(&store, &org, -1, None).unwrap(),
    );
    let job = DeliveryJob::new("wh_1", &event(), at("2026-11-24T10:00:00Z"));
    let retry = DeliveryNext::Retry {
        at: at("2026-11-24T10:00:10Z"),
    };
    assert_update_matches(
        "retry",
        &deliveries::job_write(&store, &job, &retry).unwrap(),
    );
    let done = deliveries::job_write(&store, &job, &DeliveryNext::Done).unwrap();
    let delete = done.delete().expect("done deletes");
    assert_eq!(delete.condition_expression(), None, "a job gone is fine");
    for health in [
        EndpointHealth::Healthy,
        EndpointHealth::Failing {
            since: at("2026-11-24T10:00:00Z"),
        },
        EndpointHealth::Disable {
            event: event(),
            failing_since: None,
        },
    ] {
        let write = deliveries::endpoint_write(&store, "wh_1", &health)
            .unwrap()
            .expect("a write");
        assert_update_matches(&format!("{health:?}"), &write);
    }
    assert!(
        deliveries::endpoint_write(&store, "wh_1", &EndpointHealth::Unchanged)
            .unwrap()
            .is_none()
    );
    let unmark = deliveries::unmark(&store, &event()).unwrap();
    assert_placeholders_match(
        "unmark",
        &[
            Some(unmark.update_expression()),
            unmark.condition_expression(),
        ],
        unmark.expression_attribute_names(),
        unmark.expression_attribute_values(),
    );
    let take = deliveries::take_request(&store, &job, at("2026-11-24T10:01:00Z"));
    let input = take.as_input();
    assert_placeholders_match(
        "take",
        &[
            input.get_update_expression().as_deref(),
            input.get_condition_expression().as_deref(),
        ],
        input.get_expression_attribute_names().as_ref(),
        input.get_expression_attribute_values().as_ref(),
    );
}

#[test]
fn the_expiry_check_defines_exactly_the_placeholders_it_uses() {
    let email = EmailAddress::parse("ana@example.com").unwrap();
    let watch = MailJob {
        id: "w1".into(),
        kind: MailKind::Expiry,
        user_id: UserId("u-1".into()),
        to: Identifier::Email(email.clone()),
        home: Some(Identifier::Email(email)),
        generation: 1,
        link_expires_at: at("2026-12-01T10:00:00Z"),
        key_id: "k".into(),
        due: at("2026-12-01T10:00:00Z"),
        attempts: 0,
        created_at: at("2026-11-24T10:00:00Z"),
    };
    let check = still_waiting(&store(), &watch, &event()).unwrap();
    assert_placeholders_match(
        "expiry",
        &[Some(check.condition_expression())],
        check.expression_attribute_names(),
        check.expression_attribute_values(),
    );
}

#[test]
fn every_page_query_defines_exactly_the_placeholders_it_uses() {
    let store = store();
    let now = at("2026-11-24T10:00:00Z");
    let after = OrderKey::new(now - Duration::days(1), "evt_1");
    for user_id in [None, Some(UserId("u-1".into()))] {
        for action in [None, Some(AuditAction::InviteSent)] {
            for after in [None, Some(&after)] {
                let q = AuditQuery {
                    org_id: OrgId("o-1".into()),
                    user_id: user_id.clone(),
                    action,
                    limit: 10,
                    after: None,
                    now,
                };
                let request = feed::query(&store, &q, now - Duration::days(400), after, 11, None);
                let input = request.as_input();
                assert_placeholders_match(
                    "page",
                    &[
                        input.get_key_condition_expression().as_deref(),
                        input.get_filter_expression().as_deref(),
                    ],
                    input.get_expression_attribute_names().as_ref(),
                    input.get_expression_attribute_values().as_ref(),
                );
                let index = input.get_index_name().as_deref();
                assert_eq!(
                    index,
                    Some(if user_id.is_some() { "byUser" } else { "byOrg" })
                );
                assert_eq!(input.get_scan_index_forward(), &Some(false), "newest first");
            }
        }
    }
}

/// A change that records events goes in a transaction as the very update it would have sent
/// alone: the same table, key, expressions, names and values.
#[test]
fn an_update_moves_into_a_transaction_unchanged() {
    let request = store()
        .client
        .update_item()
        .table_name("t")
        .key(attr::PK, AttributeValue::S("EMAIL#ana@example.com".into()))
        .update_expression("SET #sv = :new")
        .condition_expression("attribute_exists(pk) AND #id = :id AND #sv = :current")
        .expression_attribute_names("#sv", attr::SESSION_VERSION)
        .expression_attribute_names("#id", attr::ID)
        .expression_attribute_values(":new", AttributeValue::S("b".into()))
        .expression_attribute_values(":current", AttributeValue::S("a".into()))
        .expression_attribute_values(":id", AttributeValue::S("u-1".into()));
    let update = super::super::users::as_transact_update(&request).unwrap();
    let input = request.as_input();
    assert_eq!(Some(update.table_name()), input.get_table_name().as_deref());
    assert_eq!(Some(update.key()), input.get_key().as_ref());
    assert_eq!(
        Some(update.update_expression()),
        input.get_update_expression().as_deref()
    );
    assert_eq!(
        update.condition_expression(),
        input.get_condition_expression().as_deref()
    );
    assert_eq!(
        update.expression_attribute_names(),
        input.get_expression_attribute_names().as_ref()
    );
    assert_eq!(
        update.expression_attribute_values(),
        input.get_expression_attribute_values().as_ref()
    );
    assert!(
        update.return_values_on_condition_check_failure().is_some(),
        "a refusal says why"
    );
}
