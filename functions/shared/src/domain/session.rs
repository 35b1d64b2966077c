//! Sessions: EdDSA (Ed25519) JWTs with a `kid`, verified with the algorithm pinned and `exp`,
//! `iss` and `aud` required; `iat` (and `nbf`, if present) may not lie in the future. The `sv` claim must equal the user's session version, so a password
//! change, a reset or a sign-out everywhere ends every older session.
//!
//! A signing key comes from a secret string (a Secrets Manager version on AWS, a file under
//! `DATA_DIR` locally): its SHA-256, under a label of its own, is the Ed25519 seed. The `kid` is
//! the key's RFC 7638 JWK thumbprint, so it names the public key itself and every instance
//! derives the same one. Only the current key signs. A rotation is staged: the next key is
//! published and verifies (JWKS, every instance) before it signs anywhere, and after the switch
//! the previous key keeps verifying until its sessions expire (docs/DEPLOY.md).

use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{Role, User};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The user's email, or for a user without one (`email` absent) their mobile number in
    /// `phone`: the identifier the store files the user under, so it finds them in one read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub org: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The user's session version when this session was issued.
    pub sv: String,
    /// Signed in with the temporary password: the user should choose their own now, and may do
    /// so without typing the temporary one again.
    #[serde(rename = "mustChangePassword")]
    pub must_change_password: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionError {
    #[error("the session is malformed, forged, expired or for another audience")]
    Invalid,
}

/// A secret string shorter than this is refused as a key's source.
pub const MIN_KEY_BYTES: usize = 32;

/// Keeps seeds of different uses apart, should the same secret ever feed something else. The
/// seed is `SHA-256(SEED_LABEL || secret)` (docs/DEPLOY.md, "Session keys").
pub const SEED_LABEL: &[u8] = b"onboarding session signing key, Ed25519 seed, v1\0";

/// The secrets the session keys come from: the one that signs now and, during a rotation, the
/// one staged to sign next and the one before (both only verify).
#[derive(Clone)]
pub struct SigningSecrets {
    pub current: SecretString,
    pub next: Option<SecretString>,
    pub previous: Option<SecretString>,
}

impl SigningSecrets {
    /// One key, no rotation under way.
    pub fn only(current: SecretString) -> Self {
        Self {
            current,
            next: None,
            previous: None,
        }
    }
}

/// One Ed25519 key: its private half for signing, its public half for verifying and the JWKS.
struct SigningKey {
    kid: String,
    /// The public key, base64url: the JWK's `x`.
    x: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    fn from_secret(secret: &SecretString) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(SEED_LABEL);
        hasher.update(secret.expose_secret().as_bytes());
        let seed = hasher.finalize();
        let pair = Ed25519KeyPair::from_seed_unchecked(seed.as_slice())
            .expect("any 32 bytes are an Ed25519 seed");
        let pkcs8 = pair
            .to_pkcs8()
            .expect("an Ed25519 key pair serialises to PKCS#8");
        let public = pair.public_key().as_ref();
        let x = URL_SAFE_NO_PAD.encode(public);
        // RFC 7638: the SHA-256 of the required members, in lexicographic order, no whitespace.
        let thumbprint = Sha256::digest(format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#));
        Self {
            kid: URL_SAFE_NO_PAD.encode(thumbprint),
            encoding: EncodingKey::from_ed_der(pkcs8.as_ref()),
            decoding: DecodingKey::from_ed_der(public),
            x,
        }
    }

    fn jwk(&self) -> Value {
        json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": self.kid, "x": self.x})
    }
}

