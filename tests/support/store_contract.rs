//! The store contract: one suite, written once, that every store must pass. Each test takes a
//! fresh, empty store. `store_contract!(fresh)` expands to one `#[tokio::test]` per function
//! here, for the store that `fresh().await` makes.
//!
//! Times come from a fixed instant, not the clock: what is checked is the store's own logic.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;
use std::sync::Arc;

use onboarding::domain::token::{issue, IssuedToken};
use onboarding::domain::user::{new_session_version, Invite};
use onboarding::domain::{
    BounceType, DeliveryEvent, EmailAddress, InviteStatus, MailJob, MailKind, OrgId, Role,
    TokenHash, TokenPurpose, TokenRecord, User, UserId, UserStatus,
};
use onboarding::ports::{
    Limited, MailOutcome, PageKey, Redemption, Rehash, SessionChange, Slots, Store, StoreError,
    UserPage, UserQuery,
};

pub type SharedStore = Arc<dyn Store>;

/// Expands to the whole contract for one store. `$fresh` is an async fn returning `SharedStore`.
#[macro_export]
macro_rules! store_contract {
    ($fresh:path) => {
        $crate::store_contract!(@each $fresh;
            a_created_user_is_found_by_email_and_by_id_exactly_as_stored,
            emails_are_found_whatever_their_case_was_when_typed,
            nobody_is_found_by_an_unknown_email_or_id,
            a_second_user_with_the_same_email_is_refused_and_leaves_nothing_behind,
            the_setup_token_is_stored_with_the_user_and_found_by_its_hash,
            an_unknown_token_is_not_found_and_cannot_be_redeemed,
            redeeming_a_setup_link_sets_the_password_and_ends_the_temporary_one,
            the_user_returned_by_a_redemption_is_the_one_to_sign_in,
            a_used_link_is_refused_as_used_and_changes_nothing,
            an_expired_link_that_is_still_stored_is_refused_as_expired,
            a_link_is_expired_at_the_very_instant_it_expires,
            a_new_setup_link_kills_the_older_one,
            a_link_issued_on_a_stale_generation_is_a_conflict_and_stores_nothing,
            a_setup_link_cannot_be_issued_once_the_password_is_set,
            a_link_for_an_unknown_user_is_refused,
            setting_a_password_kills_every_outstanding_setup_and_reset_link,
            a_reset_link_sets_a_new_password_for_an_active_user,
            resending_records_the_new_invite_on_the_user,
            a_failed_invite_is_recorded_on_the_user,
            recording_an_invite_status_for_an_unknown_user_is_refused,
            a_rehash_replaces_a_hash_only_while_it_is_still_the_old_one,
            changing_a_password_sets_it_as_a_redemption_would_and_kills_every_link,
            a_change_of_password_or_sign_out_from_an_ended_session_is_a_conflict,
            ending_sessions_changes_only_the_session_version,
            two_concurrent_password_changes_from_one_session_give_exactly_one_success,
            events_are_counted_per_key_and_window_and_peeking_does_not_count,
            the_sign_in_view_is_the_user_by_email_and_their_counters,
            slots_are_taken_only_under_the_limit_and_given_back,
            a_refused_take_keeps_no_slot_under_any_key,
            fifty_concurrent_takes_of_one_limit_take_exactly_the_limit,
            a_key_given_twice_is_one_counter_held_to_the_stricter_limit,
            slots_are_taken_with_a_link_and_its_email_in_one_write,
            a_full_limit_refuses_the_link_and_writes_neither_slots_nor_link_nor_email,
            a_refused_link_takes_no_slot,
            a_burst_of_links_under_one_limit_issues_exactly_the_limit,
            twenty_concurrent_redemptions_of_one_link_give_exactly_one_success,
            twenty_concurrent_creations_of_one_email_give_exactly_one_user,
            a_redemption_racing_a_resend_never_leaves_two_working_links,
            an_organisation_is_listed_newest_first_a_page_at_a_time,
            a_listed_status_pages_through_only_that_status,
            a_list_never_shows_another_organisation,
            cancelling_an_invite_removes_the_user_their_email_and_their_links,
            an_active_user_cannot_be_cancelled_and_a_gone_one_is_not_found,
            disabling_ends_sessions_and_links_and_enabling_restores_the_status,
            a_cancel_racing_a_setup_of_the_same_invite_has_exactly_one_winner,
            the_welcome_emails_message_id_is_recorded_on_the_invite,
            recording_a_message_id_for_an_unknown_user_is_refused,
            delivery_events_move_the_invite_of_the_newest_email,
            an_event_for_a_superseded_email_changes_nothing,
            a_resend_by_link_stops_the_earlier_emails_events,
            a_used_invite_stays_used_whatever_the_mail_service_says,
            an_event_for_an_unknown_email_changes_nothing,
            jobs_written_with_their_user_come_due_in_order_and_one_sender_takes_each,
            a_refused_write_leaves_no_job_behind,
            a_sent_job_records_the_email_on_the_invite_and_leaves_the_outbox,
            a_job_for_a_replaced_link_leaves_without_touching_the_invite,
            a_retry_puts_the_job_back_for_later_only_while_its_sender_holds_it,
            a_failed_job_marks_the_invite_failed_and_a_reset_job_touches_no_invite,
            a_reminders_link_records_when_it_was_issued_and_a_resend_clears_it,
        );
    };
    (@each $fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                $crate::store_contract::$name($fresh().await).await;
            }
        )*
    };
}

/// The instant every test starts at.
pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00.250Z")
        .unwrap()
        .to_utc()
}

const SETUP_TTL: i64 = 7 * 24 * 3600;

/// An invited tech of a new organisation, with their first setup link.
pub fn invited(email: &str) -> (User, IssuedToken) {
    let mut user = User {
        id: UserId::generate(),
        org_id: OrgId::generate(),
        org_name: Some("Northwind Plumbing".into()),
        email: EmailAddress::parse(email).unwrap(),
        name: Some("Ana Tech".into()),
        role: Role::Tech,
        status: UserStatus::Invited,
        created_at: t0(),
        temporary_password_hash: Some("$argon2id$v=19$m=1024,t=1,p=1$temporary".into()),
        password_hash: None,
        session_version: new_session_version(),
        setup_generation: 1,
        reset_generation: 0,
        invite: None,
    };
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::seconds(SETUP_TTL),
    );
    user.invite = Some(Invite::new(InviteStatus::Sent, token.record.expires_at));
    (user, token)
}

