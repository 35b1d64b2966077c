//! Setup and reset links: the page (a GET never consumes the token, since mail scanners open
//! links) and the redemption that consumes it, sets the password and signs the user in.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};

use crate::domain::token::parse_token;
use crate::domain::user::new_session_version;
use crate::domain::{NewPassword, TokenHash, TokenPurpose, TokenRecord};
use crate::http::pages::{self, LinkTrouble, PasswordFormState, PasswordPage};
use crate::http::request::{self, Body as Parsed};
use crate::http::{html_response, json_response, see_other, ApiError, App};
use crate::ports::{generation_of, Redemption, StoreError};

fn purpose(page: PasswordPage) -> TokenPurpose {
    match page {
        PasswordPage::Setup => TokenPurpose::Setup,
        PasswordPage::Reset => TokenPurpose::Reset,
    }
}

impl LinkTrouble {
    fn api_error(self) -> ApiError {
        let (code, message) = match self {
            LinkTrouble::Missing => return ApiError::invalid("token", "`token` is required."),
            LinkTrouble::Invalid => (
                "token_invalid",
                "This link is not valid. Ask for a new one.",
            ),
            LinkTrouble::Expired => ("token_expired", "This link has expired. Ask for a new one."),
            LinkTrouble::Used => ("token_used", "This link has already been used."),
        };
        ApiError::new(StatusCode::GONE, code, message)
    }
    fn status(self) -> StatusCode {
        match self {
            LinkTrouble::Missing => StatusCode::BAD_REQUEST,
            _ => StatusCode::GONE,
        }
    }
    fn page(self) -> Response<Body> {
        html_response(self.status(), pages::link_problem(self))
    }
}

/// Looks a token up and checks what can be checked without the user: purpose, use and expiry.
async fn find_token(
    app: &App,
    purpose: TokenPurpose,
    raw: Option<&str>,
) -> Result<TokenRecord, LinkTrouble> {
    let raw = raw
        .filter(|r| !r.trim().is_empty())
        .ok_or(LinkTrouble::Missing)?;
    let token = parse_token(raw).ok_or(LinkTrouble::Invalid)?;
    let record = match app.store.token(&TokenHash::of(token)).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(LinkTrouble::Invalid),
        Err(e) => {
            crate::http::error::log_unexpected("token lookup", &e);
            return Err(LinkTrouble::Invalid);
        }
    };
    if record.purpose != purpose {
        return Err(LinkTrouble::Invalid);
    }
    if record.used_at.is_some() {
        return Err(LinkTrouble::Used);
    }
    if record.is_expired(app.now()) {
        return Err(LinkTrouble::Expired);
    }
    Ok(record)
}

/// `GET /setup?token=…` and `GET /reset?token=…`.
pub async fn page(
    app: &App,
    req: &Request,
    page: PasswordPage,
) -> Result<Response<Body>, ApiError> {
    let raw = request::query_param(req, "token");
    let record = match find_token(app, purpose(page), raw.as_deref()).await {
        Ok(r) => r,
        Err(trouble) => return Ok(trouble.page()),
    };
    // A newer link of the same kind, or a password set since, makes this one dead.
    // By email, the token's copy of it: one read where the id would take two on DynamoDB.
    let user = app
        .store
        .user_by_email(&record.email)
        .await?
        .filter(|u| u.id == record.user_id);
    if user.is_none_or(|u| generation_of(&u, record.purpose) != record.generation) {
        return Ok(LinkTrouble::Invalid.page());
    }
    let token = raw.unwrap_or_default();
    Ok(html_response(
        StatusCode::OK,
        pages::password_form(
            page,
            PasswordFormState {
                token: token.trim(),
                email: record.email.as_str(),
                min_chars: app.policy.min_chars,
                form_error: None,
                password_error: None,
                confirmation_error: None,
            },
        ),
    ))
}

