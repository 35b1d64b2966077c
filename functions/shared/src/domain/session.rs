//! Sessions: HS256 JWTs with the algorithm pinned and `exp`, `iss` and `aud` checked. The `sv`
//! claim must equal the user's session version, so a password change ends every older session.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::{Role, User};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    /// The user's email: the store finds users by it in one read.
    pub email: String,
    pub org: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    /// The user's session version when this session was issued.
    pub sv: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionError {
    #[error("the session is malformed, forged, expired or for another audience")]
    Invalid,
}

/// Signing and verification, built once from the configured key.
pub struct SessionKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    lifetime: Duration,
}

/// HS256 keys shorter than the hash output give less than its strength.
pub const MIN_KEY_BYTES: usize = 32;

impl SessionKeys {
    pub fn new(key: &SecretString, issuer: &str, audience: &str, lifetime: Duration) -> Self {
        let secret = key.expose_secret().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime,
        }
    }

    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub fn issue(&self, user: &User, now: DateTime<Utc>) -> SecretString {
        let claims = Claims {
            sub: user.id.0.clone(),
            email: user.email.as_str().to_owned(),
            org: user.org_id.0.clone(),
            role: user.role,
            iat: now.timestamp(),
            exp: (now + self.lifetime).timestamp(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sv: user.session_version.clone(),
        };
        let jwt = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of plain claims cannot fail");
        SecretString::from(jwt)
    }

    /// Checks signature, algorithm, issuer, audience and expiry against `now`.
    pub fn verify(&self, jwt: &str, now: DateTime<Utc>) -> Result<Claims, SessionError> {
        let mut validation = self.validation.clone();
        // jsonwebtoken reads the system clock for `exp`; we check against our own clock too, so a
        // fixed test clock governs expiry.
        validation.validate_exp = false;
        let data = jsonwebtoken::decode::<Claims>(jwt, &self.decoding, &validation)
            .map_err(|_| SessionError::Invalid)?;
        if now.timestamp() >= data.claims.exp + validation.leeway as i64 {
            return Err(SessionError::Invalid);
        }
        Ok(data.claims)
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
            email: EmailAddress::parse("ana@example.com").unwrap(),
            name: None,
            role: Role::Tech,
            status: UserStatus::Active,
            created_at: Utc::now(),
            temporary_password_hash: None,
            password_hash: None,
            session_version: "v1".into(),
            setup_generation: 1,
            reset_generation: 0,
            invite: None,
        }
    }

    fn keys(secret: &str) -> SessionKeys {
        SessionKeys::new(
            &SecretString::from(secret),
            "iss",
            "aud",
            Duration::hours(12),
        )
    }

    #[test]
    fn a_session_verifies_until_it_expires() {
        let k = keys("0123456789abcdef0123456789abcdef");
        let now = Utc::now();
        let jwt = k.issue(&user(), now);
        let claims = k
            .verify(jwt.expose_secret(), now + Duration::hours(11))
            .unwrap();
        assert_eq!(claims.sub, "u1");
        assert_eq!(claims.sv, "v1");
        assert!(k
            .verify(jwt.expose_secret(), now + Duration::hours(13))
            .is_err());
    }

    #[test]
    fn a_session_signed_with_another_key_or_for_another_audience_is_refused() {
        let now = Utc::now();
        let jwt = keys("another key another key another key!").issue(&user(), now);
        assert!(keys("0123456789abcdef0123456789abcdef")
            .verify(jwt.expose_secret(), now)
            .is_err());
        let other_aud = SessionKeys::new(
            &SecretString::from("0123456789abcdef0123456789abcdef"),
            "iss",
            "other",
            Duration::hours(1),
        );
        let jwt = other_aud.issue(&user(), now);
        assert!(keys("0123456789abcdef0123456789abcdef")
            .verify(jwt.expose_secret(), now)
            .is_err());
    }

    #[test]
    fn an_unsigned_alg_none_session_is_refused() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = Utc::now().timestamp();
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(format!(
            r#"{{"sub":"u1","org":"o1","role":"admin","iat":{now},"exp":{},"iss":"iss","aud":"aud","sv":"v1"}}"#,
            now + 3600
        ));
        let forged = format!("{header}.{body}.");
        assert!(keys("0123456789abcdef0123456789abcdef")
            .verify(&forged, Utc::now())
            .is_err());
    }
}
