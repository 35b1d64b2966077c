//! A Lambda Runtime API emulator: the HTTP API a function's `bootstrap` polls on Lambda
//! (`/2018-06-01/runtime/invocation/next`, `…/response`, `…/error`, `/init/error`), on
//! 127.0.0.1. Tests and the bench run the release binaries under it, as Lambda runs them:
//! `sam local invoke` without the container.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, Mutex as AsyncMutex};

/// What the function posted back for one invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Response(Vec<u8>),
    Error(Vec<u8>),
}

struct Invocation {
    id: String,
    event: Vec<u8>,
    done: oneshot::Sender<Outcome>,
}

#[derive(Default)]
struct Shared {
    waiting: Mutex<HashMap<String, oneshot::Sender<Outcome>>>,
    first_poll: Mutex<Option<Instant>>,
    init_error: Mutex<Option<Vec<u8>>>,
}

/// A running emulator. Dropping it stops serving.
pub struct Emulator {
    addr: SocketAddr,
    queue: mpsc::Sender<Invocation>,
    shared: Arc<Shared>,
    next_id: std::sync::atomic::AtomicU64,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Emulator {
    pub async fn start() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (queue, rx) = mpsc::channel::<Invocation>(16);
        let rx = Arc::new(AsyncMutex::new(rx));
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (rx, s) = (rx.clone(), s.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let (rx, s) = (rx.clone(), s.clone());
                        async move { Ok::<_, Infallible>(route(req, rx, s).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            queue,
            shared,
            next_id: Default::default(),
            server,
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// When the function first asked for an invocation: the end of its init.
    pub fn first_poll(&self) -> Option<Instant> {
        *self.shared.first_poll.lock().unwrap()
    }

    pub fn init_error(&self) -> Option<Vec<u8>> {
        self.shared.init_error.lock().unwrap().clone()
    }

    /// Hands `event` to the function and waits for what it posts back.
    pub async fn invoke(&self, event: &[u8], timeout: Duration) -> Result<Outcome, String> {
        let n = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("00000000-0000-4000-8000-{n:012}");
        let (done, outcome) = oneshot::channel();
        self.queue
            .send(Invocation {
                id,
                event: event.to_vec(),
                done,
            })
            .await
            .map_err(|_| "the emulator stopped".to_owned())?;
        match tokio::time::timeout(timeout, outcome).await {
            Ok(Ok(outcome)) => Ok(outcome),
            Ok(Err(_)) => Err("the invocation was dropped".to_owned()),
            Err(_) => Err(format!(
                "no answer within {timeout:?}{}",
                self.init_error()
                    .map(|e| format!("; init error: {}", String::from_utf8_lossy(&e)))
                    .unwrap_or_default()
            )),
        }
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = status;
    r
}

async fn route(
    req: Request<Incoming>,
    rx: Arc<AsyncMutex<mpsc::Receiver<Invocation>>>,
    shared: Arc<Shared>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        (Method::GET, ["2018-06-01", "runtime", "invocation", "next"]) => {
            shared
                .first_poll
                .lock()
                .unwrap()
                .get_or_insert_with(Instant::now);
            let Some(inv) = rx.lock().await.recv().await else {
                return reply(StatusCode::GONE, "");
            };
            shared
                .waiting
                .lock()
                .unwrap()
                .insert(inv.id.clone(), inv.done);
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                // The template's longest function timeout (the mailer's 90 s): the mailer's
                // sweep reads this deadline to know when to stop.
                + 90_000;
            let mut r = reply(StatusCode::OK, inv.event);
            let h = r.headers_mut();
            h.insert("lambda-runtime-aws-request-id", inv.id.parse().unwrap());
            h.insert(
                "lambda-runtime-deadline-ms",
                deadline.to_string().parse().unwrap(),
            );
            h.insert(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:000000000000:function:emulated"
                    .parse()
                    .unwrap(),
            );
            h.insert(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Sampled=0"
                    .parse()
                    .unwrap(),
            );
            h.insert("content-type", "application/json".parse().unwrap());
            r
        }
        (
            Method::POST,
            ["2018-06-01", "runtime", "invocation", id, kind @ ("response" | "error")],
        ) => {
            let body = req
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes().to_vec())
                .unwrap_or_default();
            let outcome = if *kind == "response" {
                Outcome::Response(body)
            } else {
                Outcome::Error(body)
            };
            match shared.waiting.lock().unwrap().remove(*id) {
                Some(done) => {
                    let _ = done.send(outcome);
                    reply(StatusCode::ACCEPTED, "")
                }
                None => reply(StatusCode::BAD_REQUEST, "unknown request id"),
            }
        }
        (Method::POST, ["2018-06-01", "runtime", "init", "error"]) => {
            let body = req
                .into_body()
                .collect()
                .await
                .map(|c| c.to_bytes().to_vec())
                .unwrap_or_default();
            *shared.init_error.lock().unwrap() = Some(body);
            reply(StatusCode::ACCEPTED, "")
        }
        _ => reply(StatusCode::NOT_FOUND, ""),
    }
}
