//! Shared helpers for the cross-crate tests.

pub mod app;
#[cfg(feature = "services")]
pub mod fault_proxy;
pub mod mailer_contract;
pub mod own_process;
#[cfg(feature = "services")]
pub mod services;
#[cfg(feature = "services")]
pub mod sms_service;
#[cfg(feature = "services")]
pub mod standard_webhooks;
pub mod store_contract;
pub mod stories;
pub mod webhook_receiver;
