//! The audit log's writes: every change writes its events in its own write, once, each with its
//! fan-out mark, and a refused change (or one that changes nothing) writes none; the events a
//! store builds itself (a mail job's outcome, a delivery event). The log's reads and the expiry
//! watch are in `audit_log`.

use super::outbox::{hold, invited_with_mail, job};
use super::passkeys::{adding, passkey, session, set_up_with_passkey, set_up_with_password};
use super::*;
use onboarding::domain::passkey::MAX_PASSKEYS;
use onboarding::domain::{Actor, ActorKind, AuditAction, AuditEvent, TargetKind};
use onboarding::ports::AuditQuery;

/// When these tests read the log: after every event they write, long before its retention.
pub(super) fn reading_time() -> DateTime<Utc> {
    t0() + Duration::days(30)
}

/// An admin of the organisation (only their id is recorded).
pub(super) fn an_admin() -> Actor {
    Actor {
        kind: ActorKind::Admin,
        id: Some(UserId::generate().0),
    }
}

/// `action` on `user` by `actor`, `secs` seconds after `t0`.
pub(super) fn about(action: AuditAction, actor: Actor, user: &User, secs: i64) -> AuditEvent {
    AuditEvent::about_user(action, actor, user, t0() + Duration::seconds(secs))
}

pub(super) fn query_of(org: &OrgId, limit: usize) -> AuditQuery {
    AuditQuery {
        org_id: org.clone(),
        user_id: None,
        action: None,
        limit,
        after: None,
        now: reading_time(),
    }
}

/// Every event of the query, following `next` to the end, newest first.
pub(super) async fn read_all(store: &SharedStore, query: AuditQuery) -> Vec<AuditEvent> {
    let mut events = Vec::new();
    let mut after = None;
    for _ in 0..50 {
        let page = store
            .audit_events(&AuditQuery {
                after: after.clone(),
                ..query.clone()
            })
            .await
            .unwrap();
        assert!(
            page.events.len() <= query.limit,
            "a page holds at most its limit"
        );
        events.extend(page.events);
        after = page.next;
        if after.is_none() {
            return events;
        }
    }
    panic!("the log never ends");
}

/// The organisation's whole log, newest first.
pub(super) async fn log_of(store: &SharedStore, org: &OrgId) -> Vec<AuditEvent> {
    read_all(store, query_of(org, 100)).await
}

/// The ids of every event waiting for its fan-out, oldest first.
pub(super) async fn marked(store: &SharedStore) -> Vec<String> {
    store
        .due_fanouts(t0() + Duration::days(365), 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect()
}

/// Asserts that `org`'s log is exactly `newest_first` (each event whole, as written), and that
/// each of them is marked for its fan-out.
pub(super) async fn assert_log(store: &SharedStore, org: &OrgId, newest_first: &[&AuditEvent]) {
    let log = log_of(store, org).await;
    let expected: Vec<AuditEvent> = newest_first.iter().map(|e| (*e).clone()).collect();
    assert_eq!(log, expected, "the organisation's log");
    let marks = marked(store).await;
    for event in newest_first {
        let times = marks.iter().filter(|id| **id == event.id).count();
        assert_eq!(
            times, 1,
            "{:?} is marked for its fan-out once",
            event.action
        );
    }
}

/// What a store-built event must be: `action` by the service on `user`, at `at`.
fn assert_system_event(event: &AuditEvent, action: AuditAction, user: &User, at: DateTime<Utc>) {
    assert_eq!(event.action, action);
    assert_eq!(event.org_id, user.org_id);
    assert_eq!(event.actor, Actor::system());
    assert_eq!(event.target.kind, TargetKind::User);
    assert_eq!(event.target.id, user.id.0);
    assert_eq!(event.at, at);
    assert!(event.id.starts_with("evt_"), "{}", event.id);
}

pub async fn creating_a_user_and_resending_a_link_write_their_events_and_refusals_none(
    store: SharedStore,
) {
    let admin = an_admin();
    let (user, token) = invited(&unique_email("audit-create"));
    let created = about(AuditAction::UserInvited, admin.clone(), &user, 0);
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[],
            std::slice::from_ref(&created),
        )
        .await
        .unwrap();
    assert_log(&store, &user.org_id, &[&created]).await;

    // The same email again, in another organisation: refused, and its event is not written.
    let (again, again_token) = invited(user.email().unwrap().as_str());
    let refused = about(AuditAction::UserInvited, admin.clone(), &again, 1);
    assert_eq!(
        store
            .create_user_with_mail(
                &again,
                Some(&again_token.record),
                &[],
                std::slice::from_ref(&refused)
            )
            .await,
        Err(StoreError::EmailTaken)
    );
    assert_eq!(log_of(&store, &again.org_id).await, vec![]);

    // A link on a stale generation: refused, no event.
    let stale = next_token_at(&user, 1, 2);
    let stale_event = about(AuditAction::InviteResent, admin.clone(), &user, 2);
    assert_eq!(
        store
            .issue_token_with_mail(&stale.record, None, &[], std::slice::from_ref(&stale_event))
            .await,
        Err(StoreError::Conflict)
    );
    // The next generation: written with its event.
    let next = next_token_at(&user, 2, 3);
    let resent = about(AuditAction::InviteResent, admin.clone(), &user, 3);
    let invite = Invite::new(InviteStatus::Queued, next.record.expires_at);
    store
        .issue_token_with_mail(
            &next.record,
            Some(&invite),
            &[],
            std::slice::from_ref(&resent),
        )
        .await
        .unwrap();
    assert_log(&store, &user.org_id, &[&resent, &created]).await;

    // Once the user set a password, a setup link is refused (AlreadyActive): no event.
    store
        .redeem_token(&redemption(
            &next.record,
            "$argon2id$own",
            t0() + Duration::seconds(4),
        ))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    let late = next_token_at(&active, active.setup_generation + 1, 5);
    let late_event = about(AuditAction::InviteResent, admin, &active, 5);
    assert_eq!(
        store
            .issue_token_with_mail(&late.record, None, &[], std::slice::from_ref(&late_event))
            .await,
        Err(StoreError::AlreadyActive)
    );
    assert_log(&store, &user.org_id, &[&resent, &created]).await;
    let marks = marked(&store).await;
    for never in [&refused, &stale_event, &late_event] {
        assert!(!marks.contains(&never.id), "{:?} was refused", never.action);
    }
}

