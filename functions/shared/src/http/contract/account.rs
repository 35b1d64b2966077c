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
}

/// `POST /logout`'s optional body (JSON, or the app page's form).
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogoutBody {
    /// End every session of the user, not only this one (a form's `1`, `true` or `on`).
    pub everywhere: bool,
}
