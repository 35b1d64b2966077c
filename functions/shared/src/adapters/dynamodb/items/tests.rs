//! The stored format, pinned attribute by attribute.

use super::super::layout::{attr, n, s};
use super::*;
use aws_sdk_dynamodb::types::AttributeValue;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().to_utc()
}

fn user() -> User {
    User {
        id: UserId("u-1".into()),
        org_id: OrgId("o-1".into()),
        org_name: Some("Northwind".into()),
        contacts: Contacts::email(EmailAddress::parse("ana@example.com").unwrap()),
        name: None,
        role: Role::Tech,
        status: UserStatus::Invited,
        created_at: at("2026-11-24T10:00:00.123456789Z"),
        temporary_password_hash: Some("$argon2id$temp".into()),
        password_hash: None,
        session_version: "sv".into(),
        setup_generation: 3,
        reset_generation: 0,
        invite: Some(Invite {
            status: InviteStatus::Bounced,
            expires_at: at("2026-12-01T10:00:00Z"),
            message_id: Some("0100019abc-m1".into()),
            bounce_type: Some(BounceType::Permanent),
            reminder_sent_at: Some(at("2026-11-29T10:00:00Z")),
            channel: None,
            failure: None,
        }),
        locale: Some(Locale::PtBr),
        passkey_handle: None,
        passkeys: Vec::new(),
    }
}

fn token() -> TokenRecord {
    TokenRecord {
        hash: TokenHash::of("a token"),
        purpose: TokenPurpose::Reset,
        user_id: UserId("u-1".into()),
        org_id: OrgId("o-1".into()),
        contacts: Contacts::email(EmailAddress::parse("ana@example.com").unwrap()),
        org_name: None,
        name: Some("Ana".into()),
        user_created_at: at("2026-11-24T10:00:00Z"),
        role: Role::Admin,
        generation: 2,
        created_at: at("2026-11-25T10:00:00Z"),
        expires_at: at("2026-11-25T10:30:00.5Z"),
        used_at: Some(at("2026-11-25T10:01:00Z")),
        code: Some(crate::domain::CodeHash {
            hash: "ab".repeat(32),
            key: "0a1b2c3d4e5f".into(),
        }),
        wrong_codes: 2,
        locale: Some(Locale::Es),
    }
}

