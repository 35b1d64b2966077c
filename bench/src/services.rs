//! What the bench needs of the services the test command starts (DynamoDB Local and moto): their
//! addresses, clients with fake credentials, a fresh table, a verified sender, a signing-key secret.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use onboarding::aws::RoundTrips;

pub fn endpoint(var: &str) -> anyhow::Result<String> {
    std::env::var(var).map_err(|_| {
        anyhow::anyhow!("{var} is not set: run the bench with `make bench`, which starts DynamoDB Local and moto")
    })
}

pub fn dynamodb(counter: &RoundTrips) -> anyhow::Result<aws_sdk_dynamodb::Client> {
    Ok(aws_sdk_dynamodb::Client::from_conf(
        dynamodb_config(counter)?.build(),
    ))
}

/// [`dynamodb`]'s configuration, for a client that another interceptor watches too.
pub fn dynamodb_config(counter: &RoundTrips) -> anyhow::Result<aws_sdk_dynamodb::config::Builder> {
    Ok(aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(endpoint("DYNAMODB_TEST_ENDPOINT")?)
        .interceptor(counter.clone()))
}

pub fn ses(counter: &RoundTrips) -> anyhow::Result<aws_sdk_sesv2::Client> {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
        .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "bench", "bench", None, None, "bench",
        ))
        .endpoint_url(endpoint("SES_TEST_ENDPOINT")?)
        .interceptor(counter.clone())
        .build();
    Ok(aws_sdk_sesv2::Client::from_conf(config))
}

/// A new table from template.yaml's definition.
pub async fn fresh_table(client: &aws_sdk_dynamodb::Client) -> anyhow::Result<String> {
    let name = format!("onboarding-bench-{}", uuid::Uuid::new_v4().simple());
    let definition = infra::table::read_definition(&infra::table::default_template_path())?;
    infra::table::create_table(client, &name, &definition).await?;
    Ok(name)
}

/// A sender moto accepts.
pub async fn verified_sender(client: &aws_sdk_sesv2::Client) -> anyhow::Result<String> {
    let sender = format!("noreply-{}@bench.example", uuid::Uuid::new_v4().simple());
    client
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await?;
    Ok(sender)
}

/// A new Secrets Manager secret in moto (which serves it on the SES endpoint) holding `value`, as
/// the template's signing-key secret holds the key's source string; returns its ARN.
pub async fn signing_secret(value: &str) -> anyhow::Result<String> {
    let out = secrets_manager()?
        .create_secret()
        .name(format!(
            "onboarding-bench-signing-key-{}",
            uuid::Uuid::new_v4().simple()
        ))
        .secret_string(value)
        .send()
        .await?;
    out.arn
        .ok_or_else(|| anyhow::anyhow!("moto created the secret without an ARN"))
}

/// A Secrets Manager client on moto.
fn secrets_manager() -> anyhow::Result<aws_sdk_secretsmanager::Client> {
    use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(endpoint("SES_TEST_ENDPOINT")?)
        .build();
    Ok(aws_sdk_secretsmanager::Client::from_conf(config))
}

/// The reads a function makes at init, timed from this process: a new client, then the
/// product's own `resolve_session_keys` (`AWSCURRENT`, `AWSPENDING` and `AWSPREVIOUS` at once;
/// the last two absent here, as outside a rotation). Median of `runs`. What moto itself takes to
/// answer, beside what the reads add to a function's init.
pub async fn secret_reads(secret_id: &str, runs: usize) -> anyhow::Result<std::time::Duration> {
    use onboarding::config::{Defaults, SessionKeySource};
    let env: std::collections::HashMap<String, String> = [
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        ("SENDER_EMAIL", "noreply@example.com"),
        ("SESSION_SIGNING_SECRET_ID", secret_id),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let mut config = onboarding::Config::from_env(&env, Defaults::lambda())?;
        let started = std::time::Instant::now();
        let client = secrets_manager()?;
        onboarding::aws::resolve_session_keys(&mut config, &client).await?;
        samples.push(started.elapsed());
        anyhow::ensure!(
            matches!(config.session_keys, SessionKeySource::Secrets(_)),
            "the key was read"
        );
    }
    samples.sort();
    Ok(samples[samples.len() / 2])
}
