//! The onboarding service's library: everything the Lambda functions and the local server share.
//! Four layers, each calling only the one below:
//! - `http`: the axum router, extractors, the responder, tower layers, pages.
//! - `services`: the use cases (invite, resend, redeem a link, sign in, forgot, first admin).
//! - `domain`: users, email addresses, password policy, one-time tokens, sessions (pure).
//! - `ports` and `adapters`: the store, mailer and clock; DynamoDB and SES v2 on AWS, the
//!   embedded store and outbox locally.
//!
//! And `ses_events`: SES's delivery events as the mailer function receives them.
//! And `aws`: the functions' wiring: configuration, SDK clients, the app on DynamoDB and SES v2.

pub mod adapters;
pub mod aws;
pub mod config;
pub mod domain;
pub mod emails;
pub mod hashing;
pub mod http;
pub mod ports;
pub mod services;
pub mod ses_events;
pub mod telemetry;

pub use config::Config;
pub use http::{App, Function, Serves, ROUTES};
