//! Setting up or resetting with a passkey (a redemption), and what a user who set up with a
//! passkey alone is to the rest of the store: set up (not cancellable, their invite used, enabled
//! back to active), and found by their passkeys wherever a correction files them.

use super::passkeys::{
    adding, passkey, set_up_with_passkey, set_up_with_password, use_of, with_passkey,
};
use super::*;
use onboarding::domain::passkey::new_user_handle;

pub async fn setting_up_with_a_passkey_activates_the_user_and_points_the_passkey_at_them(
    store: SharedStore,
) {
    let (user, setup) = create_invited(&store, "passkey-setup").await;
    // A reset link out at the same time dies with the setup.
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    store.issue_token(&reset.record, None).await.unwrap();
    let (handle, key) = (new_user_handle(), passkey(t0()));
    let now = t0() + Duration::minutes(1);
    let r = with_passkey(&setup.record, &handle, &key, now);
    let signed_in = store.redeem_token(&r).await.unwrap();
    assert_eq!(signed_in.status, UserStatus::Active);
    assert_eq!(signed_in.session_version, r.new_session_version);
    assert_eq!(signed_in.temporary_password_hash, None);
    assert_eq!(signed_in.passkey_handle.as_deref(), Some(handle.as_str()));
    assert_eq!(signed_in.passkeys, vec![key.clone()]);
    assert!(!signed_in.must_change_password());

    let stored = reread(&store, &user).await;
    assert_eq!(stored.status, UserStatus::Active);
    assert_eq!(stored.temporary_password_hash, None);
    assert_eq!(stored.password_hash, None);
    assert_eq!(stored.passkey_handle, Some(handle));
    assert_eq!(stored.passkeys, vec![key.clone()]);
    assert_ne!(stored.session_version, user.session_version);
    assert_eq!(stored.session_version, r.new_session_version);
    assert_eq!(stored.setup_generation, user.setup_generation + 1);
    assert!(stored.has_own_credential());
    assert_eq!(
        store.user_by_passkey(&key.id).await.unwrap(),
        Some(stored.clone())
    );
    assert_eq!(store.user_by_passkey(&passkey(t0()).id).await, Ok(None));
    let used = store.token(&setup.record.hash).await.unwrap().unwrap();
    assert_eq!(used.used_at, Some(now));
    assert_eq!(
        store.redeem_token(&r).await.map(|_| ()),
        Err(StoreError::TokenUsed)
    );
    assert_eq!(
        store
            .redeem_token(&redemption(&reset.record, "$argon2id$x", now))
            .await
            .map(|_| ()),
        Err(StoreError::TokenInvalid),
        "every other link is dead"
    );
}

pub async fn a_reset_with_a_passkey_replaces_the_password_and_keeps_the_passkeys(
    store: SharedStore,
) {
    let user = set_up_with_password(&store, "passkey-reset").await;
    let (handle, first) = (new_user_handle(), passkey(t0()));
    store
        .add_passkey(&adding(&user, &handle, &first))
        .await
        .unwrap();
    let user = reread(&store, &user).await;
    let reset = next_token(&user, TokenPurpose::Reset, t0() + Duration::minutes(2));
    store.issue_token(&reset.record, None).await.unwrap();
    let user = reread(&store, &user).await;
    let second = passkey(t0() + Duration::minutes(3));
    let now = t0() + Duration::minutes(3);
    store
        .redeem_token(&with_passkey(&reset.record, &handle, &second, now))
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    assert!(user.password_hash.is_some());
    assert_eq!(after.password_hash, None, "the reset replaced the password");
    assert_eq!(after.passkeys, vec![first.clone(), second.clone()]);
    assert_eq!(after.reset_generation, user.reset_generation + 1);
    assert_ne!(after.session_version, user.session_version);
    for id in [&first.id, &second.id] {
        assert_eq!(
            store.user_by_passkey(id).await.unwrap(),
            Some(after.clone())
        );
    }
}

