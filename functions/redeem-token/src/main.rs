//! The redeem-token function: `GET|POST /setup` and `GET|POST /reset`.

use lambda_http::{run, Error};
use onboarding::Function;

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    let app = onboarding::aws::app_from_env(&[Function::RedeemToken])
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    run(app.router()).await
}
