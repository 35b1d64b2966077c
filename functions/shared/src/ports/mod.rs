//! The ports the use cases talk through, one capability each, so a use case holds only what it
//! uses: `users`, `links` (setup and reset tokens), `limits` (rate-limit counters), `invites`
//! (what the mail service says about an invite's email), `crew` (an admin's list, cancel,
//! disable, enable), `outbox` (mail jobs), `passkeys` (ceremonies and a user's passkeys), `audit` (the audit log's reads), `webhooks` (endpoints, fan-out, deliveries), `mailer`, `texter` (text messages), `breached`,
//! `clock`; and `errors`, what the store's ports fail with. Each adapter makes each operation
//! atomic in its own way.

mod audit;
mod breached;
mod clock;
mod crew;
mod errors;
mod invites;
mod limits;
mod links;
mod mailer;
mod outbox;
mod passkeys;
mod texter;
mod users;
mod webhooks;

pub use audit::{AuditKey, AuditLog, AuditPage, AuditQuery};
pub use breached::BreachedPasswords;
#[cfg(any(test, feature = "test-hooks"))]
pub use clock::FixedClock;
pub use clock::{Clock, SystemClock};
pub use crew::{Crew, PageKey, UserPage, UserQuery};
pub use errors::{BackendError, StoreError};
pub use invites::{Invites, MESSAGE_LOOKUP_DAYS};
pub use limits::{window_start, Limited, Limits, Slots};
pub use links::{Links, NewCredential, Redemption};
pub use mailer::{EmailMessage, MailError, Mailer};
pub use outbox::{MailOutcome, Outbox};
pub use passkeys::{PasskeyAdd, Passkeys};
pub use texter::{TextError, TextMessage, Texter};
pub use users::{Rehash, SessionChange, Users};
pub use webhooks::{DeliveryNext, EndpointHealth, Webhooks};

/// Every store port at once, for wiring only: the app is built with one store and keeps it as one
/// `Arc<dyn Store>`; each use case takes the ports it uses from it (`&dyn Store` upcasts to
/// `&dyn Users`).
pub trait Store:
    Users + Links + Limits + Invites + Crew + Outbox + Passkeys + AuditLog + Webhooks
{
}

impl<T: Users + Links + Limits + Invites + Crew + Outbox + Passkeys + AuditLog + Webhooks> Store
    for T
{
}
