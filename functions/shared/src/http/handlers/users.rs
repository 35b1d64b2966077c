//! The admin API: create a user (`user.create`), resend the invite, read a user and their
//! invite, list the organisation's users, cancel an invite, disable and enable an account.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;

use crate::domain::{EmailAddress, Locale, Role, UserStatus};
use crate::http::contract::users::{InviteOnly, InviteView, UserOnly, UserPage, UserWithInvite};
use crate::http::extract::{Admin, Fields, FromFields, JsonBody, OptionalJsonBody, QueryFields};
use crate::http::respond::{invite_view, json, user_view};
use crate::http::ApiError;
use crate::services::correct::CorrectionRequest;
use crate::services::crew::{decode_cursor, encode_cursor, DEFAULT_PAGE, MAX_PAGE};
use crate::services::invite::MAX_INVITE_DAYS;
use crate::services::{Delivery, InviteOptions, InviteRequest, Invited, Services};

const MAX_NAME_CHARS: usize = 100;

fn parse_name(raw: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let name = raw.trim();
    if name.is_empty() {
        return Ok(None);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            "name",
            format!("`name` must be at most {MAX_NAME_CHARS} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "name",
            "`name` must not contain control characters.",
        ));
    }
    Ok(Some(name.to_owned()))
}

/// `locale`: a tag that falls back to a supported locale (`es-MX` is `es`); absent is `None`.
fn read_locale(f: &Fields) -> Result<Option<Locale>, ApiError> {
    f.string("locale")?
        .map(|tag| {
            tag.parse::<Locale>().map_err(|_| {
                ApiError::invalid(
                    "locale",
                    "`locale` must be en, es, fr, de or pt-BR (or a regional form of one, such as es-MX).",
                )
            })
        })
        .transpose()
}

impl FromFields for InviteRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        read_invite(f, true)
    }
}

/// An invite's fields, as `POST /users` and each row of a batch share them; a batch row may
/// leave the temporary password out.
pub(super) fn read_invite(f: &Fields, password_required: bool) -> Result<InviteRequest, ApiError> {
    let email = f
        .string("email")?
        .map(|e| EmailAddress::parse(&e).map_err(|e| ApiError::invalid("email", e.0)))
        .transpose()?;
    let phone = f.string("phone")?;
    if email.is_none() && phone.is_none() {
        return Err(ApiError::invalid(
            "email",
            "`email` or `phone` is required: a user needs an email, a mobile number or both.",
        ));
    }
    let temporary_password = if password_required {
        Some(f.required("temporaryPassword")?)
    } else {
        f.string("temporaryPassword")?
    }
    .map(SecretString::from);
    let name = parse_name(f.string("name")?)?;
    let role = match f.string("role")? {
        None => Role::Tech,
        Some(r) => Role::parse(&r)
            .ok_or_else(|| ApiError::invalid("role", "`role` must be \"tech\" or \"admin\"."))?,
    };
    Ok(InviteRequest {
        email,
        phone,
        temporary_password,
        name,
        role,
        locale: read_locale(f)?,
        options: InviteOptions::from_fields(f)?,
    })
}

impl FromFields for InviteOptions {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let delivery = match f.string("delivery")?.as_deref() {
            None => None,
            Some("email") => Some(Delivery::Email),
            Some("sms") => Some(Delivery::Sms),
            Some("link") => Some(Delivery::Link),
            Some(_) => {
                return Err(ApiError::invalid(
                    "delivery",
                    "`delivery` must be \"email\", \"sms\" or \"link\".",
                ))
            }
        };
        let expires_in_days = match f.integer("inviteExpiresInDays") {
            Ok(None) => None,
            Ok(Some(days)) if (1..=i64::from(MAX_INVITE_DAYS)).contains(&days) => {
                u32::try_from(days).ok()
            }
            _ => {
                return Err(ApiError::invalid(
                    "inviteExpiresInDays",
                    format!(
                        "`inviteExpiresInDays` must be a whole number from 1 to {MAX_INVITE_DAYS}."
                    ),
                ))
            }
        };
        Ok(Self {
            delivery,
            expires_in_days,
            queue_only: false,
        })
    }
}

/// The invite as an admin's answer shows it; for a link handed over in person, with the link
/// and its QR code (in this answer only: neither is stored).
pub(super) fn invited_view(app: &Services, invited: &Invited) -> Option<InviteView> {
    let mut invite = invite_view(&invited.user, app.now())?;
    if let Some(link) = &invited.link {
        let url = link.url.expose_secret();
        invite.url = Some(url.to_owned());
        invite.code = Some(link.code.digits().to_owned());
        invite.qr_svg = qr_svg(url);
    }
    Some(invite)
}

