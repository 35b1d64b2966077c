//! The breached-password check.

use async_trait::async_trait;

/// Whether a password is known from data breaches. Only a check: `true` when the password is
/// known breached; `false` when it is not, and when no answer could be had (adapters fail open,
/// see `adapters::breached`).
#[async_trait]
pub trait BreachedPasswords: Send + Sync {
    async fn is_breached(&self, password: &secrecy::SecretString) -> bool;
}
