//! The client's stories. Names resolve through a table and public addresses reach only the
//! recorder, which refuses or connects to a server on 127.0.0.1: no test sends a packet to any
//! address but 127.0.0.1.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::http::{HeaderMap, Request, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::{DeliveryError, RecordingDial, StubResolver, WebhookClient, USER_AGENT};
use crate::webhooks::address::UrlPolicy;
use crate::webhooks::sign::{headers, WebhookSecret};

const STRICT: UrlPolicy = UrlPolicy {
    allow_loopback_http: false,
};
const LOCAL: UrlPolicy = UrlPolicy {
    allow_loopback_http: true,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A client whose names resolve through `names` and whose dials go to `dial`.
fn client(policy: UrlPolicy, names: StubResolver, dial: &Arc<RecordingDial>) -> WebhookClient {
    WebhookClient::new(policy)
        .with_resolver(Arc::new(names))
        .with_dial(dial.clone())
}

async fn post(client: &WebhookClient, url: &str) -> Result<u16, DeliveryError> {
    client.post(url, &[], b"{}".to_vec()).await
}

#[tokio::test]
async fn a_name_resolving_to_a_private_address_is_blocked_before_any_dial() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new().name("hooks.example.com", &[ip("10.0.0.1")]);
    let outcome = post(
        &client(STRICT, names, &dial),
        "https://hooks.example.com/in",
    )
    .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Blocked { .. })),
        "{outcome:?}"
    );
    assert_eq!(outcome.unwrap_err().kind(), "blocked_destination");
    assert_eq!(dial.seen(), vec![]);
}

#[tokio::test]
async fn a_name_resolving_to_an_ipv4_mapped_private_address_is_blocked() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new().name("hooks.example.com", &[ip("::ffff:10.0.0.1")]);
    let outcome = post(
        &client(STRICT, names, &dial),
        "https://hooks.example.com/in",
    )
    .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Blocked { .. })),
        "{outcome:?}"
    );
    assert_eq!(dial.seen(), vec![]);
}

#[tokio::test]
async fn a_public_address_is_exactly_the_address_dialled() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new().name("hooks.example.com", &[ip("93.184.216.34")]);
    let outcome = post(
        &client(STRICT, names, &dial),
        "https://hooks.example.com/in",
    )
    .await;
    // The recorder refused, so nothing left the machine: a refused connection.
    assert!(
        matches!(outcome, Err(DeliveryError::Connect(_))),
        "{outcome:?}"
    );
    assert_eq!(
        dial.seen(),
        vec!["93.184.216.34:443".parse::<SocketAddr>().unwrap()]
    );
}

#[tokio::test]
async fn one_private_address_among_public_ones_blocks_the_whole_name() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new()
        .name(
            "mixed.example.com",
            &[ip("93.184.216.34"), ip("192.168.1.20")],
        )
        .name(
            "mixed6.example.com",
            &[ip("2606:2800:220:1::1"), ip("fd00::1")],
        );
    let client = client(STRICT, names, &dial);
    for url in [
        "https://mixed.example.com/",
        "https://mixed6.example.com:8443/",
    ] {
        let outcome = post(&client, url).await;
        assert!(
            matches!(outcome, Err(DeliveryError::Blocked { .. })),
            "{url}: {outcome:?}"
        );
    }
    assert_eq!(dial.seen(), vec![]);
}

#[tokio::test]
async fn every_public_address_of_a_name_may_be_tried_each_as_resolved() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new().name(
        "hooks.example.com",
        &[ip("2606:2800:220:1::1"), ip("93.184.216.34")],
    );
    let outcome = post(
        &client(STRICT, names, &dial),
        "https://hooks.example.com:8443/",
    )
    .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Connect(_))),
        "{outcome:?}"
    );
    let expected: Vec<SocketAddr> = vec![
        "[2606:2800:220:1::1]:8443".parse().unwrap(),
        "93.184.216.34:8443".parse().unwrap(),
    ];
    assert_eq!(dial.seen(), expected);
}

#[tokio::test]
async fn loopback_is_dialled_only_for_the_loopback_hosts_of_a_local_server() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new()
        .name("localhost", &[ip("127.0.0.1")])
        .name("rebound.example.com", &[ip("127.0.0.1")]);
    let local = client(LOCAL, names, &dial);

    let outcome = post(&local, "https://rebound.example.com/in").await;
    assert!(
        matches!(outcome, Err(DeliveryError::Blocked { .. })),
        "{outcome:?}"
    );
    assert_eq!(dial.seen(), vec![]);

    let outcome = post(&local, "http://localhost:9/in").await;
    assert!(
        matches!(outcome, Err(DeliveryError::Connect(_))),
        "{outcome:?}"
    );
    assert_eq!(
        dial.seen(),
        vec!["127.0.0.1:9".parse::<SocketAddr>().unwrap()]
    );

    let strict = client(STRICT, StubResolver::new(), &dial);
    let outcome = post(&strict, "http://127.0.0.1:9/in").await;
    assert!(matches!(outcome, Err(DeliveryError::Url(_))), "{outcome:?}");
    assert_eq!(dial.seen().len(), 1);
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_a_resolution_error() {
    let dial = Arc::new(RecordingDial::refusing());
    let outcome = post(
        &client(STRICT, StubResolver::new(), &dial),
        "https://nx.example.com/",
    )
    .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Resolve(_))),
        "{outcome:?}"
    );
    assert_eq!(dial.seen(), vec![]);
}

