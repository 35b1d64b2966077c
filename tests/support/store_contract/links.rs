//! Setup and reset links: issued, refused, redeemed, and raced.

use super::*;

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
    assert_eq!(
        store.user_by_email(user.email().unwrap()).await.unwrap(),
        Some(after)
    );
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
    assert_eq!(returned.contacts, stored.contacts);
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
    let NewCredential::Password(won) = &winners[0].credential else {
        panic!("a password redemption")
    };
    assert_eq!(after.password_hash, Some(won.clone()));
    assert_eq!(after.session_version, winners[0].new_session_version);
    assert_eq!(after.setup_generation, user.setup_generation + 1);
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

fn code_keys() -> CodeKeys {
    CodeKeys::new(&SigningSecrets::only(secrecy::SecretString::from(
        "contract code key".to_owned(),
    )))
}

pub async fn a_links_code_hash_is_stored_with_it_and_never_the_code(store: SharedStore) {
    let (user, _) = create_invited(&store, "code-kept").await;
    let keys = code_keys();
    let token = next_token(&user, TokenPurpose::Setup, t0()).with_code(&keys);
    store.issue_token(&token.record, None).await.unwrap();
    let stored = store.token(&token.record.hash).await.unwrap().unwrap();
    assert_eq!(stored, token.record);
    let hash = stored.code.expect("the code's hash is kept");
    assert!(keys.verify(&hash, &user.id, TokenPurpose::Setup, &token.code()));
    assert!(!hash.hash.contains(token.code().digits()));
    assert_eq!(stored.wrong_codes, 0);
}

pub async fn the_newest_link_of_a_purpose_is_found_from_its_user(store: SharedStore) {
    let (user, first) = create_invited(&store, "newest").await;
    assert_eq!(
        store
            .newest_token(&user, TokenPurpose::Setup)
            .await
            .unwrap()
            .map(|t| t.hash),
        Some(first.record.hash)
    );
    assert_eq!(
        store
            .newest_token(&user, TokenPurpose::Reset)
            .await
            .unwrap(),
        None,
        "no reset link yet"
    );
    let second = next_token(&user, TokenPurpose::Setup, t0() + Duration::minutes(1));
    store.issue_token(&second.record, None).await.unwrap();
    let user = reread(&store, &user).await;
    let newest = store
        .newest_token(&user, TokenPurpose::Setup)
        .await
        .unwrap()
        .expect("the newest link");
    assert_eq!(newest.hash, second.record.hash);
    let (other, _) = create_invited(&store, "newest-other").await;
    assert_ne!(
        store
            .newest_token(&other, TokenPurpose::Setup)
            .await
            .unwrap()
            .map(|t| t.hash),
        Some(second.record.hash),
        "another user's link is never theirs"
    );
}

pub async fn a_verified_codes_slot_comes_back_and_never_below_zero(store: SharedStore) {
    let (_, token) = create_invited(&store, "code-back").await;
    let hash = token.record.hash;
    for _ in 0..2 {
        assert!(store.take_wrong_code_slot(&hash, 2).await.unwrap());
    }
    assert!(!store.take_wrong_code_slot(&hash, 2).await.unwrap(), "full");
    store.give_back_wrong_code_slot(&hash).await.unwrap();
    assert!(
        store.take_wrong_code_slot(&hash, 2).await.unwrap(),
        "one back"
    );
    for _ in 0..4 {
        store.give_back_wrong_code_slot(&hash).await.unwrap();
    }
    let stored = store.token(&hash).await.unwrap().unwrap();
    assert_eq!(stored.wrong_codes, 0, "never below zero");
    assert_eq!(stored.used_at, None);
    store
        .give_back_wrong_code_slot(&TokenHash::of("no such token"))
        .await
        .unwrap();
}

pub async fn wrong_code_slots_stop_at_the_limit_even_under_a_burst(store: SharedStore) {
    let (_, token) = create_invited(&store, "wrong-codes").await;
    let hash = token.record.hash;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let store = store.clone();
        burst.spawn(async move { store.take_wrong_code_slot(&hash, 5).await.unwrap() });
    }
    let taken = burst.join_all().await.into_iter().filter(|t| *t).count();
    assert_eq!(taken, 5);
    let stored = store.token(&hash).await.unwrap().unwrap();
    assert_eq!(stored.wrong_codes, 5);
    assert_eq!(stored.used_at, None, "the link itself is untouched");
    assert!(!store
        .take_wrong_code_slot(&TokenHash::of("no such token"), 5)
        .await
        .unwrap());
}
