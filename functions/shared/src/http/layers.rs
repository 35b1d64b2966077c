//! What every response shares, as tower layers written once and applied to every router (each
//! function's and the local server's): the contract's security headers (HSTS when served over
//! https), the refusal of forms posted from another site, the body limit, a timeout, request
//! tracing by route pattern, and the contract's error shape for the bare answers routing and
//! these layers give (404, 405, 413, 503).

use axum::body::{Body, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tracing::Span;

use super::cookies::{self, CookieNames};
use super::extract::is_json;
use super::respond::Format;
use super::{body_limit, pages, ApiError, ErrorCode};
use crate::config::Config;

/// A request that takes longer is answered `503` and dropped: a hung dependency must not hold a
/// tech's phone (or a Lambda) until its own timeout. Below the functions' `Timeout` in
/// template.yaml (a test holds it there), so the contract's 503 wins the race against Lambda's.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// Two years, subdomains included (API.md, Conventions): once a browser has seen this service
/// over https it never tries plain http, so a network attacker cannot strip TLS on a later visit.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// What a person sees when a form reached us from another site's page.
pub const CROSS_SITE_FORM: &str =
    "This form was sent from another site, so nothing was done. Open this site's own page and try again.";

/// `router` with every layer, and a fallback that answers `404` in the contract's shape.
pub fn apply(router: Router, config: &Config) -> Router {
    let csp = HeaderValue::from_str(&pages::content_security_policy(config.app_origin()))
        .expect("the CSP is a valid header value");
    let static_header = |name, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    // Only over https: on the local server's plain http a browser ignores it anyway, and sending
    // it for `localhost` would pin every other local project to https.
    let hsts = config
        .is_https()
        .then(|| HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    let own_origin: Arc<str> = Arc::from(config.public_origin());
    router.fallback(not_found).layer(
        ServiceBuilder::new()
            .layer(
                // The route pattern, never the URI: query strings carry tokens. No header or
                // body is recorded: they carry passwords, tokens and sessions.
                TraceLayer::new_for_http()
                    .make_span_with(|req: &Request| {
                        let route = req
                            .extensions()
                            .get::<MatchedPath>()
                            .map_or("-", MatchedPath::as_str);
                        tracing::info_span!("request", method = %req.method(), route)
                    })
                    .on_request(())
                    .on_response(|res: &Response, latency: Duration, _: &Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            micros = latency.as_micros() as u64,
                            "request"
                        );
                    })
                    .on_body_chunk(())
                    .on_eos(())
                    .on_failure(()),
            )
            .layer(middleware::from_fn_with_state(
                (config.is_https(), config.langs()),
                super::lang::page_language,
            ))
            .layer(SetResponseHeaderLayer::overriding(
                header::CACHE_CONTROL,
                |res: &Response| Some(cache_control(res)),
            ))
            .layer(static_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(static_header(header::REFERRER_POLICY, "no-referrer"))
            .layer(static_header(header::X_FRAME_OPTIONS, "DENY"))
            .layer(SetResponseHeaderLayer::overriding(
                header::STRICT_TRANSPORT_SECURITY,
                move |_: &Response| hsts.clone(),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                move |res: &Response| is_html(res).then(|| csp.clone()),
            ))
            .layer(middleware::from_fn(contract_errors))
            .layer(middleware::from_fn(one_host_one_origin))
            .layer(middleware::from_fn_with_state(
                CookieNames::of(config),
                keep_other_users_devices,
            ))
            .layer(middleware::from_fn_with_state(own_origin, same_site_forms))
            .layer(middleware::from_fn(limit_body))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                REQUEST_TIMEOUT,
            )),
    )
}

/// tower-http's `RequestBodyLimitLayer`, with the limit of the request's route
/// ([`body_limit`]): a body that streams in (the local server's chunked requests) is cut off at
/// the limit, and its reader answers `413`. A body known to be too large never gets here
/// ([`contract_errors`] refuses it first).
async fn limit_body(req: Request, next: Next) -> Response {
    let limit = body_limit(req.method(), req.uri().path());
    next.run(req.map(|body| Body::new(http_body_util::Limited::new(body, limit))))
        .await
}

/// A response a handler marks as cacheable for so many seconds by anyone (the JWKS); every
/// other response is `no-store`.
#[derive(Debug, Clone, Copy)]
pub struct CacheFor(pub u32);

