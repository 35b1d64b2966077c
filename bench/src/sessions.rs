//! Session JWTs: signing and verifying one session with the product's EdDSA (Ed25519) keys
//! (`SessionKeys`, as every function builds them at init) beside HS256 over the same claims and
//! header shape (`jsonwebtoken` directly, with the same secret string as its key), the HMAC the
//! product used before. Both verifiers pin the algorithm, pick the key by `kid`, and check `iss`,
//! `aud` and `exp`. Each figure is the median of single calls on one core.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use std::time::Instant;

use super::{fmt_duration, median, Row};
use onboarding::domain::session::SigningSecrets;
use onboarding::domain::user::{OrgId, Role, User, UserId, UserStatus};
use onboarding::domain::{Claims, EmailAddress, SessionKeys};

/// The bench's signing secret: the same string as `SESSION_SIGNING_KEY` elsewhere in the bench.
pub const SIGNING_SECRET: &str = "bench-signing-key-0123456789abcdef0123456789";
const ISSUER: &str = "onboarding";
const AUDIENCE: &str = "field-service-app";

fn tech() -> User {
    User {
        id: UserId::generate(),
        org_id: OrgId::generate(),
        org_name: Some("Northwind Plumbing".into()),
        contacts: onboarding::domain::Contacts::email(
            EmailAddress::parse("ana.tech@example.com").expect("a valid email"),
        ),
        name: Some("Ana Tech".into()),
        role: Role::Tech,
        status: UserStatus::Active,
        created_at: Utc::now(),
        temporary_password_hash: None,
        password_hash: Some("$argon2id$...".into()),
        session_version: uuid::Uuid::new_v4().simple().to_string(),
        setup_generation: 1,
        reset_generation: 0,
        invite: None,
        locale: None,
        passkey_handle: None,
        passkeys: Vec::new(),
    }
}

/// HS256 over the same claims, verified the way `SessionKeys::verify` verifies EdDSA.
struct Hs256 {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl Hs256 {
    fn new(secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        validation.validate_exp = false;
        Self {
            kid: "hs256-bench".into(),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
        }
    }

    fn sign(&self, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("HS256 signs")
    }

    fn verify(&self, jwt: &str, now: i64) -> Option<Claims> {
        let header = jsonwebtoken::decode_header(jwt).ok()?;
        if header.alg != Algorithm::HS256 || header.kid.as_deref() != Some(self.kid.as_str()) {
            return None;
        }
        let claims = jsonwebtoken::decode::<Claims>(jwt, &self.decoding, &self.validation)
            .ok()?
            .claims;
        (now < claims.exp + 5).then_some(claims)
    }
}

/// Sign and verify, EdDSA beside HS256: `iterations` single calls each, medians and ratios.
pub fn run(iterations: usize) -> Vec<Row> {
    let secrets = SigningSecrets::only(SecretString::from(SIGNING_SECRET));
    let eddsa = SessionKeys::new(&secrets, ISSUER, AUDIENCE, Duration::hours(12));
    let hs256 = Hs256::new(SIGNING_SECRET);
    let user = tech();
    let now = Utc::now();
    let eddsa_jwt = eddsa.issue(&user, now);
    let claims = eddsa
        .verify(eddsa_jwt.expose_secret(), now)
        .expect("the product verifies its own session");
    let hs256_jwt = hs256.sign(&claims);
    assert_eq!(
        hs256.verify(&hs256_jwt, now.timestamp()).as_ref(),
        Some(&claims),
        "HS256 carries the same claims"
    );
    // A warm-up, so neither side pays a first call's page faults in its samples.
    for _ in 0..iterations.min(200) {
        std::hint::black_box(eddsa.issue(&user, now));
        std::hint::black_box(hs256.sign(&claims));
    }

    let sign_eddsa = median(iterations, || {
        let t = Instant::now();
        std::hint::black_box(eddsa.issue(std::hint::black_box(&user), now));
        t.elapsed()
    });
    let sign_hs256 = median(iterations, || {
        let t = Instant::now();
        std::hint::black_box(hs256.sign(std::hint::black_box(&claims)));
        t.elapsed()
    });
    let verify_eddsa = median(iterations, || {
        let t = Instant::now();
        let ok = eddsa.verify(std::hint::black_box(eddsa_jwt.expose_secret()), now);
        let elapsed = t.elapsed();
        assert!(ok.is_ok());
        elapsed
    });
    let verify_hs256 = median(iterations, || {
        let t = Instant::now();
        let ok = hs256.verify(std::hint::black_box(&hs256_jwt), now.timestamp());
        let elapsed = t.elapsed();
        assert!(ok.is_some());
        elapsed
    });

    let ratio = |a: std::time::Duration, b: std::time::Duration| a.as_secs_f64() / b.as_secs_f64();
    let line = |eddsa: std::time::Duration, hs256: std::time::Duration| {
        format!(
            "EdDSA {}; HS256 {}; EdDSA is {:.1}× HS256",
            fmt_duration(eddsa),
            fmt_duration(hs256),
            ratio(eddsa, hs256)
        )
    };
    vec![
        Row::new(
            "session JWT",
            format!("sign one session ({iterations} runs)"),
            line(sign_eddsa, sign_hs256),
        ),
        Row::new(
            "session JWT",
            format!("verify one session ({iterations} runs)"),
            line(verify_eddsa, verify_hs256),
        ),
        Row::new(
            "session JWT",
            "token length (same claims)",
            format!(
                "EdDSA {} bytes; HS256 {} bytes",
                eddsa_jwt.expose_secret().len(),
                hs256_jwt.len()
            ),
        ),
    ]
}
