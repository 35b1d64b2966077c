//! The store's errors: what every port's operations refuse with (`StoreError`), and a failure's
//! redacted cause (`BackendError`), which only reaches the logs.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("a user with this email already exists")]
    EmailTaken,
    #[error("a user with this phone number already exists")]
    PhoneTaken,
    #[error("no such user")]
    UserNotFound,
    #[error("the user has already set a password")]
    AlreadyActive,
    #[error("the token was already used")]
    TokenUsed,
    #[error("the token has expired")]
    TokenExpired,
    #[error("the token does not exist or a newer one replaced it")]
    TokenInvalid,
    #[error("the record changed while we worked on it; try again")]
    Conflict,
    /// The user holds the most passkeys allowed.
    #[error("the user has the most passkeys allowed")]
    TooManyPasskeys,
    /// The organisation holds the most webhooks allowed.
    #[error("the organisation has the most webhooks allowed")]
    TooManyWebhooks,
    /// The passkey is the user's only way in (no password, no other passkey).
    #[error("the passkey is the user's only way in")]
    LastCredential,
    /// Busy or unreachable: the same request may pass later (the handlers answer `503`).
    #[error("the store is busy")]
    Unavailable(#[source] BackendError),
    /// Broken: a refusal, a bug or a malformed record (answered `503` like any store failure).
    #[error("store failure")]
    Backend(#[source] BackendError),
}

/// Store errors compare by kind, and the two failure kinds also by what the store was doing: a
/// cause is a trait object with no equality, and no caller decides anything on it. This keeps
/// `assert_eq!(result, Err(StoreError::TokenUsed))` in the contract suite.
impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Unavailable(a), Self::Unavailable(b)) | (Self::Backend(a), Self::Backend(b)) => {
                a.context == b.context
            }
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for StoreError {}

/// What a store was doing when it failed (`context`), and why (`source`), kept as an error chain
/// for the logs (`telemetry::log_unexpected` walks it); responses never show either.
///
/// Adapters own what goes in: neither may carry a stored value (a token hash, an email, a
/// password hash), since both reach the logs. The DynamoDB adapter therefore keeps a redacted
/// copy of the SDK's chain rather than the SDK error itself (`adapters::dynamodb::errors`).
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
pub struct BackendError {
    pub context: String,
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl BackendError {
    /// A failure with nothing underneath it (a condition the store checks itself).
    pub fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            source: None,
        }
    }

    /// A failure caused by `source`.
    pub fn caused_by(
        context: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            context: context.into(),
            source: Some(source.into()),
        }
    }
}

impl From<crate::domain::token::LinkRefused> for StoreError {
    fn from(r: crate::domain::token::LinkRefused) -> Self {
        use crate::domain::token::LinkRefused;
        match r {
            LinkRefused::AlreadyActive => Self::AlreadyActive,
            LinkRefused::Stale => Self::Conflict,
        }
    }
}

/// A passkey change the domain refuses, as every store answers it.
impl From<crate::domain::PasskeyRefused> for StoreError {
    fn from(r: crate::domain::PasskeyRefused) -> Self {
        use crate::domain::PasskeyRefused;
        match r {
            PasskeyRefused::TooMany => Self::TooManyPasskeys,
            PasskeyRefused::NotFound => Self::UserNotFound,
            PasskeyRefused::LastCredential => Self::LastCredential,
            PasskeyRefused::HandleChanged => Self::Conflict,
        }
    }
}

impl From<crate::domain::LinkProblem> for StoreError {
    fn from(p: crate::domain::LinkProblem) -> Self {
        use crate::domain::LinkProblem;
        match p {
            LinkProblem::Invalid => Self::TokenInvalid,
            LinkProblem::Expired => Self::TokenExpired,
            LinkProblem::Used => Self::TokenUsed,
        }
    }
}
