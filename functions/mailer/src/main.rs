//! The mailer function: SES's delivery, bounce and complaint events (configuration set →
//! EventBridge → this function) move the invite whose newest email they are about.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use onboarding::ses_events::{handle, SesEventBridgeEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    let store = onboarding::aws::store_from_env()
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let store = &store;
    run(service_fn(
        move |event: LambdaEvent<SesEventBridgeEvent>| async move {
            // A failure goes back to Lambda, whose asynchronous invocation tries the event again.
            handle(store, &event.payload)
                .await
                .map(|_| ())
                .inspect_err(|e| onboarding::services::log_unexpected("applying an SES event", e))
                .map_err(Error::from)
        },
    ))
    .await
}
