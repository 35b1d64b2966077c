//! One-time codes beside every link (API.md, "One-time codes beside every link"; issue 26): the
//! tech whose link a mail scanner or an email app's browser opened first, or who reads the email
//! on one device and sets up on another, types the 6-digit code instead.

use lambda_http::http::{Method, StatusCode};
use onboarding::domain::{EmailAddress, TokenPurpose};
use serde_json::json;
use std::sync::Arc;
use tests::app::*;

const TECH: &str = "ana@example.com";

fn newest_code(t: &TestApp, to: &str) -> String {
    code_in(&t.last_email_to(to).text)
}

/// `POST /setup` or `/reset` with the code instead of the token, as JSON.
async fn redeem_code(t: &TestApp, path: &str, email: &str, code: &str) -> TestResponse {
    t.post_json(
        path,
        &json!({"email": email, "code": code, "password": NEW_PASSWORD}),
        None,
    )
    .await
}

/// A code that is not `code` (and still six digits).
fn wrong(code: &str) -> String {
    let digits: String = code.chars().filter(char::is_ascii_digit).collect();
    let last = digits.as_bytes()[5] - b'0';
    format!("{}{}", &digits[..5], (last + 1) % 10)
}

async fn wrong_codes_of_newest_link(t: &TestApp, email: &str, purpose: TokenPurpose) -> u32 {
    let app = t.app();
    let user = app
        .store
        .user_by_email(&EmailAddress::parse(email).unwrap())
        .await
        .unwrap()
        .unwrap();
    app.store
        .newest_token(&user, purpose)
        .await
        .unwrap()
        .expect("a link")
        .wrong_codes
}

#[tokio::test]
async fn the_welcome_email_shows_the_code_near_the_button_and_where_to_type_it() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let email = t.last_email_to(TECH);
    let code = code_in(&email.text);
    assert!(email
        .text
        .contains(&format!("Go to {BASE_URL}/setup and enter {code}")));
    assert!(email.html.contains(&code), "the HTML shows it too");
    assert!(email.text.contains("newest email"));
}

#[tokio::test]
async fn the_code_works_on_another_device_after_the_link_was_opened_elsewhere() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let link = t.link_for(TECH);
    // A mail scanner (or the email app's own browser) opens the link first: a GET uses nothing.
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::OK);
    // On the phone, the tech types the code (as spaced in the email) on the code form's JSON.
    let code = newest_code(&t, TECH);
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = r.json()["accessToken"].as_str().unwrap().to_owned();
    assert!(t.app().user_for_session(&session).await.unwrap().is_some());
    assert_eq!(r.json()["user"]["status"], "active");
    // One credential: the link is used now.
    let again = t.redeem(&link, "another fine passphrase").await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.error_code(), "token_used");
    // The temporary password is dead too, as after a link.
    assert_eq!(
        t.login(TECH, TEMP_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_code_is_dead_once_its_link_is_used() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let code = newest_code(&t, TECH);
    let r = t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.error_code(), "code_invalid");
}

#[tokio::test]
async fn five_wrong_codes_kill_the_code_but_not_the_link() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech(TECH).await;
    let code = newest_code(&t, TECH);
    for _ in 0..5 {
        let r = redeem_code(&t, "/setup", TECH, &wrong(&code)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(r.error_code(), "code_invalid");
        assert_eq!(r.json()["error"]["field"], "code");
    }
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "code_invalid");
    let r = t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "the link still works: {}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_parallel_wrong_codes_are_checked_at_most_five_times() {
    let t = Arc::new(spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await);
    t.create_tech(TECH).await;
    let code = newest_code(&t, TECH);
    let mut burst = tokio::task::JoinSet::new();
    for i in 0..100 {
        let t = t.clone();
        let guess = format!("{:06}", (i * 7919) % 1_000_000);
        let guess = if guess == code.replace(' ', "") {
            wrong(&guess)
        } else {
            guess
        };
        burst.spawn(async move {
            let mut req = request(
                Method::POST,
                "/setup",
                &[("content-type", "application/json")],
                json!({"email": TECH, "code": guess, "password": NEW_PASSWORD}).to_string(),
            );
            // A hundred addresses: the per-address limit does not stop them.
            req.extensions_mut()
                .insert(onboarding::http::ClientIp(format!("198.51.100.{i}")));
            t.send(req).await.status
        });
    }
    let answers = burst.join_all().await;
    assert!(
        answers.iter().all(|s| *s == StatusCode::BAD_REQUEST),
        "{answers:?}"
    );
    assert_eq!(
        wrong_codes_of_newest_link(&t, TECH, TokenPurpose::Setup).await,
        5,
        "at most five guesses reached the link's code"
    );
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.error_code(), "code_invalid", "the code is dead");
}

