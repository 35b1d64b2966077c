//! The admin API's users and invites: `POST /users`, `GET /users`, `GET /users/{id}`,
//! `POST /users/{id}/invite`, `DELETE /users/{id}/invite`, `POST /users/{id}/disable|enable`.

use serde::Serialize;

use crate::domain::{Locale, Role, UserStatus};

/// `POST /users`: a user to invite, in JSON (unknown fields are ignored). The body reader
/// (`handlers::users::read_invite`) reads these fields into the services' `InviteRequest`.
#[derive(Clone, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct CreateUserRequest {
    /// The tech's email; unique across the service (lowercased). A user needs an `email`, a
    /// `phone` or both.
    pub email: Option<String>,
    /// The tech's mobile number (spaces, dashes, dots and brackets allowed; without `+` it is
    /// read in `DEFAULT_PHONE_REGION`), stored in E.164; unique like emails.
    pub phone: Option<String>,
    /// The password the admin tells the tech; it works until they choose their own. Held to
    /// the password rules.
    pub temporary_password: Option<String>,
    /// Up to 100 characters, no control characters; blank is none.
    pub name: Option<String>,
    /// `tech` (the default) or `admin`.
    pub role: Option<RoleName>,
    /// `email` sends the setup link by email, `sms` by text message; `link` answers it (with a
    /// QR code) to hand over in person, and sends nothing. Default: `email` when the user has
    /// an email, else `sms`.
    pub delivery: Option<DeliveryName>,
    /// How long the setup link works, 1 to 30 days (default 7).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub invite_expires_in_days: Option<u32>,
    /// The tech's language: `en`, `es`, `fr`, `de` or `pt-BR`, or a regional form of one,
    /// stored as the language it falls back to (`es-MX` is `es`, `pt` is `pt-BR`); any other is
    /// refused. Default: `DEFAULT_LOCALE`.
    #[cfg_attr(feature = "openapi", schema(example = "es-MX"))]
    pub locale: Option<String>,
}

/// `PATCH /users/{id}`: any of these (JSON; unknown fields are ignored). `email` and `phone`
/// may be `null` to remove one while the other remains; `name` may be `null` to clear it.
#[derive(Clone, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct CorrectUserRequest {
    pub email: Option<String>,
    /// Read as `POST /users` reads it.
    pub phone: Option<String>,
    pub name: Option<String>,
    /// `tech` or `admin`; a change ends the user's sessions.
    pub role: Option<RoleName>,
    /// Read as `POST /users` reads it. A change of language alone kills no link, ends no
    /// session and sends no notice.
    pub locale: Option<String>,
}

/// `POST /users/{id}/invite`'s optional body: how the new invite is handed over.
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
pub struct InviteOptionsBody {
    /// `email`, `sms` or `link`, as for `POST /users`. Default: the invite's channel.
    pub delivery: Option<DeliveryName>,
    /// How long the setup link works, 1 to 30 days (default 7).
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 30))]
    pub invite_expires_in_days: Option<u32>,
}

/// `GET /users`' query.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query, rename_all = "camelCase"))]
pub struct ListUsersQuery {
    /// Only users with this status.
    pub status: Option<StatusName>,
    /// Users per page, 1 to 100 (default 25).
    pub limit: Option<u32>,
    /// `nextCursor` of the previous page, passed back as it came.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoleName {
    Tech,
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StatusName {
    Invited,
    Active,
    Disabled,
}

/// A language the service speaks, by its BCP 47 tag (API.md, "Languages").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LocaleName {
    #[serde(rename = "en")]
    En,
    #[serde(rename = "es")]
    Es,
    #[serde(rename = "fr")]
    Fr,
    #[serde(rename = "de")]
    De,
    #[serde(rename = "pt-BR")]
    PtBr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryName {
    Email,
    Sms,
    Link,
}

/// A user as the API shows them: never a hash.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = User))]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    /// The user's email (lower-case), or `null` for a user reached by phone only.
    #[cfg_attr(feature = "openapi", schema(format = Email))]
    pub email: Option<String>,
    /// The user's mobile number in E.164 (`+15551234567`), or `null`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^\\+[1-9][0-9]{1,14}$"))]
    pub phone: Option<String>,
    pub name: Option<String>,
    pub role: RoleName,
    pub org_id: String,
    pub status: StatusName,
    /// RFC 3339, UTC, whole seconds.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub created_at: String,
    /// The language the user's emails, texts and pages speak (`DEFAULT_LOCALE` for a user who
    /// has none of their own).
    pub locale: LocaleName,
}

/// An invite as the API shows it.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = Invite))]
#[serde(rename_all = "camelCase")]
pub struct InviteView {
    /// `queued` until the mail service accepts the email (the outbox sends it, retrying), then
    /// `sent`; `failed` when it could not be handed over after retries or was refused; `manual`
    /// for a link handed over in person. `delivered`, `bounced` and `complained` come from the
    /// mail service's events about the invite's newest email. `used` and `expired` win over them.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, pattern = "^(queued|sent|failed|manual|delivered|bounced|complained|expired|used)$")
    )]
    pub status: &'static str,
    /// When the setup link stops working (RFC 3339).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub expires_at: String,
    /// `permanent` or `transient`, for a bounced invite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounce_type: Option<&'static str>,
    /// How the link went out: `email`, `sms` (a text message) or `link` (handed over).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, pattern = "^(email|sms|link)$")
    )]
    pub channel: &'static str,
    /// Why a `failed` invite failed, when the recipient refused: `opted_out` (the number
    /// texted STOP).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'static str>,
    /// When the invite's one reminder went out, once it has (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub reminder_sent_at: Option<String>,
    /// The setup link, for `delivery: link` only and in this answer only (never stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The one-time code beside the link (six digits), alongside `url`: an admin can read it
    /// out on the phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The link as a QR code (an SVG image), alongside `url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
}

/// A user and their invite (`null` for a user who was never invited).
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserWithInvite {
    pub user: UserView,
    pub invite: Option<InviteView>,
}

/// `POST /users/{id}/invite`'s answer.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteOnly {
    pub invite: Option<InviteView>,
}

/// `POST /users/{id}/disable` and `/enable`'s answer.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserOnly {
    pub user: UserView,
}

/// One page of `GET /users`, newest first.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    pub users: Vec<UserWithInvite>,
    /// Pass it back as `cursor` for the next page; `null` on the last one. A filtered page may
    /// hold fewer than `limit` users while there is more.
    pub next_cursor: Option<String>,
}

impl From<Role> for RoleName {
    fn from(r: Role) -> Self {
        match r {
            Role::Tech => Self::Tech,
            Role::Admin => Self::Admin,
        }
    }
}

impl From<Locale> for LocaleName {
    fn from(l: Locale) -> Self {
        match l {
            Locale::En => Self::En,
            Locale::Es => Self::Es,
            Locale::Fr => Self::Fr,
            Locale::De => Self::De,
            Locale::PtBr => Self::PtBr,
        }
    }
}

impl From<UserStatus> for StatusName {
    fn from(s: UserStatus) -> Self {
        match s {
            UserStatus::Invited => Self::Invited,
            UserStatus::Active => Self::Active,
            UserStatus::Disabled => Self::Disabled,
        }
    }
}
