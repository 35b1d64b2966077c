//! Reminders (the contract's "Reminders"), with a fixed clock: an invite still waiting when
//! `REMINDER_BEFORE` (48 h) is left on its link gets exactly one reminder, with a fresh link that
//! expires when the original would have; the older link stops working. None for an active,
//! disabled or cancelled user, a link handed over in person, or a link too short for one.

use chrono::Duration;
use lambda_http::http::StatusCode;
use onboarding::adapters::local_mailbox::OutboxMessage;
use serde_json::{json, Value};
use tests::app::*;

const REMINDER_SUBJECT: &str = "Reminder: set up your Northwind Plumbing account";

fn reminders(t: &TestApp) -> Vec<OutboxMessage> {
    t.emails()
        .into_iter()
        .filter(|m| m.subject.starts_with("Reminder:"))
        .collect()
}

async fn invite(t: &TestApp, email: &str, extra: Value) -> String {
    let mut body = json!({"email": email, "temporaryPassword": TEMP_PASSWORD});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let created = t.post_json("/users", &body, Some(&t.admin_token)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    created.json()["user"]["id"].as_str().unwrap().to_owned()
}

async fn shown(t: &TestApp, id: &str) -> Value {
    t.get_with_bearer(&format!("/users/{id}"), &t.fresh_admin_token())
        .await
        .json()
}

#[tokio::test]
async fn a_waiting_invite_gets_exactly_one_reminder_whose_link_replaces_the_first() {
    let t = spawn_app().await;
    let id = invite(&t, "ana@example.com", json!({})).await;
    let welcome = t.link_for("ana@example.com");
    let expires_at = shown(&t, &id).await["invite"]["expiresAt"].clone();

    // Not before 48 hours are left on the 7-day link.
    t.advance(Duration::days(5) - Duration::minutes(1));
    assert_eq!(t.run_schedule().await.sent, 0);
    assert!(reminders(&t).is_empty());
    t.advance(Duration::minutes(2));
    let report = t.run_schedule().await;
    assert_eq!(report.sent, 1, "{report:?}");
    let sent = reminders(&t);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject, REMINDER_SUBJECT);
    assert!(sent[0].text.contains("2 days"), "{}", sent[0].text);

    let after = shown(&t, &id).await;
    assert_eq!(after["invite"]["status"], "sent");
    assert_eq!(
        after["invite"]["expiresAt"], expires_at,
        "the fresh link expires when the original would have"
    );
    assert!(after["invite"]["reminderSentAt"].is_string(), "{after}");

    // At most one: the schedule runs on and sends nothing more.
    t.advance(Duration::hours(1));
    assert_eq!(t.run_schedule().await.sent, 0);
    assert_eq!(reminders(&t).len(), 1);

    // The reminder's link works; the welcome link does not any more.
    let reminder_link = link_in(&sent[0].text);
    assert_ne!(reminder_link, welcome);
    assert_eq!(t.get(&path_of(&welcome)).await.status, StatusCode::GONE);
    assert_eq!(t.get(&path_of(&reminder_link)).await.status, StatusCode::OK);
    assert_eq!(
        t.redeem(&reminder_link, NEW_PASSWORD).await.status,
        StatusCode::OK
    );
    // The reminder's link lasts until the original's expiry, not a second longer.
    let t2 = spawn_app().await;
    invite(&t2, "ben@example.com", json!({})).await;
    t2.advance(Duration::days(5) + Duration::minutes(1));
    t2.run_schedule().await;
    let link = link_in(&reminders(&t2)[0].text);
    t2.advance(Duration::days(2) - Duration::minutes(1));
    assert_eq!(t2.get(&path_of(&link)).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn no_reminder_for_an_active_disabled_or_cancelled_user() {
    let t = spawn_app().await;
    invite(&t, "active@example.com", json!({})).await;
    let link = t.link_for("active@example.com");
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);

    let disabled = invite(&t, "disabled@example.com", json!({})).await;
    let answer = t
        .post_json(
            &format!("/users/{disabled}/disable"),
            &json!({}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let cancelled = invite(&t, "cancelled@example.com", json!({})).await;
    let answer = t
        .send(request(
            lambda_http::http::Method::DELETE,
            &format!("/users/{cancelled}/invite"),
            &[("authorization", &format!("Bearer {}", t.admin_token))],
            Vec::new(),
        ))
        .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.body);

    t.advance(Duration::days(6));
    let report = t.run_schedule().await;
    assert_eq!((report.sent, report.dropped), (0, 3), "{report:?}");
    assert!(reminders(&t).is_empty());
}

#[tokio::test]
async fn no_reminder_for_a_link_handed_over_or_too_short_for_one() {
    let t = spawn_app().await;
    invite(&t, "handed@example.com", json!({"delivery": "link"})).await;
    invite(&t, "short@example.com", json!({"inviteExpiresInDays": 1})).await;
    invite(&t, "two@example.com", json!({"inviteExpiresInDays": 2})).await;
    t.advance(Duration::hours(47));
    t.run_schedule().await;
    assert!(
        reminders(&t).is_empty(),
        "a 48-hour link is never 48 hours from expiry later"
    );
    // A three-day link gets its reminder a day in.
    let t = spawn_app().await;
    invite(&t, "three@example.com", json!({"inviteExpiresInDays": 3})).await;
    t.advance(Duration::days(1) + Duration::minutes(1));
    assert_eq!(t.run_schedule().await.sent, 1);
    assert_eq!(reminders(&t).len(), 1);
}

#[tokio::test]
async fn a_resend_replaces_the_pending_reminder_with_its_own() {
    let t = spawn_app().await;
    let id = invite(&t, "ana@example.com", json!({})).await;
    t.advance(Duration::days(2));
    let resent = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({}),
            Some(&t.fresh_admin_token()),
        )
        .await;
    assert_eq!(resent.status, StatusCode::OK, "{}", resent.body);
    // The first invite's reminder time passes: its link was replaced, so nothing is sent.
    t.advance(Duration::days(3) + Duration::minutes(1));
    assert_eq!(t.run_schedule().await.sent, 0);
    assert!(reminders(&t).is_empty());
    // The resent invite's own reminder comes 48 hours before its own expiry.
    t.advance(Duration::days(2));
    assert_eq!(t.run_schedule().await.sent, 1);
    assert_eq!(reminders(&t).len(), 1);
    let link = link_in(&reminders(&t)[0].text);
    assert_eq!(t.redeem(&link, NEW_PASSWORD).await.status, StatusCode::OK);
}
