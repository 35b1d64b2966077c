//! Passkeys through the HTTP API (API.md, "Passkeys"), on both stores: setting up from a link or
//! its code, signing in, adding, listing and removing, resetting, and every refusal the contract
//! names (a replayed challenge, a wrong origin or rp id, a counter gone backwards, another user's
//! credential, a disabled user). The browser is played by `webauthn::soft::SoftAuthenticator`,
//! which signs as an authenticator does; the browser suite does the same with Chromium's own
//! virtual authenticator.

use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};

use onboarding::webauthn::soft::SoftAuthenticator;
use tests::app::{
    code_in, link_in, split_link, TestResponse, BASE_URL, NEW_PASSWORD, TEMP_PASSWORD,
};
use tests::on_both_stores;
use tests::stories::Api;

/// A tech invited by email: their address, id and setup link's token.
async fn invited(api: &Api) -> (String, String, String) {
    let to = format!("pk.{}@northwind.example", uuid::Uuid::new_v4().simple());
    let r = api.invite(&to, json!({"name": "Ana Tech"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let (_, token) = split_link(&link_in(&api.emails_to(&to)[0]));
    (to, id, token)
}

async fn post(api: &Api, path: &str, body: Value) -> TestResponse {
    api.call(Method::POST, path, Some(body), None).await
}

async fn post_as(api: &Api, path: &str, body: Option<Value>, session: &str) -> TestResponse {
    api.call(Method::POST, path, body, Some(session)).await
}

/// Registration options for a link (its token, or a code's fields).
async fn link_options(api: &Api, page: &str, named: &Value) -> Value {
    let r = post(api, &format!("{page}/passkey/options"), named.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// Sets up (or resets) with a new passkey of `soft`: the answer.
async fn register(
    api: &Api,
    soft: &mut SoftAuthenticator,
    page: &str,
    named: Value,
) -> TestResponse {
    let options = link_options(api, page, &named).await;
    let mut body = named;
    body["credential"] = soft.create(&options, BASE_URL);
    post(api, &format!("{page}/passkey"), body).await
}

/// Signs in with `soft`'s newest passkey: the answer.
async fn sign_in(api: &Api, soft: &mut SoftAuthenticator) -> TestResponse {
    let options = api
        .call(Method::POST, "/login/passkey/options", None, None)
        .await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.body);
    let assertion = soft.get(&options.json(), BASE_URL);
    post(api, "/login/passkey", json!({ "credential": assertion })).await
}

fn session_of(r: &TestResponse) -> String {
    r.json()["accessToken"].as_str().unwrap().to_owned()
}

fn amr(api: &Api, session: &str) -> Vec<String> {
    api.app.sessions.verify(session, api.app.now()).unwrap().amr
}

async fn passkeys_of(api: &Api, session: &str) -> Vec<Value> {
    let r = api
        .call(Method::GET, "/passkeys", None, Some(session))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["passkeys"].as_array().unwrap().clone()
}

on_both_stores!(
    a_tech_sets_up_with_a_passkey_and_signs_in_with_it,
    the_code_beside_the_link_sets_up_with_a_passkey_too,
    a_refused_registration_leaves_the_link_working,
    a_sign_in_is_refused_for_a_counter_gone_back_another_users_credential_or_a_disabled_user,
    adding_a_passkey_needs_a_fresh_sign_in_and_tells_the_user,
    the_last_way_in_cannot_be_removed,
    a_passkey_user_chooses_a_password_only_right_after_a_passkey_sign_in,
    forgot_password_registers_a_new_passkey_and_ends_every_session,
    an_ip_address_base_url_offers_no_passkeys with ("PUBLIC_BASE_URL", "http://127.0.0.1:3000"),
    answered_sign_in_options_never_use_up_the_addresss_cap with ("LOGIN_FAILURES_PER_IP", "2"),
);

async fn a_tech_sets_up_with_a_passkey_and_signs_in_with_it(api: &Api) {
    let (to, id, token) = invited(api).await;
    let mut soft = SoftAuthenticator::new();
    let options = link_options(api, "/setup", &json!({ "token": token })).await;
    let pk = &options["publicKey"];
    assert_eq!(pk["rp"]["id"], "onboard.example.com");
    assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
    assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(pk["attestation"], "none");
    let handle = pk["user"]["id"].as_str().unwrap();
    assert!(!handle.contains(&to) && !handle.contains(&id));

    let r = register(api, &mut soft, "/setup", json!({ "token": token })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = session_of(&r);
    assert_eq!(amr(api, &session), ["hwk"]);
    assert_eq!(r.json()["user"]["status"], "active");
    // Setting up with a passkey is a setup: the invite is used, the link and the temporary
    // password are dead.
    let user = api.user(&id).await;
    assert_eq!(user["status"], "active");
    let shown = api.get(&format!("/users/{id}")).await.json();
    assert_eq!(shown["invite"]["status"], "used");
    let again = post(
        api,
        "/setup",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(again.status, StatusCode::GONE, "{}", again.body);
    let temporary = post(
        api,
        "/login",
        json!({"email": to, "password": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(temporary.status, StatusCode::UNAUTHORIZED);

    let signed_in = sign_in(api, &mut soft).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    assert_eq!(signed_in.json()["mustChangePassword"], false);
    assert_eq!(signed_in.json()["user"]["id"], id);
    let session = session_of(&signed_in);
    assert_eq!(amr(api, &session), ["hwk"]);
    let listed = passkeys_of(api, &session).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["lastUsedAt"].is_string(), "{listed:?}");
    assert!(listed[0]["name"].is_null());
}

async fn the_code_beside_the_link_sets_up_with_a_passkey_too(api: &Api) {
    let (to, id, _) = invited(api).await;
    let code = code_in(&api.emails_to(&to)[0]);
    // A wrong code is refused at the options, as at `POST /setup`.
    let wrong = post(
        api,
        "/setup/passkey/options",
        json!({"identifier": to, "code": "000000"}),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert_eq!(wrong.json()["error"]["code"], "code_invalid");

    let mut soft = SoftAuthenticator::new();
    let named = json!({"identifier": to, "code": code});
    // A right code is no wrong one: asking again and again (prompts closed) spends no try.
    for _ in 0..8 {
        link_options(api, "/setup", &named).await;
    }
    let r = register(api, &mut soft, "/setup", named).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api.user(&id).await["status"], "active");
}

async fn a_refused_registration_leaves_the_link_working(api: &Api) {
    let (_, id, token) = invited(api).await;
    let (_, _, other_token) = invited(api).await;
    let named = json!({ "token": token });
    let refused = |r: &TestResponse| {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "passkey_invalid");
    };
    // A wrong origin.
    let options = link_options(api, "/setup", &named).await;
    let mut body = named.clone();
    body["credential"] = SoftAuthenticator::new().create(&options, "https://evil.example");
    refused(&post(api, "/setup/passkey", body).await);
    // A wrong rp id.
    let options = link_options(api, "/setup", &named).await;
    let mut body = named.clone();
    body["credential"] = SoftAuthenticator::new()
        .with_rp_id_override("evil.example")
        .create(&options, BASE_URL);
    refused(&post(api, "/setup/passkey", body).await);
    // No user verification.
    let options = link_options(api, "/setup", &named).await;
    let mut body = named.clone();
    body["credential"] = SoftAuthenticator::new()
        .without_user_verification()
        .create(&options, BASE_URL);
    refused(&post(api, "/setup/passkey", body).await);
    // Another link's ceremony answered with this link.
    let options = link_options(api, "/setup", &json!({ "token": other_token })).await;
    let mut body = named.clone();
    body["credential"] = SoftAuthenticator::new().create(&options, BASE_URL);
    refused(&post(api, "/setup/passkey", body).await);
    // A setup ceremony answered at the reset route.
    let options = link_options(api, "/setup", &named).await;
    let mut body = named.clone();
    body["credential"] = SoftAuthenticator::new().create(&options, BASE_URL);
    let r = post(api, "/reset/passkey", body).await;
    assert!(r.status.is_client_error(), "{}", r.body);

    assert_eq!(api.user(&id).await["status"], "invited", "nothing changed");
    // The link still works, and a replayed answer to its spent challenge does not.
    let mut soft = SoftAuthenticator::new();
    let options = link_options(api, "/setup", &named).await;
    let mut body = named.clone();
    body["credential"] = soft.create(&options, BASE_URL);
    let ok = post(api, "/setup/passkey", body.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let replayed = post(api, "/setup/passkey", body).await;
    refused(&replayed);
}

async fn a_sign_in_is_refused_for_a_counter_gone_back_another_users_credential_or_a_disabled_user(
    api: &Api,
) {
    let (_, ana, ana_token) = invited(api).await;
    let (_, _, ben_token) = invited(api).await;
    let (mut ana_key, mut ben_key) = (SoftAuthenticator::new(), SoftAuthenticator::new());
    for (soft, token) in [(&mut ana_key, &ana_token), (&mut ben_key, &ben_token)] {
        let r = register(api, soft, "/setup", json!({ "token": token })).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    let invalid = |r: &TestResponse| {
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid_credentials");
    };
    assert_eq!(sign_in(api, &mut ana_key).await.status, StatusCode::OK);
    let ana_session = session_of(&sign_in(api, &mut ana_key).await);
    let used = passkeys_of(api, &ana_session).await[0]["lastUsedAt"].clone();

    // A counter gone backwards: a cloned authenticator.
    ana_key.set_counter(1);
    invalid(&sign_in(api, &mut ana_key).await);
    assert_eq!(passkeys_of(api, &ana_session).await[0]["lastUsedAt"], used);
    ana_key.set_counter(100);

    // Ben's credential sent with Ana's user handle.
    let options = api
        .call(Method::POST, "/login/passkey/options", None, None)
        .await;
    let ana_assertion = ana_key.get(&options.json(), BASE_URL);
    let options = api
        .call(Method::POST, "/login/passkey/options", None, None)
        .await;
    let mut ben_assertion = ben_key.get(&options.json(), BASE_URL);
    ben_assertion["response"]["userHandle"] = ana_assertion["response"]["userHandle"].clone();
    invalid(
        &post(
            api,
            "/login/passkey",
            json!({ "credential": ben_assertion }),
        )
        .await,
    );
    // A wrong origin.
    let options = api
        .call(Method::POST, "/login/passkey/options", None, None)
        .await;
    let elsewhere = ana_key.get(&options.json(), "https://evil.example");
    invalid(&post(api, "/login/passkey", json!({ "credential": elsewhere })).await);
    // An assertion answered once, then replayed: its challenge is spent.
    let once = post(
        api,
        "/login/passkey",
        json!({ "credential": ana_assertion }),
    )
    .await;
    assert_eq!(once.status, StatusCode::OK, "{}", once.body);
    invalid(
        &post(
            api,
            "/login/passkey",
            json!({ "credential": ana_assertion }),
        )
        .await,
    );

    // Disabled: the owner is told, once the passkey is proved; enabled, it works again.
    let off = api.post(&format!("/users/{ana}/disable"), json!({})).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let r = sign_in(api, &mut ana_key).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "account_disabled");
    let on = api.post(&format!("/users/{ana}/enable"), json!({})).await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);
    assert_eq!(api.user(&ana).await["status"], "active");
    assert_eq!(sign_in(api, &mut ana_key).await.status, StatusCode::OK);
}

async fn adding_a_passkey_needs_a_fresh_sign_in_and_tells_the_user(api: &Api) {
    let (to, _, token) = invited(api).await;
    // On the temporary password: not fresh enough, whenever.
    let temporary = post(
        api,
        "/login",
        json!({"email": to, "password": TEMP_PASSWORD}),
    )
    .await;
    let r = post_as(api, "/passkeys/options", None, &session_of(&temporary)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "reauthentication_required");

    let mut phone = SoftAuthenticator::new();
    let session = session_of(&register(api, &mut phone, "/setup", json!({ "token": token })).await);
    let options = post_as(api, "/passkeys/options", None, &session).await;
    assert_eq!(options.status, StatusCode::OK, "{}", options.body);
    let excluded = &options.json()["publicKey"]["excludeCredentials"];
    assert_eq!(excluded.as_array().unwrap().len(), 1, "{excluded}");
    let mut laptop = SoftAuthenticator::new();
    let credential = laptop.create(&options.json(), BASE_URL);
    let added = post_as(
        api,
        "/passkeys",
        Some(json!({"credential": credential, "name": "Work laptop"})),
        &session,
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    assert_eq!(added.json()["passkey"]["name"], "Work laptop");
    let notices: Vec<String> = api.emails_to(&to);
    assert!(
        notices
            .iter()
            .any(|t| t.contains("A passkey was added to your account")),
        "{notices:?}"
    );
    assert_eq!(passkeys_of(api, &session).await.len(), 2);
    assert_eq!(sign_in(api, &mut laptop).await.status, StatusCode::OK);

    // Six minutes on, the same session must sign in again first.
    api.clock.advance(Duration::minutes(6));
    let r = post_as(api, "/passkeys/options", None, &session).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

async fn the_last_way_in_cannot_be_removed(api: &Api) {
    let (_, _, token) = invited(api).await;
    let mut phone = SoftAuthenticator::new();
    let session = session_of(&register(api, &mut phone, "/setup", json!({ "token": token })).await);
    let only = passkeys_of(api, &session).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api
        .call(
            Method::DELETE,
            &format!("/passkeys/{only}"),
            None,
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(r.json()["error"]["code"], "last_credential");
    let r = api
        .call(Method::DELETE, "/passkeys/bm9wZQ", None, Some(&session))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

    let options = post_as(api, "/passkeys/options", None, &session).await;
    let credential = SoftAuthenticator::new().create(&options.json(), BASE_URL);
    let added = post_as(
        api,
        "/passkeys",
        Some(json!({ "credential": credential })),
        &session,
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let r = api
        .call(
            Method::DELETE,
            &format!("/passkeys/{only}"),
            None,
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(passkeys_of(api, &session).await.len(), 1);
    // The removed passkey signs nobody in.
    let r = sign_in(api, &mut phone).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
}

async fn a_passkey_user_chooses_a_password_only_right_after_a_passkey_sign_in(api: &Api) {
    let (to, _, token) = invited(api).await;
    let mut phone = SoftAuthenticator::new();
    let setup = session_of(&register(api, &mut phone, "/setup", json!({ "token": token })).await);
    api.clock.advance(Duration::minutes(6));
    let stale = post_as(
        api,
        "/password",
        Some(json!({ "password": NEW_PASSWORD })),
        &setup,
    )
    .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN, "{}", stale.body);
    assert_eq!(stale.json()["error"]["code"], "reauthentication_required");

    let fresh = session_of(&sign_in(api, &mut phone).await);
    let chosen = post_as(
        api,
        "/password",
        Some(json!({ "password": NEW_PASSWORD })),
        &fresh,
    )
    .await;
    assert_eq!(chosen.status, StatusCode::OK, "{}", chosen.body);
    let r = post(
        api,
        "/login",
        json!({"email": to, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["mustChangePassword"], false);
    // The passkey still works beside it.
    assert_eq!(sign_in(api, &mut phone).await.status, StatusCode::OK);
}

async fn forgot_password_registers_a_new_passkey_and_ends_every_session(api: &Api) {
    let (to, _, token) = invited(api).await;
    let set = post(
        api,
        "/setup",
        json!({"token": token, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let old = session_of(&set);
    let r = post(api, "/password/forgot", json!({ "email": to })).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let reset_link = api
        .emails_to(&to)
        .iter()
        .find_map(|t| {
            t.split_whitespace()
                .find(|w| w.contains("/reset?token="))
                .map(str::to_owned)
        })
        .expect("a reset email");
    let (page, reset_token) = split_link(&reset_link);
    assert_eq!(page, "/reset");
    let mut new_phone = SoftAuthenticator::new();
    let r = register(
        api,
        &mut new_phone,
        "/reset",
        json!({ "token": reset_token }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api.call(Method::GET, "/passkeys", None, Some(&old)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the old session ended");
    // The reset replaced the password someone may have known.
    let r = post(
        api,
        "/login",
        json!({"email": to, "password": NEW_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    assert_eq!(sign_in(api, &mut new_phone).await.status, StatusCode::OK);
    let notices = api.emails_to(&to);
    assert!(
        notices
            .iter()
            .any(|t| t.contains("A passkey was added to your account")),
        "{notices:?}"
    );
}

async fn an_ip_address_base_url_offers_no_passkeys(api: &Api) {
    let token = "A".repeat(43);
    for path in [
        "/setup/passkey/options",
        "/setup/passkey",
        "/login/passkey/options",
    ] {
        let r = post(api, path, json!({"token": token, "credential": {}})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    let page = api.call(Method::GET, "/login", None, None).await;
    assert!(!page.body.contains("data-passkey"), "{}", page.body);
}

/// Every sign-in page asks for options (the autofill): a crew behind one address signing in
/// again and again never runs out; only options nobody answers fill the address's cap (ten times
/// its failures: 20 here).
async fn answered_sign_in_options_never_use_up_the_addresss_cap(api: &Api) {
    let (_, _, token) = invited(api).await;
    let mut phone = SoftAuthenticator::new();
    let r = register(api, &mut phone, "/setup", json!({ "token": token })).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for round in 0..25 {
        let r = sign_in(api, &mut phone).await;
        assert_eq!(r.status, StatusCode::OK, "round {round}: {}", r.body);
    }
    let asked = || api.call(Method::POST, "/login/passkey/options", None, None);
    for open in 0..20 {
        assert_eq!(asked().await.status, StatusCode::OK, "open ceremony {open}");
    }
    let r = asked().await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.headers.contains_key("retry-after"));
}
