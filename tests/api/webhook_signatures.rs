//! Webhook signatures as a receiver checks them, with the Standard Webhooks reference library
//! for Python (`standardwebhooks`, nobody here wrote it): what we sign, it accepts; a body or a
//! timestamp changed on the way, it refuses. Needs `--features services` (the library in `.venv`,
//! which `make test` installs from infra/test-services/requirements.txt).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use onboarding::webhooks::{headers, WebhookSecret};

/// One delivery as it reaches the receiver: the headers we signed and the body that arrived.
struct Arrived {
    headers: [(&'static str, String); 3],
    body: Vec<u8>,
}

impl Arrived {
    fn signed(secret: &WebhookSecret, id: &str, timestamp: i64, body: &str) -> Self {
        Self {
            headers: headers(secret, id, timestamp, body.as_bytes()),
            body: body.as_bytes().to_vec(),
        }
    }
}

/// What `standardwebhooks` makes of each delivery, in order.
async fn verify(secret: &WebhookSecret, deliveries: &[Arrived]) -> Vec<Value> {
    let deliveries: Vec<Value> = deliveries
        .iter()
        .map(|d| {
            let headers: serde_json::Map<String, Value> = d
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value)))
                .collect();
            json!({"headers": headers, "body": STANDARD.encode(&d.body)})
        })
        .collect();
    tests::standard_webhooks::verify(&secret.to_whsec(), deliveries).await
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn the_reference_library_accepts_what_we_sign_in_any_language() {
    let secret = WebhookSecret::generate();
    let at = now();
    let id = event_id();
    let deliveries = [
        Arrived::signed(
            &secret,
            &id,
            at,
            r#"{"type":"invite.accepted","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
        ),
        // A retry of the same event: same id, its own timestamp, signed again.
        Arrived::signed(
            &secret,
            &id,
            at + 10,
            r#"{"type":"invite.accepted","timestamp":"2026-01-01T00:00:00Z","data":{}}"#,
        ),
        Arrived::signed(
            &secret,
            &event_id(),
            at,
            r#"{"type":"user.invited","data":{"name":"Zoë Nuñez-Ølstad","org":"Électricité 東京 🔧"}}"#,
        ),
        Arrived::signed(&secret, &event_id(), at, "{}"),
    ];

    let results = verify(&secret, &deliveries).await;

    assert_eq!(results, vec![json!({"ok": true}); deliveries.len()]);
}

#[tokio::test]
async fn the_reference_library_refuses_a_body_or_timestamp_changed_on_the_way() {
    let secret = WebhookSecret::generate();
    let at = now();
    let sent = r#"{"type":"invite.accepted","data":{"name":"Zoë"}}"#;

    let mut tampered_body = Arrived::signed(&secret, &event_id(), at, sent);
    tampered_body.body = r#"{"type":"invite.accepted","data":{"name":"Zoe"}}"#.into();
    let mut tampered_time = Arrived::signed(&secret, &event_id(), at, sent);
    tampered_time.headers[1].1 = (at + 1).to_string();
    let other_secret = Arrived::signed(&WebhookSecret::generate(), &event_id(), at, sent);
    let untouched = Arrived::signed(&secret, &event_id(), at, sent);

    let results = verify(
        &secret,
        &[tampered_body, tampered_time, other_secret, untouched],
    )
    .await;

    let refused =
        json!({"error": "WebhookVerificationError", "message": "No matching signature found"});
    assert_eq!(
        results,
        vec![
            refused.clone(),
            refused.clone(),
            refused,
            json!({"ok": true})
        ]
    );
}
