//! Reading requests at the edge, as axum extractors: JSON bodies and the pages' forms (decoded
//! strictly: a repeated field, a malformed percent-escape or a NUL is a `400`, never guessed at),
//! a link's token, the admin behind a bearer session, cookies and the client's address.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, HeaderMap};
use lambda_http::request::RequestContext;
use serde_json::{Map, Value};
use std::sync::Arc;

use super::cookies::{self, CookieNames};
use super::json;
use super::respond::{Format, Refusal};
use super::{ApiError, ErrorCode, MAX_BODY_BYTES};
use crate::domain::User;
use crate::services::Services;

/// A request body's fields, parsed by its media type.
pub enum Fields {
    Json(Map<String, Value>),
    Form(Vec<(String, String)>),
}

/// A typed input, read from a body's fields; refusals name the field at fault.
pub trait FromFields: Sized {
    fn from_fields(fields: &Fields) -> Result<Self, ApiError>;
}

pub(crate) const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

pub(crate) fn media_type(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        raw.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

/// A JSON body (whatever its parameters): what no page can post to another origin unasked.
pub fn is_json(headers: &HeaderMap) -> bool {
    media_type(headers).as_deref() == Some(JSON)
}

async fn body_text(req: Request) -> Result<String, ApiError> {
    body_text_up_to(req, MAX_BODY_BYTES).await
}

/// The body as text, refused (`413`) past `limit` bytes or (`400`) when it is not UTF-8.
pub(crate) async fn body_text_up_to(req: Request, limit: usize) -> Result<String, ApiError> {
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            // The limit's error may come wrapped by the layers the body passed through.
            let mut cause = std::error::Error::source(&e);
            let mut too_large = false;
            while let Some(c) = cause {
                too_large |= c.is::<http_body_util::LengthLimitError>();
                cause = c.source();
            }
            if too_large {
                ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("The request body is larger than {} KiB.", limit / 1024),
                )
            } else {
                ApiError::bad_request("The body could not be read.")
            }
        })?;
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("The body is not valid UTF-8."))
}

/// Reads the body as JSON (or, with `allow_form`, as a page's form).
async fn read_fields(req: Request, allow_form: bool) -> Result<Fields, ApiError> {
    let accepted = if allow_form {
        "application/json or application/x-www-form-urlencoded"
    } else {
        JSON
    };
    match media_type(req.headers()).as_deref() {
        Some(JSON) => match json::parse(&body_text(req).await?) {
            Ok(Value::Object(map)) => Ok(Fields::Json(map)),
            Ok(_) => Err(ApiError::bad_request("The body must be a JSON object.")),
            Err(problem) => Err(problem.into()),
        },
        Some(FORM) if allow_form => {
            let form = parse_form(&body_text(req).await?)?;
            // The language of the page the form was sent from: the page answering it speaks it.
            if let Some((_, lang)) = form.iter().find(|(k, _)| k == "lang") {
                let guessed = form
                    .iter()
                    .any(|(k, v)| k == "langGuessed" && !v.is_empty());
                super::lang::record_form(lang, guessed);
            }
            Ok(Fields::Form(form))
        }
        _ => Err(ApiError::unsupported_media_type(accepted)),
    }
}

/// Decodes `application/x-www-form-urlencoded` strictly: a percent-escape that is malformed or
/// decodes to bytes that are not UTF-8 is refused, not replaced.
pub fn parse_form(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    fn decode(part: &str) -> Result<String, ApiError> {
        let bad = || ApiError::bad_request("The form is not valid UTF-8 once decoded.");
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                    let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                    out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                    i += 2;
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| bad())
    }
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode(k)?, decode(v)?))
        })
        .collect()
}

