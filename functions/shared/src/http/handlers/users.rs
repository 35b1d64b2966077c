//! The admin API: create a user (`user.create`), resend the invite, read a user and their invite.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{require_admin, rfc3339, user_json};
use crate::domain::token::issue;
use crate::domain::user::{new_session_version, Invite};
use crate::domain::{
    EmailAddress, InviteStatus, IssuedToken, OrgId, Role, TemporaryPassword, TokenPurpose, User,
    UserId, UserStatus,
};
use crate::emails::WelcomeEmail;
use crate::http::error::log_unexpected;
use crate::http::{json_response, request, ApiError, App};
use crate::ports::StoreError;

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

/// The invite as the API shows it; `expired` and `used` are derived now.
fn invite_json(app: &App, user: &User) -> serde_json::Value {
    let Some(invite) = &user.invite else {
        return serde_json::Value::Null;
    };
    let status = if user.status == UserStatus::Active {
        "used"
    } else if app.now() >= invite.expires_at {
        "expired"
    } else {
        match invite.status {
            InviteStatus::Sent => "sent",
            InviteStatus::Failed => "failed",
        }
    };
    json!({"status": status, "expiresAt": rfc3339(invite.expires_at)})
}

/// Sends the welcome email; a failure is recorded on the user and reported, never raised.
pub(crate) async fn send_welcome(app: &App, user: &User, token: &IssuedToken) -> InviteStatus {
    let message = WelcomeEmail {
        to: &user.email,
        name: user.name.as_deref(),
        org_name: user.org_name.as_deref(),
        token,
        public_base_url: &app.config.public_base_url,
        lifetime: app.config.setup_token_ttl,
    }
    .render();
    match app.mailer.send(&message).await {
        Ok(()) => {
            tracing::info!(audit = "invite_sent", user_id = %user.id.0, org_id = %user.org_id.0);
            InviteStatus::Sent
        }
        Err(e) => {
            tracing::warn!(audit = "invite_failed", user_id = %user.id.0, org_id = %user.org_id.0, error = %e);
            if let Err(e) = app
                .store
                .set_invite_status(&user.id, InviteStatus::Failed)
                .await
            {
                log_unexpected("recording a failed invite", &e);
            }
            InviteStatus::Failed
        }
    }
}

/// Who is invited: everything of a new user the caller decides.
pub(crate) struct NewUser {
    pub org_id: OrgId,
    pub org_name: Option<String>,
    pub email: EmailAddress,
    pub name: Option<String>,
    pub role: Role,
    pub temporary_password_hash: Option<String>,
}

/// Stores an invited user with their first 7-day setup link, in one store call (the email's
/// uniqueness checked in the same write). The welcome email is the caller's next step.
pub(crate) async fn invite_new_user(
    app: &App,
    new: NewUser,
) -> Result<(User, IssuedToken), StoreError> {
    let now = app.now();
    let mut user = User {
        id: UserId::generate(),
        org_id: new.org_id,
        org_name: new.org_name,
        email: new.email,
        name: new.name,
        role: new.role,
        status: UserStatus::Invited,
        created_at: now,
        temporary_password_hash: new.temporary_password_hash,
        password_hash: None,
        session_version: new_session_version(),
        setup_generation: 1,
        reset_generation: 0,
        invite: None,
    };
    let token = issue(
        TokenPurpose::Setup,
        user.token_subject(),
        1,
        now,
        app.config.setup_token_ttl,
    );
    user.invite = Some(Invite {
        status: InviteStatus::Sent,
        expires_at: token.record.expires_at,
    });
    app.store.create_user(&user, Some(&token.record)).await?;
    Ok((user, token))
}

pub async fn create(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let admin = require_admin(app, req).await?;
    let body = request::parse_body(req, false)?;
    let email = EmailAddress::parse(&body.required("email")?)
        .map_err(|e| ApiError::invalid("email", e.0))?;
    let temporary = body.required("temporaryPassword")?;
    let name = parse_name(body.string("name")?)?;
    let role = match body.string("role")? {
        None => Role::Tech,
        Some(r) => Role::parse(&r)
            .ok_or_else(|| ApiError::invalid("role", "`role` must be \"tech\" or \"admin\"."))?,
    };
    let org_name = admin.org_name.clone();
    let context = [email.as_str(), org_name.as_deref().unwrap_or("")];
    let temporary = TemporaryPassword::parse(&temporary, &app.policy, &context).map_err(|e| {
        ApiError::invalid(
            "temporaryPassword",
            format!("The temporary password is not accepted: {e}"),
        )
    })?;
    let temporary_hash = app.hasher.hash_async(temporary.secret().clone()).await?;

    let invited = invite_new_user(
        app,
        NewUser {
            org_id: admin.org_id.clone(),
            org_name,
            email,
            name,
            role,
            temporary_password_hash: Some(temporary_hash),
        },
    )
    .await;
    let (mut user, token) = match invited {
        Ok(created) => created,
        Err(StoreError::EmailTaken) => {
            return Err(ApiError {
                field: Some("email"),
                ..ApiError::new(
                    StatusCode::CONFLICT,
                    "email_taken",
                    "A user with this email already exists.",
                )
            })
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(audit = "user_created", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0, role = user.role.as_str());
    let status = send_welcome(app, &user, &token).await;
    if let Some(invite) = user.invite.as_mut() {
        invite.status = status;
    }
    let mut r = json_response(
        StatusCode::CREATED,
        &json!({"user": user_json(&user), "invite": invite_json(app, &user)}),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("/users/{}", user.id.0)) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    Ok(r)
}

/// A user of the admin's organisation, or 404: another organisation's users do not exist here.
async fn user_in_org(app: &App, org: &OrgId, id: &str) -> Result<User, ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::not_found());
    }
    match app.store.user_by_id(&UserId(id.to_owned())).await? {
        Some(u) if &u.org_id == org => Ok(u),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is no such user in your organisation.",
        )),
    }
}

fn already_active() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_active",
        "This user has already set a password. They can use forgot-password to get a new one.",
    )
}

pub async fn get(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let admin = require_admin(app, req).await?;
    let user = user_in_org(app, &admin.org_id, id).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({"user": user_json(&user), "invite": invite_json(app, &user)}),
    ))
}

pub async fn resend_invite(app: &App, req: &Request, id: &str) -> Result<Response<Body>, ApiError> {
    let admin = require_admin(app, req).await?;
    // A concurrent resend or redemption changes the generation; read again and retry a little.
    for _ in 0..3 {
        let mut user = user_in_org(app, &admin.org_id, id).await?;
        if user.status == UserStatus::Active {
            return Err(already_active());
        }
        let now = app.now();
        let token = issue(
            TokenPurpose::Setup,
            user.token_subject(),
            user.setup_generation + 1,
            now,
            app.config.setup_token_ttl,
        );
        let invite = Invite {
            status: InviteStatus::Sent,
            expires_at: token.record.expires_at,
        };
        match app.store.issue_token(&token.record, Some(&invite)).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => continue,
            Err(StoreError::AlreadyActive) => return Err(already_active()),
            Err(e) => return Err(e.into()),
        }
        tracing::info!(audit = "invite_resent", user_id = %user.id.0, org_id = %user.org_id.0, by = %admin.id.0);
        user.invite = Some(Invite {
            status: send_welcome(app, &user, &token).await,
            ..invite
        });
        return Ok(json_response(
            StatusCode::OK,
            &json!({"invite": invite_json(app, &user)}),
        ));
    }
    Err(StoreError::Conflict.into())
}
