//! Reading requests at the edge: media types, JSON or form bodies, query strings, bearer tokens,
//! cookies and the client's address. Everything here refuses bad input with the contract's error.

use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use serde_json::{Map, Value};

use super::{ApiError, ClientIp, Route};

/// A request body, parsed by its media type.
pub enum Body {
    Json(Map<String, Value>),
    Form(Vec<(String, String)>),
}

fn media_type(req: &Request) -> Option<String> {
    let raw = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        raw.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase(),
    )
}

pub fn is_form(req: &Request) -> bool {
    media_type(req).as_deref() == Some("application/x-www-form-urlencoded")
}

/// Browsers asking for a page get a page, not JSON.
pub fn wants_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// Whether errors on this route answer with a page: the pages, and forms posted from them.
pub(crate) fn is_page(route: &Route, req: &Request) -> bool {
    let page_route = matches!(
        route.path,
        "/setup" | "/reset" | "/login" | "/password/forgot"
    );
    page_route && (route.method == "GET" || is_form(req))
}

/// Parses a JSON object body; `allow_form` also takes the pages' forms.
pub fn parse_body(req: &Request, allow_form: bool) -> Result<Body, ApiError> {
    let accepted = if allow_form {
        "application/json or application/x-www-form-urlencoded"
    } else {
        "application/json"
    };
    match media_type(req).as_deref() {
        Some("application/json") => {
            let text = std::str::from_utf8(req.body().as_ref())
                .map_err(|_| ApiError::bad_request("The body is not valid UTF-8."))?;
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => Ok(Body::Json(map)),
                Ok(_) => Err(ApiError::bad_request("The body must be a JSON object.")),
                Err(_) => Err(ApiError::bad_request("The body is not valid JSON.")),
            }
        }
        Some("application/x-www-form-urlencoded") if allow_form => {
            let text = std::str::from_utf8(req.body().as_ref())
                .map_err(|_| ApiError::bad_request("The form is not valid UTF-8."))?;
            parse_form(text).map(Body::Form)
        }
        _ => Err(ApiError::unsupported_media_type(accepted)),
    }
}

/// Decodes `application/x-www-form-urlencoded` strictly: a percent-escape that is malformed or
/// decodes to bytes that are not UTF-8 is refused, not replaced.
fn parse_form(text: &str) -> Result<Vec<(String, String)>, ApiError> {
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

impl Body {
    /// A string field: `Ok(None)` when absent (or JSON null), 400 naming the field when it is of
    /// another type, repeated in a form, or holds a NUL.
    pub fn string(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        let value = match self {
            Body::Json(map) => match map.get(name) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    return Err(ApiError::invalid(
                        name,
                        format!("`{name}` must be a string."),
                    ))
                }
            },
            Body::Form(pairs) => {
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

    pub fn required(&self, name: &'static str) -> Result<String, ApiError> {
        self.string(name)?
            .ok_or_else(|| ApiError::invalid(name, format!("`{name}` is required.")))
    }

    pub fn is_form(&self) -> bool {
        matches!(self, Body::Form(_))
    }
}

/// A query parameter, decoded; `None` when absent.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    let pairs = parse_form(query).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The bearer token of `Authorization`.
pub fn bearer(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// A cookie's value by name.
pub fn cookie<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The client's address: the local server's socket, or API Gateway's `sourceIp`. Never a
/// forwarded-for header, which the client writes itself.
pub fn client_ip(req: &Request) -> String {
    if let Some(ClientIp(ip)) = req.extensions().get::<ClientIp>() {
        return ip.clone();
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.clone().unwrap_or_default(),
        _ => "unknown".to_owned(),
    }
}
