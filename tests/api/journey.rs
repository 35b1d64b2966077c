//! The product's promises, through the router, on the embedded store with a fixed clock: an admin
//! creates a tech, the tech opens the email's link, sets a password and is signed in.

use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use sha2::{Digest, Sha256};
use tests::app::*;

#[tokio::test]
async fn an_admin_creates_a_tech_and_the_welcome_email_carries_a_setup_link() {
    let t = spawn_app().await;
    let r = t.create_tech("Ana.Tech@Example.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let body = r.json();
    let id = body["user"]["id"].as_str().unwrap();
    assert_eq!(r.header("location"), Some(format!("/users/{id}").as_str()));
    assert_eq!(body["user"]["email"], "ana.tech@example.com");
    assert_eq!(body["user"]["status"], "invited");
    assert_eq!(body["user"]["role"], "tech");
    assert_eq!(body["user"]["orgId"], t.admin.org_id.0.as_str());
    assert_eq!(body["invite"]["status"], "sent");
    assert_eq!(body["invite"]["expiresAt"], "2026-12-01T10:00:00Z");
    assert!(body["user"].get("temporaryPasswordHash").is_none());

    let mail = t.last_email_to("ana.tech@example.com");
    assert_eq!(mail.subject, "Set up your Northwind Plumbing account");
    let link = link_in(&mail.text);
    assert!(link.starts_with(&format!("{BASE_URL}/setup?token=")));
    assert!(mail.html.contains("Set Up Your Account"));
    assert!(mail.html.contains(&format!("href=\"{link}\"")));
    assert!(
        mail.text.contains("7 days") && mail.text.contains("Tuesday 1 December 2026 at 10:00 UTC")
    );
    assert!(mail.text.contains("temporary password"));
    assert!(!mail.text.contains(TEMP_PASSWORD) && !mail.html.contains(TEMP_PASSWORD));
}

#[tokio::test]
async fn the_setup_link_works_for_seven_days_and_not_a_second_longer() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let link = t.link_for("ana@example.com");
    t.advance(Duration::days(7) - Duration::seconds(1));
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::OK);
    t.advance(Duration::seconds(1));
    let page = t.get(&path_of(&link)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This link has expired"));
    assert!(page.body.contains("/password/forgot") && page.body.contains("temporary password"));
    let r = t.redeem(&link, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.error_code(), "token_expired");
    // The temporary password still works after the link has expired.
    assert_eq!(
        t.login("ana@example.com", TEMP_PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_setup_link_works_exactly_once() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let link = t.link_for("ana@example.com");
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);
    let again = t.redeem(&link, "another fine passphrase here").await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.error_code(), "token_used");
    let page = t.get(&path_of(&link)).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("already been used"));
    // The second attempt changed nothing: the first password still signs in.
    assert_eq!(
        t.login("ana@example.com", NEW_PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn opening_the_link_never_consumes_it() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let link = t.link_for("ana@example.com");
    for _ in 0..3 {
        let page = t.get(&path_of(&link)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("autocomplete=\"new-password\""));
    }
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_temporary_password_signs_in_before_setup_and_not_after() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let before = t.login("ANA@example.com ", TEMP_PASSWORD).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.body);
    assert_eq!(before.json()["mustChangePassword"], true);
    let link = t.link_for("ana@example.com");
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);
    let temp = t.login("ana@example.com", TEMP_PASSWORD).await;
    assert_eq!(temp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(temp.error_code(), "invalid_credentials");
    let own = t.login("ana@example.com", NEW_PASSWORD).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json()["mustChangePassword"], false);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let unknown = t.login("nobody@example.com", TEMP_PASSWORD).await;
    let wrong = t.login("ana@example.com", "not the right password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.body, wrong.body);
}

