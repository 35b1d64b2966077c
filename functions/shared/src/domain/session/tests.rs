//! Sessions: signing, verifying, rotating keys, and what a session says of its user.

use super::*;
use crate::domain::{EmailAddress, OrgId, UserId, UserStatus};

fn user() -> User {
    User {
        id: UserId("u1".into()),
        org_id: OrgId("o1".into()),
        org_name: None,
        contacts: crate::domain::Contacts::email(EmailAddress::parse("ana@example.com").unwrap()),
        name: None,
        role: Role::Tech,
        status: UserStatus::Active,
        created_at: Utc::now(),
        temporary_password_hash: None,
        password_hash: Some("hash".into()),
        session_version: "v1".into(),
        setup_generation: 1,
        reset_generation: 0,
        invite: None,
        locale: None,
        passkey_handle: None,
        passkeys: Vec::new(),
    }
}

#[test]
fn a_session_carries_when_and_how_its_user_proved_who_they_are() {
    let keys = keys(KEY_A);
    let now = Utc::now();
    let claims = |jwt: SecretString| keys.verify(jwt.expose_secret(), now).unwrap();
    for (proof, amr) in [
        (Proof::Password, "pwd"),
        (Proof::TemporaryPassword, "tmp"),
        (Proof::Code, "otp"),
    ] {
        let c = claims(keys.issue_proved(&user(), now, proof));
        assert_eq!(c.amr, vec![amr.to_owned()]);
        assert_eq!(c.auth_time, Some(now.timestamp()));
    }
    // A password sign-in: the temporary password while it is the one in use.
    let mut on_temporary = user();
    on_temporary.password_hash = None;
    on_temporary.temporary_password_hash = Some("temp".into());
    assert_eq!(claims(keys.issue(&on_temporary, now)).amr, vec!["tmp"]);
    assert_eq!(claims(keys.issue(&user(), now)).amr, vec!["pwd"]);
}

fn secrets(current: &str, previous: Option<&str>) -> SigningSecrets {
    SigningSecrets {
        current: SecretString::from(current),
        next: None,
        previous: previous.map(SecretString::from),
    }
}

fn keys(secret: &str) -> SessionKeys {
    SessionKeys::new(&secrets(secret, None), "iss", "aud", Duration::hours(12))
}

const KEY_A: &str = "0123456789abcdef0123456789abcdef";
const KEY_B: &str = "another key another key another key!";

#[test]
fn a_session_verifies_until_it_expires() {
    let k = keys(KEY_A);
    let now = Utc::now();
    let jwt = k.issue(&user(), now);
    let claims = k
        .verify(jwt.expose_secret(), now + Duration::hours(11))
        .unwrap();
    assert_eq!(claims.sub, "u1");
    assert_eq!(claims.sv, "v1");
    assert!(!claims.must_change_password);
    assert!(k
        .verify(jwt.expose_secret(), now + Duration::hours(13))
        .is_err());
}

#[test]
fn a_session_issued_in_the_future_is_refused_beyond_the_leeway() {
    let k = keys(KEY_A);
    let now = Utc::now();
    let early = k.issue(&user(), now + Duration::minutes(1));
    assert_eq!(
        k.verify(early.expose_secret(), now),
        Err(SessionError::Invalid)
    );
    let skewed = k.issue(&user(), now + Duration::seconds(3));
    assert!(k.verify(skewed.expose_secret(), now).is_ok());
}

#[test]
fn the_header_names_the_algorithm_and_the_key() {
    let k = keys(KEY_A);
    let jwt = k.issue(&user(), Utc::now());
    let header = jsonwebtoken::decode_header(jwt.expose_secret()).unwrap();
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.kid.as_deref(), Some(k.current_kid()));
}

#[test]
fn a_user_on_the_temporary_password_carries_must_change_password() {
    let k = keys(KEY_A);
    let mut u = user();
    u.password_hash = None;
    u.temporary_password_hash = Some("temp".into());
    let now = Utc::now();
    let claims = k.verify(k.issue(&u, now).expose_secret(), now).unwrap();
    assert!(claims.must_change_password);
}

