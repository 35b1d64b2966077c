//! A stand-in for AWS End User Messaging SMS (`pinpoint-sms-voice-v2`), in the test's own process:
//! an HTTP/1.1 server on 127.0.0.1 that answers `SendTextMessage` the way the service does, on its
//! wire protocol (AWS JSON 1.0: `POST /`, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, a
//! SigV4-signed request), with the service's validation, its error shapes and its opt-outs.
//!
//! Why a stand-in: neither moto nor any other emulator the tests run serves this API, and the
//! code under test should keep its real SDK client, its real retries and its real error mapping.
//! Why in-process: the tests read what it accepted and arm its faults directly, and nothing has to
//! be installed or started for them.
//!
//! What it checks as AWS does: a request without `Authorization` is refused before anything else;
//! a signature's credential scope must name the region and the service's signing name
//! (`sms-voice`). It does not recompute signatures: the secret is the tests' dummy one.
//!
//! The constraints are those of the service's model (botocore's `pinpoint-sms-voice-v2`): the
//! destination's pattern is `\+?[1-9][0-9]{1,18}` (the `+` is optional there, so a bare
//! `15551234567` passes validation as it would on AWS), the body 1 to 1,600 characters and not
//! only blanks, the type `TRANSACTIONAL` or `PROMOTIONAL`, up to 5 context entries.

use aws_sdk_pinpointsmsvoicev2::config::retry::RetryConfig;
use aws_sdk_pinpointsmsvoicev2::config::timeout::TimeoutConfig;
use aws_sdk_pinpointsmsvoicev2::config::{BehaviorVersion, Credentials, Region};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// The SDK's endpoint variable for this service: `AWS_ENDPOINT_URL_` and the service id
/// (`Pinpoint SMS Voice V2`) upper-cased, spaces as underscores (aws-config's rule).
pub const ENDPOINT_ENV: &str = "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2";
/// The operation the stand-in serves, as `X-Amz-Target` names it.
pub const SEND_TEXT_MESSAGE: &str = "PinpointSMSVoiceV2.SendTextMessage";
/// The name SigV4 signs this service's requests under.
pub const SIGNING_NAME: &str = "sms-voice";
pub const REGION: &str = "us-east-1";
/// Attempts the test client makes per call (the SDK's standard retry, its default count).
pub const TEST_MAX_ATTEMPTS: u32 = 3;
/// The test client's operation timeout: a call that gets no answer gives up after this.
pub const TEST_OPERATION_TIMEOUT: Duration = Duration::from_millis(1_000);

/// A text the stand-in accepted, as the request named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentText {
    pub message_id: String,
    pub to: String,
    pub body: String,
    pub origination_identity: Option<String>,
    pub configuration_set: Option<String>,
    pub message_type: Option<String>,
    pub context: BTreeMap<String, String>,
}

/// What the stand-in answers instead of sending, for the next calls that reach it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsFault {
    /// `ThrottlingException` (400), which the SDK retries as throttling.
    Throttle,
    /// `InternalServerException` (500), which the SDK retries as a server error.
    InternalError,
    /// No answer at all: the connection stays open and silent.
    Hang,
}

#[derive(Default)]
struct State {
    sent: Vec<SentText>,
    opted_out: HashSet<String>,
    faults: Option<(SmsFault, usize)>,
    /// `SendTextMessage` requests that passed the signature check, faulted or not.
    attempts: usize,
}

/// A running stand-in; it stops with the test's runtime.
#[derive(Clone)]
pub struct SmsService {
    /// `http://127.0.0.1:<port>`: the endpoint to give the SDK client.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl SmsService {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the SMS stand-in");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let state = shared.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, hyper::Error>(handle(req, &state).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Self { endpoint, state }
    }

    /// The endpoint variable and its value, as a process (a function binary, the SDK's default
    /// loader) takes it.
    pub fn env(&self) -> (&'static str, String) {
        (ENDPOINT_ENV, self.endpoint.clone())
    }

    /// An SDK client for this stand-in (see [`client_at`]).
    pub fn client(&self) -> aws_sdk_pinpointsmsvoicev2::Client {
        client_at(&self.endpoint)
    }

    /// Every text accepted so far, in order.
    pub fn sent(&self) -> Vec<SentText> {
        self.state.lock().unwrap().sent.clone()
    }

    /// The texts accepted for `to`.
    pub fn sent_to(&self, to: &str) -> Vec<SentText> {
        self.sent().into_iter().filter(|t| t.to == to).collect()
    }

    /// `number` replied STOP: every text to it is refused from now on.
    pub fn opt_out(&self, number: &str) {
        self.state
            .lock()
            .unwrap()
            .opted_out
            .insert(number.to_owned());
    }

    /// The next `times` calls that pass the signature check get `fault` (every attempt counts,
    /// the SDK's retries included).
    pub fn fail_next(&self, fault: SmsFault, times: usize) {
        self.state.lock().unwrap().faults = Some((fault, times));
    }

    /// Disarms the fault.
    pub fn heal(&self) {
        self.state.lock().unwrap().faults = None;
    }

    /// `SendTextMessage` requests that reached the service (faulted or not, refused or not).
    pub fn attempts(&self) -> usize {
        self.state.lock().unwrap().attempts
    }
}

