//! `spawn_app()`: the whole service on fresh, isolated state (an in-memory store, an outbox in a
//! temporary folder, a clock that only moves when told), driven through the same router the
//! functions and the local server use.

use chrono::{DateTime, Duration};
use lambda_http::http::{Method, Request as HttpRequest, StatusCode};
use lambda_http::{Body, Request};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use infra::local::Local;
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::adapters::local_mailbox::{read_outbox, LocalMailbox, OutboxMessage};
use onboarding::config::Defaults;
use onboarding::domain::{EmailAddress, User};
use onboarding::ports::{Clock, FixedClock};
use onboarding::{App, Config, Serves};
use secrecy::{ExposeSecret, SecretString};

pub const BASE_URL: &str = "https://onboard.example.com";
pub const ADMIN_EMAIL: &str = "admin@northwind.example";
pub const ADMIN_PASSWORD: &str = "granite lantern orchard 57";
pub const TEMP_PASSWORD: &str = "violet harbour tram 42";
pub const NEW_PASSWORD: &str = "copper kettle marching sideways";
/// The test app's `SESSION_SIGNING_KEY`: the secret its Ed25519 session key is derived from.
pub const SIGNING_KEY: &str = "test-signing-key-0123456789abcdef0123456789";
pub const ALL: Serves = Serves::ALL;

