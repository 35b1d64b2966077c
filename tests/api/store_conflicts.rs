//! What real DynamoDB does and DynamoDB Local never does: cancel a transaction with
//! `TransactionConflict` because another transaction was in progress on one of its items. The
//! service runs on DynamoDB Local behind the fault-injecting proxy (`tests::fault_proxy`), which
//! answers those cancellations in DynamoDB's own format; every other request reaches the real
//! store. Needs `--features services` (`make test`).

use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;

use onboarding::aws::{app_with_clients, RoundTrips};
use onboarding::http::ClientIp;
use onboarding::ports::SystemClock;
use onboarding::App;
use tests::app::{request, test_config, TestResponse, ALL, NEW_PASSWORD, TEMP_PASSWORD};
use tests::fault_proxy::{Fault, FaultProxy};
use tests::mailer_contract::{post_json, respond, seed_admin};
use tests::services::{dynamodb_client, endpoint, fresh_table, ses_client, DYNAMODB_ENDPOINT};

const TRANSACT: &str = "TransactWriteItems";

struct ProxiedApp {
    app: App,
    proxy: FaultProxy,
    admin_token: String,
}

/// The service on a fresh table of DynamoDB Local, every store call through the proxy.
async fn app_behind_the_proxy() -> ProxiedApp {
    let direct = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&direct).await;
    let proxy = FaultProxy::start(&endpoint(DYNAMODB_ENDPOINT)).await;
    let proxied = aws_sdk_dynamodb::Client::from_conf(
        direct
            .config()
            .to_builder()
            .endpoint_url(&proxy.endpoint)
            .build(),
    );
    let app = app_with_clients(
        test_config(&[("TABLE_NAME", &table)]),
        proxied,
        ses_client(&RoundTrips::default()),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    ProxiedApp {
        app,
        proxy,
        admin_token,
    }
}

fn email(label: &str) -> String {
    format!("{label}.{}@example.com", uuid::Uuid::new_v4().simple())
}