/// A fresh email for each call, so tests never share data even on a shared table.
pub fn unique_email(label: &str) -> String {
    format!(
        "{label}.{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    )
}

async fn create_invited(store: &SharedStore, label: &str) -> (User, IssuedToken) {
    let (user, token) = invited(&unique_email(label));
    store.create_user(&user, Some(&token.record)).await.unwrap();
    (user, token)
}

fn next_token(user: &User, purpose: TokenPurpose, at: DateTime<Utc>) -> IssuedToken {
    let lifetime = match purpose {
        TokenPurpose::Setup => Duration::seconds(SETUP_TTL),
        TokenPurpose::Reset => Duration::minutes(30),
    };
    issue(
        purpose,
        user.token_subject(),
        user.generation(purpose) + 1,
        at,
        lifetime,
    )
}

fn redemption(token: &TokenRecord, password_hash: &str, now: DateTime<Utc>) -> Redemption {
    Redemption {
        token: token.clone(),
        password_hash: password_hash.to_owned(),
        new_session_version: new_session_version(),
        now,
    }
}

async fn reread(store: &SharedStore, user: &User) -> User {
    store
        .user_by_id(&user.id)
        .await
        .unwrap()
        .expect("the user is stored")
}

pub async fn a_created_user_is_found_by_email_and_by_id_exactly_as_stored(store: SharedStore) {
    let (user, _) = create_invited(&store, "ana").await;
    assert_eq!(
        store.user_by_email(&user.email).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_by_id(&user.id).await.unwrap(), Some(user));
}

pub async fn emails_are_found_whatever_their_case_was_when_typed(store: SharedStore) {
    let (user, _) = create_invited(&store, "Mixed.Case").await;
    let typed =
        EmailAddress::parse(&format!("  {}  ", user.email.as_str().to_uppercase())).unwrap();
    assert_eq!(
        store.user_by_email(&typed).await.unwrap().map(|u| u.id),
        Some(user.id)
    );
}

pub async fn nobody_is_found_by_an_unknown_email_or_id(store: SharedStore) {
    let email = EmailAddress::parse(&unique_email("nobody")).unwrap();
    assert_eq!(store.user_by_email(&email).await.unwrap(), None);
    assert_eq!(store.user_by_id(&UserId::generate()).await.unwrap(), None);
}

pub async fn a_second_user_with_the_same_email_is_refused_and_leaves_nothing_behind(
    store: SharedStore,
) {
    let (first, _) = create_invited(&store, "taken").await;
    let (mut second, second_token) = invited(first.email.as_str());
    second.name = Some("Someone Else".into());
    assert_eq!(
        store.create_user(&second, Some(&second_token.record)).await,
        Err(StoreError::EmailTaken)
    );
    assert_eq!(
        store.user_by_email(&first.email).await.unwrap(),
        Some(first)
    );
    assert_eq!(store.user_by_id(&second.id).await.unwrap(), None);
    assert_eq!(store.token(&second_token.record.hash).await.unwrap(), None);
}

pub async fn the_setup_token_is_stored_with_the_user_and_found_by_its_hash(store: SharedStore) {
    let (_, token) = create_invited(&store, "token").await;
    assert_eq!(
        store.token(&token.record.hash).await.unwrap(),
        Some(token.record.clone())
    );
}

pub async fn an_unknown_token_is_not_found_and_cannot_be_redeemed(store: SharedStore) {
    let (user, _) = create_invited(&store, "unknown-token").await;
    let stranger = next_token(&user, TokenPurpose::Setup, t0());
    assert_eq!(
        store.token(&TokenHash::of("not a token")).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .redeem_token(&redemption(&stranger.record, "$argon2id$new", t0()))
            .await,
        Err(StoreError::TokenInvalid)
    );
    assert_eq!(reread(&store, &user).await, user);
}

pub async fn redeeming_a_setup_link_sets_the_password_and_ends_the_temporary_one(
    store: SharedStore,
) {
    let (user, token) = create_invited(&store, "redeem").await;
    let now = t0() + Duration::hours(1);
    let r = redemption(&token.record, "$argon2id$own", now);
    store.redeem_token(&r).await.unwrap();

    let after = reread(&store, &user).await;
    assert_eq!(after.status, UserStatus::Active);
    assert_eq!(after.password_hash.as_deref(), Some("$argon2id$own"));
    assert_eq!(after.temporary_password_hash, None);
    assert_eq!(after.session_version, r.new_session_version);
    assert_ne!(after.session_version, user.session_version);
    assert_eq!(after.setup_generation, user.setup_generation + 1);
    assert_eq!(after.reset_generation, user.reset_generation + 1);
    assert_eq!(
        after.invite, user.invite,
        "the invite is kept for the admin's view"
    );
    assert_eq!(store.user_by_email(&user.email).await.unwrap(), Some(after));
    let stored = store.token(&token.record.hash).await.unwrap().unwrap();
    assert_eq!(stored.used_at, Some(now));
}

pub async fn the_user_returned_by_a_redemption_is_the_one_to_sign_in(store: SharedStore) {
    let (user, token) = create_invited(&store, "returned").await;
    let r = redemption(&token.record, "$argon2id$own", t0() + Duration::minutes(5));
    let returned = store.redeem_token(&r).await.unwrap();
    let stored = reread(&store, &user).await;
    // What sign-in and the JSON answer use; invite and generations are not part of the answer.
    assert_eq!(returned.id, stored.id);
    assert_eq!(returned.org_id, stored.org_id);
    assert_eq!(returned.org_name, stored.org_name);
    assert_eq!(returned.email, stored.email);
    assert_eq!(returned.name, stored.name);
    assert_eq!(returned.role, stored.role);
    assert_eq!(returned.status, stored.status);
    assert_eq!(returned.created_at, stored.created_at);
    assert_eq!(returned.session_version, stored.session_version);
    assert_eq!(returned.password_hash, stored.password_hash);
    assert_eq!(returned.temporary_password_hash, None);
}

pub async fn a_used_link_is_refused_as_used_and_changes_nothing(store: SharedStore) {
    let (user, token) = create_invited(&store, "used").await;
    store
        .redeem_token(&redemption(&token.record, "$argon2id$first", t0()))
        .await
        .unwrap();
    let after_first = reread(&store, &user).await;
    assert_eq!(
        store
            .redeem_token(&redemption(
                &token.record,
                "$argon2id$second",
                t0() + Duration::minutes(1)
            ))
            .await,
        Err(StoreError::TokenUsed)
    );
    assert_eq!(reread(&store, &user).await, after_first);
}

/// TTL deletes late: an item whose `expiresAt` is long past may still be there, and must not work.
pub async fn an_expired_link_that_is_still_stored_is_refused_as_expired(store: SharedStore) {
    let (mut user, _) = invited(&unique_email("expired"));
    let long_ago = Utc::now() - Duration::days(30);
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        long_ago,
        Duration::days(7),
    );
    user.invite = Some(Invite::new(InviteStatus::Sent, token.record.expires_at));
    store.create_user(&user, Some(&token.record)).await.unwrap();

    let stored = store.token(&token.record.hash).await.unwrap();
    let stored = stored.expect("an expired token may still be stored");
    assert!(stored.is_expired(Utc::now()));
    assert_eq!(
        store
            .redeem_token(&redemption(&token.record, "$argon2id$late", Utc::now()))
            .await,
        Err(StoreError::TokenExpired)
    );
    assert_eq!(reread(&store, &user).await, user);
}

pub async fn a_link_is_expired_at_the_very_instant_it_expires(store: SharedStore) {
    let (user, token) = create_invited(&store, "instant").await;
    let expiry = token.record.expires_at;
    assert_eq!(
        store
            .redeem_token(&redemption(&token.record, "$argon2id$x", expiry))
            .await,
        Err(StoreError::TokenExpired)
    );
    let just_before = expiry - Duration::nanoseconds(1);
    store
        .redeem_token(&redemption(&token.record, "$argon2id$x", just_before))
        .await
        .unwrap();
    assert_eq!(reread(&store, &user).await.status, UserStatus::Active);
}

pub async fn a_new_setup_link_kills_the_older_one(store: SharedStore) {
    let (user, old) = create_invited(&store, "resend").await;
    let new = next_token(&user, TokenPurpose::Setup, t0() + Duration::hours(1));
    store.issue_token(&new.record, None).await.unwrap();
    assert_eq!(reread(&store, &user).await.setup_generation, 2);
    assert_eq!(
        store
            .redeem_token(&redemption(
                &old.record,
                "$argon2id$old",
                t0() + Duration::hours(2)
            ))
            .await,
        Err(StoreError::TokenInvalid)
    );
    store
        .redeem_token(&redemption(
            &new.record,
            "$argon2id$new",
            t0() + Duration::hours(2),
        ))
        .await
        .unwrap();
}

pub async fn a_link_issued_on_a_stale_generation_is_a_conflict_and_stores_nothing(
    store: SharedStore,
) {
    let (user, _) = create_invited(&store, "stale").await;
    let first = next_token(&user, TokenPurpose::Setup, t0());
    let racing = next_token(&user, TokenPurpose::Setup, t0());
    store.issue_token(&first.record, None).await.unwrap();
    assert_eq!(
        store.issue_token(&racing.record, None).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.token(&racing.record.hash).await.unwrap(), None);
    assert_eq!(reread(&store, &user).await.setup_generation, 2);
}

pub async fn a_setup_link_cannot_be_issued_once_the_password_is_set(store: SharedStore) {
    let (user, token) = create_invited(&store, "active").await;
    store
        .redeem_token(&redemption(&token.record, "$argon2id$own", t0()))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    let late = next_token(&active, TokenPurpose::Setup, t0() + Duration::hours(1));
    assert_eq!(
        store.issue_token(&late.record, None).await,
        Err(StoreError::AlreadyActive)
    );
    assert_eq!(store.token(&late.record.hash).await.unwrap(), None);
}

