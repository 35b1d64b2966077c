//! The store contract on DynamoDB Local, each test on a fresh table made from `template.yaml` by
//! the same code as `create-table`; plus what only DynamoDB has: the table's TTL, items left past
//! their TTL, and AWS failures turned into store errors. Needs `--features services` and
//! `DYNAMODB_TEST_ENDPOINT` (`make test`); without them it fails, it does not skip.

use aws_sdk_dynamodb::types::{AttributeValue, KeyType, TimeToLiveStatus};
use chrono::{Duration, Utc};
use std::sync::Arc;

use onboarding::adapters::dynamodb::DynamoStore;
use onboarding::aws::RoundTrips;
use onboarding::domain::token::issue;
use onboarding::domain::{EmailAddress, TokenPurpose, UserId};
use onboarding::ports::{
    Crew, Limited, Limits, Links, NewCredential, Redemption, Slots, StoreError, Users,
};
use tests::services::{dynamodb_client, fresh_dynamo_store, fresh_table};
use tests::store_contract::{invited, unique_email, SharedStore};

async fn fresh() -> SharedStore {
    Arc::new(fresh_dynamo_store().await.0)
}

tests::store_contract!(fresh);

#[tokio::test]
async fn a_table_made_from_the_template_has_its_key_and_ttl_on_expires_at() {
    let client = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&client).await;
    let described = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let keys = described.table().unwrap().key_schema();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].attribute_name(), "pk");
    assert_eq!(keys[0].key_type(), &KeyType::Hash);
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("expiresAt"));
    assert!(matches!(
        ttl.time_to_live_status(),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ));
    // The organisation index that `GET /users` queries (users newest first, and the audit log's
    // partitions) and the outbox's sparse index that the schedule sweeps (mail jobs, oldest due
    // first, and the webhooks' queues).
    let indexes = described.table().unwrap().global_secondary_indexes();
    let keys_of = |name: &str| -> Vec<(String, KeyType)> {
        let index = indexes
            .iter()
            .find(|i| i.index_name() == Some(name))
            .unwrap_or_else(|| panic!("no index {name}"));
        index
            .key_schema()
            .iter()
            .map(|k| (k.attribute_name().to_owned(), k.key_type().clone()))
            .collect()
    };
    assert_eq!(indexes.len(), 3);
    assert_eq!(
        keys_of("byOrg"),
        [
            ("memberOf".to_owned(), KeyType::Hash),
            ("createdAt".to_owned(), KeyType::Range)
        ]
    );
    assert_eq!(
        keys_of("mailQueue"),
        [
            ("mailQueue".to_owned(), KeyType::Hash),
            ("mailDue".to_owned(), KeyType::Range)
        ]
    );
    // The audit log's index of one user's events (only events about a user carry its key).
    assert_eq!(
        keys_of("byUser"),
        [
            ("auditUser".to_owned(), KeyType::Hash),
            ("createdAt".to_owned(), KeyType::Range)
        ]
    );
    // Creating it again leaves it as it is.
    let again = infra::table::create_table(
        &client,
        &table,
        &infra::table::read_definition(&infra::table::default_template_path()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(again, infra::table::Outcome::AlreadyExisted);
}

/// TTL lags: DynamoDB deletes expired items hours or days late. A token item whose `expiresAt`
/// is long past, put straight into the table, must still be refused.
#[tokio::test]
async fn a_token_item_past_its_ttl_but_not_yet_deleted_is_refused() {
    let (store, _) = fresh_dynamo_store().await;
    let (user, _) = invited(&unique_email("ttl"));
    store.create_user(&user, None).await.unwrap();
    let long_ago = Utc::now() - Duration::days(10);
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        long_ago,
        Duration::days(7),
    );
    let past = (long_ago + Duration::days(7)).timestamp();
    let at = |t: chrono::DateTime<Utc>| {
        AttributeValue::S(t.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true))
    };
    store
        .client()
        .put_item()
        .table_name(store.table())
        .item(
            "pk",
            AttributeValue::S(format!("TOKEN#{}", token.record.hash.to_hex())),
        )
        .item("entity", AttributeValue::S("token".into()))
        .item("purpose", AttributeValue::S("setup".into()))
        .item("userId", AttributeValue::S(user.id.0.clone()))
        .item("orgId", AttributeValue::S(user.org_id.0.clone()))
        .item(
            "email",
            AttributeValue::S(user.email().unwrap().as_str().into()),
        )
        .item("userCreatedAt", at(user.created_at))
        .item("role", AttributeValue::S("tech".into()))
        .item("generation", AttributeValue::N("1".into()))
        .item("createdAt", at(long_ago))
        .item("validUntil", at(token.record.expires_at))
        .item("expiresAt", AttributeValue::N(past.to_string()))
        .send()
        .await
        .unwrap();

    let stored = store.token(&token.record.hash).await.unwrap();
    let stored = stored.expect("the item is still there");
    assert!(stored.is_expired(Utc::now()));
    let r = Redemption {
        token: stored,
        credential: NewCredential::Password("$argon2id$late".into()),
        new_session_version: "new".into(),
        now: Utc::now(),
        locale: None,
        audit: Vec::new(),
    };
    assert_eq!(store.redeem_token(&r).await, Err(StoreError::TokenExpired));
    let after = store.user_by_id(&user.id).await.unwrap().unwrap();
    assert_eq!(after, user, "nothing changed");
}