/// A tech invited with `"delivery": "link"`: the setup link comes back in the answer.
async fn invite_by_link(p: &ProxiedApp, email: &str) -> String {
    let r = post_json(
        &p.app,
        "/users",
        json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
        Some(&p.admin_token),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let url = r.json()["invite"]["url"].as_str().unwrap().to_owned();
    url.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_whose_transaction_meets_a_conflict_is_retried_and_signs_the_tech_in() {
    let p = app_behind_the_proxy().await;
    let token = invite_by_link(&p, &email("ana")).await;
    p.proxy
        .fail_next(TRANSACT, Fault::TransactionConflict(String::new()), 2);
    let before = p.proxy.seen(TRANSACT);
    let r = post_json(
        &p.app,
        "/setup",
        json!({"token": token, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["accessToken"].is_string());
    assert!(
        p.proxy.seen(TRANSACT) - before >= 3,
        "two cancelled attempts, then the one that went through"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setup_that_keeps_meeting_conflicts_answers_503_and_leaves_the_link_working() {
    let p = app_behind_the_proxy().await;
    let tech = email("ben");
    let token = invite_by_link(&p, &tech).await;
    p.proxy
        .fail_next(TRANSACT, Fault::TransactionConflict(String::new()), 1_000);
    let r = post_json(
        &p.app,
        "/setup",
        json!({"token": token, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "service_unavailable");
    p.proxy.heal();
    // Nothing was half-written: the temporary password still signs in, and the link still works.
    let login = post_json(
        &p.app,
        "/login",
        json!({"email": tech, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let r = post_json(
        &p.app,
        "/setup",
        json!({"token": token, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgot_password_that_keeps_meeting_conflicts_answers_alike_for_known_and_unknown_emails() {
    let p = app_behind_the_proxy().await;
    let known = email("cy");
    invite_by_link(&p, &known).await;
    p.proxy
        .fail_next(TRANSACT, Fault::TransactionConflict(String::new()), 1_000);
    let a = post_json(&p.app, "/password/forgot", json!({"email": known}), None).await;
    let b = post_json(
        &p.app,
        "/password/forgot",
        json!({"email": email("nobody")}),
        None,
    )
    .await;
    assert_eq!(
        (a.status, a.error_code()),
        (b.status, b.error_code()),
        "{} / {}",
        a.body,
        b.body
    );
    assert_ne!(a.status, StatusCode::INTERNAL_SERVER_ERROR);
}

/// A JSON `POST` as if sent from `ip`.
async fn post_from(app: &App, ip: &str, path: &str, body: serde_json::Value) -> TestResponse {
    let mut req = request(
        Method::POST,
        path,
        &[("content-type", "application/json")],
        body.to_string(),
    );
    req.extensions_mut().insert(ClientIp(ip.to_owned()));
    respond(app, req).await
}

/// A depot's crew signs in together behind one address. On AWS every sign-in that wrote the
/// shared per-address counter inside a transaction met the others' transactions on that one
/// item (`TransactionConflict`), retried, and some answered `503`. Here every transaction is
/// cancelled that way, and sign-in must not care: it writes no shared counter in a transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_signing_in_behind_one_address_never_meets_a_transaction_conflict() {
    let p = Arc::new(app_behind_the_proxy().await);
    let crew: Vec<String> = (0..10).map(|i| email(&format!("crew{i}"))).collect();
    for tech in &crew {
        invite_by_link(&p, tech).await;
    }
    p.proxy
        .fail_next(TRANSACT, Fault::TransactionConflict(String::new()), 100_000);
    let before = p.proxy.seen(TRANSACT);
    let mut signing_in = tokio::task::JoinSet::new();
    for tech in crew {
        let p = p.clone();
        signing_in.spawn(async move {
            let body = json!({"email": tech, "password": TEMP_PASSWORD});
            post_from(&p.app, "203.0.113.7", "/login", body)
                .await
                .status
        });
    }
    let answers = signing_in.join_all().await;
    assert!(answers.iter().all(|s| *s == StatusCode::OK), "{answers:?}");
    assert_eq!(
        p.proxy.seen(TRANSACT),
        before,
        "sign-in used no transaction"
    );
}

/// A rate-limit slot is a plain conditional update, and on AWS a plain write to an item that a
/// transaction holds at that moment (forgot-password's link transaction holds the email's
/// counters) is refused with `TransactionConflictException`, which the SDK does not retry. The
/// store retries it: the sign-in waits a moment instead of answering `503`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slot_update_that_meets_a_transaction_is_retried_and_the_sign_in_goes_through() {
    let p = app_behind_the_proxy().await;
    let tech = email("ana");
    invite_by_link(&p, &tech).await;
    p.proxy.fail_next("UpdateItem", Fault::WriteConflict, 2);
    let before = p.proxy.seen("UpdateItem");
    let body = json!({"email": tech, "password": TEMP_PASSWORD});
    let r = post_from(&p.app, "203.0.113.8", "/login", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        p.proxy.seen("UpdateItem") >= before + 2 + 3,
        "both conflicts met and retried"
    );
}

/// A code is checked, then used in the redemption's transaction. A store that fails in between
/// (here every attempt at that transaction) answers `503` and leaves the code usable: nothing
/// is half done, and the same code then sets the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_failing_between_checking_a_code_and_using_it_leaves_the_code_usable() {
    let p = app_behind_the_proxy().await;
    let tech = email("ana");
    let r = post_json(
        &p.app,
        "/users",
        json!({"email": tech, "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
        Some(&p.admin_token),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.json()["invite"]["code"].as_str().unwrap().to_owned();
    let body = json!({"email": tech, "code": code, "password": NEW_PASSWORD});
    p.proxy.fail_next(TRANSACT, Fault::InternalError, 100);
    let r = post_from(&p.app, "203.0.113.9", "/setup", body.clone()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    p.proxy.heal();
    let r = post_from(&p.app, "203.0.113.9", "/setup", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["status"], "active");
}

/// The same burst as on the embedded store (account_security), on DynamoDB: six reset requests
/// for one invited tech from two addresses all answer `202`, three trials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn six_parallel_reset_requests_on_dynamodb_all_answer_202() {
    let p = Arc::new(app_behind_the_proxy().await);
    for trial in 0..3 {
        let known = email(&format!("burst{trial}"));
        invite_by_link(&p, &known).await;
        let mut burst = tokio::task::JoinSet::new();
        for i in 0..6 {
            let (p, known) = (p.clone(), known.clone());
            let ip = if i % 2 == 0 {
                "198.51.100.1"
            } else {
                "198.51.100.2"
            };
            burst.spawn(async move {
                post_from(&p.app, ip, "/password/forgot", json!({"email": known}))
                    .await
                    .status
            });
        }
        let answers = burst.join_all().await;
        assert!(
            answers.iter().all(|s| *s == StatusCode::ACCEPTED),
            "trial {trial}: {answers:?}"
        );
    }
}