pub async fn a_passkey_redemption_under_another_handle_or_a_taken_id_changes_nothing(
    store: SharedStore,
) {
    let (user, key, _) = set_up_with_passkey(&store, "passkey-handle").await;
    let reset = next_token(&user, TokenPurpose::Reset, t0() + Duration::minutes(2));
    store.issue_token(&reset.record, None).await.unwrap();
    let before = reread(&store, &user).await;
    let now = t0() + Duration::minutes(3);
    let other = passkey(now);
    for refused in [
        with_passkey(&reset.record, &new_user_handle(), &other, now),
        // A credential id another user (here: this one) holds already.
        with_passkey(
            &reset.record,
            before.passkey_handle.as_ref().unwrap(),
            &key,
            now,
        ),
    ] {
        assert_eq!(
            store.redeem_token(&refused).await.map(|_| ()),
            Err(StoreError::Conflict)
        );
        assert_eq!(reread(&store, &user).await, before);
        let link = store.token(&reset.record.hash).await.unwrap().unwrap();
        assert_eq!(link.used_at, None, "the link still works");
    }
    assert_eq!(store.user_by_passkey(&other.id).await, Ok(None));
}

pub async fn a_passkey_only_user_is_set_up_for_cancel_delivery_events_and_enable(
    store: SharedStore,
) {
    let (user, token, message) = super::invites::emailed(&store, "passkey-only").await;
    let (handle, key) = (new_user_handle(), passkey(t0()));
    store
        .redeem_token(&with_passkey(
            &token.record,
            &handle,
            &key,
            t0() + Duration::minutes(1),
        ))
        .await
        .unwrap();
    let active = reread(&store, &user).await;
    assert_eq!(active.password_hash, None);
    assert_eq!(
        store.cancel_invite(&active, &[]).await,
        Err(StoreError::AlreadyActive)
    );
    for event in [
        DeliveryEvent::Delivered,
        DeliveryEvent::Bounced(BounceType::Permanent),
        DeliveryEvent::Complained,
    ] {
        assert_eq!(
            store.apply_delivery_event(&message, event, t0()).await,
            Ok(false),
            "{event:?}"
        );
    }
    assert_eq!(reread(&store, &user).await, active);
    assert_eq!(
        active.shown_invite(t0()).map(|(s, _)| s.as_str()),
        Some("used")
    );

    let disabled = store
        .disable_user(&active, &new_session_version(), &[])
        .await
        .unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    let enabled = store.enable_user(&disabled, &[]).await.unwrap();
    assert_eq!(enabled.status, UserStatus::Active);
    assert_eq!(reread(&store, &user).await, enabled);
    assert_eq!(store.user_by_passkey(&key.id).await.unwrap(), Some(enabled));
}

pub async fn a_corrected_email_keeps_the_passkeys_and_a_stale_correction_keeps_them_too(
    store: SharedStore,
) {
    let (user, first, handle) = set_up_with_passkey(&store, "passkey-correct").await;
    // The admin read the user before the tech added a second passkey: the correction that
    // would write back the first read is refused, and the passkey stays.
    let second = passkey(t0() + Duration::minutes(2));
    store
        .add_passkey(&adding(&user, &handle, &second))
        .await
        .unwrap();
    let mut renamed = user.clone();
    renamed.name = Some("Ana T.".into());
    assert_eq!(
        store.correct_user(&user, &renamed, &[]).await,
        Err(StoreError::Conflict)
    );
    let read = reread(&store, &user).await;
    assert_eq!(read.passkeys, vec![first.clone(), second.clone()]);
    // A sign-in since the read moved a counter: refused the same way.
    store
        .record_passkey_use(&use_of(&read, &first.id, 0, 1, t0() + Duration::minutes(3)))
        .await
        .unwrap();
    let mut renamed = read.clone();
    renamed.name = Some("Ana T.".into());
    assert_eq!(
        store.correct_user(&read, &renamed, &[]).await,
        Err(StoreError::Conflict)
    );

    // A new email moves the user, and both passkeys still find them.
    let read = reread(&store, &user).await;
    let new = EmailAddress::parse(&unique_email("passkey-moved")).unwrap();
    let mut moved = read.clone();
    moved
        .correct(
            &Correction {
                email: Some(Some(new.clone())),
                ..Correction::default()
            },
            new_session_version(),
        )
        .unwrap();
    store.correct_user(&read, &moved, &[]).await.unwrap();
    let after = store.user_by_email(&new).await.unwrap().unwrap();
    assert_eq!(after.passkeys, read.passkeys);
    for id in [&first.id, &second.id] {
        assert_eq!(
            store.user_by_passkey(id).await.unwrap(),
            Some(after.clone())
        );
    }
}
