//! Issue 14 through the router: the JWKS, choosing one's own password right after a
//! temporary-password sign-in, changing a password, signing out (everywhere), the
//! `password_changed` email, and `TEMP_PASSWORD_TTL`.

use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use tests::app::*;

const TECH: &str = "ana@example.com";
const NEWER_PASSWORD: &str = "juniper sofa orbit lantern";

fn token_of(r: &TestResponse) -> String {
    r.json()["accessToken"].as_str().unwrap().to_owned()
}

async fn with_cookie(
    t: &TestApp,
    method: Method,
    path: &str,
    session: &str,
    form: Option<&str>,
) -> TestResponse {
    let cookie = format!("__Host-session={session}");
    let mut headers = vec![("cookie", cookie.as_str()), ("accept", "text/html")];
    if form.is_some() {
        headers.push(("content-type", "application/x-www-form-urlencoded"));
    }
    t.send(request(method, path, &headers, form.unwrap_or_default()))
        .await
}

async fn is_live(t: &TestApp, jwt: &str) -> bool {
    t.app().user_for_session(jwt).await.unwrap().is_some()
}

fn password_changed_emails(t: &TestApp, to: &str) -> usize {
    t.emails()
        .iter()
        .filter(|m| m.to == to && m.subject == "Your password was changed")
        .count()
}

#[tokio::test]
async fn the_jwks_lists_the_signing_key_publicly_and_may_be_cached() {
    let t = spawn_app().await;
    let r = t.get("/.well-known/jwks.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("cache-control"), Some("public, max-age=300"));
    // Public keys: any origin may read them (an app in a browser); nothing else is shared.
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let login = t.get("/login").await;
    assert_eq!(login.header("access-control-allow-origin"), None);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let keys = r.json()["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(
        (
            key["kty"].as_str(),
            key["crv"].as_str(),
            key["alg"].as_str(),
            key["use"].as_str()
        ),
        (Some("OKP"), Some("Ed25519"), Some("EdDSA"), Some("sig"))
    );
    assert_eq!(key["kid"], t.app().sessions.current_kid());
    assert!(key.get("d").is_none(), "no private part");
    // A session names that key.
    let header = t.admin_token.split('.').next().unwrap();
    use base64::Engine;
    let header: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], key["kid"]);
}