/// What the local test server received.
#[derive(Debug)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A hyper server on 127.0.0.1 answering every request with `answer(path)`; what it receives
/// comes out of the channel. It lives as long as the test's runtime.
async fn serve(
    answer: fn(&str) -> Response<Full<Bytes>>,
) -> (SocketAddr, mpsc::UnboundedReceiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (sender, received) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sender = sender.clone();
            let service = service_fn(move |request: Request<Incoming>| {
                let sender = sender.clone();
                async move {
                    let path = request.uri().path().to_owned();
                    let headers = request.headers().clone();
                    let body = request
                        .into_body()
                        .collect()
                        .await
                        .unwrap()
                        .to_bytes()
                        .to_vec();
                    let response = answer(&path);
                    let _ = sender.send(Received {
                        path,
                        headers,
                        body,
                    });
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service),
            );
        }
    });
    (addr, received)
}

fn no_content(_: &str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(204)
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn a_local_server_receives_the_three_headers_and_the_body() {
    let (addr, mut received) = serve(no_content).await;
    let secret = WebhookSecret::generate();
    let body = r#"{"type":"invite.accepted","data":{"name":"Zoë Nuñez"}}"#
        .as_bytes()
        .to_vec();
    let signed = headers(&secret, "evt_01", 1_767_225_600, &body);
    let url = format!("http://127.0.0.1:{}/hooks/onboarding", addr.port());

    let status = WebhookClient::new(LOCAL)
        .post(&url, &signed, body.clone())
        .await;

    assert_eq!(status.unwrap(), 204);
    let got = received.recv().await.unwrap();
    assert_eq!(got.path, "/hooks/onboarding");
    assert_eq!(got.body, body);
    for (name, value) in &signed {
        assert_eq!(got.headers[*name], value.as_str(), "{name}");
    }
    assert_eq!(got.headers["content-type"], "application/json");
    assert_eq!(got.headers["user-agent"], USER_AGENT);
    assert!(USER_AGENT.starts_with("onboarding-service/"));
}

#[tokio::test]
async fn a_redirect_is_returned_as_its_status_and_its_location_is_not_fetched() {
    fn redirect(path: &str) -> Response<Full<Bytes>> {
        match path {
            "/hook" => Response::builder()
                .status(302)
                .header("location", "/elsewhere")
                .body(Full::default())
                .unwrap(),
            _ => no_content(path),
        }
    }
    let (addr, mut received) = serve(redirect).await;
    let url = format!("http://127.0.0.1:{}/hook", addr.port());

    let status = post(&WebhookClient::new(LOCAL), &url).await;

    assert_eq!(status.unwrap(), 302);
    assert_eq!(received.recv().await.unwrap().path, "/hook");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(received.try_recv().is_err(), "the Location was fetched");
}

#[tokio::test]
async fn a_server_that_never_answers_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Accepts, reads nothing, answers nothing; holds every connection open.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let client = WebhookClient::new(LOCAL).with_timeout(Duration::from_millis(300));
    let started = Instant::now();

    let outcome = post(&client, &format!("http://127.0.0.1:{}/", addr.port())).await;

    assert!(
        matches!(outcome, Err(DeliveryError::Timeout)),
        "{outcome:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn only_the_first_kilobytes_of_an_answer_are_read() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Reads the request, promises a gigabyte, sends 16 KB, then stalls: reading it all would take
    // the whole budget.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            while !request.ends_with(b"\r\n\r\n{}") {
                let mut chunk = [0u8; 1024];
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000000000\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&[b'x'; 16 * 1024]).await;
            held.push(stream);
        }
    });
    let client = WebhookClient::new(LOCAL).with_timeout(Duration::from_secs(10));
    let started = Instant::now();

    let status = post(&client, &format!("http://127.0.0.1:{}/", addr.port())).await;

    assert_eq!(status.unwrap(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let outcome = post(
        &WebhookClient::new(LOCAL),
        &format!("http://127.0.0.1:{port}/"),
    )
    .await;
    assert!(
        matches!(outcome, Err(DeliveryError::Connect(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_failed_tls_handshake_is_a_tls_error() {
    // The name is public; the recorder connects to a local server that speaks plain HTTP.
    let (addr, _received) = serve(no_content).await;
    let dial = Arc::new(RecordingDial::to_local_server(addr));
    let names = StubResolver::new().name("hooks.example.com", &[ip("93.184.216.34")]);

    let outcome = post(
        &client(STRICT, names, &dial),
        "https://hooks.example.com/in",
    )
    .await;

    assert!(matches!(outcome, Err(DeliveryError::Tls(_))), "{outcome:?}");
    assert_eq!(
        dial.seen(),
        vec!["93.184.216.34:443".parse::<SocketAddr>().unwrap()]
    );
}

#[tokio::test]
async fn a_refused_url_is_reported_before_anything_is_resolved() {
    let dial = Arc::new(RecordingDial::refusing());
    let names = StubResolver::new().name("hooks.example.com", &[ip("93.184.216.34")]);
    let client = client(STRICT, names, &dial);
    for url in [
        "http://hooks.example.com/",
        "https://user:pw@hooks.example.com/",
        "https://169.254.169.254/",
    ] {
        let outcome = post(&client, url).await;
        assert!(
            matches!(outcome, Err(DeliveryError::Url(_))),
            "{url}: {outcome:?}"
        );
    }
    assert_eq!(dial.seen(), vec![]);
}
