//! The whole service as the functions run it on AWS: `onboarding::App` on the DynamoDB store
//! (DynamoDB Local, a fresh table per test), the SES v2 mailer (moto) and End User Messaging SMS
//! (the in-process stand-in; `aws_texts.rs` tests the texts), through the router.
//! Mail that cannot be sent, links followed out of moto's copy of the email, AWS failures as the
//! contract's opaque errors, and the round trips each flow makes. Needs `--features services`
//! with `DYNAMODB_TEST_ENDPOINT` and `SES_TEST_ENDPOINT` (`make test`).

use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

use onboarding::aws::{app_with_all_clients, app_with_clients, RoundTrips};
use onboarding::ports::SystemClock;
use onboarding::App;
use tests::app::{test_config, ALL, BASE_URL, NEW_PASSWORD, TEMP_PASSWORD};
use tests::mailer_contract::{get_page, link_in_html, post_json, seed_admin};
use tests::services::{dynamodb_client, fresh_table, moto_messages, ses_client, verify_sender};
use tests::sms_service::SmsService;

struct AwsApp {
    app: App,
    dynamodb: RoundTrips,
    /// The message services' round trips: SES's and End User Messaging SMS's.
    ses: RoundTrips,
    admin_token: String,
}

impl AwsApp {
    /// Round trips since the last call: DynamoDB operations and the message services' (SES and
    /// End User Messaging SMS) operations.
    fn round_trips(&self) -> (Vec<String>, Vec<String>) {
        (self.dynamodb.take(), self.ses.take())
    }
}

/// The origination identity the service texts from (`SMS_ORIGINATION_IDENTITY`).
const ORIGINATION: &str = "+12065550100";

/// The service on a fresh table, sending from a verified sender or from one moto never verified,
/// and texting through a stand-in of End User Messaging SMS of its own.
async fn aws_app(sender_verified: bool) -> AwsApp {
    let dynamodb = RoundTrips::default();
    let ses = RoundTrips::default();
    let dynamodb_client = dynamodb_client(&dynamodb);
    let table = fresh_table(&dynamodb_client).await;
    let ses_client = ses_client(&ses);
    // Its calls are counted with SES's: both are the message services a flow waits on.
    let texts = SmsService::start().await;
    let sms_client = aws_sdk_pinpointsmsvoicev2::Client::from_conf(
        texts
            .client()
            .config()
            .to_builder()
            .interceptor(ses.clone())
            .build(),
    );
    let id = uuid::Uuid::new_v4().simple();
    let sender = if sender_verified {
        let sender = format!("noreply-{id}@northwind.example");
        verify_sender(&ses_client, &sender).await;
        sender
    } else {
        format!("noreply@unverified-{id}.example")
    };
    let config = test_config(&[
        ("TABLE_NAME", &table),
        ("SENDER_EMAIL", &sender),
        ("SMS_ORIGINATION_IDENTITY", ORIGINATION),
    ]);
    let app = app_with_all_clients(
        config,
        dynamodb_client.clone(),
        ses_client,
        Some(sms_client),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    dynamodb.take();
    ses.take();
    AwsApp {
        app,
        dynamodb,
        ses,
        admin_token,
    }
}

fn tech_email(label: &str) -> String {
    format!("{label}.{}@example.com", uuid::Uuid::new_v4().simple())
}

async fn create_tech(a: &AwsApp, email: &str) -> tests::app::TestResponse {
    post_json(
        &a.app,
        "/users",
        json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "name": "Ana Tech"}),
        Some(&a.admin_token),
    )
    .await
}

/// The link in the newest email moto holds for `to`.
async fn link_sent_to(to: &str) -> String {
    let messages = moto_messages().await;
    let newest = messages
        .iter()
        .rev()
        .find(|m| m.to.iter().any(|t| t == to))
        .unwrap_or_else(|| panic!("moto holds no email to {to}"));
    link_in_html(&newest.html)
}

