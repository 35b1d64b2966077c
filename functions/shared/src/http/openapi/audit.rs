//! The audit log's and the webhooks' operations (API.md, "Audit log", "Webhooks").

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::OpenApi;
use utoipa::{IntoParams, OpenApi as _};

use super::super::contract::audit::{
    ActorView, AuditEventView, AuditPageBody, AuditQueryParams, CreateWebhookRequest,
    CreatedWebhook, DeliveryList, DeliveryView, TargetView, WebhookList, WebhookView,
};
use super::super::Endpoint;
use super::parts::{admin_errors, answer, bare, body, op, Caller};

#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    ActorView,
    TargetView,
    AuditEventView,
    AuditPageBody,
    CreateWebhookRequest,
    WebhookView,
    CreatedWebhook,
    WebhookList,
    DeliveryView,
    DeliveryList,
)))]
struct Schemas;

/// The schemas these operations name.
pub(super) fn schemas() -> OpenApi {
    Schemas::openapi()
}

/// What the contract says of each of these endpoints; `None` for any other.
pub(super) fn operation(endpoint: Endpoint) -> Option<Operation> {
    use Caller::Admin;
    Some(match endpoint {
        Endpoint::AuditLog => admin_errors(
            op("audit.list", Admin, "The organisation's audit log, newest first, a page at a time.")
                .description(Some("Every change to a user and what happened to their invite, recorded in the same write as the change. Never another organisation's events, never a secret. Cursors are signed and bound to the organisation and the filters (`400` otherwise). Events are kept for `AUDIT_RETENTION` (default 400 days)."))
                .parameters(Some(AuditQueryParams::into_params(|| Some(ParameterIn::Query))))
                .response("200", answer::<AuditPageBody>("One page; `nextCursor` is null on the last.")),
            &["400", "401", "403", "503"],
        ),
        Endpoint::UserEvents => admin_errors(
            op("user.events", Admin, "One user's timeline: the audit log's events about them, newest first.")
                .parameters(Some(AuditQueryParams::into_params(|| Some(ParameterIn::Query)).into_iter().filter(|p| p.name == "limit" || p.name == "cursor").collect::<Vec<_>>()))
                .response("200", answer::<AuditPageBody>("One page; `nextCursor` is null on the last.")),
            &["400", "401", "403", "404", "503"],
        ),
        Endpoint::CreateWebhook => admin_errors(
            op("webhook.create", Admin, "Register an endpoint for the organisation's events, signed per Standard Webhooks.")
                .description(Some("`https` only, never to an address that is not globally routable (checked again at every connection). At most 10 per organisation. The secret is shown this once."))
                .request_body(body::<CreateWebhookRequest>(false, true))
                .response("201", answer::<CreatedWebhook>("Registered, with its secret.")),
            &["400", "401", "403", "409", "413", "415", "503"],
        ),
        Endpoint::ListWebhooks => admin_errors(
            op("webhook.list", Admin, "The organisation's webhooks, oldest first; never a secret.")
                .response("200", answer::<WebhookList>("The webhooks.")),
            &["401", "403", "503"],
        ),
        Endpoint::DeleteWebhook => admin_errors(
            op("webhook.delete", Admin, "Remove a webhook and its queued deliveries.")
                .response("204", bare("Deleted.")),
            &["401", "403", "404", "503"],
        ),
        Endpoint::WebhookDeliveries => admin_errors(
            op("webhook.deliveries", Admin, "The webhook's latest delivery attempts, newest first: event id, status code or error, time.")
                .response("200", answer::<DeliveryList>("The attempts (at most 50).")),
            &["401", "403", "404", "503"],
        ),
        _ => return None,
    })
}
