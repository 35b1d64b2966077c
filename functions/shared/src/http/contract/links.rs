//! Setup and reset links: `POST /setup`, `POST /reset` (the `GET`s are pages).

/// What redeeming a link reads, as JSON or the link page's form. The form always has the
/// confirmation box (an empty one is a mismatch); JSON callers may leave it out.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct RedeemBody {
    /// The link's `token`.
    pub token: Option<String>,
    pub password: String,
    pub password_confirmation: Option<String>,
}
