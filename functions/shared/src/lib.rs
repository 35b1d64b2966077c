//! The onboarding service's library: everything the Lambda functions and the local server share.
//!
//! - `domain`: users, email addresses, password policy, one-time tokens, sessions (pure).
//! - `ports`: the store, mailer and clock the handlers talk through.
//! - `adapters`: the embedded store and outbox (local), DynamoDB and SES v2 (AWS).
//! - `http`: the router, handlers, pages and the contract's error shape.
//! - `aws`: the functions' wiring: configuration, SDK clients, the app on DynamoDB and SES v2.

pub mod adapters;
pub mod aws;
pub mod bootstrap;
pub mod config;
pub mod domain;
pub mod emails;
pub mod hashing;
pub mod http;
pub mod ports;
pub mod telemetry;

pub use config::Config;
pub use http::{App, Function, ROUTES};
