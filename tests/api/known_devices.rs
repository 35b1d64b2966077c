//! Known devices (API.md, `POST /login`, "Known devices"): a sign-in that carries the device token
//! an earlier sign-in of that user returned is limited per device only, so an owner whose email
//! is being sprayed from many addresses, and a depot's crew behind one address, keep signing in.

use lambda_http::http::{Method, StatusCode};
use onboarding::http::ClientIp;
use serde_json::{json, Value};
use std::sync::Arc;
use tests::app::*;

/// A JSON `POST` as if sent from `ip` (what API Gateway or the socket would say).
async fn post_from(t: &TestApp, ip: &str, path: &str, body: Value) -> TestResponse {
    let mut req = request(
        Method::POST,
        path,
        &[("content-type", "application/json")],
        body.to_string(),
    );
    req.extensions_mut().insert(ClientIp(ip.to_owned()));
    t.send(req).await
}

async fn login(
    t: &TestApp,
    ip: &str,
    email: &str,
    password: &str,
    device: Option<&str>,
) -> TestResponse {
    let mut body = json!({"email": email, "password": password});
    if let Some(d) = device {
        body["deviceToken"] = json!(d);
    }
    post_from(t, ip, "/login", body).await
}

/// Ten addresses, five wrong guesses each: the email's own limits are spent.
async fn spray(t: &TestApp, email: &str) {
    for i in 0..10 {
        for _ in 0..5 {
            login(t, &format!("198.51.100.{i}"), email, "wrong guess", None).await;
        }
    }
}

