//! Languages (API.md, "Languages"): a user's locale is stored and read back as it was (none for
//! a user without one), their links carry a copy of it, a redemption with a language the tech
//! chose sets it in the same write (one without leaves it), and a correction of it alone keeps
//! the user's links and sessions.

use onboarding::domain::Locale;

use super::*;

/// An invited tech whose locale is `locale`, with their first setup link, stored.
async fn create_speaking(store: &SharedStore, locale: Option<Locale>) -> (User, IssuedToken) {
    let (mut user, _) = invited(&unique_email("locale"));
    user.locale = locale;
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        t0(),
        Duration::days(7),
    );
    store.create_user(&user, Some(&token.record)).await.unwrap();
    (user, token)
}

pub async fn a_users_locale_is_stored_as_it_was_and_none_stays_none(store: SharedStore) {
    for locale in [Some(Locale::PtBr), Some(Locale::Es), None] {
        let (user, _) = create_speaking(&store, locale).await;
        let by_id = store.user_by_id(&user.id).await.unwrap().unwrap();
        assert_eq!(by_id.locale, locale);
        assert_eq!(by_id, user);
        let by_email = store.user_by(&user.home()).await.unwrap().unwrap();
        assert_eq!(by_email.locale, locale);
        let listed = store
            .list_users(&UserQuery {
                org_id: user.org_id.clone(),
                status: None,
                limit: 10,
                after: None,
            })
            .await
            .unwrap();
        assert_eq!(
            listed.users.iter().map(|u| u.locale).collect::<Vec<_>>(),
            [locale]
        );
    }
}

pub async fn a_link_carries_its_users_locale(store: SharedStore) {
    let (user, setup) = create_speaking(&store, Some(Locale::De)).await;
    let stored = store.token(&setup.record.hash).await.unwrap().unwrap();
    assert_eq!(stored.locale, Some(Locale::De));
    assert_eq!(stored, setup.record);
    // A reset link issued later copies it too.
    let reset = next_token(&user, TokenPurpose::Reset, t0());
    store.issue_token(&reset.record, None).await.unwrap();
    let newest = store
        .newest_token(&reread(&store, &user).await, TokenPurpose::Reset)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(newest.locale, Some(Locale::De));

    let (_, without) = create_speaking(&store, None).await;
    let stored = store.token(&without.record.hash).await.unwrap().unwrap();
    assert_eq!(stored.locale, None);
}

pub async fn a_redemption_with_a_chosen_locale_sets_it_and_one_without_keeps_the_users(
    store: SharedStore,
) {
    // Chosen on the page: the user's locale from this write on, and in the user signed in.
    let (user, setup) = create_speaking(&store, Some(Locale::Es)).await;
    let chosen = Redemption {
        locale: Some(Locale::Fr),
        ..redemption(&setup.record, "$argon2id$own", t0())
    };
    let signed_in = store.redeem_token(&chosen).await.unwrap();
    assert_eq!(signed_in.locale, Some(Locale::Fr));
    let after = reread(&store, &user).await;
    assert_eq!(after.locale, Some(Locale::Fr));
    assert_eq!(after.password_hash.as_deref(), Some("$argon2id$own"));

    // A refused redemption (the link is used now) sets nothing, its locale included.
    let again = Redemption {
        locale: Some(Locale::De),
        ..redemption(&setup.record, "$argon2id$again", t0())
    };
    assert_eq!(store.redeem_token(&again).await, Err(StoreError::TokenUsed));
    assert_eq!(reread(&store, &user).await, after);

    // Nothing chosen: the admin's choice stays, and none stays none.
    for locale in [Some(Locale::PtBr), None] {
        let (user, setup) = create_speaking(&store, locale).await;
        let signed_in = store
            .redeem_token(&redemption(&setup.record, "$argon2id$own", t0()))
            .await
            .unwrap();
        assert_eq!(signed_in.locale, locale);
        let after = reread(&store, &user).await;
        assert_eq!(after.locale, locale);
        assert_eq!(after.password_hash.as_deref(), Some("$argon2id$own"));
    }
}

pub async fn a_locale_correction_keeps_the_users_links_and_sessions(store: SharedStore) {
    let (user, setup) = create_speaking(&store, Some(Locale::En)).await;
    let mut after = user.clone();
    let done = after
        .correct(
            &Correction {
                locale: Some(Locale::PtBr),
                ..Correction::default()
            },
            new_session_version(),
        )
        .unwrap();
    assert!(!done.links_killed && !done.sessions_ended);
    store.correct_user(&user, &after, &[]).await.unwrap();
    let stored = reread(&store, &user).await;
    assert_eq!(stored, after);
    assert_eq!(stored.locale, Some(Locale::PtBr));
    assert_eq!(stored.session_version, user.session_version);
    assert_eq!(
        store
            .newest_token(&stored, TokenPurpose::Setup)
            .await
            .unwrap()
            .map(|t| t.hash),
        Some(setup.record.hash),
        "the link still stands"
    );
    store
        .redeem_token(&redemption(&setup.record, "$argon2id$own", t0()))
        .await
        .expect("the link still works");
    assert_eq!(reread(&store, &user).await.locale, Some(Locale::PtBr));
}

pub async fn a_correction_from_before_a_locale_change_changes_nothing(store: SharedStore) {
    let (user, _) = create_speaking(&store, Some(Locale::En)).await;
    // Another admin changes the language after this one's read.
    let mut spanish = user.clone();
    spanish.locale = Some(Locale::Es);
    store.correct_user(&user, &spanish, &[]).await.unwrap();
    let mut renamed = user.clone();
    renamed.name = Some("Ana T.".into());
    assert_eq!(
        store.correct_user(&user, &renamed, &[]).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(reread(&store, &user).await, spanish, "the change stands");
}
