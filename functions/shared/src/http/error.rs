//! The one place where failures become HTTP answers: the contract's error codes (an enum, each
//! with its status), the JSON error shape, and the mapping of every operation's error enum.

use axum::http::StatusCode;

use super::contract::{ErrorBody, ErrorDetail};
use super::json::JsonProblem;
use crate::domain::password::PASSWORDS_DIFFER;
use crate::domain::LinkProblem;
use crate::hashing::HashError;
use crate::ports::StoreError;
use crate::services::limits::OverLimit;
use crate::services::{
    AccountStatusError, AdminError, CancelInviteError, ChangePasswordError, CodeError,
    FindUserError, ForgotError, InviteError, LinkError, ListUsersError, PasskeyError, RedeemError,
    ResendError, SignInError,
};
use crate::telemetry::log_unexpected;

/// Every error code of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    Unauthorized,
    InvalidCredentials,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    EmailTaken,
    PhoneTaken,
    AlreadyActive,
    AccountDisabled,
    CannotDisableSelf,
    CannotDemoteSelf,
    TokenInvalid,
    TokenExpired,
    TokenUsed,
    CodeInvalid,
    /// A passkey's answer that does not verify (API.md, "Passkeys").
    PasskeyInvalid,
    /// Adding a passkey (or a first password after one) needs a fresh sign-in.
    ReauthenticationRequired,
    /// The user's only way in.
    LastCredential,
    /// A count per user or organisation is full (passkeys).
    LimitReached,
    PayloadTooLarge,
    UnsupportedMediaType,
    TooManyRequests,
    Internal,
    ServiceUnavailable,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            Self::InvalidRequest | Self::CodeInvalid | Self::PasskeyInvalid => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::AccountDisabled | Self::ReauthenticationRequired => {
                StatusCode::FORBIDDEN
            }
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken
            | Self::PhoneTaken
            | Self::AlreadyActive
            | Self::CannotDisableSelf
            | Self::CannotDemoteSelf
            | Self::LastCredential
            | Self::LimitReached => StatusCode::CONFLICT,
            Self::TokenInvalid | Self::TokenExpired | Self::TokenUsed => StatusCode::GONE,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::PhoneTaken => "phone_taken",
            Self::AlreadyActive => "already_active",
            Self::AccountDisabled => "account_disabled",
            Self::CannotDisableSelf => "cannot_disable_self",
            Self::CannotDemoteSelf => "cannot_demote_self",
            Self::TokenInvalid => "token_invalid",
            Self::TokenExpired => "token_expired",
            Self::TokenUsed => "token_used",
            Self::CodeInvalid => "code_invalid",
            Self::PasskeyInvalid => "passkey_invalid",
            Self::ReauthenticationRequired => "reauthentication_required",
            Self::LastCredential => "last_credential",
            Self::LimitReached => "limit_reached",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::TooManyRequests => "too_many_requests",
            Self::Internal => "internal_error",
            Self::ServiceUnavailable => "service_unavailable",
        }
    }

    /// The sentence an answer of this code says when nothing more specific is known.
    fn default_message(self) -> &'static str {
        match self {
            Self::InvalidRequest => "The request is not valid.",
            Self::Unauthorized => "Sign in first: send a valid session as a Bearer token.",
            Self::InvalidCredentials => "That email and password don't match an account.",
            Self::Forbidden => "Only an admin can do this.",
            Self::NotFound => "There is nothing here.",
            Self::MethodNotAllowed => "This address does not accept that method.",
            Self::EmailTaken => "A user with this email already exists.",
            Self::PhoneTaken => "A user with this phone number already exists.",
            Self::AlreadyActive => "This user has already set a password. They can use forgot-password to get a new one.",
            Self::AccountDisabled => "This account is disabled. Ask your admin to enable it.",
            Self::CannotDisableSelf => "You cannot disable your own account.",
            Self::CannotDemoteSelf => "You cannot take away your own admin role.",
            Self::TokenInvalid => "This link is not valid. Ask for a new one.",
            Self::TokenExpired => "This link has expired. Ask for a new one.",
            Self::TokenUsed => "This link has already been used.",
            Self::CodeInvalid => "That code doesn't match. Check it, or ask for a new one.",
            Self::PasskeyInvalid => "The passkey could not be verified. Try again; the link still works.",
            Self::ReauthenticationRequired => "Sign in again (not with the temporary password), then try within 5 minutes.",
            Self::LastCredential => "This passkey is your only way to sign in. Choose a password or add another passkey first.",
            Self::LimitReached => "The most allowed already exist. Remove one first.",
            Self::PayloadTooLarge => "The request body is larger than 16 KiB.",
            Self::UnsupportedMediaType => "Send the body as application/json.",
            Self::TooManyRequests => "Too many attempts. Wait a little and try again.",
            Self::Internal => "Something went wrong on our side. Try again in a moment.",
            Self::ServiceUnavailable => "We're busy right now. Try again in a moment.",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub field: Option<&'static str>,
    /// Seconds, for `429`.
    pub retry_after: Option<u64>,
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_owned(),
            field: None,
            retry_after: None,
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            ..code.into()
        }
    }
    /// `400 invalid_request` about one input field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field),
            ..Self::new(ErrorCode::InvalidRequest, message)
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, message)
    }
    pub fn unsupported_media_type(accepted: &str) -> Self {
        Self::new(
            ErrorCode::UnsupportedMediaType,
            format!("Send the body as {accepted}."),
        )
    }
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    /// The error as the contract shows it.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: self.detail(),
        }
    }

    pub fn detail(&self) -> ErrorDetail {
        ErrorDetail {
            code: self.code.code(),
            message: self.message.clone(),
            field: self.field,
        }
    }

    /// A failure of something we depend on: logged with its whole cause chain, answered `503`.
    fn unavailable(context: &str, e: &(dyn std::error::Error + 'static)) -> Self {
        log_unexpected(context, e);
        ErrorCode::ServiceUnavailable.into()
    }
}

