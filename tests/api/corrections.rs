//! `PATCH /users/{id}` (API.md, "Phones"): an admin corrects a mistyped email or number, gives an
//! active tech's recycled number to its new owner, changes a role or a name.

use lambda_http::http::Method;
use serde_json::{json, Value};
use tests::app::*;

async fn patch(t: &TestApp, id: &str, body: Value, bearer: &str) -> TestResponse {
    let auth = format!("Bearer {bearer}");
    t.send(request(
        Method::PATCH,
        &format!("/users/{id}"),
        &[
            ("content-type", "application/json"),
            ("authorization", &auth),
        ],
        body.to_string(),
    ))
    .await
}

async fn invite(t: &TestApp, body: Value) -> String {
    let r = t.post_json("/users", &body, Some(&t.admin_token)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["user"]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_mistyped_email_is_corrected_its_link_dies_and_no_reminder_follows_until_a_resend() {
    let t = spawn_app().await;
    let id = invite(
        &t,
        json!({"email": "ana@nortwind.example", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    let old_link = t.link_for("ana@nortwind.example");

    let r = patch(
        &t,
        &id,
        json!({"email": "Ana@Northwind.example"}),
        &t.admin_token,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["email"], "ana@northwind.example");
    let (path, token) = split_link(&old_link);
    let page = t.get(&format!("{path}?token={token}")).await;
    assert_eq!(page.status, 410, "the link to the mistyped address is dead");
    // The temporary password works under the corrected address, not the old one.
    assert_eq!(
        t.login("ana@northwind.example", TEMP_PASSWORD).await.status,
        200
    );
    assert_eq!(
        t.login("ana@nortwind.example", TEMP_PASSWORD).await.status,
        401
    );

    // The reminder of the dead link never goes out; a resend does, to the corrected address.
    let emails = t.emails().len();
    t.advance(chrono::Duration::days(6));
    t.run_schedule().await;
    assert_eq!(t.emails().len(), emails, "no reminder until a resend");
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({}),
            Some(&t.fresh_admin_token()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let redeemed = t
        .redeem(&t.link_for("ana@northwind.example"), NEW_PASSWORD)
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);
}

#[tokio::test]
async fn a_new_number_ends_an_active_techs_sessions_and_both_numbers_hear_of_it() {
    let t = spawn_app().await;
    let id = invite(
        &t,
        json!({"phone": "+12015550140", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    let session = t
        .post_json(
            "/login",
            &json!({"phone": "+12015550140", "password": TEMP_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(session.status, 200);
    let jwt = session.json()["accessToken"].as_str().unwrap().to_owned();
    let r = t
        .post_json("/password", &json!({"password": NEW_PASSWORD}), Some(&jwt))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let jwt = r.json()["accessToken"].as_str().unwrap().to_owned();
    assert_eq!(t.get_with_bearer("/password", &jwt).await.status, 200);

    let r = patch(&t, &id, json!({"phone": "(201) 555-0141"}), &t.admin_token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["phone"], "+12015550141");
    let page = t.get_with_bearer("/password", &jwt).await;
    assert_ne!(page.status, 200, "the session ended with the number");
    for number in ["+12015550140", "+12015550141"] {
        let notice = t.last_text_to(number);
        assert_eq!(notice.purpose, "contact_changed", "{number}");
        assert!(notice.body.contains("was changed"), "{}", notice.body);
    }
    let signed_in = t
        .post_json(
            "/login",
            &json!({"phone": "+12015550141", "password": NEW_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(signed_in.status, 200);
    let old = t
        .post_json(
            "/login",
            &json!({"phone": "+12015550140", "password": NEW_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(old.status, 401, "the old number names nobody now");
}

#[tokio::test]
async fn removing_the_email_leaves_the_invite_to_the_phone_and_the_last_contact_stays() {
    let t = spawn_app().await;
    let id = invite(
        &t,
        json!({"email": "ben@northwind.example", "phone": "+12015550142", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    let r = patch(&t, &id, json!({"email": null}), &t.admin_token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["email"], Value::Null);
    assert_eq!(r.json()["invite"]["channel"], "sms");
    let r = patch(&t, &id, json!({"phone": null}), &t.admin_token).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.error_code(), "invalid_request");
    // A resend, on the channel that remains, is a text.
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t.last_text_to("+12015550142").purpose, "welcome");
}

#[tokio::test]
async fn a_role_change_ends_sessions_and_an_admin_cannot_demote_themselves() {
    let t = spawn_app().await;
    let id = invite(
        &t,
        json!({"email": "cara@northwind.example", "temporaryPassword": TEMP_PASSWORD, "role": "admin"}),
    )
    .await;
    let jwt = t
        .login("cara@northwind.example", TEMP_PASSWORD)
        .await
        .json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(t.get_with_bearer("/users", &jwt).await.status, 200);
    let r = patch(
        &t,
        &id,
        json!({"role": "tech", "name": "Cara Tech"}),
        &t.admin_token,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["role"], "tech");
    assert_eq!(r.json()["user"]["name"], "Cara Tech");
    assert_eq!(
        t.get_with_bearer("/users", &jwt).await.status,
        401,
        "demoted at once"
    );

    let own = t.admin.id.0.clone();
    let r = patch(&t, &own, json!({"role": "tech"}), &t.admin_token).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.error_code(), "cannot_demote_self");
    let r = patch(&t, &own, json!({"name": "The Boss"}), &t.admin_token).await;
    assert_eq!(r.status, 200, "an admin may rename themselves: {}", r.body);
}

#[tokio::test]
async fn a_correction_to_a_taken_contact_or_of_another_org_or_with_bad_input_changes_nothing() {
    let t = spawn_app().await;
    invite(
        &t,
        json!({"email": "dan@northwind.example", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    invite(
        &t,
        json!({"phone": "+12015550143", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    let id = invite(
        &t,
        json!({"email": "eve@northwind.example", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    let before = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await
        .body;
    for (body, status, code, field) in [
        (
            json!({"email": "dan@northwind.example"}),
            409,
            "email_taken",
            "email",
        ),
        (
            json!({"phone": "201-555-0143"}),
            409,
            "phone_taken",
            "phone",
        ),
        (
            json!({"phone": "1-800-555-0199"}),
            400,
            "invalid_request",
            "phone",
        ),
        (
            json!({"email": "not an email"}),
            400,
            "invalid_request",
            "email",
        ),
        (json!({"role": "owner"}), 400, "invalid_request", "role"),
    ] {
        let r = patch(&t, &id, body.clone(), &t.admin_token).await;
        assert_eq!(r.status, status, "{body}: {}", r.body);
        assert_eq!(r.error_code(), code, "{body}");
        assert_eq!(r.json()["error"]["field"], field, "{body}");
    }
    let after = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await
        .body;
    assert_eq!(before, after);
    assert_eq!(
        t.login("eve@northwind.example", TEMP_PASSWORD).await.status,
        200
    );

    let r = patch(&t, "no-such-user", json!({"name": "X"}), &t.admin_token).await;
    assert_eq!(r.status, 404);
    let tech = t.login("eve@northwind.example", TEMP_PASSWORD).await.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        patch(&t, &id, json!({"name": "Me"}), &tech).await.status,
        403
    );
}

#[tokio::test]
async fn a_notice_by_text_takes_one_of_the_days_texts_too() {
    let t = spawn_app_with(&[("SMS_DAILY_LIMIT_PER_ORG", "2")]).await;
    let id = invite(
        &t,
        json!({"phone": "+12015550144", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    // Active: disabled counts as well, and takes no text of its own.
    let r = t
        .post_json(
            &format!("/users/{id}/disable"),
            &json!({}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = patch(&t, &id, json!({"phone": "+12015550145"}), &t.admin_token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The invite took one text, the first notice the second: the third waits for no one.
    let notices: Vec<_> = t
        .texts()
        .into_iter()
        .filter(|m| m.purpose == "contact_changed")
        .collect();
    assert_eq!(notices.len(), 1, "{notices:?}");
}
