//! The contract's route table: every route, the function that serves it and the endpoint behind
//! it. The router (`super::contract_routes`), the template, the events and the OpenAPI copy are
//! built or tested from [`ROUTES`].

/// Where a crew's batch is posted: the one route whose body may be larger.
pub(super) const BATCH_PATH: &str = "/users/batch";

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

/// What answers a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Endpoint {
    CreateUser,
    InviteCrew,
    ResendInvite,
    GetUser,
    /// `PATCH /users/{id}`: an admin's correction.
    CorrectUser,
    ListUsers,
    CancelInvite,
    DisableUser,
    EnableUser,
    SetupPage,
    Setup,
    ResetPage,
    /// `GET /s/{token}`: a text message's short link, answered with `303` to its page.
    ShortLink,
    Reset,
    LoginPage,
    Login,
    ForgotPage,
    Forgot,
    Jwks,
    Logout,
    PasswordPage,
    ChangePassword,
    SetupPasskeyOptions,
    SetupPasskey,
    ResetPasskeyOptions,
    ResetPasskey,
    LoginPasskeyOptions,
    LoginPasskey,
    ListPasskeys,
    AddPasskeyOptions,
    AddPasskey,
    RemovePasskey,
    /// `GET /passkey.js`: the pages' one script (same-origin, as their CSP allows).
    PasskeyScript,
    /// `GET /audit`: the organisation's audit log.
    AuditLog,
    /// `GET /users/{id}/events`: one user's timeline.
    UserEvents,
    CreateWebhook,
    ListWebhooks,
    DeleteWebhook,
    /// `GET /webhooks/{id}/deliveries`: an endpoint's latest attempts.
    WebhookDeliveries,
}

/// One route of the contract.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// With `{id}` for one path segment, as API Gateway and axum both write it.
    pub path: &'static str,
    pub function: Function,
    pub(super) endpoint: Endpoint,
}

const fn route(
    method: &'static str,
    path: &'static str,
    function: Function,
    endpoint: Endpoint,
) -> Route {
    Route {
        method,
        path,
        function,
        endpoint,
    }
}

/// Every route of the contract, and the function behind it: the one route table. The router is
/// built from it; the template, the events and the OpenAPI copy are tested against it.
pub const ROUTES: &[Route] = &[
    route("POST", "/users", Function::CreateUser, Endpoint::CreateUser),
    route(
        "POST",
        BATCH_PATH,
        Function::CreateUser,
        Endpoint::InviteCrew,
    ),
    route(
        "POST",
        "/users/{id}/invite",
        Function::CreateUser,
        Endpoint::ResendInvite,
    ),
    route(
        "GET",
        "/users/{id}",
        Function::CreateUser,
        Endpoint::GetUser,
    ),
    route(
        "PATCH",
        "/users/{id}",
        Function::CreateUser,
        Endpoint::CorrectUser,
    ),
    route("GET", "/users", Function::CreateUser, Endpoint::ListUsers),
    route(
        "DELETE",
        "/users/{id}/invite",
        Function::CreateUser,
        Endpoint::CancelInvite,
    ),
    route(
        "POST",
        "/users/{id}/disable",
        Function::CreateUser,
        Endpoint::DisableUser,
    ),
    route(
        "POST",
        "/users/{id}/enable",
        Function::CreateUser,
        Endpoint::EnableUser,
    ),
    route("GET", "/audit", Function::CreateUser, Endpoint::AuditLog),
    route(
        "GET",
        "/users/{id}/events",
        Function::CreateUser,
        Endpoint::UserEvents,
    ),
    route(
        "POST",
        "/webhooks",
        Function::CreateUser,
        Endpoint::CreateWebhook,
    ),
    route(
        "GET",
        "/webhooks",
        Function::CreateUser,
        Endpoint::ListWebhooks,
    ),
    route(
        "DELETE",
        "/webhooks/{id}",
        Function::CreateUser,
        Endpoint::DeleteWebhook,
    ),
    route(
        "GET",
        "/webhooks/{id}/deliveries",
        Function::CreateUser,
        Endpoint::WebhookDeliveries,
    ),
    route("GET", "/setup", Function::RedeemToken, Endpoint::SetupPage),
    route("POST", "/setup", Function::RedeemToken, Endpoint::Setup),
    route("GET", "/reset", Function::RedeemToken, Endpoint::ResetPage),
    route("POST", "/reset", Function::RedeemToken, Endpoint::Reset),
    route(
        "GET",
        "/s/{token}",
        Function::RedeemToken,
        Endpoint::ShortLink,
    ),
    route("GET", "/login", Function::Login, Endpoint::LoginPage),
    route("POST", "/login", Function::Login, Endpoint::Login),
    route(
        "GET",
        "/password/forgot",
        Function::Login,
        Endpoint::ForgotPage,
    ),
    route(
        "POST",
        "/password/forgot",
        Function::Login,
        Endpoint::Forgot,
    ),
    route(
        "GET",
        "/.well-known/jwks.json",
        Function::Login,
        Endpoint::Jwks,
    ),
    route("POST", "/logout", Function::Login, Endpoint::Logout),
    route("GET", "/password", Function::Login, Endpoint::PasswordPage),
    route(
        "POST",
        "/password",
        Function::Login,
        Endpoint::ChangePassword,
    ),
    route(
        "POST",
        "/setup/passkey/options",
        Function::RedeemToken,
        Endpoint::SetupPasskeyOptions,
    ),
    route(
        "POST",
        "/setup/passkey",
        Function::RedeemToken,
        Endpoint::SetupPasskey,
    ),
    route(
        "POST",
        "/reset/passkey/options",
        Function::RedeemToken,
        Endpoint::ResetPasskeyOptions,
    ),
    route(
        "POST",
        "/reset/passkey",
        Function::RedeemToken,
        Endpoint::ResetPasskey,
    ),
    route(
        "POST",
        "/login/passkey/options",
        Function::Login,
        Endpoint::LoginPasskeyOptions,
    ),
    route(
        "POST",
        "/login/passkey",
        Function::Login,
        Endpoint::LoginPasskey,
    ),
    route("GET", "/passkeys", Function::Login, Endpoint::ListPasskeys),
    route(
        "POST",
        "/passkeys/options",
        Function::Login,
        Endpoint::AddPasskeyOptions,
    ),
    route("POST", "/passkeys", Function::Login, Endpoint::AddPasskey),
    route(
        "DELETE",
        "/passkeys/{id}",
        Function::Login,
        Endpoint::RemovePasskey,
    ),
    route(
        "GET",
        "/passkey.js",
        Function::Login,
        Endpoint::PasskeyScript,
    ),
];

impl Endpoint {
    pub(super) fn is_passkeys(self) -> bool {
        matches!(
            self,
            Self::SetupPasskeyOptions
                | Self::SetupPasskey
                | Self::ResetPasskeyOptions
                | Self::ResetPasskey
                | Self::LoginPasskeyOptions
                | Self::LoginPasskey
                | Self::ListPasskeys
                | Self::AddPasskeyOptions
                | Self::AddPasskey
                | Self::RemovePasskey
                | Self::PasskeyScript
        )
    }
}
