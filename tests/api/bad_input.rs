//! Bad input through the router: every case answers in the contract's shape, none is a 500, and
//! the store is byte-for-byte unchanged afterwards.

use base64::Engine;
use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use tests::app::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

fn assert_contract_error(r: &TestResponse, status: StatusCode, code: &str, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.body);
    let body = r.json();
    assert_eq!(body["error"]["code"], code, "{what}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{what}"
    );
    assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
}

/// A JWT with the admin's claims but the given header and key.
fn forge(header: &serde_json::Value, claims: &serde_json::Value, key: &[u8]) -> String {
    use sha2::Sha256;
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    // HMAC-SHA256 by hand (RFC 2104), so the test does not lean on the code under test.
    let mut k = [0u8; 64];
    k[..key.len().min(64)].copy_from_slice(&key[..key.len().min(64)]);
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = sha2::Digest::finalize(sha2::Digest::chain_update(
        sha2::Digest::chain_update(<Sha256 as sha2::Digest>::new(), &ipad),
        signing_input.as_bytes(),
    ));
    let outer = sha2::Digest::finalize(sha2::Digest::chain_update(
        sha2::Digest::chain_update(<Sha256 as sha2::Digest>::new(), &opad),
        inner,
    ));
    format!("{signing_input}.{}", B64.encode(outer))
}

