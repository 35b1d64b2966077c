//! The mailer function: the outbox's sender and SES's listener.
//!
//! - The schedule (EventBridge Scheduler, every minute, `{"schedule": "sweep"}`) sends every
//!   due email (queued, retried, reminders) at no more than `MAIL_SEND_RATE` per second, until
//!   nothing is due or the invocation's time nearly runs out. Reserved concurrency 1 keeps one
//!   sweep at a time, so the rate is a cap for the whole account.
//! - SES's delivery, bounce and complaint events (configuration set → EventBridge → a rule) move
//!   the invite whose newest email they are about.

use chrono::{DateTime, Utc};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use onboarding::ses_events::{handle, MailerEvent};
use serde_json::{json, Value};

/// Time kept back from the invocation's deadline: the last send (its own timeouts are seconds)
/// and its record must finish before Lambda stops the function.
const DEADLINE_MARGIN_MS: i64 = 10_000;

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    let app = onboarding::aws::app_from_env(&[])
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let services = &app.services;
    run(service_fn(
        move |event: LambdaEvent<MailerEvent>| async move {
            match event.payload {
                // A failure goes back to Lambda, whose asynchronous invocation tries the event again.
                MailerEvent::Ses(ses) => handle(services.store.as_ref(), &ses)
                    .await
                    .map(|handled| json!({ "handled": format!("{handled:?}") }))
                    .inspect_err(|e| {
                        onboarding::services::log_unexpected("applying an SES event", e)
                    })
                    .map_err(Error::from),
                MailerEvent::Schedule(_) => {
                    let deadline = i64::try_from(event.context.deadline).unwrap_or(i64::MAX);
                    let until = DateTime::<Utc>::from_timestamp_millis(
                        deadline.saturating_sub(DEADLINE_MARGIN_MS),
                    )
                    .unwrap_or_else(Utc::now);
                    let report = services
                        .run_schedule(until)
                        .await
                        .inspect_err(|e| onboarding::services::log_unexpected("the schedule", e))?;
                    onboarding::telemetry::emit_schedule_metrics(
                        &report,
                        Utc::now().timestamp_millis(),
                    );
                    Ok::<Value, Error>(serde_json::to_value(&report)?)
                }
            }
        },
    ))
    .await
}