impl From<JsonProblem> for ApiError {
    fn from(p: JsonProblem) -> Self {
        Self::bad_request(match p {
            JsonProblem::Malformed => "The body is not valid JSON.",
            JsonProblem::RepeatedKey => {
                "The body is not valid JSON: a key is given more than once in one object."
            }
        })
    }
}

impl From<StoreError> for ApiError {
    /// Whatever a store failure interrupted, the answer is `503`: never a misleading `410` or `401`.
    fn from(e: StoreError) -> Self {
        Self::unavailable("store", &e)
    }
}

impl From<HashError> for ApiError {
    fn from(e: HashError) -> Self {
        log_unexpected("password hashing", &e);
        ErrorCode::Internal.into()
    }
}

impl From<OverLimit> for ApiError {
    fn from(o: OverLimit) -> Self {
        Self {
            retry_after: Some(o.retry_after.max(1)),
            ..ErrorCode::TooManyRequests.into()
        }
    }
}

impl From<LinkProblem> for ApiError {
    fn from(p: LinkProblem) -> Self {
        match p {
            LinkProblem::Invalid => ErrorCode::TokenInvalid,
            LinkProblem::Expired => ErrorCode::TokenExpired,
            LinkProblem::Used => ErrorCode::TokenUsed,
        }
        .into()
    }
}

impl From<AdminError> for ApiError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Unauthorized => ErrorCode::Unauthorized.into(),
            AdminError::Forbidden => ErrorCode::Forbidden.into(),
            AdminError::Store(e) => e.into(),
        }
    }
}

impl From<InviteError> for ApiError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::TemporaryPassword(rejected) => Self::invalid(
                "temporaryPassword",
                format!("The temporary password is not accepted: {rejected}"),
            ),
            InviteError::EmailTaken => Self {
                field: Some("email"),
                ..ErrorCode::EmailTaken.into()
            },
            InviteError::PhoneTaken => Self {
                field: Some("phone"),
                ..ErrorCode::PhoneTaken.into()
            },
            InviteError::NoContactFor(delivery) => no_contact_for(delivery),
            InviteError::NoContact => Self::invalid(
                "email",
                "`email` or `phone` is required: a user needs an email, a mobile number or both.",
            ),
            InviteError::Phone(e) => Self::invalid("phone", e.to_string()),
            InviteError::TooManyTakenElsewhere(o) => o.into(),
            InviteError::Hash(e) => e.into(),
            InviteError::Store(e) => e.into(),
        }
    }
}

/// `"delivery": "sms"` for a user without a phone, `"email"` without an email.
pub(crate) fn no_contact_for(delivery: crate::domain::InviteChannel) -> ApiError {
    let (field, message) = match delivery {
        crate::domain::InviteChannel::Sms => ("phone", "`\"delivery\": \"sms\"` needs a `phone`."),
        _ => ("email", "`\"delivery\": \"email\"` needs an `email`."),
    };
    ApiError::invalid(field, message)
}

impl From<crate::services::correct::CorrectError> for ApiError {
    fn from(e: crate::services::correct::CorrectError) -> Self {
        use crate::services::correct::CorrectError;
        match e {
            CorrectError::NotFound => no_such_user(),
            CorrectError::Phone(e) => Self::invalid("phone", e.to_string()),
            CorrectError::NoContactLeft { field } => Self::invalid(
                field,
                "A user needs an email or a mobile number: keep one of them.",
            ),
            CorrectError::TooManyTakenElsewhere(o) => o.into(),
            CorrectError::CannotDemoteSelf => ErrorCode::CannotDemoteSelf.into(),
            CorrectError::EmailTaken => Self {
                field: Some("email"),
                ..ErrorCode::EmailTaken.into()
            },
            CorrectError::PhoneTaken => Self {
                field: Some("phone"),
                ..ErrorCode::PhoneTaken.into()
            },
            CorrectError::Store(e) => e.into(),
        }
    }
}

pub(crate) fn no_such_user() -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        "There is no such user in your organisation.",
    )
}

impl From<FindUserError> for ApiError {
    fn from(e: FindUserError) -> Self {
        match e {
            FindUserError::NotFound => no_such_user(),
            FindUserError::Store(e) => e.into(),
        }
    }
}