/// An SDK client for the stand-in at `endpoint`: dummy credentials, `us-east-1`, the SDK's
/// standard retry with a short backoff (the same attempts as on AWS, in milliseconds), and an
/// operation timeout, as `aws.rs` gives every client, so a silent service ends the call.
pub fn client_at(endpoint: &str) -> aws_sdk_pinpointsmsvoicev2::Client {
    let config = aws_sdk_pinpointsmsvoicev2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "onboarding-tests",
        ))
        .endpoint_url(endpoint)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(TEST_MAX_ATTEMPTS)
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_timeout(TEST_OPERATION_TIMEOUT)
                .build(),
        )
        .build();
    aws_sdk_pinpointsmsvoicev2::Client::from_conf(config)
}

/// An AWS JSON 1.0 error: `__type` in the body and `x-amzn-ErrorType` in the headers, both the
/// bare shape name, as the SDK reads either.
fn error(status: StatusCode, kind: &str, body: Value) -> Response<Full<Bytes>> {
    let mut body = body;
    body["__type"] = json!(kind);
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", uuid::Uuid::new_v4().to_string())
        .header("x-amzn-errortype", kind)
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn ok(body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", uuid::Uuid::new_v4().to_string())
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn header<'a>(req: &'a Request<Incoming>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// AWS's common errors for a request it cannot authenticate (403): none, or one that is not a
/// SigV4 signature for this region and service.
fn unsigned(req: &Request<Incoming>) -> Option<Response<Full<Bytes>>> {
    let Some(authorization) = header(req, "authorization") else {
        return Some(error(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            json!({"message": "Missing Authentication Token"}),
        ));
    };
    let incomplete = |why: &str| {
        Some(error(
            StatusCode::FORBIDDEN,
            "IncompleteSignatureException",
            json!({"message": why}),
        ))
    };
    let Some(rest) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return incomplete("Authorization header requires the AWS4-HMAC-SHA256 algorithm.");
    };
    let parts: BTreeMap<&str, &str> = rest
        .split(',')
        .filter_map(|p| p.trim().split_once('='))
        .collect();
    let (Some(credential), Some(_), Some(_)) = (
        parts.get("Credential"),
        parts.get("SignedHeaders"),
        parts.get("Signature"),
    ) else {
        return incomplete(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.",
        );
    };
    if header(req, "x-amz-date").is_none() {
        return incomplete("Authorization header requires existence of the 'X-Amz-Date' header.");
    }
    // Credential = <key>/<date>/<region>/<service>/aws4_request
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" {
        return incomplete("Credential is not of the form key/date/region/service/aws4_request.");
    }
    if scope[3] != SIGNING_NAME || scope[2] != REGION {
        return Some(error(
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            json!({"message": format!(
                "Credential should be scoped to correct service: '{SIGNING_NAME}' in '{REGION}'."
            )}),
        ));
    }
    None
}

async fn handle(req: Request<Incoming>, state: &Mutex<State>) -> Response<Full<Bytes>> {
    if let Some(refusal) = unsigned(&req) {
        return refusal;
    }
    let target = header(&req, "x-amz-target").unwrap_or_default();
    if req.method() != hyper::Method::POST || req.uri().path() != "/" || target != SEND_TEXT_MESSAGE
    {
        // AWS's common errors: an operation this endpoint does not serve is a 404.
        return error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            json!({"message": format!("Unknown operation: {target:?}")}),
        );
    }
    if header(&req, "content-type") != Some("application/x-amz-json-1.0") {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            json!({"message": "Expected Content-Type application/x-amz-json-1.0"}),
        );
    }
    let fault = {
        let mut state = state.lock().unwrap();
        state.attempts += 1;
        match &mut state.faults {
            Some((fault, left)) if *left > 0 => {
                *left -= 1;
                Some(*fault)
            }
            _ => None,
        }
    };
    match fault {
        Some(SmsFault::Throttle) => {
            return error(
                StatusCode::BAD_REQUEST,
                "ThrottlingException",
                json!({"Message": "Rate exceeded"}),
            )
        }
        Some(SmsFault::InternalError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerException",
                json!({"Message": "Internal server error", "RequestId": uuid::Uuid::new_v4().to_string()}),
            )
        }
        Some(SmsFault::Hang) => std::future::pending::<()>().await,
        None => {}
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            json!({"message": "The request body is not JSON."}),
        );
    };
    let text = match validated(&request) {
        Ok(text) => text,
        Err(refusal) => return error(StatusCode::BAD_REQUEST, "ValidationException", refusal),
    };
    let mut state = state.lock().unwrap();
    if state.opted_out.contains(&text.to) {
        return error(
            StatusCode::BAD_REQUEST,
            "ConflictException",
            json!({
                "Message": "The destination phone number is opted out.",
                "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT",
                "ResourceType": "opted-out-number",
                "ResourceId": text.to,
            }),
        );
    }
    let message_id = text.message_id.clone();
    state.sent.push(text);
    ok(json!({"MessageId": message_id}))
}

