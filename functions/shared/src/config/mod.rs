//! Configuration from the environment, the same names on Lambda and locally. A bad value fails
//! at start with a message that names the variable.
//!
//! `Config` and its reading in named steps live here; where values come from and how one is
//! read in `env`, durations in `durations`, the session keys' source in `session_keys`, the
//! sender in `mail`, the tunable limits in `limits`, the default locale and the display time
//! zone in `languages`.

mod durations;
mod env;
mod languages;
mod limits;
mod mail;
mod session_keys;
mod sms;

use chrono::Duration;

pub use durations::parse_duration;
pub use env::{Defaults, Env, ProcessEnv};
pub use limits::{AwsTimeouts, RateLimits, MAX_AWS_OPERATION_TIMEOUT_MS};
pub use session_keys::{check_signing_secret, SessionKeySource};
pub use sms::SmsConfig;

use crate::domain::session::SigningSecrets;
use crate::domain::PasswordPolicy;
use crate::hashing::Argon2Params;
use env::Reader;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("configuration: {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

fn err(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        message: message.into(),
    }
}

#[derive(Clone)]
pub struct Config {
    /// DynamoDB table; `None` means the embedded store (local server only).
    pub table_name: Option<String>,
    pub sender_email: String,
    pub sender_name: String,
    pub ses_configuration_set: Option<String>,
    /// Links in emails start with this; never with a request's Host.
    pub public_base_url: String,
    /// Where a tech lands after setting a password.
    pub app_url: String,
    /// Where the session signing keys come from.
    pub session_keys: SessionKeySource,
    pub session_issuer: String,
    pub session_audience: String,
    pub setup_token_ttl: Duration,
    pub reset_token_ttl: Duration,
    pub session_ttl: Duration,
    /// How long an admin's temporary password works after the user was created; `None`: until
    /// the user sets their own (the product's promise; see docs/THREAT_MODEL.md).
    pub temp_password_ttl: Option<Duration>,
    pub argon2: Argon2Params,
    pub password_policy: PasswordPolicy,
    pub rate_limits: RateLimits,
    /// The least time `POST /password/forgot` takes, so known and unknown emails answer alike.
    pub forgot_min_response: Duration,
    pub aws_timeouts: AwsTimeouts,
    /// A Have I Been Pwned-style range API (`{url}/range/{prefix}`); `None`: no breach check.
    pub breached_password_api_url: Option<String>,
    /// How long a password waits on that API before it is accepted unchecked (fail-open).
    pub breached_password_timeout: std::time::Duration,
    /// The outbox's sending rate: the schedule's sweep hands at most this many emails per
    /// second to the mail service (SES's default production rate is 14, the sandbox's 1).
    pub mail_send_rate: f64,
    /// An invite still waiting this long before its link expires gets one reminder (only links
    /// that last longer than this).
    pub reminder_before: Duration,
    /// How often the local server runs the schedule (reminders, retries of unsent email); on
    /// AWS the template's schedule says.
    pub schedule_every: Duration,
    /// Text messages: which numbers are accepted, the daily cap, the sending rate, and what End
    /// User Messaging sends them through.
    pub sms: SmsConfig,
    /// The locale of a user who has none (`DEFAULT_LOCALE`), and of a page that knows nobody's.
    pub default_locale: crate::domain::Locale,
    /// Where dates and times in emails, texts and pages are shown (`DISPLAY_TIME_ZONE`).
    pub display_time_zone: chrono_tz::Tz,
    /// How long audit events are kept (`AUDIT_RETENTION`, default `400d`): the store's TTL
    /// removes them after, and reads skip them from then.
    pub audit_retention: Duration,
    /// `WEBHOOK_ALLOW_LOOPBACK`: webhooks may also go to `http://127.0.0.1` and
    /// `http://localhost`. Read only with the `local` feature (the local server, the tests):
    /// a Lambda function cannot be configured into it.
    pub webhook_allow_loopback: bool,
}

impl Config {
    /// The signing secrets, once they are known (see [`SessionKeySource`]).
    pub fn signing_secrets(&self) -> Result<&SigningSecrets, ConfigError> {
        match &self.session_keys {
            SessionKeySource::Secrets(s) => Ok(s),
            SessionKeySource::SecretsManager(_) => Err(err(
                "SESSION_SIGNING_SECRET_ID",
                "the secret has not been read from Secrets Manager yet",
            )),
        }
    }