impl From<ResendError> for ApiError {
    fn from(e: ResendError) -> Self {
        match e {
            ResendError::NotFound => no_such_user(),
            ResendError::AlreadyActive => ErrorCode::AlreadyActive.into(),
            ResendError::Disabled => ApiError::new(
                ErrorCode::AccountDisabled,
                "This account is disabled. Enable it before sending a new invite.",
            ),
            ResendError::NoContactFor(delivery) => no_contact_for(delivery),
            ResendError::Store(e) => e.into(),
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(e: LinkError) -> Self {
        match e {
            LinkError::Missing => Self::invalid(
                "token",
                "`token` is required (or `email` or `phone` and `code`, the code beside the link).",
            ),
            LinkError::MissingIdentifier => Self::invalid(
                "identifier",
                "Enter the email address or mobile number the code was sent to.",
            ),
            LinkError::Problem(p) => p.into(),
            LinkError::Store(e) => e.into(),
        }
    }
}

impl From<RedeemError> for ApiError {
    fn from(e: RedeemError) -> Self {
        match e {
            RedeemError::Link(e) => e.into(),
            RedeemError::Code(CodeError::Invalid) => Self {
                field: Some("code"),
                ..ErrorCode::CodeInvalid.into()
            },
            RedeemError::Code(CodeError::TooManyAttempts(o)) => o.into(),
            RedeemError::Code(CodeError::Store(e)) => e.into(),
            RedeemError::Password { message, .. } => Self::invalid("password", message.message),
            RedeemError::Confirmation { .. } => {
                Self::invalid("passwordConfirmation", PASSWORDS_DIFFER)
            }
            RedeemError::Hash(e) => e.into(),
            RedeemError::Store(e) => e.into(),
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(e: SignInError) -> Self {
        match e {
            SignInError::InvalidCredentials => ErrorCode::InvalidCredentials.into(),
            SignInError::Disabled => ErrorCode::AccountDisabled.into(),
            SignInError::TooManyAttempts(o) => o.into(),
            SignInError::Store(e) => e.into(),
        }
    }
}

impl From<PasskeyError> for ApiError {
    fn from(e: PasskeyError) -> Self {
        match e {
            PasskeyError::NotOffered | PasskeyError::NotFound => ErrorCode::NotFound.into(),
            PasskeyError::Invalid => ErrorCode::PasskeyInvalid.into(),
            PasskeyError::Reauthenticate => ErrorCode::ReauthenticationRequired.into(),
            PasskeyError::LastCredential => ErrorCode::LastCredential.into(),
            PasskeyError::TooMany => ErrorCode::LimitReached.into(),
            PasskeyError::SessionEnded => ErrorCode::Unauthorized.into(),
            PasskeyError::Redeem(e) => e.into(),
            PasskeyError::SignIn(e) => e.into(),
            PasskeyError::Store(e) => e.into(),
        }
    }
}

impl From<ForgotError> for ApiError {
    fn from(e: ForgotError) -> Self {
        match e {
            ForgotError::TooManyRequests(o) => o.into(),
            ForgotError::Store(e) => e.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(e: ChangePasswordError) -> Self {
        match e {
            ChangePasswordError::WrongCurrentPassword { missing: true } => {
                Self::invalid("currentPassword", "Enter your current password.")
            }
            ChangePasswordError::WrongCurrentPassword { missing: false } => Self {
                field: Some("currentPassword"),
                ..Self::new(
                    ErrorCode::InvalidCredentials,
                    "That isn't your current password.",
                )
            },
            ChangePasswordError::Password(message) => Self::invalid("password", message.message),
            ChangePasswordError::Confirmation => {
                Self::invalid("passwordConfirmation", PASSWORDS_DIFFER)
            }
            ChangePasswordError::TooManyAttempts(o) => o.into(),
            ChangePasswordError::SessionEnded => ErrorCode::Unauthorized.into(),
            ChangePasswordError::Reauthenticate => ErrorCode::ReauthenticationRequired.into(),
            ChangePasswordError::Hash(e) => e.into(),
            ChangePasswordError::Store(e) => e.into(),
        }
    }
}

impl From<ListUsersError> for ApiError {
    fn from(e: ListUsersError) -> Self {
        match e {
            ListUsersError::Store(e) => e.into(),
        }
    }
}

impl From<CancelInviteError> for ApiError {
    fn from(e: CancelInviteError) -> Self {
        match e {
            CancelInviteError::NotFound => no_such_user(),
            CancelInviteError::AlreadyActive => ApiError::new(
                ErrorCode::AlreadyActive,
                "This user has already set a password, so there is no invite to cancel. Disable the account instead.",
            ),
            CancelInviteError::Store(e) => e.into(),
        }
    }
}

impl From<AccountStatusError> for ApiError {
    fn from(e: AccountStatusError) -> Self {
        match e {
            AccountStatusError::NotFound => no_such_user(),
            AccountStatusError::CannotDisableSelf => ErrorCode::CannotDisableSelf.into(),
            AccountStatusError::Store(e) => e.into(),
        }
    }
}
