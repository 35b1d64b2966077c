//! The login function: `GET|POST /login` and `GET|POST /password/forgot`.

use lambda_http::{run, service_fn, Error, Request};
use onboarding::Function;

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    let app = onboarding::aws::app_from_env(&[Function::Login])
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let app = &app;
    run(service_fn(move |req: Request| async move {
        Ok::<_, Error>(app.handle(req).await)
    }))
    .await
}