#[tokio::test]
async fn a_resend_kills_the_old_code() {
    let t = spawn_app().await;
    let created = t.create_tech(TECH).await;
    let id = created.json()["user"]["id"].as_str().unwrap().to_owned();
    let old = newest_code(&t, TECH);
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let new = newest_code(&t, TECH);
    if old != new {
        let r = redeem_code(&t, "/setup", TECH, &old).await;
        assert_eq!(r.error_code(), "code_invalid");
    }
    let r = redeem_code(&t, "/setup", TECH, &new).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_reset_code_works_at_reset_and_not_at_setup() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech(TECH).await;
    t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    t.post_json("/password/forgot", &json!({"email": TECH}), None)
        .await;
    let email = t.last_email_to(TECH);
    assert_eq!(email.subject, "Choose a new password");
    let code = code_in(&email.text);
    assert!(email
        .text
        .contains(&format!("Go to {BASE_URL}/reset and enter {code}")));
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.error_code(), "code_invalid", "a reset code at /setup");
    let r = t
        .post_json(
            "/reset",
            &json!({"email": TECH, "code": code, "password": "a brand new passphrase"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        t.login(TECH, "a brand new passphrase").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn ten_wrong_codes_lock_a_users_codes_for_a_day_or_two_even_new_ones() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech(TECH).await;
    t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    let body = json!({"email": TECH});
    let forgot = || t.post_json("/password/forgot", &body, None);
    for _ in 0..2 {
        forgot().await;
        let code = newest_code(&t, TECH);
        for _ in 0..5 {
            redeem_code(&t, "/reset", TECH, &wrong(&code)).await;
        }
    }
    // Forgot-password buys no new guesses: the newest code is refused, right as it is.
    forgot().await;
    let code = newest_code(&t, TECH);
    let r = redeem_code(&t, "/reset", TECH, &code).await;
    assert_eq!(r.error_code(), "code_invalid");
    // Links keep working meanwhile.
    let r = t.redeem(&t.link_for(TECH), "a brand new passphrase").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Counters are fixed 24-hour windows, and a guess counts against its window and the one
    // before together, so no 24 hours see more than 10 guesses: a day later, still locked...
    t.advance(chrono::Duration::hours(24));
    forgot().await;
    let code = newest_code(&t, TECH);
    let r = redeem_code(&t, "/reset", TECH, &code).await;
    assert_eq!(r.error_code(), "code_invalid");
    // ...and once the window with the wrong guesses is more than a window ago, codes work again.
    t.advance(chrono::Duration::hours(24));
    forgot().await;
    let code = newest_code(&t, TECH);
    let r = redeem_code(&t, "/reset", TECH, &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn wrong_unknown_expired_and_used_codes_answer_alike() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech(TECH).await;
    t.create_tech("ben@example.com").await;
    let code = newest_code(&t, TECH);
    let used = newest_code(&t, "ben@example.com");
    redeem_code(&t, "/setup", "ben@example.com", &used).await;
    let answers = [
        redeem_code(&t, "/setup", TECH, &wrong(&code)).await,
        redeem_code(&t, "/setup", "nobody@example.com", &code).await,
        redeem_code(&t, "/setup", "ben@example.com", &used).await,
        redeem_code(&t, "/setup", "not an email", &code).await,
        redeem_code(&t, "/setup", TECH, "12345").await,
    ];
    t.advance(chrono::Duration::days(8));
    let expired = redeem_code(&t, "/setup", TECH, &code).await;
    let bodies: Vec<String> = answers
        .iter()
        .chain([&expired])
        .map(|r| {
            assert_eq!(r.status, StatusCode::BAD_REQUEST);
            r.body.clone()
        })
        .collect();
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "{bodies:#?}");
    assert_eq!(expired.error_code(), "code_invalid");
}

#[tokio::test]
async fn the_code_form_takes_the_code_and_signs_the_tech_in_without_saying_whose_it_is() {
    let t = spawn_app_with(&[("FORGOT_MIN_RESPONSE_MS", "0")]).await;
    t.create_tech(TECH).await;
    let page = t.get("/setup").await;
    assert_eq!(page.status, StatusCode::OK);
    for attribute in [
        "name=\"identifier\"",
        "name=\"code\"",
        "autocomplete=\"one-time-code\"",
        "inputmode=\"numeric\"",
        "name=\"password\"",
        "name=\"passwordConfirmation\"",
    ] {
        assert!(page.body.contains(attribute), "{attribute}");
    }
    let code = newest_code(&t, TECH);
    let form = |code: String| {
        [
            ("identifier", TECH.to_owned()),
            ("code", code),
            ("password", NEW_PASSWORD.to_owned()),
            ("passwordConfirmation", NEW_PASSWORD.to_owned()),
        ]
    };
    let t = &t;
    let send = |fields: [(&'static str, String); 4]| async move {
        let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        t.post_form("/setup", &refs).await
    };
    let r = send(form(wrong(&code))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("doesn&#39;t match") || r.body.contains("doesn&#x27;t match"));
    assert!(!r.body.contains("Northwind"), "no organisation name");
    assert!(
        r.body.contains(TECH),
        "what the tech typed stays in the box"
    );
    // A weak password with the right code: refused before the code is counted, and the code
    // stays in its box.
    let mut weak = form(code.clone());
    weak[2].1 = "password".to_owned();
    weak[3].1 = "password".to_owned();
    let r = send(weak).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"password-error\""), "{}", r.body);
    assert!(
        r.body.contains(&format!("value=\"{code}\"")),
        "the code is kept"
    );
    assert_eq!(
        wrong_codes_of_newest_link(t, TECH, TokenPurpose::Setup).await,
        1,
        "only the wrong code above counted"
    );
    let r = send(form(code.replace(' ', "-"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("{BASE_URL}/app").as_str())
    );
    assert!(r.session_cookie().is_some());
}

#[tokio::test]
async fn a_link_handed_over_in_person_comes_with_its_code() {
    let t = spawn_app().await;
    let r = t
        .post_json(
            "/users",
            &json!({"email": TECH, "temporaryPassword": TEMP_PASSWORD, "delivery": "link"}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let code = r.json()["invite"]["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(t.emails().is_empty(), "nothing sent");
    let r = redeem_code(&t, "/setup", TECH, &code).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
