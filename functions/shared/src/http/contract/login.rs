//! Signing in and forgot-password: `POST /login`, `POST /password/forgot`.

use serde::Serialize;

use super::users::UserView;

/// `POST /login`, as JSON or the sign-in page's form. Unknown fields are ignored.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    /// The account's email, or instead `phone`, its mobile number (the page's form sends
    /// `identifier`, either, told apart by its shape).
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The form's "Email or mobile number" field.
    pub identifier: Option<String>,
    /// The temporary password until the user chooses their own, their own after.
    pub password: String,
    /// The device token an earlier sign-in of this user returned (an app's; a browser's are in
    /// its `__Host-device` cookie): the sign-in is then limited per device only.
    pub device_token: Option<String>,
}

/// `POST /password/forgot`, as JSON or the page's form. No `Debug`: it carries a device token.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotRequest {
    /// As in `Credentials`: `email`, `phone`, or the form's `identifier`.
    pub email: Option<String>,
    pub phone: Option<String>,
    pub identifier: Option<String>,
    /// This user's device token: from a known device the request is limited per device, not
    /// per email.
    pub device_token: Option<String>,
}

/// A signed-in session (also set as the `session` cookie).
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Session))]
#[serde(rename_all = "camelCase")]
pub struct SessionBody {
    /// An EdDSA JWT; verify it with the keys of `/.well-known/jwks.json`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the session ends.
    pub expires_in: i64,
    pub user: UserView,
    /// This user's token for this device (also the `__Host-device` cookie): an app sends it back
    /// as `deviceToken` when signing in, so failures elsewhere never lock it out.
    pub device_token: String,
}

/// `POST /login`'s answer: the session, and whether the user is still on the temporary password
/// (then the app sends them to choose their own).
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignInBody {
    #[serde(flatten)]
    pub session: SessionBody,
    pub must_change_password: bool,
}

/// `POST /password/forgot`'s answer, whether or not the email has an account.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Accepted {
    /// Always `accepted`.
    pub status: &'static str,
}

/// Which field named the account, and what it held: `email` or `phone` in JSON, `identifier`
/// (or an older form's `email`) from a page.
pub fn typed_identifier<'a>(
    email: &'a Option<String>,
    phone: &'a Option<String>,
    identifier: &'a Option<String>,
) -> (&'static str, &'a str) {
    match (identifier, email, phone) {
        (Some(i), _, _) => ("identifier", i),
        (None, Some(e), _) => ("email", e),
        (None, None, Some(p)) => ("phone", p),
        (None, None, None) => ("email", ""),
    }
}