/// One field's constraint, as the model states it.
struct Field {
    name: &'static str,
    min: usize,
    max: usize,
    pattern: fn(&str) -> bool,
    pattern_text: &'static str,
}

const DESTINATION: Field = Field {
    name: "DestinationPhoneNumber",
    min: 1,
    max: 20,
    pattern: |v| {
        let digits = v.strip_prefix('+').unwrap_or(v);
        (2..=19).contains(&digits.len())
            && digits.chars().all(|c| c.is_ascii_digit())
            && !digits.starts_with('0')
    },
    pattern_text: r"\+?[1-9][0-9]{1,18}",
};
const ORIGINATION: Field = Field {
    name: "OriginationIdentity",
    min: 1,
    max: 256,
    pattern: |v| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_:/+-".contains(c))
    },
    pattern_text: "[A-Za-z0-9_:/\\+-]+",
};
const BODY: Field = Field {
    name: "MessageBody",
    min: 1,
    max: 1600,
    pattern: |v| !v.trim().is_empty(),
    pattern_text: r"(?!\s*$)[\s\S]+",
};
const CONFIGURATION_SET: Field = Field {
    name: "ConfigurationSetName",
    min: 1,
    max: 256,
    pattern: |v| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_:/-".contains(c))
    },
    pattern_text: "[A-Za-z0-9_:/-]+",
};

/// The message the constraint's failure gives, which names the field and never its value.
fn check(field: &Field, value: Option<&Value>, required: bool) -> Result<Option<String>, String> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return if required {
            Err(format!("Value at '{}' must not be null", field.name))
        } else {
            Ok(None)
        };
    };
    let Some(text) = value.as_str() else {
        return Err(format!("Value at '{}' must be a string", field.name));
    };
    let length = text.chars().count();
    if length < field.min || length > field.max {
        return Err(format!(
            "Value at '{}' must have length between {} and {}",
            field.name, field.min, field.max
        ));
    }
    if !(field.pattern)(text) {
        return Err(format!(
            "Value at '{}' must satisfy regular expression pattern: {}",
            field.name, field.pattern_text
        ));
    }
    Ok(Some(text.to_owned()))
}

/// The model's rule for each context entry (`ContextKey`, `ContextValue`).
const CONTEXT_ENTRY: &str = "Value at 'Context' failed to satisfy constraint: keys of 1 to 100 \
                             characters without blanks, values of 1 to 800 characters that neither \
                             start nor end with a blank";

/// The request as a text to send, or the body of the service's `ValidationException` (400):
/// every failed field listed, as the service lists them in `Fields`.
fn validated(request: &Value) -> Result<SentText, Value> {
    let mut failed: Vec<(&str, String)> = Vec::new();
    let mut take =
        |field: &Field, required: bool| match check(field, request.get(field.name), required) {
            Ok(v) => v,
            Err(why) => {
                failed.push((field.name, why));
                None
            }
        };
    let to = take(&DESTINATION, true);
    let origination_identity = take(&ORIGINATION, false);
    // Optional in the model; the service has nothing to send without it.
    let body = take(&BODY, true);
    let configuration_set = take(&CONFIGURATION_SET, false);
    let message_type = match request.get("MessageType") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "TRANSACTIONAL" || t == "PROMOTIONAL" => Some(t.clone()),
        Some(_) => {
            failed.push((
                "MessageType",
                "Value at 'MessageType' must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]"
                    .to_owned(),
            ));
            None
        }
    };
    let mut context = BTreeMap::new();
    match request.get("Context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) if map.len() <= 5 => {
            for (k, v) in map {
                let key_ok =
                    (1..=100).contains(&k.chars().count()) && !k.chars().any(char::is_whitespace);
                let value = v.as_str().unwrap_or_default();
                let value_ok = (1..=800).contains(&value.chars().count()) && value.trim() == value;
                if key_ok && value_ok {
                    context.insert(k.clone(), value.to_owned());
                } else {
                    failed.push(("Context", CONTEXT_ENTRY.to_owned()));
                }
            }
        }
        Some(_) => failed.push((
            "Context",
            "Value at 'Context' must be a map of at most 5 entries".to_owned(),
        )),
    }
    if !failed.is_empty() {
        let message = format!(
            "{} validation error{} detected: {}",
            failed.len(),
            if failed.len() == 1 { "" } else { "s" },
            failed
                .iter()
                .map(|(_, why)| why.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let fields: Vec<Value> = failed
            .iter()
            .map(|(name, why)| json!({"Name": name, "Message": why}))
            .collect();
        return Err(
            json!({"Message": message, "Reason": "FIELD_VALIDATION_FAILED", "Fields": fields}),
        );
    }
    Ok(SentText {
        message_id: uuid::Uuid::new_v4().to_string(),
        to: to.unwrap_or_default(),
        body: body.unwrap_or_default(),
        origination_identity,
        configuration_set,
        message_type,
        context,
    })
}
