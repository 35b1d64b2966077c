//! The mailer function: the outbox's sender and SES's listener.
//!
//! - The schedule (EventBridge Scheduler, every minute, `{"schedule": "sweep"}`) sends every
//!   due email (queued, retried, reminders) at no more than `MAIL_SEND_RATE` per second, until
//!   nothing is due or the invocation's time nearly runs out. Reserved concurrency 1 keeps one
//!   sweep at a time, so the rate is a cap for the whole account.
//! - SES's delivery, bounce and complaint events (configuration set → EventBridge → a rule) move
//!   the invite whose newest email they are about.
//! - End User Messaging SMS's text status events (EventBridge's default bus → a rule) move the
//!   invite whose newest text they are about, the same way.

use chrono::{DateTime, Duration, Utc};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use onboarding::domain::mail::LEASE;
use onboarding::services::outbox::SWEEP_SPAN;
use onboarding::ses_events::MailerEvent;
use onboarding::{ses_events, sms_events};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    let app = onboarding::aws::app_from_env(onboarding::Serves::NONE)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let services = &app.services;
    run(service_fn(
        move |event: LambdaEvent<MailerEvent>| async move {
            match event.payload {
                // A failure goes back to Lambda, whose asynchronous invocation tries the event again.
                MailerEvent::Ses(ses) => ses_events::handle(services.store.as_ref(), &ses)
                    .await
                    .map(|handled| json!({ "handled": format!("{handled:?}") }))
                    .inspect_err(|e| {
                        onboarding::telemetry::log_unexpected("applying an SES event", e)
                    })
                    .map_err(Error::from),
                // Only the record's type, id and finality are read: no phone number reaches a log.
                MailerEvent::Sms(text) => sms_events::handle(services.store.as_ref(), &text)
                    .await
                    .map(|handled| json!({ "handled": format!("{handled:?}") }))
                    .inspect_err(|e| {
                        onboarding::telemetry::log_unexpected("applying a text status event", e)
                    })
                    .map_err(Error::from),
                MailerEvent::Schedule(_) => {
                    // The last email starts a job's hold (30 s) before Lambda's deadline, so
                    // its calls and its record finish; and no later than SWEEP_SPAN in, so the
                    // next minute's sweep finds this one done.
                    let deadline = i64::try_from(event.context.deadline).unwrap_or(i64::MAX);
                    let by_deadline = DateTime::<Utc>::from_timestamp_millis(
                        deadline.saturating_sub(LEASE * 1000),
                    )
                    .unwrap_or_else(Utc::now);
                    let until = by_deadline.min(Utc::now() + Duration::seconds(SWEEP_SPAN));
                    let report = services.run_schedule(until).await.inspect_err(|e| {
                        onboarding::telemetry::log_unexpected("the schedule", e)
                    })?;
                    onboarding::telemetry::emit_schedule_metrics(
                        &report.metrics(),
                        Utc::now().timestamp_millis(),
                    );
                    Ok::<Value, Error>(serde_json::to_value(&report)?)
                }
            }
        },
    ))
    .await
}