pub async fn a_link_for_an_unknown_user_is_refused(store: SharedStore) {
    let (ghost, _) = invited(&unique_email("ghost"));
    let token = next_token(&ghost, TokenPurpose::Reset, t0());
    assert_eq!(
        store.issue_token(&token.record, None).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(store.token(&token.record.hash).await.unwrap(), None);
}

pub async fn setting_a_password_kills_every_outstanding_setup_and_reset_link(store: SharedStore) {
    let (user, setup) = create_invited(&store, "kill-all").await;
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    store.issue_token(&reset.record, None).await.unwrap();
    store
        .redeem_token(&redemption(
            &setup.record,
            "$argon2id$own",
            t0() + Duration::minutes(1),
        ))
        .await
        .unwrap();
    assert_eq!(
        store
            .redeem_token(&redemption(
                &reset.record,
                "$argon2id$reset",
                t0() + Duration::minutes(2)
            ))
            .await,
        Err(StoreError::TokenInvalid)
    );
    assert_eq!(
        reread(&store, &user).await.password_hash.as_deref(),
        Some("$argon2id$own")
    );
}

pub async fn a_reset_link_sets_a_new_password_for_an_active_user(store: SharedStore) {
    let (user, setup) = create_invited(&store, "reset").await;
    store
        .redeem_token(&redemption(&setup.record, "$argon2id$own", t0()))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    let reset = next_token(&active, TokenPurpose::Reset, t0() + Duration::days(1));
    store.issue_token(&reset.record, None).await.unwrap();
    let r = redemption(
        &reset.record,
        "$argon2id$reset",
        t0() + Duration::days(1) + Duration::minutes(10),
    );
    store.redeem_token(&r).await.unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(after.password_hash.as_deref(), Some("$argon2id$reset"));
    assert_eq!(after.session_version, r.new_session_version);
    // One for issuing the link, one for using it.
    assert_eq!(after.reset_generation, active.reset_generation + 2);
}

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

pub async fn a_rehash_replaces_a_hash_only_while_it_is_still_the_old_one(store: SharedStore) {
    let (user, _) = create_invited(&store, "rehash").await;
    let old = user.temporary_password_hash.clone().unwrap();
    let change = Rehash {
        user_id: user.id.clone(),
        email: user.email.clone(),
        temporary: true,
        old_hash: old.clone(),
        new_hash: "$argon2id$stronger".into(),
    };
    store.rehash_password(&change).await.unwrap();
    assert_eq!(
        reread(&store, &user)
            .await
            .temporary_password_hash
            .as_deref(),
        Some("$argon2id$stronger")
    );
    // A second sign-in that read the old hash must not overwrite the new one.
    let stale = Rehash {
        new_hash: "$argon2id$other".into(),
        ..change
    };
    assert_eq!(
        store.rehash_password(&stale).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(
        reread(&store, &user)
            .await
            .temporary_password_hash
            .as_deref(),
        Some("$argon2id$stronger")
    );
}

fn session_change(user: &User) -> SessionChange {
    SessionChange {
        user_id: user.id.clone(),
        email: user.email.clone(),
        session_version: user.session_version.clone(),
        new_session_version: new_session_version(),
    }
}

pub async fn changing_a_password_sets_it_as_a_redemption_would_and_kills_every_link(
    store: SharedStore,
) {
    let (user, setup) = create_invited(&store, "change").await;
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    store.issue_token(&reset.record, None).await.unwrap();
    let user = reread(&store, &user).await;
    let change = session_change(&user);
    let changed = store
        .change_password(&change, "$argon2id$own")
        .await
        .unwrap();
    let stored = reread(&store, &user).await;
    assert_eq!(changed, stored, "the answer is the user as stored");
    assert_eq!(stored.password_hash.as_deref(), Some("$argon2id$own"));
    assert_eq!(stored.temporary_password_hash, None);
    assert_eq!(stored.status, UserStatus::Active);
    assert_eq!(stored.session_version, change.new_session_version);
    let mut expected = user.clone();
    expected.set_own_password("$argon2id$own".into(), change.new_session_version.clone());
    assert_eq!(stored.setup_generation, expected.setup_generation);
    assert_eq!(stored.reset_generation, expected.reset_generation);
    // Neither outstanding link can be redeemed now.
    for token in [&setup, &reset] {
        let r = store
            .redeem_token(&redemption(&token.record, "$argon2id$x", t0()))
            .await;
        assert_eq!(r.map(|_| ()), Err(StoreError::TokenInvalid));
    }
}

pub async fn a_change_of_password_or_sign_out_from_an_ended_session_is_a_conflict(
    store: SharedStore,
) {
    let (user, _) = create_invited(&store, "stale").await;
    let first = session_change(&user);
    store.end_sessions(&first).await.unwrap();
    let before = reread(&store, &user).await;
    // The session that asked carries the old version: both refused, nothing changed.
    assert_eq!(
        store
            .change_password(&first, "$argon2id$x")
            .await
            .map(|_| ()),
        Err(StoreError::Conflict)
    );
    assert_eq!(store.end_sessions(&first).await, Err(StoreError::Conflict));
    assert_eq!(reread(&store, &user).await, before);
    let unknown = SessionChange {
        user_id: UserId("nobody".into()),
        email: EmailAddress::parse("nobody@example.com").unwrap(),
        ..first
    };
    assert_eq!(
        store.end_sessions(&unknown).await,
        Err(StoreError::UserNotFound)
    );
}

pub async fn ending_sessions_changes_only_the_session_version(store: SharedStore) {
    let (user, setup) = create_invited(&store, "end").await;
    let change = session_change(&user);
    store.end_sessions(&change).await.unwrap();
    let mut expected = user.clone();
    expected.session_version = change.new_session_version.clone();
    assert_eq!(reread(&store, &user).await, expected);
    // Links are not sessions: the setup link still works.
    store
        .redeem_token(&redemption(&setup.record, "$argon2id$x", t0()))
        .await
        .unwrap();
}

pub async fn two_concurrent_password_changes_from_one_session_give_exactly_one_success(
    store: SharedStore,
) {
    let (user, _) = create_invited(&store, "race-change").await;
    let attempts = (0..10).map(|i| {
        let store = store.clone();
        let change = session_change(&user);
        tokio::spawn(async move {
            store
                .change_password(&change, &format!("$argon2id$h{i}"))
                .await
                .map(|u| u.password_hash)
        })
    });
    let results: Vec<_> = futures_join(attempts).await;
    let won: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(won.len(), 1, "{results:?}");
    assert!(results
        .iter()
        .filter(|r| r.is_err())
        .all(|r| r == &Err(StoreError::Conflict)));
    let winner = won[0].as_ref().unwrap();
    assert_eq!(&reread(&store, &user).await.password_hash, winner);
}

async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
}

pub async fn events_are_counted_per_key_and_window_and_peeking_does_not_count(store: SharedStore) {
    let window = Duration::minutes(15);
    let a = format!("login:email:{}", uuid::Uuid::new_v4().simple());
    let b = format!("login:ip:{}", uuid::Uuid::new_v4().simple());
    let now = t0();
    assert_eq!(store.count_event(&a, window, now).await.unwrap(), 1);
    assert_eq!(
        store
            .count_event(&a, window, now + Duration::minutes(1))
            .await
            .unwrap(),
        2
    );
    assert_eq!(store.count_event(&b, window, now).await.unwrap(), 1);
    let keys = [
        a.clone(),
        b.clone(),
        "login:email:nobody".to_owned(),
        a.clone(),
    ];
    assert_eq!(
        store.peek_counts(&keys, window, now).await.unwrap(),
        vec![2, 1, 0, 2]
    );
    assert_eq!(
        store.peek_counts(&keys, window, now).await.unwrap(),
        vec![2, 1, 0, 2]
    );
    let next_window = now + window;
    assert_eq!(
        store.peek_counts(&keys, window, next_window).await.unwrap(),
        vec![0, 0, 0, 0]
    );
    assert_eq!(store.count_event(&a, window, next_window).await.unwrap(), 1);
    assert_eq!(
        store.peek_counts(&[], window, now).await.unwrap(),
        Vec::<u64>::new()
    );
}

pub async fn the_sign_in_view_is_the_user_by_email_and_their_counters(store: SharedStore) {
    let window = Duration::minutes(15);
    let (user, _) = create_invited(&store, "view").await;
    let key = format!("login:email:{}", uuid::Uuid::new_v4().simple());
    let now = t0();
    store.count_event(&key, window, now).await.unwrap();
    let keys = [key.clone(), "login:ip:nobody".to_owned()];
    let (found, counts) = store
        .sign_in_view(&user.email, &keys, window, now)
        .await
        .unwrap();
    assert_eq!(found.as_ref(), Some(&user));
    assert_eq!(counts, vec![1, 0]);
    let stranger = EmailAddress::parse(&unique_email("stranger")).unwrap();
    let (nobody, counts) = store
        .sign_in_view(&stranger, &keys, window, now)
        .await
        .unwrap();
    assert_eq!(nobody, None);
    assert_eq!(counts, vec![1, 0]);
}

fn limit(kind: &str, max: u64) -> Limited {
    Limited {
        key: format!("login:{kind}:{}", uuid::Uuid::new_v4().simple()),
        max,
    }
}

pub async fn slots_are_taken_only_under_the_limit_and_given_back(store: SharedStore) {
    let window = Duration::minutes(15);
    let now = t0();
    let a = limit("email", 2);
    let limits = [a.clone()];
    let keys = [a.key.clone()];
    assert!(store.take_slots(&limits, window, now).await.unwrap());
    assert!(store.take_slots(&limits, window, now).await.unwrap());
    assert!(!store.take_slots(&limits, window, now).await.unwrap());
    assert_eq!(
        store.peek_counts(&keys, window, now).await.unwrap(),
        vec![2]
    );
    // One given back makes room for one more; giving back never goes below zero.
    store.give_back_slots(&keys, window, now).await.unwrap();
    assert!(store.take_slots(&limits, window, now).await.unwrap());
    for _ in 0..4 {
        store.give_back_slots(&keys, window, now).await.unwrap();
    }
    assert_eq!(
        store.peek_counts(&keys, window, now).await.unwrap(),
        vec![0]
    );
    // Nothing taken in a window that has not started is given back there: a no-op.
    let next_window = now + window;
    store
        .give_back_slots(&keys, window, next_window)
        .await
        .unwrap();
    assert_eq!(
        store.peek_counts(&keys, window, next_window).await.unwrap(),
        vec![0]
    );
    // A full window's slots end with the window.
    assert!(store.take_slots(&limits, window, now).await.unwrap());
    assert!(store.take_slots(&limits, window, now).await.unwrap());
    assert!(store
        .take_slots(&limits, window, next_window)
        .await
        .unwrap());
}

pub async fn a_refused_take_keeps_no_slot_under_any_key(store: SharedStore) {
    let window = Duration::minutes(15);
    let now = t0();
    let (loose, strict) = (limit("email", 10), limit("email-ip", 1));
    assert!(store
        .take_slots(std::slice::from_ref(&strict), window, now)
        .await
        .unwrap());
    let both = [loose.clone(), strict.clone()];
    assert!(!store.take_slots(&both, window, now).await.unwrap());
    assert_eq!(
        store
            .peek_counts(&[loose.key.clone(), strict.key.clone()], window, now)
            .await
            .unwrap(),
        vec![0, 1]
    );
}

pub async fn fifty_concurrent_takes_of_one_limit_take_exactly_the_limit(store: SharedStore) {
    let window = Duration::minutes(15);
    let now = t0();
    let (strict, loose) = (limit("email-ip", 5), limit("ip", 1000));
    let limits = [strict.clone(), loose.clone()];
    let takes: Vec<_> = (0..50)
        .map(|_| {
            let (store, limits) = (store.clone(), limits.clone());
            tokio::spawn(async move { store.take_slots(&limits, window, now).await })
        })
        .collect();
    let mut taken = 0;
    for take in takes {
        taken += usize::from(take.await.unwrap().unwrap());
    }
    assert_eq!(taken, 5);
    // The refused ones kept nothing under the looser key either.
    assert_eq!(
        store
            .peek_counts(&[strict.key.clone(), loose.key.clone()], window, now)
            .await
            .unwrap(),
        vec![5, 5]
    );
}

pub async fn a_key_given_twice_is_one_counter_held_to_the_stricter_limit(store: SharedStore) {
    let window = Duration::minutes(15);
    let now = t0();
    let loose = limit("ip", 3);
    let strict = Limited {
        key: loose.key.clone(),
        max: 2,
    };
    let twice = [loose.clone(), strict];
    assert!(store.take_slots(&twice, window, now).await.unwrap());
    assert_eq!(
        store
            .peek_counts(std::slice::from_ref(&loose.key), window, now)
            .await
            .unwrap(),
        vec![1],
        "one slot, not two"
    );
    assert!(store.take_slots(&twice, window, now).await.unwrap());
    assert!(!store.take_slots(&twice, window, now).await.unwrap());
    assert!(store
        .take_slots(std::slice::from_ref(&loose), window, now)
        .await
        .unwrap());
    assert_eq!(
        store
            .peek_counts(std::slice::from_ref(&loose.key), window, now)
            .await
            .unwrap(),
        vec![3]
    );
}

/// The reset link `user` would get next, with its email.
fn reset_with_job(user: &User) -> (IssuedToken, MailJob) {
    let token = next_token(user, TokenPurpose::Reset, t0());
    let job = job(user, MailKind::Reset, user.reset_generation + 1, t0());
    (token, job)
}

pub async fn slots_are_taken_with_a_link_and_its_email_in_one_write(store: SharedStore) {
    let window = Duration::hours(1);
    let (user, _) = create_invited(&store, "slotted").await;
    let (token, reset_job) = reset_with_job(&user);
    let limits = [limit("email-ip", 3), limit("email", 10), limit("ip", 20)];
    let slots = Slots {
        limits: &limits,
        window,
        now: t0(),
    };
    assert_eq!(
        store
            .issue_token_within_limits(
                &token.record,
                None,
                std::slice::from_ref(&reset_job),
                &slots
            )
            .await,
        Ok(true)
    );
    let keys: Vec<String> = limits.iter().map(|l| l.key.clone()).collect();
    assert_eq!(
        store.peek_counts(&keys, window, t0()).await.unwrap(),
        vec![1, 1, 1]
    );
    assert_eq!(
        store.token(&token.record.hash).await.unwrap(),
        Some(token.record.clone())
    );
    assert_eq!(reread(&store, &user).await.reset_generation, 1);
    assert_eq!(
        due_among(&store, t0() + Duration::days(1), &[reset_job.id.as_str()]).await,
        vec![reset_job.id.clone()]
    );
    // The slots are the ones `take_slots` counts: the limit holds across both.
    let strict = [Limited {
        key: limits[0].key.clone(),
        max: 3,
    }];
    assert!(store.take_slots(&strict, window, t0()).await.unwrap());
    assert!(store.take_slots(&strict, window, t0()).await.unwrap());
    assert!(!store.take_slots(&strict, window, t0()).await.unwrap());
}

pub async fn a_full_limit_refuses_the_link_and_writes_neither_slots_nor_link_nor_email(
    store: SharedStore,
) {
    let window = Duration::hours(1);
    let (user, first) = create_invited(&store, "full").await;
    let (loose, strict) = (limit("email", 10), limit("email-ip", 1));
    assert!(store
        .take_slots(std::slice::from_ref(&strict), window, t0())
        .await
        .unwrap());
    let (token, reset_job) = reset_with_job(&user);
    let limits = [loose.clone(), strict.clone()];
    let slots = Slots {
        limits: &limits,
        window,
        now: t0(),
    };
    assert_eq!(
        store
            .issue_token_within_limits(
                &token.record,
                None,
                std::slice::from_ref(&reset_job),
                &slots
            )
            .await,
        Ok(false)
    );
    assert_eq!(
        store
            .peek_counts(&[loose.key.clone(), strict.key.clone()], window, t0())
            .await
            .unwrap(),
        vec![0, 1],
        "no slot kept under the key with room"
    );
    assert_eq!(store.token(&token.record.hash).await.unwrap(), None);
    assert_eq!(reread(&store, &user).await, user, "the user is untouched");
    assert_eq!(
        due_among(&store, t0() + Duration::days(1), &[reset_job.id.as_str()]).await,
        Vec::<String>::new()
    );
    // A full limit answers first, even when the link would have been refused too.
    let stale = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::days(7),
    );
    assert_eq!(
        store
            .issue_token_within_limits(&stale.record, None, &[], &slots)
            .await,
        Ok(false)
    );
    assert_eq!(
        store.token(&first.record.hash).await.unwrap(),
        Some(first.record.clone()),
        "the earlier link still stands"
    );
    // In the next window the same request goes through.
    let next = Slots {
        now: t0() + window,
        ..slots
    };
    assert_eq!(
        store
            .issue_token_within_limits(&token.record, None, std::slice::from_ref(&reset_job), &next)
            .await,
        Ok(true)
    );
}

