//! Cross-organisation probing (issue 25, point 11): emails are unique across organisations (the
//! contract), so an admin who invites an address another company already has gets `409
//! email_taken`, and learns that it exists. One batch plus cancels used to test 500 addresses
//! an hour, sending no email. Now every invite of an organisation whose admins met 20 such
//! addresses in an hour waits for the hour to end (`429`), whatever its address.

use lambda_http::http::StatusCode;
use onboarding::domain::EmailAddress;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tests::app::*;

/// An admin of another company, with a session, and `n` techs of theirs.
async fn another_company_with_techs(t: &TestApp, n: usize) -> Vec<String> {
    let app = t.app();
    let admin = app
        .create_admin(
            onboarding::domain::EmailAddress::parse("boss@rival.example").unwrap(),
            "Rival Heating",
            SecretString::from("quiet meadow lantern 88"),
        )
        .await
        .unwrap();
    let token = app.sessions.issue(&admin, app.now());
    let mut emails = Vec::new();
    for i in 0..n {
        let email = format!("rival-tech{i}@rival.example");
        let r = t
            .post_json(
                "/users",
                &json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
                Some(token.expose_secret()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        emails.push(email);
    }
    emails
}

async fn invite(t: &TestApp, email: &str) -> TestResponse {
    t.post_json(
        "/users",
        &json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
        Some(&t.admin_token),
    )
    .await
}

#[tokio::test]
async fn an_admin_probing_other_companies_addresses_is_stopped_after_twenty() {
    let t = spawn_app().await;
    let theirs = another_company_with_techs(&t, 21).await;
    for email in &theirs[..20] {
        let r = invite(&t, email).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.error_code(), "email_taken");
    }
    // The 21st taken address and a fresh one answer alike: the refusal says nothing of either.
    for email in [theirs[20].as_str(), "brand-new@example.com"] {
        let r = invite(&t, email).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        assert_eq!(r.error_code(), "too_many_requests");
        assert!(r.header("retry-after").is_some());
    }
    // An hour later the admin invites again.
    t.advance(chrono::Duration::hours(1));
    assert_eq!(
        invite(&t, "brand-new@example.com").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn an_admin_re_sending_their_own_crews_addresses_is_never_limited() {
    let t = spawn_app().await;
    assert_eq!(
        invite(&t, "ana@example.com").await.status,
        StatusCode::CREATED
    );
    for _ in 0..30 {
        let r = invite(&t, "ana@example.com").await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    }
    assert_eq!(
        invite(&t, "ben@example.com").await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_batch_of_other_companies_addresses_meets_the_same_limit() {
    let t = spawn_app().await;
    let theirs = another_company_with_techs(&t, 25).await;
    let rows: Vec<_> = theirs.iter().map(|e| json!({"email": e})).collect();
    let r = t
        .post_json(
            "/users/batch",
            &json!({"users": rows}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let statuses: Vec<u64> = r.json()["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_u64().unwrap())
        .collect();
    let conflicts = statuses.iter().filter(|s| **s == 409).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    // The budget is taken before each row's user is looked for, so concurrent rows cannot all
    // pass it: exactly 20 rows learn that their address is taken.
    assert_eq!(conflicts, 20, "{statuses:?}");
    assert_eq!(limited, 5, "{statuses:?}");
}

#[tokio::test]
async fn a_burst_of_parallel_probes_learns_no_more_than_twenty_addresses() {
    let t = std::sync::Arc::new(spawn_app().await);
    let theirs = another_company_with_techs(&t, 40).await;
    let mut burst = tokio::task::JoinSet::new();
    for email in theirs {
        let t = t.clone();
        burst.spawn(async move { invite(&t, &email).await.status });
    }
    let answers = burst.join_all().await;
    let conflicts = answers
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    let limited = answers
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((conflicts, limited), (20, 20));
}

#[tokio::test]
async fn another_admin_of_the_same_company_shares_the_probe_budget() {
    let t = spawn_app().await;
    let theirs = another_company_with_techs(&t, 21).await;
    // A second admin, made by the first.
    let r = t
        .post_json(
            "/users",
            &json!({"email": "second-admin@example.com", "temporaryPassword": TEMP_PASSWORD, "role": "admin"}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let second = t
        .app()
        .store
        .user_by_email(&EmailAddress::parse("second-admin@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    let second = t.app().sessions.issue(&second, t.app().now());
    for email in &theirs[..20] {
        assert_eq!(invite(&t, email).await.status, StatusCode::CONFLICT);
    }
    let r = t
        .post_json(
            "/users",
            &json!({"email": theirs[20], "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
            Some(second.expose_secret()),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
}

/// `PATCH /users/{id}` answers `409` for a contact another company has, as an invite does: the
/// same budget, so correcting one user over and over is no way around it.
#[tokio::test]
async fn correcting_a_users_email_to_other_companies_addresses_meets_the_same_limit() {
    let t = spawn_app().await;
    let theirs = another_company_with_techs(&t, 21).await;
    let mine = invite(&t, "mine@example.com").await;
    assert_eq!(mine.status, StatusCode::CREATED);
    let id = mine.json()["user"]["id"].as_str().unwrap().to_owned();
    let patch = |email: String| {
        let t = &t;
        let id = id.clone();
        async move {
            let auth = format!("Bearer {}", t.admin_token);
            t.send(request(
                lambda_http::http::Method::PATCH,
                &format!("/users/{id}"),
                &[
                    ("content-type", "application/json"),
                    ("authorization", &auth),
                ],
                json!({ "email": email }).to_string(),
            ))
            .await
        }
    };
    for email in &theirs[..20] {
        let r = patch(email.clone()).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        assert_eq!(r.error_code(), "email_taken");
    }
    for email in [theirs[20].clone(), "fixed@example.com".to_owned()] {
        let r = patch(email).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    }
    // A name needs no budget.
    let auth = format!("Bearer {}", t.admin_token);
    let r = t
        .send(request(
            lambda_http::http::Method::PATCH,
            &format!("/users/{id}"),
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            json!({ "name": "Still Mine" }).to_string(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