impl Fields {
    /// A string field: `Ok(None)` when absent (or JSON null), 400 naming the field when it is of
    /// another type, repeated in a form, or holds a NUL.
    pub fn string(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        let value = match self {
            Fields::Json(map) => match map.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    return Err(ApiError::invalid(
                        name,
                        format!("`{name}` must be a string."),
                    ))
                }
            },
            Fields::Form(pairs) => {
                let mut found = pairs.iter().filter(|(k, _)| k == name);
                let first = found.next().map(|(_, v)| v.clone());
                if found.next().is_some() {
                    return Err(ApiError::invalid(
                        name,
                        format!("`{name}` is given more than once."),
                    ));
                }
                first
            }
        };
        if value.as_deref().is_some_and(|v| v.contains('\0')) {
            return Err(ApiError::invalid(
                name,
                format!("`{name}` contains a NUL character."),
            ));
        }
        Ok(value)
    }

    /// A string field that may be cleared: `None` when absent, `Some(None)` for JSON `null`,
    /// `Some(Some(..))` for a string (400 naming the field for anything else).
    pub fn nullable_string(&self, name: &'static str) -> Result<Option<Option<String>>, ApiError> {
        if let Fields::Json(map) = self {
            match map.get(name) {
                None => return Ok(None),
                Some(Value::Null) => return Ok(Some(None)),
                Some(_) => {}
            }
        }
        Ok(self.string(name)?.map(Some))
    }

    /// A whole-number JSON field: `Ok(None)` when absent (or null), 400 naming the field when it
    /// is anything but an integer (a form's field is refused: only the JSON API has numbers).
    pub fn integer(&self, name: &'static str) -> Result<Option<i64>, ApiError> {
        let not_a_number = || ApiError::invalid(name, format!("`{name}` must be a whole number."));
        match self {
            Fields::Json(map) => match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(not_a_number),
                Some(_) => Err(not_a_number()),
            },
            Fields::Form(_) => match self.string(name)? {
                None => Ok(None),
                Some(_) => Err(not_a_number()),
            },
        }
    }

    pub fn required(&self, name: &'static str) -> Result<String, ApiError> {
        self.string(name)?
            .ok_or_else(|| ApiError::invalid(name, format!("`{name}` is required.")))
    }

    /// A JSON object field as its JSON text (a passkey's `credential`, read as it came):
    /// `Ok(None)` when absent (or null), 400 naming the field for anything but an object.
    pub fn object(&self, name: &'static str) -> Result<Option<Vec<u8>>, ApiError> {
        let refuse = || ApiError::invalid(name, format!("`{name}` must be a JSON object."));
        match self {
            Fields::Json(map) => match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(v @ Value::Object(_)) => serde_json::to_vec(v).map(Some).map_err(|_| refuse()),
                Some(_) => Err(refuse()),
            },
            Fields::Form(_) => Err(refuse()),
        }
    }

    /// A JSON array of strings (a webhook's `events`): `Ok(None)` when absent (or null), 400
    /// naming the field for anything else, or any element that is not a string or holds a NUL.
    pub fn strings(&self, name: &'static str) -> Result<Option<Vec<String>>, ApiError> {
        let refuse = || ApiError::invalid(name, format!("`{name}` must be a list of strings."));
        match self {
            Fields::Json(map) => match map.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|item| match item {
                        Value::String(s) if !s.contains('\0') => Ok(s.clone()),
                        _ => Err(refuse()),
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(Some),
                Some(_) => Err(refuse()),
            },
            Fields::Form(_) => Err(refuse()),
        }
    }

    /// A yes/no field: JSON `true`/`false`, or a form's `1`, `true` or `on` (a checkbox) and
    /// `0`, `false` or empty. Absent is `false`.
    pub fn flag(&self, name: &'static str) -> Result<bool, ApiError> {
        let refuse = || ApiError::invalid(name, format!("`{name}` must be true or false."));
        match self {
            Fields::Json(map) => match map.get(name) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(refuse()),
            },
            Fields::Form(_) => match self.string(name)?.as_deref() {
                None | Some("" | "0" | "false") => Ok(false),
                Some("1" | "true" | "on") => Ok(true),
                Some(_) => Err(refuse()),
            },
        }
    }

    pub fn is_form(&self) -> bool {
        matches!(self, Fields::Form(_))
    }
}

/// A JSON object body, for the admin API (not axum's `Json`: this one reads keys strictly and
/// refuses in the contract's shape).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: FromFields> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let fields = read_fields(req, false).await?;
        T::from_fields(&fields).map(JsonBody)
    }
}

/// A JSON object body that may be left out altogether: a request with no `Content-Type` and no
/// body reads as `{}`. Anything sent is held to [`JsonBody`]'s rules.
pub struct OptionalJsonBody<T>(pub T);

impl<S: Send + Sync, T: FromFields> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if req.headers().contains_key(header::CONTENT_TYPE) {
            return JsonBody::<T>::from_request(req, state)
                .await
                .map(|JsonBody(t)| Self(t));
        }
        absent_body(req).await.map(Self)
    }
}

/// The input of a request sent without a `Content-Type`: its body must be empty too, and it
/// reads as `{}` (an API caller's bare `POST`).
async fn absent_body<T: FromFields>(req: Request) -> Result<T, ApiError> {
    if body_text(req).await?.is_empty() {
        T::from_fields(&Fields::Json(Map::new()))
    } else {
        Err(ApiError::unsupported_media_type(JSON))
    }
}

/// A query string's fields, decoded as strictly as a form (a repeated field is a `400` too).
pub struct QueryFields(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for QueryFields {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs = parse_form(parts.uri.query().unwrap_or(""))?;
        Ok(Self(Fields::Form(pairs)))
    }
}

/// A JSON body or the form of one of the pages. `format` says how to answer ([`Format::of`]).
pub struct Submitted<T> {
    pub format: Format,
    pub input: T,
}

impl<S: Send + Sync, T: FromFields> FromRequest<S> for Submitted<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, _: &S) -> Result<Self, Refusal> {
        let format = Format::of(req.headers());
        let refuse = |error| Refusal { format, error };
        let fields = read_fields(req, true).await.map_err(refuse)?;
        let input = T::from_fields(&fields).map_err(refuse)?;
        Ok(Self { format, input })
    }
}

