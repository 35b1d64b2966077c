//! Invites by text message as the functions run them on AWS: `onboarding::App` on the DynamoDB
//! store (DynamoDB Local, a fresh table per test), SES v2 (moto) and End User Messaging SMS (the
//! in-process stand-in, `tests::sms_service`, through the real SDK client), through the router.
//! What reaches End User Messaging, what the invite shows, the service's refusals and outages,
//! a process killed between the write and the send, and the texts' delivery status events.
//! Needs `--features services` with `DYNAMODB_TEST_ENDPOINT` and `SES_TEST_ENDPOINT`
//! (`make test`).

use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

use onboarding::aws::{app_with_all_clients, RoundTrips};
use onboarding::domain::sms_text::{segments, Encoding};
use onboarding::domain::{Identifier, InviteStatus, PhoneNumber, User};
use onboarding::ports::{Clock, FixedClock};
use onboarding::ses_events::{EventOutcome, MailerEvent};
use onboarding::App;
use secrecy::{ExposeSecret, SecretString};
use tests::app::{request, test_config, TestResponse, ALL, BASE_URL, NEW_PASSWORD, TEMP_PASSWORD};
use tests::mailer_contract::{get_page, post_json, respond};
use tests::services::{dynamodb_client, fresh_table, ses_client};
use tests::sms_service::{SentText, SmsFault, SmsService, TEST_MAX_ATTEMPTS};

/// The number the texts are sent from (`SMS_ORIGINATION_IDENTITY`).
const ORIGINATION: &str = "+12065550100";
const CONFIGURATION_SET: &str = "onboarding-texts";
/// Fictional New Jersey numbers (555-01xx), in E.164.
const ANA: &str = "+12015550123";
const BEN: &str = "+12015550124";
const CAL: &str = "+12015550125";

/// The service on a fresh table, texting through the stand-in, on a clock the test moves.
struct TextApp {
    app: App,
    texts: SmsService,
    clock: Arc<FixedClock>,
    admin: User,
}

impl TextApp {
    async fn start() -> Self {
        let texts = SmsService::start().await;
        let dynamodb = dynamodb_client(&RoundTrips::default());
        let table = fresh_table(&dynamodb).await;
        let clock = Arc::new(FixedClock::new(chrono::Utc::now()));
        let app = app_with_all_clients(
            text_config(&table),
            dynamodb,
            ses_client(&RoundTrips::default()),
            Some(texts.client()),
            clock.clone(),
            ALL,
        )
        .unwrap();
        let admin = app
            .create_admin(
                onboarding::domain::EmailAddress::parse(&format!(
                    "admin.{}@example.com",
                    uuid::Uuid::new_v4().simple()
                ))
                .unwrap(),
                "Northwind Plumbing",
                SecretString::from("granite lantern orchard 57"),
            )
            .await
            .unwrap();
        Self {
            app,
            texts,
            clock,
            admin,
        }
    }

    /// A session of the admin's, issued now (the clock moves by days in some tests).
    fn admin_token(&self) -> String {
        self.app
            .sessions
            .issue(&self.admin, self.app.now())
            .expose_secret()
            .to_owned()
    }

    /// `POST /users` by the admin with only a number.
    async fn invite_by_text(&self, phone: &str) -> TestResponse {
        post_json(
            &self.app,
            "/users",
            json!({"phone": phone, "temporaryPassword": TEMP_PASSWORD}),
            Some(&self.admin_token()),
        )
        .await
    }

    /// The invite as `GET /users/{id}` shows it to the admin.
    async fn shown_invite(&self, id: &str) -> Value {
        let auth = format!("Bearer {}", self.admin_token());
        let shown = respond(
            &self.app,
            request(
                Method::GET,
                &format!("/users/{id}"),
                &[("authorization", &auth)],
                Vec::new(),
            ),
        )
        .await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
        shown.json()["invite"].clone()
    }

    /// The schedule's sweep, now.
    async fn sweep(&self) -> onboarding::services::ScheduleReport {
        self.app
            .run_schedule(self.clock.now() + Duration::minutes(1))
            .await
            .unwrap()
    }
}

/// A text-sending configuration on `table`.
fn text_config(table: &str) -> onboarding::Config {
    test_config(&[
        ("TABLE_NAME", table),
        ("SMS_ORIGINATION_IDENTITY", ORIGINATION),
        ("SMS_CONFIGURATION_SET", CONFIGURATION_SET),
    ])
}

fn user_id(created: &TestResponse) -> String {
    created.json()["user"]["id"].as_str().unwrap().to_owned()
}

