//! The admin's side of a crew: listing, cancelling, disabling and enabling.

use super::*;

/// `count` invited users of one new organisation, created a second apart (oldest first), each
/// with their first setup link.
pub(super) async fn crew(
    store: &SharedStore,
    label: &str,
    count: usize,
) -> Vec<(User, IssuedToken)> {
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

pub(super) fn next_token_at_generation(
    user: &User,
    generation: u64,
    at: DateTime<Utc>,
) -> IssuedToken {
    issue(
        TokenPurpose::Setup,
        user.token_subject(),
        generation,
        at,
        Duration::seconds(SETUP_TTL),
    )
}

pub(super) fn query(
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

pub(super) fn ids(page: &UserPage) -> Vec<UserId> {
    page.users.iter().map(|u| u.id.clone()).collect()
}

/// Every page from the start, following `next` until the end.
pub(super) async fn every_page(store: &SharedStore, q: UserQuery) -> Vec<UserPage> {
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
        .disable_user(&made[2].0, &new_session_version(), &[])
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

    store.cancel_invite(&user, &[]).await.unwrap();

    assert_eq!(store.user_by_id(&user.id).await.unwrap(), None);
    assert_eq!(
        store.user_by_email(user.email().unwrap()).await.unwrap(),
        None
    );
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
    let (again, token) = invited(user.email().unwrap().as_str());
    store
        .create_user(&again, Some(&token.record))
        .await
        .unwrap();
    assert_eq!(
        store
            .user_by_email(user.email().unwrap())
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
        store.cancel_invite(&active, &[]).await,
        Err(StoreError::AlreadyActive)
    );
    assert_eq!(reread(&store, &user).await, active);

    let (gone, _) = invited(&unique_email("never-stored"));
    assert_eq!(
        store.cancel_invite(&gone, &[]).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(
        store.disable_user(&gone, &new_session_version(), &[]).await,
        Err(StoreError::UserNotFound)
    );
    assert_eq!(
        store.enable_user(&gone, &[]).await,
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
    let disabled = store.disable_user(&active, &sv, &[]).await.unwrap();
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
        .disable_user(&disabled, &new_session_version(), &[])
        .await
        .unwrap();
    assert_eq!(again, disabled);

    let enabled = store.enable_user(&disabled, &[]).await.unwrap();
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
    assert_eq!(store.enable_user(&enabled, &[]).await.unwrap(), enabled);

    // An invited user comes back invited; their old setup link stays dead.
    let (invitee, link) = create_invited(&store, "disable-invited").await;
    let disabled = store
        .disable_user(&invitee, &new_session_version(), &[])
        .await
        .unwrap();
    assert_eq!(disabled.status, UserStatus::Disabled);
    // No new setup link for a disabled user.
    let fresh = next_token(&disabled, TokenPurpose::Setup, t0() + Duration::minutes(1));
    assert_eq!(
        store.issue_token(&fresh.record, None).await,
        Err(StoreError::AlreadyActive)
    );
    let enabled = store.enable_user(&disabled, &[]).await.unwrap();
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
            tokio::spawn(async move { store.cancel_invite(&user, &[]).await })
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
                assert_eq!(
                    store.user_by_email(user.email().unwrap()).await.unwrap(),
                    None
                );
            }
            other => panic!("round {round}: both or neither went through: {other:?}"),
        }
    }
    eprintln!("race outcomes seen: {outcomes:?}");
}