/// `POST /setup` and `POST /reset`, from the page's form or as JSON.
pub async fn redeem(
    app: &App,
    req: &Request,
    page: PasswordPage,
) -> Result<Response<Body>, ApiError> {
    let body = request::parse_body(req, true)?;
    let form = body.is_form();
    let raw = body.string("token")?;
    let record = match find_token(app, purpose(page), raw.as_deref()).await {
        Ok(r) => r,
        Err(trouble) if form => return Ok(trouble.page()),
        Err(trouble) => return Err(trouble.api_error()),
    };
    let password = body.string("password")?.unwrap_or_default();
    let new_password = match check_password(app, &body, &record, &password) {
        Ok(p) => p,
        Err(problem) if !form => return Err(problem.into_api_error()),
        Err(FormProblem::Password(msg)) => {
            return Ok(form_again(
                app,
                page,
                &record,
                raw.as_deref(),
                Some(&msg),
                None,
            ))
        }
        Err(FormProblem::Confirmation(msg)) => {
            return Ok(form_again(
                app,
                page,
                &record,
                raw.as_deref(),
                None,
                Some(&msg),
            ))
        }
    };
    let password_hash = app.hasher.hash_async(new_password.secret().clone()).await?;
    let redemption = Redemption {
        token: record.clone(),
        password_hash,
        new_session_version: new_session_version(),
        now: app.now(),
    };
    let user = match app.store.redeem_token(&redemption).await {
        Ok(u) => u,
        Err(e) => {
            let trouble = match e {
                StoreError::TokenUsed => LinkTrouble::Used,
                StoreError::TokenExpired => LinkTrouble::Expired,
                StoreError::TokenInvalid => LinkTrouble::Invalid,
                other => return Err(other.into()),
            };
            return if form {
                Ok(trouble.page())
            } else {
                Err(trouble.api_error())
            };
        }
    };
    let audit = match page {
        PasswordPage::Setup => "setup_completed",
        PasswordPage::Reset => "password_reset",
    };
    tracing::info!(audit, user_id = %user.id.0, org_id = %user.org_id.0);
    let (json, cookie) = app.session_response(&user, None);
    let mut response = if form {
        see_other(&app.config.app_url)
    } else {
        json_response(StatusCode::OK, &json)
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

enum FormProblem {
    Password(String),
    Confirmation(String),
}

impl FormProblem {
    fn into_api_error(self) -> ApiError {
        match self {
            FormProblem::Password(m) => ApiError::invalid("password", m),
            FormProblem::Confirmation(m) => ApiError::invalid("passwordConfirmation", m),
        }
    }
}

/// The policy and the confirmation, each reported next to its own field.
fn check_password(
    app: &App,
    body: &Parsed,
    record: &TokenRecord,
    password: &str,
) -> Result<NewPassword, FormProblem> {
    if password.is_empty() {
        return Err(FormProblem::Password("Enter a password.".into()));
    }
    let confirmation = match body.string("passwordConfirmation") {
        Ok(c) => c,
        Err(e) => return Err(FormProblem::Confirmation(e.message)),
    };
    // The form always has the confirmation box; JSON callers may leave it out.
    let confirmation = if body.is_form() {
        Some(confirmation.unwrap_or_default())
    } else {
        confirmation
    };
    let context = [
        record.email.as_str(),
        record.org_name.as_deref().unwrap_or(""),
    ];
    let checked = NewPassword::parse(password, None, &app.policy, &context)
        .map_err(|e| FormProblem::Password(e.message))?;
    if confirmation.is_some_and(|c| c != password) {
        return Err(FormProblem::Confirmation(
            "The two passwords don't match. Type the same password in both boxes.".into(),
        ));
    }
    Ok(checked)
}

/// The form again, with the message next to the field; the token stays valid.
fn form_again(
    app: &App,
    page: PasswordPage,
    record: &TokenRecord,
    token: Option<&str>,
    password_error: Option<&str>,
    confirmation_error: Option<&str>,
) -> Response<Body> {
    html_response(
        StatusCode::BAD_REQUEST,
        pages::password_form(
            page,
            PasswordFormState {
                token: token.unwrap_or_default().trim(),
                email: record.email.as_str(),
                min_chars: app.policy.min_chars,
                form_error: Some(
                    "Your password wasn't saved. Check the message below and try again.",
                ),
                password_error,
                confirmation_error,
            },
        ),
    )
}