fn cache_control(res: &Response) -> HeaderValue {
    match res.extensions().get::<CacheFor>() {
        Some(CacheFor(secs)) if res.status().is_success() => {
            HeaderValue::from_str(&format!("public, max-age={secs}"))
                .expect("a number makes a valid header value")
        }
        _ => HeaderValue::from_static("no-store"),
    }
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

/// Login CSRF and its kin: another site's page must not post our forms (sign-in, setup, reset,
/// forgot) with the attacker's own password or token and so sign the visitor into the
/// attacker's account, or send emails in their name. Browsers say where a request comes from;
/// a form posted from anywhere but the public base URL's origin is refused before any handler
/// runs, so nothing changes. JSON is left alone: a browser sends `application/json` to another
/// origin only after a CORS preflight, which this service never grants, and API callers (curl,
/// the app's back end, Bearer calls) send neither header. Everything that is not JSON counts as
/// a form, since a page can post urlencoded, multipart or plain text without a preflight.
async fn same_site_forms(State(own_origin): State<Arc<str>>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    if req.method() == Method::POST && !is_json(headers) && from_another_site(headers, &own_origin)
    {
        tracing::warn!(
            status = StatusCode::FORBIDDEN.as_u16(),
            "form posted from another site refused"
        );
        let error = ApiError::new(ErrorCode::Forbidden, CROSS_SITE_FORM);
        return error.to(Format::of(headers));
    }
    next.run(req).await
}

/// Every route that signs in sets this user's device token; the browser's other users' tokens
/// (a crew's shared phone) are kept beside it here, in one place (`cookies::keep_other_users`).
async fn keep_other_users_devices(
    State(names): State<CookieNames>,
    req: Request,
    next: Next,
) -> Response {
    let held: Vec<String> = cookies::device_tokens(req.headers(), &names)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let response = next.run(req).await;
    if held.is_empty() {
        return response;
    }
    cookies::keep_other_users(response, &held, &names)
}

/// A request with two `Host` or two `Origin` headers (API.md, Conventions): which copy counts
/// depends on who reads it (the cross-site check took the first `Origin`, a proxy may take the
/// last), so neither is trusted. No browser sends such a request. `400`, in the contract's shape
/// (`contract_errors` dresses the bare status).
async fn one_host_one_origin(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let repeated = |name| headers.get_all(name).iter().nth(1).is_some();
    if repeated(header::HOST) || repeated(header::ORIGIN) {
        tracing::warn!(
            status = StatusCode::BAD_REQUEST.as_u16(),
            "request with a repeated Host or Origin header refused"
        );
        return StatusCode::BAD_REQUEST.into_response();
    }
    next.run(req).await
}

/// `Sec-Fetch-Site` (every current browser sends it) decides when present: `cross-site` or
/// `same-site` (a sibling host is another origin) is refused. An `Origin` that is not ours is
/// refused too, except `null`: our own pages send `Referrer-Policy: no-referrer`, under which
/// browsers post even a same-origin form with `Origin: null`, so `null` alone proves nothing
/// (with fetch metadata, a `null` from another site's sandboxed frame says `cross-site` and is
/// refused above). A request with neither header comes from no browser page, or from a browser
/// too old to tell.
fn from_another_site(headers: &HeaderMap, own_origin: &str) -> bool {
    let fetch_site = headers.get("sec-fetch-site").map(HeaderValue::as_bytes);
    if fetch_site.is_some_and(|s| {
        s.eq_ignore_ascii_case(b"cross-site") || s.eq_ignore_ascii_case(b"same-site")
    }) {
        return true;
    }
    headers.get(header::ORIGIN).is_some_and(|o| {
        !o.to_str()
            .is_ok_and(|o| o == "null" || o.eq_ignore_ascii_case(own_origin))
    })
}

fn content_type(res: &Response) -> &str {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn is_html(res: &Response) -> bool {
    content_type(res).starts_with("text/html")
}

/// Gives a bare error answer (from routing, the body limit, the timeout or an extractor of the
/// framework's) the contract's shape: JSON, or a page for a browser. Its status and headers
/// (`Allow` on a 405) stay.
async fn contract_errors(req: Request, next: Next) -> Response {
    let format = Format::of(req.headers());
    let limit = body_limit(req.method(), req.uri().path());
    // A body known to be too large is refused whether or not the route reads bodies (on Lambda
    // the body is in memory and its size exact; locally, when Content-Length says so).
    let response = if req.body().size_hint().lower() > limit as u64 {
        StatusCode::PAYLOAD_TOO_LARGE.into_response()
    } else {
        next.run(req).await
    };
    let status = response.status();
    let ours = is_html(&response) || content_type(&response).starts_with("application/json");
    if ours || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::SERVICE_UNAVAILABLE => {
            tracing::error!(
                status = status.as_u16(),
                "request timed out or could not be served"
            );
            ErrorCode::ServiceUnavailable
        }
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::InvalidRequest,
    };
    let error = match code {
        ErrorCode::PayloadTooLarge => ApiError::new(
            code,
            format!("The request body is larger than {} KiB.", limit / 1024),
        ),
        code => ApiError::from(code),
    };
    let (parts, _) = response.into_parts();
    let mut answer = error.to(format);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    *answer.status_mut() = status;
    answer.into_response()
}
