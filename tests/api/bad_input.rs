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

/// The signing key the test app derives from its `SESSION_SIGNING_KEY` (docs/DEPLOY.md: the seed
/// is the SHA-256 of the label and the secret), signed here with aws-lc-rs directly: its private
/// key, and its `kid` (the RFC 7638 thumbprint).
fn ed25519_key(secret: &str) -> (aws_lc_rs::signature::Ed25519KeyPair, String) {
    use aws_lc_rs::signature::KeyPair;
    use sha2::Digest;
    let seed = sha2::Sha256::new()
        .chain_update(onboarding::domain::session::SEED_LABEL)
        .chain_update(secret.as_bytes())
        .finalize();
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(&seed).unwrap();
    let x = B64.encode(pair.public_key().as_ref());
    let kid = B64.encode(sha2::Sha256::digest(format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#
    )));
    (pair, kid)
}

/// A JWT with the given header and claims, signed EdDSA with the key from `secret`.
fn forge_eddsa(header: &serde_json::Value, claims: &serde_json::Value, secret: &str) -> String {
    let (pair, _) = ed25519_key(secret);
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = pair.sign(signing_input.as_bytes());
    format!("{signing_input}.{}", B64.encode(signature.as_ref()))
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
        "mustChangePassword": false,
    });
    let (_, kid) = ed25519_key(SIGNING_KEY);
    assert_eq!(kid, t.app().sessions.current_kid());
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": kid});
    let alg_none = format!(
        "{}.{}.",
        B64.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string()),
        B64.encode(claims.to_string())
    );
    // Another Ed25519 key, under the right key's `kid` and under its own.
    let another_secret = "some other key some other key 123";
    let wrong_key = forge_eddsa(&header, &claims, another_secret);
    let (_, other_kid) = ed25519_key(another_secret);
    let unknown_kid = forge_eddsa(
        &json!({"alg": "EdDSA", "typ": "JWT", "kid": other_kid}),
        &claims,
        another_secret,
    );
    let no_kid = forge_eddsa(&json!({"alg": "EdDSA", "typ": "JWT"}), &claims, SIGNING_KEY);
    // The sessions of before issue 14: HS256 under the very secret the key now comes from.
    let old_hs256 = forge(
        &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &claims,
        SIGNING_KEY.as_bytes(),
    );
    // Algorithm confusion: HMAC keyed with the public key the JWKS publishes.
    let jwks = t.get("/.well-known/jwks.json").await.json();
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_owned();
    let public_as_hmac = forge(
        &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
        &claims,
        x.as_bytes(),
    );
    let mut expired_claims = claims.clone();
    expired_claims["exp"] = json!(now - 60);
    let expired = forge_eddsa(&header, &expired_claims, SIGNING_KEY);
    let mut other_org_claims = claims.clone();
    other_org_claims["org"] = json!("another-organisation");
    let other_org = forge_eddsa(&header, &other_org_claims, SIGNING_KEY);
    let mut old_version_claims = claims.clone();
    old_version_claims["sv"] = json!("an-older-session-version");
    let old_version = forge_eddsa(&header, &old_version_claims, SIGNING_KEY);
    let mut other_audience_claims = claims.clone();
    other_audience_claims["aud"] = json!("another-app");
    let other_audience = forge_eddsa(&header, &other_audience_claims, SIGNING_KEY);
    // The control: the same forging with the right key and claims is accepted, so the refusals
    // below are about what each case changes.
    let genuine = forge_eddsa(&header, &claims, SIGNING_KEY);
    assert_eq!(
        t.get_with_bearer(&format!("/users/{}", t.admin.id.0), &genuine)
            .await
            .status,
        StatusCode::OK
    );
    // Tampered: a valid claims part for another user, the genuine signature kept.
    let mut other_claims = claims.clone();
    other_claims["sub"] = json!("someone-else");
    let parts: Vec<&str> = genuine.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(other_claims.to_string()),
        parts[2]
    );
    for (what, token) in [
        ("alg none", alg_none),
        ("wrong key", wrong_key),
        ("a kid not in the JWKS", unknown_kid),
        ("no kid", no_kid),
        ("HS256 with the old secret", old_hs256),
        ("HS256 keyed with the public key", public_as_hmac),
        ("tampered claims", tampered),
        ("another audience", other_audience),
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
            &[("cookie", &format!("__Host-session={session}"))],
            Vec::new(),
        ))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn bad_input_on_the_crew_routes_is_refused_and_changes_nothing() {
    let t = spawn_app().await;
    let ana = t.create_tech("ana@example.com").await.json();
    let id = ana["user"]["id"].as_str().unwrap().to_owned();
    t.create_tech("ben@example.com").await;
    let r = t.redeem(&t.link_for("ben@example.com"), NEW_PASSWORD).await;
    let tech_session = r.json()["accessToken"].as_str().unwrap().to_owned();
    let before = t.store.snapshot().unwrap();
    let emails_before = t.emails().len();
    let admin = format!("Bearer {}", t.admin_token);

    // The list's query: each bad value is named.
    let long_cursor = "A".repeat(2000);
    let junk_cursor = B64.encode(r#"{"t":"yesterday","e":"ana@example.com"}"#);
    let not_json_cursor = B64.encode("not json");
    let queries: Vec<(String, Option<&str>)> = vec![
        ("status=gone".into(), Some("status")),
        ("status=INVITED".into(), Some("status")),
        ("status=".into(), Some("status")),
        ("status=invited&status=active".into(), Some("status")),
        ("limit=0".into(), Some("limit")),
        ("limit=101".into(), Some("limit")),
        ("limit=abc".into(), Some("limit")),
        ("limit=-1".into(), Some("limit")),
        ("limit=1.5".into(), Some("limit")),
        ("limit=%2B5".into(), Some("limit")),
        ("limit=".into(), Some("limit")),
        ("limit=99999999999999999999999".into(), Some("limit")),
        ("cursor=".into(), Some("cursor")),
        ("cursor=!!".into(), Some("cursor")),
        (format!("cursor={junk_cursor}"), Some("cursor")),
        (format!("cursor={not_json_cursor}"), Some("cursor")),
        (format!("cursor={long_cursor}"), Some("cursor")),
        ("cursor=a%zz".into(), None),
        ("status=%00".into(), Some("status")),
    ];
    for (query, field) in &queries {
        let r = t
            .send(request(
                Method::GET,
                &format!("/users?{query}"),
                &[("authorization", &admin)],
                Vec::new(),
            ))
            .await;
        assert_contract_error(&r, StatusCode::BAD_REQUEST, "invalid_request", query);
        assert_eq!(r.json()["error"]["field"].as_str(), *field, "{query}");
    }

    // The options of an invite, on `POST /users` and on a resend.
    let resend = format!("/users/{id}/invite");
    let bad_options = [
        (json!({"delivery": "fax"}), "delivery"),
        (json!({"delivery": 5}), "delivery"),
        (json!({"delivery": ""}), "delivery"),
        (json!({"delivery": "LINK"}), "delivery"),
        (json!({"inviteExpiresInDays": "7"}), "inviteExpiresInDays"),
        (json!({"inviteExpiresInDays": 0}), "inviteExpiresInDays"),
        (json!({"inviteExpiresInDays": 31}), "inviteExpiresInDays"),
        (json!({"inviteExpiresInDays": 1e3}), "inviteExpiresInDays"),
        (json!({"inviteExpiresInDays": [7]}), "inviteExpiresInDays"),
    ];
    for (options, field) in &bad_options {
        let r = t.post_json(&resend, options, Some(&t.admin_token)).await;
        assert_contract_error(
            &r,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("resend {options}"),
        );
        assert_eq!(r.json()["error"]["field"], *field, "resend {options}");
        let mut create = options.clone();
        create["email"] = json!("new@example.com");
        create["temporaryPassword"] = json!(TEMP_PASSWORD);
        let r = t.post_json("/users", &create, Some(&t.admin_token)).await;
        assert_contract_error(
            &r,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("create {options}"),
        );
        assert_eq!(r.json()["error"]["field"], *field, "create {options}");
    }
    let bodies: Vec<(&str, &str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "malformed JSON",
            "application/json",
            b"{\"delivery\": ".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "a JSON string",
            "application/json",
            b"\"link\"".to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "an empty JSON body",
            "application/json",
            Vec::new(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        (
            "XML",
            "application/xml",
            b"<a/>".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "a form",
            "application/x-www-form-urlencoded",
            b"delivery=link".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "huge",
            "application/json",
            format!("{{\"delivery\": \"{}\"}}", "a".repeat(20_000)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (what, content_type, body, status, code) in bodies {
        let r = t
            .send(request(
                Method::POST,
                &resend,
                &[("content-type", content_type), ("authorization", &admin)],
                body,
            ))
            .await;
        assert_contract_error(&r, status, code, &format!("resend with {what}"));
    }
    // A body without a media type is not read as JSON.
    let r = t
        .send(request(
            Method::POST,
            &resend,
            &[("authorization", &admin)],
            "{}",
        ))
        .await;
    assert_contract_error(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "resend without a content type",
    );

    // Every new route: no session, a broken one, and a tech's.
    let routes = [
        (Method::GET, "/users".to_owned()),
        (Method::DELETE, format!("/users/{id}/invite")),
        (Method::POST, format!("/users/{id}/disable")),
        (Method::POST, format!("/users/{id}/enable")),
    ];
    let tech = format!("Bearer {tech_session}");
    for (method, path) in &routes {
        let what = format!("{method} {path}");
        let r = t.send(request(method.clone(), path, &[], Vec::new())).await;
        assert_contract_error(&r, StatusCode::UNAUTHORIZED, "unauthorized", &what);
        let r = t
            .send(request(
                method.clone(),
                path,
                &[("authorization", "Bearer a.b.c")],
                Vec::new(),
            ))
            .await;
        assert_contract_error(&r, StatusCode::UNAUTHORIZED, "unauthorized", &what);
        let r = t
            .send(request(
                method.clone(),
                path,
                &[("authorization", &tech)],
                Vec::new(),
            ))
            .await;
        assert_contract_error(&r, StatusCode::FORBIDDEN, "forbidden", &what);
    }
    // Ids that are nobody's.
    for bad_id in ["nobody", &"x".repeat(65), "%00", "..", &id.to_uppercase()] {
        for (method, suffix) in [
            (Method::DELETE, "/invite"),
            (Method::POST, "/disable"),
            (Method::POST, "/enable"),
        ] {
            let path = format!("/users/{bad_id}{suffix}");
            let r = t
                .send(request(
                    method.clone(),
                    &path,
                    &[("authorization", &admin)],
                    Vec::new(),
                ))
                .await;
            assert_contract_error(
                &r,
                StatusCode::NOT_FOUND,
                "not_found",
                &format!("{method} {path}"),
            );
        }
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert_eq!(t.emails().len(), emails_before);
}

/// serde_json keeps the last of two equal keys, so a body that names `password` twice would be
/// checked with whichever copy the parser happened to keep: a repeated key is refused outright.
#[tokio::test]
async fn a_repeated_password_key_is_refused_not_signed_in() {
    let t = spawn_app().await;
    let body = format!(
        r#"{{"email": "{ADMIN_EMAIL}", "password": "wrong", "password": "{ADMIN_PASSWORD}"}}"#
    );
    let r = t
        .send(request(
            Method::POST,
            "/login",
            &[("content-type", "application/json")],
            body,
        ))
        .await;
    assert_contract_error(
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "a repeated password",
    );
    assert!(r.session_cookie().is_none());
    // Nested objects are held to it too: a crew row that names `email` twice is refused.
    let body = r#"{"users": [{"email": "a@example.com", "email": "b@example.com"}]}"#;
    let r = t
        .send(request(
            Method::POST,
            "/users/batch",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {}", t.admin_token)),
            ],
            body,
        ))
        .await;
    assert_contract_error(
        &r,
        StatusCode::BAD_REQUEST,
        "invalid_request",
        "a repeated row key",
    );
}
