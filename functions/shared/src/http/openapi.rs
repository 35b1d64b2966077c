//! docs/openapi.yaml, generated: every route of [`ROUTES`] with its request body, its answers
//! (status codes, the contract's types, the error shape) and what it does, from the types in
//! [`super::contract`]. Built only with the `openapi` feature (the tests crate's), never into a
//! function. `tests/api/openapi.rs` holds the committed file equal to [`yaml`].

use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::server::ServerBuilder;
use utoipa::openapi::{
    Content, InfoBuilder, ObjectBuilder, OpenApi, RefOr, Required, ResponseBuilder, Type,
};
use utoipa::{IntoParams, OpenApi as _};

use super::contract::account::{ChangePasswordBody, Jwks, LogoutBody};
use super::contract::batch::{CrewRequest, CrewResult};
use super::contract::links::RedeemBody;
use super::contract::login::{Accepted, Credentials, ForgotRequest, SessionBody, SignInBody};
use super::contract::passkeys::{
    AddPasskeyRequest, AddedPasskey, PasskeyLinkOptionsRequest, PasskeyLinkRequest, PasskeyList,
    PasskeyOptions, PasskeySignInRequest, PasskeyView,
};
use super::contract::users::{
    CorrectUserRequest, CreateUserRequest, InviteOnly, InviteOptionsBody, ListUsersQuery, UserOnly,
    UserPage, UserWithInvite,
};
use super::contract::ErrorBody;
use super::{Endpoint, ROUTES};

mod audit;
mod parts;

use parts::{admin_errors, answer, bare, body, error, op, page, schema, Caller};

#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    ErrorBody,
    UserWithInvite,
    UserOnly,
    InviteOnly,
    UserPage,
    CreateUserRequest,
    CorrectUserRequest,
    InviteOptionsBody,
    CrewRequest,
    CrewResult,
    Credentials,
    ForgotRequest,
    SessionBody,
    SignInBody,
    Accepted,
    RedeemBody,
    ChangePasswordBody,
    LogoutBody,
    Jwks,
    PasskeyLinkOptionsRequest,
    PasskeyLinkRequest,
    PasskeySignInRequest,
    AddPasskeyRequest,
    PasskeyOptions,
    PasskeyView,
    PasskeyList,
    AddedPasskey,
)))]
struct Schemas;

const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";
const CSV: &str = "text/csv";
const HTML: &str = "text/html";

/// The document as YAML, as docs/openapi.yaml holds it.
pub fn yaml() -> String {
    document().to_yaml().expect("the document serializes")
}

/// The whole document.
pub fn document() -> OpenApi {
    let mut doc = Schemas::openapi();
    doc.merge(audit::schemas());
    doc.info = InfoBuilder::new()
        .title("Onboarding service")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The machine-readable copy of docs/API.md, generated from the contract's types \
             (functions/shared/src/http/contract/) and the route table: regenerate it with \
             `UPDATE_OPENAPI=1 cargo test -p tests --test api openapi`. Admins create techs and \
             manage invites; techs redeem setup and reset links and sign in. Every error answer \
             has the `Error` shape; a browser (a form post, or `Accept: text/html`) gets a page \
             instead.",
        ))
        .build();
    doc.servers = Some(vec![ServerBuilder::new()
        .url("http://127.0.0.1:3000")
        .description(Some("the local server (cargo run)"))
        .build()]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "An EdDSA (Ed25519) JWT; verify it with /.well-known/jwks.json.",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "sessionCookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "session",
            "The same session, as the pages carry it (HttpOnly, Secure, SameSite=Lax).",
        ))),
    );
    components.responses.insert(
        "Error".to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description("An error in the contract's shape.")
                .content(JSON, Content::new(Some(schema::<ErrorBody>())))
                .build(),
        ),
    );
    components.responses.insert(
        "Page".to_owned(),
        RefOr::T(
            ResponseBuilder::new()
                .description("An HTML page.")
                .content(
                    HTML,
                    Content::new(Some(ObjectBuilder::new().schema_type(Type::String))),
                )
                .build(),
        ),
    );
    for r in ROUTES {
        let method = match r.method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            other => panic!("no OpenAPI method for {other}"),
        };
        let mut operation = operation(r.endpoint);
        if r.path.contains("{id}") {
            let what = if r.path.starts_with("/passkeys") {
                "The passkey's id (its credential id, base64url)."
            } else if r.path.starts_with("/webhooks") {
                "The webhook's id."
            } else {
                "The user's id."
            };
            let id = ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(what))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .build();
            operation
                .parameters
                .get_or_insert_with(Vec::new)
                .insert(0, id);
        }
        doc.paths
            .add_path_operation(r.path, vec![method], operation);
    }
    doc
}

