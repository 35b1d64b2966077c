//! The cross-crate tests, in one test binary (zero2prod's `tests/api/`): one link of the AWS SDK
//! and the library for all of them, not one per story. A module per story; the shared helpers
//! (`spawn_app()`, the store and mailer contracts, the services' clients) are the `tests` crate's
//! library, in `support/`.
//!
//! `cargo test` runs what needs nothing outside Rust. The modules behind the `services` feature
//! need DynamoDB Local, moto, chromedriver and Chromium, or the functions' release binaries:
//! `make test` installs and starts them and runs
//! `cargo test --workspace --features tests/services`. Without them these fail; they never skip.
//!
//! Every test shares this process: one that changes process-wide state runs apart
//! (`aws_wiring`, in a process of its own) or keeps the change to its own threads (`logs`).

mod account_security;
mod audit_log;
mod bad_input;
mod batch;
mod breached_passwords;
mod codes;
mod cookies;
mod corrections;
mod crew;
mod csrf;
mod events;
mod first_admin;
mod hsts;
mod journey;
mod known_devices;
mod languages;
mod languages_api;
mod local_schedule;
mod local_server;
mod logs;
mod mailbox_simulator;
mod mailer_outbox;
mod openapi;
mod parsers_fuzz;
mod passkeys;
mod phones;
mod probing;
mod reminders;
mod sessions;
mod short_links;
mod store_embedded;
mod template_routes;

#[cfg(feature = "services")]
mod aws_app;
#[cfg(feature = "services")]
mod aws_texts;
#[cfg(feature = "services")]
mod aws_timeouts;
#[cfg(feature = "services")]
mod aws_wiring;
#[cfg(feature = "services")]
mod browser;
#[cfg(feature = "services")]
mod browser_passkeys;
#[cfg(feature = "services")]
mod functions;
#[cfg(feature = "services")]
mod mailer_ses;
#[cfg(feature = "services")]
mod sessions_aws;
#[cfg(feature = "services")]
mod sms_service;
#[cfg(feature = "services")]
mod store_conflicts;
#[cfg(feature = "services")]
mod store_dynamodb;
#[cfg(feature = "services")]
mod store_dynamodb_audit;
#[cfg(feature = "services")]
mod webhook_signatures;
#[cfg(feature = "services")]
mod webhooks;
