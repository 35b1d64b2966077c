//! `POST /users/batch`: a crew invited at once, in JSON or as a spreadsheet's CSV.

use serde::Serialize;

use super::errors::ErrorDetail;
use super::users::{CreateUserRequest, InviteView, UserView};

/// The JSON form of a crew: 1 to 100 rows, each read as `POST /users` reads its body (the
/// temporary password optional, `delivery: link` refused; `locale` as there, a bad one that
/// row's own `400`). The CSV form has the header
/// `email,phone,name,role,temporaryPassword,locale` (any order, only `email` or `phone` needed;
/// an empty `locale` cell is `DEFAULT_LOCALE`).
#[derive(Clone)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrewRequest {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub users: Vec<CreateUserRequest>,
}

/// The batch's answer: one result per row, in order.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrewResult {
    pub created: usize,
    pub failed: usize,
    pub results: Vec<CrewRow>,
}

/// A row's result: `201` with what `POST /users` answers, or the status and error it would
/// have answered.
#[derive(Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
// Rows live only while the answer is serialized; boxing the created row would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum CrewRow {
    Created {
        index: usize,
        status: u16,
        user: UserView,
        invite: Option<InviteView>,
    },
    Refused {
        index: usize,
        status: u16,
        error: ErrorDetail,
    },
}
