//! Passkeys (API.md, "Passkeys"): JSON routes only, which the pages' script calls with `fetch`.
//! A success that signs in answers as `POST /setup` and `POST /login` do: the session in JSON
//! (with the cookies), or, for the service's own pages (a same-origin `fetch`), `303` to the app
//! with the cookies, which the script follows by navigating.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use secrecy::SecretString;
use std::sync::Arc;

use crate::domain::{Locale, Passkey, TokenPurpose};
use crate::http::contract::login::SignInBody;
use crate::http::contract::passkeys::{
    AddPasskeyRequest, AddedPasskey, PasskeyLinkOptionsRequest, PasskeyLinkRequest, PasskeyList,
    PasskeyOptions, PasskeySignInRequest, PasskeyView,
};
use crate::http::extract::{
    BrowserDevices, ClientIp, CurrentSession, Fields, FromFields, JsonBody,
};
use crate::http::respond::{
    json, rfc3339, see_other, session_body, signed_in_json, with_session_cookie,
};
use crate::http::{ApiError, ErrorCode};
use crate::services::{Credential, Services, Session};

/// The longest name a passkey may be given.
pub const MAX_PASSKEY_NAME_CHARS: usize = 64;

/// The link or code fields of a passkey request, read as `POST /setup` reads them.
fn link_fields(f: &Fields) -> Result<PasskeyLinkOptionsRequest, ApiError> {
    Ok(PasskeyLinkOptionsRequest {
        token: f.string("token")?,
        identifier: super::links::code_identifier(f)?,
        code: f.string("code")?,
    })
}

fn credential_field(f: &Fields) -> Result<Vec<u8>, ApiError> {
    f.object("credential")?
        .ok_or_else(|| ApiError::invalid("credential", "`credential` is required."))
}

impl FromFields for PasskeyLinkOptionsRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        link_fields(f)
    }
}

impl FromFields for PasskeyLinkRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let PasskeyLinkOptionsRequest {
            token,
            identifier,
            code,
        } = link_fields(f)?;
        Ok(Self {
            token,
            identifier,
            code,
            credential: credential_field(f)?,
            lang: f.string("lang")?,
            lang_guessed: f.string("langGuessed")?,
        })
    }
}

impl FromFields for PasskeySignInRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            credential: credential_field(f)?,
            device_token: f.string("deviceToken")?,
        })
    }
}

impl FromFields for AddPasskeyRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let name = f.string("name")?.map(|n| n.trim().to_owned());
        if let Some(n) = &name {
            if n.chars().count() > MAX_PASSKEY_NAME_CHARS || n.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    "name",
                    "`name` must be at most 64 characters, with no control characters.",
                ));
            }
        }
        Ok(Self {
            credential: credential_field(f)?,
            name: name.filter(|n| !n.is_empty()),
        })
    }
}

/// The link's token, or the typed code with who it was sent to.
fn link_credential(
    token: Option<String>,
    identifier: Option<String>,
    code: Option<String>,
    ip: &str,
) -> Credential {
    if token.is_none() && (code.is_some() || identifier.is_some()) {
        Credential::Code {
            identifier: identifier.unwrap_or_default(),
            code: SecretString::from(code.unwrap_or_default()),
            source_ip: ip.to_owned(),
        }
    } else {
        Credential::Link(token)
    }
}

