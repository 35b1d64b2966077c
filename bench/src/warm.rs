//! Warm time per route, in-process: the same `App::handle` the functions run, on the embedded
//! store in memory, with a mail service that accepts and forgets (no I/O). Routes that hash a
//! password run with argon2 at its minimum, so what is left is the handler's own time.

use async_trait::async_trait;
use lambda_http::http::{Method, Request as HttpRequest};
use lambda_http::{Body, Request};
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{fmt_duration, Row};
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::config::Defaults;
use onboarding::domain::EmailAddress;
use onboarding::ports::{EmailMessage, MailError, Mailer, SystemClock};
use onboarding::{App, Config};

/// Accepts every message and keeps the newest link, so the bench can follow it.
#[derive(Default)]
struct Forgetful {
    last_link: std::sync::Mutex<String>,
}

#[async_trait]
impl Mailer for Forgetful {
    async fn send(&self, message: &EmailMessage) -> Result<String, MailError> {
        *self.last_link.lock().unwrap() = message.link.clone();
        Ok("bench-message".to_owned())
    }
}

fn request(method: Method, path: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut b = HttpRequest::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(if body.is_empty() {
        Body::Empty
    } else {
        Body::Text(body.to_owned())
    })
    .unwrap()
}

struct Case {
    name: &'static str,
    hashes: bool,
    make: Box<dyn Fn(usize) -> Request>,
    expect: u16,
}

