//! One webhook delivery attempt: a `POST` through [`GuardedConnector`] over TLS with Mozilla's
//! roots, answered by a status code or a [`DeliveryError`] the outbox can record and retry.

use std::error::Error as StdError;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use lambda_http::http::header::{CONTENT_TYPE, USER_AGENT as USER_AGENT_HEADER};
use lambda_http::http::Request;
use tokio::time::{timeout_at, Instant};

use super::{ConnectError, Dial, GuardedConnector, Resolve, SystemResolver, TcpDial};
use crate::webhooks::address::{UrlPolicy, WebhookUrlError};

/// The whole attempt's budget (API.md: "a timeout (15 s)").
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// How the service introduces itself to receivers.
pub const USER_AGENT: &str = concat!(
    "onboarding-service/",
    env!("CARGO_PKG_VERSION"),
    " (webhooks)"
);

/// Only the status counts; the answer's body is read this far, so a receiver's large answer
/// costs nothing, then dropped.
const MAX_ANSWER_BYTES: usize = 4 * 1024;

/// Why an attempt has no status code. Each is retried the same way except [`DeliveryError::Url`]
/// (the URL itself is refused); [`DeliveryError::kind`] is what the deliveries list records.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the webhook URL is refused: {0}")]
    Url(#[from] WebhookUrlError),
    /// The destination is, or resolved to, an address that is not globally routable: nothing
    /// was dialled.
    #[error(
        "blocked destination: {host} is or resolves to an address that is not globally routable"
    )]
    Blocked { host: String },
    #[error("the endpoint's name did not resolve: {0}")]
    Resolve(String),
    /// Refused, reset, or closed before an answer.
    #[error("no connection to the endpoint: {0}")]
    Connect(String),
    #[error("the TLS handshake with the endpoint failed: {0}")]
    Tls(String),
    #[error("the endpoint did not answer in time")]
    Timeout,
    /// The endpoint's answer was not HTTP/1.1 that hyper could read.
    #[error("the endpoint's answer could not be read: {0}")]
    Protocol(String),
    /// A header the caller passed is not a valid HTTP header.
    #[error("the request could not be built: {0}")]
    Request(String),
}

impl DeliveryError {
    /// A short, stable name for the deliveries list and the logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Url(_) => "invalid_url",
            Self::Blocked { .. } => "blocked_destination",
            Self::Resolve(_) => "dns",
            Self::Connect(_) => "connect",
            Self::Tls(_) => "tls",
            Self::Timeout => "timeout",
            Self::Protocol(_) => "protocol",
            Self::Request(_) => "request",
        }
    }
}

/// Posts webhooks; built once per process and shared.
///
/// Each attempt opens its own connection (no pool): its name is resolved and judged anew, and
/// no connection outlives an attempt. Redirects are not followed: a 3xx is its status.
pub struct WebhookClient {
    policy: UrlPolicy,
    resolver: Arc<dyn Resolve>,
    dial: Arc<dyn Dial>,
    timeout: Duration,
    http: Client<HttpsConnector<GuardedConnector>, Full<Bytes>>,
}

impl WebhookClient {
    /// The system resolver, plain TCP, the 15-second budget.
    pub fn new(policy: UrlPolicy) -> Self {
        Self::build(
            policy,
            Arc::new(SystemResolver),
            Arc::new(TcpDial),
            DEFAULT_TIMEOUT,
        )
    }

    /// Another budget for the whole attempt (the tests' servers that never answer).
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// Another resolver (the tests' table of names).
    pub fn with_resolver(self, resolver: Arc<dyn Resolve>) -> Self {
        Self::build(self.policy, resolver, self.dial, self.timeout)
    }

    /// Another dialler (the tests' recorder).
    pub fn with_dial(self, dial: Arc<dyn Dial>) -> Self {
        Self::build(self.policy, self.resolver, dial, self.timeout)
    }

    pub fn policy(&self) -> UrlPolicy {
        self.policy
    }

    fn build(
        policy: UrlPolicy,
        resolver: Arc<dyn Resolve>,
        dial: Arc<dyn Dial>,
        timeout: Duration,
    ) -> Self {
        let guarded =
            GuardedConnector::new(resolver.clone(), dial.clone(), policy.allow_loopback_http);
        // Mozilla's roots compiled in (webpki-roots), as for the breached-password client: no
        // system bundle to read. Plain http only where the policy allows loopback, and even then
        // the connector takes it only to the loopback hosts.
        let builder = hyper_rustls::HttpsConnectorBuilder::new().with_webpki_roots();
        let builder = if policy.allow_loopback_http {
            builder.https_or_http()
        } else {
            builder.https_only()
        };
        let https = builder.enable_http1().wrap_connector(guarded);
        let http = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(https);
        Self {
            policy,
            resolver,
            dial,
            timeout,
            http,
        }
    }

    /// One attempt: `POST url` with `headers` (the three Standard Webhooks headers) and the JSON
    /// `body`. The receiver's status code, whatever it is (a 3xx included), or why there is none.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<u16, DeliveryError> {
        let target = self.policy.check_url(url)?;
        let mut request = Request::post(target.uri().clone())
            .header(CONTENT_TYPE, "application/json")
            .header(USER_AGENT_HEADER, USER_AGENT);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| DeliveryError::Request(e.to_string()))?;

        let deadline = Instant::now() + self.timeout;
        let response = timeout_at(deadline, self.http.request(request))
            .await
            .map_err(|_| DeliveryError::Timeout)?
            .map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        // The status is the answer; what the body says, or whether it finishes, changes nothing.
        let _ = timeout_at(deadline, read_a_little(response.into_body())).await;
        Ok(status)
    }
}

/// Reads up to [`MAX_ANSWER_BYTES`] of an answer's body, then stops.
async fn read_a_little(mut body: hyper::body::Incoming) {
    let mut read = 0;
    while read < MAX_ANSWER_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, |data| data.len()),
            _ => break,
        }
    }
}

/// The delivery error a failed request stands for, from the errors it carries.
fn classify(error: &hyper_util::client::legacy::Error) -> DeliveryError {
    let chain = causes(error);
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(connect) = cause.downcast_ref::<ConnectError>() {
            return match connect {
                ConnectError::Blocked { host } => DeliveryError::Blocked { host: host.clone() },
                ConnectError::Resolve { .. } => DeliveryError::Resolve(chain),
                ConnectError::Dial { .. } | ConnectError::NoHost => DeliveryError::Connect(chain),
            };
        }
        source = cause.source();
    }
    // Our connector's errors are all matched above. Past it, hyper-rustls fails a connection
    // only in the TLS handshake (the scheme and the server name were checked with the URL).
    if error.is_connect() {
        return DeliveryError::Tls(chain);
    }
    let closed = walk(error).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(|e| e.is_incomplete_message() || e.is_canceled())
            || cause.downcast_ref::<io::Error>().is_some_and(|e| {
                matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::BrokenPipe
                        | io::ErrorKind::UnexpectedEof
                )
            })
    });
    if closed {
        DeliveryError::Connect(chain)
    } else {
        DeliveryError::Protocol(chain)
    }
}

/// `error` and its causes, looking inside `io::Error`s too (whose `source` skips the error they
/// wrap, which is where rustls puts its own).
fn walk<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| cause_of(e))
}

fn cause_of<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match error.downcast_ref::<io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => error.source(),
    }
}

/// The whole cause chain on one line, for the deliveries list and the log.
fn causes(error: &(dyn StdError + 'static)) -> String {
    let mut line = String::new();
    for cause in walk(error) {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}
