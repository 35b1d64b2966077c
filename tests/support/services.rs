//! The services outside Rust that the service-backed tests use: DynamoDB Local and moto's SES v2,
//! started by the README's test command (`make test`), which exports their addresses as
//! `DYNAMODB_TEST_ENDPOINT` and `SES_TEST_ENDPOINT`. A missing service fails the test with a
//! message saying so; it never skips.
//!
//! Clients are built here with static test credentials, a fixed region and the endpoint, and a
//! round-trip counter; the process environment is left alone.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use std::sync::Arc;

use infra::table::{create_table, default_template_path, read_definition};
use onboarding::adapters::dynamodb::DynamoStore;
use onboarding::adapters::ses::SesMailer;
use onboarding::aws::RoundTrips;
use onboarding::ports::Mailer;

use crate::mailer_contract::{Mailbox, Received};

pub const DYNAMODB_ENDPOINT: &str = "DYNAMODB_TEST_ENDPOINT";
pub const SES_ENDPOINT: &str = "SES_TEST_ENDPOINT";

/// The endpoint in `var`, or a failure that says how to start the services.
pub fn endpoint(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.trim().is_empty() => v.trim().trim_end_matches('/').to_owned(),
        _ => panic!(
            "{var} is not set, so this test has no service to run against. Run the README's test \
             command, `make test`, which installs and starts DynamoDB Local and moto and sets \
             {DYNAMODB_ENDPOINT} and {SES_ENDPOINT}."
        ),
    }
}

fn credentials() -> Credentials {
    Credentials::new("test", "test", None, None, "onboarding-tests")
}

/// A DynamoDB client for DynamoDB Local, counting its round trips into `counter`.
pub fn dynamodb_client(counter: &RoundTrips) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .endpoint_url(endpoint(DYNAMODB_ENDPOINT))
        .interceptor(counter.clone())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// An SES v2 client for moto, counting its round trips into `counter`.
pub fn ses_client(counter: &RoundTrips) -> aws_sdk_sesv2::Client {
    let config = aws_sdk_sesv2::Config::builder()
        .behavior_version(aws_sdk_sesv2::config::BehaviorVersion::latest())
        .region(aws_sdk_sesv2::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sesv2::config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "onboarding-tests",
        ))
        .endpoint_url(endpoint(SES_ENDPOINT))
        .interceptor(counter.clone())
        .build();
    aws_sdk_sesv2::Client::from_conf(config)
}

/// A Secrets Manager client for moto (which serves it on the same endpoint as SES).
/// The SES v2 client of [`ses_client`], sending to `endpoint` instead: a server that never
/// answers, or a closed port (`http://127.0.0.1:9`), for a mail service that cannot be reached.
pub fn ses_client_at(endpoint: &str) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::from_conf(
        ses_client(&RoundTrips::default())
            .config()
            .to_builder()
            .endpoint_url(endpoint)
            .build(),
    )
}

pub fn secrets_client() -> aws_sdk_secretsmanager::Client {
    use aws_sdk_secretsmanager::config;
    let config = config::Builder::new()
        .behavior_version(config::BehaviorVersion::latest())
        .region(config::Region::new("us-east-1"))
        .credentials_provider(config::Credentials::new(
            "test",
            "test",
            None,
            None,
            "onboarding-tests",
        ))
        .endpoint_url(endpoint(SES_ENDPOINT))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}

/// A new secret in moto's Secrets Manager holding `value`; its ARN.
pub async fn fresh_secret(client: &aws_sdk_secretsmanager::Client, value: &str) -> String {
    let out = client
        .create_secret()
        .name(format!("session-key-{}", uuid::Uuid::new_v4().simple()))
        .secret_string(value)
        .send()
        .await
        .expect("moto's Secrets Manager is running (SES_TEST_ENDPOINT)");
    out.arn.expect("a secret has an ARN")
}

/// A new table with a unique name, made by the same code as `create-table`, from `template.yaml`.
pub async fn fresh_table(client: &aws_sdk_dynamodb::Client) -> String {
    let name = format!("onboarding-test-{}", uuid::Uuid::new_v4().simple());
    let definition = read_definition(&default_template_path())
        .unwrap_or_else(|e| panic!("the table definition: {e}"));
    create_table(client, &name, &definition)
        .await
        .unwrap_or_else(|e| panic!("creating table {name} on DynamoDB Local: {e}"));
    name
}

/// A DynamoDB store on a fresh table, and its round-trip counter.
pub async fn fresh_dynamo_store() -> (DynamoStore, RoundTrips) {
    let counter = RoundTrips::default();
    let client = dynamodb_client(&counter);
    let table = fresh_table(&client).await;
    counter.take();
    (DynamoStore::new(client, table), counter)
}

/// Makes `address` a verified sender in moto (moto, like SES in the sandbox, refuses others).
pub async fn verify_sender(client: &aws_sdk_sesv2::Client, address: &str) {
    client
        .create_email_identity()
        .email_identity(address)
        .send()
        .await
        .unwrap_or_else(|e| {
            panic!(
                "verifying {address} in moto: {}",
                aws_sdk_sesv2::error::DisplayErrorContext(&e)
            )
        });
}

/// `GET` over plain HTTP/1.1 to a local service; the body as text.
pub async fn http_get(url: &str) -> String {
    let uri: hyper::Uri = url.parse().expect("a valid URL");
    let host = uri.host().expect("a host").to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let stream = tokio::net::TcpStream::connect((host.as_str(), port))
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("an HTTP/1.1 handshake");
    tokio::spawn(connection);
    let request = hyper::Request::get(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .header(hyper::header::HOST, format!("{host}:{port}"))
        .body(Empty::<Bytes>::new())
        .expect("a request");
    let response = sender
        .send_request(request)
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert!(
        response.status().is_success(),
        "GET {url}: {}",
        response.status()
    );
    let body = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    String::from_utf8(body.to_vec()).expect("UTF-8")
}

/// What moto kept of every message sent through it, from `/moto-api/data.json`. moto keeps one
/// body per message: the HTML part when there is one.
pub async fn moto_messages() -> Vec<Received> {
    let data = http_get(&format!("{}/moto-api/data.json", endpoint(SES_ENDPOINT))).await;
    let data: serde_json::Value = serde_json::from_str(&data).expect("moto's data.json is JSON");
    let messages = data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    messages
        .iter()
        .map(|m| Received {
            to: m["destinations"]["ToAddresses"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            from: m["source"].as_str().unwrap_or_default().to_owned(),
            subject: m["subject"].as_str().unwrap_or_default().to_owned(),
            html: m["body"].as_str().unwrap_or_default().to_owned(),
            text: None,
        })
        .collect()
}

/// The SES v2 mailer against moto, with its own verified sender.
pub struct MotoMailbox {
    sender: String,
    mailer: Arc<SesMailer>,
}

impl MotoMailbox {
    pub async fn fresh() -> Self {
        let client = ses_client(&RoundTrips::default());
        let sender = format!(
            "noreply-{}@northwind.example",
            uuid::Uuid::new_v4().simple()
        );
        verify_sender(&client, &sender).await;
        let mailer = SesMailer::new(client, format!("Northwind Onboarding <{sender}>"), None);
        Self {
            sender,
            mailer: Arc::new(mailer),
        }
    }
}

#[async_trait::async_trait]
impl Mailbox for MotoMailbox {
    fn mailer(&self) -> Arc<dyn Mailer> {
        self.mailer.clone()
    }
    fn sender(&self) -> &str {
        &self.sender
    }
    async fn received(&self, to: &str) -> Vec<Received> {
        moto_messages()
            .await
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t == to))
            .collect()
    }
}