#[tokio::test]
async fn malformed_bodies_on_every_json_endpoint_are_refused_and_change_nothing() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let before = t.store.snapshot().unwrap();
    let emails_before = t.emails().len();
    let auth = format!("Bearer {}", t.admin_token);
    let endpoints = ["/users", "/setup", "/reset", "/login", "/password/forgot"];
    let bodies: Vec<(&str, Vec<u8>)> = vec![
        ("malformed JSON", b"{\"email\": ".to_vec()),
        ("a JSON string", b"\"hello\"".to_vec()),
        ("null", b"null".to_vec()),
        ("wrong types", br#"{"email": ["a@example.com"], "password": 12, "token": {}, "temporaryPassword": true}"#.to_vec()),
        ("non-UTF-8", b"{\"email\": \"\xc3\x28@example.com\"}".to_vec()),
        ("empty", Vec::new()),
        ("NUL in a field", br#"{"email": "a\u0000@example.com", "password": "x\u0000", "token": "t\u0000", "temporaryPassword": "p\u0000"}"#.to_vec()),
    ];
    for path in endpoints {
        for (what, body) in &bodies {
            let r = t
                .send(request(
                    Method::POST,
                    path,
                    &[
                        ("content-type", "application/json"),
                        ("authorization", &auth),
                    ],
                    body.clone(),
                ))
                .await;
            assert_contract_error(
                &r,
                StatusCode::BAD_REQUEST,
                "invalid_request",
                &format!("{path} {what}"),
            );
        }
        let r = t
            .send(request(
                Method::POST,
                path,
                &[
                    ("content-type", "application/xml"),
                    ("authorization", &auth),
                ],
                "<a/>",
            ))
            .await;
        assert_contract_error(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            path,
        );
        let r = t
            .send(request(
                Method::POST,
                path,
                &[("authorization", &auth)],
                "{}",
            ))
            .await;
        assert_contract_error(
            &r,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            &format!("{path} without a content type"),
        );
        let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(20_000));
        let r = t
            .send(request(
                Method::POST,
                path,
                &[
                    ("content-type", "application/json"),
                    ("authorization", &auth),
                ],
                huge,
            ))
            .await;
        assert_contract_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", path);
    }
    // A route that reads no body refuses one over the limit all the same.
    for path in ["/login", "/password/forgot", "/no-such-page"] {
        let r = t
            .send(request(Method::GET, path, &[], "a".repeat(20_000)))
            .await;
        assert_contract_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", path);
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert_eq!(t.emails().len(), emails_before);
}

#[tokio::test]
async fn huge_empty_and_odd_fields_are_refused_with_the_field_named() {
    let t = spawn_app().await;
    let before = t.store.snapshot().unwrap();
    let cases = [
        (
            json!({"email": "", "temporaryPassword": TEMP_PASSWORD}),
            "email",
        ),
        (
            json!({"email": "   ", "temporaryPassword": TEMP_PASSWORD}),
            "email",
        ),
        (
            json!({"email": format!("{}@example.com", "a".repeat(300)), "temporaryPassword": TEMP_PASSWORD}),
            "email",
        ),
        (
            json!({"email": "ana\n@example.com", "temporaryPassword": TEMP_PASSWORD}),
            "email",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": ""}),
            "temporaryPassword",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": "x".repeat(300)}),
            "temporaryPassword",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": "violet harbour\u{7} tram 42"}),
            "temporaryPassword",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": "ana@example.com rocks!"}),
            "temporaryPassword",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": TEMP_PASSWORD, "name": "x".repeat(101)}),
            "name",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": TEMP_PASSWORD, "name": "Ana\u{1b}[31m"}),
            "name",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": TEMP_PASSWORD, "role": "ADMIN"}),
            "role",
        ),
        (
            json!({"email": "ana@example.com", "temporaryPassword": TEMP_PASSWORD, "role": 1}),
            "role",
        ),
    ];
    for (body, field) in cases {
        let r = t.post_json("/users", &body, Some(&t.admin_token)).await;
        assert_contract_error(
            &r,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &body.to_string(),
        );
        assert_eq!(r.json()["error"]["field"], field, "{body}");
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
}

#[tokio::test]
async fn look_alike_letters_in_an_email_do_not_reach_anothers_account() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let before = t.store.snapshot().unwrap();
    // Cyrillic "а" in place of the Latin "a", and a fullwidth "＠".
    for email in [
        "\u{430}na@example.com",
        "ana\u{ff20}example.com",
        "ana@ex\u{430}mple.com",
    ] {
        let r = t.create_tech(email).await;
        assert_contract_error(&r, StatusCode::BAD_REQUEST, "invalid_request", email);
        let login = t.login(email, TEMP_PASSWORD).await;
        assert_ne!(login.status, StatusCode::OK, "{email}");
        let forgot = t
            .post_json("/password/forgot", &json!({"email": email}), None)
            .await;
        assert_ne!(forgot.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
}

#[tokio::test]
async fn forged_expired_and_foreign_sessions_are_refused() {
    let t = spawn_app().await;
    let before = t.store.snapshot().unwrap();
    let now = t.app().now().timestamp();
    let claims = json!({
        "sub": t.admin.id.0, "email": ADMIN_EMAIL, "org": t.admin.org_id.0, "role": "admin", "iat": now, "exp": now + 3600,
        "iss": "onboarding", "aud": "field-service-app", "sv": t.admin.session_version,
    });
    let alg_none = format!(
        "{}.{}.",
        B64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    );
    let wrong_key = forge(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims,
        b"some other key some other key 123",
    );
    let right_key_hs512 = forge(
        &json!({"alg": "HS512", "typ": "JWT"}),
        &claims,
        b"test-signing-key-0123456789abcdef0123456789",
    );
    let mut expired_claims = claims.clone();
    expired_claims["exp"] = json!(now - 60);
    let expired = forge(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &expired_claims,
        b"test-signing-key-0123456789abcdef0123456789",
    );
    let mut other_org_claims = claims.clone();
    other_org_claims["org"] = json!("another-organisation");
    let other_org = forge(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &other_org_claims,
        b"test-signing-key-0123456789abcdef0123456789",
    );
    let mut old_version_claims = claims.clone();
    old_version_claims["sv"] = json!("an-older-session-version");
    let old_version = forge(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &old_version_claims,
        b"test-signing-key-0123456789abcdef0123456789",
    );
    // The control: the same forging with the right key and claims is accepted, so the refusals
    // below are about what each case changes.
    let genuine = forge(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &claims,
        b"test-signing-key-0123456789abcdef0123456789",
    );
    assert_eq!(
        t.get_with_bearer(&format!("/users/{}", t.admin.id.0), &genuine)
            .await
            .status,
        StatusCode::OK
    );
    for (what, token) in [
        ("alg none", alg_none),
        ("wrong key", wrong_key),
        ("HS512", right_key_hs512),
        ("expired", expired),
        ("another organisation", other_org),
        ("an older session version", old_version),
        ("garbage", "a.b.c".to_owned()),
        ("empty", String::new()),
    ] {
        let r = t
            .post_json(
                "/users",
                &json!({"email": "x@example.com", "temporaryPassword": TEMP_PASSWORD}),
                Some(&token),
            )
            .await;
        assert_contract_error(&r, StatusCode::UNAUTHORIZED, "unauthorized", what);
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
}

#[tokio::test]
async fn a_host_header_cannot_move_the_reset_link() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let r = t
        .send(request(
            Method::POST,
            "/password/forgot",
            &[
                ("content-type", "application/json"),
                ("host", "evil.example"),
                ("x-forwarded-host", "evil.example"),
                ("forwarded", "host=evil.example"),
            ],
            json!({"email": "ana@example.com"}).to_string(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let mail = t.last_email_to("ana@example.com");
    assert_eq!(mail.subject, "Choose a new password");
    assert!(link_in(&mail.text).starts_with(&format!("{BASE_URL}/reset?token=")));
    assert!(!mail.html.contains("evil.example"));
}

#[tokio::test]
async fn forms_with_repeated_or_broken_fields_are_refused() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let before = t.store.snapshot().unwrap();
    let (path, token) = split_link(&t.link_for("ana@example.com"));
    let repeated = format!("token={token}&token={token}&password=copper+kettle+marching+sideways&passwordConfirmation=copper+kettle+marching+sideways");
    let r = t
        .send(request(
            Method::POST,
            &path,
            &[("content-type", "application/x-www-form-urlencoded")],
            repeated,
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let not_utf8 = b"token=%ff%fe&password=x".to_vec();
    let r = t
        .send(request(
            Method::POST,
            &path,
            &[("content-type", "application/x-www-form-urlencoded")],
            not_utf8,
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(t.store.snapshot().unwrap(), before);
    // The link still works after all that.
    assert_eq!(
        t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_expired_session_cannot_open_the_app() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let r = t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD).await;
    let session = r.session_cookie().unwrap();
    t.advance(Duration::hours(12) + Duration::seconds(10));
    let page = t
        .send(request(
            Method::GET,
            "/app",
            &[("cookie", &format!("session={session}"))],
            Vec::new(),
        ))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}