#[tokio::test]
async fn sign_in_reads_exactly_one_item() {
    let (store, counter) = fresh_dynamo_store().await;
    let (user, _) = invited(&unique_email("one-read"));
    store.create_user(&user, None).await.unwrap();
    counter.take();
    store
        .user_by_email(user.email().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(counter.take(), vec!["GetItem"]);
    store.user_by_id(&user.id).await.unwrap().unwrap();
    assert_eq!(counter.take(), vec!["GetItem", "GetItem"]);
}

#[tokio::test]
async fn a_missing_table_is_a_store_failure_that_names_no_key() {
    let client = dynamodb_client(&RoundTrips::default());
    let store = DynamoStore::new(client, format!("missing-{}", uuid::Uuid::new_v4().simple()));
    let hash = onboarding::domain::TokenHash::of("secret token");
    let e = store.token(&hash).await.unwrap_err();
    let StoreError::Backend(failure) = &e else {
        panic!("expected a backend failure, got {e:?}");
    };
    // What the logs get: the whole cause chain, and the error's `Debug`.
    let text = cause_chain(failure);
    assert!(text.contains("ResourceNotFoundException"), "{text}");
    assert!(!text.contains(&hash.to_hex()), "{text}");
    let debug = format!("{e:?}");
    assert!(!debug.contains(&hash.to_hex()), "{debug}");
}

fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_busy_store_not_a_crash() {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "tests",
        ))
        // Nothing listens on port 9 (discard) here: the connection is refused at once.
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), "t");
    let email = EmailAddress::parse("ana@example.com").unwrap();
    assert!(matches!(
        store.user_by_email(&email).await,
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        store.user_by_id(&UserId::generate()).await,
        Err(StoreError::Unavailable(_))
    ));
}

/// Each admin action is at most one transaction (or one write), and a list page one Query.
#[tokio::test]
async fn each_crew_action_is_one_write_and_each_list_page_one_query() {
    let (store, counter) = fresh_dynamo_store().await;
    let (user, token) = invited(&unique_email("round-trips"));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    let query = onboarding::ports::UserQuery {
        org_id: user.org_id.clone(),
        status: Some(onboarding::domain::UserStatus::Invited),
        limit: 10,
        after: None,
    };
    counter.take();
    let page = store.list_users(&query).await.unwrap();
    assert_eq!(page.users, vec![user.clone()]);
    assert_eq!(counter.take(), vec!["Query"]);
    let disabled = store
        .disable_user(&user, &onboarding::domain::user::new_session_version(), &[])
        .await
        .unwrap();
    assert_eq!(counter.take(), vec!["UpdateItem"]);
    store.enable_user(&disabled, &[]).await.unwrap();
    assert_eq!(counter.take(), vec!["UpdateItem"]);
    store.cancel_invite(&user, &[]).await.unwrap();
    assert_eq!(counter.take(), vec!["GetItem", "TransactWriteItems"]);
}