#[tokio::test]
async fn a_temporary_password_sign_in_goes_straight_to_choosing_ones_own() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let r = t
        .post_form("/login", &[("email", TECH), ("password", TEMP_PASSWORD)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/password"));
    let session = r.session_cookie().unwrap();
    let page = with_cookie(&t, Method::GET, "/password", &session, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Choose your password"), "{}", page.body);
    assert!(
        !page.body.contains("currentPassword"),
        "no current password asked"
    );

    // No current password needed while on the temporary one.
    let form = format!(
        "password={0}&passwordConfirmation={0}",
        NEW_PASSWORD.replace(' ', "+")
    );
    let r = with_cookie(&t, Method::POST, "/password", &session, Some(&form)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), Some(t.app().config.app_url.as_str()));
    let fresh = r.session_cookie().unwrap();
    assert!(is_live(&t, &fresh).await);
    assert!(
        !is_live(&t, &session).await,
        "the temporary-password session ended"
    );

    // The temporary password is refused now; the new one works; the tech was told.
    assert_eq!(
        t.login(TECH, TEMP_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let own = t.login(TECH, NEW_PASSWORD).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.json()["mustChangePassword"], false);
    assert_eq!(password_changed_emails(&t, TECH), 1);
    let mail = t.last_email_to(TECH);
    assert!(mail.text.contains("/password/forgot"), "{}", mail.text);
    // And the welcome link is dead: setting a password ends every link.
    let welcome = t
        .emails()
        .into_iter()
        .find(|m| m.to == TECH && m.subject.starts_with("Set up"))
        .unwrap();
    let r = t.get(&path_of(&link_in(&welcome.text))).await;
    assert_eq!(r.status, StatusCode::GONE);
}

#[tokio::test]
async fn a_json_sign_in_says_must_change_password_and_the_token_carries_it() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let r = t.login(TECH, TEMP_PASSWORD).await;
    assert_eq!(r.json()["mustChangePassword"], true);
    let claims = t
        .app()
        .sessions
        .verify(&token_of(&r), t.app().now())
        .unwrap();
    assert!(claims.must_change_password);
    let r = t
        .post_json(
            "/password",
            &json!({"password": NEW_PASSWORD}),
            Some(&token_of(&r)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["status"], "active");
    let claims = t
        .app()
        .sessions
        .verify(&token_of(&r), t.app().now())
        .unwrap();
    assert!(!claims.must_change_password);
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one_and_ends_every_other_session() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let set = t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    let phone = token_of(&set);
    let laptop = token_of(&t.login(TECH, NEW_PASSWORD).await);
    let before = t.store.snapshot().unwrap();

    // Missing, then wrong: refused, nothing changed, both sessions live.
    let r = t
        .post_json(
            "/password",
            &json!({"password": NEWER_PASSWORD}),
            Some(&phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "currentPassword");
    let r = t
        .post_json(
            "/password",
            &json!({"currentPassword": "not it at all", "password": NEWER_PASSWORD}),
            Some(&phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "invalid_credentials");
    // A new password that breaks the policy is refused before anything else.
    let r = t
        .post_json(
            "/password",
            &json!({"currentPassword": NEW_PASSWORD, "password": "password1234"}),
            Some(&phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "password");
    assert!(is_live(&t, &phone).await && is_live(&t, &laptop).await);
    // Only the failure counters moved: no user, link or email changed.
    let not_counters = |rows: Vec<(String, String, Vec<u8>)>| {
        rows.into_iter()
            .filter(|(table, _, _)| table != "counters")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        not_counters(before),
        not_counters(t.store.snapshot().unwrap()),
        "a refused change changes nothing"
    );

    let r = t
        .post_json(
            "/password",
            &json!({"currentPassword": NEW_PASSWORD, "password": NEWER_PASSWORD}),
            Some(&phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = token_of(&r);
    assert!(r.session_cookie().is_some());
    assert!(is_live(&t, &fresh).await);
    assert!(!is_live(&t, &phone).await && !is_live(&t, &laptop).await);
    assert_eq!(
        t.login(TECH, NEW_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(t.login(TECH, NEWER_PASSWORD).await.status, StatusCode::OK);
    assert_eq!(password_changed_emails(&t, TECH), 1);

    // The old session cannot change it again.
    let r = t
        .post_json(
            "/password",
            &json!({"currentPassword": NEWER_PASSWORD, "password": NEW_PASSWORD}),
            Some(&phone),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "unauthorized");
}

#[tokio::test]
async fn guessing_the_current_password_with_a_stolen_session_is_rate_limited() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let session = token_of(&t.redeem(&t.link_for(TECH), NEW_PASSWORD).await);
    let mut statuses = Vec::new();
    for i in 0..7 {
        let r = t
            .post_json(
                "/password",
                &json!({"currentPassword": format!("guess number {i}"), "password": NEWER_PASSWORD}),
                Some(&session),
            )
            .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    // Once limited, the right current password is refused too, and so is signing in from the
    // same address: the guesses spent the sign-in limits.
    let r = t
        .post_json(
            "/password",
            &json!({"currentPassword": NEW_PASSWORD, "password": NEWER_PASSWORD}),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.header("retry-after").is_some());
    assert_eq!(
        t.login(TECH, NEW_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn two_session_cookies_are_no_session() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let session = token_of(&t.redeem(&t.link_for(TECH), NEW_PASSWORD).await);
    // A sibling subdomain can plant a second `session` cookie for the parent domain.
    let cookies = format!("__Host-session={session}; __Host-session=planted-by-a-sibling");
    let r = t
        .send(request(
            Method::GET,
            "/password",
            &[("cookie", cookies.as_str()), ("accept", "text/html")],
            Vec::new(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    let one = with_cookie(&t, Method::GET, "/password", &session, None).await;
    assert_eq!(one.status, StatusCode::OK);
}

#[tokio::test]
async fn a_temporary_password_session_past_temp_password_ttl_cannot_set_a_password() {
    let t = spawn_app_with(&[("TEMP_PASSWORD_TTL", "1h"), ("SESSION_TTL", "12h")]).await;
    t.create_tech(TECH).await;
    let session = token_of(&t.login(TECH, TEMP_PASSWORD).await);
    t.advance(Duration::hours(2));
    let before = t.store.snapshot().unwrap();
    let r = t
        .post_json(
            "/password",
            &json!({"password": NEW_PASSWORD}),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(t.store.snapshot().unwrap(), before);
}

#[tokio::test]
async fn a_plain_sign_out_needs_only_a_valid_signature() {
    let t = spawn_app().await;
    // A session whose user is gone (as in a store that cannot be read): the signature is
    // enough to clear the cookie; everywhere needs the user.
    let ghost = t.fresh_admin_token();
    let r = t.post_json("/logout", &json!({}), Some(&ghost)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .post_json("/logout", &json!({}), Some("eyJhbGciOiJIUzI1NiJ9.e30.x"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn not_signed_in_the_page_sends_to_sign_in_and_the_api_answers_401() {
    let t = spawn_app().await;
    let r = t.get("/password").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    let r = with_cookie(&t, Method::GET, "/password", "not-a-session", None).await;
    assert_eq!(r.header("location"), Some("/login"));
    let r = t
        .post_json("/password", &json!({"password": NEW_PASSWORD}), None)
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "unauthorized");
    let r = t
        .post_json(
            "/password",
            &json!({"password": NEW_PASSWORD}),
            Some("a.b.c"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t.post_json("/logout", &json!({}), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_clears_the_cookie_and_everywhere_ends_every_session() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let set = t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    let phone = token_of(&set);
    let laptop = token_of(&t.login(TECH, NEW_PASSWORD).await);

    // Plain sign-out, API: 204 and the cookie cleared; a bare POST without a body works.
    let r = t
        .send(request(
            Method::POST,
            "/logout",
            &[("authorization", &format!("Bearer {laptop}"))],
            Vec::new(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let cookie = r.header("set-cookie").unwrap();
    assert!(
        cookie.starts_with("__Host-session=;") && cookie.contains("Max-Age=0"),
        "{cookie}"
    );
    assert!(
        is_live(&t, &phone).await,
        "a plain sign-out ends no other session"
    );

    // The page's form: 303 to /login, cookie cleared.
    let r = with_cookie(&t, Method::POST, "/logout", &laptop, Some("")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("/login"));
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));

    // Everywhere, from the form: every session of the user ends, other users' do not.
    let admin_before = t.admin_token.clone();
    let r = with_cookie(&t, Method::POST, "/logout", &laptop, Some("everywhere=1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!is_live(&t, &phone).await && !is_live(&t, &laptop).await);
    assert!(is_live(&t, &admin_before).await);
    // The password still works: a new session is fine.
    let again = token_of(&t.login(TECH, NEW_PASSWORD).await);
    assert!(is_live(&t, &again).await);
    let r = t
        .post_json("/logout", &json!({"everywhere": true}), Some(&again))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(!is_live(&t, &again).await);
    // Bad input: a non-boolean `everywhere` is refused and ends nothing.
    let last = token_of(&t.login(TECH, NEW_PASSWORD).await);
    let r = t
        .post_json("/logout", &json!({"everywhere": "yes"}), Some(&last))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["field"], "everywhere");
    assert!(is_live(&t, &last).await);
}

#[tokio::test]
async fn a_reset_sends_the_password_changed_email_too() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    assert_eq!(
        password_changed_emails(&t, TECH),
        0,
        "not after the first setup"
    );
    t.post_json("/password/forgot", &json!({"email": TECH}), None)
        .await;
    let r = t.redeem(&t.link_for(TECH), NEWER_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(password_changed_emails(&t, TECH), 1);
}

#[tokio::test]
async fn by_default_the_temporary_password_works_until_the_tech_sets_their_own() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    t.advance(Duration::days(365));
    assert_eq!(t.login(TECH, TEMP_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_temp_password_ttl_the_temporary_password_expires() {
    let t = spawn_app_with(&[("TEMP_PASSWORD_TTL", "3d")]).await;
    t.create_tech(TECH).await;
    t.advance(Duration::days(3) - Duration::seconds(1));
    assert_eq!(t.login(TECH, TEMP_PASSWORD).await.status, StatusCode::OK);
    t.advance(Duration::seconds(1));
    let r = t.login(TECH, TEMP_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "invalid_credentials");
    // The link still works (it has its own lifetime), and so does the password it sets.
    let r = t.redeem(&t.link_for(TECH), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.login(TECH, NEW_PASSWORD).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_change_form_that_breaks_the_policy_is_shown_again_with_the_message() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let session = token_of(&t.redeem(&t.link_for(TECH), NEW_PASSWORD).await);
    let form = format!(
        "currentPassword={}&password=password1234&passwordConfirmation=password1234",
        NEW_PASSWORD.replace(' ', "+")
    );
    let r = with_cookie(&t, Method::POST, "/password", &session, Some(&form)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("id=\"password-error\""), "{}", r.body);
    assert!(r.body.contains("name=\"currentPassword\""));
    let form = "currentPassword=wrong+one+entirely&password=a&passwordConfirmation=a";
    let r = with_cookie(&t, Method::POST, "/password", &session, Some(form)).await;
    assert_eq!(
        r.status,
        StatusCode::BAD_REQUEST,
        "the new password is checked first"
    );
    let form = format!(
        "currentPassword=wrong+one+entirely&password={0}&passwordConfirmation={0}",
        NEWER_PASSWORD.replace(' ', "+")
    );
    let r = with_cookie(&t, Method::POST, "/password", &session, Some(&form)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.body.contains("id=\"current-error\""), "{}", r.body);
    assert!(is_live(&t, &session).await);
}

/// The admin's claims, `iat` and `nbf` moved `ahead` of the app's clock, signed EdDSA with the
/// test app's real session key (derived from `SIGNING_KEY` as docs/DEPLOY.md says) under its
/// `kid`, as a server whose clock runs fast would sign them.
fn signed_from_the_future(t: &TestApp, ahead: Duration, claim: &str) -> String {
    use aws_lc_rs::signature::Ed25519KeyPair;
    use sha2::Digest;
    let seed = sha2::Sha256::new()
        .chain_update(onboarding::domain::session::SEED_LABEL)
        .chain_update(SIGNING_KEY.as_bytes())
        .finalize();
    let pkcs8 = Ed25519KeyPair::from_seed_unchecked(&seed)
        .unwrap()
        .to_pkcs8()
        .unwrap();
    let now = t.app().now().timestamp();
    let mut claims = json!({
        "sub": t.admin.id.0, "email": ADMIN_EMAIL, "org": t.admin.org_id.0, "role": "admin",
        "iat": now, "exp": now + 3600, "iss": "onboarding", "aud": "field-service-app",
        "sv": t.admin.session_version, "mustChangePassword": false,
    });
    claims[claim] = json!(now + ahead.num_seconds());
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some(t.app().sessions.current_kid().to_owned());
    jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref()),
    )
    .unwrap()
}

#[tokio::test]
async fn a_session_issued_or_valid_from_a_minute_in_the_future_is_refused_like_an_expired_one() {
    let t = spawn_app().await;
    let path = format!("/users/{}", t.admin.id.0);
    for claim in ["iat", "nbf"] {
        let early = signed_from_the_future(&t, Duration::minutes(1), claim);
        let r = t.get_with_bearer(&path, &early).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{claim}: {}", r.body);
        assert_eq!(r.error_code(), "unauthorized", "{claim}");
        assert!(t.app().user_for_session(&early).await.unwrap().is_none());
    }
    // The app's own session, issued a minute ahead of its clock, is no different.
    let issued_early = t
        .app()
        .sessions
        .issue(&t.admin, t.app().now() + Duration::minutes(1));
    let r = t
        .get_with_bearer(&path, secrecy::ExposeSecret::expose_secret(&issued_early))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

#[tokio::test]
async fn a_session_from_a_clock_three_seconds_ahead_is_accepted() {
    let t = spawn_app().await;
    let path = format!("/users/{}", t.admin.id.0);
    for claim in ["iat", "nbf"] {
        let slightly_early = signed_from_the_future(&t, Duration::seconds(3), claim);
        let r = t.get_with_bearer(&path, &slightly_early).await;
        assert_eq!(r.status, StatusCode::OK, "{claim}: {}", r.body);
    }
}

/// A session's claims, as any JWT library reads its payload.
fn claims_of(jwt: &str) -> serde_json::Value {
    use base64::Engine;
    let payload = jwt.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// API.md, "Sessions": `auth_time` (when the user proved a credential) and `amr` (how).
#[tokio::test]
async fn a_session_says_when_and_how_its_user_proved_who_they_are() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let now = t.app().now().timestamp();

    let temporary = t.login(TECH, TEMP_PASSWORD).await;
    let claims = claims_of(&token_of(&temporary));
    assert_eq!(claims["amr"], json!(["tmp"]), "{claims}");
    assert_eq!(claims["auth_time"], claims["iat"]);
    assert!((claims["auth_time"].as_i64().unwrap() - now).abs() <= 1);

    // A setup link (or its code) proves the inbox: a one-time password.
    t.advance(Duration::minutes(3));
    let setup = t
        .redeem(&t.link_for(TECH), "correct horse battery staple 9")
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
    let claims = claims_of(&token_of(&setup));
    assert_eq!(claims["amr"], json!(["otp"]), "{claims}");
    assert_eq!(claims["auth_time"].as_i64().unwrap(), now + 180);

    t.advance(Duration::minutes(3));
    let own = t.login(TECH, "correct horse battery staple 9").await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let claims = claims_of(&token_of(&own));
    assert_eq!(claims["amr"], json!(["pwd"]), "{claims}");
    assert_eq!(claims["auth_time"].as_i64().unwrap(), now + 360);
}

/// A first password chosen from a temporary-password session proves nothing new: the session it
/// hands back still says `tmp`.
#[tokio::test]
async fn a_first_password_chosen_while_on_the_temporary_one_keeps_amr_tmp() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let temporary = token_of(&t.login(TECH, TEMP_PASSWORD).await);
    let r = t
        .send(request(
            Method::POST,
            "/password",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {temporary}")),
            ],
            json!({"password": NEWER_PASSWORD}).to_string(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(claims_of(&token_of(&r))["amr"], json!(["tmp"]));
    // With the current password typed again, it is `pwd`.
    let own = token_of(&t.login(TECH, NEWER_PASSWORD).await);
    let r = t
        .send(request(
            Method::POST,
            "/password",
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {own}")),
            ],
            json!({"currentPassword": NEWER_PASSWORD, "password": "correct horse battery staple 9"}).to_string(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(claims_of(&token_of(&r))["amr"], json!(["pwd"]));
}
