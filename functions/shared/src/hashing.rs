//! argon2id password hashing with parameters from configuration. Hashing is CPU-heavy, so the
//! async callers run it on the blocking pool; unknown emails pay for one verification against a
//! fixed dummy hash so timing does not tell who has an account.

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for Argon2Params {
    /// OWASP's minimum for argon2id: m=19 MiB, t=2, p=1.
    fn default() -> Self {
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("invalid argon2 parameters: {0}")]
    Params(String),
    #[error("hashing failed: {0}")]
    Hash(String),
}

/// Hashes and verifies passwords. Cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    argon2: Argon2<'static>,
    params: Params,
    dummy_hash: String,
}

/// What a verification found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Right password, but hashed under older parameters: store a fresh hash.
    YesButRehash,
}

impl PasswordHasher {
    pub fn new(p: Argon2Params) -> Result<Self, HashError> {
        let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None)
            .map_err(|e| HashError::Params(e.to_string()))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        // A well-formed hash under the configured parameters whose output matches no password:
        // verifying against it costs exactly a real verification. Written out rather than
        // computed, so building the hasher costs no argon2 run at cold start.
        let dummy_hash = format!(
            "$argon2id$v=19$m={},t={},p={}$ZHVtbXktc2FsdC1mb3ItdW5rbm93bi11c2Vycw${}",
            p.memory_kib,
            p.iterations,
            p.parallelism,
            "A".repeat(43)
        );
        PasswordHash::new(&dummy_hash).map_err(|e| HashError::Params(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                argon2,
                params,
                dummy_hash,
            }),
        })
    }

    /// A PHC string for the password, with a fresh random salt.
    pub fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let mut salt_bytes = [0u8; 16];
        getrandom::fill(&mut salt_bytes).map_err(|e| HashError::Hash(e.to_string()))?;
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| HashError::Hash(e.to_string()))?;
        self.inner
            .argon2
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| HashError::Hash(e.to_string()))
    }

    /// Constant-time verification (argon2's own comparison). `None` (no such user) verifies
    /// against the dummy hash and always answers `No`, after the same work.
    pub fn verify(&self, password: &SecretString, phc: Option<&str>) -> Verified {
        let (phc, real) = match phc {
            Some(phc) => (phc, true),
            None => (self.inner.dummy_hash.as_str(), false),
        };
        let Ok(parsed) = PasswordHash::new(phc) else {
            return Verified::No;
        };
        // Verify with the parameters inside the hash, so older hashes still verify.
        let ok = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        match (ok && real, self.is_current(&parsed)) {
            (false, _) => Verified::No,
            (true, true) => Verified::Yes,
            (true, false) => Verified::YesButRehash,
        }
    }

    fn is_current(&self, parsed: &PasswordHash<'_>) -> bool {
        let Ok(params) = Params::try_from(parsed) else {
            return false;
        };
        parsed.algorithm.as_str() == "argon2id"
            && params.m_cost() == self.inner.params.m_cost()
            && params.t_cost() == self.inner.params.t_cost()
            && params.p_cost() == self.inner.params.p_cost()
    }

    /// `hash` on the blocking pool.
    pub async fn hash_async(&self, password: SecretString) -> Result<String, HashError> {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.hash(&password))
            .await
            .map_err(|e| HashError::Hash(e.to_string()))?
    }

    /// `verify` on the blocking pool.
    pub async fn verify_async(&self, password: SecretString, phc: Option<String>) -> Verified {
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.verify(&password, phc.as_deref()))
            .await
            .unwrap_or(Verified::No)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> Argon2Params {
        Argon2Params {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        }
    }

    #[test]
    fn a_hash_verifies_its_password_and_no_other() {
        let h = PasswordHasher::new(fast()).unwrap();
        let phc = h.hash(&SecretString::from("copper kettle")).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
        assert_eq!(
            h.verify(&SecretString::from("copper kettle"), Some(&phc)),
            Verified::Yes
        );
        assert_eq!(
            h.verify(&SecretString::from("copper kettlf"), Some(&phc)),
            Verified::No
        );
    }

    #[test]
    fn unknown_users_never_verify() {
        let h = PasswordHasher::new(fast()).unwrap();
        assert_eq!(
            h.verify(&SecretString::from("no user has this password"), None),
            Verified::No
        );
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        let h = PasswordHasher::new(fast()).unwrap();
        let dummy = PasswordHash::new(&h.inner.dummy_hash).unwrap();
        // Same algorithm and parameters, so the same work: what keeps unknown emails' timing alike.
        assert!(h.is_current(&dummy));
        assert_eq!(dummy.hash.map(|o| o.len()), Some(32));
        assert_eq!(h.verify(&SecretString::from(""), None), Verified::No);
    }

    #[test]
    fn hashes_under_old_parameters_verify_and_ask_for_a_rehash() {
        let old = PasswordHasher::new(fast()).unwrap();
        let phc = old.hash(&SecretString::from("copper kettle")).unwrap();
        let new = PasswordHasher::new(Argon2Params {
            memory_kib: 2048,
            ..fast()
        })
        .unwrap();
        assert_eq!(
            new.verify(&SecretString::from("copper kettle"), Some(&phc)),
            Verified::YesButRehash
        );
    }

    #[test]
    fn the_default_is_owasps_minimum() {
        let p = Argon2Params::default();
        assert!(p.memory_kib >= 19_456 && p.iterations >= 2 && p.parallelism >= 1);
    }
}
