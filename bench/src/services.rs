//! What the bench needs of the services the test command starts (DynamoDB Local and moto): their
//! addresses, clients with fake credentials, a fresh table, a verified sender.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use onboarding::aws::RoundTrips;

pub fn endpoint(var: &str) -> anyhow::Result<String> {
    std::env::var(var).map_err(|_| {
        anyhow::anyhow!("{var} is not set: run the bench with `make bench`, which starts DynamoDB Local and moto")
    })
}

pub fn dynamodb(counter: &RoundTrips) -> anyhow::Result<aws_sdk_dynamodb::Client> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(endpoint("DYNAMODB_TEST_ENDPOINT")?)
        .interceptor(counter.clone())
        .build();
    Ok(aws_sdk_dynamodb::Client::from_conf(config))
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
