//! The first admin of a fresh deployment is invited like a tech: no password exists until they
//! choose one from the emailed link, and then they can invite their team.

use lambda_http::http::StatusCode;
use onboarding::domain::{EmailAddress, InviteStatus};
use tests::app::*;

#[tokio::test]
async fn the_first_admin_sets_a_password_from_the_email_and_can_then_invite_techs() {
    let t = spawn_app().await;
    let (admin, status) = t
        .app()
        .invite_first_admin(
            EmailAddress::parse("boss@rival.example").unwrap(),
            "Rival Heating",
        )
        .await
        .unwrap();
    assert_eq!(status, InviteStatus::Sent);
    assert_eq!(admin.temporary_password_hash, None);
    assert_eq!(admin.password_hash, None);
    // Nothing signs in as them before setup: there is no password to guess.
    assert_eq!(
        t.login("boss@rival.example", "").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        t.login("boss@rival.example", TEMP_PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mail = t.last_email_to("boss@rival.example");
    assert_eq!(mail.subject, "Set up your Rival Heating account");
    let r = t.redeem(&link_in(&mail.text), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["user"]["role"], "admin");
    let token = r.json()["accessToken"].as_str().unwrap().to_owned();
    let created = t
        .post_json(
            "/users",
            &serde_json::json!({"email": "ana@rival.example", "temporaryPassword": TEMP_PASSWORD}),
            Some(&token),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["user"]["orgId"], admin.org_id.0.as_str());
}

#[tokio::test]
async fn a_second_first_admin_with_a_taken_email_is_refused() {
    let t = spawn_app().await;
    let again = t
        .app()
        .invite_first_admin(EmailAddress::parse(ADMIN_EMAIL).unwrap(), "Anything")
        .await;
    assert!(matches!(
        again,
        Err(onboarding::services::bootstrap::BootstrapError::EmailTaken)
    ));
}