fn layout(pairs: &[(&str, AttributeValue)]) -> Item {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

#[test]
fn a_user_item_keeps_the_stored_layout_attribute_for_attribute() {
    let item = to_item("user", &UserItem::from(&user())).unwrap();
    let expected = layout(&[
        ("pk", s("EMAIL#ana@example.com")),
        ("entity", s("user")),
        ("id", s("u-1")),
        ("orgId", s("o-1")),
        ("orgName", s("Northwind")),
        ("email", s("ana@example.com")),
        ("role", s("tech")),
        ("status", s("invited")),
        ("createdAt", s("2026-11-24T10:00:00.123456789Z")),
        ("temporaryPasswordHash", s("$argon2id$temp")),
        ("sessionVersion", s("sv")),
        ("setupGeneration", n(3)),
        ("resetGeneration", n(0)),
        ("inviteStatus", s("bounced")),
        ("inviteExpiresAt", s("2026-12-01T10:00:00.000000000Z")),
        ("inviteMessageId", s("0100019abc-m1")),
        ("inviteBounceType", s("permanent")),
        ("inviteReminderSentAt", s("2026-11-29T10:00:00.000000000Z")),
        ("memberOf", s("o-1")),
        ("locale", s("pt-BR")),
    ]);
    assert_eq!(item, expected);
}

/// Items written before languages have no `locale`: they read as users and links without one
/// (`DEFAULT_LOCALE`), and a user without one writes none.
#[test]
fn items_written_before_languages_read_without_a_locale() {
    let mut item = to_item("user", &UserItem::from(&user())).unwrap();
    item.remove("locale");
    let old = user_from_item(item).unwrap();
    assert_eq!(old.locale, None);
    assert_eq!(
        old,
        User {
            locale: None,
            ..user()
        }
    );
    let rewritten = to_item("user", &UserItem::from(&old)).unwrap();
    assert!(!rewritten.contains_key("locale"));
    let t = token();
    let mut item = to_item("token", &TokenItem::from(&t)).unwrap();
    item.remove("locale");
    assert_eq!(token_from_item(t.hash, item).unwrap().locale, None);
}

#[test]
fn a_user_id_item_keeps_the_stored_layout() {
    let item = to_item("user id", &UserIdItem::from(&user())).unwrap();
    let expected = layout(&[
        ("pk", s("USER#u-1")),
        ("entity", s("user-id")),
        ("email", s("ana@example.com")),
    ]);
    assert_eq!(item, expected);
}

#[test]
fn a_message_item_keeps_the_stored_layout_and_expires_after_the_lookup_days() {
    let now = at("2026-11-24T10:00:00.5Z");
    let u = user();
    let item = to_item(
        "message",
        &MessageItem::new("0100019abc-m1", &u.id, &u.home(), now),
    )
    .unwrap();
    let expected = layout(&[
        ("pk", s("MSG#0100019abc-m1")),
        ("entity", s("message")),
        ("userId", s("u-1")),
        ("email", s("ana@example.com")),
        ("expiresAt", n(at("2026-12-24T10:00:01Z").timestamp())),
    ]);
    assert_eq!(item, expected);
    let back: MessageItem = from_item("message", item).unwrap();
    assert_eq!((back.user_id, back.home), (u.id.clone(), u.home()));
}

#[test]
fn a_token_item_keeps_the_stored_layout_and_its_ttl_in_epoch_seconds() {
    let t = token();
    let item = to_item("token", &TokenItem::from(&t)).unwrap();
    let expected = layout(&[
        ("pk", s(format!("TOKEN#{}", t.hash.to_hex()))),
        ("entity", s("token")),
        ("purpose", s("reset")),
        ("userId", s("u-1")),
        ("orgId", s("o-1")),
        ("email", s("ana@example.com")),
        ("name", s("Ana")),
        ("userCreatedAt", s("2026-11-24T10:00:00.000000000Z")),
        ("role", s("admin")),
        ("generation", n(2)),
        ("createdAt", s("2026-11-25T10:00:00.000000000Z")),
        ("validUntil", s("2026-11-25T10:30:00.500000000Z")),
        ("expiresAt", n(t.expires_at.timestamp() + 1)),
        ("usedAt", s("2026-11-25T10:01:00.000000000Z")),
        ("codeHash", s("ab".repeat(32))),
        ("codeKey", s("0a1b2c3d4e5f")),
        ("wrongCodes", n(2)),
        ("locale", s("es")),
    ]);
    assert_eq!(item, expected);
}

#[test]
fn a_user_and_a_token_round_trip_through_their_items() {
    let u = user();
    let item = to_item("user", &UserItem::from(&u)).unwrap();
    assert_eq!(user_from_item(item).unwrap(), u);
    let without_invite = User {
        invite: None,
        ..user()
    };
    let item = to_item("user", &UserItem::from(&without_invite)).unwrap();
    assert_eq!(user_from_item(item).unwrap(), without_invite);
    let t = token();
    let item = to_item("token", &TokenItem::from(&t)).unwrap();
    assert_eq!(token_from_item(t.hash, item).unwrap(), t);
}

fn passkey(id: &str, name: Option<&str>, last_used: Option<&str>) -> crate::domain::Passkey {
    crate::domain::Passkey {
        id: id.into(),
        public_key: format!("{id}-public-key"),
        sign_count: 7,
        backup_eligible: true,
        backed_up: name.is_some(),
        name: name.map(str::to_owned),
        created_at: at("2026-11-25T10:00:00.5Z"),
        last_used_at: last_used.map(at),
    }
}

/// A user who set up with a passkey and added a second one.
fn user_with_passkeys() -> User {
    User {
        status: UserStatus::Active,
        temporary_password_hash: None,
        passkey_handle: Some("aGFuZGxl".into()),
        passkeys: vec![
            passkey("Y3JlZC0x", Some("Work phone"), Some("2026-11-26T08:00:00Z")),
            passkey("Y3JlZC0y", None, None),
        ],
        ..user()
    }
}

#[test]
fn a_users_passkeys_keep_the_stored_layout_and_round_trip() {
    let u = user_with_passkeys();
    let item = to_item("user", &UserItem::from(&u)).unwrap();
    assert_eq!(item["passkeyHandle"], s("aGFuZGxl"));
    let m = |pairs: &[(&str, AttributeValue)]| AttributeValue::M(layout(pairs));
    let expected = AttributeValue::L(vec![
        m(&[
            ("id", s("Y3JlZC0x")),
            ("publicKey", s("Y3JlZC0x-public-key")),
            ("signCount", n(7)),
            ("backupEligible", AttributeValue::Bool(true)),
            ("backedUp", AttributeValue::Bool(true)),
            ("name", s("Work phone")),
            ("createdAt", s("2026-11-25T10:00:00.500000000Z")),
            ("lastUsedAt", s("2026-11-26T08:00:00.000000000Z")),
        ]),
        m(&[
            ("id", s("Y3JlZC0y")),
            ("publicKey", s("Y3JlZC0y-public-key")),
            ("signCount", n(7)),
            ("backupEligible", AttributeValue::Bool(true)),
            ("backedUp", AttributeValue::Bool(false)),
            ("createdAt", s("2026-11-25T10:00:00.500000000Z")),
        ]),
    ]);
    assert_eq!(item["passkeys"], expected);
    assert_eq!(user_from_item(item).unwrap(), u);
}

/// Items written before passkeys, and users who never had one, have neither attribute; a user
/// whose last passkey was removed has an empty list. All read as no passkeys.
#[test]
fn a_user_without_passkeys_writes_none_and_an_empty_list_reads_as_none() {
    let item = to_item("user", &UserItem::from(&user())).unwrap();
    assert!(!item.contains_key("passkeyHandle") && !item.contains_key("passkeys"));
    let mut item = to_item("user", &UserItem::from(&user_with_passkeys())).unwrap();
    item.insert("passkeys".into(), AttributeValue::L(Vec::new()));
    let read = user_from_item(item).unwrap();
    assert!(read.passkeys.is_empty());
    assert_eq!(read.passkey_handle.as_deref(), Some("aGFuZGxl"));
}

#[test]
fn a_passkey_pointer_keeps_the_stored_layout() {
    let u = user();
    let pointer = PasskeyPointerItem::new("Y3JlZC0x", &u.id, &u.home());
    let item = to_item("passkey pointer", &pointer).unwrap();
    let expected = layout(&[
        ("pk", s("PASSKEY#Y3JlZC0x")),
        ("entity", s("passkey")),
        ("userId", s("u-1")),
        ("home", s("ana@example.com")),
    ]);
    assert_eq!(item, expected);
    let back: PasskeyPointerItem = from_item("passkey pointer", item).unwrap();
    assert_eq!((back.user_id, back.home), (u.id.clone(), u.home()));
}

#[test]
fn a_ceremony_keeps_its_expiry_exact_and_for_ttl_and_round_trips_every_purpose() {
    use crate::domain::{Ceremony, CeremonyPurpose};
    let u = user();
    let purposes = [
        CeremonyPurpose::Link {
            purpose: TokenPurpose::Setup,
            token: TokenHash::of("a token"),
            user_id: u.id.clone(),
            handle: "aGFuZGxl".into(),
        },
        CeremonyPurpose::Add {
            user_id: u.id.clone(),
            home: u.home(),
            session_version: "sv".into(),
            handle: "aGFuZGxl".into(),
        },
        CeremonyPurpose::SignIn,
    ];
    for purpose in purposes {
        let c = Ceremony {
            challenge: "Y2hhbGxlbmdl".into(),
            purpose,
            state: "c3RhdGU".into(),
            expires_at: at("2026-11-25T10:05:00.25Z"),
        };
        let item = to_item("ceremony", &CeremonyItem::from(&c)).unwrap();
        assert_eq!(item["pk"], s("CEREMONY#Y2hhbGxlbmdl"));
        assert_eq!(item["entity"], s("ceremony"));
        assert_eq!(item["validUntil"], s("2026-11-25T10:05:00.250000000Z"));
        assert_eq!(item["expiresAt"], n(at("2026-11-25T10:05:01Z").timestamp()));
        assert!(
            !item.values().any(|v| v == &s("Y2hhbGxlbmdl")),
            "only in the key"
        );
        let back: CeremonyItem = from_item("ceremony", item).unwrap();
        assert_eq!(back.into_ceremony("Y2hhbGxlbmdl"), c);
    }
}

#[test]
fn every_attribute_an_expression_names_is_one_the_items_store() {
    let mut stored: Vec<String> = Vec::new();
    let active = User {
        password_hash: Some("$argon2id$own".into()),
        ..user()
    };
    stored.extend(
        to_item(
            "user",
            &UserItem::from(&active).with_setup_token(Some(&token())),
        )
        .unwrap()
        .into_keys(),
    );
    stored.extend(
        to_item("token", &TokenItem::from(&token()))
            .unwrap()
            .into_keys(),
    );
    let named = [
        attr::PK,
        attr::ENTITY,
        attr::ID,
        attr::STATUS,
        attr::TEMPORARY_PASSWORD_HASH,
        attr::PASSWORD_HASH,
        attr::SESSION_VERSION,
        attr::SETUP_GENERATION,
        attr::RESET_GENERATION,
        attr::INVITE_STATUS,
        attr::INVITE_EXPIRES_AT,
        attr::VALID_UNTIL,
        attr::EXPIRES_AT,
        attr::USED_AT,
        attr::MEMBER_OF,
        attr::CREATED_AT,
        attr::SETUP_TOKEN,
        attr::INVITE_MESSAGE_ID,
        attr::INVITE_BOUNCE_TYPE,
        attr::LOCALE,
        attr::PASSKEY_HANDLE,
        attr::PASSKEYS,
    ];
    let with_passkeys = to_item("user", &UserItem::from(&user_with_passkeys())).unwrap();
    stored.extend(with_passkeys.keys().cloned());
    for name in named {
        assert!(stored.iter().any(|s| s == name), "{name} is not stored");
    }
    // What a sign-in and a removal name inside a passkey's map.
    let AttributeValue::L(list) = &with_passkeys[attr::PASSKEYS] else {
        panic!("passkeys are a list")
    };
    let AttributeValue::M(first) = &list[0] else {
        panic!("a passkey is a map")
    };
    for name in [
        attr::ID,
        attr::SIGN_COUNT,
        attr::BACKED_UP,
        attr::LAST_USED_AT,
    ] {
        assert!(
            first.contains_key(name),
            "{name} is not in a stored passkey"
        );
    }
    let counter: CounterItem = from_item("counter", layout(&[(attr::COUNT, n(4))])).unwrap();
    assert_eq!(counter.count, 4);
}

#[test]
fn a_malformed_item_is_a_store_failure_that_shows_no_stored_value() {
    let mut item = to_item("user", &UserItem::from(&user())).unwrap();
    item.insert("setupGeneration".into(), s("ana@example.com"));
    let e = user_from_item(item).unwrap_err();
    assert!(matches!(e, StoreError::Backend(_)), "{e:?}");
    let chain = format!("{e:?} {}", super::super::errors::chain(&e));
    assert!(!chain.contains("ana@example.com"), "{chain}");
}
