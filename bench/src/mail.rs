//! The outbox's sender against DynamoDB Local and moto: how many emails per second one sweep
//! hands to SES when `MAIL_SEND_RATE` does not hold it back, what each email costs in round
//! trips, and that the configured rate caps the sweep.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use super::{fmt_duration, services, Row};
use onboarding::aws::{app_with_clients, RoundTrips};
use onboarding::config::Defaults;
use onboarding::domain::{EmailAddress, Role};
use onboarding::ports::SystemClock;
use onboarding::services::{InviteOptions, InviteRequest};
use onboarding::{App, Config};

/// An app on a fresh table sending to moto at `rate` per second, its admin, and the counter of
/// its DynamoDB and SES calls.
async fn app(rate: &str) -> anyhow::Result<(App, onboarding::domain::User, RoundTrips)> {
    let calls = RoundTrips::default();
    let dynamodb = services::dynamodb(&calls)?;
    let ses = services::ses(&calls)?;
    let table = services::fresh_table(&dynamodb).await?;
    let sender = services::verified_sender(&ses).await?;
    let vars: HashMap<String, String> = [
        ("TABLE_NAME", table.as_str()),
        ("SENDER_EMAIL", sender.as_str()),
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        ("SESSION_SIGNING_KEY", crate::sessions::SIGNING_SECRET),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("MAIL_SEND_RATE", rate),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = app_with_clients(
        Config::from_env(&vars, Defaults::lambda())?,
        dynamodb,
        ses,
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
    Ok((app, admin, calls))
}

/// Queues `n` invites (as a batch does: written with their jobs, nothing sent).
async fn queue(app: &App, admin: &onboarding::domain::User, n: usize) -> anyhow::Result<()> {
    for i in 0..n {
        app.invite(
            admin,
            InviteRequest {
                email: Some(EmailAddress::parse(&format!(
                    "tech{i}-{}@bench.example",
                    uuid::Uuid::new_v4().simple()
                ))?),
                phone: None,
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
        .map_err(|e| anyhow::anyhow!("queueing an invite: {e}"))?;
    }
    Ok(())
}

/// What one email costs the sweep, for the cost model: CPU time in this process and the round
/// trips, per email.
pub struct MailCost {
    pub cpu: std::time::Duration,
    pub calls: Vec<(&'static str, f64)>,
}

pub async fn run(emails: usize) -> anyhow::Result<(Vec<Row>, MailCost)> {
    let mut rows = Vec::new();
    // As fast as one sweep goes: the rate set far above what it reaches.
    let (app_fast, admin, calls) = app("1000").await?;
    queue(&app_fast, &admin, emails).await?;
    calls.take();
    let started = Instant::now();
    let cpu_before = super::flows::process_cpu();
    let report = app_fast
        .run_schedule(app_fast.now() + chrono::Duration::minutes(5))
        .await?;
    let cpu = (super::flows::process_cpu() - cpu_before) / emails as u32;
    let took = started.elapsed();
    anyhow::ensure!(report.sent == emails, "sent {} of {emails}", report.sent);
    let per_email = calls.take();
    let count =
        |op: &str| per_email.iter().filter(|c| c.as_str() == op).count() as f64 / emails as f64;
    rows.push(Row::new(
        "mailer",
        format!("one sweep, {emails} queued invites, MAIL_SEND_RATE unbounded (DynamoDB Local + moto)"),
        format!(
            "{:.0} emails/s ({} per email); per email: Query {:.2}, UpdateItem {:.2}, GetItem {:.2}, SendEmail {:.2}, TransactWriteItems {:.2}",
            emails as f64 / took.as_secs_f64(),
            fmt_duration(took / emails as u32),
            count("Query"),
            count("UpdateItem"),
            count("GetItem"),
            count("SendEmail"),
            count("TransactWriteItems"),
        ),
    ));
    let cost = MailCost {
        cpu,
        calls: [
            "Query",
            "UpdateItem",
            "GetItem",
            "SendEmail",
            "TransactWriteItems",
        ]
        .into_iter()
        .map(|op| (op, count(op)))
        .collect(),
    };
    // The configured cap: SES's default production rate.
    let (app_capped, admin, _) = app("14").await?;
    let capped = 42;
    queue(&app_capped, &admin, capped).await?;
    let started = Instant::now();
    let report = app_capped
        .run_schedule(app_capped.now() + chrono::Duration::minutes(5))
        .await?;
    let took = started.elapsed();
    anyhow::ensure!(report.sent == capped, "sent {} of {capped}", report.sent);
    // n sends paced 1/rate apart span (n - 1)/rate seconds.
    let rate = (capped - 1) as f64 / took.as_secs_f64();
    rows.push(
        Row::new(
            "mailer",
            format!("one sweep, {capped} queued invites, MAIL_SEND_RATE=14"),
            format!("{rate:.1} emails/s over {}", fmt_duration(took)),
        )
        .target("≤ 14 emails/s", rate <= 14.0),
    );
    Ok((rows, cost))
}
