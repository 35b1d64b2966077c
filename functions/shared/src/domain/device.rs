//! Known devices (OWASP's "device cookies"): after a sign-in, the browser or app holds a device
//! token for that user, and a later sign-in that carries it is limited per device only, so
//! failures from other addresses (an attacker spraying the owner's email, a depot's crew behind
//! one address) never lock the owner out.
//!
//! A token is `d1.<user id>.<device id>.<tag>`: the tag an HMAC-SHA256, under a key derived from
//! the session secret with a label of its own (never the signing key, and not a JWT: no session
//! verifier accepts it), over the user's id, their session version and the random device id. So
//! it dies with the session version (a password change, a reset, a disable, a sign-out
//! everywhere), and a token of one user says nothing about another. During a key rotation the
//! staged and previous secrets still verify, as for links.
//!
//! A browser's cookie holds the tokens of up to [`MAX_USERS_PER_COOKIE`] users (a crew's shared
//! phone), newest first, joined by `~`; an app's JSON carries one user's token.

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::session::SigningSecrets;
use super::{User, UserId};

/// The label the device key is derived under, so it is never the session key or the link key.
const DEVICE_KEY_LABEL: &[u8] = b"onboarding device tokens v1";
const VERSION: &str = "d1";

/// How many users' tokens one browser's cookie keeps.
pub const MAX_USERS_PER_COOKIE: usize = 5;

/// Longest token accepted: a longer one is not ours, and is not parsed.
const MAX_TOKEN_LEN: usize = 200;

/// The keys device tokens are tagged with: the current session secret's tags new tokens; the
/// staged and previous ones still verify during a rotation.
pub struct DeviceKeys {
    signing: hmac::Key,
    others: Vec<hmac::Key>,
}

/// A device token that verified for a user: which device it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDevice {
    pub device_id: String,
}

impl KnownDevice {
    /// The rate-limit key of this user's device: a hash, so counters carry no identifier.
    pub fn limit_key(&self, kind: &str, user_id: &UserId) -> String {
        let digest = Sha256::digest(format!("{}\n{}", user_id.0, self.device_id).as_bytes());
        let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        format!("{kind}:device:{hex}")
    }
}

fn derive(secret: &SecretString) -> hmac::Key {
    let root = hmac::Key::new(hmac::HMAC_SHA256, secret.expose_secret().as_bytes());
    let derived = hmac::sign(&root, DEVICE_KEY_LABEL);
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

fn message(user_id: &UserId, session_version: &str, device_id: &str) -> Vec<u8> {
    // Newline-separated: none of the three contains one (checked when parsing and issuing).
    format!("{VERSION}\n{}\n{session_version}\n{device_id}", user_id.0).into_bytes()
}

impl DeviceKeys {
    pub fn new(secrets: &SigningSecrets) -> Self {
        Self {
            signing: derive(&secrets.current),
            others: [&secrets.next, &secrets.previous]
                .into_iter()
                .flatten()
                .map(derive)
                .collect(),
        }
    }

    /// A token for `user` on a new device (a fresh random device id).
    pub fn issue(&self, user: &User) -> SecretString {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the OS random number generator is available");
        self.issue_for(user, &URL_SAFE_NO_PAD.encode(bytes))
    }

    /// A token for `user` on the device `device_id` (the same device after its token was
    /// verified, so its id and its counter stay).
    pub fn issue_for(&self, user: &User, device_id: &str) -> SecretString {
        let tag = hmac::sign(
            &self.signing,
            &message(&user.id, &user.session_version, device_id),
        );
        SecretString::from(format!(
            "{VERSION}.{}.{device_id}.{}",
            user.id.0,
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        ))
    }

    /// The device `token` names, if it is a token of ours for `user` as the user is now (same
    /// id, same session version). Constant-time on the tag.
    pub fn verify(&self, token: &str, user: &User) -> Option<KnownDevice> {
        let (user_id, device_id, tag) = parse(token)?;
        if user_id != user.id.0 {
            return None;
        }
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let message = message(&user.id, &user.session_version, device_id);
        std::iter::once(&self.signing)
            .chain(&self.others)
            .any(|key| hmac::verify(key, &message, &tag).is_ok())
            .then(|| KnownDevice {
                device_id: device_id.to_owned(),
            })
    }

    /// The first token among `tokens` (a cookie's, or an app's one) that verifies for `user`.
    pub fn find<'a>(
        &self,
        tokens: impl IntoIterator<Item = &'a str>,
        user: &User,
    ) -> Option<KnownDevice> {
        tokens.into_iter().find_map(|t| self.verify(t, user))
    }
}

/// A token's parts: user id, device id, tag. `None` for anything not shaped like ours.
fn parse(token: &str) -> Option<(&str, &str, &str)> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (version, user_id, device_id, tag) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    (parts.next().is_none()
        && version == VERSION
        && plain(user_id)
        && plain(device_id)
        && plain(tag))
    .then_some((user_id, device_id, tag))
}

/// The user id a token claims (unverified): what a cookie of several users' tokens is sorted by.
fn claimed_user(token: &str) -> Option<&str> {
    parse(token).map(|(user_id, _, _)| user_id)
}

/// The tokens in a device cookie's value, at most [`MAX_USERS_PER_COOKIE`] of them.
pub fn cookie_tokens(value: &str) -> Vec<&str> {
    value
        .split('~')
        .filter(|t| parse(t).is_some())
        .take(MAX_USERS_PER_COOKIE)
        .collect()
}

