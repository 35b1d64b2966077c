//! The document's building blocks, shared by every operation: schema references, the shared
//! responses, the body, who may call, and the refusals of admin routes.

use utoipa::openapi::path::{Operation, OperationBuilder};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::{Content, Ref, RefOr, Required, Response, ResponseBuilder};
use utoipa::ToSchema;

use super::{FORM, JSON};

pub(super) fn schema<T: ToSchema>() -> Ref {
    Ref::from_schema_name(T::name())
}

pub(super) fn error() -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name("Error"))
}

pub(super) fn page() -> RefOr<Response> {
    RefOr::Ref(Ref::from_response_name("Page"))
}

pub(super) fn answer<T: ToSchema>(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(JSON, Content::new(Some(schema::<T>())))
        .build()
}

pub(super) fn bare(description: &str) -> Response {
    ResponseBuilder::new().description(description).build()
}

/// Who may call: an admin's bearer session, or a session either way (bearer or cookie).
pub(super) enum Caller {
    Anyone,
    Admin,
    SignedIn,
}

/// The body: JSON only, or JSON or a page's form.
pub(super) fn body<T: ToSchema>(
    form_too: bool,
    required: bool,
) -> Option<utoipa::openapi::request_body::RequestBody> {
    let mut b = RequestBodyBuilder::new()
        .required(Some(if required {
            Required::True
        } else {
            Required::False
        }))
        .content(JSON, Content::new(Some(schema::<T>())));
    if form_too {
        b = b.content(FORM, Content::new(Some(schema::<T>())));
    }
    Some(b.build())
}

pub(super) fn op(id: &str, caller: Caller, summary: &str) -> OperationBuilder {
    let b = OperationBuilder::new()
        .operation_id(Some(id))
        .summary(Some(summary));
    match caller {
        Caller::Anyone => b,
        Caller::Admin => b.security(SecurityRequirement::new("bearer", Vec::<String>::new())),
        Caller::SignedIn => b
            .security(SecurityRequirement::new("bearer", Vec::<String>::new()))
            .security(SecurityRequirement::new(
                "sessionCookie",
                Vec::<String>::new(),
            )),
    }
}

/// The refusals every admin route may give.
pub(super) fn admin_errors(b: OperationBuilder, codes: &[&str]) -> Operation {
    codes.iter().fold(b, |b, c| b.response(*c, error())).build()
}