pub async fn a_refused_link_takes_no_slot(store: SharedStore) {
    let window = Duration::hours(1);
    let (user, _) = create_invited(&store, "conflict").await;
    let limits = [limit("email-ip", 3), limit("ip", 20)];
    let keys: Vec<String> = limits.iter().map(|l| l.key.clone()).collect();
    let slots = Slots {
        limits: &limits,
        window,
        now: t0(),
    };
    // On a stale generation (another link came in between): a conflict, and nothing written.
    let token = next_token(&user, TokenPurpose::Reset, t0());
    store.issue_token(&token.record, None).await.unwrap();
    let (stale, stale_job) = reset_with_job(&user);
    assert_eq!(
        store
            .issue_token_within_limits(
                &stale.record,
                None,
                std::slice::from_ref(&stale_job),
                &slots
            )
            .await,
        Err(StoreError::Conflict)
    );
    // For a user who is gone: refused, and nothing written.
    let (stranger, _) = invited(&unique_email("gone"));
    let (orphan, orphan_job) = reset_with_job(&stranger);
    assert_eq!(
        store
            .issue_token_within_limits(
                &orphan.record,
                None,
                std::slice::from_ref(&orphan_job),
                &slots
            )
            .await,
        Err(StoreError::UserNotFound)
    );
    // A setup link once the password is set: refused, and nothing written.
    store
        .redeem_token(&redemption(
            &token.record,
            "$argon2id$v=19$m=1024,t=1,p=1$own",
            t0(),
        ))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    assert_eq!(active.status, UserStatus::Active);
    let setup = next_token(&active, TokenPurpose::Setup, t0());
    assert_eq!(
        store
            .issue_token_within_limits(&setup.record, None, &[], &slots)
            .await,
        Err(StoreError::AlreadyActive)
    );
    assert_eq!(
        store.peek_counts(&keys, window, t0()).await.unwrap(),
        vec![0, 0],
        "a refused link took no slot"
    );
    for unwritten in [&stale, &orphan, &setup] {
        assert_eq!(store.token(&unwritten.record.hash).await.unwrap(), None);
    }
    let ids = [stale_job.id.as_str(), orphan_job.id.as_str()];
    assert_eq!(
        due_among(&store, t0() + Duration::days(1), &ids).await,
        Vec::<String>::new()
    );
    // The retry, read again, is counted once.
    let user = reread(&store, &user).await;
    let (retry, retry_job) = reset_with_job(&user);
    assert_eq!(
        store
            .issue_token_within_limits(
                &retry.record,
                None,
                std::slice::from_ref(&retry_job),
                &slots
            )
            .await,
        Ok(true)
    );
    assert_eq!(
        store.peek_counts(&keys, window, t0()).await.unwrap(),
        vec![1, 1]
    );
}