/// Signing and verification, built once from the configured secrets.
pub struct SessionKeys {
    current: SigningKey,
    /// The staged next key and the previous one, as there are: they verify, never sign.
    verifying: Vec<SigningKey>,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

/// Seconds of clock difference tolerated on `exp`, `iat` and `nbf`.
const LEEWAY_SECONDS: u64 = 5;

/// What a verified JWT holds: our claims and, should a signer have set one, `nbf`. We never set
/// `nbf` (a session is valid from `iat`), but one that carries it is held to it.
#[derive(Deserialize)]
struct Signed {
    #[serde(flatten)]
    claims: Claims,
    nbf: Option<i64>,
}

impl SessionKeys {
    pub fn new(secrets: &SigningSecrets, issuer: &str, audience: &str, lifetime: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.algorithms = vec![Algorithm::EdDSA];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        // jsonwebtoken reads the system clock for `exp` and `nbf`; `verify` checks them (and
        // `iat`) against our own clock, so a fixed test clock governs them.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let current = SigningKey::from_secret(&secrets.current);
        let mut verifying: Vec<SigningKey> = Vec::new();
        for secret in [&secrets.next, &secrets.previous].into_iter().flatten() {
            let key = SigningKey::from_secret(secret);
            if key.kid != current.kid && verifying.iter().all(|k| k.kid != key.kid) {
                verifying.push(key);
            }
        }
        Self {
            current,
            verifying,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The `kid` of the key that signs new sessions.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    pub fn issue(&self, user: &User, now: DateTime<Utc>) -> SecretString {
        let claims = Claims {
            sub: user.id.0.clone(),
            email: user.contacts.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: user
                .contacts
                .email
                .is_none()
                .then(|| user.contacts.phone.as_ref().map(|p| p.as_str().to_owned()))
                .flatten(),
            org: user.org_id.0.clone(),
            role: user.role,
            iat: now.timestamp(),
            exp: (now + self.lifetime).timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sv: user.session_version.clone(),
            must_change_password: user.must_change_password(),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.current.kid.clone());
        let jwt = jsonwebtoken::encode(&header, &claims, &self.current.encoding)
            .expect("Ed25519 signing of plain claims cannot fail");
        SecretString::from(jwt)
    }

    /// Checks the algorithm (EdDSA only), the key (by `kid`, among the current and previous
    /// and the verifying keys), the signature, issuer, audience, and expiry, `iat` and `nbf`
    /// against `now`.
    pub fn verify(&self, jwt: &str, now: DateTime<Utc>) -> Result<Claims, SessionError> {
        let header = jsonwebtoken::decode_header(jwt).map_err(|_| SessionError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(SessionError::Invalid);
        }
        let kid = header.kid.ok_or(SessionError::Invalid)?;
        let key = self
            .keys()
            .find(|k| k.kid == kid)
            .ok_or(SessionError::Invalid)?;
        let data = jsonwebtoken::decode::<Signed>(jwt, &key.decoding, &self.validation)
            .map_err(|_| SessionError::Invalid)?;
        let Signed { claims, nbf } = data.claims;
        let (now, leeway) = (now.timestamp(), LEEWAY_SECONDS as i64);
        if now >= claims.exp + leeway {
            return Err(SessionError::Invalid);
        }
        // A session issued, or valid only from, later than now (beyond the clock skew the leeway
        // allows) was not signed by a server with a sane clock: it would otherwise outlive its
        // lifetime by however far ahead it claims to be.
        if claims.iat > now + leeway || nbf.is_some_and(|nbf| nbf > now + leeway) {
            return Err(SessionError::Invalid);
        }
        Ok(claims)
    }

    /// The JWKS document: every public key that can verify a live session, current first.
    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self.keys().map(SigningKey::jwk).collect();
        json!({ "keys": keys })
    }

    /// Every key that verifies: the current one first.
    fn keys(&self) -> impl Iterator<Item = &SigningKey> {
        std::iter::once(&self.current).chain(&self.verifying)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EmailAddress, OrgId, UserId, UserStatus};

    fn user() -> User {
        User {
            id: UserId("u1".into()),
            org_id: OrgId("o1".into()),
            org_name: None,
            contacts: crate::domain::Contacts::email(
                EmailAddress::parse("ana@example.com").unwrap(),
            ),
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
        }
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
}
