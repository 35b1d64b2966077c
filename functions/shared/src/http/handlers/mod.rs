//! The handlers behind the routes, and what they share: sessions, JSON views of users.

mod login;
mod redeem;
pub(crate) mod users;

use chrono::{DateTime, SecondsFormat, Utc};
use lambda_http::{Body, Request, Response};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{request, ApiError, App, Handler};
use crate::domain::{EmailAddress, Role, User};

pub(crate) async fn dispatch(
    app: &App,
    handler: Handler,
    req: &Request,
    id: Option<&str>,
) -> Result<Response<Body>, ApiError> {
    match handler {
        Handler::CreateUser => users::create(app, req).await,
        Handler::ResendInvite => users::resend_invite(app, req, id.unwrap_or_default()).await,
        Handler::GetUser => users::get(app, req, id.unwrap_or_default()).await,
        Handler::PasswordPage(page) => redeem::page(app, req, page).await,
        Handler::RedeemToken(page) => redeem::redeem(app, req, page).await,
        Handler::LoginPage => Ok(login::page()),
        Handler::Login => login::login(app, req).await,
        Handler::ForgotPage => Ok(login::forgot_page()),
        Handler::Forgot => login::forgot(app, req).await,
    }
}

pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The user as the API shows it: never a hash.
pub fn user_json(user: &User) -> Value {
    json!({
        "id": user.id.0,
        "email": user.email.as_str(),
        "name": user.name,
        "role": user.role.as_str(),
        "orgId": user.org_id.0,
        "status": user.status,
        "createdAt": rfc3339(user.created_at),
    })
}

impl App {
    /// The user a session belongs to, if the session is valid now and not ended by a password change.
    pub async fn user_for_session(&self, jwt: &str) -> Result<Option<User>, ApiError> {
        let Ok(claims) = self.sessions.verify(jwt, self.now()) else {
            return Ok(None);
        };
        let Ok(email) = EmailAddress::parse(&claims.email) else {
            return Ok(None);
        };
        let user = self.store.user_by_email(&email).await?;
        Ok(user.filter(|u| {
            u.id.0 == claims.sub && u.session_version == claims.sv && u.org_id.0 == claims.org
        }))
    }

    /// A signed-in session: the JSON body for API callers and the cookie for browsers.
    fn session_response(&self, user: &User, extra: Option<(&str, Value)>) -> (Value, String) {
        let jwt = self.sessions.issue(user, self.now());
        let ttl = self.sessions.lifetime().num_seconds();
        let mut body = json!({
            "accessToken": jwt.expose_secret(),
            "tokenType": "Bearer",
            "expiresIn": ttl,
            "user": user_json(user),
        });
        if let Some((k, v)) = extra {
            body[k] = v;
        }
        (body, super::session_cookie(jwt.expose_secret(), ttl))
    }
}

/// The admin behind a Bearer session: 401 without a valid one, 403 for anyone else.
async fn require_admin(app: &App, req: &Request) -> Result<User, ApiError> {
    let jwt = request::bearer(req).ok_or_else(ApiError::unauthorized)?;
    let user = app
        .user_for_session(jwt)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    if user.role != Role::Admin {
        return Err(ApiError::forbidden());
    }
    Ok(user)
}
