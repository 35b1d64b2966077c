//! The two cookies this service sets and reads (API.md, Conventions and "Known devices"): the
//! session and the device tokens. Their names follow the scheme of `PUBLIC_BASE_URL`: over https
//! only `__Host-session` and `__Host-device`, which a browser accepts only from this very host,
//! with `Secure`, `Path=/` and no `Domain`, so a sibling subdomain cannot plant one (a plain
//! `session` cookie set for the parent domain would reach us too); over plain http (the local
//! server) the plain names, since browsers refuse `__Host-` without TLS.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use secrecy::ExposeSecret;

use crate::config::Config;
use crate::domain::device;
use crate::services::Session;

/// A device token lives a year in the browser; it dies earlier with the user's session version.
const DEVICE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// The cookie names for this deployment's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieNames {
    pub session: &'static str,
    pub device: &'static str,
}

impl CookieNames {
    pub fn of(config: &Config) -> Self {
        if config.is_https() {
            Self {
                session: "__Host-session",
                device: "__Host-device",
            }
        } else {
            Self {
                session: "session",
                device: "device",
            }
        }
    }
}

/// Every value of the cookie `name` the request carries (a browser may send two of one name).
pub fn values<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(move |(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session cookie's value. Two of them are none: which one is ours cannot be told.
pub fn session<'a>(headers: &'a HeaderMap, names: &CookieNames) -> Option<&'a str> {
    let mut sessions = values(headers, names.session);
    let first = sessions.next()?;
    sessions.next().is_none().then_some(first)
}

/// The device tokens the request's device cookie holds (every user of that browser's).
pub fn device_tokens<'a>(headers: &'a HeaderMap, names: &CookieNames) -> Vec<&'a str> {
    values(headers, names.device)
        .flat_map(device::cookie_tokens)
        .take(device::MAX_USERS_PER_COOKIE)
        .collect()
}

fn set(r: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the session cookie and the device cookie of a sign-in on `r`. The device cookie holds
/// this user's new token; [`keep_other_users`] adds the other users' tokens the browser held.
pub fn sign_in(mut r: Response, session: &Session, names: &CookieNames) -> Response {
    set(
        &mut r,
        format!(
            "{}={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={}",
            names.session,
            session.jwt.expose_secret(),
            session.expires_in
        ),
    );
    set(
        &mut r,
        device_cookie(names, session.device_token.expose_secret()),
    );
    r
}

fn device_cookie(names: &CookieNames, value: &str) -> String {
    format!(
        "{}={value}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={DEVICE_MAX_AGE}",
        names.device
    )
}

/// A response that sets a new device token keeps the tokens of the browser's other users
/// (`held`: the request's device cookie's tokens; a crew's shared phone holds up to five), this
/// user's older one replaced. One place for every route that signs in.
pub fn keep_other_users(mut r: Response, held: &[String], names: &CookieNames) -> Response {
    let prefix = format!("{}=", names.device);
    let Some(index) = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .position(|v| v.to_str().is_ok_and(|v| v.starts_with(&prefix)))
    else {
        return r;
    };
    let cookies: Vec<HeaderValue> = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    let new_token = cookies[index]
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix(&prefix))
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let merged = device::cookie_with(Some(&held.join("~")), &new_token);
    r.headers_mut().remove(header::SET_COOKIE);
    for (i, cookie) in cookies.into_iter().enumerate() {
        if i == index {
            set(&mut r, device_cookie(names, &merged));
        } else {
            r.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    r
}

/// Ends the browser's session (the device cookie stays: a known device is not a session).
pub fn sign_out(mut r: Response, names: &CookieNames) -> Response {
    set(
        &mut r,
        format!(
            "{}=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0",
            names.session
        ),
    );
    r
}