fn options(result: Result<serde_json::Value, crate::services::PasskeyError>) -> Response {
    match result {
        Ok(public_key) => json(
            StatusCode::OK,
            &PasskeyOptions {
                public_key: public_key.get("publicKey").cloned().unwrap_or(public_key),
            },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Whether the request is the service's own page's script: a same-origin `fetch`.
fn from_page(headers: &HeaderMap) -> bool {
    let is = |name: &str, value: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case(value))
    };
    is("sec-fetch-site", "same-origin") && is("sec-fetch-dest", "empty")
}

/// A session started by a passkey: to the page, `303` to the app with the cookies; to an API
/// caller, the session as `POST /setup` gives it.
fn signed_in(app: &Services, headers: &HeaderMap, session: &Session) -> Response {
    if from_page(headers) {
        with_session_cookie(see_other(&app.config.app_url), session, app)
    } else {
        signed_in_json(session, app)
    }
}

async fn link_options(
    app: &Services,
    purpose: TokenPurpose,
    ip: &str,
    body: PasskeyLinkOptionsRequest,
) -> Response {
    let credential = link_credential(body.token, body.identifier, body.code, ip);
    options(app.link_passkey_options(purpose, &credential).await)
}

async fn link_register(
    app: &Services,
    purpose: TokenPurpose,
    ip: &str,
    headers: &HeaderMap,
    body: PasskeyLinkRequest,
) -> Response {
    let chosen: Option<Locale> = body
        .lang
        .as_deref()
        .filter(|_| body.lang_guessed.as_deref().is_none_or(str::is_empty))
        .and_then(Locale::from_tag);
    let credential = link_credential(body.token, body.identifier, body.code, ip);
    match app
        .redeem_with_passkey(purpose, &credential, &body.credential, chosen)
        .await
    {
        Ok(session) => signed_in(app, headers, &session),
        Err(e) => ApiError::from(e).into_response(),
    }
}

pub async fn setup_options(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<PasskeyLinkOptionsRequest>,
) -> Response {
    link_options(&app, TokenPurpose::Setup, &ip, body).await
}

pub async fn reset_options(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    JsonBody(body): JsonBody<PasskeyLinkOptionsRequest>,
) -> Response {
    link_options(&app, TokenPurpose::Reset, &ip, body).await
}

pub async fn setup(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PasskeyLinkRequest>,
) -> Response {
    link_register(&app, TokenPurpose::Setup, &ip, &headers, body).await
}

pub async fn reset(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PasskeyLinkRequest>,
) -> Response {
    link_register(&app, TokenPurpose::Reset, &ip, &headers, body).await
}

/// `POST /login/passkey/options`.
pub async fn sign_in_options(State(app): State<Arc<Services>>, ClientIp(ip): ClientIp) -> Response {
    options(app.passkey_sign_in_options(&ip).await)
}

/// `POST /login/passkey`: `POST /login`'s answers.
pub async fn sign_in(
    State(app): State<Arc<Services>>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    browser: BrowserDevices,
    JsonBody(body): JsonBody<PasskeySignInRequest>,
) -> Response {
    let tokens = browser.with_body(body.device_token);
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    match app.passkey_sign_in(&body.credential, &ip, &tokens).await {
        Ok(signed_in_as) if from_page(&headers) => {
            with_session_cookie(see_other(&app.config.app_url), &signed_in_as.session, &app)
        }
        Ok(signed_in_as) => json(
            StatusCode::OK,
            &SignInBody {
                session: session_body(&signed_in_as.session, app.config.default_locale),
                must_change_password: signed_in_as.must_change_password,
            },
        ),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn view(p: &Passkey) -> PasskeyView {
    PasskeyView {
        id: p.id.clone(),
        name: p.name.clone(),
        created_at: rfc3339(p.created_at),
        last_used_at: p.last_used_at.map(rfc3339),
    }
}

fn unauthorized() -> Response {
    ApiError::from(ErrorCode::Unauthorized).into_response()
}

/// `GET /passkeys`: the signed-in user's own.
pub async fn list(State(app): State<Arc<Services>>, CurrentSession(s): CurrentSession) -> Response {
    if let Err(e) = app.relying_party() {
        return ApiError::from(e).into_response();
    }
    let Some((user, _)) = s else {
        return unauthorized();
    };
    json(
        StatusCode::OK,
        &PasskeyList {
            passkeys: user.passkeys.iter().map(view).collect(),
        },
    )
}

/// `POST /passkeys/options`.
pub async fn add_options(
    State(app): State<Arc<Services>>,
    CurrentSession(s): CurrentSession,
) -> Response {
    let Some((user, claims)) = s else {
        return unauthorized();
    };
    options(app.add_passkey_options(&user, &claims).await)
}

/// `POST /passkeys`: `201` with the passkey.
pub async fn add(
    State(app): State<Arc<Services>>,
    CurrentSession(s): CurrentSession,
    JsonBody(body): JsonBody<AddPasskeyRequest>,
) -> Response {
    let Some((user, claims)) = s else {
        return unauthorized();
    };
    match app
        .add_passkey(&user, &claims, &body.credential, body.name)
        .await
    {
        Ok(p) => json(StatusCode::CREATED, &AddedPasskey { passkey: view(&p) }),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// `DELETE /passkeys/{id}`: `204`.
pub async fn remove(
    State(app): State<Arc<Services>>,
    CurrentSession(s): CurrentSession,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = app.relying_party() {
        return ApiError::from(e).into_response();
    }
    let Some((user, _)) = s else {
        return unauthorized();
    };
    match app.remove_passkey(&user, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The pages' passkey script (`templates/passkey.js`).
pub const SCRIPT: &str = include_str!("../../../templates/passkey.js");

/// `GET /passkey.js`: the script the setup, reset and sign-in pages load from their own origin.
pub async fn script() -> Response {
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("text/javascript; charset=utf-8"),
        )],
        SCRIPT,
    )
        .into_response()
}