/// A device cookie's new value: `token` first, then the other users' tokens it held before
/// (this user's older token dropped), at most [`MAX_USERS_PER_COOKIE`].
pub fn cookie_with(previous: Option<&str>, token: &str) -> String {
    let user = claimed_user(token);
    std::iter::once(token)
        .chain(
            previous
                .map(cookie_tokens)
                .unwrap_or_default()
                .into_iter()
                .filter(|t| claimed_user(t) != user),
        )
        .take(MAX_USERS_PER_COOKIE)
        .collect::<Vec<_>>()
        .join("~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::user::new_session_version;
    use crate::domain::EmailAddress;
    use chrono::Utc;

    fn keys(secret: &str) -> DeviceKeys {
        DeviceKeys::new(&SigningSecrets::only(SecretString::from(secret.to_owned())))
    }

    fn user(email: &str) -> User {
        User::new_admin(
            EmailAddress::parse(email).unwrap(),
            None,
            "hash".into(),
            Utc::now(),
        )
    }

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_verifies_for_its_user_and_nobody_else() {
        let k = keys(SECRET);
        let ana = user("ana@example.com");
        let ben = user("ben@example.com");
        let token = k.issue(&ana);
        let device = k.verify(token.expose_secret(), &ana).expect("verifies");
        assert!(!device.device_id.is_empty());
        assert_eq!(k.verify(token.expose_secret(), &ben), None);
    }

    #[test]
    fn a_token_dies_with_the_session_version() {
        let k = keys(SECRET);
        let mut ana = user("ana@example.com");
        let token = k.issue(&ana);
        ana.session_version = new_session_version();
        assert_eq!(k.verify(token.expose_secret(), &ana), None);
    }

    #[test]
    fn a_token_of_another_key_or_a_changed_one_is_refused() {
        let ana = user("ana@example.com");
        let token = keys("another deployment's secret, 32b").issue(&ana);
        assert_eq!(keys(SECRET).verify(token.expose_secret(), &ana), None);
        let k = keys(SECRET);
        let good = k.issue(&ana);
        let good = good.expose_secret();
        // Another device id under the same tag.
        let (head, tag) = good.rsplit_once('.').unwrap();
        let (prefix, _) = head.rsplit_once('.').unwrap();
        let forged = format!("{prefix}.AAAAAAAAAAAAAAAAAAAAAA.{tag}");
        assert_eq!(k.verify(&forged, &ana), None);
        assert_eq!(k.verify("", &ana), None);
        assert_eq!(k.verify(&format!("{good}.x"), &ana), None);
        assert_eq!(k.verify(&"d1.a.b.c".repeat(100), &ana), None);
    }

    #[test]
    fn a_session_jwt_is_not_a_device_token() {
        let k = keys(SECRET);
        let ana = user("ana@example.com");
        assert_eq!(
            k.verify("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln", &ana),
            None
        );
    }

    #[test]
    fn a_rotation_keeps_verifying_tokens_of_the_previous_key() {
        let ana = user("ana@example.com");
        let token = keys(SECRET).issue(&ana);
        let rotated = DeviceKeys::new(&SigningSecrets {
            current: SecretString::from("the new secret, thirty-two bytes".to_owned()),
            next: None,
            previous: Some(SecretString::from(SECRET.to_owned())),
        });
        assert!(rotated.verify(token.expose_secret(), &ana).is_some());
    }

    #[test]
    fn the_same_device_keeps_its_id_and_its_counter() {
        let k = keys(SECRET);
        let ana = user("ana@example.com");
        let first = k.verify(k.issue(&ana).expose_secret(), &ana).unwrap();
        let again = k.issue_for(&ana, &first.device_id);
        let second = k.verify(again.expose_secret(), &ana).unwrap();
        assert_eq!(first, second);
        assert_eq!(
            first.limit_key("login", &ana.id),
            second.limit_key("login", &ana.id)
        );
        assert!(!first.limit_key("login", &ana.id).contains(&ana.id.0));
    }

    #[test]
    fn a_shared_phone_keeps_five_users_newest_first() {
        let k = keys(SECRET);
        let crew: Vec<User> = (0..7)
            .map(|i| user(&format!("tech{i}@example.com")))
            .collect();
        let mut cookie: Option<String> = None;
        let mut tokens = Vec::new();
        for u in &crew {
            let t = k.issue(u).expose_secret().to_owned();
            cookie = Some(cookie_with(cookie.as_deref(), &t));
            tokens.push(t);
        }
        let cookie = cookie.unwrap();
        let held = cookie_tokens(&cookie);
        assert_eq!(held.len(), MAX_USERS_PER_COOKIE);
        assert_eq!(held[0], tokens[6]);
        assert!(k.find(held.iter().copied(), &crew[2]).is_some());
        assert!(
            k.find(held.iter().copied(), &crew[1]).is_none(),
            "the oldest fell out"
        );
        // Signing in again as one of them replaces that user's token, not another's.
        let again = k.issue(&crew[3]).expose_secret().to_owned();
        let cookie = cookie_with(Some(&cookie), &again);
        let held = cookie_tokens(&cookie);
        assert_eq!(held.len(), MAX_USERS_PER_COOKIE);
        assert_eq!(held[0], again);
        assert!(!held.contains(&tokens[3].as_str()));
        assert!(k.find(held.iter().copied(), &crew[2]).is_some());
    }
}
