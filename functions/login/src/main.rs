//! The login function: `GET|POST /login`, `GET|POST /password/forgot`, `POST /logout`,
//! `GET|POST /password` and `GET /.well-known/jwks.json` (the route table,
//! `onboarding::http::ROUTES`, is the authority).

use lambda_http::{run, Error};
use onboarding::Serves;

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    // libphonenumber's metadata takes 160-290 ms to load on first use; init runs on a full CPU.
    onboarding::domain::phone::load_metadata();
    let app = onboarding::aws::app_from_env(Serves::LOGIN)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    run(app.router()).await
}
