//! Each function's release binary, run as Lambda runs it: under the Lambda Runtime API emulator
//! (`tests/emulator`), fed every file in `events/` that belongs to it, against DynamoDB Local and
//! moto. This is `sam local invoke` without the container. Needs `--features services` and the
//! release binaries (`make test` builds both). As on AWS, each binary reads its session signing
//! key from Secrets Manager (moto's) at init: no key is in its environment.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use infra::events::{event_files, expected_status, prepare};
use lambda_emulator::{Emulator, Outcome};
use onboarding::aws::{app_with_clients, RoundTrips};
use onboarding::ports::SystemClock;
use tests::app::{test_config, BASE_URL};
use tests::services::{
    dynamodb_client, endpoint, fresh_secret, fresh_table, secrets_client, ses_client,
    verify_sender, DYNAMODB_ENDPOINT, SES_ENDPOINT,
};

const SIGNING_KEY: &str = "test-signing-key-0123456789abcdef0123456789";

/// The function's release binary: the `bootstrap` that `sam build` made when `SAM_BUILD_DIR` names
/// its build folder (what `make test` runs: the very executable a deploy uploads), else
/// `cargo build --release`'s.
fn release_binary(function: &str) -> PathBuf {
    let path = match std::env::var_os("SAM_BUILD_DIR") {
        Some(dir) => PathBuf::from(dir)
            .join(logical_id(function))
            .join("bootstrap"),
        None => std::env::var("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target")))
            .join("release")
            .join(function),
    };
    assert!(
        path.exists(),
        "{} is missing: build the functions with `cargo build --release -p {function}` or `sam build` (make test does)",
        path.display()
    );
    path
}

/// The template's resource for a function's binary.
fn logical_id(function: &str) -> &'static str {
    match function {
        "create-user" => "CreateUserFunction",
        "redeem-token" => "RedeemTokenFunction",
        "login" => "LoginFunction",
        "mailer" => "MailerFunction",
        other => panic!("no function {other} in template.yaml"),
    }
}

