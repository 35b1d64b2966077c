//! Users: created and read back, their own password and session changes, a rehash.

use super::*;

pub async fn a_created_user_is_found_by_email_and_by_id_exactly_as_stored(store: SharedStore) {
    let (user, _) = create_invited(&store, "ana").await;
    assert_eq!(
        store.user_by_email(user.email().unwrap()).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_by_id(&user.id).await.unwrap(), Some(user));
}

pub async fn emails_are_found_whatever_their_case_was_when_typed(store: SharedStore) {
    let (user, _) = create_invited(&store, "Mixed.Case").await;
    let typed = EmailAddress::parse(&format!(
        "  {}  ",
        user.email().unwrap().as_str().to_uppercase()
    ))
    .unwrap();
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
    let (mut second, second_token) = invited(first.email().unwrap().as_str());
    second.name = Some("Someone Else".into());
    assert_eq!(
        store.create_user(&second, Some(&second_token.record)).await,
        Err(StoreError::EmailTaken)
    );
    assert_eq!(
        store.user_by_email(first.email().unwrap()).await.unwrap(),
        Some(first)
    );
    assert_eq!(store.user_by_id(&second.id).await.unwrap(), None);
    assert_eq!(store.token(&second_token.record.hash).await.unwrap(), None);
}

pub async fn a_rehash_replaces_a_hash_only_while_it_is_still_the_old_one(store: SharedStore) {
    let (user, _) = create_invited(&store, "rehash").await;
    let old = user.temporary_password_hash.clone().unwrap();
    let change = Rehash {
        user_id: user.id.clone(),
        home: user.home(),
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

pub(super) fn session_change(user: &User) -> SessionChange {
    SessionChange {
        user_id: user.id.clone(),
        home: user.home(),
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
        .change_password(&change, "$argon2id$own", &[])
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
    store.end_sessions(&first, &[]).await.unwrap();
    let before = reread(&store, &user).await;
    // The session that asked carries the old version: both refused, nothing changed.
    assert_eq!(
        store
            .change_password(&first, "$argon2id$x", &[])
            .await
            .map(|_| ()),
        Err(StoreError::Conflict)
    );
    assert_eq!(
        store.end_sessions(&first, &[]).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(reread(&store, &user).await, before);
    let unknown = SessionChange {
        user_id: UserId("nobody".into()),
        home: Identifier::Email(EmailAddress::parse("nobody@example.com").unwrap()),
        ..first
    };
    assert_eq!(
        store.end_sessions(&unknown, &[]).await,
        Err(StoreError::UserNotFound)
    );
}

pub async fn ending_sessions_changes_only_the_session_version(store: SharedStore) {
    let (user, setup) = create_invited(&store, "end").await;
    let change = session_change(&user);
    store.end_sessions(&change, &[]).await.unwrap();
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
                .change_password(&change, &format!("$argon2id$h{i}"), &[])
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

pub(super) async fn futures_join<T: Send + 'static>(
    handles: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for h in handles.collect::<Vec<_>>() {
        out.push(h.await.unwrap());
    }
    out
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
