//! Passkeys (API.md, "Passkeys"): the ceremonies' options and answers, and a user's list. JSON
//! only; a browser's `credential` (WebAuthn Level 3's `RegistrationResponseJSON` or
//! `AuthenticationResponseJSON`) is read as it came, by `crate::webauthn`.

use serde::Serialize;

/// `POST /setup/passkey/options`, `POST /reset/passkey/options`: the link, or its code.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyLinkOptionsRequest {
    /// The link's `token`; or, instead, `identifier` (or `email` or `phone`) and `code`.
    pub token: Option<String>,
    pub identifier: Option<String>,
    /// The 6-digit code beside the link. A wrong one counts as one at `POST /setup`.
    pub code: Option<String>,
}

/// `POST /setup/passkey`, `POST /reset/passkey`: the same link or code as the options, and the
/// browser's answer.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyLinkRequest {
    pub token: Option<String>,
    pub identifier: Option<String>,
    pub code: Option<String>,
    /// `RegistrationResponseJSON`, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: Vec<u8>,
    /// As `POST /setup`'s: the language the tech chose on the page becomes their locale.
    pub lang: Option<String>,
    #[cfg_attr(feature = "openapi", schema(rename = "langGuessed"))]
    pub lang_guessed: Option<String>,
}

/// `POST /login/passkey`.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySignInRequest {
    /// `AuthenticationResponseJSON`, as `PublicKeyCredential.toJSON()` gives it.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: Vec<u8>,
    /// As in `POST /login`: this user's device token, for an app.
    #[cfg_attr(feature = "openapi", schema(rename = "deviceToken"))]
    pub device_token: Option<String>,
}

/// `POST /passkeys`: a signed-in user's new passkey.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddPasskeyRequest {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub credential: Vec<u8>,
    /// What to call it (at most 64 characters), e.g. "Work phone".
    pub name: Option<String>,
}

/// Every options route's answer: `{"publicKey": {…}}`, WebAuthn Level 3's
/// `PublicKeyCredentialCreationOptionsJSON` or `PublicKeyCredentialRequestOptionsJSON`, ready for
/// `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyOptions {
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_key: serde_json::Value,
}

/// One of the user's passkeys.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyView {
    /// The credential id, base64url without padding: `DELETE /passkeys/{id}`.
    pub id: String,
    /// What the user called it; `null` when they gave no name.
    pub name: Option<String>,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub last_used_at: Option<String>,
}

/// `GET /passkeys`.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyList {
    pub passkeys: Vec<PasskeyView>,
}

/// `POST /passkeys`'s answer (`201`).
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddedPasskey {
    pub passkey: PasskeyView,
}
