//! Passkeys: ceremonies taken once, a signed-in user's own passkeys (added up to the limit,
//! removed never below a way in) and a sign-in's counter. Setting up with one, and what a
//! passkey-only user is to the rest of the store, are in `passkey_setup`.

use super::*;
use onboarding::domain::passkey::{b64, new_user_handle, MAX_PASSKEYS};
use onboarding::domain::{Ceremony, CeremonyPurpose, Passkey, PasskeyUse};
use onboarding::ports::PasskeyAdd;

/// A fresh passkey (a random credential id, so tests never share one even on a shared table).
pub(super) fn passkey(at: DateTime<Utc>) -> Passkey {
    Passkey {
        id: b64(uuid::Uuid::new_v4().as_bytes()),
        public_key: b64(b"not a real public key"),
        sign_count: 0,
        backup_eligible: true,
        backed_up: false,
        name: None,
        created_at: at,
        last_used_at: None,
    }
}

pub(super) fn with_passkey(
    token: &TokenRecord,
    handle: &str,
    passkey: &Passkey,
    now: DateTime<Utc>,
) -> Redemption {
    Redemption {
        token: token.clone(),
        credential: NewCredential::Passkey {
            handle: handle.to_owned(),
            passkey: passkey.clone(),
        },
        new_session_version: new_session_version(),
        now,
        locale: None,
        audit: Vec::new(),
    }
}

/// An invited user who set up with a passkey: the user as stored, the passkey and its handle.
pub(super) async fn set_up_with_passkey(
    store: &SharedStore,
    label: &str,
) -> (User, Passkey, String) {
    let (user, token) = create_invited(store, label).await;
    let (handle, key) = (new_user_handle(), passkey(t0()));
    let now = t0() + Duration::minutes(1);
    store
        .redeem_token(&with_passkey(&token.record, &handle, &key, now))
        .await
        .unwrap();
    (reread(store, &user).await, key, handle)
}

/// An invited user who set up with a password, as stored.
pub(super) async fn set_up_with_password(store: &SharedStore, label: &str) -> User {
    let (user, token) = create_invited(store, label).await;
    let now = t0() + Duration::minutes(1);
    store
        .redeem_token(&redemption(&token.record, "$argon2id$own", now))
        .await
        .unwrap();
    reread(store, &user).await
}

/// A change from `user`'s current session.
pub(super) fn session(user: &User) -> SessionChange {
    SessionChange {
        user_id: user.id.clone(),
        home: user.home(),
        session_version: user.session_version.clone(),
        new_session_version: new_session_version(),
    }
}

pub(super) fn adding(user: &User, handle: &str, passkey: &Passkey) -> PasskeyAdd {
    PasskeyAdd {
        change: session(user),
        handle: handle.to_owned(),
        passkey: passkey.clone(),
        audit: Vec::new(),
    }
}

