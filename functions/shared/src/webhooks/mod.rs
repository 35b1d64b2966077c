//! Webhook delivery's low-level parts (API.md, "Webhooks"), wired into the audit log and the
//! outbox elsewhere:
//! - `sign`: an endpoint's secret and the Standard Webhooks headers of one attempt.
//! - `address`: which addresses are globally routable and which URLs an admin may register.
//! - `dial`: the client that posts one attempt, dialling only an address it judged.

pub mod address;
pub mod dial;
pub mod sign;

pub use address::{is_globally_routable, UrlPolicy, WebhookUrl, WebhookUrlError};
pub use dial::{DeliveryError, WebhookClient};
pub use sign::{headers, signature, WebhookSecret};
