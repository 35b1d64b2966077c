//! The admin API: create a user (`user.create`), resend the invite, read a user and their invite.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use secrecy::SecretString;
use serde_json::json;
use std::sync::Arc;

use crate::domain::{EmailAddress, Role};
use crate::http::extract::{Admin, Fields, FromFields, Json};
use crate::http::respond::{invite_json, json, user_json};
use crate::http::ApiError;
use crate::services::{InviteRequest, Services};

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

impl FromFields for InviteRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let email = EmailAddress::parse(&f.required("email")?)
            .map_err(|e| ApiError::invalid("email", e.0))?;
        let temporary_password = SecretString::from(f.required("temporaryPassword")?);
        let name = parse_name(f.string("name")?)?;
        let role = match f.string("role")? {
            None => Role::Tech,
            Some(r) => Role::parse(&r).ok_or_else(|| {
                ApiError::invalid("role", "`role` must be \"tech\" or \"admin\".")
            })?,
        };
        Ok(Self {
            email,
            temporary_password,
            name,
            role,
        })
    }
}

/// `POST /users`: `201` with the user and their invite, `Location: /users/{id}`.
pub async fn create(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Json(request): Json<InviteRequest>,
) -> Result<Response, ApiError> {
    let user = app.invite(&admin, request).await?;
    let mut r = json(
        StatusCode::CREATED,
        &json!({"user": user_json(&user), "invite": invite_json(&user, app.now())}),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/users/{}", user.id.0)) {
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
        &json!({"user": user_json(&user), "invite": invite_json(&user, app.now())}),
    ))
}

/// `POST /users/{id}/invite`: a fresh setup link, every earlier one dead.
pub async fn resend_invite(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = app.resend_invite(&admin, &id).await?;
    Ok(json(
        StatusCode::OK,
        &json!({"invite": invite_json(&user, app.now())}),
    ))
}
