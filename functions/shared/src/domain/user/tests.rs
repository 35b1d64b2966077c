//! What disabling, enabling, delivery events and the invite as shown do to a user.

use super::*;

fn invited() -> User {
    let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
        .unwrap()
        .to_utc();
    User::new_invited(
        NewUser {
            org_id: OrgId::generate(),
            org_name: None,
            contacts: Contacts::email(EmailAddress::parse("ana@example.com").unwrap()),
            name: None,
            role: Role::Tech,
            temporary_password_hash: Some("$argon2id$temp".into()),
            locale: None,
        },
        now,
        Invite::new(InviteStatus::Manual, now + chrono::Duration::days(1)),
    )
}

#[test]
fn disabling_ends_sessions_and_links_and_enabling_gives_back_what_the_user_was() {
    let mut user = invited();
    let before = user.clone();
    user.disable("sv-2".into());
    assert_eq!(user.status, UserStatus::Disabled);
    assert_eq!(user.session_version, "sv-2");
    assert_eq!(user.setup_generation, before.setup_generation + 1);
    assert_eq!(user.reset_generation, before.reset_generation + 1);
    user.enable();
    assert_eq!(user.status, UserStatus::Invited);
    assert_eq!(user.session_version, "sv-2", "old sessions stay dead");

    user.set_own_password("$argon2id$own".into(), "sv-3".into());
    user.disable("sv-4".into());
    user.enable();
    assert_eq!(user.status, UserStatus::Active);
}

#[test]
fn a_disabled_users_invite_shows_what_happened_to_the_link() {
    let mut user = invited();
    let now = user.created_at;
    assert_eq!(
        user.shown_invite(now).map(|(s, _)| s),
        Some(ShownInviteStatus::Manual)
    );
    user.disable("sv".into());
    assert_eq!(
        user.shown_invite(now + chrono::Duration::days(2))
            .map(|(s, _)| s),
        Some(ShownInviteStatus::Expired)
    );
    user.set_own_password("$argon2id$own".into(), "sv".into());
    user.disable("sv".into());
    assert_eq!(
        user.shown_invite(now).map(|(s, _)| s),
        Some(ShownInviteStatus::Used)
    );
}

#[test]
fn statuses_parse_only_as_the_contract_spells_them() {
    for s in [
        UserStatus::Invited,
        UserStatus::Active,
        UserStatus::Disabled,
    ] {
        assert_eq!(UserStatus::parse(s.as_str()), Some(s));
        assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
    }
    assert_eq!(UserStatus::parse("Active"), None);
    assert_eq!(UserStatus::parse(""), None);
}

#[test]
fn a_delivery_event_moves_only_the_newest_emails_invite_and_never_a_used_one() {
    let mut user = invited();
    let now = user.created_at;
    let invite = user.invite.as_mut().unwrap();
    invite.status = InviteStatus::Sent;
    invite.message_id = Some("m-2".into());
    assert!(
        !user.apply_delivery_event("m-1", DeliveryEvent::Delivered),
        "older email"
    );
    assert_eq!(user.invite.as_ref().unwrap().status, InviteStatus::Sent);
    assert!(user.apply_delivery_event("m-2", DeliveryEvent::Delivered));
    assert!(
        !user.apply_delivery_event("m-2", DeliveryEvent::Delivered),
        "idempotent"
    );
    let bounced = DeliveryEvent::Bounced(BounceType::Permanent);
    assert!(user.apply_delivery_event("m-2", bounced));
    assert!(
        !user.apply_delivery_event("m-2", DeliveryEvent::Delivered),
        "a late delivery"
    );
    assert_eq!(
        user.shown_invite(now).map(|(s, _)| s),
        Some(ShownInviteStatus::Bounced(BounceType::Permanent))
    );
    user.set_own_password("$argon2id$own".into(), "sv".into());
    assert!(!user.apply_delivery_event("m-2", DeliveryEvent::Complained));
    assert_eq!(
        user.shown_invite(now).map(|(s, _)| s),
        Some(ShownInviteStatus::Used)
    );
}

#[test]
fn a_user_stored_before_languages_reads_without_a_locale_and_speaks_the_default() {
    let mut user = invited();
    let json = serde_json::to_value(&user).unwrap();
    assert!(json.get("locale").is_none(), "no locale, none written");
    let old: User = serde_json::from_value(json).unwrap();
    assert_eq!(old.locale, None);
    assert_eq!(old.locale_or(Locale::De), Locale::De);

    user.locale = Some(Locale::PtBr);
    let json = serde_json::to_value(&user).unwrap();
    assert_eq!(json["locale"], "pt-BR");
    let back: User = serde_json::from_value(json).unwrap();
    assert_eq!(back, user);
    assert_eq!(back.locale_or(Locale::En), Locale::PtBr);
    assert_eq!(back.token_subject().locale, Some(Locale::PtBr));
}
