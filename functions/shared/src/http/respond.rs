//! The one responder: an operation's outcome becomes a page for a browser or JSON for an API
//! caller here, not in each handler. Also the small response builders every answer uses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use secrecy::ExposeSecret;
use serde_json::{json, Value};

use super::{pages, ApiError};
use crate::domain::User;
use crate::services::{Services, Session};

/// How a request wants its answer: a page (a browser's GET, or a page's form) or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Page,
    Json,
}

/// An outcome that can show itself both ways.
pub trait Outcome {
    fn page(self, app: &Services) -> Response;
    fn json(self, app: &Services) -> Response;
}

/// Renders `outcome` in the format the request asked for.
pub fn respond(app: &Services, format: Format, outcome: impl Outcome) -> Response {
    match format {
        Format::Page => outcome.page(app),
        Format::Json => outcome.json(app),
    }
}

impl<T: Outcome, E: Outcome> Outcome for Result<T, E> {
    fn page(self, app: &Services) -> Response {
        match self {
            Ok(t) => t.page(app),
            Err(e) => e.page(app),
        }
    }
    fn json(self, app: &Services) -> Response {
        match self {
            Ok(t) => t.json(app),
            Err(e) => e.json(app),
        }
    }
}

impl ApiError {
    /// The error as a page: a heading by kind and the error's own sentence.
    pub fn to_page(&self) -> Response {
        let status = self.status();
        let heading = match status {
            StatusCode::NOT_FOUND => "Page not found",
            StatusCode::TOO_MANY_REQUESTS => "Please wait a moment",
            s if s.is_server_error() => "Something went wrong",
            _ => "That didn't work",
        };
        self.with_retry_after(page(status, pages::message(heading, &self.message)))
    }

    pub fn to_json(&self) -> Response {
        self.with_retry_after(json(self.status(), &self.body()))
    }

    /// A refusal for a rate limit says when to come back, on a page as in JSON.
    pub fn with_retry_after(&self, mut r: Response) -> Response {
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

impl Outcome for ApiError {
    fn page(self, _: &Services) -> Response {
        self.to_page()
    }
    fn json(self, _: &Services) -> Response {
        self.to_json()
    }
}

/// API errors answer in JSON unless a handler chose otherwise.
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_json()
    }
}

/// An input refused before a handler ran, answered in the format the request asked for.
pub struct Refusal {
    pub format: Format,
    pub error: ApiError,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self.format {
            Format::Page => self.error.to_page(),
            Format::Json => self.error.to_json(),
        }
    }
}

pub fn json(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}

pub fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        html,
    )
        .into_response()
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
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

/// The invite as the API shows it (`null` for a user who was never invited).
pub fn invite_json(user: &User, now: DateTime<Utc>) -> Value {
    match user.shown_invite(now) {
        Some((status, expires_at)) => {
            let mut invite = json!({"status": status.as_str(), "expiresAt": rfc3339(expires_at)});
            if let Some(bounce) = status.bounce_type() {
                invite["bounceType"] = json!(bounce.as_str());
            }
            if let Some(at) = user.invite.as_ref().and_then(|i| i.reminder_sent_at) {
                invite["reminderSentAt"] = json!(rfc3339(at));
            }
            invite
        }
        None => Value::Null,
    }
}

/// A signed-in session as JSON.
pub fn session_json(session: &Session) -> Value {
    json!({
        "accessToken": session.jwt.expose_secret(),
        "tokenType": "Bearer",
        "expiresIn": session.expires_in,
        "user": user_json(&session.user),
        "deviceToken": session.device_token.expose_secret(),
    })
}

/// Sets the `session` cookie of API.md on `r`.
pub fn with_session_cookie(mut r: Response, session: &Session) -> Response {
    let cookie = format!(
        "session={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
        session.jwt.expose_secret(),
        session.expires_in
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}