pub async fn run(iterations: usize) -> Vec<Row> {
    let env: HashMap<String, String> = [
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        (
            "SESSION_SIGNING_KEY",
            "bench-signing-key-0123456789abcdef0123456789",
        ),
        ("SENDER_EMAIL", "noreply@example.com"),
        ("ARGON2_MEMORY_KIB", "8"),
        ("ARGON2_ITERATIONS", "1"),
        ("FORGOT_MIN_RESPONSE_MS", "0"),
        ("PASSWORD_MIN_SCORE", "3"),
        // The same request thousands of times from one address: no limit may answer instead.
        ("LOGIN_FAILURES_PER_EMAIL_AND_IP", "1000000"),
        ("LOGIN_FAILURES_PER_EMAIL", "1000000"),
        ("LOGIN_FAILURES_PER_IP", "1000000"),
        ("FORGOT_PER_EMAIL_AND_IP", "1000000"),
        ("FORGOT_PER_EMAIL", "1000000"),
        ("FORGOT_PER_IP", "1000000"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::from_env(&env, Defaults::lambda()).expect("bench configuration");
    let store = EmbeddedStore::in_memory();
    let mailer = Arc::new(Forgetful::default());
    let breached = onboarding::adapters::breached::from_config(&config);
    let app = Arc::new(
        App::new(
            config,
            Arc::new(store.clone()),
            mailer.clone(),
            Arc::new(onboarding::adapters::sms::TextsOff),
            Arc::new(SystemClock),
            breached,
            onboarding::Serves::ALL,
        )
        .unwrap(),
    );
    let admin = app
        .create_admin(
            EmailAddress::parse("admin@example.com").unwrap(),
            "Northwind",
            SecretString::from("granite lantern orchard 57"),
        )
        .await
        .unwrap();
    let bearer = format!(
        "Bearer {}",
        app.sessions.issue(&admin, app.now()).expose_secret()
    );

    // One invited tech whose setup link stays valid: the page is opened, never redeemed.
    let body = r#"{"email":"page@example.com","temporaryPassword":"violet harbour tram 42"}"#;
    let created = app
        .handle(request(
            Method::POST,
            "/users",
            &[
                ("content-type", "application/json"),
                ("authorization", &bearer),
            ],
            body,
        ))
        .await;
    assert_eq!(created.status(), 201);
    let user_id = match created.body() {
        Body::Text(t) => serde_json::from_str::<serde_json::Value>(t).unwrap()["user"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
        _ => unreachable!("JSON bodies are text"),
    };
    let link = mailer.last_link.lock().unwrap().clone();
    let setup_path = link
        .trim_start_matches("https://onboard.example.com")
        .to_owned();

    let b1 = bearer.clone();
    let b2 = bearer.clone();
    let uid = user_id.clone();
    // The setup page in each language (API.md, "Languages"): the catalogue's words, dates and
    // menu, per locale (`?lang` picks it).
    let per_locale = onboarding::domain::Locale::ALL.map(|locale| {
        let path = format!("{setup_path}&lang={}", locale.tag());
        Case {
            name: Box::leak(
                format!("GET /setup?token (valid link), {}", locale.tag()).into_boxed_str(),
            ),
            hashes: false,
            expect: 200,
            make: Box::new(move |_| request(Method::GET, &path, &[], "")),
        }
    });
    let mut cases = vec![
        Case {
            name: "GET /setup?token (valid link)",
            hashes: false,
            expect: 200,
            make: Box::new(move |_| request(Method::GET, &setup_path, &[], "")),
        },
        Case {
            name: "GET /login",
            hashes: false,
            expect: 200,
            make: Box::new(|_| request(Method::GET, "/login", &[], "")),
        },
        Case {
            name: "GET /users/{id}",
            hashes: false,
            expect: 200,
            make: Box::new(move |_| {
                request(
                    Method::GET,
                    &format!("/users/{uid}"),
                    &[("authorization", &b1)],
                    "",
                )
            }),
        },
        Case {
            name: "POST /password/forgot (unknown email)",
            hashes: false,
            expect: 202,
            make: Box::new(|_| {
                request(
                    Method::POST,
                    "/password/forgot",
                    &[("content-type", "application/json")],
                    r#"{"email":"nobody@example.com"}"#,
                )
            }),
        },
        Case {
            name: "POST /setup (unknown token)",
            hashes: false,
            expect: 410,
            make: Box::new(|_| {
                request(
                    Method::POST,
                    "/setup",
                    &[("content-type", "application/json")],
                    r#"{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","password":"x"}"#,
                )
            }),
        },
        Case {
            name: "POST /setup (unknown email, code)",
            hashes: false,
            expect: 400,
            make: Box::new(|_| {
                request(
                    Method::POST,
                    "/setup",
                    &[("content-type", "application/json")],
                    r#"{"email":"nobody@example.com","code":"482913","password":"copper kettle marching sideways"}"#,
                )
            }),
        },
        Case {
            name: "GET /nope (404)",
            hashes: false,
            expect: 404,
            make: Box::new(|_| request(Method::GET, "/nope", &[], "")),
        },
        Case {
            name: "POST /users (argon2 at minimum)",
            hashes: true,
            expect: 201,
            make: Box::new(move |i| {
                let body = format!(
                    r#"{{"email":"tech{i}@example.com","temporaryPassword":"violet harbour tram 42"}}"#
                );
                request(
                    Method::POST,
                    "/users",
                    &[("content-type", "application/json"), ("authorization", &b2)],
                    &body,
                )
            }),
        },
        Case {
            name: "POST /login (argon2 at minimum)",
            hashes: true,
            expect: 200,
            make: Box::new(|_| {
                request(
                    Method::POST,
                    "/login",
                    &[("content-type", "application/json")],
                    r#"{"email":"page@example.com","password":"violet harbour tram 42"}"#,
                )
            }),
        },
    ];
    cases.splice(1..1, per_locale);

    let mut rows = Vec::new();
    for case in cases {
        let mut samples = Vec::with_capacity(iterations);
        for i in 0..iterations {
            let req = (case.make)(i);
            let started = Instant::now();
            let r = app.handle(req).await;
            samples.push(started.elapsed());
            assert_eq!(r.status().as_u16(), case.expect, "{}", case.name);
        }
        samples.sort();
        let m: Duration = samples[samples.len() / 2];
        let row = Row::new("warm route", case.name, fmt_duration(m));
        rows.push(if case.hashes {
            row
        } else {
            row.target("< 200 µs", m < Duration::from_micros(200))
        });
    }
    rows
}
