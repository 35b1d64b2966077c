//! The signed-in user's own account: the public keys that verify sessions, changing the
//! password (and choosing one's own after the temporary one), and signing out.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use std::sync::Arc;

use crate::domain::{Refusal, User};
use crate::http::contract::account::{ChangePasswordBody, LogoutBody};
use crate::http::cookies::{self, CookieNames};
use crate::http::extract::{
    session_token, BrowserDevices, ClientIp, CurrentSession, CurrentUser, Fields, FromFields,
    MaybeSubmitted, Submitted,
};
use crate::http::lang::page_lang;
use crate::http::layers::CacheFor;
use crate::http::pages::{self, ChangePasswordState};
use crate::http::respond::{
    json, page, respond, see_other, signed_in_json, with_session_cookie, Outcome,
};
use crate::http::{ApiError, ErrorCode};
use crate::services::{ChangePasswordError, ChangePasswordRequest, Services, Session};

/// How long the field-service app may cache the JWKS (API.md: the one exception to `no-store`).
pub const JWKS_MAX_AGE_SECONDS: u32 = 300;

/// `GET /.well-known/jwks.json`: every public key that can verify a live session. Public keys
/// only, so any origin may read them: a field-service app running in a browser can fetch them.
pub async fn jwks(State(app): State<Arc<Services>>) -> Response {
    let mut r = json(StatusCode::OK, &app.sessions.jwks());
    r.extensions_mut().insert(CacheFor(JWKS_MAX_AGE_SECONDS));
    r.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

impl FromFields for LogoutBody {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            everywhere: f.flag("everywhere")?,
        })
    }
}

/// `POST /logout`: clears the cookie; with `everywhere`, every session of the user ends. The
/// browser's form always lands on the sign-in page, signed in or not before. A plain sign-out
/// checks the session's signature only, so it clears the cookie even while the store is down.
pub async fn logout(
    State(app): State<Arc<Services>>,
    headers: HeaderMap,
    MaybeSubmitted(submitted): MaybeSubmitted<LogoutBody>,
) -> Response {
    let Submitted { format, input } = submitted;
    let unauthorized = || ApiError::from(ErrorCode::Unauthorized);
    let names = CookieNames::of(&app.config);
    let result = match (session_token(&headers, &names), input.everywhere) {
        (None, _) => Err(unauthorized()),
        (Some(jwt), false) => app
            .sessions
            .verify(jwt, app.now())
            .map(drop)
            .map_err(|_| unauthorized()),
        (Some(jwt), true) => match app.user_for_session(jwt).await {
            Ok(Some(user)) => app.sign_out_everywhere(&user).await.map_err(ApiError::from),
            Ok(None) => Err(unauthorized()),
            Err(e) => Err(e.into()),
        },
    };
    respond(&app, format, SignedOut(result, names))
}

/// What signing out came to. The form lands on the sign-in page whether or not there was a
/// session to end; only a failure that is not the session's fault shows itself.
struct SignedOut(Result<(), ApiError>, CookieNames);

impl Outcome for SignedOut {
    fn page(self, _: &Services) -> Response {
        match self.0 {
            Err(e) if e.code != ErrorCode::Unauthorized => e.to_page(),
            _ => cookies::sign_out(see_other("/login"), &self.1),
        }
    }
    fn json(self, _: &Services) -> Response {
        match self.0 {
            Ok(()) => cookies::sign_out(StatusCode::NO_CONTENT.into_response(), &self.1),
            Err(e) => e.to_json(),
        }
    }
}

/// A request that needs a session and has none: the sign-in page for a browser, `401` in JSON.
struct NotSignedIn;

impl Outcome for NotSignedIn {
    fn page(self, _: &Services) -> Response {
        see_other("/login")
    }
    fn json(self, _: &Services) -> Response {
        ApiError::from(ErrorCode::Unauthorized).to_json()
    }
}

/// `GET /password`: the form, for a signed-in user; the sign-in page for anyone else.
pub async fn password_page(
    State(app): State<Arc<Services>>,
    CurrentUser(user): CurrentUser,
) -> Response {
    match user {
        Some(user) => page(
            StatusCode::OK,
            change_form(&app, &user, Problems::default()),
        ),
        None => see_other("/login"),
    }
}

