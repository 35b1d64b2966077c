//! One router from (method, path) to handlers that take a `lambda_http::Request`. The Lambda
//! functions and the local server call the very same `App::handle`.

pub mod error;
pub(crate) mod handlers;
pub mod limits;
pub mod pages;
pub mod request;

use chrono::{DateTime, Utc};
use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;
use std::time::Instant;

pub use error::ApiError;

use crate::config::Config;
use crate::domain::{PasswordPolicy, SessionKeys};
use crate::hashing::{HashError, PasswordHasher};
use crate::ports::{Clock, Mailer, Store};

/// Request bodies over this are refused with 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The Lambda function that serves a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Function {
    CreateUser,
    RedeemToken,
    Login,
}

impl Function {
    pub fn name(self) -> &'static str {
        match self {
            Self::CreateUser => "create-user",
            Self::RedeemToken => "redeem-token",
            Self::Login => "login",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    CreateUser,
    ResendInvite,
    GetUser,
    PasswordPage(pages::PasswordPage),
    RedeemToken(pages::PasswordPage),
    LoginPage,
    Login,
    ForgotPage,
    Forgot,
}

/// One route of the contract.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// With `{id}` for one path segment, as API Gateway writes it.
    pub path: &'static str,
    pub function: Function,
    pub(crate) handler: Handler,
}

use pages::PasswordPage::{Reset, Setup};

/// Every route of API.md, and the function behind it. `template.yaml` must say the same.
pub const ROUTES: &[Route] = &[
    Route {
        method: "POST",
        path: "/users",
        function: Function::CreateUser,
        handler: Handler::CreateUser,
    },
    Route {
        method: "POST",
        path: "/users/{id}/invite",
        function: Function::CreateUser,
        handler: Handler::ResendInvite,
    },
    Route {
        method: "GET",
        path: "/users/{id}",
        function: Function::CreateUser,
        handler: Handler::GetUser,
    },
    Route {
        method: "GET",
        path: "/setup",
        function: Function::RedeemToken,
        handler: Handler::PasswordPage(Setup),
    },
    Route {
        method: "POST",
        path: "/setup",
        function: Function::RedeemToken,
        handler: Handler::RedeemToken(Setup),
    },
    Route {
        method: "GET",
        path: "/reset",
        function: Function::RedeemToken,
        handler: Handler::PasswordPage(Reset),
    },
    Route {
        method: "POST",
        path: "/reset",
        function: Function::RedeemToken,
        handler: Handler::RedeemToken(Reset),
    },
    Route {
        method: "GET",
        path: "/login",
        function: Function::Login,
        handler: Handler::LoginPage,
    },
    Route {
        method: "POST",
        path: "/login",
        function: Function::Login,
        handler: Handler::Login,
    },
    Route {
        method: "GET",
        path: "/password/forgot",
        function: Function::Login,
        handler: Handler::ForgotPage,
    },
    Route {
        method: "POST",
        path: "/password/forgot",
        function: Function::Login,
        handler: Handler::Forgot,
    },
];

/// Matches `path` against a route pattern, returning the `{id}` segment if there is one.
fn match_path<'a>(pattern: &str, path: &'a str) -> Option<Option<&'a str>> {
    let mut id = None;
    let mut p = pattern.split('/');
    let mut s = path.split('/');
    loop {
        match (p.next(), s.next()) {
            (None, None) => return Some(id),
            (Some("{id}"), Some(seg)) if !seg.is_empty() => id = Some(seg),
            (Some(a), Some(b)) if a == b => {}
            _ => return None,
        }
    }
}

