//! HTTP: one axum `Router` built from the route table, served by `lambda_http::run` in each
//! function (with only that function's routes) and by `axum::serve` in the local server.

pub mod contract;
pub mod cookies;
pub mod error;
pub mod extract;
pub(crate) mod handlers;
pub mod json;
pub mod lang;
pub mod layers;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod pages;
pub mod respond;
mod routes;

use axum::routing::{delete, get, patch, post, MethodRouter};
use axum::Router;
use std::sync::Arc;

pub use error::{ApiError, ErrorCode};
pub use extract::ClientIp;
use routes::{Endpoint, BATCH_PATH};
pub use routes::{Function, Route, ROUTES};

use crate::config::Config;
use crate::ports::{BreachedPasswords, Clock, Mailer, Store, Texter};
use crate::services::{Services, StartError};

/// Request bodies over this are refused with 413 (but see [`body_limit`]).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A crew's batch: [`crate::services::MAX_BATCH_ROWS`] rows of up to 1 KiB each.
pub const MAX_BATCH_BODY_BYTES: usize = 512 * 1024;

/// The largest body a request may carry: [`MAX_BODY_BYTES`], except a crew's batch. Decided by
/// method and path before routing, so a body is cut off at the same size wherever it is read.
pub fn body_limit(method: &axum::http::Method, path: &str) -> usize {
    if method == axum::http::Method::POST && path == BATCH_PATH {
        MAX_BATCH_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// What answers an endpoint, as axum routes it.
type Handler = MethodRouter<Arc<Services>>;

/// The routes one binary serves, and the handlers it links. Each function's binary names its
/// own constant, whose handler table matches only that function's endpoints: nothing in the
/// binary refers to another function's handlers, so the linker (fat LTO) leaves them and what
/// only they use out. The local server and the tests serve [`Serves::ALL`].
#[derive(Clone, Copy)]
pub struct Serves {
    pub functions: &'static [Function],
    handler: fn(Endpoint) -> Option<Handler>,
}

impl Serves {
    pub const CREATE_USER: Self = Self {
        functions: &[Function::CreateUser],
        handler: create_user_handler,
    };
    pub const REDEEM_TOKEN: Self = Self {
        functions: &[Function::RedeemToken],
        handler: redeem_token_handler,
    };
    pub const LOGIN: Self = Self {
        functions: &[Function::Login],
        handler: login_handler,
    };
    /// No route: the mailer, which answers the mail service and the schedule, not HTTP.
    pub const NONE: Self = Self {
        functions: &[],
        handler: no_handler,
    };
    /// Every route of the contract: the local server, the tests, the bench.
    pub const ALL: Self = Self {
        functions: &[Function::CreateUser, Function::RedeemToken, Function::Login],
        handler: any_handler,
    };
}

/// The create-user function's endpoints: users and the crew.
fn create_user_handler(endpoint: Endpoint) -> Option<Handler> {
    use handlers::{audit, batch, users};
    Some(match endpoint {
        Endpoint::CreateUser => post(users::create),
        Endpoint::InviteCrew => post(batch::invite_crew),
        Endpoint::ResendInvite => post(users::resend_invite),
        Endpoint::GetUser => get(users::get),
        Endpoint::CorrectUser => patch(users::correct),
        Endpoint::ListUsers => get(users::list),
        Endpoint::CancelInvite => delete(users::cancel_invite),
        Endpoint::DisableUser => post(users::disable),
        Endpoint::EnableUser => post(users::enable),
        Endpoint::AuditLog => get(audit::list),
        Endpoint::UserEvents => get(audit::user_events),
        Endpoint::CreateWebhook => post(audit::create_webhook),
        Endpoint::ListWebhooks => get(audit::list_webhooks),
        Endpoint::DeleteWebhook => delete(audit::delete_webhook),
        Endpoint::WebhookDeliveries => get(audit::deliveries),
        _ => return None,
    })
}

/// The redeem-token function's endpoints: the setup and reset links.
fn redeem_token_handler(endpoint: Endpoint) -> Option<Handler> {
    use handlers::{links, passkeys};
    Some(match endpoint {
        Endpoint::SetupPasskeyOptions => post(passkeys::setup_options),
        Endpoint::SetupPasskey => post(passkeys::setup),
        Endpoint::ResetPasskeyOptions => post(passkeys::reset_options),
        Endpoint::ResetPasskey => post(passkeys::reset),
        Endpoint::SetupPage => get(links::setup_page),
        Endpoint::Setup => post(links::setup),
        Endpoint::ResetPage => get(links::reset_page),
        Endpoint::Reset => post(links::reset),
        Endpoint::ShortLink => get(links::short_link),
        _ => return None,
    })
}

/// The login function's endpoints: signing in and out, forgot-password, the JWKS, the password.
fn login_handler(endpoint: Endpoint) -> Option<Handler> {
    use handlers::{account, login, passkeys};
    Some(match endpoint {
        Endpoint::LoginPasskeyOptions => post(passkeys::sign_in_options),
        Endpoint::LoginPasskey => post(passkeys::sign_in),
        Endpoint::ListPasskeys => get(passkeys::list),
        Endpoint::AddPasskeyOptions => post(passkeys::add_options),
        Endpoint::AddPasskey => post(passkeys::add),
        Endpoint::RemovePasskey => delete(passkeys::remove),
        Endpoint::PasskeyScript => get(passkeys::script),
        Endpoint::LoginPage => get(login::login_page),
        Endpoint::Login => post(login::login),
        Endpoint::ForgotPage => get(login::forgot_page),
        Endpoint::Forgot => post(login::forgot),
        Endpoint::Jwks => get(account::jwks),
        Endpoint::Logout => post(account::logout),
        Endpoint::PasswordPage => get(account::password_page),
        Endpoint::ChangePassword => post(account::change_password),
        _ => return None,
    })
}

fn no_handler(_: Endpoint) -> Option<Handler> {
    None
}

fn any_handler(endpoint: Endpoint) -> Option<Handler> {
    create_user_handler(endpoint)
        .or_else(|| redeem_token_handler(endpoint))
        .or_else(|| login_handler(endpoint))
}

/// The contract's routes of the functions `serves` names, before any layer: a server that adds
/// routes of its own (the local server) merges them in, then calls [`layers::apply`]. Without
/// `passkeys` (an IP-address base URL: API.md, "Passkeys") the passkeys' routes are left out,
/// so they answer 404 whatever the request.
pub fn contract_routes(serves: Serves, passkeys: bool) -> Router<Arc<Services>> {
    ROUTES
        .iter()
        .filter(|r| serves.functions.contains(&r.function))
        .filter(|r| passkeys || !r.endpoint.is_passkeys())
        .fold(Router::new(), |router, r| {
            // `handler_tables_match_the_route_table` checks that this never panics.
            let handler = (serves.handler)(r.endpoint).expect("a handler for each route served");
            router.route(r.path, handler)
        })
}

/// A function's (or the local server's) application: the services and the finished router.
pub struct App {
    pub services: Arc<Services>,
    router: Router,
}

impl App {
    /// `serves`: the routes this instance answers (all of them locally).
    pub fn new(
        config: Config,
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        texter: Arc<dyn Texter>,
        clock: Arc<dyn Clock>,
        breached: Arc<dyn BreachedPasswords>,
        serves: Serves,
    ) -> Result<Self, StartError> {
        let services = Arc::new(Services::new(
            config, store, mailer, texter, clock, breached,
        )?);
        let routes = contract_routes(serves, services.rp.is_some());
        let router = layers::apply(routes.with_state(services.clone()), &services.config);
        Ok(Self { services, router })
    }

    /// The router, with every layer, ready for `lambda_http::run` or `axum::serve`.
    pub fn router(&self) -> Router {
        self.router.clone()
    }
}

/// One request through `router`, answered as `lambda_http` types with the body in memory: how
/// the tests and the bench drive the very router the functions run.
#[cfg(feature = "test-hooks")]
pub async fn call(
    router: Router,
    req: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    use tower::ServiceExt;
    let response = router
        .oneshot(req)
        .await
        .unwrap_or_else(|never| match never {});
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("a response body in memory");
    let body = if bytes.is_empty() {
        lambda_http::Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => lambda_http::Body::Text(text),
            Err(e) => lambda_http::Body::Binary(e.into_bytes()),
        }
    };
    lambda_http::Response::from_parts(parts, body)
}

#[cfg(feature = "test-hooks")]
impl App {
    /// One request through this app's router (see [`call`]).
    pub async fn handle(
        &self,
        req: lambda_http::Request,
    ) -> lambda_http::Response<lambda_http::Body> {
        call(self.router(), req).await
    }
}

impl std::ops::Deref for App {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handler_tables_match_the_route_table() {
        let tables = [Serves::CREATE_USER, Serves::REDEEM_TOKEN, Serves::LOGIN];
        for r in ROUTES {
            for table in tables {
                // Its own function's table answers the route; no other function's does.
                let own = table.functions == [r.function];
                assert_eq!(
                    (table.handler)(r.endpoint).is_some(),
                    own,
                    "{} {} in {:?}'s table",
                    r.method,
                    r.path,
                    table.functions
                );
            }
            assert!((Serves::ALL.handler)(r.endpoint).is_some());
        }
        // Each table serves exactly its function's routes.
        for table in tables {
            let routes = ROUTES
                .iter()
                .filter(|r| table.functions.contains(&r.function))
                .count();
            assert!(routes > 0);
            let _router = contract_routes(table, true);
        }
        let _router = contract_routes(Serves::ALL, true);
    }
}