/// What the contract says of each endpoint.
fn operation(endpoint: Endpoint) -> Operation {
    use Caller::*;
    if let Some(operation) = audit::operation(endpoint) {
        return operation;
    }
    match endpoint {
        Endpoint::CreateUser => admin_errors(
            op("user.create", Admin, "Create a user in the admin's organisation and send the welcome email.")
                .description(Some("With `\"delivery\": \"link\"` nothing is sent: the answer carries the setup link and its QR code to hand over in person."))
                .request_body(body::<CreateUserRequest>(false, true))
                .response("201", answer::<UserWithInvite>("Created, with `Location: /users/{id}`. `invite.status` is `failed` when the email could not be handed to the mail service.")),
            &["400", "401", "403", "409", "413", "415", "429", "503"],
        ),
        Endpoint::InviteCrew => admin_errors(
            op("user.createBatch", Admin, "Invite a crew at once; one result per row, in order, and a bad row never stops the others.")
                .request_body(Some(
                    RequestBodyBuilder::new()
                        .required(Some(Required::True))
                        .description(Some("At most 512 KiB and 100 rows."))
                        .content(JSON, Content::new(Some(schema::<CrewRequest>())))
                        .content(CSV, Content::new(Some(ObjectBuilder::new().schema_type(Type::String).description(Some("A header row `email,phone,name,role,temporaryPassword,locale` (any order, only `email` or `phone` needed), then one row per user; a byte-order mark, CRLF and quoted fields as spreadsheets write them.")))))
                        .build(),
                ))
                .response("200", answer::<CrewResult>("One result per row: `201` with the user and invite, or the status and error `POST /users` would have answered.")),
            &["400", "401", "403", "413", "415"],
        ),
        Endpoint::ResendInvite => admin_errors(
            op("user.resendInvite", Admin, "A fresh setup link (7 days unless `inviteExpiresInDays`); every earlier one stops working.")
                .request_body(body::<InviteOptionsBody>(false, false))
                .response("200", answer::<InviteOnly>("Sent (or failed to send; see `invite.status`), or handed over (`manual`, with `url` and `qrSvg`).")),
            &["400", "401", "403", "404", "409", "415", "503"],
        ),
        Endpoint::GetUser => admin_errors(
            op("user.get", Admin, "A user of the admin's organisation and their invite.")
                .response("200", answer::<UserWithInvite>("The user.")),
            &["401", "403", "404", "503"],
        ),
        Endpoint::CorrectUser => admin_errors(
            op("user.correct", Admin, "Correct a user: a mistyped email or number, a new number, a name, a role or a language.")
                .description(Some("Changing an email or number kills the user's links and codes; for an active or disabled user it also ends every session and device token, and notices go to the old and the new contact. A role change ends the user's sessions. A name or a language changes only itself."))
                .request_body(body::<CorrectUserRequest>(false, true))
                .response("200", answer::<UserWithInvite>("The user as corrected.")),
            &["400", "401", "403", "404", "409", "413", "415", "503"],
        ),
        Endpoint::ListUsers => admin_errors(
            op("user.list", Admin, "The admin's organisation's users, newest first, a page at a time.")
                .parameters(Some(ListUsersQuery::into_params(|| Some(ParameterIn::Query))))
                .response("200", answer::<UserPage>("One page; `nextCursor` is null on the last.")),
            &["400", "401", "403", "503"],
        ),
        Endpoint::CancelInvite => admin_errors(
            op("user.cancelInvite", Admin, "Removes a user who has not set a password yet; their links and temporary password stop working.")
                .response("204", bare("Cancelled.")),
            &["401", "403", "404", "409", "503"],
        ),
        Endpoint::DisableUser => admin_errors(
            op("user.disable", Admin, "Every session, link and password of the user stops working until enabled.")
                .response("200", answer::<UserOnly>("Disabled.")),
            &["401", "403", "404", "409", "503"],
        ),
        Endpoint::EnableUser => admin_errors(
            op("user.enable", Admin, "The status the user had before comes back; earlier sessions and links stay dead.")
                .response("200", answer::<UserOnly>("Enabled.")),
            &["401", "403", "404", "503"],
        ),
        Endpoint::SetupPage | Endpoint::ResetPage => {
            let (id, summary) = if endpoint == Endpoint::SetupPage {
                ("setup.page", "The set-password page. Never consumes the token.")
            } else {
                ("reset.page", "The choose-a-new-password page. Never consumes the token.")
            };
            op(id, Anyone, summary)
                .parameter(
                    ParameterBuilder::new()
                        .name("token")
                        .parameter_in(ParameterIn::Query)
                        .required(Required::True)
                        .description(Some("The link's token, as the email carried it."))
                        .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
                )
                .response("200", page())
                .response("400", page())
                .response("410", page())
                .build()
        }
        Endpoint::ShortLink => op(
            "link.short",
            Anyone,
            "A text message's short link: 303 to /setup?token= (or /reset?token= for a reset link). Never consumes the token.",
        )
        .parameter(
            ParameterBuilder::new()
                .name("token")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        )
        .response("303", ResponseBuilder::new().description("To the link's page.").build())
        .build(),
        Endpoint::Setup | Endpoint::Reset => {
            let (id, summary) = if endpoint == Endpoint::Setup {
                ("setup.redeem", "Consume the setup token, set the password, sign in.")
            } else {
                ("reset.redeem", "Consume the reset token, set the password, sign in; every other session ends.")
            };
            op(id, Anyone, summary)
                .request_body(body::<RedeemBody>(true, true))
                .response("200", answer::<SessionBody>("Signed in (JSON); also sets the `session` cookie."))
                .response("303", bare("Signed in (form); to the app URL with the `session` cookie."))
                .response("400", error())
                .response("403", error())
                .response("410", error())
                .response("413", error())
                .response("415", error())
                .response("503", error())
                .build()
        }
        Endpoint::LoginPage => op("login.page", Anyone, "The sign-in page.").response("200", page()).build(),
        Endpoint::Login => op("login", Anyone, "Sign in with the temporary password (until the user sets their own) or their own.")
            .request_body(body::<Credentials>(true, true))
            .response("200", answer::<SignInBody>("Signed in; also sets the `session` cookie. With `mustChangePassword` the app sends the user to choose their own password."))
            .response("303", bare("Signed in (form): to the app URL, or to /password while on the temporary password."))
            .response("400", error())
            .response("401", error())
            .response("403", error())
            .response("415", error())
            .response("429", ResponseBuilder::new().description("Too many failed attempts; `Retry-After` says when to try again.").content(JSON, Content::new(Some(schema::<ErrorBody>()))).build())
            .response("503", error())
            .build(),
        Endpoint::ForgotPage => op("forgot.page", Anyone, "The forgot-password page.").response("200", page()).build(),
        Endpoint::Forgot => op("forgot", Anyone, "Always 202; a known user gets a reset email.")
            .description(Some("No faster or slower for an unknown email than for a known one, so the answer never tells whether an account exists."))
            .request_body(body::<ForgotRequest>(true, true))
            .response("202", answer::<Accepted>("Accepted, whether or not the email is known."))
            .response("400", error())
            .response("415", error())
            .response("429", error())
            .response("503", error())
            .build(),
        Endpoint::Jwks => op("jwks", Anyone, "The public keys that verify sessions (EdDSA, Ed25519): the current key and, during a rotation, the previous one.")
            .description(Some("`Cache-Control: public, max-age=300`, and readable from any origin."))
            .response("200", answer::<Jwks>("The JWKS."))
            .build(),
        Endpoint::Logout => op("logout", SignedIn, "Clears the session cookie; with `everywhere`, every session of the user ends.")
            .request_body(body::<LogoutBody>(true, false))
            .response("204", bare("Signed out (JSON)."))
            .response("303", bare("Signed out (form), to /login."))
            .response("401", error())
            .response("403", error())
            .response("503", error())
            .build(),
        Endpoint::PasswordPage => op("password.page", SignedIn, "The change-password page (choose your own after the temporary password).")
            .response("200", page())
            .response("303", bare("Not signed in; to /login."))
            .build(),
        Endpoint::ChangePassword => op("password.change", SignedIn, "A new password for the signed-in user; every other session ends.")
            .description(Some("`currentPassword` is needed unless the session is on the temporary password (`mustChangePassword`). A `password_changed` email is sent."))
            .request_body(body::<ChangePasswordBody>(true, true))
            .response("200", answer::<SessionBody>("Changed; a fresh session (and cookie)."))
            .response("303", bare("Changed (form), to the app URL with a fresh cookie; or not signed in, to /login."))
            .response("400", error())
            .response("401", error())
            .response("403", error())
            .response("429", error())
            .response("503", error())
            .build(),
        Endpoint::SetupPasskeyOptions | Endpoint::ResetPasskeyOptions => {
            let id = if endpoint == Endpoint::SetupPasskeyOptions {
                "setup.passkeyOptions"
            } else {
                "reset.passkeyOptions"
            };
            op(id, Anyone, "Registration options for the link's user (the link or its code). Consumes nothing; a wrong code counts as one at POST /setup.")
                .request_body(body::<PasskeyLinkOptionsRequest>(false, true))
                .response("200", answer::<PasskeyOptions>("PublicKeyCredentialCreationOptionsJSON; its challenge works once, for 5 minutes."))
                .response("400", error())
                .response("404", error())
                .response("410", error())
                .response("415", error())
                .response("429", error())
                .response("503", error())
                .build()
        }
        Endpoint::SetupPasskey | Endpoint::ResetPasskey => {
            let id = if endpoint == Endpoint::SetupPasskey {
                "setup.passkey"
            } else {
                "reset.passkey"
            };
            op(id, Anyone, "Redeem the link with a new passkey instead of a password: link and code used, temporary password dead, signed in.")
                .description(Some("A bad or replayed challenge, a wrong origin or rp id, or a response that does not verify: `400 passkey_invalid`, and the link still works."))
                .request_body(body::<PasskeyLinkRequest>(false, true))
                .response("200", answer::<SessionBody>("Signed in (JSON); also sets the cookies."))
                .response("303", bare("Signed in (the page's own script, a same-origin fetch): to the app URL with the cookies."))
                .response("400", error())
                .response("404", error())
                .response("410", error())
                .response("415", error())
                .response("503", error())
                .build()
        }
        Endpoint::LoginPasskeyOptions => op("login.passkeyOptions", Anyone, "Discoverable sign-in options (no allowCredentials); limited per address like sign-in.")
            .response("200", answer::<PasskeyOptions>("PublicKeyCredentialRequestOptionsJSON; its challenge works once, for 5 minutes."))
            .response("404", error())
            .response("429", error())
            .response("503", error())
            .build(),
        Endpoint::LoginPasskey => op("login.passkey", Anyone, "Sign in with a passkey: POST /login's answers.")
            .request_body(body::<PasskeySignInRequest>(false, true))
            .response("200", answer::<SignInBody>("Signed in (`mustChangePassword` is false)."))
            .response("303", bare("Signed in (the page's own script): to the app URL with the cookies."))
            .response("400", error())
            .response("401", error())
            .response("403", error())
            .response("404", error())
            .response("415", error())
            .response("429", error())
            .response("503", error())
            .build(),
        Endpoint::ListPasskeys => op("passkeys.list", SignedIn, "The signed-in user's own passkeys.")
            .response("200", answer::<PasskeyList>("The passkeys."))
            .response("401", error())
            .response("404", error())
            .response("503", error())
            .build(),
        Endpoint::AddPasskeyOptions => op("passkeys.addOptions", SignedIn, "Registration options for one more passkey; excludeCredentials lists the user's passkeys.")
            .description(Some("Only with a session under 5 minutes old that was not the temporary password (`403 reauthentication_required` otherwise)."))
            .response("200", answer::<PasskeyOptions>("PublicKeyCredentialCreationOptionsJSON."))
            .response("401", error())
            .response("403", error())
            .response("404", error())
            .response("503", error())
            .build(),
        Endpoint::AddPasskey => op("passkeys.add", SignedIn, "Keep a new passkey; the user gets a \"passkey added\" notice.")
            .request_body(body::<AddPasskeyRequest>(false, true))
            .response("201", answer::<AddedPasskey>("Added."))
            .response("400", error())
            .response("401", error())
            .response("403", error())
            .response("404", error())
            .response("409", error())
            .response("415", error())
            .response("503", error())
            .build(),
        Endpoint::RemovePasskey => op("passkeys.remove", SignedIn, "Remove one of the user's passkeys.")
            .response("204", bare("Removed."))
            .response("401", error())
            .response("404", error())
            .response("409", error())
            .response("503", error())
            .build(),
        Endpoint::AuditLog
        | Endpoint::UserEvents
        | Endpoint::CreateWebhook
        | Endpoint::ListWebhooks
        | Endpoint::DeleteWebhook
        | Endpoint::WebhookDeliveries => unreachable!("audit::operation answers these"),
        Endpoint::PasskeyScript => op("passkey.script", Anyone, "The pages' passkey script (same-origin, as their CSP allows).")
            .response("200", ResponseBuilder::new().description("JavaScript.").content("text/javascript", Content::new(Some(ObjectBuilder::new().schema_type(Type::String)))).build())
            .build(),
    }
}