/// A setup link of `generation` for `user`, issued `secs` seconds after `t0`.
fn next_token_at(user: &User, generation: u64, secs: i64) -> IssuedToken {
    super::crew::next_token_at_generation(user, generation, t0() + Duration::seconds(secs))
}

pub async fn of_twenty_concurrent_redemptions_only_the_winners_event_is_written(
    store: SharedStore,
) {
    let (user, token) = create_invited(&store, "audit-redeem").await;
    let now = t0() + Duration::minutes(1);
    let mut tries = Vec::new();
    for _ in 0..20 {
        let mut r = redemption(&token.record, "$argon2id$own", now);
        r.audit = vec![AuditEvent::of_redemption(
            &token.record,
            "password",
            false,
            true,
            now,
        )];
        tries.push(r);
    }
    let handles = tries.iter().cloned().map(|r| {
        let store = store.clone();
        tokio::spawn(async move { store.redeem_token(&r).await })
    });
    let results = super::users::futures_join(handles).await;
    let won: Vec<usize> = (0..20).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(won.len(), 1, "exactly one redemption wins");
    let accepted = &tries[won[0]].audit[0];
    assert_log(&store, &user.org_id, &[accepted]).await;
    assert_eq!(accepted.action, AuditAction::InviteAccepted);

    // A reset link: its event once; the same link again is used, and writes nothing.
    let active = reread(&store, &user).await;
    let reset = next_token(&active, TokenPurpose::Reset, now);
    store.issue_token(&reset.record, None).await.unwrap();
    let later = now + Duration::minutes(1);
    let mut r = redemption(&reset.record, "$argon2id$new", later);
    r.audit = vec![AuditEvent::of_redemption(
        &reset.record,
        "password",
        true,
        false,
        later,
    )];
    store.redeem_token(&r).await.unwrap();
    let mut again = redemption(&reset.record, "$argon2id$newer", later);
    again.audit = vec![AuditEvent::of_redemption(
        &reset.record,
        "password",
        true,
        false,
        later,
    )];
    assert_eq!(
        store.redeem_token(&again).await.map(|_| ()),
        Err(StoreError::TokenUsed)
    );
    assert_log(&store, &user.org_id, &[&r.audit[0], accepted]).await;
    assert_eq!(r.audit[0].action, AuditAction::PasswordReset);
}