/// The one text the stand-in accepted for `to`.
fn the_text_to(texts: &SmsService, to: &str) -> SentText {
    let sent = texts.sent_to(to);
    assert_eq!(sent.len(), 1, "texts accepted: {sent:?}");
    sent.into_iter().next().unwrap()
}

/// The code on the text's autofill line, which must be its last line: `@<host> #<6 digits>`.
fn autofill_code(body: &str) -> String {
    let last = body.lines().last().unwrap_or_default();
    let code = last
        .strip_prefix("@onboard.example.com #")
        .unwrap_or_else(|| panic!("the last line is not the autofill line: {body:?}"));
    assert!(
        code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()),
        "{body:?}"
    );
    code.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_by_text_reaches_end_user_messaging_once_as_a_transactional_text_to_the_e164_number(
) {
    let a = TextApp::start().await;
    // Typed as an admin would; sent and stored in E.164.
    let created = a.invite_by_text("(201) 555-0123").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["user"]["phone"], ANA);
    assert_eq!(
        created.json()["invite"]["status"],
        "sent",
        "{}",
        created.body
    );

    assert_eq!(a.texts.attempts(), 1, "one SendTextMessage");
    let text = the_text_to(&a.texts, ANA);
    assert_eq!(text.message_type.as_deref(), Some("TRANSACTIONAL"));
    assert_eq!(text.origination_identity.as_deref(), Some(ORIGINATION));
    assert_eq!(text.configuration_set.as_deref(), Some(CONFIGURATION_SET));
    assert_eq!(
        text.context.get("purpose").map(String::as_str),
        Some("welcome")
    );
    let counted = segments(&text.body);
    assert_eq!(counted.encoding, Encoding::Gsm7, "{:?}", text.body);
    assert!(
        counted.count <= 2 && text.body.chars().count() <= 306,
        "{} segments, {} characters: {:?}",
        counted.count,
        text.body.chars().count(),
        text.body
    );
    assert!(text.body.contains("Northwind Plumbing"), "{:?}", text.body);
    let code = autofill_code(&text.body);

    let id = user_id(&created);
    let shown = a.shown_invite(&id).await;
    assert_eq!(shown["status"], "sent", "{shown}");
    assert_eq!(shown["channel"], "sms", "{shown}");
    // The text's id is the invite's newest message (what its status events name).
    let stored = a
        .app
        .store
        .user_by(&Identifier::Phone(PhoneNumber::from_e164(ANA).unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.invite.unwrap().message_id.as_deref(),
        Some(text.message_id.as_str())
    );

    // The text's link and code are the stored ones: the short link opens the setup page, and
    // the code with the number sets the password.
    let short = tests::app::link_in(&text.body);
    let opened = get_page(&a.app, short.strip_prefix(BASE_URL).unwrap()).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    let page = get_page(
        &a.app,
        opened
            .header("location")
            .unwrap()
            .strip_prefix(BASE_URL)
            .unwrap(),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let set = post_json(
        &a.app,
        "/setup",
        json!({"phone": "201-555-0123", "code": code, "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.json()["user"]["phone"], ANA);
    assert_eq!(a.texts.attempts(), 1, "nothing else was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_that_opted_out_fails_at_once_with_its_reason_and_no_sweep_tries_it_again() {
    let a = TextApp::start().await;
    a.texts.opt_out(BEN);
    let created = a.invite_by_text(BEN).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(
        created.json()["invite"]["status"],
        "failed",
        "{}",
        created.body
    );
    assert_eq!(
        a.texts.attempts(),
        1,
        "the refusal is not retried by the SDK"
    );
    assert!(a.texts.sent().is_empty());

    let id = user_id(&created);
    let shown = a.shown_invite(&id).await;
    assert_eq!(shown["status"], "failed", "{shown}");
    assert_eq!(shown["reason"], "opted_out", "{shown}");
    assert_eq!(shown["channel"], "sms", "{shown}");

    // Well past every backoff of a retry: nothing of this invite is due again.
    for _ in 0..3 {
        a.clock.advance(Duration::hours(1));
        let report = a.sweep().await;
        assert_eq!(
            (report.sent, report.retried, report.failed),
            (0, 0, 0),
            "{report:?}"
        );
    }
    assert_eq!(a.texts.attempts(), 1, "the stand-in was not asked again");

    // Nor when the invite's reminder comes due (48 hours before the 7-day link expires): it is
    // dropped, and the invite keeps its link and shows no reminder.
    a.clock.advance(Duration::days(5));
    let report = a.sweep().await;
    assert_eq!(
        (report.sent, report.retried, report.failed, report.dropped),
        (0, 0, 0, 1),
        "{report:?}"
    );
    assert_eq!(a.texts.attempts(), 1, "the stand-in was not asked again");
    let shown = a.shown_invite(&id).await;
    assert_eq!(
        (&shown["status"], &shown["reason"]),
        (&json!("failed"), &json!("opted_out")),
        "{shown}"
    );
    assert_eq!(shown["reminderSentAt"], Value::Null, "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_or_failing_text_service_leaves_the_invite_queued_and_the_sweep_sends_it_once_healed(
) {
    let a = TextApp::start().await;
    let mut ids = Vec::new();
    for (phone, fault) in [(ANA, SmsFault::Throttle), (CAL, SmsFault::InternalError)] {
        let before = a.texts.attempts();
        // More than the SDK's attempts: every attempt of this request meets the fault.
        a.texts.fail_next(fault, 100);
        let created = a.invite_by_text(phone).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(
            created.json()["invite"]["status"],
            "queued",
            "{fault:?}: {}",
            created.body
        );
        assert_eq!(
            a.texts.attempts() - before,
            TEST_MAX_ATTEMPTS as usize,
            "{fault:?}: the SDK's own retries, then the outbox's"
        );
        let id = user_id(&created);
        let shown = a.shown_invite(&id).await;
        assert_eq!(
            (&shown["status"], &shown["channel"]),
            (&json!("queued"), &json!("sms")),
            "{shown}"
        );
        ids.push(id);
    }
    assert!(a.texts.sent().is_empty());

    // Still failing when the first retry is due: both stay queued, nothing is sent.
    a.clock.advance(Duration::seconds(11));
    a.texts.fail_next(SmsFault::InternalError, 100);
    let report = a.sweep().await;
    assert_eq!((report.sent, report.retried), (0, 2), "{report:?}");
    assert!(a.texts.sent().is_empty());

    // Healed: the next sweep after the backoff sends each text once.
    a.texts.heal();
    a.clock.advance(Duration::minutes(5));
    let report = a.sweep().await;
    assert_eq!((report.sent, report.failed), (2, 0), "{report:?}");
    the_text_to(&a.texts, ANA);
    the_text_to(&a.texts, CAL);
    for id in &ids {
        let shown = a.shown_invite(id).await;
        assert_eq!(
            (&shown["status"], &shown["channel"]),
            (&json!("sent"), &json!("sms")),
            "{shown}"
        );
    }
    a.clock.advance(Duration::hours(1));
    assert_eq!(a.sweep().await.sent, 0);
    assert_eq!(a.texts.sent().len(), 2, "once each");
}

/// A text status event from `events/mailer/` for the text `message_id`, through the mailer's
/// event type, applied to the app's store as the mailer function applies it.
async fn feed_text_event(app: &App, sample: &str, message_id: &str) -> EventOutcome {
    let file = infra::events::events_dir().join("mailer").join(sample);
    let mut event: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    event["detail"]["messageId"] = json!(message_id);
    let MailerEvent::Sms(event) = serde_json::from_value::<MailerEvent>(event).unwrap() else {
        panic!("{sample} is not a text status event for the mailer");
    };
    onboarding::sms_events::handle(app.store.as_ref(), &event)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_texts_delivery_status_event_moves_its_invite_on_dynamodb() {
    let a = TextApp::start().await;
    let ana = a.invite_by_text(ANA).await;
    assert_eq!(ana.json()["invite"]["status"], "sent", "{}", ana.body);
    let ben = a.invite_by_text(BEN).await;
    assert_eq!(ben.json()["invite"]["status"], "sent", "{}", ben.body);
    let (ana, ben) = (user_id(&ana), user_id(&ben));
    let (to_ana, to_ben) = (
        the_text_to(&a.texts, ANA).message_id,
        the_text_to(&a.texts, BEN).message_id,
    );

    // A text someone else sent from the account (the rule sees them all) moves nothing.
    let unknown = feed_text_event(&a.app, "text-delivered.json", "no-such-message").await;
    assert_eq!(unknown, EventOutcome::Applied { changed: false });

    let outcome = feed_text_event(&a.app, "text-delivered.json", &to_ana).await;
    assert_eq!(outcome, EventOutcome::Applied { changed: true });
    let shown = a.shown_invite(&ana).await;
    assert_eq!(shown["status"], "delivered", "{shown}");
    assert_eq!(shown["channel"], "sms", "{shown}");

    let outcome = feed_text_event(&a.app, "text-blocked.json", &to_ben).await;
    assert_eq!(outcome, EventOutcome::Applied { changed: true });
    let shown = a.shown_invite(&ben).await;
    assert_eq!(shown["status"], "bounced", "{shown}");
    assert_eq!(shown["bounceType"], "permanent", "{shown}");
    assert_eq!(
        a.shown_invite(&ana).await["status"],
        "delivered",
        "the event named the other text only"
    );
    // As the store keeps it, not only as shown.
    let stored = a
        .app
        .store
        .user_by(&Identifier::Phone(PhoneNumber::from_e164(BEN).unwrap()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.invite.unwrap().status, InviteStatus::Bounced);
}

/// The outbox's promise for texts, with a process that really dies: a separate process (this
/// test binary again, running this test alone) writes the user and the text's job to DynamoDB
/// Local and is killed (SIGKILL) while its SendTextMessage waits on End User Messaging (the
/// stand-in, which holds every attempt unanswered). A sweep in another app, once the dead
/// request's hold on the job runs out, sends the text: exactly once, however often it runs, with
/// the link and code that were stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_between_the_write_and_the_send_loses_no_text() {
    const NAME: &str = "a_process_killed_between_the_write_and_the_send_loses_no_text";
    if tests::own_process::is_own_process(module_path!(), NAME) {
        return write_the_invite_then_wait_in_the_send().await;
    }
    let texts = SmsService::start().await;
    texts.fail_next(SmsFault::Hang, 1_000);
    let table = fresh_table(&dynamodb_client(&RoundTrips::default())).await;
    let mut child = tests::own_process::own_process_command(module_path!(), NAME)
        .env(KILLED_TABLE, &table)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_REGION", tests::sms_service::REGION)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env(
            "AWS_ENDPOINT_URL_DYNAMODB",
            tests::services::endpoint(tests::services::DYNAMODB_ENDPOINT),
        )
        .env(
            "AWS_ENDPOINT_URL_SESV2",
            tests::services::endpoint(tests::services::SES_ENDPOINT),
        )
        .env(texts.env().0, texts.env().1)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting the process that will be killed");

    // Its SendTextMessage reached the service: the user and the job were committed before it.
    let started = std::time::Instant::now();
    while texts.attempts() == 0 {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the process ended ({status}) before it sent its text");
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the process never sent its text"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9),
        "killed, not ended: {status}"
    );
    assert!(texts.sent().is_empty(), "the killed send did not go");
    texts.heal();

    // Another app on the same table, after the dead request's hold (30 s) ran out.
    let clock = Arc::new(FixedClock::new(
        chrono::Utc::now() + Duration::seconds(onboarding::domain::mail::LEASE + 1),
    ));
    let app = app_with_all_clients(
        text_config(&table),
        dynamodb_client(&RoundTrips::default()),
        ses_client(&RoundTrips::default()),
        Some(texts.client()),
        clock.clone(),
        ALL,
    )
    .unwrap();
    let ana = Identifier::Phone(PhoneNumber::from_e164(ANA).unwrap());
    let user = app.store.user_by(&ana).await.unwrap().expect("the user");
    assert_eq!(
        user.invite.as_ref().map(|i| i.status),
        Some(InviteStatus::Queued),
        "written, never sent"
    );

    let report = app
        .run_schedule(clock.now() + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!((report.sent, report.failed), (1, 0), "{report:?}");
    let text = the_text_to(&texts, ANA);
    for _ in 0..2 {
        clock.advance(Duration::minutes(2));
        let again = app
            .run_schedule(clock.now() + Duration::minutes(1))
            .await
            .unwrap();
        assert_eq!(again.sent, 0, "{again:?}");
    }
    assert_eq!(texts.sent().len(), 1, "exactly one text");
    let user = app.store.user_by(&ana).await.unwrap().unwrap();
    let shown = onboarding::http::respond::invite_json(&user, clock.now());
    assert_eq!(
        (&shown["status"], &shown["channel"]),
        (&json!("sent"), &json!("sms")),
        "{shown}"
    );
    // The text carries the code of the link the dead process stored.
    let set = post_json(
        &app,
        "/setup",
        json!({"phone": ANA, "code": autofill_code(&text.body), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}

/// The table the killed process writes to, named by the test that kills it.
const KILLED_TABLE: &str = "KILLED_PROCESS_TABLE";

/// The killed process's part: the app as a function builds it from its environment (the SDK's
/// endpoint variables, End User Messaging's among them), an admin, and `POST /users` by text,
/// whose SendTextMessage never gets an answer. It never returns: the test kills it there.
async fn write_the_invite_then_wait_in_the_send() {
    let table = std::env::var(KILLED_TABLE).expect("the table to write to");
    let app = onboarding::aws::app_from_config(text_config(&table), ALL)
        .await
        .unwrap();
    let admin = tests::mailer_contract::seed_admin(&app).await;
    let r = post_json(
        &app,
        "/users",
        json!({"phone": ANA, "temporaryPassword": TEMP_PASSWORD}),
        Some(&admin),
    )
    .await;
    panic!(
        "the request answered ({}) where it should have been killed during its send",
        r.status
    );
}
