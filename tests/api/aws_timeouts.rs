//! A DynamoDB or SES that accepts the connection and never answers. The SDK sets no timeouts of
//! its own, so before the service set its own each such call hung until the router dropped the
//! request at 8 s. Now each call gives up within `AWS_OPERATION_TIMEOUT_MS` (5 s by default) and
//! the service answers as the contract says for an outage. The bound asserted is generous: it is
//! about the timeout firing at all, below the router's, not about speed. Needs `--features
//! services` (moto and DynamoDB Local for the parts that do answer).

use lambda_http::http::StatusCode;
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

use onboarding::aws::{app_with_clients, RoundTrips};
use onboarding::ports::SystemClock;
use onboarding::App;
use tests::app::{test_config, ALL, TEMP_PASSWORD};
use tests::mailer_contract::{get_page, post_json, seed_admin};
use tests::services::{dynamodb_client, fresh_table, ses_client, ses_client_at};

/// Well above the 5 s operation timeout, well below the router's 8 s: an answer later than this
/// came from the router (or never came), not from the AWS call's own timeout.
const WITHIN: Duration = Duration::from_millis(7_000);

/// An endpoint on 127.0.0.1 that accepts every connection, reads nothing and never answers; the
/// connections stay open as long as the test runs.
async fn endpoint_that_never_answers() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{address}")
}

fn hanging_dynamodb(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::from_conf(
        dynamodb_client(&RoundTrips::default())
            .config()
            .to_builder()
            .endpoint_url(endpoint)
            .build(),
    )
}

fn app_on_a_hanging_store(endpoint: &str) -> App {
    app_with_clients(
        test_config(&[("TABLE_NAME", "t")]),
        hanging_dynamodb(endpoint),
        ses_client(&RoundTrips::default()),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_never_answers_gives_a_sign_in_a_503_within_seconds() {
    let app = app_on_a_hanging_store(&endpoint_that_never_answers().await);
    let started = Instant::now();
    let r = post_json(
        &app,
        "/login",
        json!({"email": "ana@example.com", "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "service_unavailable");
    assert!(took < WITHIN, "answered after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_never_answers_gives_a_setup_link_a_503_within_seconds() {
    let app = app_on_a_hanging_store(&endpoint_that_never_answers().await);
    let token = "A".repeat(43);
    let started = Instant::now();
    let page = get_page(&app, &format!("/setup?token={token}")).await;
    let took = started.elapsed();
    assert_eq!(
        page.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        page.body
    );
    assert!(page.body.contains("Something went wrong"), "{}", page.body);
    assert!(took < WITHIN, "answered after {took:?}");
}

/// The contract for mail that cannot be sent yet: the tech is created, the invite is `queued`
/// (the outbox keeps the email for the schedule to retry), and the answer comes within seconds.
/// A mail service that hangs is mail that cannot be sent now.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_service_that_never_answers_still_creates_the_tech_with_a_queued_invite_within_seconds(
) {
    let dynamodb = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&dynamodb).await;
    let app = app_with_clients(
        test_config(&[("TABLE_NAME", &table)]),
        dynamodb,
        ses_client_at(&endpoint_that_never_answers().await),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    let email = format!("hung.{}@example.com", uuid::Uuid::new_v4().simple());

    let started = Instant::now();
    let created = post_json(
        &app,
        "/users",
        json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "name": "Ana Tech"}),
        Some(&admin_token),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["invite"]["status"], "queued");
    assert_eq!(created.json()["user"]["status"], "invited");
    assert!(took < WITHIN, "answered after {took:?}");
    // The email waits in the outbox for its retry.
    let later = app.now() + chrono::Duration::minutes(1);
    let due = app.store.due_mail(later, 100).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].to.as_str(), email);

    let login = post_json(
        &app,
        "/login",
        json!({"email": email, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(
        login.status,
        StatusCode::OK,
        "the tech exists: {}",
        login.body
    );
}

/// A password change is stored before the "your password was changed" email goes: a mail
/// service that hangs (here past the AWS calls' longest allowed timeout) must not turn the
/// stored change into a `503` with the user's sessions already ended. The email waits at most
/// `NOTICE_SEND_LIMIT`, and the answer is the fresh session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mail_service_that_never_answers_does_not_undo_the_answer_to_a_password_change() {
    let dynamodb = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&dynamodb).await;
    let config = test_config(&[
        ("TABLE_NAME", &table),
        ("AWS_ATTEMPT_TIMEOUT_MS", "7000"),
        ("AWS_OPERATION_TIMEOUT_MS", "7000"),
    ]);
    let app = app_with_clients(
        config,
        dynamodb,
        ses_client_at(&endpoint_that_never_answers().await),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    let email = format!("hung.{}@example.com", uuid::Uuid::new_v4().simple());
    let created = post_json(
        &app,
        "/users",
        json!({"email": email, "temporaryPassword": TEMP_PASSWORD}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let login = post_json(
        &app,
        "/login",
        json!({"email": email, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    let session = login.json()["accessToken"].as_str().unwrap().to_owned();

    let started = Instant::now();
    let changed = post_json(
        &app,
        "/password",
        json!({"password": "copper kettle marching sideways"}),
        Some(&session),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(took < WITHIN, "answered after {took:?}");
    let fresh = changed.json()["accessToken"].as_str().unwrap().to_owned();
    assert!(app.user_for_session(&fresh).await.unwrap().is_some());
    assert!(app.user_for_session(&session).await.unwrap().is_none());
}