fn ceremony(expires_at: DateTime<Utc>) -> Ceremony {
    let mut challenge = [0u8; 32];
    challenge[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    Ceremony {
        challenge: b64(&challenge),
        purpose: CeremonyPurpose::SignIn,
        state: b64(b"relying party state"),
        expires_at,
    }
}

/// A sign-in with `user`'s passkey `id`, from counter `old` to `new`.
pub(super) fn use_of(user: &User, id: &str, old: u32, new: u32, at: DateTime<Utc>) -> PasskeyUse {
    PasskeyUse {
        user_id: user.id.clone(),
        home: user.home(),
        passkey_id: id.to_owned(),
        index: user.passkey_index(id).unwrap_or(0),
        session_version: user.session_version.clone(),
        old_count: old,
        new_count: new,
        backed_up: true,
        at,
    }
}

pub async fn a_ceremony_is_taken_once_and_of_concurrent_takes_exactly_one_gets_it(
    store: SharedStore,
) {
    let c = ceremony(t0() + Duration::minutes(5));
    store.put_ceremony(&c).await.unwrap();
    assert_eq!(store.put_ceremony(&c).await, Err(StoreError::Conflict));
    assert_eq!(
        store.take_ceremony(&c.challenge, t0()).await,
        Ok(Some(c.clone()))
    );
    assert_eq!(store.take_ceremony(&c.challenge, t0()).await, Ok(None));
    assert_eq!(store.take_ceremony("bm8tc3VjaA", t0()).await, Ok(None));

    let c = ceremony(t0() + Duration::minutes(5));
    store.put_ceremony(&c).await.unwrap();
    let takes: Vec<_> = (0..10)
        .map(|_| {
            let (store, challenge) = (store.clone(), c.challenge.clone());
            tokio::spawn(async move { store.take_ceremony(&challenge, t0()).await })
        })
        .collect();
    let mut got = Vec::new();
    for take in takes {
        if let Some(taken) = take.await.unwrap().unwrap() {
            got.push(taken);
        }
    }
    assert_eq!(got, vec![c], "exactly one take gets the ceremony");
}

pub async fn an_expired_ceremony_is_never_taken(store: SharedStore) {
    let expiry = t0() + Duration::minutes(5);
    let late = ceremony(expiry);
    store.put_ceremony(&late).await.unwrap();
    assert_eq!(store.take_ceremony(&late.challenge, expiry).await, Ok(None));
    assert_eq!(
        store.take_ceremony(&late.challenge, t0()).await,
        Ok(None),
        "an expired take still uses it up"
    );
    let just = ceremony(expiry);
    store.put_ceremony(&just).await.unwrap();
    let instant_before = expiry - Duration::nanoseconds(1);
    assert_eq!(
        store.take_ceremony(&just.challenge, instant_before).await,
        Ok(Some(just.clone()))
    );
}

pub async fn a_signed_in_user_adds_passkeys_up_to_the_limit(store: SharedStore) {
    let user = set_up_with_password(&store, "passkey-add").await;
    let handle = new_user_handle();
    let mut keys = Vec::new();
    for i in 0..MAX_PASSKEYS {
        let key = passkey(t0() + Duration::minutes(i as i64));
        let left = store
            .add_passkey(&adding(&user, &handle, &key))
            .await
            .unwrap();
        keys.push(key);
        assert_eq!(left.passkeys, keys);
        assert_eq!(reread(&store, &user).await, left);
    }
    let stored = reread(&store, &user).await;
    assert_eq!(
        stored.session_version, user.session_version,
        "sessions go on"
    );
    assert_eq!(stored.passkey_handle.as_deref(), Some(handle.as_str()));
    let one_too_many = passkey(t0() + Duration::hours(1));
    assert_eq!(
        store
            .add_passkey(&adding(&user, &handle, &one_too_many))
            .await,
        Err(StoreError::TooManyPasskeys)
    );
    assert_eq!(reread(&store, &user).await, stored);
    assert_eq!(store.user_by_passkey(&one_too_many.id).await, Ok(None));
    assert_eq!(
        store.user_by_passkey(&keys[9].id).await.unwrap(),
        Some(stored)
    );
}

pub async fn adding_a_passkey_from_a_moved_session_or_under_another_handle_is_a_conflict(
    store: SharedStore,
) {
    let (user, _, handle) = set_up_with_passkey(&store, "passkey-add-stale").await;
    let key = passkey(t0() + Duration::minutes(2));
    let mut stale = adding(&user, &handle, &key);
    stale.change.session_version = new_session_version();
    assert_eq!(store.add_passkey(&stale).await, Err(StoreError::Conflict));
    let other_handle = adding(&user, &new_user_handle(), &key);
    assert_eq!(
        store.add_passkey(&other_handle).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(reread(&store, &user).await, user);
    assert_eq!(store.user_by_passkey(&key.id).await, Ok(None));
    let (gone, _) = invited(&unique_email("passkey-nobody"));
    assert_eq!(
        store.add_passkey(&adding(&gone, &handle, &key)).await,
        Err(StoreError::UserNotFound)
    );
}

pub async fn a_passkey_is_removed_only_while_another_way_in_remains(store: SharedStore) {
    // A passkey-only user: the only passkey stays.
    let (user, first, handle) = set_up_with_passkey(&store, "passkey-remove").await;
    assert_eq!(
        store.remove_passkey(&session(&user), &first.id, &[]).await,
        Err(StoreError::LastCredential)
    );
    assert_eq!(reread(&store, &user).await, user);
    assert_eq!(
        store
            .remove_passkey(&session(&user), &passkey(t0()).id, &[])
            .await,
        Err(StoreError::UserNotFound)
    );
    // With a second one, either may go; then the other is the only way in again.
    let second = passkey(t0() + Duration::minutes(2));
    store
        .add_passkey(&adding(&user, &handle, &second))
        .await
        .unwrap();
    let mut moved = session(&user);
    moved.session_version = new_session_version();
    assert_eq!(
        store.remove_passkey(&moved, &first.id, &[]).await,
        Err(StoreError::Conflict)
    );
    let left = store
        .remove_passkey(&session(&user), &first.id, &[])
        .await
        .unwrap();
    assert_eq!(left.passkeys, vec![second.clone()]);
    assert_eq!(reread(&store, &user).await, left);
    assert_eq!(store.user_by_passkey(&first.id).await, Ok(None));
    assert_eq!(store.user_by_passkey(&second.id).await.unwrap(), Some(left));
    assert_eq!(
        store.remove_passkey(&session(&user), &second.id, &[]).await,
        Err(StoreError::LastCredential)
    );

    // Beside a password, the last passkey may go too; the handle stays for the next one.
    let user = set_up_with_password(&store, "passkey-remove-pw").await;
    let only = passkey(t0() + Duration::minutes(2));
    store
        .add_passkey(&adding(&user, &handle, &only))
        .await
        .unwrap();
    let left = store
        .remove_passkey(&session(&user), &only.id, &[])
        .await
        .unwrap();
    assert!(left.passkeys.is_empty());
    assert_eq!(left.passkey_handle.as_deref(), Some(handle.as_str()));
    assert_eq!(reread(&store, &user).await, left);
    assert_eq!(store.user_by_passkey(&only.id).await, Ok(None));
}

pub async fn a_passkey_use_moves_its_counter_only_from_the_value_read(store: SharedStore) {
    let (user, first, handle) = set_up_with_passkey(&store, "passkey-use").await;
    let at = t0() + Duration::minutes(5);
    store
        .record_passkey_use(&use_of(&user, &first.id, 0, 3, at))
        .await
        .unwrap();
    let after = reread(&store, &user).await;
    let used = after.passkey(&first.id).unwrap();
    assert_eq!(
        (used.sign_count, used.backed_up, used.last_used_at),
        (3, true, Some(at))
    );
    assert_eq!(
        (used.public_key.as_str(), used.created_at),
        (first.public_key.as_str(), first.created_at),
        "the rest of the passkey stays"
    );
    assert_eq!(after.session_version, user.session_version);
    assert_eq!(
        store
            .record_passkey_use(&use_of(&user, &first.id, 0, 4, at))
            .await,
        Err(StoreError::Conflict),
        "a stale counter"
    );
    assert_eq!(reread(&store, &user).await, after);
    assert_eq!(
        store
            .record_passkey_use(&use_of(&user, "bm8tc3VjaA", 0, 1, at))
            .await,
        Err(StoreError::UserNotFound)
    );

    // A passkey that moved since the read (one before it removed) is still found.
    let second = passkey(t0() + Duration::minutes(6));
    store
        .add_passkey(&adding(&after, &handle, &second))
        .await
        .unwrap();
    let read = reread(&store, &user).await;
    store
        .remove_passkey(&session(&read), &first.id, &[])
        .await
        .unwrap();
    let later = t0() + Duration::minutes(7);
    store
        .record_passkey_use(&use_of(&read, &second.id, 0, 1, later))
        .await
        .unwrap();
    let now = reread(&store, &user).await;
    assert_eq!(now.passkeys.len(), 1);
    assert_eq!(now.passkeys[0].sign_count, 1);
    assert_eq!(now.passkeys[0].last_used_at, Some(later));
}

pub async fn two_concurrent_uses_of_one_counter_value_give_exactly_one_success(store: SharedStore) {
    let (user, key, _) = set_up_with_passkey(&store, "passkey-use-race").await;
    let uses: Vec<_> = (0..10u32)
        .map(|i| {
            let store = store.clone();
            let used = use_of(&user, &key.id, 0, 1 + i, t0() + Duration::minutes(5));
            tokio::spawn(async move { (i, store.record_passkey_use(&used).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for u in uses {
        match u.await.unwrap() {
            (i, Ok(())) => winners.push(i),
            (_, Err(StoreError::Conflict)) => {}
            (_, other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one sign-in counts");
    let after = reread(&store, &user).await;
    assert_eq!(after.passkeys[0].sign_count, 1 + winners[0]);
}

pub async fn a_passkey_use_is_refused_once_the_user_is_disabled_or_signed_out_everywhere(
    store: SharedStore,
) {
    let (user, first, _) = set_up_with_passkey(&store, "passkey-ended").await;
    let at = t0() + Duration::minutes(5);
    // Read, then every session ended meanwhile: that read signs nobody in.
    let change = SessionChange {
        user_id: user.id.clone(),
        home: user.home(),
        session_version: user.session_version.clone(),
        new_session_version: new_session_version(),
    };
    store.end_sessions(&change, &[]).await.unwrap();
    assert_eq!(
        store
            .record_passkey_use(&use_of(&user, &first.id, 0, 1, at))
            .await,
        Err(StoreError::Conflict)
    );
    let signed_out = reread(&store, &user).await;
    assert_eq!(signed_out.passkey(&first.id), user.passkey(&first.id));
    // Read again, then disabled meanwhile.
    store
        .disable_user(&signed_out, &new_session_version(), &[])
        .await
        .unwrap();
    assert_eq!(
        store
            .record_passkey_use(&use_of(&signed_out, &first.id, 0, 1, at))
            .await,
        Err(StoreError::Conflict)
    );
    // Disabled and read as such: still refused.
    let disabled = reread(&store, &user).await;
    assert_eq!(
        store
            .record_passkey_use(&use_of(&disabled, &first.id, 0, 1, at))
            .await,
        Err(StoreError::Conflict)
    );
    assert_eq!(reread(&store, &user).await, disabled, "nothing changed");
}