impl FromFields for ChangePasswordBody {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let confirmation = f.string("passwordConfirmation")?;
        Ok(Self {
            current_password: f.string("currentPassword")?,
            password: f.string("password")?.unwrap_or_default(),
            password_confirmation: if f.is_form() {
                Some(confirmation.unwrap_or_default())
            } else {
                confirmation
            },
            device_token: f.string("deviceToken")?,
        })
    }
}

struct Changed {
    /// The user as the session showed them, for the form shown again.
    user: User,
    result: Result<Session, ChangePasswordError>,
}

/// What the form shows again after a refusal, next to the field at fault.
#[derive(Default)]
struct Problems {
    /// The catalogue's words for what is wrong with the current password.
    current: Option<&'static str>,
    password: Option<Refusal>,
    confirmation: bool,
}

/// The change-password page of `user`, in their language (a form's own `lang` first), with what
/// was refused beside its field.
fn change_form(app: &Services, user: &User, problems: Problems) -> String {
    let t = page_lang(user.locale);
    let refused =
        problems.current.is_some() || problems.password.is_some() || problems.confirmation;
    let home = user.home();
    let password = problems.password.map(|r| pages::refusal(&t, r));
    pages::change_password(
        t,
        user.org_name.as_deref(),
        ChangePasswordState {
            email: home.as_str(),
            // No password to type yet: the temporary one's user, or a passkey's.
            first_password: user.password_hash.is_none(),
            min_chars: app.policy.min_chars,
            form_error: refused.then(|| t.get("not-changed")).as_deref(),
            current_error: problems.current.map(|id| t.get(id)).as_deref(),
            password_error: password.as_deref(),
            confirmation_error: problems
                .confirmation
                .then(|| t.get("passwords-differ"))
                .as_deref(),
        },
    )
}

impl Outcome for Changed {
    fn page(self, app: &Services) -> Response {
        let Changed { user, result } = self;
        let (status, problems) = match result {
            Ok(session) => {
                return with_session_cookie(see_other(&app.config.app_url), &session, app)
            }
            // A passkey's user whose sign-in is too old to choose a password: sign in again.
            Err(ChangePasswordError::SessionEnded | ChangePasswordError::Reauthenticate) => {
                return see_other("/login")
            }
            Err(ChangePasswordError::Confirmation) => (
                StatusCode::BAD_REQUEST,
                Problems {
                    confirmation: true,
                    ..Problems::default()
                },
            ),
            Err(ChangePasswordError::Password(rejected)) => (
                StatusCode::BAD_REQUEST,
                Problems {
                    password: Some(rejected.reason),
                    ..Problems::default()
                },
            ),
            Err(e @ ChangePasswordError::WrongCurrentPassword { .. }) => {
                let e = ApiError::from(e);
                (
                    e.status(),
                    Problems {
                        current: Some(match e.code {
                            ErrorCode::TooManyRequests => "error-too-many",
                            _ => "current-password-wrong",
                        }),
                        ..Problems::default()
                    },
                )
            }
            Err(e) => return ApiError::from(e).to_page(),
        };
        page(status, change_form(app, &user, problems))
    }

    fn json(self, app: &Services) -> Response {
        match self.result {
            Ok(session) => signed_in_json(&session, app),
            Err(e) => ApiError::from(e).to_json(),
        }
    }
}

/// `POST /password`: a new password for the signed-in user; every other session ends.
pub async fn change_password(
    State(app): State<Arc<Services>>,
    CurrentSession(session): CurrentSession,
    ClientIp(ip): ClientIp,
    browser: BrowserDevices,
    submitted: Submitted<ChangePasswordBody>,
) -> Response {
    let Submitted { format, input } = submitted;
    let Some((user, claims)) = session else {
        return respond(&app, format, NotSignedIn);
    };
    let fresh_passkey =
        claims.by_passkey() && claims.fresh(app.now(), crate::domain::passkey::fresh_sign_in());
    let request = ChangePasswordRequest {
        current: input.current_password.map(SecretString::from),
        password: SecretString::from(input.password),
        confirmation: input.password_confirmation.map(SecretString::from),
        device_tokens: browser.with_body(input.device_token),
        fresh_passkey,
    };
    let result = app.change_password(user.clone(), request, &ip).await;
    respond(&app, format, Changed { user, result })
}