#[tokio::test]
async fn setting_the_password_from_the_form_signs_the_tech_in_for_the_app() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let (path, token) = split_link(&t.link_for("ana@example.com"));
    let r = t
        .post_form(
            &path,
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("passwordConfirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        Some(format!("{BASE_URL}/app").as_str())
    );
    let cookie_header = r.header("set-cookie").unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie_header.contains(attr), "{cookie_header}");
    }
    let session = r.session_cookie().unwrap();
    let app_page = t
        .send(request(
            Method::GET,
            "/app",
            &[("cookie", &format!("__Host-session={session}"))],
            Vec::new(),
        ))
        .await;
    assert_eq!(app_page.status, StatusCode::OK);
    assert!(app_page.body.contains("ana@example.com"));
    // Without the cookie, /app sends the tech to sign in.
    assert_eq!(t.get("/app").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn setting_the_password_by_json_returns_a_session_the_api_accepts() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let r = t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    let body = r.json();
    assert_eq!(body["tokenType"], "Bearer");
    assert_eq!(body["expiresIn"], 43200);
    assert_eq!(body["user"]["status"], "active");
    assert!(r.session_cookie().is_some());
    let token = body["accessToken"].as_str().unwrap();
    // A tech's session is a valid session (403, not 401) that is not an admin's.
    let as_tech = t.create_tech_with_token("bo@example.com", token).await;
    assert_eq!(as_tech.status, StatusCode::FORBIDDEN);
    assert_eq!(as_tech.error_code(), "forbidden");
}

#[tokio::test]
async fn setting_a_password_ends_every_earlier_session() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let early = t.login("ana@example.com", TEMP_PASSWORD).await.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(t.app().user_for_session(&early).await.unwrap().is_some());
    t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD).await;
    assert!(t.app().user_for_session(&early).await.unwrap().is_none());
}

#[tokio::test]
async fn a_second_user_with_the_same_email_in_any_letter_case_is_refused() {
    let t = spawn_app().await;
    assert_eq!(
        t.create_tech("ana@example.com").await.status,
        StatusCode::CREATED
    );
    let before = t.store.snapshot().unwrap();
    for email in ["ana@example.com", "ANA@EXAMPLE.COM", "  Ana@Example.Com "] {
        let r = t.create_tech(email).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.error_code(), "email_taken");
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    // The admin's own email is taken too.
    assert_eq!(
        t.create_tech(ADMIN_EMAIL).await.status,
        StatusCode::CONFLICT
    );
}