pub async fn a_burst_of_links_under_one_limit_issues_exactly_the_limit(store: SharedStore) {
    let window = Duration::hours(1);
    let shared = limit("ip", 3);
    let mut burst = tokio::task::JoinSet::new();
    let mut users = Vec::new();
    for i in 0..10 {
        let (user, _) = create_invited(&store, &format!("burst{i}")).await;
        users.push(user.clone());
        let (store, shared) = (store.clone(), shared.clone());
        burst.spawn(async move {
            let (token, reset_job) = reset_with_job(&user);
            let limits = [limit("email", 10), shared];
            let slots = Slots {
                limits: &limits,
                window,
                now: t0(),
            };
            store
                .issue_token_within_limits(
                    &token.record,
                    None,
                    std::slice::from_ref(&reset_job),
                    &slots,
                )
                .await
                .unwrap()
        });
    }
    let issued = burst.join_all().await.into_iter().filter(|i| *i).count();
    assert_eq!(issued, 3);
    let mut with_a_link = 0;
    for user in &users {
        with_a_link += usize::from(reread(&store, user).await.reset_generation == 1);
    }
    assert_eq!(with_a_link, 3);
    assert_eq!(
        store
            .peek_counts(std::slice::from_ref(&shared.key), window, t0())
            .await
            .unwrap(),
        vec![3]
    );
}

pub async fn twenty_concurrent_redemptions_of_one_link_give_exactly_one_success(
    store: SharedStore,
) {
    let (user, token) = create_invited(&store, "race-redeem").await;
    let now = t0() + Duration::minutes(1);
    let attempts: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let r = redemption(&token.record, &format!("$argon2id$racer-{i}"), now);
            tokio::spawn(async move { store.redeem_token(&r).await.map(|_| r) })
        })
        .collect();
    let mut winners = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(r) => winners.push(r),
            Err(StoreError::TokenUsed | StoreError::TokenInvalid) => {}
            Err(other) => panic!("a losing redemption failed with {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one redemption succeeds");
    let after = reread(&store, &user).await;
    assert_eq!(after.password_hash, Some(winners[0].password_hash.clone()));
    assert_eq!(after.session_version, winners[0].new_session_version);
    assert_eq!(after.setup_generation, user.setup_generation + 1);
}

pub async fn twenty_concurrent_creations_of_one_email_give_exactly_one_user(store: SharedStore) {
    let email = unique_email("race-create");
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            let (user, token) = invited(&email);
            tokio::spawn(async move {
                store
                    .create_user(&user, Some(&token.record))
                    .await
                    .map(|_| (user, token.record))
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut refused = Vec::new();
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok(c) => created.push(c),
            Err(StoreError::EmailTaken) => refused.push(()),
            Err(other) => panic!("a losing creation failed with {other:?}"),
        }
    }
    assert_eq!(created.len(), 1, "exactly one user is created");
    assert_eq!(refused.len(), 19);
    let (winner, token) = &created[0];
    let email = EmailAddress::parse(&email).unwrap();
    assert_eq!(
        store.user_by_email(&email).await.unwrap().as_ref(),
        Some(winner)
    );
    assert_eq!(
        store.token(&token.hash).await.unwrap().as_ref(),
        Some(token)
    );
}

/// A tech opens their link just as the admin resends the invite: whichever commits first, at
/// most one link works afterwards.
pub async fn a_redemption_racing_a_resend_never_leaves_two_working_links(store: SharedStore) {
    let mut outcomes = HashSet::new();
    for round in 0..8 {
        let (user, first) = create_invited(&store, &format!("race-resend-{round}")).await;
        let second = next_token(&user, TokenPurpose::Setup, t0() + Duration::minutes(1));
        let now = t0() + Duration::minutes(2);
        let redeem = {
            let store = store.clone();
            let r = redemption(&first.record, "$argon2id$first", now);
            tokio::spawn(async move { store.redeem_token(&r).await })
        };
        let resend = {
            let store = store.clone();
            let record = second.record.clone();
            tokio::spawn(async move { store.issue_token(&record, None).await })
        };
        let redeemed = redeem.await.unwrap();
        let resent = resend.await.unwrap();
        match (&redeemed, &resent) {
            (Ok(_), Err(StoreError::AlreadyActive | StoreError::Conflict)) => {
                outcomes.insert("redemption first");
            }
            (Err(StoreError::TokenInvalid), Ok(())) => {
                outcomes.insert("resend first");
            }
            other => panic!("round {round}: both or neither went through: {other:?}"),
        }
        // Try every link now: at most one may still work.
        let later = now + Duration::minutes(1);
        let mut working = 0;
        for token in [&first.record, &second.record] {
            if store
                .redeem_token(&redemption(token, "$argon2id$later", later))
                .await
                .is_ok()
            {
                working += 1;
            }
        }
        let expected = usize::from(redeemed.is_err());
        assert_eq!(working, expected, "round {round}: links still working");
    }
    eprintln!("race outcomes seen: {outcomes:?}");
}

