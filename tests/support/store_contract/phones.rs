//! Phones: a user reached by phone alone, or by email and phone; each phone belongs to one user,
//! is found by sign-in's read, and is free again once its user is gone.

use super::*;

fn phone(n: u32) -> PhoneNumber {
    // A fresh number for each call (the 555-01xx block is reserved for fiction), so tests never
    // share data even on a shared table.
    let tail = uuid::Uuid::new_v4().as_u128() % 10_000_000;
    PhoneNumber::from_e164(&format!("+1{}{:07}", 200 + n, tail)).unwrap()
}

/// An invited tech with `contacts`, with their first setup link, stored.
async fn create_with(store: &SharedStore, contacts: Contacts) -> (User, IssuedToken) {
    let (mut user, _) = invited(&unique_email("phone"));
    user.contacts = contacts;
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

pub async fn a_user_without_an_email_is_found_by_phone_by_id_and_by_their_link(store: SharedStore) {
    let number = phone(1);
    let (user, token) =
        create_with(&store, Contacts::new(None, Some(number.clone())).unwrap()).await;
    let by_phone = store.user_by(&Identifier::Phone(number)).await.unwrap();
    assert_eq!(by_phone, Some(user.clone()));
    assert_eq!(
        store.user_by_id(&user.id).await.unwrap(),
        Some(user.clone())
    );
    let record = store.token(&token.record.hash).await.unwrap().unwrap();
    assert_eq!(record.contacts, user.contacts);
    // Redeeming signs them in with their phone as their identity.
    let signed_in = store
        .redeem_token(&Redemption {
            token: record,
            credential: NewCredential::Password("$argon2id$own".into()),
            new_session_version: new_session_version(),
            now: t0(),
            locale: None,
            audit: Vec::new(),
        })
        .await
        .unwrap();
    assert_eq!(signed_in.contacts, user.contacts);
    assert_eq!(
        store
            .user_by_id(&user.id)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$own")
    );
}

pub async fn a_phone_beside_an_email_finds_the_same_user(store: SharedStore) {
    let email = EmailAddress::parse(&unique_email("both")).unwrap();
    let number = phone(2);
    let (user, _) = create_with(
        &store,
        Contacts::new(Some(email.clone()), Some(number.clone())).unwrap(),
    )
    .await;
    assert_eq!(
        store.user_by(&Identifier::Phone(number)).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_by_email(&email).await.unwrap(), Some(user));
    assert_eq!(
        store.user_by(&Identifier::Phone(phone(3))).await.unwrap(),
        None
    );
}

pub async fn a_phone_is_one_users_and_a_refused_create_leaves_nothing(store: SharedStore) {
    let number = phone(4);
    let (first, _) = create_with(
        &store,
        Contacts::new(
            Some(EmailAddress::parse(&unique_email("first")).unwrap()),
            Some(number.clone()),
        )
        .unwrap(),
    )
    .await;
    // Beside a new email, and alone: both refused as the phone's.
    for email in [
        Some(EmailAddress::parse(&unique_email("second")).unwrap()),
        None,
    ] {
        let (mut second, _) = invited(&unique_email("unused"));
        second.contacts = Contacts::new(email.clone(), Some(number.clone())).unwrap();
        let token = issue(
            TokenPurpose::Setup,
            second.token_subject(),
            1,
            t0(),
            Duration::days(7),
        );
        assert_eq!(
            store.create_user(&second, Some(&token.record)).await,
            Err(StoreError::PhoneTaken)
        );
        assert_eq!(store.user_by_id(&second.id).await.unwrap(), None);
        assert_eq!(store.token(&token.record.hash).await.unwrap(), None);
        if let Some(email) = email {
            assert_eq!(
                store.user_by_email(&email).await.unwrap(),
                None,
                "the email stays free"
            );
        }
    }
    assert_eq!(
        store
            .user_by(&Identifier::Phone(number))
            .await
            .unwrap()
            .map(|u| u.id),
        Some(first.id)
    );
}

pub async fn cancelling_an_invite_frees_its_phone(store: SharedStore) {
    let number = phone(5);
    let both = Contacts::new(
        Some(EmailAddress::parse(&unique_email("cancel")).unwrap()),
        Some(number.clone()),
    )
    .unwrap();
    let (user, _) = create_with(&store, both).await;
    store.cancel_invite(&user, &[]).await.unwrap();
    assert_eq!(
        store
            .user_by(&Identifier::Phone(number.clone()))
            .await
            .unwrap(),
        None
    );
    // The number can be invited again, alone.
    let (again, _) = create_with(&store, Contacts::new(None, Some(number.clone())).unwrap()).await;
    store.cancel_invite(&again, &[]).await.unwrap();
    assert_eq!(
        store.user_by(&Identifier::Phone(number)).await.unwrap(),
        None
    );
    assert_eq!(store.user_by_id(&again.id).await.unwrap(), None);
}

/// `user` corrected as an admin would, stored.
async fn correct(
    store: &SharedStore,
    user: &User,
    correction: Correction,
) -> Result<User, StoreError> {
    let mut after = user.clone();
    after
        .correct(&correction, new_session_version())
        .expect("a correction the domain accepts");
    store.correct_user(user, &after, &[]).await.map(|()| after)
}

pub async fn a_corrected_email_moves_the_user_and_frees_the_old_one(store: SharedStore) {
    let old = EmailAddress::parse(&unique_email("typo")).unwrap();
    let new = EmailAddress::parse(&unique_email("fixed")).unwrap();
    let number = phone(6);
    let (user, _) = create_with(
        &store,
        Contacts::new(Some(old.clone()), Some(number.clone())).unwrap(),
    )
    .await;
    let after = correct(
        &store,
        &user,
        Correction {
            email: Some(Some(new.clone())),
            ..Correction::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        store.user_by_email(&new).await.unwrap(),
        Some(after.clone())
    );
    assert_eq!(
        store.user_by(&Identifier::Phone(number)).await.unwrap(),
        Some(after.clone())
    );
    assert_eq!(store.user_by_id(&user.id).await.unwrap(), Some(after));
    assert_eq!(store.user_by_email(&old).await.unwrap(), None);
    // The old address is free for anyone.
    let (someone, _) = create_with(&store, Contacts::email(old.clone())).await;
    assert_eq!(
        store.user_by_email(&old).await.unwrap().map(|u| u.id),
        Some(someone.id)
    );
}

pub async fn removing_the_email_files_the_user_under_their_phone_and_adding_one_moves_them_back(
    store: SharedStore,
) {
    let email = EmailAddress::parse(&unique_email("both")).unwrap();
    let number = phone(7);
    let (user, _) = create_with(
        &store,
        Contacts::new(Some(email.clone()), Some(number.clone())).unwrap(),
    )
    .await;
    let phone_only = correct(
        &store,
        &user,
        Correction {
            email: Some(None),
            ..Correction::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        store
            .user_by(&Identifier::Phone(number.clone()))
            .await
            .unwrap(),
        Some(phone_only.clone())
    );
    assert_eq!(
        store.user_by_id(&user.id).await.unwrap(),
        Some(phone_only.clone())
    );
    assert_eq!(store.user_by_email(&email).await.unwrap(), None);

    let again = correct(
        &store,
        &phone_only,
        Correction {
            email: Some(Some(email.clone())),
            ..Correction::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        store.user_by_email(&email).await.unwrap(),
        Some(again.clone())
    );
    assert_eq!(
        store.user_by(&Identifier::Phone(number)).await.unwrap(),
        Some(again.clone())
    );
    assert_eq!(store.user_by_id(&user.id).await.unwrap(), Some(again));
}

pub async fn a_correction_to_a_taken_phone_or_from_a_stale_read_changes_nothing(
    store: SharedStore,
) {
    let (other, _) = create_with(&store, Contacts::new(None, Some(phone(8))).unwrap()).await;
    let (user, _) = create_with(
        &store,
        Contacts::email(EmailAddress::parse(&unique_email("mine")).unwrap()),
    )
    .await;
    let taken = correct(
        &store,
        &user,
        Correction {
            phone: other.contacts.phone.clone().map(Some),
            ..Correction::default()
        },
    )
    .await;
    assert_eq!(taken, Err(StoreError::PhoneTaken));
    assert_eq!(
        store.user_by_id(&user.id).await.unwrap(),
        Some(user.clone())
    );

    // A read from before a change made meanwhile (a new session version): refused.
    let mut stale = user.clone();
    stale.session_version = new_session_version();
    let mut after = stale.clone();
    after.name = Some("Ana T.".into());
    assert_eq!(
        store.correct_user(&stale, &after, &[]).await,
        Err(StoreError::Conflict)
    );
    assert_eq!(store.user_by_id(&user.id).await.unwrap(), Some(user));
}

pub async fn a_name_or_role_correction_keeps_the_users_links(store: SharedStore) {
    let (user, token) = create_with(
        &store,
        Contacts::email(EmailAddress::parse(&unique_email("renamed")).unwrap()),
    )
    .await;
    let after = correct(
        &store,
        &user,
        Correction {
            name: Some(Some("Ana Tech-Smith".into())),
            ..Correction::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        store.user_by_id(&user.id).await.unwrap(),
        Some(after.clone())
    );
    let newest = store
        .newest_token(&after, TokenPurpose::Setup)
        .await
        .unwrap()
        .map(|t| t.hash);
    assert_eq!(
        newest,
        Some(token.record.hash),
        "the link still stands for its code"
    );
}

pub async fn a_correction_never_writes_back_over_a_change_it_did_not_see(store: SharedStore) {
    // The outbox records the invite's text as sent after the admin's read.
    let (user, _) = create_with(&store, Contacts::new(None, Some(phone(9))).unwrap()).await;
    store
        .record_invite_email(&user, "m-after-the-read", t0())
        .await
        .unwrap();
    let mut renamed = user.clone();
    renamed.name = Some("Ana T.".into());
    assert_eq!(
        store.correct_user(&user, &renamed, &[]).await,
        Err(StoreError::Conflict)
    );
    let now = store.user_by_id(&user.id).await.unwrap().unwrap();
    assert_eq!(
        now.invite.as_ref().and_then(|i| i.message_id.as_deref()),
        Some("m-after-the-read"),
        "the send is not undone"
    );

    // An enable after the admin read the user disabled.
    let disabled = store
        .disable_user(&now, &new_session_version(), &[])
        .await
        .unwrap();
    store.enable_user(&disabled, &[]).await.unwrap();
    let mut corrected = disabled.clone();
    corrected.name = Some("Ana Tech".into());
    assert_eq!(
        store.correct_user(&disabled, &corrected, &[]).await,
        Err(StoreError::Conflict)
    );
    assert_ne!(
        store.user_by_id(&user.id).await.unwrap().unwrap().status,
        UserStatus::Disabled,
        "the enable stands"
    );
}
