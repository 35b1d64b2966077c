//! The create-user function: the admin's user routes, `POST|GET /users`, `POST /users/batch`,
//! `GET /users/{id}`, `POST|DELETE /users/{id}/invite`, `POST /users/{id}/disable` and
//! `/enable` (the route table, `onboarding::http::ROUTES`, is the authority).

use lambda_http::{run, Error};
use onboarding::Serves;

#[tokio::main]
async fn main() -> Result<(), Error> {
    onboarding::telemetry::init_json();
    // libphonenumber's metadata takes 160-290 ms to load on first use; init runs on a full CPU.
    onboarding::domain::phone::load_metadata();
    let app = onboarding::aws::app_from_env(Serves::CREATE_USER)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    run(app.router()).await
}
