//! Breached passwords: with `BREACHED_PASSWORD_API_URL` set, a password found in a breach corpus
//! is refused wherever one is chosen, only a 5-character hash prefix leaves the service, and an
//! API that is down or slow lets passwords through (fail-open) within the timeout. The range API
//! is a real HTTP/1.1 server on 127.0.0.1, started by each test.

use lambda_http::http::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tests::app::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// SHA-1 of `NEW_PASSWORD` ("copper kettle marching sideways"), split as the range API splits it.
const NEW_PASSWORD_PREFIX: &str = "A27B9";
const NEW_PASSWORD_SUFFIX: &str = "DAA5D997F202A08235B31374E2FC7824B25";
/// SHA-1 of `TEMP_PASSWORD` ("violet harbour tram 42").
const TEMP_PASSWORD_SUFFIX: &str = "57846358EAACC6593471EEF53DD0FDE9566";
const ANOTHER_PASSWORD: &str = "quiet meadow engine 88";

/// What the range server saw: each request's head (request line and headers), lowercased.
type Seen = Arc<Mutex<Vec<String>>>;

/// A range API that lists `breached` suffixes with a count and pads with `XXXX:0` lines, as HIBP
/// does with `Add-Padding: true`.
async fn range_server(breached: &[&str]) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let mut body: String = breached.iter().map(|s| format!("{s}:42\r\n")).collect();
    for i in 0..20 {
        body.push_str(&format!("{:035X}:0\r\n", 0xABCDEF_u64 * (i + 1)));
    }
    let seen = Seen::default();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).to_lowercase());
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(answer.as_bytes()).await;
        }
    });
    (url, seen)
}

fn prefixes(seen: &Seen) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .map(|head| {
            assert!(
                head.contains("\r\nadd-padding: true\r\n"),
                "no padding header: {head}"
            );
            let path = head.split_whitespace().nth(1).unwrap();
            path.strip_prefix("/range/").unwrap().to_uppercase()
        })
        .collect()
}

#[tokio::test]
async fn a_password_found_in_a_breach_is_refused_at_setup_and_only_a_hash_prefix_leaves_the_service(
) {
    let (url, seen) = range_server(&[NEW_PASSWORD_SUFFIX]).await;
    let t = spawn_app_with(&[("BREACHED_PASSWORD_API_URL", &url)]).await;
    assert_eq!(
        t.create_tech("ana@example.com").await.status,
        StatusCode::CREATED
    );
    let link = t.link_for("ana@example.com");

    let r = t.redeem(&link, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "invalid_request");
    assert_eq!(r.json()["error"]["field"], "password");
    assert!(r.body.contains("appeared in a data breach"), "{}", r.body);
    // Nothing changed: the link still opens, the password does not sign in.
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::OK);
    assert_eq!(
        t.login("ana@example.com", NEW_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    assert_eq!(
        t.redeem(&link, ANOTHER_PASSWORD).await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.login("ana@example.com", ANOTHER_PASSWORD).await.status,
        StatusCode::OK
    );

    let sent = prefixes(&seen);
    assert!(sent.contains(&NEW_PASSWORD_PREFIX.to_owned()), "{sent:?}");
    for p in &sent {
        assert!(
            p.len() == 5 && p.chars().all(|c| c.is_ascii_hexdigit()),
            "more than a 5-hex prefix left the service: {p}"
        );
    }
}

#[tokio::test]
async fn a_breached_temporary_password_is_refused_when_inviting_and_no_user_is_created() {
    let (url, _seen) = range_server(&[TEMP_PASSWORD_SUFFIX]).await;
    let t = spawn_app_with(&[("BREACHED_PASSWORD_API_URL", &url)]).await;
    let r = t.create_tech("ana@example.com").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "invalid_request");
    assert_eq!(r.json()["error"]["field"], "temporaryPassword");
    assert!(r.body.contains("appeared in a data breach"), "{}", r.body);
    assert!(t.emails().iter().all(|m| m.to != "ana@example.com"));
    // No user was stored: the same email can be invited with an unbreached password.
    let ok = t
        .post_json(
            "/users",
            &json!({"email": "ana@example.com", "temporaryPassword": ANOTHER_PASSWORD}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
}

async fn setup_with_breach_api(url: &str) -> (TestApp, String) {
    let t = spawn_app_with(&[
        ("BREACHED_PASSWORD_API_URL", url),
        ("BREACHED_PASSWORD_TIMEOUT_MS", "300"),
    ])
    .await;
    assert_eq!(
        t.create_tech("ana@example.com").await.status,
        StatusCode::CREATED
    );
    let link = t.link_for("ana@example.com");
    (t, link)
}

#[tokio::test]
async fn a_breach_api_that_never_answers_lets_the_password_through_after_the_timeout() {
    // Accepts connections and keeps them open without a byte of answer.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let (t, link) = setup_with_breach_api(&url).await;
    let started = Instant::now();
    let r = t.redeem(&link, NEW_PASSWORD).await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(took >= Duration::from_millis(300), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[tokio::test]
async fn a_breach_api_that_is_down_lets_the_password_through() {
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let (t, link) = setup_with_breach_api(&url).await;
    let started = Instant::now();
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(3));
}
