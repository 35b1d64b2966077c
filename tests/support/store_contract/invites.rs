//! Invites: their recorded status, the welcome email's id, and the mail service's events (and
//! the text service's, through the mailer's handler).

use super::*;
use onboarding::sms_events::TextEventBridgeEvent;

pub async fn resending_records_the_new_invite_on_the_user(store: SharedStore) {
    let (user, _) = create_invited(&store, "invite").await;
    let at = t0() + Duration::days(3);
    let new = next_token(&user, TokenPurpose::Setup, at);
    let invite = Invite {
        message_id: Some(unique_message_id()),
        ..Invite::new(InviteStatus::Sent, new.record.expires_at)
    };
    store.issue_token(&new.record, Some(&invite)).await.unwrap();
    assert_eq!(reread(&store, &user).await.invite, Some(invite));
}

pub async fn a_failed_invite_is_recorded_on_the_user(store: SharedStore) {
    let (user, _) = create_invited(&store, "failed").await;
    store
        .set_invite_status(&user.id, InviteStatus::Failed)
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    let invite = after.invite.expect("the invite is kept");
    assert_eq!(invite.status, InviteStatus::Failed);
    assert_eq!(invite.expires_at, user.invite.unwrap().expires_at);
}

pub async fn recording_an_invite_status_for_an_unknown_user_is_refused(store: SharedStore) {
    assert_eq!(
        store
            .set_invite_status(&UserId::generate(), InviteStatus::Failed)
            .await,
        Err(StoreError::UserNotFound)
    );
}

/// A fresh message id, shaped like SES's, so tests never share one even on a shared table.
pub(super) fn unique_message_id() -> String {
    format!("0100019a{}-000000", uuid::Uuid::new_v4())
}

/// An invited user whose welcome email the mail service accepted as the returned id.
pub(super) async fn emailed(store: &SharedStore, label: &str) -> (User, IssuedToken, String) {
    let (user, token) = create_invited(store, label).await;
    let id = unique_message_id();
    store.record_invite_email(&user, &id, t0()).await.unwrap();
    (user, token, id)
}

pub(super) fn invite_of(user: &User) -> (InviteStatus, Option<BounceType>, Option<String>) {
    let invite = user.invite.clone().expect("the invite is kept");
    (invite.status, invite.bounce_type, invite.message_id)
}

pub async fn the_welcome_emails_message_id_is_recorded_on_the_invite(store: SharedStore) {
    let (user, _) = create_invited(&store, "msgid").await;
    store
        .set_invite_status(&user.id, InviteStatus::Failed)
        .await
        .unwrap();
    let id = unique_message_id();
    store.record_invite_email(&user, &id, t0()).await.unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(
        invite_of(&after),
        (InviteStatus::Sent, None, Some(id)),
        "sent, with the email's id"
    );
    assert_eq!(
        after.invite.unwrap().expires_at,
        user.invite.unwrap().expires_at
    );
}

pub async fn recording_a_message_id_for_an_unknown_user_is_refused(store: SharedStore) {
    assert_eq!(
        store
            .record_invite_email(
                &invited(&unique_email("nobody")).0,
                &unique_message_id(),
                t0()
            )
            .await,
        Err(StoreError::UserNotFound)
    );
}

pub async fn delivery_events_move_the_invite_of_the_newest_email(store: SharedStore) {
    let (user, _, id) = emailed(&store, "events").await;
    let delivered = DeliveryEvent::Delivered;
    assert_eq!(
        store.apply_delivery_event(&id, delivered, t0()).await,
        Ok(true)
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Delivered, None, Some(id.clone()))
    );
    assert_eq!(
        store.apply_delivery_event(&id, delivered, t0()).await,
        Ok(false),
        "the same event again changes nothing"
    );
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Complained, t0())
            .await,
        Ok(true)
    );
    assert_eq!(
        store.apply_delivery_event(&id, delivered, t0()).await,
        Ok(false),
        "a late delivery never hides a complaint"
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Complained, None, Some(id))
    );

    let (other, _, id) = emailed(&store, "bounce").await;
    let bounced = DeliveryEvent::Bounced(BounceType::Permanent);
    assert_eq!(
        store.apply_delivery_event(&id, bounced, t0()).await,
        Ok(true)
    );
    assert_eq!(
        store.apply_delivery_event(&id, bounced, t0()).await,
        Ok(false)
    );
    let after = reread(&store, &other).await;
    assert_eq!(
        invite_of(&after),
        (InviteStatus::Bounced, Some(BounceType::Permanent), Some(id))
    );
    assert_eq!(
        after.invite.unwrap().expires_at,
        other.invite.unwrap().expires_at,
        "only the status moves"
    );
}

