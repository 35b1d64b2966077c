//! The mail settings: who welcome emails come from, and how fast the outbox hands them over.

use super::env::Env;
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

/// `MAIL_SEND_RATE`: emails per second, more than 0 and at most 1,000 (fractions allowed: `0.5`
/// is one email every two seconds).
pub(super) fn send_rate(env: &dyn Env) -> Result<f64, ConfigError> {
    const VAR: &str = "MAIL_SEND_RATE";
    let Some(raw) = env.get(VAR) else {
        return Ok(14.0);
    };
    match raw.trim().parse::<f64>() {
        Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1_000.0 => Ok(rate),
        _ => Err(err(
            VAR,
            format!("{raw:?}: must be emails per second, more than 0 and at most 1000, such as 14"),
        )),
    }
}
