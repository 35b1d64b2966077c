//! Sign-in and forgot-password: the JSON endpoints and the small pages that post to them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use secrecy::SecretString;
use std::sync::Arc;

use crate::domain::Identifier;
use crate::http::contract::login::{
    typed_identifier, Accepted, Credentials, ForgotRequest, SignInBody,
};
use crate::http::extract::{BrowserDevices, ClientIp, Fields, FromFields, Submitted};
use crate::http::handlers::named_account;
use crate::http::lang::request_lang;
use crate::http::pages;
use crate::http::respond::{
    json, page, respond, see_other, session_body, with_session_cookie, Outcome,
};
use crate::http::{ApiError, ErrorCode};
use crate::services::{Services, SignedIn};

pub async fn login_page(State(app): State<Arc<Services>>) -> Response {
    page(
        StatusCode::OK,
        pages::login(request_lang(), "", None, sign_in_offer(&app)),
    )
}

pub async fn forgot_page() -> Response {
    page(StatusCode::OK, pages::forgot(request_lang(), "", None))
}

/// What a sign-in or forgot-password form says beside a field it refused (a catalogue
/// message): the identifier missing or unreadable, or the password missing.
fn field_problem(e: &ApiError, typed: &str) -> &'static str {
    match e.field {
        Some("password") => "password-missing",
        _ if typed.trim().is_empty() => "identifier-missing",
        _ => "identifier-invalid",
    }
}

/// Emptiness is the handler's to refuse, next to the form's field.
impl FromFields for Credentials {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            email: f.string("email")?,
            phone: f.string("phone")?,
            identifier: f.string("identifier")?,
            password: f.string("password")?.unwrap_or_default(),
            device_token: f.string("deviceToken")?,
        })
    }
}

/// The sign-in's outcome, with the email as typed so the form can keep it.
struct SignIn {
    typed_email: String,
    result: Result<SignedIn, ApiError>,
}

impl Outcome for SignIn {
    fn page(self, app: &Services) -> Response {
        match self.result {
            // On the temporary password: choose their own now, right here (API.md, `POST /login`).
            Ok(signed_in) if signed_in.must_change_password => {
                with_session_cookie(see_other("/password"), &signed_in.session, app)
            }
            Ok(signed_in) => {
                with_session_cookie(see_other(&app.config.app_url), &signed_in.session, app)
            }
            Err(e) => {
                let message = match e.code {
                    ErrorCode::InvalidCredentials => "sign-in-failed",
                    ErrorCode::InvalidRequest => field_problem(&e, &self.typed_email),
                    ErrorCode::TooManyRequests => "error-too-many",
                    _ => return e.to_page(),
                };
                // The request's language, never the account's: the form must not tell whether
                // the identifier exists.
                let t = request_lang();
                let form = pages::login(
                    t,
                    self.typed_email.trim(),
                    Some(&t.get(message)),
                    sign_in_offer(app),
                );
                e.with_retry_after(page(e.status(), form))
            }
        }
    }

    fn json(self, app: &Services) -> Response {
        match self.result {
            Ok(signed_in) => json(
                StatusCode::OK,
                &SignInBody {
                    session: session_body(&signed_in.session, app.config.default_locale),
                    must_change_password: signed_in.must_change_password,
                },
            ),
            Err(e) => e.to_json(),
        }
    }
}

/// `POST /login`: the temporary password until the user sets their own, their own after.
pub async fn login(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    browser: BrowserDevices,
    submitted: Submitted<Credentials>,
) -> Response {
    let Submitted { format, input } = submitted;
    let devices = browser.with_body(input.device_token.clone());
    let result = sign_in(&app, &ip, &input, &devices).await;
    respond(
        &app,
        format,
        SignIn {
            typed_email: typed_identifier(&input.email, &input.phone, &input.identifier)
                .1
                .to_owned(),
            result,
        },
    )
}

async fn sign_in(
    app: &Services,
    ip: &str,
    input: &Credentials,
    devices: &[String],
) -> Result<SignedIn, ApiError> {
    let (field, typed) = typed_identifier(&input.email, &input.phone, &input.identifier);
    if typed.trim().is_empty() {
        let message = match field {
            "email" => "Enter your email address.",
            "phone" => "Enter your mobile number.",
            _ => "Enter your email address or mobile number.",
        };
        return Err(ApiError::invalid(field, message));
    }
    if input.password.is_empty() {
        return Err(ApiError::invalid("password", "Enter your password."));
    }
    let account = named_account(&app.config.sms.rules, field, typed)?;
    let password = SecretString::from(input.password.clone());
    let devices: Vec<&str> = devices.iter().map(String::as_str).collect();
    Ok(app.sign_in(&account, &password, ip, &devices).await?)
}

impl FromFields for ForgotRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            email: f.string("email")?,
            phone: f.string("phone")?,
            identifier: f.string("identifier")?,
            device_token: f.string("deviceToken")?,
        })
    }
}

struct ForgotOutcome {
    typed_email: String,
    result: Result<Identifier, ApiError>,
}

impl Outcome for ForgotOutcome {
    fn page(self, app: &Services) -> Response {
        // The request's language whether or not the identifier is known: the answer is the same.
        let t = request_lang();
        match self.result {
            Ok(account) => page(
                StatusCode::ACCEPTED,
                pages::forgot_sent(
                    t,
                    account.as_str(),
                    account.phone().is_some(),
                    app.config.reset_token_ttl,
                ),
            ),
            Err(e) if e.code == ErrorCode::InvalidRequest => page(
                e.status(),
                pages::forgot(
                    t,
                    self.typed_email.trim(),
                    Some(&t.get(field_problem(&e, &self.typed_email))),
                ),
            ),
            Err(e) if e.code == ErrorCode::TooManyRequests => e.with_retry_after(page(
                e.status(),
                pages::message(t, &t.get("error-wait-title"), &t.get("forgot-too-many")),
            )),
            Err(e) => e.to_page(),
        }
    }

    fn json(self, _: &Services) -> Response {
        match self.result {
            Ok(_) => json(StatusCode::ACCEPTED, &Accepted { status: "accepted" }),
            Err(e) => e.to_json(),
        }
    }
}

/// `POST /password/forgot`: always 202, and no faster for an unknown email than for a known one.
pub async fn forgot(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    browser: BrowserDevices,
    submitted: Submitted<ForgotRequest>,
) -> Response {
    let Submitted { format, input } = submitted;
    let devices = browser.with_body(input.device_token);
    let devices: Vec<&str> = devices.iter().map(String::as_str).collect();
    let (field, typed) = typed_identifier(&input.email, &input.phone, &input.identifier);
    let result = match named_account(&app.config.sms.rules, field, typed) {
        Ok(account) => app
            .forgot_password(&account, &ip, &devices)
            .await
            .map(|()| account)
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let typed_email = typed.to_owned();
    respond(
        &app,
        format,
        ForgotOutcome {
            typed_email,
            result,
        },
    )
}

/// The sign-in page's passkey button, where passkeys are offered.
fn sign_in_offer(app: &Services) -> Option<pages::PasskeyOffer> {
    app.rp
        .is_some()
        .then(|| pages::PasskeyOffer::sign_in(&app.config.app_url))
}