pub async fn an_event_for_a_superseded_email_changes_nothing(store: SharedStore) {
    let (user, _, first) = emailed(&store, "superseded").await;
    // A resend: the new link and the new email's id in one write.
    let new = next_token(&user, TokenPurpose::Setup, t0() + Duration::days(1));
    let second = unique_message_id();
    let invite = Invite {
        message_id: Some(second.clone()),
        ..Invite::new(InviteStatus::Sent, new.record.expires_at)
    };
    store.issue_token(&new.record, Some(&invite)).await.unwrap();
    let before = reread(&store, &user).await;
    for event in [
        DeliveryEvent::Delivered,
        DeliveryEvent::Bounced(BounceType::Permanent),
        DeliveryEvent::Complained,
    ] {
        assert_eq!(
            store.apply_delivery_event(&first, event, t0()).await,
            Ok(false),
            "{event:?}"
        );
    }
    assert_eq!(reread(&store, &user).await, before);
    // The newest email's events still count.
    let bounced = DeliveryEvent::Bounced(BounceType::Transient);
    assert_eq!(
        store.apply_delivery_event(&second, bounced, t0()).await,
        Ok(true)
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (
            InviteStatus::Bounced,
            Some(BounceType::Transient),
            Some(second.clone())
        )
    );
    // A later email replaces the bounce: it is a new email, nothing known about it yet.
    let third = unique_message_id();
    store
        .record_invite_email(&user, &third, t0())
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Sent, None, Some(third))
    );
    assert_eq!(
        store
            .apply_delivery_event(&second, DeliveryEvent::Complained, t0())
            .await,
        Ok(false)
    );
}

pub async fn a_resend_by_link_stops_the_earlier_emails_events(store: SharedStore) {
    let (user, _, id) = emailed(&store, "bylink").await;
    let new = next_token(&user, TokenPurpose::Setup, t0() + Duration::days(1));
    let invite = Invite::new(InviteStatus::Manual, new.record.expires_at);
    store.issue_token(&new.record, Some(&invite)).await.unwrap();
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Bounced(BounceType::Permanent), t0())
            .await,
        Ok(false)
    );
    assert_eq!(reread(&store, &user).await.invite, Some(invite));
}

pub async fn a_used_invite_stays_used_whatever_the_mail_service_says(store: SharedStore) {
    let (user, token, id) = emailed(&store, "used").await;
    store
        .redeem_token(&redemption(
            &token.record,
            "$argon2id$own",
            t0() + Duration::hours(1),
        ))
        .await
        .unwrap();
    let before = reread(&store, &user).await;
    for event in [
        DeliveryEvent::Delivered,
        DeliveryEvent::Bounced(BounceType::Permanent),
        DeliveryEvent::Complained,
    ] {
        assert_eq!(
            store.apply_delivery_event(&id, event, t0()).await,
            Ok(false),
            "{event:?}"
        );
    }
    let after = reread(&store, &user).await;
    assert_eq!(after, before);
    assert_eq!(
        after.shown_invite(t0()).map(|(s, _)| s.as_str()),
        Some("used")
    );
}

pub async fn an_event_for_an_unknown_email_changes_nothing(store: SharedStore) {
    let (user, _, _) = emailed(&store, "unknown").await;
    let before = reread(&store, &user).await;
    assert_eq!(
        store
            .apply_delivery_event(&unique_message_id(), DeliveryEvent::Complained, t0())
            .await,
        Ok(false)
    );
    assert_eq!(reread(&store, &user).await, before);
}

