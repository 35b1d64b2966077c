//! The signed-in user's account: `POST /password`, `POST /logout`, `GET /.well-known/jwks.json`.

/// `POST /password`, as JSON or the change-password page's form. The form always has the
/// confirmation box; JSON callers may leave it out.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct ChangePasswordBody {
    /// Required unless the user is still on the temporary password.
    pub current_password: Option<String>,
    pub password: String,
    pub password_confirmation: Option<String>,
    /// This user's device token (an app's; a browser's are in its device cookie): from a known
    /// device, a wrong current password counts against that device only.
    pub device_token: Option<String>,
}

/// `POST /logout`'s optional body (JSON, or the app page's form).
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutBody {
    /// End every session of the user, not only this one (a form's `1`, `true` or `on`).
    pub everywhere: bool,
}

/// `GET /.well-known/jwks.json`: every public key that can verify a live session (the current
/// key and, during a rotation, the previous one). Served from the session keys as they are; this
/// type is its description.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One Ed25519 public key: `kty` `OKP`, `crv` `Ed25519`, `alg` `EdDSA`, `use` `sig`.
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
pub struct Jwk {
    pub kty: String,
    pub crv: String,
    pub alg: String,
    #[schema(rename = "use")]
    pub use_: String,
    /// The key's id, as sessions name it in their header.
    pub kid: String,
    /// The public key, base64url.
    pub x: String,
}
