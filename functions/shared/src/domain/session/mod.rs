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
    /// When the user last proved a credential (seconds since the epoch); absent in sessions
    /// issued before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// How they proved it (RFC 8176 values: [`Proof::amr`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
}

/// How a user proved who they are when a session started (API.md, "Sessions": `amr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proof {
    /// Their own password.
    Password,
    /// The admin's temporary password.
    TemporaryPassword,
    /// A setup or reset link, or the code beside it: something only their inbox or phone had.
    Code,
    /// A passkey, with user verification (a fingerprint, a face, the device's PIN).
    Passkey,
}

impl Proof {
    /// RFC 8176's name for it: `pwd`, `otp`, `hwk`; `tmp` (the contract's own) for the
    /// temporary password, which an app may want to trust less.
    pub fn amr(self) -> &'static str {
        match self {
            Proof::Password => "pwd",
            Proof::TemporaryPassword => "tmp",
            Proof::Code => "otp",
            Proof::Passkey => "hwk",
        }
    }

    /// A password sign-in's proof: the temporary password while it is the one in use.
    pub fn password_of(user: &User) -> Self {
        if user.must_change_password() {
            Proof::TemporaryPassword
        } else {
            Proof::Password
        }
    }
}

impl Claims {
    /// Whether the user proved a credential other than the temporary password less than `within`
    /// before `now` (API.md, "Passkeys": what adding one asks).
    pub fn fresh(&self, now: DateTime<Utc>, within: Duration) -> bool {
        self.auth_time
            .is_some_and(|t| now.timestamp() - t < within.num_seconds())
            && !self.amr.is_empty()
            && !self.amr.iter().any(|m| m == Proof::TemporaryPassword.amr())
    }

    /// Proved by a passkey.
    pub fn by_passkey(&self) -> bool {
        self.amr.iter().any(|m| m == Proof::Passkey.amr())
    }
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
        self.issue_proved(user, now, Proof::password_of(user))
    }

    /// A session for `user`, who proved who they are with `proof` at `now`.
    pub fn issue_proved(&self, user: &User, now: DateTime<Utc>, proof: Proof) -> SecretString {
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
            auth_time: Some(now.timestamp()),
            amr: vec![proof.amr().to_owned()],
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
mod tests;
