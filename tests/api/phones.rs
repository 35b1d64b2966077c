//! Phone-first techs (API.md, "Phones"): invited by text message, signed in and reset by their
//! mobile number, through the same outbox as email. The local outbox plays End User Messaging:
//! a number ending in 0998 has opted out.

use serde_json::{json, Value};
use tests::app::*;

use onboarding::domain::sms_text::{segments, Encoding};

const ANA: &str = "+12015550123";

async fn invite(t: &TestApp, body: Value) -> TestResponse {
    t.post_json("/users", &body, Some(&t.admin_token)).await
}

/// The short link and the code in a text, found as a phone would: the one URL, and the digits
/// of the autofill line, which is the last line.
fn link_and_code(body: &str) -> (String, String) {
    let link = link_in(body);
    let last = body.lines().last().unwrap();
    let code = last.rsplit_once('#').unwrap().1.to_owned();
    (link, code)
}

#[tokio::test]
async fn a_tech_with_only_a_number_is_invited_by_text_and_sets_up_by_code_or_link() {
    let t = spawn_app().await;
    let r = invite(
        &t,
        json!({"phone": "(201) 555-0123", "temporaryPassword": TEMP_PASSWORD, "name": "Ana"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let j = r.json();
    assert_eq!(j["user"]["phone"], ANA, "stored in E.164");
    assert_eq!(j["user"]["email"], Value::Null);
    assert_eq!(j["invite"]["status"], "sent");
    let id = j["user"]["id"].as_str().unwrap().to_owned();

    let text = t.last_text_to(ANA);
    assert_eq!(text.purpose, "welcome");
    assert!(text.body.contains("Northwind Plumbing"), "{}", text.body);
    let counted = segments(&text.body);
    assert_eq!(counted.encoding, Encoding::Gsm7);
    assert!(
        counted.count <= 2,
        "{} segments: {}",
        counted.count,
        text.body
    );
    let (link, code) = link_and_code(&text.body);
    assert!(link.starts_with(&format!("{BASE_URL}/s/")), "{link}");
    assert!(
        text.body
            .ends_with(&format!("@onboard.example.com #{code}")),
        "the autofill line is last: {:?}",
        text.body
    );
    assert!(t.emails().is_empty(), "no email for a user without one");

    let shown = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(shown.json()["invite"]["channel"], "sms");

    // The code with the number, typed as a tech would, sets the password and signs in.
    let r = t
        .post_json(
            "/setup",
            &json!({"phone": "201.555.0123", "code": code, "password": NEW_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["phone"], ANA);
    // The link of the same text is used with it.
    let short = link.strip_prefix(BASE_URL).unwrap();
    let opened = t.get(short).await;
    assert_eq!(opened.status, 303);
    let page = t
        .get(
            opened
                .header("location")
                .unwrap()
                .strip_prefix(BASE_URL)
                .unwrap(),
        )
        .await;
    assert_eq!(
        page.status, 410,
        "one credential: the code used the link too"
    );
}

#[tokio::test]
async fn a_tech_signs_in_and_resets_by_number() {
    let t = spawn_app().await;
    let r = invite(
        &t,
        json!({"phone": ANA, "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = t
        .post_json(
            "/login",
            &json!({"phone": "201-555-0123", "password": TEMP_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["mustChangePassword"], true);
    // The sign-in form's one field takes a number as well as an email.
    let r = t
        .post_form(
            "/login",
            &[
                ("identifier", "+1 201 555 0123"),
                ("password", TEMP_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let wrong = t
        .post_json(
            "/login",
            &json!({"phone": ANA, "password": "not it at all 1"}),
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    let unknown = t
        .post_json(
            "/login",
            &json!({"phone": "+12015550177", "password": TEMP_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(
        unknown.body, wrong.body,
        "an unknown number answers as a wrong password"
    );

    let before = t.texts().len();
    let r = t
        .post_json("/password/forgot", &json!({"phone": "2015550123"}), None)
        .await;
    assert_eq!(r.status, 202);
    let reset = t.last_text_to(ANA);
    assert_eq!(reset.purpose, "reset");
    assert!(segments(&reset.body).count <= 2);
    let (link, _code) = link_and_code(&reset.body);
    let opened = t.get(link.strip_prefix(BASE_URL).unwrap()).await;
    assert!(opened.header("location").unwrap().contains("/reset?token="));

    // A number nobody has: the same 202, and no text.
    let r = t
        .post_json("/password/forgot", &json!({"phone": "+12015550166"}), None)
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(t.texts().len(), before + 1);
}

#[tokio::test]
async fn numbers_are_checked_and_unique_and_a_delivery_needs_its_contact() {
    let t = spawn_app().await;
    let refused = [
        (json!({"phone": "call me maybe"}), "phone"),
        // Toll-free and premium numbers take no texts.
        (json!({"phone": "1-800-555-0199"}), "phone"),
        (json!({"phone": "+1 900 234 5678"}), "phone"),
        // A UK mobile, outside the default SMS_ALLOWED_COUNTRIES (US, CA).
        (json!({"phone": "+44 7400 123456"}), "phone"),
        (json!({"name": "Nobody"}), "email"),
        (
            json!({"email": "ana@northwind.example", "delivery": "sms"}),
            "phone",
        ),
        (json!({"phone": ANA, "delivery": "email"}), "email"),
        (json!({"phone": ANA, "delivery": "fax"}), "delivery"),
    ];
    for (mut body, field) in refused {
        body["temporaryPassword"] = json!(TEMP_PASSWORD);
        let r = invite(&t, body.clone()).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], field, "{body}");
    }
    assert!(
        t.texts().is_empty() && t.emails().is_empty(),
        "bad input sends nothing"
    );

    let r = invite(
        &t,
        json!({"phone": ANA, "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201);
    let again = invite(
        &t,
        json!({"email": "someone@northwind.example", "phone": "201 555 0123", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.error_code(), "phone_taken");
    assert_eq!(again.json()["error"]["field"], "phone");
    let r = t.login("someone@northwind.example", TEMP_PASSWORD).await;
    assert_eq!(r.status, 401, "the refused invite left nobody behind");
}

#[tokio::test]
async fn a_number_that_opted_out_fails_at_once_with_its_reason_and_is_never_retried() {
    let t = spawn_app().await;
    let r = invite(
        &t,
        json!({"phone": "+12015550998", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["invite"]["status"], "failed");
    assert_eq!(
        r.json()["invite"]["reason"],
        "opted_out",
        "the answer says why"
    );
    let id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let shown = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(shown.json()["invite"]["status"], "failed");
    assert_eq!(shown.json()["invite"]["reason"], "opted_out");
    t.advance(chrono::Duration::hours(1));
    let report = t.run_schedule().await;
    assert_eq!(report.sent + report.retried, 0, "{report:?}");
    assert!(t.texts().is_empty());
}

#[tokio::test]
async fn an_email_and_a_number_default_to_email_and_either_signs_in() {
    let t = spawn_app().await;
    let r = invite(
        &t,
        json!({"email": "ana@northwind.example", "phone": ANA, "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["user"]["email"], "ana@northwind.example");
    assert_eq!(r.json()["user"]["phone"], ANA);
    assert!(t.texts().is_empty());
    let (_, token) = split_link(&t.link_for("ana@northwind.example"));
    assert!(!token.is_empty());
    for body in [
        json!({"email": "ana@northwind.example", "password": TEMP_PASSWORD}),
        json!({"phone": ANA, "password": TEMP_PASSWORD}),
    ] {
        assert_eq!(
            t.post_json("/login", &body, None).await.status,
            200,
            "{body}"
        );
    }
    // A resend by text goes to the number.
    let id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let resent = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({"delivery": "sms"}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(resent.status, 200, "{}", resent.body);
    assert_eq!(t.last_text_to(ANA).purpose, "welcome");
    let shown = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(shown.json()["invite"]["channel"], "sms");
}

#[tokio::test]
async fn past_the_daily_limit_a_text_waits_for_the_next_day() {
    let t = spawn_app_with(&[("SMS_DAILY_LIMIT_PER_ORG", "1")]).await;
    let first = invite(
        &t,
        json!({"phone": ANA, "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(first.json()["invite"]["status"], "sent");
    let second = invite(
        &t,
        json!({"phone": "+12015550124", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(second.status, 201);
    assert_eq!(second.json()["invite"]["status"], "queued");
    assert_eq!(t.texts().len(), 1);
    t.advance(chrono::Duration::hours(1));
    t.run_schedule().await;
    assert_eq!(t.texts().len(), 1, "still the same day");
    t.advance(chrono::Duration::days(1));
    t.run_schedule().await;
    assert_eq!(t.last_text_to("+12015550124").purpose, "welcome");
}