pub async fn password_and_session_changes_write_their_events_only_from_a_current_session(
    store: SharedStore,
) {
    let user = set_up_with_password(&store, "audit-password").await;
    let by_user = Actor::user(&user.id);
    let changed = about(AuditAction::PasswordChanged, by_user.clone(), &user, 60);
    let stale = session(&user);
    store
        .change_password(&stale, "$argon2id$changed", std::slice::from_ref(&changed))
        .await
        .unwrap();
    // The session that asked has moved on: refused, no event.
    let refused = about(AuditAction::PasswordChanged, by_user.clone(), &user, 61);
    assert_eq!(
        store
            .change_password(&stale, "$argon2id$again", std::slice::from_ref(&refused))
            .await
            .map(|_| ()),
        Err(StoreError::Conflict)
    );
    let revoke_refused = about(AuditAction::SessionsRevoked, by_user.clone(), &user, 62);
    assert_eq!(
        store.end_sessions(&stale, &[revoke_refused]).await,
        Err(StoreError::Conflict)
    );
    let current = reread(&store, &user).await;
    let revoked = about(AuditAction::SessionsRevoked, by_user, &current, 63);
    store
        .end_sessions(&session(&current), std::slice::from_ref(&revoked))
        .await
        .unwrap();
    assert_log(&store, &user.org_id, &[&revoked, &changed]).await;
}

pub async fn admin_changes_write_their_events_only_when_they_change_the_user(store: SharedStore) {
    let admin = an_admin();
    let active = set_up_with_password(&store, "audit-admin").await;
    let org = active.org_id.clone();
    let not_cancelled = about(AuditAction::InviteCancelled, admin.clone(), &active, 1);
    assert_eq!(
        store.cancel_invite(&active, &[not_cancelled]).await,
        Err(StoreError::AlreadyActive)
    );
    let disabled = about(AuditAction::UserDisabled, admin.clone(), &active, 2);
    let user = store
        .disable_user(
            &active,
            &new_session_version(),
            std::slice::from_ref(&disabled),
        )
        .await
        .unwrap();
    // Already disabled: returned as it is, nothing written.
    let twice = about(AuditAction::UserDisabled, admin.clone(), &active, 3);
    store
        .disable_user(&user, &new_session_version(), &[twice])
        .await
        .unwrap();
    let enabled = about(AuditAction::UserEnabled, admin.clone(), &active, 4);
    let user = store
        .enable_user(&user, std::slice::from_ref(&enabled))
        .await
        .unwrap();
    let not_disabled = about(AuditAction::UserEnabled, admin.clone(), &active, 5);
    store.enable_user(&user, &[not_disabled]).await.unwrap();
    assert_log(&store, &org, &[&enabled, &disabled]).await;

    // A correction from a stale read is refused; a current one is written with its event.
    let stale = User {
        name: Some("Ana from before".into()),
        ..active.clone()
    };
    let not_updated = about(AuditAction::UserUpdated, admin.clone(), &active, 6);
    assert_eq!(
        store.correct_user(&active, &stale, &[not_updated]).await,
        Err(StoreError::Conflict)
    );
    let user = reread(&store, &active).await;
    let after = User {
        name: Some("Ana T.".into()),
        ..user.clone()
    };
    let updated = about(AuditAction::UserUpdated, admin.clone(), &user, 7);
    store
        .correct_user(&user, &after, std::slice::from_ref(&updated))
        .await
        .unwrap();
    assert_log(&store, &org, &[&updated, &enabled, &disabled]).await;

    // A cancelled invite: once; the user gone, a second cancel writes nothing.
    let (mut invitee, token) = invited(&unique_email("audit-cancel"));
    invitee.org_id = org.clone();
    store
        .create_user(&invitee, Some(&token.record))
        .await
        .unwrap();
    let cancelled = about(AuditAction::InviteCancelled, admin.clone(), &invitee, 8);
    store
        .cancel_invite(&invitee, std::slice::from_ref(&cancelled))
        .await
        .unwrap();
    let gone = about(AuditAction::InviteCancelled, admin, &invitee, 9);
    assert_eq!(
        store.cancel_invite(&invitee, &[gone]).await,
        Err(StoreError::UserNotFound)
    );
    assert_log(&store, &org, &[&cancelled, &updated, &enabled, &disabled]).await;
}

