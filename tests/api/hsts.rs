//! Strict-Transport-Security: once a browser has reached the service over https it never tries
//! plain http again, on every answer (pages, JSON, errors); never on a plain-http local server.

use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use tests::app::*;

const HSTS: &str = "max-age=63072000; includeSubDomains";

async fn answers_of_every_kind(t: &TestApp) -> Vec<(&'static str, TestResponse)> {
    vec![
        ("a page", t.get("/login").await),
        ("JSON", t.login(ADMIN_EMAIL, ADMIN_PASSWORD).await),
        (
            "a JSON error",
            t.post_json("/login", &json!({"email": 1}), None).await,
        ),
        ("a 404 page", t.get("/no-such-page").await),
        (
            "a JSON 404",
            t.send(request(Method::GET, "/no-such-thing", &[], Vec::new()))
                .await,
        ),
        (
            "a 405",
            t.send(request(Method::DELETE, "/login", &[], Vec::new()))
                .await,
        ),
    ]
}

#[tokio::test]
async fn over_https_every_answer_tells_browsers_to_stay_on_https() {
    let t = spawn_app().await;
    assert!(BASE_URL.starts_with("https://"));
    for (what, r) in answers_of_every_kind(&t).await {
        assert_eq!(
            r.header("strict-transport-security"),
            Some(HSTS),
            "{what} ({})",
            r.status
        );
    }
}

#[tokio::test]
async fn over_plain_http_no_answer_claims_https() {
    let t = spawn_app_with(&[("PUBLIC_BASE_URL", "http://127.0.0.1:3000")]).await;
    for (what, r) in answers_of_every_kind(&t).await {
        assert_ne!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
        assert_eq!(r.header("strict-transport-security"), None, "{what}");
    }
}