// ---------------------------------------------------------------------------------------------
// The admin's side of a crew: listing, cancelling, disabling and enabling.

/// `count` invited users of one new organisation, created a second apart (oldest first), each
/// with their first setup link.
async fn crew(store: &SharedStore, label: &str, count: usize) -> Vec<(User, IssuedToken)> {
    let org = OrgId::generate();
    let mut made = Vec::new();
    for i in 0..count {
        let (mut user, _) = invited(&unique_email(&format!("{label}-{i}")));
        user.org_id = org.clone();
        user.created_at = t0() + Duration::seconds(i as i64);
        let token = next_token_at_generation(&user, 1, user.created_at);
        store.create_user(&user, Some(&token.record)).await.unwrap();
        made.push((user, token));
    }
    made
}

fn next_token_at_generation(user: &User, generation: u64, at: DateTime<Utc>) -> IssuedToken {
    issue(
        TokenPurpose::Setup,
        user.token_subject(),
        generation,
        at,
        Duration::seconds(SETUP_TTL),
    )
}

fn query(
    org: &OrgId,
    status: Option<UserStatus>,
    limit: usize,
    after: Option<PageKey>,
) -> UserQuery {
    UserQuery {
        org_id: org.clone(),
        status,
        limit,
        after,
    }
}

fn ids(page: &UserPage) -> Vec<UserId> {
    page.users.iter().map(|u| u.id.clone()).collect()
}

/// Every page from the start, following `next` until the end.
async fn every_page(store: &SharedStore, q: UserQuery) -> Vec<UserPage> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_users(&UserQuery {
                after: after.clone(),
                ..q.clone()
            })
            .await
            .unwrap();
        after = page.next.clone();
        pages.push(page);
        if after.is_none() || pages.len() > 20 {
            return pages;
        }
    }
}

pub async fn an_organisation_is_listed_newest_first_a_page_at_a_time(store: SharedStore) {
    let made = crew(&store, "list", 5).await;
    let org = made[0].0.org_id.clone();
    let newest_first: Vec<UserId> = made.iter().rev().map(|(u, _)| u.id.clone()).collect();
    let pages = every_page(&store, query(&org, None, 2, None)).await;
    assert_eq!(
        pages.iter().map(|p| p.users.len()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    let listed: Vec<UserId> = pages.iter().flat_map(ids).collect();
    assert_eq!(listed, newest_first);
    // Users come back whole, as stored.
    assert_eq!(pages[0].users[0], made[4].0);
    let all = store
        .list_users(&query(&org, None, 100, None))
        .await
        .unwrap();
    assert_eq!(ids(&all), newest_first);
    assert_eq!(all.next, None);
    let exact = store.list_users(&query(&org, None, 5, None)).await.unwrap();
    assert_eq!(exact.users.len(), 5);
    assert_eq!(exact.next, None, "a full last page says it is the last");
}

pub async fn a_listed_status_pages_through_only_that_status(store: SharedStore) {
    let made = crew(&store, "status", 6).await;
    let org = made[0].0.org_id.clone();
    // Users 1 and 4 set a password; user 2 is disabled.
    for i in [1, 4] {
        let (_, token) = &made[i];
        store
            .redeem_token(&redemption(
                &token.record,
                "$argon2id$own",
                t0() + Duration::minutes(1),
            ))
            .await
            .unwrap();
    }
    store
        .disable_user(&made[2].0, &new_session_version())
        .await
        .unwrap();
    let of = |indexes: &[usize]| -> Vec<UserId> {
        indexes.iter().map(|&i| made[i].0.id.clone()).collect()
    };
    for (status, expected) in [
        (UserStatus::Invited, of(&[5, 3, 0])),
        (UserStatus::Active, of(&[4, 1])),
        (UserStatus::Disabled, of(&[2])),
    ] {
        let pages = every_page(&store, query(&org, Some(status), 2, None)).await;
        let listed: Vec<UserId> = pages.iter().flat_map(ids).collect();
        assert_eq!(listed, expected, "{status:?}");
        for page in &pages {
            assert!(page.users.iter().all(|u| u.status == status), "{status:?}");
        }
        // A first page of two, when there are more than two, is a full one.
        if expected.len() > 2 {
            assert_eq!(pages[0].users.len(), 2, "{status:?}");
        }
    }
}

pub async fn a_list_never_shows_another_organisation(store: SharedStore) {
    let ours = crew(&store, "ours", 2).await;
    let theirs = crew(&store, "theirs", 2).await;
    let page = store
        .list_users(&query(&theirs[0].0.org_id, None, 100, None))
        .await
        .unwrap();
    assert_eq!(ids(&page), [theirs[1].0.id.clone(), theirs[0].0.id.clone()]);
    // A position taken from our list is only a position in theirs.
    let after = Some(PageKey::of(&ours[1].0));
    let page = store
        .list_users(&query(&theirs[0].0.org_id, None, 100, after))
        .await
        .unwrap();
    assert!(page.users.iter().all(|u| u.org_id == theirs[0].0.org_id));
    let nobody = store
        .list_users(&query(&OrgId::generate(), None, 10, None))
        .await
        .unwrap();
    assert_eq!(
        nobody,
        UserPage {
            users: vec![],
            next: None
        }
    );
}

pub async fn cancelling_an_invite_removes_the_user_their_email_and_their_links(store: SharedStore) {
    let (user, first) = create_invited(&store, "cancel").await;
    let resent = next_token(&user, TokenPurpose::Setup, t0() + Duration::minutes(1));
    store.issue_token(&resent.record, None).await.unwrap();
    let reset = next_token(&user, TokenPurpose::Reset, t0() + Duration::minutes(2));
    store.issue_token(&reset.record, None).await.unwrap();
    let user = reread(&store, &user).await;

    store.cancel_invite(&user).await.unwrap();

    assert_eq!(store.user_by_id(&user.id).await.unwrap(), None);
    assert_eq!(store.user_by_email(&user.email).await.unwrap(), None);
    // The live links are gone; every link is refused.
    assert_eq!(store.token(&resent.record.hash).await.unwrap(), None);
    assert_eq!(store.token(&reset.record.hash).await.unwrap(), None);
    let later = t0() + Duration::minutes(3);
    for token in [&first.record, &resent.record, &reset.record] {
        assert_eq!(
            store
                .redeem_token(&redemption(token, "$argon2id$late", later))
                .await
                .map(|_| ()),
            Err(StoreError::TokenInvalid)
        );
    }
    let listed = store
        .list_users(&query(&user.org_id, None, 10, None))
        .await
        .unwrap();
    assert!(listed.users.is_empty());
    // The email is free again.
    let (again, token) = invited(user.email.as_str());
    store
        .create_user(&again, Some(&token.record))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_email(&user.email)
            .await
            .unwrap()
            .map(|u| u.id),
        Some(again.id)
    );
}

pub async fn an_active_user_cannot_be_cancelled_and_a_gone_one_is_not_found(store: SharedStore) {
    let (user, token) = create_invited(&store, "cancel-active").await;
    store
        .redeem_token(&redemption(
            &token.record,
            "$argon2id$own",
            t0() + Duration::minutes(1),
        ))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    assert_eq!(
        store.cancel_invite(&active).await,
        Err(StoreError::AlreadyActive)
    );
    assert_eq!(reread(&store, &user).await, active);

    let (gone, _) = invited(&unique_email("never-stored"));
    assert_eq!(
        store.cancel_invite(&gone).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(
        store.disable_user(&gone, &new_session_version()).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(
        store.enable_user(&gone).await,
        Err(StoreError::UserNotFound)
    );
}

pub async fn disabling_ends_sessions_and_links_and_enabling_restores_the_status(
    store: SharedStore,
) {
    // An active user, with a reset link out.
    let (user, setup) = create_invited(&store, "disable").await;
    store
        .redeem_token(&redemption(
            &setup.record,
            "$argon2id$own",
            t0() + Duration::minutes(1),
        ))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    let reset = next_token(&active, TokenPurpose::Reset, t0() + Duration::minutes(2));
    store.issue_token(&reset.record, None).await.unwrap();
    let active = reread(&store, &active).await;

    let sv = new_session_version();
    let disabled = store.disable_user(&active, &sv).await.unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    assert_eq!(disabled.session_version, sv);
    assert_eq!(disabled.password_hash, active.password_hash);
    assert_eq!(reread(&store, &user).await, disabled);
    assert_eq!(
        store
            .redeem_token(&redemption(
                &reset.record,
                "$argon2id$new",
                t0() + Duration::minutes(3)
            ))
            .await
            .map(|_| ()),
        Err(StoreError::TokenInvalid)
    );
    // Disabling again changes nothing.
    let again = store
        .disable_user(&disabled, &new_session_version())
        .await
        .unwrap();
    assert_eq!(again, disabled);

    let enabled = store.enable_user(&disabled).await.unwrap();
    assert_eq!(enabled.status, UserStatus::Active);
    assert_eq!(enabled.session_version, sv, "old sessions stay dead");
    assert_eq!(reread(&store, &user).await, enabled);
    assert_eq!(
        store
            .redeem_token(&redemption(
                &reset.record,
                "$argon2id$new",
                t0() + Duration::minutes(4)
            ))
            .await
            .map(|_| ()),
        Err(StoreError::TokenInvalid)
    );
    // Enabling a user who is not disabled changes nothing.
    assert_eq!(store.enable_user(&enabled).await.unwrap(), enabled);

    // An invited user comes back invited; their old setup link stays dead.
    let (invitee, link) = create_invited(&store, "disable-invited").await;
    let disabled = store
        .disable_user(&invitee, &new_session_version())
        .await
        .unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    // No new setup link for a disabled user.
    let fresh = next_token(&disabled, TokenPurpose::Setup, t0() + Duration::minutes(1));
    assert_eq!(
        store.issue_token(&fresh.record, None).await,
        Err(StoreError::AlreadyActive)
    );
    let enabled = store.enable_user(&disabled).await.unwrap();
    assert_eq!(enabled.status, UserStatus::Invited);
    assert_eq!(
        store
            .redeem_token(&redemption(
                &link.record,
                "$argon2id$new",
                t0() + Duration::minutes(2)
            ))
            .await
            .map(|_| ()),
        Err(StoreError::TokenInvalid)
    );
}

/// The admin cancels an invite just as the tech sets a password with its link: exactly one of
/// the two goes through, and the other says why (the cancel: the password is set; the setup:
/// the link is no longer valid).
pub async fn a_cancel_racing_a_setup_of_the_same_invite_has_exactly_one_winner(store: SharedStore) {
    let mut outcomes = HashSet::new();
    for round in 0..8 {
        let (user, token) = create_invited(&store, &format!("race-cancel-{round}")).await;
        let now = t0() + Duration::minutes(1);
        let setup = {
            let store = store.clone();
            let r = redemption(&token.record, "$argon2id$own", now);
            tokio::spawn(async move { store.redeem_token(&r).await })
        };
        let cancel = {
            let store = store.clone();
            let user = user.clone();
            tokio::spawn(async move { store.cancel_invite(&user).await })
        };
        let set_up = setup.await.unwrap();
        let cancelled = cancel.await.unwrap();
        match (&set_up, &cancelled) {
            (Ok(_), Err(StoreError::AlreadyActive)) => {
                outcomes.insert("setup first");
                let after = reread(&store, &user).await;
                assert_eq!(after.status, UserStatus::Active, "round {round}");
            }
            (Err(StoreError::TokenInvalid), Ok(())) => {
                outcomes.insert("cancel first");
                assert_eq!(
                    store.user_by_id(&user.id).await.unwrap(),
                    None,
                    "round {round}"
                );
                assert_eq!(store.user_by_email(&user.email).await.unwrap(), None);
            }
            other => panic!("round {round}: both or neither went through: {other:?}"),
        }
    }
    eprintln!("race outcomes seen: {outcomes:?}");
}

// ---------------------------------------------------------------------------------------------
// The mail service's events

/// A fresh message id, shaped like SES's, so tests never share one even on a shared table.
fn unique_message_id() -> String {
    format!("0100019a{}-000000", uuid::Uuid::new_v4())
}

/// An invited user whose welcome email the mail service accepted as the returned id.
async fn emailed(store: &SharedStore, label: &str) -> (User, IssuedToken, String) {
    let (user, token) = create_invited(store, label).await;
    let id = unique_message_id();
    store.record_invite_email(&user, &id, t0()).await.unwrap();
    (user, token, id)
}

fn invite_of(user: &User) -> (InviteStatus, Option<BounceType>, Option<String>) {
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
    assert_eq!(store.apply_delivery_event(&id, delivered).await, Ok(true));
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Delivered, None, Some(id.clone()))
    );
    assert_eq!(
        store.apply_delivery_event(&id, delivered).await,
        Ok(false),
        "the same event again changes nothing"
    );
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Complained)
            .await,
        Ok(true)
    );
    assert_eq!(
        store.apply_delivery_event(&id, delivered).await,
        Ok(false),
        "a late delivery never hides a complaint"
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Complained, None, Some(id))
    );

    let (other, _, id) = emailed(&store, "bounce").await;
    let bounced = DeliveryEvent::Bounced(BounceType::Permanent);
    assert_eq!(store.apply_delivery_event(&id, bounced).await, Ok(true));
    assert_eq!(store.apply_delivery_event(&id, bounced).await, Ok(false));
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
            store.apply_delivery_event(&first, event).await,
            Ok(false),
            "{event:?}"
        );
    }
    assert_eq!(reread(&store, &user).await, before);
    // The newest email's events still count.
    let bounced = DeliveryEvent::Bounced(BounceType::Transient);
    assert_eq!(store.apply_delivery_event(&second, bounced).await, Ok(true));
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
            .apply_delivery_event(&second, DeliveryEvent::Complained)
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
            .apply_delivery_event(&id, DeliveryEvent::Bounced(BounceType::Permanent))
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
            store.apply_delivery_event(&id, event).await,
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
            .apply_delivery_event(&unique_message_id(), DeliveryEvent::Complained)
            .await,
        Ok(false)
    );
    assert_eq!(reread(&store, &user).await, before);
}

