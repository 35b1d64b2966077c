//! Where the session signing keys come from: a Secrets Manager secret on AWS, or the secrets
//! themselves (the local server's generated file, `SESSION_SIGNING_KEY` for `sam local`), never
//! both; and how long a secret must be to carry a key.

use secrecy::SecretString;

use super::env::Env;
use super::{err, ConfigError};
use crate::domain::session::{SigningSecrets, MIN_KEY_BYTES};

/// Where the session signing keys come from.
#[derive(Clone)]
pub enum SessionKeySource {
    /// The secrets themselves: the local server's generated file, or `SESSION_SIGNING_KEY` (and
    /// `SESSION_PREVIOUS_SIGNING_KEY`) for `sam local` and `cargo lambda`.
    Secrets(SigningSecrets),
    /// A Secrets Manager secret (`SESSION_SIGNING_SECRET_ID`, its ARN or name), read once at
    /// init: its `AWSCURRENT` version signs, its `AWSPREVIOUS` version (if any) still verifies.
    SecretsManager(String),
}

/// A signing secret's source must be long enough to carry a key's worth of randomness.
pub fn check_signing_secret(var: &'static str, secret: &SecretString) -> Result<(), ConfigError> {
    if secrecy::ExposeSecret::expose_secret(secret).len() < MIN_KEY_BYTES {
        return Err(err(
            var,
            format!("must be at least {MIN_KEY_BYTES} bytes long"),
        ));
    }
    Ok(())
}

/// `SESSION_SIGNING_SECRET_ID`, or `SESSION_SIGNING_KEY` (else `default_key`) with an optional
/// `SESSION_PREVIOUS_SIGNING_KEY`.
pub(super) fn from_env(
    env: &dyn Env,
    default_key: Option<SecretString>,
) -> Result<SessionKeySource, ConfigError> {
    match (
        env.get("SESSION_SIGNING_SECRET_ID"),
        env.get("SESSION_SIGNING_KEY"),
    ) {
        (Some(_), Some(_)) => Err(err(
            "SESSION_SIGNING_KEY",
            "must not be set with SESSION_SIGNING_SECRET_ID: the key comes from one place",
        )),
        (Some(id), None) => Ok(SessionKeySource::SecretsManager(id)),
        (None, key) => {
            let current = key.map(SecretString::from).or(default_key).ok_or_else(|| {
                err(
                    "SESSION_SIGNING_SECRET_ID",
                    "is required: the Secrets Manager secret the session signing key comes from (or SESSION_SIGNING_KEY, a random string of at least 32 bytes, for local use)",
                )
            })?;
            check_signing_secret("SESSION_SIGNING_KEY", &current)?;
            let previous = env
                .get("SESSION_PREVIOUS_SIGNING_KEY")
                .map(SecretString::from);
            if let Some(p) = &previous {
                check_signing_secret("SESSION_PREVIOUS_SIGNING_KEY", p)?;
            }
            Ok(SessionKeySource::Secrets(SigningSecrets {
                current,
                next: None,
                previous,
            }))
        }
    }
}