#[tokio::test]
async fn only_a_signed_in_admin_may_create_users() {
    let t = spawn_app().await;
    let none = t
        .post_json(
            "/users",
            &json!({"email": "a@example.com", "temporaryPassword": TEMP_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.error_code(), "unauthorized");
    let forged = t.create_tech_with_token("a@example.com", "not.a.jwt").await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    // A session whose signature was tampered with.
    let mut tampered = t.admin_token.clone();
    tampered.pop();
    tampered.push(if t.admin_token.ends_with('A') {
        'B'
    } else {
        'A'
    });
    assert_eq!(
        t.create_tech_with_token("a@example.com", &tampered)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    // An expired admin session.
    t.advance(Duration::hours(13));
    assert_eq!(
        t.create_tech_with_token("a@example.com", &t.admin_token)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn bad_bodies_get_the_contracts_errors_and_change_nothing() {
    let t = spawn_app().await;
    let before = t.store.snapshot().unwrap();
    let auth = format!("Bearer {}", t.admin_token);
    // (content type, body, status, code, field)
    type Case = (
        &'static str,
        Vec<u8>,
        StatusCode,
        &'static str,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        ("application/json", b"{not json".to_vec(), StatusCode::BAD_REQUEST, "invalid_request", None),
        ("application/json", b"[1,2]".to_vec(), StatusCode::BAD_REQUEST, "invalid_request", None),
        ("application/json", br#"{"temporaryPassword":"violet harbour tram 42"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("email")),
        ("application/json", br#"{"email":"not-an-email","temporaryPassword":"violet harbour tram 42"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("email")),
        ("application/json", br#"{"email":42,"temporaryPassword":"violet harbour tram 42"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("email")),
        ("application/json", br#"{"email":"a@example.com","temporaryPassword":"short"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("temporaryPassword")),
        ("application/json", br#"{"email":"a@example.com","temporaryPassword":"password12345"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("temporaryPassword")),
        ("application/json", br#"{"email":"a@example.com","temporaryPassword":"violet harbour tram 42","role":"owner"}"#.to_vec(), StatusCode::BAD_REQUEST, "invalid_request", Some("role")),
        ("application/json", b"\xff\xfe{}".to_vec(), StatusCode::BAD_REQUEST, "invalid_request", None),
        ("text/plain", br#"{"email":"a@example.com","temporaryPassword":"violet harbour tram 42"}"#.to_vec(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", None),
        ("application/json", vec![b' '; 16 * 1024 + 1], StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", None),
    ];
    for (content_type, body, status, code, field) in cases {
        let r = t
            .send(request(
                Method::POST,
                "/users",
                &[("content-type", content_type), ("authorization", &auth)],
                body.clone(),
            ))
            .await;
        assert_eq!(
            r.status,
            status,
            "{content_type} {:?}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            r.body
        );
        assert_eq!(r.error_code(), code);
        assert!(r.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert_eq!(r.json()["error"]["field"].as_str(), field);
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert!(t.emails().is_empty());
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let t = spawn_app().await;
    let r = t.send(request(Method::GET, "/nope", &[], Vec::new())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.error_code(), "not_found");
    let r = t
        .send(request(Method::DELETE, "/users", &[], Vec::new()))
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.error_code(), "method_not_allowed");
    // `GET /users` lists the organisation; `POST /users` invites.
    let mut allowed: Vec<&str> = r.header("allow").unwrap_or_default().split(',').collect();
    allowed.sort_unstable();
    assert_eq!(allowed, ["GET", "HEAD", "POST"]);
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn the_token_is_stored_only_as_its_sha256() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let (_, token) = split_link(&t.link_for("ana@example.com"));
    let rows = t.store.raw_token_rows().unwrap();
    assert_eq!(rows.len(), 1);
    let (key, value) = &rows[0];
    let expected: String = Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(key, &expected);
    let everything = format!("{:?}", t.store.snapshot().unwrap());
    assert!(!String::from_utf8_lossy(value).contains(&token));
    assert!(!everything.contains(&token));
    assert!(!everything.contains(TEMP_PASSWORD));
}

#[tokio::test]
async fn a_weak_password_on_the_form_shows_the_form_again_and_keeps_the_link() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let (path, token) = split_link(&t.link_for("ana@example.com"));
    let r = t
        .post_form(
            &path,
            &[
                ("token", &token),
                ("password", "password123"),
                ("passwordConfirmation", "password123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"password-error\""), "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{token}\"")));
    let mismatch = t
        .post_form(
            &path,
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("passwordConfirmation", "something else"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    assert!(mismatch.body.contains("id=\"confirmation-error\""));
    assert_eq!(
        t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_missing_or_mangled_token_is_told_apart_from_an_expired_one() {
    let t = spawn_app().await;
    // Without a token the page is the code form (API.md, "One-time codes beside every link").
    let missing = t.get("/setup").await;
    assert_eq!(missing.status, StatusCode::OK);
    assert!(missing.body.contains("autocomplete=\"one-time-code\""));
    let mangled = t.get("/setup?token=abc").await;
    assert_eq!(mangled.status, StatusCode::GONE);
    assert!(
        mangled.body.contains("doesn&#39;t work")
            || mangled.body.contains("doesn't work")
            || mangled.body.contains("doesn&#x27;t work")
    );
    let r = t
        .post_json(
            "/setup",
            &json!({"token": "x".repeat(43), "password": NEW_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.error_code(), "token_invalid");
    let r = t
        .post_json("/setup", &json!({"password": NEW_PASSWORD}), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "token");
}

#[tokio::test]
async fn a_setup_link_does_not_open_the_reset_page() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let (_, token) = split_link(&t.link_for("ana@example.com"));
    assert_eq!(
        t.get(&format!("/reset?token={token}")).await.status,
        StatusCode::GONE
    );
    let r = t
        .post_json(
            "/reset",
            &json!({"token": token, "password": NEW_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.error_code(), "token_invalid");
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let link = t.link_for("ana@example.com");
    for path in [
        path_of(&link),
        "/login".to_owned(),
        "/password/forgot".to_owned(),
        "/setup?token=abc".to_owned(),
    ] {
        let r = t.get(&path).await;
        let csp = r
            .header("content-security-policy")
            .unwrap_or_else(|| panic!("no CSP on {path}"));
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert!(r.body.starts_with("<!doctype html>\n<html lang=\"en\">"));
    }
}

#[tokio::test]
async fn the_emails_link_ignores_the_requests_host_header() {
    let t = spawn_app().await;
    let auth = format!("Bearer {}", t.admin_token);
    let body = json!({"email": "ana@example.com", "temporaryPassword": TEMP_PASSWORD}).to_string();
    let r = t
        .send(request(
            Method::POST,
            "/users",
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
                ("host", "evil.example"),
                ("x-forwarded-host", "evil.example"),
            ],
            body,
        ))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let mail = t.last_email_to("ana@example.com");
    assert!(!mail.text.contains("evil.example") && !mail.html.contains("evil.example"));
    assert!(link_in(&mail.text).starts_with(BASE_URL));
}

#[tokio::test]
async fn an_admin_sees_the_invite_and_can_resend_it_which_kills_the_old_link() {
    let t = spawn_app().await;
    let id = t.create_tech("ana@example.com").await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let first = t.link_for("ana@example.com");
    let r = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["invite"]["status"], "sent");
    t.advance(Duration::days(8));
    let admin = t.fresh_admin_token();
    assert_eq!(
        t.get_with_bearer(&format!("/users/{id}"), &admin)
            .await
            .json()["invite"]["status"],
        "expired"
    );
    let resent = t
        .post_json(&format!("/users/{id}/invite"), &json!({}), Some(&admin))
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    assert_eq!(resent.json()["invite"]["status"], "sent");
    let second = t.link_for("ana@example.com");
    assert_ne!(first, second);
    assert_eq!(
        t.redeem(&first, NEW_PASSWORD).await.status,
        StatusCode::GONE
    );
    assert_eq!(t.redeem(&second, NEW_PASSWORD).await.status, StatusCode::OK);
    assert_eq!(
        t.get_with_bearer(&format!("/users/{id}"), &admin)
            .await
            .json()["invite"]["status"],
        "used"
    );
    let again = t
        .post_json(&format!("/users/{id}/invite"), &json!({}), Some(&admin))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.error_code(), "already_active");
}

#[tokio::test]
async fn another_organisations_user_does_not_exist_for_an_admin() {
    let a = spawn_app().await;
    let id = a.create_tech("ana@example.com").await.json()["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // An admin of another organisation in the same store.
    let other = a
        .app()
        .create_admin(
            onboarding::domain::EmailAddress::parse("boss@rival.example").unwrap(),
            "Rival Heating",
            secrecy::SecretString::from("quiet meadow engine 88"),
        )
        .await
        .unwrap();
    let token =
        secrecy::ExposeSecret::expose_secret(&a.app().sessions.issue(&other, a.app().now()))
            .to_owned();
    assert_eq!(
        a.get_with_bearer(&format!("/users/{id}"), &token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let resend = a
        .post_json(&format!("/users/{id}/invite"), &json!({}), Some(&token))
        .await;
    assert_eq!(resend.status, StatusCode::NOT_FOUND);
    assert_eq!(
        a.get_with_bearer("/users/no-such-id", &a.admin_token)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

trait CreateWithToken {
    async fn create_tech_with_token(&self, email: &str, token: &str) -> TestResponse;
}

impl CreateWithToken for TestApp {
    async fn create_tech_with_token(&self, email: &str, token: &str) -> TestResponse {
        self.post_json(
            "/users",
            &json!({"email": email, "temporaryPassword": TEMP_PASSWORD}),
            Some(token),
        )
        .await
    }
}