// ---------------------------------------------------------------------------------------------
// The outbox

/// A job of `kind` for `user`'s link of `generation`, due at `due`.
fn job(user: &User, kind: MailKind, generation: u64, due: DateTime<Utc>) -> MailJob {
    MailJob {
        id: uuid::Uuid::new_v4().simple().to_string(),
        kind,
        user_id: user.id.clone(),
        to: user.email.clone(),
        generation,
        link_expires_at: t0() + Duration::seconds(SETUP_TTL),
        key_id: "k1".into(),
        due,
        attempts: 0,
        created_at: t0(),
    }
}

/// `job` taken for the 30 s a sender holds it: it must be free.
async fn hold(store: &SharedStore, job: &MailJob) -> MailJob {
    store
        .take_mail(job, t0() + Duration::seconds(30))
        .await
        .unwrap()
        .expect("the job is free to take")
}

/// The due jobs among `ids`, in the order the store lists them.
async fn due_among(store: &SharedStore, at: DateTime<Utc>, ids: &[&str]) -> Vec<String> {
    store
        .due_mail(at, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .filter(|id| ids.contains(&id.as_str()))
        .collect()
}

/// An invited user written with a welcome job due at `t0` and a reminder due five days later.
async fn invited_with_mail(store: &SharedStore, label: &str) -> (User, MailJob, MailJob) {
    let (mut user, token) = invited(&unique_email(label));
    user.invite = Some(Invite::new(InviteStatus::Queued, token.record.expires_at));
    let welcome = job(&user, MailKind::Welcome, 1, t0());
    let reminder = job(&user, MailKind::Reminder, 1, t0() + Duration::days(5));
    store
        .create_user_with_mail(
            &user,
            Some(&token.record),
            &[welcome.clone(), reminder.clone()],
        )
        .await
        .unwrap();
    (user, welcome, reminder)
}

pub async fn jobs_written_with_their_user_come_due_in_order_and_one_sender_takes_each(
    store: SharedStore,
) {
    let (user, welcome, reminder) = invited_with_mail(&store, "outbox").await;
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Queued
    );
    let ids = [welcome.id.as_str(), reminder.id.as_str()];
    assert_eq!(
        due_among(&store, t0() - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, t0(), &ids).await,
        vec![welcome.id.clone()]
    );
    assert_eq!(
        due_among(&store, t0() + Duration::days(6), &ids).await,
        vec![welcome.id.clone(), reminder.id.clone()],
        "the longest due first"
    );
    let listed = store.due_mail(t0(), 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.id == welcome.id).unwrap();
    assert_eq!(listed, welcome, "a job reads back exactly as written");
    // Twenty senders race for the job: exactly one holds it.
    let until = t0() + Duration::seconds(30);
    let mut race = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (store, listed) = (store.clone(), listed.clone());
        race.spawn(async move { store.take_mail(&listed, until).await.unwrap() });
    }
    let taken: Vec<MailJob> = race.join_all().await.into_iter().flatten().collect();
    assert_eq!(taken.len(), 1, "exactly one sender holds the job");
    assert_eq!(taken[0].attempts, 1);
    assert_eq!(taken[0].due.timestamp_millis(), until.timestamp_millis());
    // Held: not due again until the hold runs out.
    assert_eq!(
        due_among(&store, t0() + Duration::seconds(29), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, until, &ids).await,
        vec![welcome.id.clone()]
    );
}

