//! argon2id password hashing with parameters from configuration. Hashing is CPU-heavy, so the
//! async callers run it on the blocking pool; unknown emails pay for one verification against a
//! fixed dummy hash so timing does not tell who has an account.
//!
//! Each hash fills `m` KiB of memory (19 MiB at the configured minimum). That memory is kept and
//! reused ([`MemoryPool`]) instead of being allocated, page-faulted in and freed on every sign-in:
//! the crate hashes into memory the caller hands it (`hash_password_into_with_memory`).
//!
//! Which code runs: the RustCrypto `argon2` crate. On x86_64 it picks its AVX2 compression
//! function at run time when the CPU has AVX2 (every Lambda x86_64 host does), else portable
//! code; on arm64 it has no NEON path, so the portable code runs there, which the release profile
//! builds at opt-level 3 (Cargo.toml) for the compiler to vectorise what it can.

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};

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
    memory: MemoryPool,
}

/// argon2's working memory at the configured parameters, kept between hashes. A hash takes a
/// buffer (or allocates one when all are in use) and puts it back; at most [`MemoryPool::KEPT`]
/// are kept, so a burst of parallel hashes on the local server does not pin its peak for good.
/// On Lambda one request runs at a time: one buffer, allocated by the first hash after a cold
/// start. Hashes under other parameters (old hashes being verified) allocate their own.
struct MemoryPool {
    blocks: usize,
    free: Mutex<Vec<Vec<Block>>>,
}

impl MemoryPool {
    const KEPT: usize = 2;

    fn new(blocks: usize) -> Self {
        Self {
            blocks,
            free: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with `blocks` blocks of memory: a kept buffer when the size is the configured one.
    fn with<T>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
        if blocks != self.blocks {
            return f(&mut vec![Block::default(); blocks]);
        }
        let kept = self.free.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut memory = kept.unwrap_or_else(|| vec![Block::default(); blocks]);
        let out = f(&mut memory);
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        if free.len() < Self::KEPT {
            free.push(memory);
        }
        out
    }

    #[cfg(test)]
    fn kept(&self) -> usize {
        self.free.lock().unwrap().len()
    }
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
        let memory = MemoryPool::new(params.block_count());
        Ok(Self {
            inner: Arc::new(Inner {
                argon2,
                params,
                dummy_hash,
                memory,
            }),
        })
    }

    /// argon2 of `password` and `salt` under `argon2`'s parameters into `out`, in pooled memory.
    fn hash_into(
        &self,
        argon2: &Argon2<'_>,
        blocks: usize,
        password: &[u8],
        salt: &[u8],
        out: &mut [u8],
    ) -> argon2::Result<()> {
        self.inner.memory.with(blocks, |memory| {
            argon2.hash_password_into_with_memory(password, salt, out, memory)
        })
    }

    /// A PHC string for the password, with a fresh random salt.
    pub fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let mut salt_bytes = [0u8; 16];
        getrandom::fill(&mut salt_bytes).map_err(|e| HashError::Hash(e.to_string()))?;
        let salt =
            SaltString::encode_b64(&salt_bytes).map_err(|e| HashError::Hash(e.to_string()))?;
        let inner = &*self.inner;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.hash_into(
            &inner.argon2,
            inner.params.block_count(),
            password.expose_secret().as_bytes(),
            &salt_bytes,
            &mut out,
        )
        .map_err(|e| HashError::Hash(e.to_string()))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&inner.params)
                .map_err(|e| HashError::Hash(e.to_string()))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|e| HashError::Hash(e.to_string()))?),
        };
        Ok(phc.to_string())
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
        let ok = self.matches(password.expose_secret().as_bytes(), &parsed);
        match (ok && real, self.is_current(&parsed)) {
            (false, _) => Verified::No,
            (true, true) => Verified::Yes,
            (true, false) => Verified::YesButRehash,
        }
    }

    /// Whether `password` hashes to `parsed`'s output under `parsed`'s algorithm, version,
    /// parameters and salt. The outputs are compared in constant time (`Output`'s `==`).
    fn matches(&self, password: &[u8], parsed: &PasswordHash<'_>) -> bool {
        let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
            return false;
        };
        let (Ok(algorithm), Ok(params)) = (
            Algorithm::try_from(parsed.algorithm),
            Params::try_from(parsed),
        ) else {
            return false;
        };
        let Ok(version) = parsed.version.map_or(Ok(Version::V0x13), Version::try_from) else {
            return false;
        };
        let mut salt_buf = [0u8; 64];
        let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
            return false;
        };
        let blocks = params.block_count();
        let argon2 = Argon2::new(algorithm, version, params);
        let mut out = vec![0u8; expected.len()];
        if self
            .hash_into(&argon2, blocks, password, salt, &mut out)
            .is_err()
        {
            return false;
        }
        Output::new(&out).is_ok_and(|computed| computed == expected)
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
    fn hashes_agree_with_the_crates_own_hasher_both_ways() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let h = PasswordHasher::new(fast()).unwrap();
        let crate_argon2 = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        );
        // Ours, checked by the crate's own verifier: hashes stored from now on stay standard PHC.
        let ours = h.hash(&SecretString::from("copper kettle")).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"copper kettle", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"copper kettlf", &parsed)
            .is_err());
        // The crate's, checked by ours: hashes stored before keep verifying.
        let salt = SaltString::encode_b64(b"sixteen byte sal").unwrap();
        let theirs = crate_argon2
            .hash_password(b"copper kettle", &salt)
            .unwrap()
            .to_string();
        assert_eq!(
            h.verify(&SecretString::from("copper kettle"), Some(&theirs)),
            Verified::Yes
        );
        assert_eq!(
            h.verify(&SecretString::from("copper kettlf"), Some(&theirs)),
            Verified::No
        );
    }

    #[test]
    fn working_memory_is_kept_and_reused() {
        let h = PasswordHasher::new(fast()).unwrap();
        assert_eq!(h.inner.memory.kept(), 0);
        let phc = h.hash(&SecretString::from("copper kettle")).unwrap();
        assert_eq!(h.inner.memory.kept(), 1);
        let first = h.inner.memory.free.lock().unwrap()[0].as_ptr();
        assert_eq!(
            h.verify(&SecretString::from("copper kettle"), Some(&phc)),
            Verified::Yes
        );
        // The same buffer served the verification and came back.
        assert_eq!(h.inner.memory.kept(), 1);
        assert_eq!(h.inner.memory.free.lock().unwrap()[0].as_ptr(), first);
        // A hash under other parameters brings its own memory and keeps none of it.
        let old = PasswordHasher::new(Argon2Params {
            memory_kib: 2048,
            ..fast()
        })
        .unwrap()
        .hash(&SecretString::from("copper kettle"))
        .unwrap();
        assert_eq!(
            h.verify(&SecretString::from("copper kettle"), Some(&old)),
            Verified::YesButRehash
        );
        assert_eq!(h.inner.memory.kept(), 1);
    }

    #[test]
    fn at_most_kept_buffers_stay() {
        let pool = MemoryPool::new(8);
        // Three hashes at once: three buffers, two kept afterwards.
        pool.with(8, |_| pool.with(8, |_| pool.with(8, |_| ())));
        assert_eq!(pool.kept(), MemoryPool::KEPT);
    }

    #[test]
    fn the_default_is_owasps_minimum() {
        let p = Argon2Params::default();
        assert!(p.memory_kib >= 19_456 && p.iterations >= 2 && p.parallelism >= 1);
    }
}