/// A text's status event as End User Messaging SMS puts it on EventBridge (only the fields the
/// mailer reads, and the envelope's source and type).
fn text_status(message_id: &str, event_type: &str, is_final: bool) -> TextEventBridgeEvent {
    serde_json::from_value(serde_json::json!({
        "version": "0",
        "detail-type": "Text Message Delivery Status Updated",
        "source": "aws.sms-voice",
        "detail": {"eventType": event_type, "messageId": message_id, "isFinal": is_final},
    }))
    .unwrap()
}

/// Texts' status events go through the mailer's handler to the same `MSG#` pointer as emails':
/// an invite whose newest message was a text (its id recorded as an email's is) moves as API.md's
/// table says, and only for its newest message.
pub async fn text_status_events_move_the_invite_of_the_newest_text(store: SharedStore) {
    use onboarding::ses_events::EventOutcome::{Applied, Ignored};
    use onboarding::sms_events::handle;
    let handled = |id: String, event_type: &'static str, is_final: bool| {
        let store = store.clone();
        async move {
            handle(store.as_ref(), &text_status(&id, event_type, is_final))
                .await
                .unwrap()
        }
    };

    let (ana, _, id) = emailed(&store, "text-delivered").await;
    assert_eq!(
        handled(id.clone(), "TEXT_PENDING", false).await,
        Ignored,
        "on its way"
    );
    assert_eq!(
        handled(id.clone(), "TEXT_SUCCESSFUL", false).await,
        Ignored,
        "the carrier may still report"
    );
    assert_eq!(
        invite_of(&reread(&store, &ana).await),
        (InviteStatus::Sent, None, Some(id.clone())),
        "a text on its way stays sent"
    );
    assert_eq!(
        handled(id.clone(), "TEXT_DELIVERED", true).await,
        Applied { changed: true }
    );
    assert_eq!(
        invite_of(&reread(&store, &ana).await),
        (InviteStatus::Delivered, None, Some(id.clone()))
    );
    assert_eq!(
        handled(id.clone(), "TEXT_SUCCESSFUL", true).await,
        Applied { changed: false },
        "a second delivery report changes nothing"
    );

    let (ben, _, id) = emailed(&store, "text-blocked").await;
    assert_eq!(
        handled(id.clone(), "TEXT_BLOCKED", true).await,
        Applied { changed: true }
    );
    assert_eq!(
        invite_of(&reread(&store, &ben).await),
        (InviteStatus::Bounced, Some(BounceType::Permanent), Some(id))
    );

    let (cy, _, first) = emailed(&store, "text-expired").await;
    assert_eq!(
        handled(first.clone(), "TEXT_TTL_EXPIRED", true).await,
        Applied { changed: true }
    );
    assert_eq!(
        invite_of(&reread(&store, &cy).await),
        (
            InviteStatus::Bounced,
            Some(BounceType::Transient),
            Some(first.clone())
        )
    );
    // A resend: the newer text's id replaces the first's, and the first's events stop counting.
    let second = unique_message_id();
    store.record_invite_email(&cy, &second, t0()).await.unwrap();
    let before = reread(&store, &cy).await;
    for (event_type, is_final) in [
        ("TEXT_DELIVERED", true),
        ("TEXT_SUCCESSFUL", true),
        ("TEXT_BLOCKED", true),
        ("TEXT_UNKNOWN", true),
    ] {
        assert_eq!(
            handled(first.clone(), event_type, is_final).await,
            Applied { changed: false },
            "{event_type} about the older text"
        );
    }
    assert_eq!(reread(&store, &cy).await, before);
    assert_eq!(
        invite_of(&before),
        (InviteStatus::Sent, None, Some(second.clone()))
    );
    assert_eq!(
        handled(second.clone(), "TEXT_DELIVERED", true).await,
        Applied { changed: true },
        "the newest text's events still count"
    );
}