pub async fn a_refused_write_leaves_no_job_behind(store: SharedStore) {
    let (user, welcome, _) = invited_with_mail(&store, "refused").await;
    // The same email again: refused, and its job is not written.
    let (mut again, token) = invited(user.email.as_str());
    again.invite = Some(Invite::new(InviteStatus::Queued, token.record.expires_at));
    let duplicate = job(&again, MailKind::Welcome, 1, t0());
    assert_eq!(
        store
            .create_user_with_mail(
                &again,
                Some(&token.record),
                std::slice::from_ref(&duplicate)
            )
            .await,
        Err(StoreError::EmailTaken)
    );
    // A link on a stale generation: refused, and its job is not written.
    let stale = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::days(7),
    );
    let stale_job = job(&user, MailKind::Welcome, 1, t0());
    assert_eq!(
        store
            .issue_token_with_mail(&stale.record, None, std::slice::from_ref(&stale_job))
            .await,
        Err(StoreError::Conflict)
    );
    let ids = [
        welcome.id.as_str(),
        duplicate.id.as_str(),
        stale_job.id.as_str(),
    ];
    assert_eq!(
        due_among(&store, t0() + Duration::days(30), &ids).await,
        vec![welcome.id.clone()]
    );
    // A new link with its jobs is written with them.
    let next = next_token(&user, TokenPurpose::Setup, t0());
    let resent = job(&user, MailKind::Welcome, 2, t0());
    store
        .issue_token_with_mail(
            &next.record,
            Some(&Invite::new(InviteStatus::Queued, next.record.expires_at)),
            std::slice::from_ref(&resent),
        )
        .await
        .unwrap();
    let ids = [welcome.id.as_str(), resent.id.as_str()];
    assert_eq!(due_among(&store, t0(), &ids).await.len(), 2);
}

pub async fn a_sent_job_records_the_email_on_the_invite_and_leaves_the_outbox(store: SharedStore) {
    let (user, welcome, reminder) = invited_with_mail(&store, "sent").await;
    let held = hold(&store, &welcome).await;
    let id = unique_message_id();
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: id.clone(),
                at: t0(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Sent, None, Some(id.clone()))
    );
    let ids = [welcome.id.as_str(), reminder.id.as_str()];
    assert_eq!(
        due_among(&store, t0() + Duration::days(6), &ids).await,
        vec![reminder.id.clone()],
        "the sent job is gone; the reminder waits"
    );
    // The recorded id finds the invite for the mail service's events.
    assert_eq!(
        store
            .apply_delivery_event(&id, DeliveryEvent::Delivered)
            .await,
        Ok(true)
    );
    // Finishing again (a sender whose hold ran out) changes nothing.
    store
        .finish_mail(&held, &MailOutcome::Failed)
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Delivered
    );
}

pub async fn a_job_for_a_replaced_link_leaves_without_touching_the_invite(store: SharedStore) {
    let (user, welcome, _) = invited_with_mail(&store, "replaced").await;
    let next = next_token(&user, TokenPurpose::Setup, t0());
    store
        .issue_token(
            &next.record,
            Some(&Invite::new(InviteStatus::Manual, next.record.expires_at)),
        )
        .await
        .unwrap();
    let held = hold(&store, &welcome).await;
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: unique_message_id(),
                at: t0(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await),
        (InviteStatus::Manual, None, None),
        "the email was about a link replaced since"
    );
    assert_eq!(
        due_among(&store, t0(), &[welcome.id.as_str()]).await,
        Vec::<String>::new()
    );
}

pub async fn a_retry_puts_the_job_back_for_later_only_while_its_sender_holds_it(
    store: SharedStore,
) {
    let (user, welcome, _) = invited_with_mail(&store, "retry").await;
    let held = hold(&store, &welcome).await;
    let retry_at = t0() + Duration::seconds(10);
    store
        .finish_mail(&held, &MailOutcome::Retry { at: retry_at })
        .await
        .unwrap();
    let ids = [welcome.id.as_str()];
    assert_eq!(
        due_among(&store, retry_at - Duration::seconds(1), &ids).await,
        Vec::<String>::new()
    );
    assert_eq!(
        due_among(&store, retry_at, &ids).await,
        vec![welcome.id.clone()]
    );
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Queued,
        "still queued while it waits"
    );
    // A sender whose hold ran out (another took the job) cannot move it.
    let listed = store.due_mail(retry_at, 1000).await.unwrap();
    let listed = listed.into_iter().find(|j| j.id == welcome.id).unwrap();
    let retaken = store
        .take_mail(&listed, retry_at + Duration::seconds(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(retaken.attempts, 2);
    store
        .finish_mail(
            &held,
            &MailOutcome::Retry {
                at: t0() + Duration::days(1),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        due_among(&store, retry_at + Duration::seconds(30), &ids).await,
        vec![welcome.id.clone()],
        "the stale sender's retry changed nothing"
    );
}

pub async fn a_failed_job_marks_the_invite_failed_and_a_reset_job_touches_no_invite(
    store: SharedStore,
) {
    let (user, welcome, _) = invited_with_mail(&store, "failed").await;
    let held = hold(&store, &welcome).await;
    store
        .finish_mail(&held, &MailOutcome::Failed)
        .await
        .unwrap();
    assert_eq!(
        invite_of(&reread(&store, &user).await).0,
        InviteStatus::Failed
    );
    // A reset's job: written with its link, finished without touching the invite.
    let user = reread(&store, &user).await;
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    let reset_job = job(&user, MailKind::Reset, 1, t0());
    store
        .issue_token_with_mail(&reset.record, None, std::slice::from_ref(&reset_job))
        .await
        .unwrap();
    let held = hold(&store, &reset_job).await;
    store
        .finish_mail(
            &held,
            &MailOutcome::Sent {
                message_id: unique_message_id(),
                at: t0(),
            },
        )
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(invite_of(&after), (InviteStatus::Failed, None, None));
    assert_eq!(after.reset_generation, 1);
    assert_eq!(
        due_among(&store, t0() + Duration::days(1), &[reset_job.id.as_str()]).await,
        Vec::<String>::new()
    );
}

pub async fn a_reminders_link_records_when_it_was_issued_and_a_resend_clears_it(
    store: SharedStore,
) {
    let (user, _, _) = invited_with_mail(&store, "reminded").await;
    let at = t0() + Duration::days(5);
    let reminder = next_token(&user, TokenPurpose::Setup, at);
    let reminded = Invite {
        reminder_sent_at: Some(at),
        ..user.invite.clone().unwrap()
    };
    store
        .issue_token(&reminder.record, Some(&reminded))
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    assert_eq!(after.invite.as_ref().unwrap().reminder_sent_at, Some(at));
    assert_eq!(after.setup_generation, 2);
    // A resend is a new invite: no reminder yet.
    let resent = next_token(&after, TokenPurpose::Setup, at);
    store
        .issue_token(
            &resent.record,
            Some(&Invite::new(InviteStatus::Queued, resent.record.expires_at)),
        )
        .await
        .unwrap();
    assert_eq!(
        reread(&store, &user).await.invite.unwrap().reminder_sent_at,
        None
    );
}