/// Starts a function's binary against the emulator, with Lambda's environment.
fn spawn(
    function: &str,
    emulator: &Emulator,
    table: &str,
    sender: &str,
    signing_secret: &str,
) -> Child {
    Command::new(release_binary(function))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", function)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{function}"),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "emulated")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint(DYNAMODB_ENDPOINT))
        .env("AWS_ENDPOINT_URL_SESV2", endpoint(SES_ENDPOINT))
        .env("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint(SES_ENDPOINT))
        .env("TABLE_NAME", table)
        .env("SENDER_EMAIL", sender)
        .env("PUBLIC_BASE_URL", BASE_URL)
        .env("SESSION_SIGNING_SECRET_ID", signing_secret)
        .env("ARGON2_MEMORY_KIB", "1024")
        .env("ARGON2_ITERATIONS", "1")
        .env("FORGOT_MIN_RESPONSE_MS", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {function}: {e}"))
}

/// The system clock, set back: an app on it acted that long ago, as far as a process on the
/// real clock can tell.
struct Behind(chrono::Duration);
impl onboarding::ports::Clock for Behind {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() - self.0
    }
}

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_function_binary_answers_its_events_as_the_contract_says() {
    let table = fresh_table(&dynamodb_client(&RoundTrips::default())).await;
    let sender = format!(
        "noreply-{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    );
    verify_sender(&ses_client(&RoundTrips::default()), &sender).await;
    let signing_secret = fresh_secret(&secrets_client(), SIGNING_KEY).await;
    // The fixtures are made in the same table, with the key the functions read from the secret.
    let config = test_config(&[
        ("TABLE_NAME", table.as_str()),
        ("SENDER_EMAIL", sender.as_str()),
        ("SESSION_SIGNING_KEY", SIGNING_KEY),
    ]);
    let counter = RoundTrips::default();
    let app = app_with_clients(
        config,
        dynamodb_client(&counter),
        ses_client(&counter),
        Arc::new(SystemClock),
        onboarding::Serves::NONE,
    )
    .unwrap();

    let mut answered = 0;
    for function in ["create-user", "redeem-token", "login"] {
        let emulator = Emulator::start().await.unwrap();
        let _child = Killed(spawn(function, &emulator, &table, &sender, &signing_secret));
        let files = event_files(function).unwrap();
        assert!(!files.is_empty(), "no events for {function}");
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            let expected =
                expected_status(&file).unwrap_or_else(|| panic!("no expected answer for {name}"));
            let fixtures = prepare(&app).await.unwrap();
            let event = fixtures.fill(&std::fs::read_to_string(&file).unwrap());
            assert!(!event.contains("{{"), "{name} has a placeholder left");
            let outcome = emulator
                .invoke(event.as_bytes(), Duration::from_secs(30))
                .await;
            let body = match outcome {
                Ok(Outcome::Response(body)) => body,
                other => panic!("{function} {name}: {other:?}"),
            };
            let response: Value =
                serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{name}: not JSON ({e})"));
            assert_eq!(
                response["statusCode"], expected,
                "{function} {name}: {response}"
            );
            let headers = &response["headers"];
            let cache = if name == "get-jwks.json" {
                "public, max-age=300"
            } else {
                "no-store"
            };
            assert_eq!(headers["cache-control"], cache, "{name}");
            let text = response["body"].as_str().unwrap_or_default();
            let content_type = headers["content-type"].as_str().unwrap_or_default();
            if content_type.starts_with("text/html") {
                assert!(text.contains("<html lang=\"en\">"), "{name}");
                assert!(
                    headers["content-security-policy"]
                        .as_str()
                        .is_some_and(|c| c.contains("default-src 'none'")),
                    "{name}"
                );
            }
            let json = || {
                serde_json::from_str::<Value>(text)
                    .unwrap_or_else(|e| panic!("{name}: body not JSON ({e}): {text}"))
            };
            match name.as_str() {
                "post-users.json" => {
                    assert_eq!(json()["user"]["email"], fixtures.new_email.as_str());
                    assert_eq!(json()["invite"]["status"], "sent");
                }
                "post-users-invite.json" => assert_eq!(json()["invite"]["status"], "sent"),
                "post-users-batch.json" => {
                    assert_eq!(json()["created"], 1);
                    assert_eq!(json()["results"][1]["error"]["code"], "email_taken");
                }
                "get-user.json" => assert_eq!(json()["user"]["id"], fixtures.user_id.as_str()),
                // The organisation index on DynamoDB: the invited tech, newest first.
                "get-users.json" => {
                    assert_eq!(json()["users"][0]["user"]["id"], fixtures.user_id.as_str());
                    assert_eq!(json()["nextCursor"], Value::Null);
                }
                "delete-users-invite.json" => assert!(text.is_empty(), "{name}: {text}"),
                "post-users-disable.json" => assert_eq!(json()["user"]["status"], "disabled"),
                "post-users-enable.json" => assert_eq!(json()["user"]["status"], "invited"),
                "post-login.json" => assert_eq!(json()["mustChangePassword"], true),
                "post-setup-json.json" | "post-reset-json.json" => {
                    assert_eq!(json()["tokenType"], "Bearer");
                    assert_eq!(json()["user"]["status"], "active");
                }
                "post-forgot.json" => assert_eq!(json()["status"], "accepted"),
                "get-jwks.json" => {
                    // The binary's key, read from Secrets Manager, is the key that signed the
                    // fixtures' sessions.
                    assert_eq!(json()["keys"][0]["kid"], app.sessions.current_kid());
                }
                "post-password-json.json" => assert_eq!(json()["user"]["status"], "active"),
                "post-setup-form.json" | "post-login-form.json" | "post-password-form.json" => {
                    let landing = if name == "post-login-form.json" {
                        "/password".to_owned()
                    } else {
                        format!("{BASE_URL}/app")
                    };
                    assert_eq!(headers["location"], landing, "{name}");
                    let cookies = response["cookies"].as_array().cloned().unwrap_or_default();
                    assert!(
                        cookies.iter().any(|c| c.as_str().is_some_and(|c| c
                            .starts_with("__Host-session=")
                            && c.contains("HttpOnly"))),
                        "{name}: {response}"
                    );
                }
                _ => {}
            }
            answered += 1;
        }
        assert!(
            emulator.init_error().is_none(),
            "{function} reported an init error"
        );
    }
    assert_eq!(answered, 42, "every event file was fed to its function");
}