/// Like [`Submitted`], for an endpoint whose body is optional: a request with no body and no
/// `Content-Type` (an API caller's bare `POST`) reads as an empty JSON object, answered in the
/// format [`Format::of`] picks.
pub struct MaybeSubmitted<T>(pub Submitted<T>);

impl<S: Send + Sync, T: FromFields> FromRequest<S> for MaybeSubmitted<T> {
    type Rejection = Refusal;

    async fn from_request(req: Request, state: &S) -> Result<Self, Refusal> {
        if !req.headers().contains_key(header::CONTENT_TYPE) {
            let format = Format::of(req.headers());
            let input = absent_body(req)
                .await
                .map_err(|error| Refusal { format, error })?;
            return Ok(Self(Submitted { format, input }));
        }
        Submitted::from_request(req, state).await.map(Self)
    }
}

/// The `token` of a link's query string; `None` when absent or not decodable, which the page
/// shows as an incomplete link.
pub struct LinkToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for LinkToken {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .uri
            .query()
            .and_then(|q| parse_form(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "token"))
            .map(|(_, v)| v);
        Ok(Self(token))
    }
}

/// The bearer token of `Authorization`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The admin behind a bearer session: `401` without a valid one, `403` for anyone else.
pub struct Admin(pub User);

impl FromRequestParts<Arc<Services>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<Services>) -> Result<Self, ApiError> {
        let admin = app.admin_for_session(bearer(&parts.headers)).await?;
        Ok(Self(admin))
    }
}

/// The request's session token: a Bearer token (API callers), or else the session cookie (the
/// pages), named for the deployment's scheme (`cookies`). Two session cookies are none: a
/// sibling subdomain can plant a second one for the parent domain (cookie tossing), and which
/// one is ours cannot be told.
pub fn session_token<'a>(headers: &'a HeaderMap, names: &CookieNames) -> Option<&'a str> {
    if let Some(token) = bearer(headers) {
        return Some(token);
    }
    cookies::session(headers, names)
}

/// The device tokens a request carries in its device cookie (a browser's, up to five users'),
/// for sign-in, forgot-password and a password change to tell a known device (API.md, "Known
/// devices").
pub struct BrowserDevices(pub Vec<String>);

impl BrowserDevices {
    /// Every device token the request carries: an app's `deviceToken` in its body, then the
    /// browser's in its cookie.
    pub fn with_body(self, body: Option<String>) -> Vec<String> {
        body.into_iter().chain(self.0).collect()
    }
}

impl FromRequestParts<Arc<Services>> for BrowserDevices {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<Services>,
    ) -> Result<Self, Self::Rejection> {
        let names = CookieNames::of(&app.config);
        Ok(Self(
            cookies::device_tokens(&parts.headers, &names)
                .into_iter()
                .map(str::to_owned)
                .collect(),
        ))
    }
}

/// The user behind the request's session: a Bearer token (API callers) or else the `session`
/// cookie (the pages), if it is valid now and still current. `None` when there is none.
/// A store failure while checking is refused (503) in the format the request wants.
pub struct CurrentUser(pub Option<User>);

impl FromRequestParts<Arc<Services>> for CurrentUser {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<Services>) -> Result<Self, Refusal> {
        let Some(jwt) = session_token(&parts.headers, &CookieNames::of(&app.config)) else {
            return Ok(Self(None));
        };
        let format = Format::of(&parts.headers);
        app.user_for_session(jwt)
            .await
            .map(Self)
            .map_err(|e| Refusal {
                format,
                error: e.into(),
            })
    }
}

/// [`CurrentUser`], with the session's claims (when and how the user proved who they are).
pub struct CurrentSession(pub Option<(User, crate::domain::Claims)>);

impl FromRequestParts<Arc<Services>> for CurrentSession {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<Services>) -> Result<Self, Refusal> {
        let Some(jwt) = session_token(&parts.headers, &CookieNames::of(&app.config)) else {
            return Ok(Self(None));
        };
        let format = Format::of(&parts.headers);
        app.session_case()
            .session_of(jwt)
            .await
            .map(Self)
            .map_err(|e| Refusal {
                format,
                error: e.into(),
            })
    }
}

/// The address a request came from, for rate limits: the local server's socket (which it puts
/// in the request's extensions), or API Gateway's `sourceIp`. Never a forwarded-for header, which the
/// client writes itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        if let Some(ip) = parts.extensions.get::<ClientIp>() {
            return Ok(ip.clone());
        }
        let ip = match parts.extensions.get::<RequestContext>() {
            Some(RequestContext::ApiGatewayV2(ctx)) => {
                ctx.http.source_ip.clone().unwrap_or_default()
            }
            _ => "unknown".to_owned(),
        };
        Ok(Self(ip))
    }
}
