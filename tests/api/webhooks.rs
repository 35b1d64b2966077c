//! Webhooks end to end (API.md, "Webhooks"), on both stores: an admin registers a receiver on
//! this machine, the schedule fans the audit log's events out to it and posts them, signed per
//! Standard Webhooks, checked by the reference library for Python (`standardwebhooks`); a
//! receiver answering `500` then `200` gets the same `webhook-id` twice; `410` or three days of
//! failures disable the endpoint; a deleted endpoint's queued deliveries go; the URL rules; and a
//! name that resolves to a private address is never dialled. Needs `--features services` (the
//! library in `.venv`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{Duration, Utc};
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

use onboarding::services::hooks::DeliverHooks;
use onboarding::webhooks::dial::{RecordingDial, StubResolver};
use onboarding::webhooks::{UrlPolicy, WebhookClient};
use secrecy::ExposeSecret;
use tests::on_both_stores;
use tests::stories::Api;
use tests::webhook_receiver::{Answer, Delivery, Receiver};

const LOOPBACK: (&str, &str) = ("WEBHOOK_ALLOW_LOOPBACK", "true");

/// Moves the service's clock to the real time (the reference library refuses a timestamp more
/// than five minutes from its own clock) and signs the admin in again there.
async fn at_real_time(api: &Api) -> String {
    api.clock.advance(Utc::now() - api.app.now());
    api.fresh_admin_token().await
}