/// The mailer's release binary under the emulator, fed the `events/mailer/` samples (SES's
/// documented records in EventBridge's envelope) against DynamoDB Local: each moves the invite
/// whose newest email the sample names, as the store reads it back afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mailer_binary_moves_invites_from_its_sample_events() {
    use onboarding::adapters::dynamodb::DynamoStore;
    use onboarding::domain::{BounceType, InviteStatus};
    use onboarding::ports::{Invites, Users};
    use tests::store_contract::{invited, t0, unique_email};

    let client = dynamodb_client(&RoundTrips::default());
    let table = fresh_table(&client).await;
    let store = DynamoStore::new(client, &table);
    let emulator = Emulator::start().await.unwrap();
    // The mailer builds links too (the outbox), so it reads the signing secret like the others.
    let signing_secret = fresh_secret(&secrets_client(), SIGNING_KEY).await;
    let _child = Killed(spawn(
        "mailer",
        &emulator,
        &table,
        "noreply@northwind.example",
        &signing_secret,
    ));
    let sample = |name: &str| {
        let file = infra::events::events_dir().join("mailer").join(name);
        std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
    };
    let message_id = |event: &str| -> String {
        let v: Value = serde_json::from_str(event).unwrap();
        v["detail"]["mail"]["messageId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let feed = |event: String| {
        let emulator = &emulator;
        async move {
            match emulator
                .invoke(event.as_bytes(), Duration::from_secs(30))
                .await
            {
                Ok(Outcome::Response(_)) => {}
                other => panic!("mailer: {other:?}"),
            }
        }
    };
    let status_of = |user: onboarding::domain::User| {
        let store = &store;
        async move {
            let invite = store.user_by_id(&user.id).await.unwrap().unwrap().invite;
            let invite = invite.unwrap();
            (invite.status, invite.bounce_type)
        }
    };

    // One invite gets the delivery, then the complaint.
    let (ana, token) = invited(&unique_email("mailer"));
    store.create_user(&ana, Some(&token.record)).await.unwrap();
    let delivery = sample("delivery.json");
    store
        .record_invite_email(&ana, &message_id(&delivery), t0())
        .await
        .unwrap();
    feed(delivery).await;
    assert_eq!(
        status_of(ana.clone()).await,
        (InviteStatus::Delivered, None)
    );
    feed(sample("complaint.json")).await;
    assert_eq!(
        status_of(ana.clone()).await,
        (InviteStatus::Complained, None)
    );

    // Another invite's newest email (the sample's id again) bounces for good.
    let (ben, token) = invited(&unique_email("mailer"));
    store.create_user(&ben, Some(&token.record)).await.unwrap();
    let bounce = sample("bounce-permanent.json");
    store
        .record_invite_email(&ben, &message_id(&bounce), t0())
        .await
        .unwrap();
    feed(bounce).await;
    assert_eq!(
        status_of(ben).await,
        (InviteStatus::Bounced, Some(BounceType::Permanent))
    );
    assert_eq!(
        status_of(ana).await,
        (InviteStatus::Complained, None),
        "the event named the newer invite's email only"
    );
}