    /// Reads every setting, each with its default (or, where nothing may be guessed on Lambda,
    /// `defaults`): the URLs, the session keys, the sender, the lifetimes, the limits.
    pub fn from_env(env: &dyn Env, defaults: Defaults) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let public_base_url = r.url("PUBLIC_BASE_URL", defaults.public_base_url)?;
        let app_url = r.url("APP_URL", Some(format!("{public_base_url}/app")))?;
        let session_keys = session_keys::from_env(env, defaults.session_signing_key)?;
        let (sender_email, sender_name) = mail::sender(env, defaults.sender_email)?;
        let argon2 = limits::argon2(&r)?;
        let aws_timeouts = limits::aws_timeouts(&r)?;
        let lifetimes = Lifetimes::read(&r)?;
        Ok(Self {
            table_name: env.get("TABLE_NAME"),
            sender_email,
            sender_name,
            ses_configuration_set: env.get("SES_CONFIGURATION_SET"),
            public_base_url,
            app_url,
            session_keys,
            session_issuer: env
                .get("SESSION_ISSUER")
                .unwrap_or_else(|| "onboarding".to_owned()),
            session_audience: env
                .get("SESSION_AUDIENCE")
                .unwrap_or_else(|| "field-service-app".to_owned()),
            setup_token_ttl: lifetimes.setup_token,
            reset_token_ttl: lifetimes.reset_token,
            session_ttl: lifetimes.session,
            temp_password_ttl: lifetimes.temp_password,
            argon2,
            password_policy: limits::password_policy(&r)?,
            rate_limits: limits::rate_limits(&r)?,
            forgot_min_response: Duration::milliseconds(r.number(
                "FORGOT_MIN_RESPONSE_MS",
                250,
                0,
                10_000,
            )?),
            aws_timeouts,
            breached_password_api_url: env
                .get("BREACHED_PASSWORD_API_URL")
                .map(|v| r.url("BREACHED_PASSWORD_API_URL", Some(v)))
                .transpose()?,
            breached_password_timeout: std::time::Duration::from_millis(r.number(
                "BREACHED_PASSWORD_TIMEOUT_MS",
                2_000,
                50,
                10_000,
            )?),
            mail_send_rate: mail::send_rate(env)?,
            reminder_before: r.duration("REMINDER_BEFORE", Duration::hours(48))?,
            schedule_every: r.duration("SCHEDULE_EVERY", Duration::seconds(60))?,
            sms: sms::from_env(env)?,
            default_locale: languages::default_locale(env)?,
            display_time_zone: languages::display_time_zone(env)?,
            audit_retention: r.duration("AUDIT_RETENTION", Duration::days(400))?,
            webhook_allow_loopback: webhook_allow_loopback(&r, defaults.webhook_allow_loopback)?,
        })
    }

    /// `Name <address>` for the From header.
    pub fn from_header(&self) -> String {
        format!("{} <{}>", self.sender_name, self.sender_email)
    }

    /// The scheme, host and port of the app URL: forms may redirect there.
    pub fn app_origin(&self) -> &str {
        origin_of(&self.app_url)
    }

    /// The scheme, host and port of the public base URL: the one origin this service's own
    /// pages are served from, so the only one their forms may be posted from.
    pub fn public_origin(&self) -> &str {
        origin_of(&self.public_base_url)
    }

    /// Served over https (always, at AWS): browsers may then be told never to use plain http.
    pub fn is_https(&self) -> bool {
        self.public_base_url.starts_with("https://")
    }
}

/// How long links, sessions and the temporary password last.
struct Lifetimes {
    setup_token: Duration,
    reset_token: Duration,
    session: Duration,
    temp_password: Option<Duration>,
}

impl Lifetimes {
    fn read(r: &Reader) -> Result<Self, ConfigError> {
        Ok(Self {
            setup_token: r.duration("SETUP_TOKEN_TTL", Duration::days(7))?,
            reset_token: r.duration("RESET_TOKEN_TTL", Duration::minutes(30))?,
            session: r.duration("SESSION_TTL", Duration::hours(12))?,
            temp_password: r
                .get("TEMP_PASSWORD_TTL")
                .map(|_| r.duration("TEMP_PASSWORD_TTL", Duration::zero()))
                .transpose()?,
        })
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("table_name", &self.table_name)
            .field("public_base_url", &self.public_base_url)
            .field("app_url", &self.app_url)
            .finish_non_exhaustive()
    }
}

fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

/// `WEBHOOK_ALLOW_LOOPBACK` (`true`/`1` or `false`/`0`), where it can be read at all: with the
/// `local` feature. Without it (every Lambda function) loopback webhooks are never allowed.
#[cfg(feature = "local")]
fn webhook_allow_loopback(r: &env::Reader<'_>, default: bool) -> Result<bool, ConfigError> {
    match r.get("WEBHOOK_ALLOW_LOOPBACK").as_deref() {
        None => Ok(default),
        Some("1" | "true") => Ok(true),
        Some("0" | "false") => Ok(false),
        Some(other) => Err(err(
            "WEBHOOK_ALLOW_LOOPBACK",
            format!("{other:?} is not a switch: use true or false"),
        )),
    }
}

