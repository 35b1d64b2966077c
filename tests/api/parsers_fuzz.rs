//! Property tests over the request parsers, bounded so CI spends a few seconds: whatever bytes
//! arrive, the answer is the contract's shape, never a 500, and the store does not change.

use lambda_http::http::{Method, StatusCode};
use onboarding::config::parse_duration;
use onboarding::domain::EmailAddress;
use proptest::prelude::*;
use tests::app::*;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

const ROUTES: &[(&str, &str)] = &[
    ("POST", "/users"),
    ("POST", "/users/batch"),
    ("POST", "/setup"),
    ("POST", "/reset"),
    ("POST", "/login"),
    ("POST", "/password/forgot"),
    ("GET", "/setup"),
    ("GET", "/users/x"),
];

const CONTENT_TYPES: &[&str] = &[
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/csv",
    "text/plain",
    "",
];

/// JSON-ish bodies: objects with the contract's field names holding odd values.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let field = prop::sample::select(vec![
        "email",
        "password",
        "temporaryPassword",
        "token",
        "name",
        "role",
        "passwordConfirmation",
        "users",
    ]);
    let value = prop_oneof![
        any::<String>().prop_map(serde_json::Value::String),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        prop::collection::vec(any::<String>(), 0..3).prop_map(|v| serde_json::json!(v)),
    ];
    prop::collection::btree_map(field, value, 0..6).prop_map(|m| serde_json::to_vec(&m).unwrap())
}

/// CSV-ish bodies: sometimes the batch's header, then lines of quotes, commas and addresses.
fn csv_body() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("email,name,role,temporaryPassword\r\n".to_owned()),
        Just("\u{feff}email\n".to_owned()),
        Just(String::new()),
    ];
    let lines = prop::collection::vec("[a-z@.\" ,\r]{0,30}", 0..5);
    (header, lines).prop_map(|(h, l)| format!("{h}{}", l.join("\n")).into_bytes())
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        json_body(),
        csv_body(),
        "[a-zA-Z0-9%&=+._-]{0,200}".prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_request_body_gets_a_contract_answer_and_changes_nothing(
        route in prop::sample::select(ROUTES),
        content_type in prop::sample::select(CONTENT_TYPES),
        body in body(),
        query in "[a-zA-Z0-9%&=+._-]{0,80}",
        with_admin in any::<bool>(),
    ) {
        runtime().block_on(async {
            let t = spawn_app().await;
            let before = t.store.snapshot().unwrap();
            let method: Method = route.0.parse().unwrap();
            let auth = format!("Bearer {}", t.admin_token);
            let mut headers = vec![];
            if !content_type.is_empty() { headers.push(("content-type", content_type)); }
            if with_admin { headers.push(("authorization", auth.as_str())); }
            let path = format!("{}?{query}", route.1);
            let r = t.send(request(method, &path, &headers, body.clone())).await;
            prop_assert!(!r.status.is_server_error(), "{} {path}: {} {}", route.0, r.status, r.body);
            if r.header("content-type") == Some("application/json") && r.status.as_u16() >= 400 {
                let json = r.json();
                prop_assert!(json["error"]["code"].as_str().is_some_and(|c| !c.is_empty()));
                prop_assert!(json["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
            }
            prop_assert_eq!(r.header("cache-control"), Some("no-store"));
            // A random body can, rarely, be a valid user creation (or a batch that creates
            // one); anything else changes nothing.
            let batch_created = r.status == StatusCode::OK
                && r.header("content-type") == Some("application/json")
                && r.json()["created"].as_u64().is_some_and(|n| n > 0);
            if r.status != StatusCode::CREATED && !batch_created {
                prop_assert_eq!(t.store.snapshot().unwrap(), before);
            }
            Ok(())
        })?;
    }

    #[test]
    fn email_parsing_never_panics_and_is_idempotent(raw in any::<String>()) {
        if let Ok(email) = EmailAddress::parse(&raw) {
            prop_assert!(email.as_str().is_ascii());
            prop_assert_eq!(email.as_str(), email.as_str().to_ascii_lowercase());
            prop_assert_eq!(EmailAddress::parse(email.as_str()).unwrap(), email);
        }
    }

    #[test]
    fn email_parsing_ignores_case_and_surrounding_space(local in "[a-z0-9]{1,8}([._+-][a-z0-9]{1,8}){0,2}", domain in "[a-z0-9]{1,10}(-[a-z0-9]{1,8})?\\.[a-z]{2,6}") {
        // Every address generated is valid, so each case checks something.
        let plain = format!("{local}@{domain}");
        let email = EmailAddress::parse(&plain);
        prop_assert!(email.is_ok(), "{} refused", plain);
        let shouted = format!("  {}\t", plain.to_ascii_uppercase());
        prop_assert_eq!(EmailAddress::parse(&shouted), email);
    }

    #[test]
    fn durations_parse_or_refuse_without_panicking(raw in any::<String>(), n in 1i64..100_000, unit in prop::sample::select(vec!["", "s", "m", "h", "d"])) {
        let _ = parse_duration(&raw);
        let secs = match unit { "" | "s" => n, "m" => n * 60, "h" => n * 3600, _ => n * 86_400 };
        let parsed = parse_duration(&format!("{n}{unit}"));
        if secs <= 10 * 365 * 86_400 {
            prop_assert_eq!(parsed.map(|d| d.num_seconds()), Some(secs));
        } else {
            prop_assert_eq!(parsed, None);
        }
    }
}