pub async fn passkey_changes_write_their_events_only_when_made(store: SharedStore) {
    let (user, first, handle) = set_up_with_passkey(&store, "audit-passkeys").await;
    let by_user = Actor::user(&user.id);
    let second = passkey(t0());
    let mut add = adding(&user, &handle, &second);
    let added = about(AuditAction::PasskeyAdded, by_user.clone(), &user, 60);
    add.audit = vec![added.clone()];
    let user = store.add_passkey(&add).await.unwrap();
    // From the session as it was before (the add kept it): another handle is a conflict.
    let mut other_handle = adding(&user, "another-handle", &passkey(t0()));
    other_handle.audit = vec![about(AuditAction::PasskeyAdded, by_user.clone(), &user, 61)];
    assert_eq!(
        store.add_passkey(&other_handle).await.map(|_| ()),
        Err(StoreError::Conflict)
    );
    let mut moved = adding(&user, &handle, &passkey(t0()));
    moved.change.session_version = new_session_version();
    moved.audit = vec![about(AuditAction::PasskeyAdded, by_user.clone(), &user, 62)];
    assert_eq!(
        store.add_passkey(&moved).await.map(|_| ()),
        Err(StoreError::Conflict)
    );
    // Up to the limit without events, then one too many: refused, no event.
    let mut user = user;
    for _ in user.passkeys.len()..MAX_PASSKEYS {
        user = store
            .add_passkey(&adding(&user, &handle, &passkey(t0())))
            .await
            .unwrap();
    }
    let mut too_many = adding(&user, &handle, &passkey(t0()));
    too_many.audit = vec![about(AuditAction::PasskeyAdded, by_user.clone(), &user, 63)];
    assert_eq!(
        store.add_passkey(&too_many).await.map(|_| ()),
        Err(StoreError::TooManyPasskeys)
    );
    // A passkey the user does not hold: not found, no event; one they hold: removed, its event.
    let unknown = about(AuditAction::PasskeyRemoved, by_user.clone(), &user, 64);
    assert_eq!(
        store
            .remove_passkey(&session(&user), "no-such-passkey", &[unknown])
            .await
            .map(|_| ()),
        Err(StoreError::UserNotFound)
    );
    let removed = about(AuditAction::PasskeyRemoved, by_user, &user, 65);
    store
        .remove_passkey(&session(&user), &first.id, std::slice::from_ref(&removed))
        .await
        .unwrap();
    assert_log(&store, &user.org_id, &[&removed, &added]).await;

    // A passkey-only user's one passkey is their last way in: refused, no event.
    let (only, key, _) = set_up_with_passkey(&store, "audit-last-passkey").await;
    let last = about(
        AuditAction::PasskeyRemoved,
        Actor::user(&only.id),
        &only,
        60,
    );
    assert_eq!(
        store
            .remove_passkey(&session(&only), &key.id, &[last])
            .await
            .map(|_| ()),
        Err(StoreError::LastCredential)
    );
    assert_log(&store, &only.org_id, &[]).await;
}

/// An invited user with a welcome and a reminder job (`invited_with_mail`), the welcome held.
async fn held_welcome(store: &SharedStore, label: &str) -> (User, MailJob) {
    let (user, welcome, _) = invited_with_mail(store, label).await;
    (user, hold(store, &welcome).await)
}

