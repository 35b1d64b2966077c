//! Sign-in and forgot-password: the JSON endpoints and the small pages that post to them.

use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use std::time::Instant;

use crate::domain::password::normalise;
use crate::domain::token::issue;
use crate::domain::{EmailAddress, TokenPurpose};
use crate::emails::{lifetime_in_words, ResetEmail};
use crate::hashing::Verified;
use crate::http::error::log_unexpected;
use crate::http::limits::{keys, per_email, per_ip, refuse_if_limited};
use crate::http::pages;
use crate::http::{html_response, json_response, request, see_other, ApiError, App};
use crate::ports::{Rehash, StoreError};

pub fn page() -> Response<Body> {
    html_response(StatusCode::OK, pages::login("", None))
}

pub fn forgot_page() -> Response<Body> {
    html_response(StatusCode::OK, pages::forgot("", None))
}

/// `POST /login`: the temporary password until the user sets their own, their own after.
pub async fn login(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let body = request::parse_body(req, true)?;
    let form = body.is_form();
    let raw_email = body.string("email")?.unwrap_or_default();
    let password = body.string("password")?.unwrap_or_default();
    let refuse = |e: ApiError| -> Result<Response<Body>, ApiError> {
        if form {
            let message = match e.code {
                "invalid_credentials" => {
                    "That email and password don't match. Check both and try again.".to_owned()
                }
                _ => e.message.clone(),
            };
            let mut page = html_response(e.status, pages::login(raw_email.trim(), Some(&message)));
            with_retry_after(&mut page, &e);
            Ok(page)
        } else {
            Err(e)
        }
    };
    if raw_email.trim().is_empty() {
        return refuse(ApiError::invalid("email", "Enter your email address."));
    }
    if password.is_empty() {
        return refuse(ApiError::invalid("password", "Enter your password."));
    }
    let email = match EmailAddress::parse(&raw_email) {
        Ok(e) => e,
        Err(e) => return refuse(ApiError::invalid("email", e.0)),
    };
    let ip = request::client_ip(req);
    let rl = app.config.rate_limits;
    let limits = [
        per_email("login", &email, rl.login_failures_per_email),
        per_ip("login", &ip, rl.login_failures_per_ip),
    ];
    // The user and the limit counters come in one read.
    let now = app.now();
    let (user, counts) = app
        .store
        .sign_in_view(&email, &keys(&limits), rl.login_window, now)
        .await?;
    if let Err(e) = refuse_if_limited(&limits, &counts, rl.login_window, now) {
        tracing::warn!(audit = "sign_in_limited", ip = %ip);
        return refuse(e);
    }
    let current = user
        .as_ref()
        .and_then(|u| u.current_password_hash())
        .map(str::to_owned);
    let verified = app
        .hasher
        .verify_async(normalise(&password), current.clone())
        .await;
    let user = match (verified, user) {
        (Verified::No, _) | (_, None) => {
            tracing::info!(audit = "sign_in_failed", ip = %ip);
            // This attempt is answered 401 either way; the count stops the next ones.
            match app.count_and_limit(&limits, rl.login_window).await {
                Ok(())
                | Err(ApiError {
                    code: "too_many_requests",
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
            return refuse(ApiError::invalid_credentials());
        }
        (_, Some(user)) => user,
    };
    if let (Verified::YesButRehash, Some(old_hash)) = (verified, current) {
        rehash(app, &user, &password, old_hash).await;
    }
    tracing::info!(audit = "signed_in", user_id = %user.id.0, org_id = %user.org_id.0);
    let must_change = user.must_change_password();
    let (json, cookie) =
        app.session_response(&user, Some(("mustChangePassword", json!(must_change))));
    if form {
        let mut r = see_other(&app.config.app_url);
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return Ok(r);
    }
    Ok(json_response(StatusCode::OK, &json))
}

/// A page refusing for a rate limit says when to come back, as the API does.
fn with_retry_after(page: &mut Response<Body>, e: &ApiError) {
    if let Some(secs) = e.retry_after {
        page.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
}

/// Stores a fresh hash under the configured argon2 parameters; sign-in succeeds either way.
async fn rehash(app: &App, user: &crate::domain::User, password: &str, old_hash: String) {
    let new_hash = match app.hasher.hash_async(normalise(password)).await {
        Ok(h) => h,
        Err(e) => return log_unexpected("rehashing on sign-in", &e),
    };
    let change = Rehash {
        user_id: user.id.clone(),
        email: user.email.clone(),
        temporary: user.password_hash.is_none(),
        old_hash,
        new_hash,
    };
    match app.store.rehash_password(&change).await {
        Ok(()) | Err(StoreError::Conflict) => {}
        Err(e) => log_unexpected("rehashing on sign-in", &e),
    }
}

/// `POST /password/forgot`: always 202, and no faster for an unknown email than for a known one.
pub async fn forgot(app: &App, req: &Request) -> Result<Response<Body>, ApiError> {
    let started = Instant::now();
    let body = request::parse_body(req, true)?;
    let form = body.is_form();
    let raw_email = body.string("email")?.unwrap_or_default();
    let email = match EmailAddress::parse(&raw_email) {
        Ok(e) => e,
        Err(e) if form => {
            return Ok(html_response(
                StatusCode::BAD_REQUEST,
                pages::forgot(raw_email.trim(), Some(e.0)),
            ))
        }
        Err(e) => return Err(ApiError::invalid("email", e.0)),
    };
    let rl = app.config.rate_limits;
    let limits = [
        per_email("forgot", &email, rl.forgot_per_email),
        per_ip("forgot", &request::client_ip(req), rl.forgot_per_ip),
    ];
    // Counted for every email, known or not, so a 429 says nothing about who has an account.
    if let Err(e) = app.count_and_limit(&limits, rl.forgot_window).await {
        if e.code != "too_many_requests" || !form {
            return Err(e);
        }
        let mut page = html_response(
            e.status,
            pages::message(
                "Please wait a moment",
                "We've sent several links to this address recently. Check your email (and spam) for the newest one, or try again in a little while.",
            ),
        );
        with_retry_after(&mut page, &e);
        return Ok(page);
    }
    send_reset_link(app, &email).await;
    // Known emails cost a write and an email; pad so the answer's timing says nothing.
    let floor = app.config.forgot_min_response.to_std().unwrap_or_default();
    if let Some(rest) = floor.checked_sub(started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    if form {
        let lifetime = lifetime_in_words(app.config.reset_token_ttl);
        return Ok(html_response(
            StatusCode::ACCEPTED,
            pages::forgot_sent(email.as_str(), &lifetime),
        ));
    }
    Ok(json_response(
        StatusCode::ACCEPTED,
        &json!({"status": "accepted"}),
    ))
}

/// Issues a reset link (which kills earlier reset links) and emails it. Failures are logged,
/// never shown: the caller must not learn whether the email exists.
async fn send_reset_link(app: &App, email: &EmailAddress) {
    for _ in 0..3 {
        let user = match app.store.user_by_email(email).await {
            Ok(Some(u)) => u,
            Ok(None) => return,
            Err(e) => return log_unexpected("forgot-password lookup", &e),
        };
        let token = issue(
            TokenPurpose::Reset,
            user.token_subject(),
            user.reset_generation + 1,
            app.now(),
            app.config.reset_token_ttl,
        );
        match app.store.issue_token(&token.record, None).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => continue,
            Err(e) => return log_unexpected("issuing a reset link", &e),
        }
        let message = ResetEmail {
            to: &user.email,
            org_name: user.org_name.as_deref(),
            token: &token,
            public_base_url: &app.config.public_base_url,
            lifetime: app.config.reset_token_ttl,
        }
        .render();
        match app.mailer.send(&message).await {
            Ok(()) => {
                tracing::info!(audit = "reset_link_sent", user_id = %user.id.0, org_id = %user.org_id.0)
            }
            Err(e) => tracing::warn!(audit = "reset_link_failed", user_id = %user.id.0, error = %e),
        }
        return;
    }
}