async fn as_admin(
    api: &Api,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> tests::app::TestResponse {
    api.call(method, path, body, Some(token)).await
}

/// Registers `url` for `events`: the webhook's id and secret.
async fn register(api: &Api, token: &str, url: &str, events: Value) -> (String, String) {
    let r = as_admin(
        api,
        token,
        Method::POST,
        "/webhooks",
        Some(json!({"url": url, "events": events})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    (
        j["webhook"]["id"].as_str().unwrap().to_owned(),
        j["secret"].as_str().unwrap().to_owned(),
    )
}

/// One run of the schedule (mail, expiry watches, fan-out, deliveries).
async fn sweep(api: &Api) {
    api.app
        .run_schedule(api.app.now() + Duration::seconds(50))
        .await
        .unwrap();
}

async fn invite(api: &Api, token: &str) -> String {
    let to = format!("hook.{}@northwind.example", uuid::Uuid::new_v4().simple());
    let r = as_admin(
        api,
        token,
        Method::POST,
        "/users",
        Some(json!({"email": to, "temporaryPassword": tests::app::TEMP_PASSWORD})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["user"]["id"].as_str().unwrap().to_owned()
}

fn as_library_sees(d: &Delivery) -> Value {
    let headers: serde_json::Map<String, Value> =
        ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .iter()
            .map(|h| (h.to_string(), json!(d.header(h))))
            .collect();
    json!({"headers": headers, "body": STANDARD.encode(&d.body)})
}

async fn deliveries(api: &Api, token: &str, hook: &str) -> Vec<Value> {
    let r = as_admin(
        api,
        token,
        Method::GET,
        &format!("/webhooks/{hook}/deliveries"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["deliveries"].as_array().unwrap().clone()
}

/// `500` then `200`: the same event twice, with the same `webhook-id` and each attempt signed
/// anew; the reference library accepts both, and `data` is the audit log's event.
async fn a_receiver_answering_500_then_200_gets_the_same_event_twice(api: &Api) {
    let token = at_real_time(api).await;
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Status(500)]);
    let (hook, secret) = register(api, &token, &receiver.url(), json!(["user.invited"])).await;
    let user = invite(api, &token).await;
    sweep(api).await;
    assert_eq!(receiver.seen().len(), 1, "one attempt");
    sweep(api).await;
    assert_eq!(receiver.seen().len(), 1, "the retry waits 10 s");
    api.clock.advance(Duration::seconds(11));
    sweep(api).await;
    let seen = receiver.seen();
    assert_eq!(seen.len(), 2, "retried once");
    api.clock.advance(Duration::hours(2));
    sweep(api).await;
    assert_eq!(receiver.seen().len(), 2, "delivered: never again");

    let (first, second) = (&seen[0], &seen[1]);
    assert_eq!(first.header("webhook-id"), second.header("webhook-id"));
    assert_ne!(
        first.header("webhook-timestamp"),
        second.header("webhook-timestamp")
    );
    assert_ne!(
        first.header("webhook-signature"),
        second.header("webhook-signature")
    );
    assert_eq!(first.body, second.body);
    assert_eq!(first.header("content-type"), "application/json");
    let results =
        tests::standard_webhooks::verify(&secret, seen.iter().map(as_library_sees).collect()).await;
    assert_eq!(results, vec![json!({"ok": true}); 2]);
    let wrong = tests::standard_webhooks::verify(
        &onboarding::webhooks::WebhookSecret::generate().to_whsec(),
        vec![as_library_sees(second)],
    )
    .await;
    assert_eq!(wrong[0]["error"], "WebhookVerificationError");

    let body = second.json();
    assert_eq!(body["type"], "user.invited");
    let log = as_admin(
        api,
        &token,
        Method::GET,
        &format!("/users/{user}/events"),
        None,
    )
    .await
    .json();
    let invited = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.invited")
        .unwrap()
        .clone();
    assert_eq!(
        body["data"], invited,
        "the webhook's data is the audit event"
    );
    assert_eq!(body["timestamp"], invited["at"]);
    assert_eq!(first.header("webhook-id"), invited["id"].as_str().unwrap());
    // Only what it subscribed to: no invite.sent.
    assert!(seen.iter().all(|d| d.json()["type"] == "user.invited"));

    let attempts = deliveries(api, &token, &hook).await;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0]["statusCode"], 200);
    assert_eq!(attempts[0]["outcome"], "delivered");
    assert_eq!(attempts[1]["statusCode"], 500);
    assert_eq!(attempts[1]["outcome"], "retrying");
    assert!(attempts.iter().all(|a| a["eventId"] == invited["id"]));
}

/// `410 Gone` disables the endpoint at once (`webhook.disabled`), and nothing more is sent to it.
async fn a_410_disables_the_endpoint(api: &Api) {
    let token = at_real_time(api).await;
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Status(410)]);
    let (hook, _) = register(api, &token, &receiver.url(), json!(["*"])).await;
    invite(api, &token).await;
    sweep(api).await;
    let first = receiver.seen().len();
    assert!(first >= 1);
    invite(api, &token).await;
    api.clock.advance(Duration::hours(1));
    sweep(api).await;
    assert_eq!(
        receiver.seen().len(),
        first,
        "a disabled endpoint hears nothing"
    );
    let list = as_admin(api, &token, Method::GET, "/webhooks", None)
        .await
        .json();
    assert_eq!(list["webhooks"][0]["status"], "disabled", "{list}");
    let log = as_admin(
        api,
        &token,
        Method::GET,
        "/audit?action=webhook.disabled",
        None,
    )
    .await
    .json();
    let events = log["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{log}");
    assert_eq!(events[0]["target"], json!({"type": "webhook", "id": hook}));
    assert_eq!(events[0]["actor"]["type"], "system");
    assert_eq!(events[0]["details"]["reason"], "gone");
}

/// Every attempt failing for three days: the delivery is `failed` and the endpoint disabled.
async fn three_days_of_failures_disable_the_endpoint(api: &Api) {
    let token = at_real_time(api).await;
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Status(503); 200]);
    let (hook, _) = register(api, &token, &receiver.url(), json!(["user.invited"])).await;
    invite(api, &token).await;
    for _ in 0..80 {
        sweep(api).await;
        api.clock.advance(Duration::hours(1));
    }
    let token = api.fresh_admin_token().await;
    let attempts = deliveries(api, &token, &hook).await;
    assert_eq!(attempts[0]["outcome"], "failed", "{attempts:?}");
    assert!(attempts[1..].iter().all(|a| a["outcome"] == "retrying"));
    let tries = receiver.seen().len();
    assert!(
        (70..=90).contains(&tries),
        "hourly for three days after the first minutes: {tries}"
    );
    let list = as_admin(api, &token, Method::GET, "/webhooks", None)
        .await
        .json();
    assert_eq!(list["webhooks"][0]["status"], "disabled", "{list}");
    let log = as_admin(
        api,
        &token,
        Method::GET,
        "/audit?action=webhook.disabled",
        None,
    )
    .await
    .json();
    assert_eq!(log["events"][0]["details"]["reason"], "failing", "{log}");
}