pub async fn a_mail_outcome_writes_its_event_only_when_it_changed_the_invite(store: SharedStore) {
    let at = t0() + Duration::seconds(5);
    // Sent: invite.sent, once; finishing again (the job is gone) writes nothing.
    let (user, held) = held_welcome(&store, "audit-sent").await;
    let sent = || MailOutcome::Sent {
        message_id: unique_message_id(),
        at,
    };
    let sent_once = sent();
    store.finish_mail(&held, &sent_once, at).await.unwrap();
    store.finish_mail(&held, &sent_once, at).await.unwrap();
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteSent, &user, at);
    assert_eq!(log[0].details["channel"], "email");
    assert_eq!(log[0].details["attempts"], held.attempts);
    assert_log(&store, &user.org_id, &[&log[0]]).await;

    // Failed: invite.failed, without a reason.
    let (user, held) = held_welcome(&store, "audit-failed").await;
    store
        .finish_mail(&held, &MailOutcome::Failed, at)
        .await
        .unwrap();
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteFailed, &user, at);
    assert_eq!(log[0].details.get("reason"), None);

    // Opted out: invite.failed, with the reason.
    let (user, held) = held_welcome(&store, "audit-opted-out").await;
    store
        .finish_mail(&held, &MailOutcome::OptedOut, at)
        .await
        .unwrap();
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteFailed, &user, at);
    assert_eq!(log[0].details["reason"], "opted_out");

    // A retry, a deferral and a drop change no invite: nothing.
    let (user, held) = held_welcome(&store, "audit-retry").await;
    let later = t0() + Duration::minutes(1);
    for outcome in [
        MailOutcome::Retry { at: later },
        MailOutcome::Defer { at: later },
        MailOutcome::Dropped,
    ] {
        store.finish_mail(&held, &outcome, at).await.unwrap();
    }
    assert_log(&store, &user.org_id, &[]).await;

    // An email about a link replaced since: the invite is not touched, nothing written.
    let (user, held) = held_welcome(&store, "audit-replaced").await;
    let next = next_token(&user, TokenPurpose::Setup, t0());
    let manual = Invite::new(InviteStatus::Manual, next.record.expires_at);
    store
        .issue_token(&next.record, Some(&manual))
        .await
        .unwrap();
    store.finish_mail(&held, &sent(), at).await.unwrap();
    assert_log(&store, &user.org_id, &[]).await;

    // A reminder sent: invite.reminded.
    let (user, _, reminder) = invited_with_mail(&store, "audit-reminded").await;
    let link = next_token(&user, TokenPurpose::Setup, t0() + Duration::days(5));
    let reminded = Invite {
        reminder_sent_at: Some(t0() + Duration::days(5)),
        ..user.invite.clone().unwrap()
    };
    store
        .issue_token(&link.record, Some(&reminded))
        .await
        .unwrap();
    let held = hold(&store, &reminder).await;
    store.finish_mail(&held, &sent(), at).await.unwrap();
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteReminded, &user, at);

    // A reset email says nothing about an invite: nothing written.
    let (user, _) = create_invited(&store, "audit-reset-mail").await;
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    let reset_job = job(&user, MailKind::Reset, 1, t0());
    store
        .issue_token_with_mail(&reset.record, None, std::slice::from_ref(&reset_job), &[])
        .await
        .unwrap();
    let held = hold(&store, &reset_job).await;
    store.finish_mail(&held, &sent(), at).await.unwrap();
    assert_log(&store, &user.org_id, &[]).await;
}

pub async fn a_delivery_event_writes_its_event_once(store: SharedStore) {
    let (user, _, id) = emailed(&store, "audit-delivered").await;
    let at = t0() + Duration::minutes(2);
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Delivered, at)
            .await,
        Ok(true)
    );
    // The same event again changes nothing, and writes nothing.
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Delivered, at + Duration::seconds(1))
            .await,
        Ok(false)
    );
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteDelivered, &user, at);
    assert_eq!(log[0].details["channel"], "email");
    assert_log(&store, &user.org_id, &[&log[0]]).await;

    // A bounce after delivery: invite.bounced, with its type.
    let bounced_at = at + Duration::minutes(1);
    let bounce = DeliveryEvent::Bounced(BounceType::Permanent);
    assert_eq!(
        store.apply_delivery_event(&id, bounce, bounced_at).await,
        Ok(true)
    );
    assert_eq!(
        store.apply_delivery_event(&id, bounce, bounced_at).await,
        Ok(false)
    );
    let log = log_of(&store, &user.org_id).await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteBounced, &user, bounced_at);
    assert_eq!(log[0].details["bounceType"], "permanent");

    // A complaint about another invite's email: invite.complained.
    let (other, _, other_id) = emailed(&store, "audit-complained").await;
    assert_eq!(
        store
            .apply_delivery_event(&other_id, DeliveryEvent::Complained, at)
            .await,
        Ok(true)
    );
    let log = log_of(&store, &other.org_id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_system_event(&log[0], AuditAction::InviteComplained, &other, at);

    // An unknown email's event, or one after the invite was used: nothing.
    let before = marked(&store).await;
    assert_eq!(
        store
            .apply_delivery_event(&unique_message_id(), DeliveryEvent::Delivered, at)
            .await,
        Ok(false)
    );
    let (used, token, used_id) = emailed(&store, "audit-used").await;
    store
        .redeem_token(&redemption(&token.record, "$argon2id$own", at))
        .await
        .unwrap();
    assert_eq!(
        store
            .apply_delivery_event(&used_id, DeliveryEvent::Delivered, at)
            .await,
        Ok(false)
    );
    assert_log(&store, &used.org_id, &[]).await;
    assert_eq!(marked(&store).await, before);
}
