//! The one error shape every refusal has, in JSON.

use serde::Serialize;

/// Every error answer: `{"error": {"code", "message", "field"?}}`.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Error))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// A stable machine-readable code (`invalid_request`, `unauthorized`, `invalid_credentials`,
    /// `forbidden`, `not_found`, `method_not_allowed`, `email_taken`, `already_active`,
    /// `account_disabled`, `cannot_disable_self`, `token_invalid`, `token_expired`,
    /// `token_used`, `payload_too_large`, `unsupported_media_type`, `too_many_requests`,
    /// `internal_error`, `service_unavailable`).
    pub code: &'static str,
    /// A sentence for a person: what happened and what to do next.
    pub message: String,
    /// The input field at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}
