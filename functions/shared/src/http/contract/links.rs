//! Setup and reset links: `POST /setup`, `POST /reset` (the `GET`s are pages).

/// What redeeming a link reads, as JSON or the link page's form. The form always has the
/// confirmation box (an empty one is a mismatch); JSON callers may leave it out.
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct RedeemBody {
    /// The link's `token`; or, instead, `identifier` (or `email` or `phone` in JSON) and `code`.
    pub token: Option<String>,
    /// The email or mobile number the code was sent to (the code form's "Email or mobile
    /// number"); `email` or `phone` in JSON too.
    pub identifier: Option<String>,
    /// The 6-digit code beside the link (spaces and dashes ignored).
    pub code: Option<String>,
    pub password: String,
    pub password_confirmation: Option<String>,
    /// The language the tech chose (`en`, `es`, `fr`, `de`, `pt-BR`): it becomes their locale
    /// once the password is set. The pages' forms carry it; an unknown one is ignored.
    pub lang: Option<String>,
    /// Set by a form whose language was only guessed (`Accept-Language`, the cookie): its
    /// `lang` then never becomes the user's locale (API.md, "Languages").
    pub lang_guessed: Option<String>,
}
