//! The one responder: an operation's outcome becomes a page for a browser or JSON for an API
//! caller here, not in each handler. Also the small response builders every answer uses.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde_json::Value;

use super::contract::{InviteView, SessionBody, UserView};
use super::cookies::{self, CookieNames};
use super::extract::{media_type, JSON};
use super::{pages, ApiError, ErrorCode};
use crate::domain::{Locale, ShownInviteStatus, User};
use crate::services::{Services, Session};

/// How a request wants its answer: a page (a browser's GET, or a page's form) or JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Page,
    Json,
}

impl Format {
    /// The one rule that picks a page or JSON, for every extractor, layer and server that answers
    /// a request (handlers are handed a `Format`; they never read headers for it). A JSON body
    /// gets JSON: it comes from code, whatever it accepts. Anything else gets a page when it
    /// asks for one with `Accept: text/html`, as browsers do for every navigation and form post,
    /// and JSON otherwise (curl posting a form, a bare `POST`, a client that accepts anything).
    pub fn of(headers: &HeaderMap) -> Self {
        if media_type(headers).as_deref() == Some(JSON) || !accepts_html(headers) {
            Self::Json
        } else {
            Self::Page
        }
    }
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
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
    /// The error as a page, in the request's language: a heading by kind and a sentence by
    /// code (a JSON error's `message` is English, for developers: API.md, "Languages").
    pub fn to_page(&self) -> Response {
        let status = self.status();
        let t = super::lang::request_lang();
        let heading = match status {
            StatusCode::NOT_FOUND => "error-not-found-title",
            StatusCode::TOO_MANY_REQUESTS => "error-wait-title",
            s if s.is_server_error() => "error-failed-title",
            _ => "error-refused-title",
        };
        self.with_retry_after(page(
            status,
            pages::message(t, &t.get(heading), &t.get(self.page_message())),
        ))
    }

    /// The catalogue's sentence for this error on a page.
    pub fn page_message(&self) -> &'static str {
        match self.code {
            ErrorCode::NotFound | ErrorCode::MethodNotAllowed => "error-not-found",
            ErrorCode::TooManyRequests => "error-too-many",
            ErrorCode::Internal => "error-internal",
            ErrorCode::ServiceUnavailable => "error-unavailable",
            ErrorCode::AccountDisabled => "error-disabled",
            ErrorCode::Unauthorized => "error-sign-in-first",
            ErrorCode::Forbidden if self.message == super::layers::CROSS_SITE_FORM => {
                "error-cross-site"
            }
            ErrorCode::Forbidden => "error-forbidden",
            ErrorCode::InvalidCredentials => "sign-in-failed",
            ErrorCode::CodeInvalid => "code-invalid",
            ErrorCode::TokenInvalid => "link-invalid",
            ErrorCode::TokenExpired => "link-expired",
            ErrorCode::TokenUsed => "link-used",
            _ => "error-refused",
        }
    }

    /// The error in `format`.
    pub fn to(&self, format: Format) -> Response {
        match format {
            Format::Page => self.to_page(),
            Format::Json => self.to_json(),
        }
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
        self.error.to(self.format)
    }
}

/// `body` as the JSON answer with `status`.
pub fn json(status: StatusCode, body: &impl Serialize) -> Response {
    // The contract's types only hold strings, numbers and maps with string keys.
    let text = serde_json::to_string(body).expect("the contract's types serialize");
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        text,
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

pub use crate::domain::rfc3339;

/// The user as the API shows it: never a hash.
pub fn user_view(user: &User, default_locale: Locale) -> UserView {
    UserView {
        id: user.id.0.clone(),
        email: user.contacts.email.as_ref().map(|e| e.as_str().to_owned()),
        phone: user.contacts.phone.as_ref().map(|p| p.as_str().to_owned()),
        name: user.name.clone(),
        role: user.role.into(),
        org_id: user.org_id.0.clone(),
        status: user.status.into(),
        created_at: rfc3339(user.created_at),
        locale: user.locale_or(default_locale).into(),
    }
}

/// The invite as the API shows it (`None`, shown `null`, for a user who was never invited).
pub fn invite_view(user: &User, now: DateTime<Utc>) -> Option<InviteView> {
    let (status, expires_at) = user.shown_invite(now)?;
    Some(InviteView {
        status: status.as_str(),
        expires_at: rfc3339(expires_at),
        bounce_type: status.bounce_type().map(|b| b.as_str()),
        channel: user
            .invite
            .as_ref()
            .map_or("email", |i| i.channel().as_str()),
        reason: (status == ShownInviteStatus::Failed)
            .then(|| user.invite.as_ref().and_then(|i| i.failure))
            .flatten()
            .map(|r| r.as_str()),
        reminder_sent_at: user
            .invite
            .as_ref()
            .and_then(|i| i.reminder_sent_at)
            .map(rfc3339),
        url: None,
        code: None,
        qr_svg: None,
    })
}

/// [`invite_view`] as a JSON value, for tests that read it as a client would.
pub fn invite_json(user: &User, now: DateTime<Utc>) -> Value {
    serde_json::to_value(invite_view(user, now)).expect("the contract's types serialize")
}

/// `200` with the session as JSON and its cookies: what a setup, a reset or a password change
/// answers a JSON caller.
pub fn signed_in_json(session: &Session, app: &Services) -> Response {
    with_session_cookie(
        json(
            StatusCode::OK,
            &session_body(session, app.config.default_locale),
        ),
        session,
        app,
    )
}

/// A signed-in session as the API shows it.
pub fn session_body(session: &Session, default_locale: Locale) -> SessionBody {
    SessionBody {
        access_token: session.jwt.expose_secret().to_owned(),
        token_type: "Bearer",
        expires_in: session.expires_in,
        user: user_view(&session.user, default_locale),
        device_token: session.device_token.expose_secret().to_owned(),
    }
}

/// Sets the session cookie and the device cookie of API.md on `r`, named for the deployment's
/// scheme (`cookies`).
pub fn with_session_cookie(r: Response, session: &Session, app: &Services) -> Response {
    cookies::sign_in(r, session, &CookieNames::of(&app.config))
}