fn token_of(link: &str) -> &str {
    link.split_once("?token=").unwrap().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_ses_refuses_the_welcome_email_the_tech_is_still_created_and_signs_in_with_the_temporary_password(
) {
    let a = aws_app(false).await;
    let email = tech_email("unsent");
    let created = create_tech(&a, &email).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body = created.json();
    assert_eq!(body["invite"]["status"], "failed");
    assert_eq!(body["user"]["status"], "invited");

    let id = body["user"]["id"].as_str().unwrap();
    let shown = tests::mailer_contract::respond(
        &a.app,
        tests::app::request(
            lambda_http::http::Method::GET,
            &format!("/users/{id}"),
            &[("authorization", &format!("Bearer {}", a.admin_token))],
            Vec::new(),
        ),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(
        shown.json()["invite"]["status"],
        "failed",
        "the failure is recorded"
    );

    let login = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json()["mustChangePassword"], true);
    assert!(
        moto_messages().await.iter().all(|m| !m.to.contains(&email)),
        "nothing reached the tech"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crew_is_invited_on_dynamodb_eight_at_a_time_with_each_email_once() {
    let a = aws_app(true).await;
    let emails: Vec<String> = (0..20).map(|i| tech_email(&format!("crew{i}"))).collect();
    let mut users: Vec<Value> = emails.iter().map(|e| json!({"email": e})).collect();
    users[0]["temporaryPassword"] = json!(TEMP_PASSWORD);
    users.push(json!({"email": emails[3].to_uppercase()}));
    users.push(json!({"email": emails[7], "temporaryPassword": TEMP_PASSWORD}));
    let r = post_json(
        &a.app,
        "/users/batch",
        json!({ "users": users }),
        Some(&a.admin_token),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!((&j["created"], &j["failed"]), (&json!(20), &json!(2)));
    let results = j["results"].as_array().unwrap();
    for (i, email) in emails.iter().enumerate() {
        assert_eq!(results[i]["index"], i);
        assert_eq!(results[i]["status"], 201, "{}", results[i]);
        assert_eq!(results[i]["user"]["email"], email.as_str());
        assert_eq!(results[i]["invite"]["status"], "queued", "{}", results[i]);
    }
    for i in [20, 21] {
        assert_eq!(results[i]["status"], 409, "{}", results[i]);
        assert_eq!(results[i]["error"]["code"], "email_taken");
    }

    // An email invited by an earlier batch is the store's to refuse; the rest go ahead.
    let newcomer = tech_email("newcomer");
    let again = post_json(
        &a.app,
        "/users/batch",
        json!({"users": [{"email": emails[0]}, {"email": newcomer}]}),
        Some(&a.admin_token),
    )
    .await;
    let again = again.json();
    assert_eq!(again["results"][0]["error"]["code"], "email_taken");
    assert_eq!(again["results"][1]["user"]["email"], newcomer.as_str());

    // The sweep sends the batches' emails through SES (moto): one to each invited tech.
    let report = a
        .app
        .run_schedule(a.app.now() + chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (21, 0), "{report:?}");
    let received = moto_messages().await;
    for email in emails.iter().chain([&newcomer]) {
        let to_them = received.iter().filter(|m| m.to.contains(email)).count();
        assert_eq!(to_them, 1, "{email}");
    }

    let login = post_json(
        &a.app,
        "/login",
        json!({"email": emails[0], "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_tech_follows_the_link_in_the_email_ses_sent_and_is_signed_in() {
    let a = aws_app(true).await;
    let email = tech_email("ana");
    let created = create_tech(&a, &email).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["invite"]["status"], "sent");

    let link = link_sent_to(&email).await;
    assert!(
        link.starts_with(&format!("{BASE_URL}/setup?token=")),
        "{link}"
    );
    let page = get_page(&a.app, link.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    let set = post_json(
        &a.app,
        "/setup",
        json!({"token": token_of(&link), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let session = set.json()["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(set.json()["user"]["name"], "Ana Tech");
    assert_eq!(set.json()["user"]["status"], "active");
    assert_eq!(
        set.json()["user"]["createdAt"],
        created.json()["user"]["createdAt"],
        "the signed-in answer shows the stored user"
    );
    assert!(a.app.user_for_session(&session).await.unwrap().is_some());

    let again = post_json(
        &a.app,
        "/setup",
        json!({"token": token_of(&link), "password": "another long passphrase 88"}),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.error_code(), "token_used");

    let old = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "the temporary password ended"
    );
    let new = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert_eq!(new.json()["mustChangePassword"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_failures_answer_the_contracts_opaque_errors_never_aws_text() {
    let mut config = test_config(&[("TABLE_NAME", "no-such-table")]);
    let dynamodb = dynamodb_client(&RoundTrips::default());
    let ses = ses_client(&RoundTrips::default());
    config.table_name = Some(format!("missing-{}", uuid::Uuid::new_v4().simple()));
    let app = app_with_clients(config, dynamodb, ses, Arc::new(SystemClock), ALL).unwrap();
    let r = post_json(
        &app,
        "/login",
        json!({"email": "ana@example.com", "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    // A store that fails is the contract's 503 (Conventions), whatever the failure.
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "service_unavailable");
    for aws_text in ["ResourceNotFound", "DynamoDB", "missing-", "Exception"] {
        assert!(!r.body.contains(aws_text), "{}", r.body);
    }

    let unreachable = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let config = test_config(&[("TABLE_NAME", "t")]);
    let app = app_with_clients(
        config,
        unreachable,
        ses_client(&RoundTrips::default()),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    let r = post_json(
        &app,
        "/login",
        json!({"email": "ana@example.com", "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    assert_eq!(r.error_code(), "service_unavailable");
    assert!(!r.body.contains("127.0.0.1"), "{}", r.body);
}

/// Before the services layer, a store failure during a link's lookup was shown to the tech as
/// "this link doesn't work" (410): a DynamoDB outage sent people to ask for new links.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_outage_while_opening_or_redeeming_a_link_is_a_503_not_a_dead_link() {
    let unreachable = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "test", "test", None, None, "tests",
            ))
            // Nothing listens on port 9 (discard) here: every connection is refused.
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let app = app_with_clients(
        test_config(&[("TABLE_NAME", "t")]),
        unreachable,
        ses_client(&RoundTrips::default()),
        Arc::new(SystemClock),
        ALL,
    )
    .unwrap();
    // A well-formed token: the store is asked, and cannot answer.
    let token = "A".repeat(43);
    for path in ["/setup", "/reset"] {
        let page = get_page(&app, &format!("{path}?token={token}")).await;
        assert_eq!(
            page.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            page.body
        );
        assert!(page.body.contains("Something went wrong"), "{}", page.body);
        assert!(!page.body.contains("This link"), "{}", page.body);

        let api = post_json(
            &app,
            path,
            json!({"token": token, "password": NEW_PASSWORD}),
            None,
        )
        .await;
        assert_eq!(api.status, StatusCode::SERVICE_UNAVAILABLE, "{}", api.body);
        assert_eq!(api.error_code(), "service_unavailable");
    }
}

fn tally(calls: &[String]) -> String {
    let mut by_op: BTreeMap<&str, usize> = BTreeMap::new();
    for c in calls {
        *by_op.entry(c.as_str()).or_default() += 1;
    }
    by_op
        .iter()
        .map(|(op, n)| {
            if *n == 1 {
                op.to_string()
            } else {
                format!("{op} ×{n}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn sorted(mut calls: Vec<String>) -> Vec<String> {
    calls.sort();
    calls
}

fn ops(list: &[&str]) -> Vec<String> {
    sorted(list.iter().map(|s| s.to_string()).collect())
}

/// One flow's round trips, as counted and as designed.
/// An admin's bodiless call; its status.
async fn admin_call(a: &AwsApp, method: Method, path: String) -> StatusCode {
    let auth = format!("Bearer {}", a.admin_token);
    let req = tests::app::request(method, &path, &[("authorization", &auth)], Vec::new());
    a.app.handle(req).await.status()
}

struct Flow {
    name: &'static str,
    dynamodb: Vec<String>,
    ses: Vec<String>,
    expected_dynamodb: Vec<String>,
    expected_ses: Vec<String>,
}

/// Counted with an SDK interceptor on every client (DynamoDB, SES, End User Messaging SMS): every
/// request put on the wire, retries included. Printed as a table; each flow's calls are asserted,
/// so a change shows up here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trips_per_flow_are_as_designed() {
    let a = aws_app(true).await;
    let email = tech_email("counted");
    let mut flows: Vec<Flow> = Vec::new();
    let mut record = |name: &'static str, dynamodb: &[&str], ses: &[&str], a: &AwsApp| {
        let (counted_dynamodb, counted_ses) = a.round_trips();
        flows.push(Flow {
            name,
            dynamodb: sorted(counted_dynamodb),
            ses: counted_ses,
            expected_dynamodb: ops(dynamodb),
            expected_ses: ops(ses),
        });
    };

    let created = create_tech(&a, &email).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    record(
        "POST /users (create)",
        // The admin's session check, then the one transaction that stores the user, the link
        // and its emails (the outbox: welcome and reminder jobs) and its audit event; once SES
        // has accepted the email (and given its message id, which exists only then), the user
        // (the invite.sent event is built from the user as the write leaves them) and a second
        // transaction that removes the job and records that id, the MSG# pointer its delivery
        // events look up and the event. Alongside the temporary password's hashing, a slot of
        // the organisation's probe budget (emails met in other organisations this hour: one
        // UpdateItem, no wait of its own), given back while the email is sent (another).
        &[
            "GetItem",
            "TransactWriteItems",
            "GetItem",
            "TransactWriteItems",
            "UpdateItem",
            "UpdateItem",
        ],
        &["SendEmail"],
        &a,
    );

    let by_text = post_json(
        &a.app,
        "/users",
        json!({"phone": "+12015550123", "temporaryPassword": TEMP_PASSWORD}),
        Some(&a.admin_token),
    )
    .await;
    assert_eq!(by_text.status, StatusCode::CREATED, "{}", by_text.body);
    assert_eq!(
        by_text.json()["invite"]["status"],
        "sent",
        "{}",
        by_text.body
    );
    record(
        "POST /users (create, by text)",
        // As by email, and one more conditional update: a slot of the organisation's texts of
        // the day (`SMS_DAILY_LIMIT_PER_ORG`), taken before End User Messaging is asked.
        &[
            "GetItem",
            "TransactWriteItems",
            "GetItem",
            "TransactWriteItems",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
        ],
        &["SendTextMessage"],
        &a,
    );

    let id = created.json()["user"]["id"].as_str().unwrap().to_owned();
    let resent = post_json(
        &a.app,
        &format!("/users/{id}/invite"),
        json!({}),
        Some(&a.admin_token),
    )
    .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    record(
        "POST /users/{id}/invite (resend)",
        // The admin's session, the user by id (pointer, then user), the new link with its
        // emails (the outbox) and its event, then, once SES took the email, the user and the
        // job's removal with its id and its event.
        &[
            "GetItem",
            "GetItem",
            "GetItem",
            "TransactWriteItems",
            "GetItem",
            "TransactWriteItems",
        ],
        &["SendEmail"],
        &a,
    );

    let link = link_sent_to(&email).await;
    let page = get_page(&a.app, link.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    record(
        "GET /setup (page)",
        // The token, then its user by the token's copy of the email.
        &["GetItem", "GetItem"],
        &[],
        &a,
    );

    let set = post_json(
        &a.app,
        "/setup",
        json!({"token": token_of(&link), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    record(
        "POST /setup (redemption)",
        &["GetItem", "TransactWriteItems"],
        &[],
        &a,
    );

    let login = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    // The user, and a failure slot per limit taken before the password is checked (one
    // conditional update per counter, never a transaction: the per-address counter is shared by
    // everyone behind the address; all sent alongside the read: one wait); then, signed in, the
    // slots given back (sent together: a second wait).
    record(
        "POST /login",
        &[
            "GetItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
            "UpdateItem",
        ],
        &[],
        &a,
    );

    let forgot = post_json(&a.app, "/password/forgot", json!({"email": email}), None).await;
    assert_eq!(forgot.status, StatusCode::ACCEPTED, "{}", forgot.body);
    record(
        "POST /password/forgot",
        // The per-address slot (a conditional update: that counter is shared by everyone behind
        // the address, so never in a transaction), the user, then one transaction: the two slots
        // of this email with the link and its email (the outbox); then, once SES took it, the
        // job's removal (a reset touches no invite: one DeleteItem).
        &["DeleteItem", "GetItem", "TransactWriteItems", "UpdateItem"],
        &["SendEmail"],
        &a,
    );

    // The admin's crew flows.
    let listed = admin_call(&a, Method::GET, "/users?status=active&limit=10".into()).await;
    assert_eq!(listed, StatusCode::OK);
    // The admin's session, then one Query of the organisation index.
    record("GET /users (one page)", &["GetItem", "Query"], &[], &a);

    let disabled = admin_call(&a, Method::POST, format!("/users/{id}/disable")).await;
    assert_eq!(disabled, StatusCode::OK);
    // The admin's session, the user by id (pointer, then user), one transaction of the
    // conditional update and its audit event, and the user as left (a transaction returns no
    // item).
    record(
        "POST /users/{id}/disable",
        &[
            "GetItem",
            "GetItem",
            "GetItem",
            "TransactWriteItems",
            "GetItem",
        ],
        &[],
        &a,
    );
    let enabled = admin_call(&a, Method::POST, format!("/users/{id}/enable")).await;
    assert_eq!(enabled, StatusCode::OK);
    record(
        "POST /users/{id}/enable",
        &[
            "GetItem",
            "GetItem",
            "GetItem",
            "TransactWriteItems",
            "GetItem",
        ],
        &[],
        &a,
    );

    let handed = post_json(
        &a.app,
        "/users",
        json!({"email": tech_email("handed"), "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
        Some(&a.admin_token),
    )
    .await;
    assert_eq!(handed.status, StatusCode::CREATED, "{}", handed.body);
    record(
        "POST /users (delivery link)",
        &["GetItem", "TransactWriteItems", "UpdateItem", "UpdateItem"],
        &[],
        &a,
    );
    let handed_id = handed.json()["user"]["id"].as_str().unwrap().to_owned();
    let cancelled = admin_call(&a, Method::DELETE, format!("/users/{handed_id}/invite")).await;
    assert_eq!(cancelled, StatusCode::NO_CONTENT);
    // The admin's session, the user by id, the user item again (its live tokens, read strongly
    // consistent), then one transaction deletes the user, the pointer and the tokens.
    record(
        "DELETE /users/{id}/invite",
        &[
            "GetItem",
            "GetItem",
            "GetItem",
            "GetItem",
            "TransactWriteItems",
        ],
        &[],
        &a,
    );

    let mut table = String::from(
        "| flow | DynamoDB round trips | SES / SMS round trips | total |\n| --- | --- | --- | --- |\n",
    );
    for f in &flows {
        table.push_str(&format!(
            "| {} | {} ({}) | {}{} | {} |\n",
            f.name,
            f.dynamodb.len(),
            tally(&f.dynamodb),
            f.ses.len(),
            if f.ses.is_empty() {
                String::new()
            } else {
                format!(" ({})", tally(&f.ses))
            },
            f.dynamodb.len() + f.ses.len()
        ));
    }
    println!(
        "\nRound trips per flow (DynamoDB Local + moto + the SMS stand-in, counted by an SDK interceptor):\n\n{table}"
    );
    for f in &flows {
        assert_eq!(
            f.dynamodb, f.expected_dynamodb,
            "{}: DynamoDB calls",
            f.name
        );
        assert_eq!(f.ses, f.expected_ses, "{}: SES and SMS calls", f.name);
    }
}

/// At TRACE the SDK logs whole GetItem responses (the argon2 hash, the email) and the runtime the
/// raw event: every flow runs on DynamoDB Local and moto with the logs captured through the
/// functions' own filter asked for "trace", and no secret is in them.
#[test]
fn asking_for_trace_logs_never_logs_a_password_token_hash_or_session() {
    use crate::logs::{with_logs_captured_through, Capture};
    use onboarding::telemetry::LogFilter;
    use sha2::{Digest, Sha256};

    let capture = Capture::default();
    let secrets = with_logs_captured_through(
        &capture,
        Some(LogFilter::new("trace")),
        every_flow_with_its_secrets(),
    );
    let logs = capture.text();
    // The capture is real, and below INFO: the service's events and the HTTP client's DEBUG
    // lines are in it (the SDK's own are capped at INFO).
    for line in [
        "user_created",
        "setup_completed",
        "sign_in_failed",
        "password_reset",
        "password_changed",
        "signed_out_everywhere",
        "hyper_util",
    ] {
        assert!(logs.contains(line), "no {line} in the logs:\n{logs}");
    }
    let mut secrets = secrets;
    for token in secrets.clone().iter().filter(|s| s.len() == 43) {
        let digest = Sha256::digest(token.as_bytes());
        secrets.push(digest.iter().map(|b| format!("{b:02x}")).collect());
        secrets.push(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            digest,
        ));
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret ({} chars) reached the logs",
            secret.len()
        );
    }
    assert!(
        !logs.contains("$argon2"),
        "a password hash reached the logs"
    );
    assert!(!logs.contains("token="), "a link reached the logs");
}

/// Creates a tech, opens and follows the setup link, signs in with the temporary password, the
/// own password and a wrong one, asks for a reset and follows it. Returns every secret met:
/// passwords, tokens (43 characters), sessions and the stored hash.
async fn every_flow_with_its_secrets() -> Vec<String> {
    let a = aws_app(true).await;
    let email = tech_email("traced");
    let mut secrets = vec![
        TEMP_PASSWORD.to_owned(),
        NEW_PASSWORD.to_owned(),
        a.admin_token.clone(),
    ];
    let created = create_tech(&a, &email).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    let early = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(early.status, StatusCode::OK, "{}", early.body);
    secrets.push(early.json()["accessToken"].as_str().unwrap().to_owned());

    let link = link_sent_to(&email).await;
    secrets.push(token_of(&link).to_owned());
    let page = get_page(&a.app, link.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let set = post_json(
        &a.app,
        "/setup",
        json!({"token": token_of(&link), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    secrets.push(set.json()["accessToken"].as_str().unwrap().to_owned());

    let wrong = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": "a wrong password entirely"}),
        None,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);
    secrets.push("a wrong password entirely".to_owned());
    let own = post_json(
        &a.app,
        "/login",
        json!({"email": email, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    secrets.push(own.json()["accessToken"].as_str().unwrap().to_owned());

    let forgot = post_json(&a.app, "/password/forgot", json!({"email": email}), None).await;
    assert_eq!(forgot.status, StatusCode::ACCEPTED, "{}", forgot.body);
    let reset = link_sent_to(&email).await;
    assert!(reset.contains("/reset?token="), "{reset}");
    secrets.push(token_of(&reset).to_owned());
    let page = get_page(&a.app, reset.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let after_reset = "another fine passphrase here";
    let done = post_json(
        &a.app,
        "/reset",
        json!({"token": token_of(&reset), "password": after_reset}),
        None,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    secrets.push(after_reset.to_owned());
    let after_reset_session = done.json()["accessToken"].as_str().unwrap().to_owned();
    secrets.push(after_reset_session.clone());

    // Change the password with the session, then sign out everywhere with the fresh one.
    let changed_to = "yet another fine passphrase";
    let changed = post_json(
        &a.app,
        "/password",
        json!({"currentPassword": after_reset, "password": changed_to}),
        Some(&after_reset_session),
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    secrets.push(changed_to.to_owned());
    let fresh = changed.json()["accessToken"].as_str().unwrap().to_owned();
    secrets.push(fresh.clone());
    let out = post_json(&a.app, "/logout", json!({"everywhere": true}), Some(&fresh)).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.body);

    // A crew's CSV with a temporary password: neither the upload nor the password is logged.
    let crew_password = "crew ladder copper 88";
    let csv = format!(
        "email,temporaryPassword\r\n{},{crew_password}\r\n",
        tech_email("crew")
    );
    let batch = tests::mailer_contract::respond(
        &a.app,
        tests::app::request(
            Method::POST,
            "/users/batch",
            &[
                ("content-type", "text/csv"),
                ("authorization", &format!("Bearer {}", a.admin_token)),
            ],
            csv.clone(),
        ),
    )
    .await;
    assert_eq!(batch.status, StatusCode::OK, "{}", batch.body);
    assert_eq!(batch.json()["created"], 1, "{}", batch.body);
    secrets.push(crew_password.to_owned());
    secrets.push(csv);

    let user = a
        .app
        .store
        .user_by_email(&onboarding::domain::EmailAddress::parse(&email).unwrap())
        .await
        .unwrap()
        .unwrap();
    secrets.push(user.password_hash.clone().unwrap());
    secrets
}

/// A reminder on DynamoDB Local and moto, with a fixed clock: its fresh link is issued, then SES
/// cannot be reached; the retry, with SES back, sends that same link (the one stored), which
/// opens the setup page, and the invite shows when the reminder went out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_whose_send_failed_is_sent_later_with_the_link_it_issued() {
    use onboarding::ports::{Clock, FixedClock};

    let dynamodb = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&dynamodb).await;
    let ses = ses_client(&RoundTrips::default());
    let sender = format!(
        "noreply-{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    );
    verify_sender(&ses, &sender).await;
    let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
    let config = test_config(&[
        ("TABLE_NAME", &table),
        ("SENDER_EMAIL", &sender),
        ("AWS_OPERATION_TIMEOUT_MS", "1000"),
        ("AWS_ATTEMPT_TIMEOUT_MS", "500"),
    ]);
    let app = app_with_clients(
        config.clone(),
        dynamodb.clone(),
        ses.clone(),
        clock.clone(),
        ALL,
    )
    .unwrap();
    let no_ses = app_with_clients(
        config,
        dynamodb,
        tests::services::ses_client_at("http://127.0.0.1:9"),
        clock.clone(),
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    let email = tech_email("reminded");
    let created = post_json(
        &app,
        "/users",
        json!({"email": email, "temporaryPassword": TEMP_PASSWORD}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(
        created.json()["invite"]["status"],
        "sent",
        "{}",
        created.body
    );
    let id = onboarding::domain::UserId(created.json()["user"]["id"].as_str().unwrap().to_owned());

    // 48 hours before the link expires, the reminder is due; SES cannot be reached.
    clock.advance(chrono::Duration::days(5) + chrono::Duration::minutes(1));
    let report = no_ses
        .run_schedule(clock.now() + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((report.sent, report.retried), (0, 1), "{report:?}");
    let user = app.store.user_by_id(&id).await.unwrap().unwrap();
    let invite = user.invite.unwrap();
    assert_eq!(user.setup_generation, 2, "the reminder's link was issued");
    assert!(
        invite.reminder_sent_at.is_some(),
        "and recorded as the reminder's"
    );

    // SES is back: the retry sends the link the reminder issued.
    clock.advance(chrono::Duration::seconds(11));
    let report = app
        .run_schedule(clock.now() + chrono::Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((report.sent, report.dropped), (1, 0), "{report:?}");
    let received: Vec<_> = moto_messages()
        .await
        .into_iter()
        .filter(|m| m.to.contains(&email))
        .collect();
    assert_eq!(received.len(), 2, "the welcome and one reminder");
    assert!(
        received[1].subject.starts_with("Reminder:"),
        "{}",
        received[1].subject
    );
    let link = link_in_html(&received[1].html);
    let page = get_page(&app, link.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let welcome = link_in_html(&received[0].html);
    let dead = get_page(&app, welcome.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(dead.status, StatusCode::GONE);
    let shown = onboarding::http::respond::invite_json(
        &app.store.user_by_id(&id).await.unwrap().unwrap(),
        clock.now(),
    );
    assert_eq!(shown["status"], "sent", "{shown}");
    assert!(shown["reminderSentAt"].is_string(), "{shown}");
}