#[test]
fn a_session_signed_with_another_key_or_for_another_audience_is_refused() {
    let now = Utc::now();
    let jwt = keys(KEY_B).issue(&user(), now);
    assert!(keys(KEY_A).verify(jwt.expose_secret(), now).is_err());
    let other_aud = SessionKeys::new(&secrets(KEY_A, None), "iss", "other", Duration::hours(1));
    let jwt = other_aud.issue(&user(), now);
    assert!(keys(KEY_A).verify(jwt.expose_secret(), now).is_err());
}

#[test]
fn after_a_rotation_the_previous_key_verifies_and_the_new_one_signs() {
    let now = Utc::now();
    let before = keys(KEY_A);
    let old_session = before.issue(&user(), now);
    let after = SessionKeys::new(
        &secrets(KEY_B, Some(KEY_A)),
        "iss",
        "aud",
        Duration::hours(12),
    );
    assert!(after.verify(old_session.expose_secret(), now).is_ok());
    let new_session = after.issue(&user(), now);
    let kid = jsonwebtoken::decode_header(new_session.expose_secret())
        .unwrap()
        .kid
        .unwrap();
    assert_eq!(kid, after.current_kid());
    assert_ne!(kid, before.current_kid());
    let jwks = after.jwks();
    let listed: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [after.current_kid(), before.current_kid()]);
    // Once the previous key is gone, its sessions are too.
    assert!(keys(KEY_B)
        .verify(old_session.expose_secret(), now)
        .is_err());
}

#[test]
fn a_staged_next_key_verifies_and_is_published_but_never_signs() {
    let now = Utc::now();
    let staged = SessionKeys::new(
        &SigningSecrets {
            current: SecretString::from(KEY_A),
            next: Some(SecretString::from(KEY_B)),
            previous: None,
        },
        "iss",
        "aud",
        Duration::hours(12),
    );
    let next = keys(KEY_B);
    assert_eq!(staged.current_kid(), keys(KEY_A).current_kid());
    // A session the next key signs (an instance that switched already) verifies here.
    assert!(staged
        .verify(next.issue(&user(), now).expose_secret(), now)
        .is_ok());
    let jwks = staged.jwks();
    let listed: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [staged.current_kid(), next.current_kid()]);
}

#[test]
fn the_jwks_holds_public_keys_only() {
    let jwks = keys(KEY_A).jwks();
    let key = &jwks["keys"][0];
    assert_eq!(key["kty"], "OKP");
    assert_eq!(key["crv"], "Ed25519");
    assert_eq!(key["alg"], "EdDSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(
        URL_SAFE_NO_PAD
            .decode(key["x"].as_str().unwrap())
            .unwrap()
            .len(),
        32
    );
    let fields: Vec<&String> = key.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["alg", "crv", "kid", "kty", "use", "x"]);
}

#[test]
fn an_hs256_session_signed_with_any_secret_is_refused() {
    let now = Utc::now().timestamp();
    let claims = json!({"sub":"u1","email":"ana@example.com","org":"o1","role":"admin",
        "iat":now,"exp":now+3600,"iss":"iss","aud":"aud","sv":"v1","mustChangePassword":false});
    let k = keys(KEY_A);
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(k.current_kid().to_owned());
    for secret in [KEY_A.as_bytes(), k.current.x.as_bytes()] {
        let forged =
            jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap();
        assert_eq!(k.verify(&forged, Utc::now()), Err(SessionError::Invalid));
    }
}

#[test]
fn an_unsigned_alg_none_session_is_refused() {
    let now = Utc::now().timestamp();
    let k = keys(KEY_A);
    let header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
        k.current_kid()
    ));
    let body = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"u1","org":"o1","role":"admin","iat":{now},"exp":{},"iss":"iss","aud":"aud","sv":"v1"}}"#,
        now + 3600
    ));
    let forged = format!("{header}.{body}.");
    assert!(k.verify(&forged, Utc::now()).is_err());
}