/// The outbox's fault test on DynamoDB Local and moto: the invite's transaction commits, then the
/// mail service cannot be reached (the request's SES endpoint is a closed port), so the email is
/// not sent. The mailer's release binary, run by the schedule under the emulator, sends it: once,
/// however often the schedule runs, with the link that was stored; SES's delivery event then
/// moves the invite to `delivered`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_whose_send_failed_after_its_commit_is_sent_exactly_once_by_the_mailer() {
    use tests::mailer_contract::{get_page, link_in_html, post_json, seed_admin};
    use tests::services::moto_messages;

    let counter = RoundTrips::default();
    let table = fresh_table(&dynamodb_client(&counter)).await;
    let sender = format!(
        "noreply-{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    );
    verify_sender(&ses_client(&counter), &sender).await;
    let signing_secret = fresh_secret(&secrets_client(), SIGNING_KEY).await;
    // The request's app: the same table and key, and an SES that is not there.
    let config = test_config(&[
        ("TABLE_NAME", table.as_str()),
        ("SENDER_EMAIL", sender.as_str()),
        ("SESSION_SIGNING_KEY", SIGNING_KEY),
        ("AWS_OPERATION_TIMEOUT_MS", "1000"),
        ("AWS_ATTEMPT_TIMEOUT_MS", "500"),
    ]);
    let unreachable_ses = tests::services::ses_client_at("http://127.0.0.1:9");
    let app = app_with_clients(
        config,
        dynamodb_client(&counter),
        unreachable_ses,
        // The request happened the job's first backoff (10 s) and a second ago, so its retry is
        // due when the mailer (on the real clock) sweeps: no waiting it out.
        Arc::new(Behind(chrono::Duration::seconds(11))),
        onboarding::Serves::CREATE_USER,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    let tech = format!("ana-{}@northwind.example", uuid::Uuid::new_v4().simple());
    let created = post_json(
        &app,
        "/users",
        serde_json::json!({"email": tech, "temporaryPassword": "violet harbour tram 42"}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let body = created.json();
    assert_eq!(body["invite"]["status"], "queued", "{body}");
    let id = onboarding::domain::UserId(body["user"]["id"].as_str().unwrap().to_owned());
    let sent_to_tech = || async {
        moto_messages()
            .await
            .into_iter()
            .filter(|m| m.to.contains(&tech))
            .count()
    };
    assert_eq!(sent_to_tech().await, 0);

    // The job's first backoff is behind it (see `Behind`): the schedule's sweep sends it.
    let emulator = Emulator::start().await.unwrap();
    let _child = Killed(spawn("mailer", &emulator, &table, &sender, &signing_secret));
    let schedule = std::fs::read(infra::events::events_dir().join("mailer/schedule.json")).unwrap();
    let run = || {
        let (emulator, schedule) = (&emulator, schedule.clone());
        async move {
            match emulator.invoke(&schedule, Duration::from_secs(60)).await {
                Ok(Outcome::Response(body)) => serde_json::from_slice::<Value>(&body).unwrap(),
                other => panic!("mailer: {other:?}"),
            }
        }
    };
    let report = run().await;
    assert_eq!(report["sent"], 1, "{report}");
    assert_eq!(sent_to_tech().await, 1);
    let invite = app
        .store
        .user_by_id(&id)
        .await
        .unwrap()
        .unwrap()
        .invite
        .unwrap();
    assert_eq!(invite.status, onboarding::domain::InviteStatus::Sent);
    let message_id = invite.message_id.expect("the email's id is recorded");
    // Exactly once: the schedule runs again and sends nothing.
    let again = run().await;
    assert_eq!(again["sent"], 0, "{again}");
    assert_eq!(sent_to_tech().await, 1);
    // The link sent is the one stored: it opens the setup page.
    let messages = moto_messages().await;
    let html = &messages.iter().find(|m| m.to.contains(&tech)).unwrap().html;
    let link = link_in_html(html);
    let redeemer = onboarding::App::new(
        app.config.clone(),
        app.store.clone(),
        app.mailer.clone(),
        app.texter.clone(),
        Arc::new(SystemClock),
        onboarding::adapters::breached::from_config(&app.config),
        onboarding::Serves::REDEEM_TOKEN,
    )
    .unwrap();
    let page = get_page(&redeemer, link.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // SES's delivery event for that email moves the invite on.
    let mut delivery: Value = serde_json::from_slice(
        &std::fs::read(infra::events::events_dir().join("mailer/delivery.json")).unwrap(),
    )
    .unwrap();
    delivery["detail"]["mail"]["messageId"] = Value::String(message_id);
    match emulator
        .invoke(delivery.to_string().as_bytes(), Duration::from_secs(30))
        .await
    {
        Ok(Outcome::Response(_)) => {}
        other => panic!("mailer: {other:?}"),
    }
    let invite = app
        .store
        .user_by_id(&id)
        .await
        .unwrap()
        .unwrap()
        .invite
        .unwrap();
    assert_eq!(invite.status, onboarding::domain::InviteStatus::Delivered);
}