/// A QR code of `text` as an SVG image (`None` if it cannot be one; a link always can).
fn qr_svg(text: &str) -> Option<String> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(256, 256)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// `POST /users`: `201` with the user and their invite, `Location: /users/{id}`.
pub async fn create(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    JsonBody(request): JsonBody<InviteRequest>,
) -> Result<Response, ApiError> {
    let invited = app.invite(&admin, request).await?;
    let mut r = json(
        StatusCode::CREATED,
        &UserWithInvite {
            user: user_view(&invited.user, app.config.default_locale),
            invite: invited_view(&app, &invited),
        },
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/users/{}", invited.user.id.0)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// `GET /users/{id}`.
pub async fn get(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = app.user_in_org(&admin, &id).await?;
    Ok(json(
        StatusCode::OK,
        &UserWithInvite {
            user: user_view(&user, app.config.default_locale),
            invite: invite_view(&user, app.now()),
        },
    ))
}

/// `PATCH /users/{id}`: an admin's correction of a user's email, number, name, role or locale.
pub async fn correct(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<CorrectionRequest>,
) -> Result<Response, ApiError> {
    let user = app.correct_user(&admin, &id, request).await?;
    Ok(json(
        StatusCode::OK,
        &UserWithInvite {
            user: user_view(&user, app.config.default_locale),
            invite: invite_view(&user, app.now()),
        },
    ))
}

impl FromFields for CorrectionRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let email = match f.nullable_string("email")? {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(Some(
                EmailAddress::parse(&raw).map_err(|e| ApiError::invalid("email", e.0))?,
            )),
        };
        let name = match f.nullable_string("name")? {
            None => None,
            Some(None) => Some(None),
            Some(raw) => Some(parse_name(raw)?),
        };
        let role = f
            .string("role")?
            .map(|r| {
                Role::parse(&r).ok_or_else(|| {
                    ApiError::invalid("role", "`role` must be \"tech\" or \"admin\".")
                })
            })
            .transpose()?;
        Ok(Self {
            email,
            phone: f.nullable_string("phone")?,
            name,
            role,
            locale: read_locale(f)?,
        })
    }
}

/// `POST /users/{id}/invite`: a fresh setup link, every earlier one dead. The body is optional.
pub async fn resend_invite(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    OptionalJsonBody(options): OptionalJsonBody<InviteOptions>,
) -> Result<Response, ApiError> {
    let invited = app.resend_invite(&admin, &id, options).await?;
    Ok(json(
        StatusCode::OK,
        &InviteOnly {
            invite: invited_view(&app, &invited),
        },
    ))
}

/// What `GET /users` was asked for.
struct ListRequest {
    status: Option<UserStatus>,
    limit: usize,
    cursor: Option<crate::ports::PageKey>,
}

impl FromFields for ListRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let status = match f.string("status")? {
            None => None,
            Some(raw) => Some(UserStatus::parse(&raw).ok_or_else(|| {
                ApiError::invalid(
                    "status",
                    "`status` must be \"invited\", \"active\" or \"disabled\".",
                )
            })?),
        };
        let limit = match f.string("limit")? {
            None => DEFAULT_PAGE,
            Some(raw) => raw
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n) && raw.bytes().all(|b| b.is_ascii_digit()))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "limit",
                        format!("`limit` must be a whole number from 1 to {MAX_PAGE}."),
                    )
                })?,
        };
        let cursor = match f.string("cursor")? {
            None => None,
            Some(raw) => Some(decode_cursor(&raw).ok_or_else(|| {
                ApiError::invalid(
                    "cursor",
                    "`cursor` is not one this service handed out: pass `nextCursor` back as it came.",
                )
            })?),
        };
        Ok(Self {
            status,
            limit,
            cursor,
        })
    }
}

/// `GET /users`: one page of the admin's organisation, newest first.
pub async fn list(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    QueryFields(fields): QueryFields,
) -> Result<Response, ApiError> {
    let request = ListRequest::from_fields(&fields)?;
    let page = app
        .list_users(&admin, request.status, request.limit, request.cursor)
        .await?;
    let now = app.now();
    let users = page
        .users
        .iter()
        .map(|u| UserWithInvite {
            user: user_view(u, app.config.default_locale),
            invite: invite_view(u, now),
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &UserPage {
            users,
            next_cursor: page.next.as_ref().map(encode_cursor),
        },
    ))
}

/// `DELETE /users/{id}/invite`: the invited user is removed; `204`.
pub async fn cancel_invite(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    app.cancel_invite(&admin, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /users/{id}/disable`.
pub async fn disable(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = app.disable_user(&admin, &id).await?;
    Ok(json(
        StatusCode::OK,
        &UserOnly {
            user: user_view(&user, app.config.default_locale),
        },
    ))
}

/// `POST /users/{id}/enable`.
pub async fn enable(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = app.enable_user(&admin, &id).await?;
    Ok(json(
        StatusCode::OK,
        &UserOnly {
            user: user_view(&user, app.config.default_locale),
        },
    ))
}
