//! Passkeys (API.md, "Passkeys"): what verifying a browser's answer costs on one core (a
//! registration's attestation, a sign-in's assertion, by `crate::webauthn` as the routes call it),
//! and the store round trips and capacity of the two ceremonies against DynamoDB Local, through
//! the same `App::handle` the functions run. The answers are signed by the software authenticator
//! the tests use (ES256, as most platform authenticators).

use lambda_http::http::{Method, Request as HttpRequest};
use lambda_http::{Body, Request};
use serde_json::{json, Value};
use std::time::Instant;

use super::{fmt_duration, median, Row};
use onboarding::adapters::dynamodb::CapacityMeter;
use onboarding::aws::RoundTrips;
use onboarding::webauthn::soft::SoftAuthenticator;
use onboarding::webauthn::{self, RelyingParty, StoredPasskey};
use onboarding::App;

const BASE_URL: &str = "https://onboard.example.com";

/// Verifying one registration and one assertion: `iterations` each, medians.
pub fn run(iterations: usize) -> Vec<Row> {
    let rp = RelyingParty::from_base_url(BASE_URL).expect("a relying party");
    let handle = [7u8; 32];
    let mut soft = SoftAuthenticator::new();
    let register = median(iterations, || {
        let started = webauthn::start_registration(&rp, &handle, "ana@example.com", "Ana", &[]);
        let answer = serde_json::to_vec(&soft.create(&started.options, BASE_URL)).unwrap();
        let t = Instant::now();
        let new = webauthn::finish_registration(&rp, &started.state, &answer);
        let elapsed = t.elapsed();
        assert!(new.is_ok(), "the bench's registration verifies");
        elapsed
    });
    // One passkey, signed in with over and over, its counter kept as the store keeps it.
    let started = webauthn::start_registration(&rp, &handle, "ana@example.com", "Ana", &[]);
    let answer = serde_json::to_vec(&soft.create(&started.options, BASE_URL)).unwrap();
    let passkey = webauthn::finish_registration(&rp, &started.state, &answer).unwrap();
    let mut count = passkey.sign_count;
    let assert = median(iterations, || {
        let started = webauthn::start_authentication(&rp);
        let answer = serde_json::to_vec(&soft.get(&started.options, BASE_URL)).unwrap();
        let stored = StoredPasskey {
            id: &passkey.id,
            user_handle: &handle,
            public_key: &passkey.public_key,
            sign_count: count,
            backup_eligible: passkey.backup_eligible,
        };
        let t = Instant::now();
        let verified = webauthn::finish_authentication(&rp, &started.state, &answer, &stored);
        let elapsed = t.elapsed();
        count = verified.expect("the bench's assertion verifies").sign_count;
        elapsed
    });
    let options = median(iterations, || {
        let t = Instant::now();
        std::hint::black_box(webauthn::start_authentication(&rp));
        t.elapsed()
    });
    vec![
        Row::new(
            "passkeys",
            format!("verify a registration, attestation \"none\", ES256 ({iterations} runs)"),
            fmt_duration(register),
        ),
        Row::new(
            "passkeys",
            format!("verify a sign-in's assertion, ES256 ({iterations} runs)"),
            fmt_duration(assert),
        ),
        Row::new(
            "passkeys",
            format!("start a ceremony: challenge and options ({iterations} runs)"),
            fmt_duration(options),
        ),
    ]
}

fn request(method: Method, path: &str, body: Option<&Value>) -> Request {
    let b = HttpRequest::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    b.body(match body {
        Some(v) => Body::Text(v.to_string()),
        None => Body::Empty,
    })
    .expect("a request")
}

async fn call(app: &App, path: &str, body: Option<&Value>) -> anyhow::Result<Value> {
    let r = app.handle(request(Method::POST, path, body)).await;
    let status = r.status();
    let text = String::from_utf8_lossy(r.body()).into_owned();
    anyhow::ensure!(status.is_success(), "{path}: {status} {text}");
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The store's work for each half of the two ceremonies, as `flows` reports a flow: setting up
/// with a passkey from a setup link (`setup_token`), then signing in with it.
pub async fn flows(
    app: &App,
    setup_token: &str,
    calls: &RoundTrips,
    meter: &CapacityMeter,
) -> anyhow::Result<Vec<Row>> {
    let mut soft = SoftAuthenticator::new();
    let named = json!({ "token": setup_token });
    let mut rows = Vec::new();
    let mut measure = |name: &str, target: &str, met: fn(&[String]) -> bool| {
        let taken = calls.take();
        let units = meter.take();
        let value = format!(
            "{} DynamoDB ({}); {units:.1} capacity units",
            taken.len(),
            taken.join(", ")
        );
        rows.push(Row::new("store per flow", name, value).target(target, met(&taken)));
    };
    calls.take();
    meter.take();
    let options = call(app, "/setup/passkey/options", Some(&named)).await?;
    measure(
        "passkey setup: options (POST /setup/passkey/options)",
        "the link's read and the user's + 1 PutItem (the ceremony)",
        |c| c.iter().filter(|o| *o == "PutItem").count() == 1 && c.len() <= 3,
    );
    let mut body = named.clone();
    body["credential"] = soft.create(&json!({ "publicKey": options["publicKey"] }), BASE_URL);
    call(app, "/setup/passkey", Some(&body)).await?;
    measure(
        "passkey setup: register (POST /setup/passkey)",
        "1 DeleteItem (the ceremony) + the link's 1 read + 1 transaction",
        |c| {
            let n = |op: &str| c.iter().filter(|o| *o == op).count();
            n("DeleteItem") == 1 && n("TransactWriteItems") == 1 && c.len() <= 3
        },
    );
    let options = call(app, "/login/passkey/options", None).await?;
    measure(
        "passkey sign-in: options (POST /login/passkey/options)",
        "1 slot update + 1 PutItem (the ceremony)",
        |c| c.len() == 2,
    );
    let assertion = soft.get(&json!({ "publicKey": options["publicKey"] }), BASE_URL);
    call(
        app,
        "/login/passkey",
        Some(&json!({ "credential": assertion })),
    )
    .await?;
    measure(
        "passkey sign-in: assert (POST /login/passkey)",
        "1 DeleteItem + 2 reads (the passkey's pointer, its user) + slots + 1 UpdateItem (the counter)",
        |c| {
            let n = |op: &str| c.iter().filter(|o| *o == op).count();
            n("DeleteItem") == 1 && n("GetItem") == 2
        },
    );
    Ok(rows)
}
