//! The onboarding service's library: everything the Lambda functions and the local server share.
//! Layers, each importing only those below it (domain <- ports <- services <- http):
//! - `http`: the axum router, extractors, the responder, tower layers, pages.
//! - `services`: the use cases (invite, resend, redeem a link, sign in, forgot, first admin),
//!   each a struct holding only the ports it uses.
//! - `ports`: one trait per capability (users, links, limits, invites, crew, outbox, mailer,
//!   clock, breached passwords).
//! - `domain`: users, invites, email addresses, password policy, one-time tokens, sessions (pure).
//!
//! `adapters` implement the ports (DynamoDB and SES v2 on AWS, the embedded store and local
//! mailbox locally) and import nothing above them; they are built where the app is wired (`aws`,
//! the local server, the tests) and handed to it. `telemetry` (logging and metrics) sits below
//! every layer.
//!
//! And `texts`: the text messages' bodies (beside `emails`).
//! And `ses_events`: SES's delivery events as the mailer function receives them; `sms_events`:
//! End User Messaging SMS's text status events, likewise.
//! And `aws`: the functions' wiring: configuration, SDK clients, the app on DynamoDB and SES v2.

pub mod adapters;
pub mod aws;
pub mod config;
pub mod domain;
pub mod emails;
pub mod hashing;
pub mod http;
pub mod i18n;
pub mod notices;
pub mod ports;
pub mod services;
pub mod ses_events;
pub mod sms_events;
pub mod telemetry;
pub mod texts;
pub mod webauthn;
pub mod webhooks;

pub use config::Config;
pub use http::{App, Function, Serves, ROUTES};