/// A configuration for tests: fast argon2, the product's lifetimes unless overridden.
pub fn test_config(overrides: &[(&str, &str)]) -> Config {
    let mut env: HashMap<String, String> = [
        ("PUBLIC_BASE_URL", BASE_URL),
        ("SESSION_SIGNING_KEY", SIGNING_KEY),
        ("SENDER_EMAIL", "noreply@northwind.example"),
        ("ARGON2_MEMORY_KIB", "1024"),
        ("ARGON2_ITERATIONS", "1"),
        ("FORGOT_MIN_RESPONSE_MS", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        env.insert(k.to_string(), v.to_string());
    }
    Config::from_env(&env, Defaults::lambda()).expect("test configuration is valid")
}

pub struct TestApp {
    pub local: Local,
    pub store: EmbeddedStore,
    pub clock: Arc<FixedClock>,
    pub outbox: PathBuf,
    pub admin: User,
    pub admin_token: String,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: lambda_http::http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The `__Host-session` cookie's value, if set (the test app serves https).
    pub fn session_cookie(&self) -> Option<String> {
        let cookie = self.header("set-cookie")?;
        let value = cookie.strip_prefix("__Host-session=")?;
        Some(value.split(';').next()?.to_owned())
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    let clock = Arc::new(FixedClock::new(
        DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let (app, store, outbox, admin, admin_token) =
        app_with_admin(test_config(overrides), clock.clone()).await;
    TestApp {
        local: Local::new(app, Some(outbox.clone())),
        store,
        clock,
        outbox,
        admin,
        admin_token,
    }
}

/// The local server's app on `clock`: an in-memory embedded store, an outbox of its own, and an
/// admin (of Northwind Plumbing) with a session.
pub async fn app_with_admin(
    config: Config,
    clock: Arc<dyn Clock>,
) -> (App, EmbeddedStore, PathBuf, User, String) {
    let store = EmbeddedStore::in_memory();
    let outbox =
        std::env::temp_dir().join(format!("onboarding-test-outbox-{}", uuid::Uuid::new_v4()));
    let mailer = LocalMailbox::new(&outbox, config.from_header(), false);
    let breached = onboarding::adapters::breached::from_config(&config);
    let app = App::new(
        config,
        Arc::new(store.clone()),
        Arc::new(mailer.clone()),
        Arc::new(mailer),
        clock,
        breached,
        ALL,
    )
    .unwrap();
    let admin = app
        .create_admin(
            EmailAddress::parse(ADMIN_EMAIL).unwrap(),
            "Northwind Plumbing",
            SecretString::from(ADMIN_PASSWORD),
        )
        .await
        .unwrap();
    let admin_token = app
        .sessions
        .issue(&admin, app.now())
        .expose_secret()
        .to_owned();
    (app, store, outbox, admin, admin_token)
}

/// Builds a request as a client would send it.
pub fn request(
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Vec<u8>>,
) -> Request {
    let mut b = HttpRequest::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    let body = body.into();
    let body = if body.is_empty() {
        Body::Empty
    } else {
        Body::Binary(body)
    };
    b.body(body).unwrap()
}

impl Drop for TestApp {
    /// Each test's outbox goes with it.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

impl TestApp {
    pub fn app(&self) -> &App {
        &self.local.app
    }

    /// A new admin session at the clock's current time (sessions last 12 hours; links 7 days).
    pub fn fresh_admin_token(&self) -> String {
        self.app()
            .sessions
            .issue(&self.admin, self.app().now())
            .expose_secret()
            .to_owned()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Runs the schedule (the outbox's sweep) once, as the mailer does every minute on AWS.
    pub async fn run_schedule(&self) -> onboarding::services::ScheduleReport {
        let until = self.app().now() + Duration::minutes(10);
        self.app()
            .run_schedule(until)
            .await
            .expect("the schedule runs")
    }

    pub async fn send(&self, req: Request) -> TestResponse {
        let response = onboarding::http::call(self.local.router(), req).await;
        let (parts, body) = response.into_parts();
        let body = match body {
            Body::Empty => String::new(),
            Body::Text(t) => t,
            Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(request(
            Method::GET,
            path,
            &[("accept", "text/html")],
            Vec::new(),
        ))
        .await
    }

    pub async fn post_json(&self, path: &str, body: &Value, bearer: Option<&str>) -> TestResponse {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(a) = &auth {
            headers.push(("authorization", a.as_str()));
        }
        self.send(request(Method::POST, path, &headers, body.to_string()))
            .await
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded_encode(fields);
        self.send(request(
            Method::POST,
            path,
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "text/html"),
            ],
            body,
        ))
        .await
    }

    pub async fn get_with_bearer(&self, path: &str, token: &str) -> TestResponse {
        let auth = format!("Bearer {token}");
        self.send(request(
            Method::GET,
            path,
            &[("authorization", auth.as_str())],
            Vec::new(),
        ))
        .await
    }

    /// `POST /users` as the admin.
    pub async fn create_tech(&self, email: &str) -> TestResponse {
        self.post_json(
            "/users",
            &serde_json::json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "name": "Ana Tech"}),
            Some(&self.admin_token),
        )
        .await
    }

    pub fn emails(&self) -> Vec<OutboxMessage> {
        read_outbox(&self.outbox).unwrap()
    }

    /// The text messages in the outbox, newest first.
    pub fn texts(&self) -> Vec<onboarding::adapters::local_texts::OutboxText> {
        onboarding::adapters::local_texts::read_texts(&self.outbox).unwrap()
    }

    /// The newest text message to `to` (E.164).
    pub fn last_text_to(&self, to: &str) -> onboarding::adapters::local_texts::OutboxText {
        self.texts()
            .into_iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no text to {to}"))
    }

    /// The newest email to `to`.
    pub fn last_email_to(&self, to: &str) -> OutboxMessage {
        self.emails()
            .into_iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no email to {to}"))
    }

    /// The link in the newest email to `to`, found the way a person would: the one URL in the text.
    pub fn link_for(&self, to: &str) -> String {
        link_in(&self.last_email_to(to).text)
    }

    pub async fn login(&self, email: &str, password: &str) -> TestResponse {
        self.post_json(
            "/login",
            &serde_json::json!({"email": email, "password": password}),
            None,
        )
        .await
    }

    /// Sets a password through the JSON API with the link's token.
    pub async fn redeem(&self, link: &str, password: &str) -> TestResponse {
        let (path, token) = split_link(link);
        self.post_json(
            &path,
            &serde_json::json!({"token": token, "password": password}),
            None,
        )
        .await
    }
}

/// The code an email carries: the six digits after "enter ", spaced as the email shows them.
pub fn code_in(text: &str) -> String {
    let at = text.find(" and enter ").expect("the email names the code") + " and enter ".len();
    let code: String = text[at..].chars().take(7).collect();
    assert!(
        code.len() == 7 && code.as_bytes()[3] == b' ',
        "a spaced code: {code:?}"
    );
    code
}

pub fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with(BASE_URL))
        .unwrap_or_else(|| panic!("no link in: {text}"))
        .to_owned()
}

/// `https://…/setup?token=T` → (`/setup`, `T`).
pub fn split_link(link: &str) -> (String, String) {
    let rest = link
        .strip_prefix(BASE_URL)
        .expect("link on the configured base URL");
    let (path, query) = rest.split_once("?token=").expect("link has a token");
    (path.to_owned(), query.to_owned())
}

/// Path and query of a link, for `get`.
pub fn path_of(link: &str) -> String {
    link.strip_prefix(BASE_URL)
        .expect("link on the configured base URL")
        .to_owned()
}

fn serde_urlencoded_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