pub enum Matched {
    Route(&'static Route, Option<String>),
    WrongMethod(Vec<&'static str>),
    NotFound,
}

/// Finds the route for a request among `routes`.
pub fn find_route(routes: &[&'static Route], method: &Method, path: &str) -> Matched {
    let mut allowed = Vec::new();
    for route in routes {
        if let Some(id) = match_path(route.path, path) {
            if route.method == method.as_str() {
                return Matched::Route(route, id.map(str::to_owned));
            }
            allowed.push(route.method);
        }
    }
    if allowed.is_empty() {
        Matched::NotFound
    } else {
        Matched::WrongMethod(allowed)
    }
}

/// Everything a handler needs, built once at start and shared by every request.
pub struct App {
    pub config: Config,
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub hasher: PasswordHasher,
    pub sessions: SessionKeys,
    pub policy: PasswordPolicy,
    routes: Vec<&'static Route>,
    csp: String,
}

/// The address a request came from, for rate limits; set by the local server or read from
/// API Gateway's request context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIp(pub String);

impl App {
    /// `serves`: the functions whose routes this instance answers (all of them locally).
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        serves: &[Function],
    ) -> Result<Self, HashError> {
        let hasher = PasswordHasher::new(config.argon2)?;
        let sessions = SessionKeys::new(
            &config.session_signing_key,
            &config.session_issuer,
            &config.session_audience,
            config.session_ttl,
        );
        let routes = ROUTES
            .iter()
            .filter(|r| serves.contains(&r.function))
            .collect();
        let csp = pages::content_security_policy(config.app_origin());
        Ok(Self {
            policy: config.password_policy,
            config,
            store,
            mailer,
            clock,
            hasher,
            sessions,
            routes,
            csp,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn routes(&self) -> &[&'static Route] {
        &self.routes
    }

    /// The one entry point: every request of every function and of the local server.
    pub async fn handle(&self, req: Request) -> Response<Body> {
        let started = Instant::now();
        let method = req.method().clone();
        let wants_html = request::wants_html(&req);
        let (route_path, mut response) = if req.body().len() > MAX_BODY_BYTES {
            (
                "-",
                self.error_response(&ApiError::payload_too_large(), wants_html),
            )
        } else {
            match find_route(&self.routes, &method, req.uri().path()) {
                Matched::Route(route, id) => {
                    let html = request::is_page(route, &req);
                    let outcome =
                        handlers::dispatch(self, route.handler, &req, id.as_deref()).await;
                    let response = outcome.unwrap_or_else(|e| self.error_response(&e, html));
                    (route.path, response)
                }
                Matched::WrongMethod(allowed) => {
                    let mut r = self.error_response(&ApiError::method_not_allowed(), wants_html);
                    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
                        r.headers_mut().insert(header::ALLOW, v);
                    }
                    ("-", r)
                }
                Matched::NotFound => ("-", self.error_response(&ApiError::not_found(), wants_html)),
            }
        };
        self.secure(&mut response);
        // The route pattern, never the raw URI: query strings carry tokens.
        tracing::info!(
            method = %method,
            route = route_path,
            status = response.status().as_u16(),
            micros = started.elapsed().as_micros() as u64,
            "request"
        );
        response
    }

    /// The headers every response carries; pages also get the CSP.
    pub fn secure(&self, response: &mut Response<Body>) {
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        let is_html = h
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/html"));
        if is_html {
            if let Ok(v) = HeaderValue::from_str(&self.csp) {
                h.insert(header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }

    pub fn error_response(&self, e: &ApiError, html: bool) -> Response<Body> {
        let mut r = if html {
            let heading = match e.status {
                StatusCode::NOT_FOUND => "Page not found",
                StatusCode::TOO_MANY_REQUESTS => "Please wait a moment",
                s if s.is_server_error() => "Something went wrong",
                _ => "That didn't work",
            };
            html_response(e.status, pages::message(heading, &e.message))
        } else {
            json_response(e.status, &e.body())
        };
        if let Some(secs) = e.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Body> {
    let mut r = Response::new(Body::Text(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub fn html_response(status: StatusCode, html: String) -> Response<Body> {
    let mut r = Response::new(Body::Text(html));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

/// `303 See Other` to `location`.
pub fn see_other(location: &str) -> Response<Body> {
    let mut r = Response::new(Body::Empty);
    *r.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// The `session` cookie of API.md.
pub fn session_cookie(jwt: &str, max_age_secs: i64) -> String {
    format!("session={jwt}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age={max_age_secs}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_patterns_with_one_id_segment() {
        assert_eq!(match_path("/users/{id}", "/users/abc"), Some(Some("abc")));
        assert_eq!(
            match_path("/users/{id}/invite", "/users/abc/invite"),
            Some(Some("abc"))
        );
        assert_eq!(match_path("/users/{id}", "/users/"), None);
        assert_eq!(match_path("/users/{id}", "/users/a/b"), None);
        assert_eq!(match_path("/users", "/users"), Some(None));
        assert_eq!(match_path("/users", "/users/"), None);
    }
}