/// Deleting an endpoint drops its queued deliveries: the retry never comes.
async fn a_deleted_endpoints_queued_deliveries_go(api: &Api) {
    let token = at_real_time(api).await;
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Status(500)]);
    let (hook, _) = register(api, &token, &receiver.url(), json!(["user.invited"])).await;
    invite(api, &token).await;
    sweep(api).await;
    assert_eq!(receiver.seen().len(), 1);
    let r = as_admin(
        api,
        &token,
        Method::DELETE,
        &format!("/webhooks/{hook}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    api.clock.advance(Duration::minutes(5));
    sweep(api).await;
    assert_eq!(receiver.seen().len(), 1, "no retry to a deleted endpoint");
    let r = as_admin(
        api,
        &token,
        Method::DELETE,
        &format!("/webhooks/{hook}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = as_admin(
        api,
        &token,
        Method::GET,
        &format!("/webhooks/{hook}/deliveries"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let log = as_admin(
        api,
        &token,
        Method::GET,
        "/audit?action=webhook.deleted",
        None,
    )
    .await
    .json();
    assert_eq!(log["events"][0]["target"]["id"], hook.as_str());
}

/// What may be registered: `https` to a public address (loopback `http` only where the local
/// server allows it), a list of actions or `["*"]`, ten per organisation; the secret is shown
/// once and never listed; another organisation cannot touch them.
async fn registration_follows_the_rules(api: &Api) {
    let token = api.fresh_admin_token().await;
    for (url, events) in [
        ("http://hooks.northwind.example/x", json!(["*"])),
        ("https://10.0.0.1/x", json!(["*"])),
        ("https://[::1]/x", json!(["*"])),
        ("https://169.254.169.254/latest", json!(["*"])),
        ("https://user:pw@hooks.northwind.example/x", json!(["*"])),
        ("http://127.0.0.1:9/x", json!(["*"])),
        ("not a url", json!(["*"])),
    ] {
        let r = as_admin(
            api,
            &token,
            Method::POST,
            "/webhooks",
            Some(json!({"url": url, "events": events})),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{url}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], "url", "{url}");
    }
    for events in [
        json!([]),
        json!(["*", "user.invited"]),
        json!(["invite.opened"]),
        json!(["user.invited", "user.invited"]),
        json!("*"),
        json!([1]),
    ] {
        let r = as_admin(
            api,
            &token,
            Method::POST,
            "/webhooks",
            Some(json!({"url": "https://hooks.northwind.example/x", "events": events})),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{events}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], "events", "{events}");
    }
    let r = as_admin(api, &token, Method::GET, "/webhooks", None).await;
    assert_eq!(r.json()["webhooks"], json!([]), "bad input changed nothing");

    let mut ids = Vec::new();
    for n in 0..10 {
        let (id, secret) = register(
            api,
            &token,
            &format!("https://hooks.northwind.example/{n}"),
            json!(["invite.accepted"]),
        )
        .await;
        assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).unwrap().len() == 32);
        ids.push(id);
    }
    let r = as_admin(
        api,
        &token,
        Method::POST,
        "/webhooks",
        Some(json!({"url": "https://hooks.northwind.example/11", "events": ["*"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "limit_reached");
    let list = as_admin(api, &token, Method::GET, "/webhooks", None).await;
    assert!(
        !list.body.contains("whsec_"),
        "never the secret: {}",
        list.body
    );
    let listed: Vec<String> = list.json()["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ids, "oldest first");
    let created = as_admin(
        api,
        &token,
        Method::GET,
        "/audit?action=webhook.created&limit=100",
        None,
    )
    .await
    .json();
    assert_eq!(created["events"].as_array().unwrap().len(), 10);
    assert!(
        !created.to_string().contains("whsec_"),
        "no secret in the log"
    );

    // Another organisation's admin sees none and deletes none.
    let other = api
        .app
        .create_admin(
            onboarding::domain::EmailAddress::parse(&format!(
                "rival.{}@rival.example",
                uuid::Uuid::new_v4().simple()
            ))
            .unwrap(),
            "Rival",
            secrecy::SecretString::from("rival admin passphrase 42"),
        )
        .await
        .unwrap();
    let theirs = api
        .app
        .sessions
        .issue(&other, api.app.now())
        .expose_secret()
        .to_owned();
    let r = as_admin(api, &theirs, Method::GET, "/webhooks", None).await;
    assert_eq!(r.json()["webhooks"], json!([]));
    let r = as_admin(
        api,
        &theirs,
        Method::DELETE,
        &format!("/webhooks/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = as_admin(
        api,
        &theirs,
        Method::GET,
        &format!("/webhooks/{}/deliveries", ids[0]),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        as_admin(api, &token, Method::GET, "/webhooks", None)
            .await
            .json()["webhooks"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

/// Loopback `http` is what `WEBHOOK_ALLOW_LOOPBACK` allows, and only loopback.
async fn loopback_is_allowed_only_where_configured(api: &Api) {
    let token = api.fresh_admin_token().await;
    for url in ["http://127.0.0.1:9/x", "http://localhost:9/x"] {
        let r = as_admin(
            api,
            &token,
            Method::POST,
            "/webhooks",
            Some(json!({"url": url, "events": ["*"]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{url}: {}", r.body);
    }
    let r = as_admin(
        api,
        &token,
        Method::POST,
        "/webhooks",
        Some(json!({"url": "http://10.0.0.1/x", "events": ["*"]})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

/// A name that resolves to a private address passes registration (names are judged when
/// dialled), and is then never dialled: the attempt records `blocked_destination`, and is
/// retried like any failure.
async fn a_name_resolving_to_a_private_address_is_never_dialled(api: &Api) {
    let token = at_real_time(api).await;
    let (hook, _) = register(
        api,
        &token,
        "https://hooks.northwind.example/in",
        json!(["user.invited"]),
    )
    .await;
    invite(api, &token).await;
    let dial = Arc::new(RecordingDial::refusing());
    let client = WebhookClient::new(UrlPolicy::default())
        .with_resolver(Arc::new(
            StubResolver::new().name("hooks.northwind.example", &["10.0.0.1".parse().unwrap()]),
        ))
        .with_dial(dial.clone());
    let store = api.app.store.as_ref();
    let hooks = DeliverHooks {
        outbox: store,
        users: store,
        log: store,
        webhooks: store,
        client: &client,
        clock: api.app.clock.as_ref(),
    };
    let report = hooks
        .run(api.app.now() + Duration::seconds(50))
        .await
        .unwrap();
    assert_eq!(report.retried, 1, "{report:?}");
    assert!(
        dial.seen().is_empty(),
        "nothing was dialled: {:?}",
        dial.seen()
    );
    let attempts = deliveries(api, &token, &hook).await;
    assert_eq!(attempts[0]["error"], "blocked_destination", "{attempts:?}");
    assert_eq!(attempts[0]["statusCode"], Value::Null);
}

on_both_stores!(
    a_receiver_answering_500_then_200_gets_the_same_event_twice with crate::webhooks::LOOPBACK,
    a_410_disables_the_endpoint with crate::webhooks::LOOPBACK,
    three_days_of_failures_disable_the_endpoint with crate::webhooks::LOOPBACK,
    a_deleted_endpoints_queued_deliveries_go with crate::webhooks::LOOPBACK,
    registration_follows_the_rules,
    loopback_is_allowed_only_where_configured with crate::webhooks::LOOPBACK,
    a_name_resolving_to_a_private_address_is_never_dialled,
);

/// Where the killed process's store is: `embedded:<file>` or `dynamodb:<table>`.
const KILLED_STORE: &str = "WEBHOOK_KILLED_STORE";
/// The receiver the killed process registers.
const KILLED_RECEIVER: &str = "WEBHOOK_KILLED_RECEIVER";

fn store_named(named: &str) -> Arc<dyn onboarding::ports::Store> {
    match named.split_once(':') {
        Some(("embedded", path)) => Arc::new(
            onboarding::adapters::embedded::EmbeddedStore::open(std::path::Path::new(path))
                .unwrap(),
        ),
        Some(("dynamodb", table)) => Arc::new(onboarding::adapters::dynamodb::DynamoStore::new(
            tests::services::dynamodb_client(&onboarding::aws::RoundTrips::default()),
            table.to_owned(),
        )),
        _ => panic!("no store named {named}"),
    }
}

/// The killed process's part: an admin registers the receiver and invites a tech, and the
/// schedule posts the `user.invited` event to a receiver that never answers. The test kills it
/// there, after the event was written and while the webhook call is in flight.
async fn register_invite_and_hang_in_the_delivery() {
    let store = store_named(&std::env::var(KILLED_STORE).unwrap());
    let api = Api::on(store, &[crate::webhooks::LOOPBACK]).await;
    let token = at_real_time(&api).await;
    let url = std::env::var(KILLED_RECEIVER).unwrap();
    register(&api, &token, &url, json!(["user.invited"])).await;
    invite(&api, &token).await;
    sweep(&api).await;
    panic!("the schedule finished where it should have been killed during its delivery");
}

/// The promise of at least once, with a process that really dies (SIGKILL) between the write
/// and the receiver's answer: another process's schedule, once the dead one's hold on the
/// delivery has run out, delivers the event with the same `webhook-id`, signed anew.
async fn a_killed_process_still_delivers(test: &str, store: &str) {
    let receiver = Receiver::start().await;
    receiver.script(&[Answer::Hang]);
    let mut child = tests::own_process::own_process_command(module_path!(), test)
        .env(KILLED_STORE, store)
        .env(KILLED_RECEIVER, receiver.url())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting the process that will be killed");
    let started = std::time::Instant::now();
    while receiver.seen().is_empty() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the process ended ({status}) before it posted the event");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no delivery came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "{status}"
    );

    let store = store_named(store);
    let admin = store
        .user_by_email(&onboarding::domain::EmailAddress::parse(tests::app::ADMIN_EMAIL).unwrap())
        .await
        .unwrap()
        .unwrap();
    let hooks = store.webhooks_of(&admin.org_id).await.unwrap();
    assert_eq!(hooks.len(), 1);
    let clock = onboarding::ports::FixedClock::new(
        Utc::now() + Duration::seconds(onboarding::domain::webhook::DELIVERY_LEASE_SECS + 1),
    );
    let client = WebhookClient::new(UrlPolicy {
        allow_loopback_http: true,
    });
    let deliver = DeliverHooks {
        outbox: store.as_ref(),
        users: store.as_ref(),
        log: store.as_ref(),
        webhooks: store.as_ref(),
        client: &client,
        clock: &clock,
    };
    let until = onboarding::ports::Clock::now(&clock) + Duration::seconds(50);
    let report = deliver.run(until).await.unwrap();
    assert_eq!(report.delivered, 1, "{report:?}");
    deliver.run(until).await.unwrap();
    let seen = receiver.seen();
    assert_eq!(
        seen.len(),
        2,
        "the hung attempt and the one after: never a third"
    );
    assert_eq!(seen[0].header("webhook-id"), seen[1].header("webhook-id"));
    assert_eq!(seen[1].json()["type"], "user.invited");
    let results = tests::standard_webhooks::verify(
        &hooks[0].secret,
        seen.iter().map(as_library_sees).collect(),
    )
    .await;
    assert_eq!(results, vec![json!({"ok": true}); 2]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_between_the_write_and_the_webhook_call_still_delivers_embedded() {
    const NAME: &str =
        "a_killed_process_between_the_write_and_the_webhook_call_still_delivers_embedded";
    if tests::own_process::is_own_process(module_path!(), NAME) {
        return register_invite_and_hang_in_the_delivery().await;
    }
    let dir = std::env::temp_dir().join(format!("webhook-killed-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("store.redb");
    a_killed_process_still_delivers(NAME, &format!("embedded:{}", file.display())).await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_process_between_the_write_and_the_webhook_call_still_delivers_dynamodb() {
    const NAME: &str =
        "a_killed_process_between_the_write_and_the_webhook_call_still_delivers_dynamodb";
    if tests::own_process::is_own_process(module_path!(), NAME) {
        return register_invite_and_hang_in_the_delivery().await;
    }
    let table = tests::services::fresh_table(&tests::services::dynamodb_client(
        &onboarding::aws::RoundTrips::default(),
    ))
    .await;
    a_killed_process_still_delivers(NAME, &format!("dynamodb:{table}")).await;
}
