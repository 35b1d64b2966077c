//! A fault-injecting proxy in front of DynamoDB Local: every request passes through to the real
//! store unless a fault was armed for its operation (the `X-Amz-Target` header), in which case the
//! proxy answers for DynamoDB, in DynamoDB's own wire format, the way AWS would.
//!
//! Why a proxy and not a fake store: the code under test keeps its real SDK client, its real
//! retry and error mapping, and the real store for every request the fault does not touch. And
//! why at all: DynamoDB Local serialises transactions, so it never answers
//! `TransactionCanceledException` with `TransactionConflict` the way AWS does when two
//! transactions (or a transaction and a plain write) meet on one item; the proxy does.
//!
//! Listens on 127.0.0.1 only, on a port of its own; forwards only to the endpoint it was given.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;

/// What the proxy answers instead of the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// `TransactionCanceledException`, each item's reason `TransactionConflict` when its
    /// key's `pk` contains the given text (every item when empty), `None` otherwise: another
    /// transaction was in progress on that item, as AWS answers and DynamoDB Local never does.
    TransactionConflict(String),
    /// `TransactionConflictException` (400): a plain write (`UpdateItem`, `PutItem`,
    /// `DeleteItem`) on an item that a transaction holds at that moment, as AWS answers it; the
    /// SDK does not retry it.
    WriteConflict,
    /// `ProvisionedThroughputExceededException` (400), which the SDK retries as throttling.
    Throttled,
    /// `InternalServerError` (500).
    InternalError,
}

#[derive(Default)]
struct Armed {
    /// Operation (e.g. `TransactWriteItems`) → (fault, how many more requests get it).
    faults: HashMap<String, (Fault, usize)>,
    /// Operation → requests seen, faulted or not.
    seen: HashMap<String, usize>,
}

/// A running proxy; it stops with the test's runtime.
#[derive(Clone)]
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`: the endpoint to give the SDK client.
    pub endpoint: String,
    armed: Arc<Mutex<Armed>>,
}

impl FaultProxy {
    /// Starts a proxy that forwards to `upstream` (an `http://host:port` endpoint).
    pub async fn start(upstream: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let armed = Arc::new(Mutex::new(Armed::default()));
        let upstream: hyper::Uri = upstream.parse().expect("an upstream endpoint");
        let shared = armed.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let armed = shared.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let armed = armed.clone();
                        let upstream = upstream.clone();
                        async move { Ok::<_, hyper::Error>(handle(req, &armed, &upstream).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(socket), service)
                        .await;
                });
            }
        });
        Self { endpoint, armed }
    }

    /// The next `times` requests of `operation` (`TransactWriteItems`, `UpdateItem`, …) get
    /// `fault` instead of reaching the store.
    pub fn fail_next(&self, operation: &str, fault: Fault, times: usize) {
        let mut armed = self.armed.lock().unwrap();
        armed.faults.insert(operation.to_owned(), (fault, times));
    }

    /// Disarms every fault.
    pub fn heal(&self) {
        self.armed.lock().unwrap().faults.clear();
    }

    /// How many requests of `operation` arrived (faulted or passed on).
    pub fn seen(&self, operation: &str) -> usize {
        let armed = self.armed.lock().unwrap();
        armed.seen.get(operation).copied().unwrap_or(0)
    }
}

fn operation_of(req: &Request<Incoming>) -> String {
    req.headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_owned()
}

async fn handle(
    req: Request<Incoming>,
    armed: &Mutex<Armed>,
    upstream: &hyper::Uri,
) -> Response<Full<Bytes>> {
    let operation = operation_of(&req);
    let fault = {
        let mut armed = armed.lock().unwrap();
        *armed.seen.entry(operation.clone()).or_default() += 1;
        match armed.faults.get_mut(&operation) {
            Some((fault, left)) if *left > 0 => {
                *left -= 1;
                Some(fault.clone())
            }
            _ => None,
        }
    };
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    match fault {
        Some(fault) => answer_for_dynamodb(&fault, &body),
        None => forward(parts, body, upstream).await,
    }
}

/// DynamoDB's JSON 1.0 error shape: `__type` names the exception, as the SDK reads it.
fn dynamodb_error(status: StatusCode, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "FAULTPROXY")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn answer_for_dynamodb(fault: &Fault, request: &[u8]) -> Response<Full<Bytes>> {
    match fault {
        Fault::TransactionConflict(on) => {
            let items: Vec<Value> = serde_json::from_slice::<Value>(request)
                .ok()
                .and_then(|v| v["TransactItems"].as_array().cloned())
                .unwrap_or_default();
            let reasons: Vec<Value> = items
                .iter()
                .map(|item| {
                    let pk = ["Put", "Update", "Delete", "ConditionCheck"]
                        .iter()
                        .find_map(|kind| {
                            let op = &item[*kind];
                            op["Item"]["pk"]["S"]
                                .as_str()
                                .or_else(|| op["Key"]["pk"]["S"].as_str())
                        })
                        .unwrap_or_default();
                    if pk.contains(on.as_str()) {
                        json!({"Code": "TransactionConflict",
                               "Message": "Transaction is ongoing for the item"})
                    } else {
                        json!({"Code": "None"})
                    }
                })
                .collect();
            dynamodb_error(
                StatusCode::BAD_REQUEST,
                json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for \
                                specific reasons [TransactionConflict]",
                    "CancellationReasons": reasons,
                }),
            )
        }
        Fault::WriteConflict => dynamodb_error(
            StatusCode::BAD_REQUEST,
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
                "message": "Transaction is ongoing for the item",
            }),
        ),
        Fault::Throttled => dynamodb_error(
            StatusCode::BAD_REQUEST,
            json!({
                "__type":
                    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was \
                            exceeded.",
            }),
        ),
        Fault::InternalError => dynamodb_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({
                "__type": "com.amazonaws.dynamodb.v20120810#InternalServerError",
                "message": "Internal server error",
            }),
        ),
    }
}

async fn forward(
    parts: hyper::http::request::Parts,
    body: Bytes,
    upstream: &hyper::Uri,
) -> Response<Full<Bytes>> {
    let host = upstream.host().unwrap_or("127.0.0.1").to_owned();
    let port = upstream.port_u16().unwrap_or(80);
    let failed = |why: String| {
        dynamodb_error(
            StatusCode::BAD_GATEWAY,
            json!({"__type": "FaultProxyUpstream", "message": why}),
        )
    };
    let stream = match tokio::net::TcpStream::connect((host.as_str(), port)).await {
        Ok(s) => s,
        Err(e) => return failed(format!("connect: {e}")),
    };
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(stream)).await {
            Ok(x) => x,
            Err(e) => return failed(format!("handshake: {e}")),
        };
    tokio::spawn(connection);
    // The SigV4 signature covers the Host header: keep the client's, DynamoDB Local checks only
    // the signature's shape.
    let request = Request::from_parts(parts, Full::new(body));
    let response = match sender.send_request(request).await {
        Ok(r) => r,
        Err(e) => return failed(format!("request: {e}")),
    };
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Response::from_parts(parts, Full::new(body))
}
