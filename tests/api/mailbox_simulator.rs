//! The local server's outbox playing SES's mailbox simulator, seen as an admin sees it: an invite
//! to `bounce@simulator.amazonses.com` shows `bounced` (permanent), one to `complaint@…` shows
//! `complained`, any other `delivered`, through `GET /users/{id}` and `GET /users`, and
//! `/_dev/mail` says what happened to each email. The simulator runs as the local server runs it
//! (`infra::local::simulate_mailbox`); the tests poll, with the contract's 5 seconds as the limit.

use lambda_http::http::{Method, StatusCode};
use serde_json::Value;
use std::time::{Duration, Instant};
use tests::app::*;

/// The contract's promise: the invite's status follows within 5 seconds.
const FOLLOWS_WITHIN: Duration = Duration::from_secs(5);

async fn invite(t: &TestApp, email: &str) -> String {
    let r = t.create_tech(email).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["invite"]["status"], "sent", "{}", r.body);
    r.json()["user"]["id"].as_str().unwrap().to_owned()
}

/// `/_dev/mail` as a browser on this machine asks for it.
async fn dev_mail(t: &TestApp) -> TestResponse {
    let page = t
        .send(request(
            Method::GET,
            "/_dev/mail",
            &[("host", "127.0.0.1:3000"), ("accept", "text/html")],
            Vec::new(),
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page
}

/// The page's line about the message to `to`.
fn row_for<'a>(page: &'a TestResponse, to: &str) -> &'a str {
    page.body
        .lines()
        .find(|l| l.contains(&format!("To {to} ")))
        .unwrap_or_else(|| panic!("no row for {to}: {}", page.body))
}

/// `GET /users/{id}`'s invite once its status is no longer `sent`, polled until the limit.
async fn invite_after_events(t: &TestApp, id: &str) -> (Value, Duration) {
    let started = Instant::now();
    loop {
        let r = t
            .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let invite = r.json()["invite"].clone();
        if invite["status"] != "sent" {
            return (invite, started.elapsed());
        }
        assert!(
            started.elapsed() < FOLLOWS_WITHIN,
            "still sent after {:?}: {invite}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_invites_status_follows_what_the_mailbox_simulator_reports() {
    let t = spawn_app().await;
    let _simulator = infra::local::simulate_mailbox(t.app().services.clone(), t.outbox.clone());
    let bounce = invite(&t, "bounce@simulator.amazonses.com").await;
    let labelled = invite(&t, "bounce+ana@simulator.amazonses.com").await;
    let complaint = invite(&t, "complaint@simulator.amazonses.com").await;
    let success = invite(&t, "success@simulator.amazonses.com").await;
    let other = invite(&t, "ben@northwind.example").await;

    for id in [&bounce, &labelled] {
        let (invite, after) = invite_after_events(&t, id).await;
        assert_eq!(invite["status"], "bounced", "{invite}");
        assert_eq!(invite["bounceType"], "permanent", "{invite}");
        println!("bounced after {after:?}");
    }
    let (invite, _) = invite_after_events(&t, &complaint).await;
    assert_eq!(invite["status"], "complained", "{invite}");
    assert!(invite.get("bounceType").is_none(), "{invite}");
    for id in [&success, &other] {
        let (invite, _) = invite_after_events(&t, id).await;
        assert_eq!(invite["status"], "delivered", "{invite}");
        assert!(invite.get("bounceType").is_none(), "{invite}");
    }

    // The list shows the same.
    let r = t.get_with_bearer("/users?limit=100", &t.admin_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let listed = r.json();
    let shown = |id: &str| {
        listed["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["user"]["id"] == id)
            .map(|u| u["invite"].clone())
            .unwrap_or_else(|| panic!("{id} is listed"))
    };
    assert_eq!(shown(&bounce)["status"], "bounced");
    assert_eq!(shown(&bounce)["bounceType"], "permanent");
    assert_eq!(shown(&complaint)["status"], "complained");
    assert_eq!(shown(&other)["status"], "delivered");

    // The mailbox page says what happened to each email.
    let page = dev_mail(&t).await;
    for (to, status) in [
        ("bounce@simulator.amazonses.com", "bounced (permanent)"),
        ("complaint@simulator.amazonses.com", "complained"),
        ("ben@northwind.example", "delivered"),
    ] {
        let row = row_for(&page, to);
        assert!(row.contains(status), "{to}: {row}");
    }
}

#[tokio::test]
async fn a_resent_invite_follows_its_newest_email_and_a_used_one_stays_used() {
    let t = spawn_app().await;
    let _simulator = infra::local::simulate_mailbox(t.app().services.clone(), t.outbox.clone());
    let id = invite(&t, "ana@northwind.example").await;
    let (invite, _) = invite_after_events(&t, &id).await;
    assert_eq!(invite["status"], "delivered");

    // A resend: `sent` again until the new email's event, then `delivered` again.
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &serde_json::json!({}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["invite"]["status"], "sent");
    let (invite, _) = invite_after_events(&t, &id).await;
    assert_eq!(invite["status"], "delivered");

    // Once the tech has set a password the invite is used, whatever comes later.
    let link = t.link_for("ana@northwind.example");
    let r = t.redeem(&link, "correct horse battery staple 9").await;
    assert!(
        r.status.is_success() || r.status.is_redirection(),
        "{}",
        r.body
    );
    let r = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(r.json()["invite"]["status"], "used", "{}", r.body);
}

/// Texts too (API.md, "Local server"): a number ending in 0999 bounces for good, one ending in
/// 0998 has opted out (refused at once), every other is delivered, within the same 5 seconds;
/// `/_dev/mail` lists each text with what happened to it.
#[tokio::test]
async fn a_texts_invite_follows_what_the_local_text_service_reports() {
    let t = spawn_app().await;
    let _simulator = infra::local::simulate_mailbox(t.app().services.clone(), t.outbox.clone());
    let by_text = |phone: &'static str| {
        let t = &t;
        async move {
            let r = t
                .post_json(
                    "/users",
                    &serde_json::json!({"phone": phone, "temporaryPassword": TEMP_PASSWORD}),
                    Some(&t.admin_token),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            r.json()
        }
    };
    let bounce = by_text("+12015550999").await;
    let delivered = by_text("+12015550150").await;
    let opted_out = by_text("+12015550998").await;
    assert_eq!(opted_out["invite"]["status"], "failed");

    let id = |j: &Value| j["user"]["id"].as_str().unwrap().to_owned();
    let (invite, _) = invite_after_events(&t, &id(&bounce)).await;
    assert_eq!(invite["status"], "bounced", "{invite}");
    assert_eq!(invite["bounceType"], "permanent", "{invite}");
    let (invite, _) = invite_after_events(&t, &id(&delivered)).await;
    assert_eq!(invite["status"], "delivered", "{invite}");
    assert_eq!(invite["channel"], "sms", "{invite}");

    let page = dev_mail(&t).await;
    for (to, status) in [
        ("+12015550999", "bounced (permanent)"),
        ("+12015550150", "delivered"),
    ] {
        let row = row_for(&page, to);
        assert!(row.contains(status), "{to}: {row}");
    }
    assert!(
        !page.body.contains("+12015550998"),
        "an opted-out number got no text"
    );
}
