//! The audit log and webhooks (API.md, "Audit log", "Webhooks"): an admin reads their
//! organisation's events, one user's timeline, and registers, lists and deletes webhooks.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use crate::domain::{AuditAction, UserId};
use crate::http::contract::audit::{
    AuditEventView, AuditPageBody, CreateWebhookRequest, CreatedWebhook, DeliveryList,
    DeliveryView, WebhookList, WebhookView,
};
use crate::http::extract::{Admin, Fields, FromFields, JsonBody, QueryFields};
use crate::http::respond::json;
use crate::http::ApiError;
use crate::services::crew::MAX_PAGE;
use crate::services::{AuditEvents, AuditFilter, Services};

/// The longest user id or action taken as a filter: anything longer is nobody's.
const MAX_FILTER_CHARS: usize = 128;

/// What `GET /audit` (or `GET /users/{id}/events`) was asked for.
struct AuditRequest {
    limit: Option<usize>,
    cursor: Option<String>,
    filter: AuditFilter,
}

impl FromFields for AuditRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        let limit = match f.string("limit")? {
            None => None,
            Some(raw) => Some(
                raw.parse::<usize>()
                    .ok()
                    .filter(|n| {
                        (1..=MAX_PAGE).contains(n) && raw.bytes().all(|b| b.is_ascii_digit())
                    })
                    .ok_or_else(|| {
                        ApiError::invalid(
                            "limit",
                            format!("`limit` must be a whole number from 1 to {MAX_PAGE}."),
                        )
                    })?,
            ),
        };
        let user_id = match f.string("userId")? {
            None => None,
            Some(raw) if raw.is_empty() || raw.len() > MAX_FILTER_CHARS => {
                return Err(ApiError::invalid("userId", "`userId` must be a user's id."))
            }
            Some(raw) => Some(UserId(raw)),
        };
        let action = match f.string("action")? {
            None => None,
            Some(raw) => Some(AuditAction::parse(&raw).ok_or_else(|| {
                ApiError::invalid(
                    "action",
                    "`action` must be one of the audit log's actions, e.g. \"invite.accepted\".",
                )
            })?),
        };
        Ok(Self {
            limit,
            cursor: f.string("cursor")?,
            filter: AuditFilter { user_id, action },
        })
    }
}

fn page_body(page: &AuditEvents) -> AuditPageBody {
    AuditPageBody {
        events: page.events.iter().map(AuditEventView::from).collect(),
        next_cursor: page.next_cursor.clone(),
    }
}

/// `GET /audit`: the organisation's events, newest first.
pub async fn list(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    QueryFields(fields): QueryFields,
) -> Result<Response, ApiError> {
    let request = AuditRequest::from_fields(&fields)?;
    let page = app
        .audit_case()
        .page(
            &admin,
            request.filter,
            request.limit,
            request.cursor.as_deref(),
        )
        .await?;
    Ok(json(StatusCode::OK, &page_body(&page)))
}

/// `GET /users/{id}/events`: one user's timeline.
pub async fn user_events(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
    QueryFields(fields): QueryFields,
) -> Result<Response, ApiError> {
    let request = AuditRequest::from_fields(&fields)?;
    if request.filter != AuditFilter::default() {
        return Err(ApiError::invalid(
            if request.filter.user_id.is_some() {
                "userId"
            } else {
                "action"
            },
            "A user's timeline takes `limit` and `cursor` only; filter `GET /audit` instead.",
        ));
    }
    let page = app
        .audit_case()
        .user_events(&admin, &id, request.limit, request.cursor.as_deref())
        .await?;
    Ok(json(StatusCode::OK, &page_body(&page)))
}

impl FromFields for CreateWebhookRequest {
    fn from_fields(f: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            url: f.required("url")?,
            events: f
                .strings("events")?
                .ok_or_else(|| ApiError::invalid("events", "`events` is required."))?,
        })
    }
}

/// `POST /webhooks`: `201` with the webhook and its secret, shown this once.
pub async fn create_webhook(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    JsonBody(body): JsonBody<CreateWebhookRequest>,
) -> Result<Response, ApiError> {
    let registered = app
        .webhooks_case()
        .register(&admin, &body.url, &body.events)
        .await?;
    Ok(json(
        StatusCode::CREATED,
        &CreatedWebhook {
            webhook: WebhookView::from(&registered.webhook),
            secret: registered.secret,
        },
    ))
}

/// `GET /webhooks`: never a secret.
pub async fn list_webhooks(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
) -> Result<Response, ApiError> {
    let hooks = app.webhooks_case().list(&admin).await?;
    Ok(json(
        StatusCode::OK,
        &WebhookList {
            webhooks: hooks.iter().map(WebhookView::from).collect(),
        },
    ))
}

/// `DELETE /webhooks/{id}`: `204`; its queued deliveries go too.
pub async fn delete_webhook(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    app.webhooks_case().delete(&admin, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /webhooks/{id}/deliveries`: the latest attempts, newest first.
pub async fn deliveries(
    State(app): State<Arc<Services>>,
    Admin(admin): Admin,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let attempts = app.webhooks_case().deliveries(&admin, &id).await?;
    Ok(json(
        StatusCode::OK,
        &DeliveryList {
            deliveries: attempts.iter().map(DeliveryView::from).collect(),
        },
    ))
}

impl From<crate::services::AuditReadError> for ApiError {
    fn from(e: crate::services::AuditReadError) -> Self {
        use crate::services::AuditReadError;
        match e {
            AuditReadError::BadCursor => ApiError::invalid(
                "cursor",
                "`cursor` is not one this service handed out for these filters: pass `nextCursor` back as it came, with the same filters.",
            ),
            AuditReadError::NotFound => crate::http::error::no_such_user(),
            AuditReadError::Store(e) => e.into(),
        }
    }
}

impl From<crate::services::WebhookError> for ApiError {
    fn from(e: crate::services::WebhookError) -> Self {
        use crate::services::WebhookError;
        match e {
            WebhookError::Url(e) => ApiError::invalid("url", e.to_string()),
            WebhookError::Events => ApiError::invalid(
                "events",
                "`events` must list audit actions (each once), or be [\"*\"] for all of them.",
            ),
            WebhookError::Limit => ApiError::new(
                crate::http::ErrorCode::LimitReached,
                "Your organisation has the most webhooks allowed (10). Delete one first.",
            ),
            WebhookError::NotFound => ApiError::new(
                crate::http::ErrorCode::NotFound,
                "There is no such webhook in your organisation.",
            ),
            WebhookError::Store(e) => e.into(),
        }
    }
}
