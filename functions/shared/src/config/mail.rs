//! The mail settings: who welcome emails come from, and how fast the outbox hands them over.

use super::env::{Env, Reader};
use super::{err, ConfigError};

/// `SENDER_EMAIL` (else `default_email`) and `SENDER_NAME`: the From header's two halves.
pub(super) fn sender(
    env: &dyn Env,
    default_email: Option<String>,
) -> Result<(String, String), ConfigError> {
    let sender_email = env.get("SENDER_EMAIL").or(default_email).ok_or_else(|| {
        err(
            "SENDER_EMAIL",
            "is required: the verified address welcome emails come from",
        )
    })?;
    crate::domain::EmailAddress::parse(&sender_email)
        .map_err(|e| err("SENDER_EMAIL", format!("{sender_email:?}: {e}")))?;
    let sender_name = env
        .get("SENDER_NAME")
        .unwrap_or_else(|| "Onboarding".to_owned());
    if sender_name.contains(['\r', '\n', '<', '>', '"']) || sender_name.chars().count() > 64 {
        return Err(err(
            "SENDER_NAME",
            "must be one short line without <, > or quotes",
        ));
    }
    Ok((sender_email, sender_name))
}

/// `MAIL_SEND_RATE`: emails per second (SES's default production rate is 14).
pub(super) fn send_rate(env: &dyn Env) -> Result<f64, ConfigError> {
    Reader { env }.per_second("MAIL_SEND_RATE", 14.0, "emails")
}