/// Rate-limit slots alone are one conditional update per counter, never a transaction (a counter
/// such as the per-address one is shared by everyone behind that address, and real DynamoDB
/// cancels transactions that meet on one item); a refusal gives back what the other counters
/// took. Taken with a reset link and its email, the slots (of one user's counters) ride in the
/// link's one transaction.
#[tokio::test]
async fn slots_are_plain_conditional_updates_alone_and_one_transaction_with_a_link() {
    let (store, counter) = fresh_dynamo_store().await;
    let (user, token) = invited(&unique_email("slot-trips"));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    let window = Duration::hours(1);
    let now = Utc::now();
    let key = |kind: &str| format!("forgot:{kind}:{}", uuid::Uuid::new_v4().simple());
    let limits = [
        Limited {
            key: key("email-ip"),
            max: 1,
        },
        Limited {
            key: key("email"),
            max: 10,
        },
        Limited {
            key: key("ip"),
            max: 20,
        },
    ];
    counter.take();
    let reset = issue(
        TokenPurpose::Reset,
        user.token_subject(),
        1,
        now,
        Duration::minutes(30),
    );
    let slots = Slots {
        limits: &limits,
        window,
        now,
    };
    assert_eq!(
        store
            .issue_token_within_limits(&reset.record, None, &[], &slots)
            .await,
        Ok(true)
    );
    assert_eq!(counter.take(), vec!["TransactWriteItems"]);
    // Over the strict limit: one update per counter (the strict one refused), then the two
    // slots the others took given back.
    assert!(!store.take_slots(&limits, window, now).await.unwrap());
    assert_eq!(counter.take(), vec!["UpdateItem"; 5]);
    assert_eq!(
        store
            .peek_counts(&[limits[1].key.clone(), limits[2].key.clone()], window, now)
            .await
            .unwrap(),
        vec![1, 1],
        "the refused request holds no slot"
    );
    counter.take();
    let again = issue(
        TokenPurpose::Reset,
        user.token_subject(),
        2,
        now,
        Duration::minutes(30),
    );
    assert_eq!(
        store
            .issue_token_within_limits(&again.record, None, &[], &slots)
            .await,
        Ok(false)
    );
    assert_eq!(counter.take(), vec!["TransactWriteItems"]);
    assert!(store.take_slots(&limits[1..], window, now).await.unwrap());
    assert_eq!(counter.take(), vec!["UpdateItem", "UpdateItem"]);
}

/// A user written before the organisation index existed (no `memberOf`) is listed once the table
/// tool has run over the table again.
#[tokio::test]
async fn the_table_tool_puts_users_written_before_the_index_in_it() {
    let (store, _) = fresh_dynamo_store().await;
    let (user, token) = invited(&unique_email("older"));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    store
        .client()
        .update_item()
        .table_name(store.table())
        .key(
            "pk",
            AttributeValue::S(format!("EMAIL#{}", user.email().unwrap().as_str())),
        )
        .update_expression("REMOVE memberOf")
        .send()
        .await
        .unwrap();
    let query = onboarding::ports::UserQuery {
        org_id: user.org_id.clone(),
        status: None,
        limit: 10,
        after: None,
    };
    assert!(store.list_users(&query).await.unwrap().users.is_empty());

    let definition = infra::table::read_definition(&infra::table::default_template_path()).unwrap();
    let outcome = infra::table::create_table(store.client(), store.table(), &definition)
        .await
        .unwrap();
    assert_eq!(outcome, infra::table::Outcome::AlreadyExisted);
    assert_eq!(store.list_users(&query).await.unwrap().users, vec![user]);
    // Once is enough: a second run finds nothing to do.
    assert_eq!(
        infra::table::backfill_org_index(store.client(), store.table())
            .await
            .unwrap(),
        0
    );
}