#[cfg(not(feature = "local"))]
fn webhook_allow_loopback(_: &env::Reader<'_>, _: bool) -> Result<bool, ConfigError> {
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("PUBLIC_BASE_URL", "https://onboard.example.com/"),
            ("SESSION_SIGNING_KEY", "0123456789abcdef0123456789abcdef"),
            ("SENDER_EMAIL", "noreply@example.com"),
        ]
    }

    #[test]
    fn defaults_are_the_products_lifetimes() {
        let c = Config::from_env(&env(&good()), Defaults::lambda()).unwrap();
        assert_eq!(c.setup_token_ttl, Duration::days(7));
        assert_eq!(c.reset_token_ttl, Duration::minutes(30));
        assert_eq!(c.session_ttl, Duration::hours(12));
        assert_eq!(c.public_base_url, "https://onboard.example.com");
        assert_eq!(c.app_url, "https://onboard.example.com/app");
        assert_eq!(c.app_origin(), "https://onboard.example.com");
        assert_eq!(c.mail_send_rate, 14.0);
        assert_eq!(c.sms.rules, crate::domain::PhoneRules::default());
        assert_eq!(c.sms.daily_limit_per_org, 500);
        assert_eq!(c.sms.send_rate, 1.0);
        assert_eq!(c.default_locale, crate::domain::Locale::En);
        assert_eq!(c.display_time_zone, chrono_tz::Tz::UTC);
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (var, value) in [
            ("SETUP_TOKEN_TTL", "a week"),
            ("PUBLIC_BASE_URL", "onboard.example.com"),
            ("SESSION_SIGNING_KEY", "short"),
            ("SESSION_PREVIOUS_SIGNING_KEY", "short"),
            ("TEMP_PASSWORD_TTL", "0"),
            ("ARGON2_MEMORY_KIB", "lots"),
            ("SENDER_EMAIL", "not-an-email"),
            ("AWS_OPERATION_TIMEOUT_MS", "8000"),
            ("AWS_ATTEMPT_TIMEOUT_MS", "6000"),
            ("MAIL_SEND_RATE", "0"),
            ("SMS_SEND_RATE", "fast"),
            ("SMS_ALLOWED_COUNTRIES", "US,Canada"),
            ("DEFAULT_PHONE_REGION", "MX"),
            ("DEFAULT_LOCALE", "ja"),
            ("DISPLAY_TIME_ZONE", "Europe/Atlantis"),
        ] {
            let mut e = env(&good());
            e.insert(var.to_string(), value.to_string());
            let error = Config::from_env(&e, Defaults::lambda()).unwrap_err();
            assert_eq!(error.var, var);
            assert!(error.to_string().contains(var));
        }
    }

    #[test]
    fn the_signing_key_comes_from_secrets_manager_or_the_environment_never_both() {
        let mut e = env(&good());
        e.remove("SESSION_SIGNING_KEY");
        assert_eq!(
            Config::from_env(&e, Defaults::lambda()).unwrap_err().var,
            "SESSION_SIGNING_SECRET_ID"
        );
        e.insert(
            "SESSION_SIGNING_SECRET_ID".into(),
            "arn:aws:secretsmanager:eu-west-1:1:secret:k".into(),
        );
        let c = Config::from_env(&e, Defaults::lambda()).unwrap();
        assert!(
            matches!(c.session_keys, SessionKeySource::SecretsManager(ref id) if id.ends_with(":k"))
        );
        assert!(c.signing_secrets().is_err());
        e.insert(
            "SESSION_SIGNING_KEY".into(),
            "0123456789abcdef0123456789abcdef".into(),
        );
        assert_eq!(
            Config::from_env(&e, Defaults::lambda()).unwrap_err().var,
            "SESSION_SIGNING_KEY"
        );
    }

    #[test]
    fn the_temporary_password_lasts_until_replaced_unless_configured() {
        let c = Config::from_env(&env(&good()), Defaults::lambda()).unwrap();
        assert_eq!(c.temp_password_ttl, None);
        let mut e = env(&good());
        e.insert("TEMP_PASSWORD_TTL".into(), "30d".into());
        let c = Config::from_env(&e, Defaults::lambda()).unwrap();
        assert_eq!(c.temp_password_ttl, Some(Duration::days(30)));
    }

    #[test]
    fn lambda_needs_a_signing_key_and_a_base_url() {
        let e = env(&[("SENDER_EMAIL", "noreply@example.com")]);
        assert_eq!(
            Config::from_env(&e, Defaults::lambda()).unwrap_err().var,
            "PUBLIC_BASE_URL"
        );
    }
}