/// Signs in from `ip` and keeps the device token the answer carries.
async fn known_device(t: &TestApp, ip: &str, email: &str) -> String {
    let r = login(t, ip, email, TEMP_PASSWORD, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["deviceToken"]
        .as_str()
        .expect("every sign-in returns a device token")
        .to_owned()
}

fn reset_emails_to(t: &TestApp, to: &str) -> usize {
    t.emails()
        .iter()
        .filter(|m| m.to == to && m.subject == "Choose a new password")
        .count()
}

#[tokio::test]
async fn an_owner_with_a_known_device_signs_in_while_ten_addresses_spray_their_email() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let device = known_device(&t, "192.0.2.1", "ana@example.com").await;
    // 50 wrong guesses from 10 addresses, 5 each: the per-email limit is full.
    for i in 0..10 {
        for _ in 0..5 {
            let r = login(
                &t,
                &format!("198.51.100.{i}"),
                "ana@example.com",
                "wrong guess",
                None,
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        }
    }
    // Without the device token, the owner at a new address is refused for the window...
    let r = login(&t, "192.0.2.77", "ana@example.com", TEMP_PASSWORD, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    // ...with it, nobody else's failures count.
    let r = login(
        &t,
        "192.0.2.77",
        "ana@example.com",
        TEMP_PASSWORD,
        Some(&device),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["deviceToken"].is_string());
}

#[tokio::test]
async fn another_users_device_token_does_not_lift_the_limits() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    t.create_tech("ben@example.com").await;
    let bens = known_device(&t, "192.0.2.1", "ben@example.com").await;
    spray(&t, "ana@example.com").await;
    let r = login(
        &t,
        "192.0.2.77",
        "ana@example.com",
        TEMP_PASSWORD,
        Some(&bens),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let r = login(
        &t,
        "192.0.2.77",
        "ana@example.com",
        TEMP_PASSWORD,
        Some("d1.forged.device.tag"),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

#[tokio::test]
async fn five_failures_from_a_known_device_make_its_token_count_as_unknown() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let device = known_device(&t, "192.0.2.1", "ana@example.com").await;
    for _ in 0..5 {
        let r = login(
            &t,
            "192.0.2.1",
            "ana@example.com",
            "wrong guess",
            Some(&device),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    }
    // The device's own limit is spent: from now on the ordinary limits, which a spray from ten
    // addresses has filled, count this token's attempts.
    spray(&t, "ana@example.com").await;
    let r = login(
        &t,
        "192.0.2.1",
        "ana@example.com",
        TEMP_PASSWORD,
        Some(&device),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

#[tokio::test]
async fn a_device_token_dies_with_a_password_change() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let device = known_device(&t, "192.0.2.1", "ana@example.com").await;
    let link = t.link_for("ana@example.com");
    let set = t.redeem(&link, NEW_PASSWORD).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(
        set.json()["deviceToken"].is_string(),
        "setup signs in: a device token too"
    );
    spray(&t, "ana@example.com").await;
    let r = login(
        &t,
        "192.0.2.77",
        "ana@example.com",
        NEW_PASSWORD,
        Some(&device),
    )
    .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let fresh = set.json()["deviceToken"].as_str().unwrap().to_owned();
    let r = login(
        &t,
        "192.0.2.77",
        "ana@example.com",
        NEW_PASSWORD,
        Some(&fresh),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// 30 techs, 4 devices each, behind one depot address. 60 failures for other emails from that
/// address fill its limit; then all 120 sign in at once with their device tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_depot_crew_with_known_devices_all_sign_in_at_once_after_failures_from_their_address() {
    const DEPOT: &str = "203.0.113.7";
    let t = Arc::new(spawn_app().await);
    let mut devices = Vec::new();
    for i in 0..30 {
        let email = format!("tech{i}@example.com");
        t.create_tech(&email).await;
        for _ in 0..4 {
            devices.push((email.clone(), known_device(&t, DEPOT, &email).await));
        }
    }
    for i in 0..60 {
        login(
            &t,
            DEPOT,
            &format!("stranger{i}@example.com"),
            "wrong guess",
            None,
        )
        .await;
    }
    let r = login(&t, DEPOT, "tech0@example.com", TEMP_PASSWORD, None).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "without a device token the depot's address is spent: {}",
        r.body
    );
    let mut crew = tokio::task::JoinSet::new();
    for (email, device) in devices {
        let t = t.clone();
        crew.spawn(async move {
            login(&t, DEPOT, &email, TEMP_PASSWORD, Some(&device))
                .await
                .status
        });
    }
    let answers = crew.join_all().await;
    assert_eq!(answers.len(), 120);
    assert!(
        answers.iter().all(|s| *s == StatusCode::OK),
        "{:?}",
        answers
            .iter()
            .filter(|s| **s != StatusCode::OK)
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn forgot_password_from_the_owners_known_device_is_not_refused_by_the_per_email_limit() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech("ana@example.com").await;
    let device = known_device(&t, "192.0.2.1", "ana@example.com").await;
    // 4 addresses × 3 requests: more than the per-email limit of 10 an hour.
    for i in 0..4 {
        for _ in 0..3 {
            post_from(
                &t,
                &format!("198.51.100.{i}"),
                "/password/forgot",
                json!({"email": "ana@example.com"}),
            )
            .await;
        }
    }
    let before = reset_emails_to(&t, "ana@example.com");
    assert_eq!(before, 10, "the per-email limit let ten through");
    let r = post_from(
        &t,
        "192.0.2.50",
        "/password/forgot",
        json!({"email": "ana@example.com"}),
    )
    .await;
    assert_eq!(
        reset_emails_to(&t, "ana@example.com"),
        before,
        "refused: {}",
        r.status
    );
    // From the owner's known device: at most 5 an hour, whatever the email's count.
    for n in 1..=5 {
        let r = post_from(
            &t,
            "192.0.2.50",
            "/password/forgot",
            json!({"email": "ana@example.com", "deviceToken": device}),
        )
        .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        assert_eq!(reset_emails_to(&t, "ana@example.com"), before + n);
    }
    post_from(
        &t,
        "192.0.2.50",
        "/password/forgot",
        json!({"email": "ana@example.com", "deviceToken": device}),
    )
    .await;
    assert_eq!(
        reset_emails_to(&t, "ana@example.com"),
        before + 5,
        "the device's own limit"
    );
}

#[tokio::test]
async fn a_known_devices_sixth_reset_in_an_hour_falls_back_to_the_email_limits() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech("ana@example.com").await;
    let device = known_device(&t, "192.0.2.1", "ana@example.com").await;
    let before = reset_emails_to(&t, "ana@example.com");
    for n in 1..=6 {
        let r = post_from(
            &t,
            "192.0.2.50",
            "/password/forgot",
            json!({"email": "ana@example.com", "deviceToken": device}),
        )
        .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
        // The sixth is past the device's 5 and counted by the email's limits, which have room.
        assert_eq!(
            reset_emails_to(&t, "ana@example.com"),
            before + n,
            "request {n}"
        );
    }
}

#[tokio::test]
async fn a_password_change_from_a_known_device_is_not_refused_while_the_email_is_sprayed() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let set = t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let session = set.json()["accessToken"].as_str().unwrap().to_owned();
    let device = set.json()["deviceToken"].as_str().unwrap().to_owned();
    // Ten addresses spend the email's failure limits.
    spray(&t, "ana@example.com").await;
    let change = |device: Option<String>, password: &'static str| {
        let mut body = json!({"currentPassword": NEW_PASSWORD, "password": password});
        if let Some(d) = device {
            body["deviceToken"] = json!(d);
        }
        let mut req = request(
            lambda_http::http::Method::POST,
            "/password",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {session}")),
            ],
            body.to_string(),
        );
        req.extensions_mut()
            .insert(ClientIp("192.0.2.9".to_owned()));
        t.send(req)
    };
    let r = change(None, "copper kettle whistle 51").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let r = change(Some(device), "copper kettle whistle 51").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
