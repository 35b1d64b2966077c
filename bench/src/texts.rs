//! The outbox's text queue against DynamoDB Local and the End User Messaging SMS stand-in (the
//! tests', through the real SDK client): how many texts per second one sweep hands over when
//! `SMS_SEND_RATE` does not hold it back, what each text costs in round trips, and that the
//! configured rate caps the sweep, as `mail.rs` measures the emails.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::sms_service::SmsService;
use super::{fmt_duration, services, Row};
use onboarding::aws::{app_with_all_clients, RoundTrips};
use onboarding::config::Defaults;
use onboarding::domain::{EmailAddress, Role};
use onboarding::ports::SystemClock;
use onboarding::services::{InviteOptions, InviteRequest};
use onboarding::{App, Config};

/// The operations one text costs the sweep, in the row's order.
const OPERATIONS: [&str; 5] = [
    "Query",
    "UpdateItem",
    "GetItem",
    "SendTextMessage",
    "TransactWriteItems",
];

/// An app on a fresh table texting through a stand-in of its own at `rate` per second, its
/// admin, the stand-in, and the counter of its DynamoDB and End User Messaging calls.
async fn app(
    rate: &str,
) -> anyhow::Result<(App, onboarding::domain::User, SmsService, RoundTrips)> {
    let calls = RoundTrips::default();
    let dynamodb = services::dynamodb(&calls)?;
    let ses = services::ses(&RoundTrips::default())?;
    let table = services::fresh_table(&dynamodb).await?;
    let texts = SmsService::start().await;
    let sms = aws_sdk_pinpointsmsvoicev2::Client::from_conf(
        texts
            .client()
            .config()
            .to_builder()
            .interceptor(calls.clone())
            .build(),
    );
    let vars: HashMap<String, String> = [
        ("TABLE_NAME", table.as_str()),
        // Required by the configuration; no email is sent here.
        ("SENDER_EMAIL", "noreply@bench.example"),
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        ("SESSION_SIGNING_KEY", crate::sessions::SIGNING_SECRET),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("SMS_ORIGINATION_IDENTITY", "+12065550100"),
        ("SMS_SEND_RATE", rate),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = app_with_all_clients(
        Config::from_env(&vars, Defaults::lambda())?,
        dynamodb,
        ses,
        Some(sms),
        Arc::new(SystemClock),
        onboarding::Serves::NONE,
    )?;
    let admin = app
        .create_admin(
            EmailAddress::parse(&format!(
                "admin-{}@bench.example",
                uuid::Uuid::new_v4().simple()
            ))?,
            "Bench Field Service",
            secrecy::SecretString::from("granite lantern orchard 57".to_owned()),
        )
        .await?;
    calls.take();
    Ok((app, admin, texts, calls))
}

/// Queues `n` (at most 100) invites by text, as a batch does: written with their jobs, nothing
/// sent. The numbers are the fictional 555-0100 to 555-0199 of one area code.
async fn queue(app: &App, admin: &onboarding::domain::User, n: usize) -> anyhow::Result<()> {
    anyhow::ensure!(n <= 100, "only 100 fictional numbers");
    for i in 0..n {
        app.invite(
            admin,
            InviteRequest {
                email: None,
                phone: Some(format!("+1201555{:04}", 100 + i)),
                temporary_password: None,
                name: None,
                role: Role::Tech,
                locale: None,
                options: InviteOptions {
                    queue_only: true,
                    ..InviteOptions::default()
                },
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("queueing an invite by text: {e}"))?;
    }
    Ok(())
}

/// `texts` queued invites swept as fast as the sweep goes, then `capped` at `rate` per second.
pub async fn run(texts: usize, capped: usize, rate: f64) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    // As fast as one sweep goes: the rate set far above what it reaches.
    let (app_fast, admin, service, calls) = app("1000").await?;
    queue(&app_fast, &admin, texts).await?;
    calls.take();
    let started = Instant::now();
    let report = app_fast
        .run_schedule(app_fast.now() + chrono::Duration::minutes(5))
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(report.sent == texts, "sent {} of {texts}", report.sent);
    anyhow::ensure!(
        service.sent().len() == texts,
        "the stand-in took {} of {texts}",
        service.sent().len()
    );
    let per_text = calls.take();
    let count =
        |op: &str| per_text.iter().filter(|c| c.as_str() == op).count() as f64 / texts as f64;
    rows.push(Row::new(
        "texts",
        format!(
            "one sweep, {texts} queued invites by text, SMS_SEND_RATE unbounded (DynamoDB Local + the SMS stand-in)"
        ),
        format!(
            "{:.0} texts/s ({} per text); per text: {}",
            texts as f64 / took.as_secs_f64(),
            fmt_duration(took / texts as u32),
            OPERATIONS
                .iter()
                .map(|op| format!("{op} {:.2}", count(op)))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ));

    // The configured cap.
    let (app_capped, admin, service, _) = app(&rate.to_string()).await?;
    queue(&app_capped, &admin, capped).await?;
    let started = Instant::now();
    let report = app_capped
        .run_schedule(app_capped.now() + chrono::Duration::minutes(5))
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(report.sent == capped, "sent {} of {capped}", report.sent);
    anyhow::ensure!(
        service.sent().len() == capped,
        "the stand-in took {} of {capped}",
        service.sent().len()
    );
    // n sends paced 1/rate apart span (n - 1)/rate seconds.
    let measured = (capped - 1) as f64 / took.as_secs_f64();
    rows.push(
        Row::new(
            "texts",
            format!("one sweep, {capped} queued invites by text, SMS_SEND_RATE={rate}"),
            format!(
                "{measured:.2} texts/s over {} ({:.0}% of the configured rate)",
                fmt_duration(took),
                measured / rate * 100.0
            ),
        )
        .target(format!("≤ {rate} texts/s"), measured <= rate),
    );
    Ok(rows)
}
