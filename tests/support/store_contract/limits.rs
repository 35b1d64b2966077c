//! Rate-limit counters and slots, alone and taken in one write with a link.

use super::*;

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

pub(super) fn limit(kind: &str, max: u64) -> Limited {
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
pub(super) fn reset_with_job(user: &User) -> (IssuedToken, MailJob) {
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
