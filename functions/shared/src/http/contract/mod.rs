//! The HTTP contract of docs/API.md as types: every route's request and response body, one file
//! per route family. Responses are serialized from these (no handler builds JSON by hand); the
//! requests are what the body reader fills, from JSON or from a page's form alike; and with the
//! `openapi` feature they describe themselves, so docs/openapi.yaml is generated from them.

pub mod account;
pub mod audit;
pub mod batch;
pub mod errors;
pub mod links;
pub mod login;
pub mod passkeys;
pub mod users;

pub use errors::{ErrorBody, ErrorDetail};
pub use login::SessionBody;
pub use users::{InviteView, UserView};
