//! Configuration from the environment, the same names on Lambda and locally. A bad value fails
//! at start with a message that names the variable.

use chrono::Duration;
use secrecy::SecretString;
use std::collections::HashMap;

use crate::domain::session::{SigningSecrets, MIN_KEY_BYTES};
use crate::domain::PasswordPolicy;
use crate::hashing::Argon2Params;

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

/// Rate limits: at most so many events per key in a fixed window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    pub login_window: Duration,
    /// Failed sign-ins in one `login_window`: per email from one source address (strict), per
    /// email from every source (looser, so failing on purpose from one address cannot lock the
    /// owner out elsewhere), and per source address across emails.
    pub login_failures_per_email_and_ip: u64,
    pub login_failures_per_email: u64,
    pub login_failures_per_ip: u64,
    pub forgot_window: Duration,
    /// Forgot-password requests in one `forgot_window`, per email from one source address,
    /// per email from every source, and per source address.
    pub forgot_per_email_and_ip: u64,
    pub forgot_per_email: u64,
    pub forgot_per_ip: u64,
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
}

/// How long an AWS call (DynamoDB, SES) may take; the SDK sets no limit of its own, so a hung
/// endpoint would hold a request until the router's 8 s `REQUEST_TIMEOUT` dropped it. With
/// these, the call fails as an outage (the contract's 503, or an invite marked `failed`) first.
#[derive(Debug, Clone, Copy)]
pub struct AwsTimeouts {
    /// Opening a connection.
    pub connect: std::time::Duration,
    /// One attempt: the request sent and the whole response read.
    pub attempt: std::time::Duration,
    /// All attempts of one call, retries and their backoff included.
    pub operation: std::time::Duration,
}

/// The most `AWS_OPERATION_TIMEOUT_MS` may be: below the router's 8 s request timeout, so a hung
/// call is answered as an outage by the service, not cut off with nothing recorded.
pub const MAX_AWS_OPERATION_TIMEOUT_MS: u64 = 7_000;

/// Where the session signing keys come from.
#[derive(Clone)]
pub enum SessionKeySource {
    /// The secrets themselves: the local server's generated file, or `SESSION_SIGNING_KEY` (and
    /// `SESSION_PREVIOUS_SIGNING_KEY`) for `sam local` and `cargo lambda`.
    Secrets(SigningSecrets),
    /// A Secrets Manager secret (`SESSION_SIGNING_SECRET_ID`, its ARN or name), read once at
    /// init: its `AWSCURRENT` version signs, its `AWSPREVIOUS` version (if any) still verifies.
    SecretsManager(String),
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
}

/// A signing secret's source must be long enough to carry a key's worth of randomness.
pub fn check_signing_secret(var: &'static str, secret: &SecretString) -> Result<(), ConfigError> {
    if secrecy::ExposeSecret::expose_secret(secret).len() < MIN_KEY_BYTES {
        return Err(err(
            var,
            format!("must be at least {MIN_KEY_BYTES} bytes long"),
        ));
    }
    Ok(())
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

/// Parses `604800`, `604800s`, `30m`, `12h`, `7d`.
pub fn parse_duration(raw: &str) -> Option<Duration> {
    let raw = raw.trim();
    let (digits, unit) = match raw.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => raw.split_at(i),
        None => (raw, "s"),
    };
    let n: i64 = digits.parse().ok()?;
    if n <= 0 {
        return None;
    }
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    // Ten years is more than any link or session should live; it also keeps chrono in range.
    (secs <= 10 * 365 * 86_400).then(|| Duration::seconds(secs))
}

/// Where configuration values come from: the process environment, or a map in tests.
pub trait Env {
    fn get(&self, var: &str) -> Option<String>;
}

pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, var: &str) -> Option<String> {
        std::env::var(var).ok().filter(|v| !v.is_empty())
    }
}

impl Env for HashMap<String, String> {
    fn get(&self, var: &str) -> Option<String> {
        HashMap::get(self, var).cloned().filter(|v| !v.is_empty())
    }
}

/// Defaults that differ between Lambda and the local server.
pub struct Defaults {
    pub public_base_url: Option<String>,
    pub session_signing_key: Option<SecretString>,
    pub sender_email: Option<String>,
}

impl Defaults {
    /// Lambda: nothing that makes links or sessions may be guessed.
    pub fn lambda() -> Self {
        Self {
            public_base_url: None,
            session_signing_key: None,
            sender_email: None,
        }
    }
}

struct Reader<'a> {
    env: &'a dyn Env,
}

impl Reader<'_> {
    fn duration(&self, var: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        match self.env.get(var) {
            None => Ok(default),
            Some(v) => parse_duration(&v)
                .ok_or_else(|| err(var, format!("{v:?} is not a duration: use seconds, or a number with s, m, h or d (e.g. 7d)"))),
        }
    }
    fn number<T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display>(
        &self,
        var: &'static str,
        default: T,
        min: T,
        max: T,
    ) -> Result<T, ConfigError> {
        match self.env.get(var) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<T>() {
                Ok(n) if n >= min && n <= max => Ok(n),
                _ => Err(err(
                    var,
                    format!("{v:?} must be a whole number from {min} to {max}"),
                )),
            },
        }
    }
    fn url(&self, var: &'static str, default: Option<String>) -> Result<String, ConfigError> {
        let v = self
            .env
            .get(var)
            .or(default)
            .ok_or_else(|| err(var, "is required (e.g. https://onboard.example.com)"))?;
        let v = v.trim().trim_end_matches('/').to_owned();
        let rest = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))
            .ok_or_else(|| {
                err(
                    var,
                    format!("{v:?} must start with https:// (or http:// for local use)"),
                )
            })?;
        if rest.is_empty() || rest.contains(['?', '#', ' ', '"', '<', '>']) {
            return Err(err(var, format!("{v:?} is not a plain base URL")));
        }
        Ok(v)
    }
    fn limit(&self, var: &'static str, default: u64) -> Result<u64, ConfigError> {
        self.number(var, default, 1, 1_000_000)
    }
}

impl Config {
    pub fn from_env(env: &dyn Env, defaults: Defaults) -> Result<Self, ConfigError> {
        let r = Reader { env };
        let public_base_url = r.url("PUBLIC_BASE_URL", defaults.public_base_url)?;
        let app_url = r.url("APP_URL", Some(format!("{public_base_url}/app")))?;
        let session_keys = match (
            env.get("SESSION_SIGNING_SECRET_ID"),
            env.get("SESSION_SIGNING_KEY"),
        ) {
            (Some(_), Some(_)) => {
                return Err(err(
                    "SESSION_SIGNING_KEY",
                    "must not be set with SESSION_SIGNING_SECRET_ID: the key comes from one place",
                ))
            }
            (Some(id), None) => SessionKeySource::SecretsManager(id),
            (None, key) => {
                let current = key.map(SecretString::from).or(defaults.session_signing_key).ok_or_else(|| {
                    err(
                        "SESSION_SIGNING_SECRET_ID",
                        "is required: the Secrets Manager secret the session signing key comes from (or SESSION_SIGNING_KEY, a random string of at least 32 bytes, for local use)",
                    )
                })?;
                check_signing_secret("SESSION_SIGNING_KEY", &current)?;
                let previous = env
                    .get("SESSION_PREVIOUS_SIGNING_KEY")
                    .map(SecretString::from);
                if let Some(p) = &previous {
                    check_signing_secret("SESSION_PREVIOUS_SIGNING_KEY", p)?;
                }
                SessionKeySource::Secrets(SigningSecrets {
                    current,
                    next: None,
                    previous,
                })
            }
        };
        let sender_email = env
            .get("SENDER_EMAIL")
            .or(defaults.sender_email)
            .ok_or_else(|| {
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
        let argon2 = Argon2Params {
            memory_kib: r.number("ARGON2_MEMORY_KIB", 19_456, 8, 4 * 1024 * 1024)?,
            iterations: r.number("ARGON2_ITERATIONS", 2, 1, 100)?,
            parallelism: r.number("ARGON2_PARALLELISM", 1, 1, 16)?,
        };
        let ms = |var, default| {
            r.number(var, default, 100, MAX_AWS_OPERATION_TIMEOUT_MS)
                .map(std::time::Duration::from_millis)
        };
        let aws_timeouts = AwsTimeouts {
            connect: ms("AWS_CONNECT_TIMEOUT_MS", 1_000)?,
            attempt: ms("AWS_ATTEMPT_TIMEOUT_MS", 2_000)?,
            operation: ms("AWS_OPERATION_TIMEOUT_MS", 5_000)?,
        };
        if aws_timeouts.attempt > aws_timeouts.operation {
            return Err(err(
                "AWS_ATTEMPT_TIMEOUT_MS",
                "must not exceed AWS_OPERATION_TIMEOUT_MS",
            ));
        }
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
            setup_token_ttl: r.duration("SETUP_TOKEN_TTL", Duration::days(7))?,
            reset_token_ttl: r.duration("RESET_TOKEN_TTL", Duration::minutes(30))?,
            session_ttl: r.duration("SESSION_TTL", Duration::hours(12))?,
            temp_password_ttl: env
                .get("TEMP_PASSWORD_TTL")
                .map(|_| r.duration("TEMP_PASSWORD_TTL", Duration::zero()))
                .transpose()?,
            argon2,
            password_policy: PasswordPolicy {
                min_chars: r.number("PASSWORD_MIN_LENGTH", 12, 8, 64)?,
                min_score: r.number("PASSWORD_MIN_SCORE", 3, 0, 4)?,
            },
            rate_limits: RateLimits {
                login_window: r.duration("LOGIN_FAILURE_WINDOW", Duration::minutes(15))?,
                login_failures_per_email_and_ip: r.limit("LOGIN_FAILURES_PER_EMAIL_AND_IP", 5)?,
                login_failures_per_email: r.limit("LOGIN_FAILURES_PER_EMAIL", 50)?,
                login_failures_per_ip: r.limit("LOGIN_FAILURES_PER_IP", 50)?,
                forgot_window: r.duration("FORGOT_WINDOW", Duration::hours(1))?,
                forgot_per_email_and_ip: r.limit("FORGOT_PER_EMAIL_AND_IP", 3)?,
                forgot_per_email: r.limit("FORGOT_PER_EMAIL", 10)?,
                forgot_per_ip: r.limit("FORGOT_PER_IP", 20)?,
            },
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
            mail_send_rate: mail_send_rate(env)?,
            reminder_before: r.duration("REMINDER_BEFORE", Duration::hours(48))?,
            schedule_every: r.duration("SCHEDULE_EVERY", Duration::seconds(60))?,
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

/// `MAIL_SEND_RATE`: emails per second, more than 0 and at most 1,000 (fractions allowed: `0.5`
/// is one email every two seconds).
fn mail_send_rate(env: &dyn Env) -> Result<f64, ConfigError> {
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

fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn durations_take_seconds_or_a_unit() {
        assert_eq!(parse_duration("604800"), Some(Duration::days(7)));
        assert_eq!(parse_duration("7d"), Some(Duration::days(7)));
        assert_eq!(parse_duration("30m"), Some(Duration::minutes(30)));
        assert_eq!(parse_duration("12h"), Some(Duration::hours(12)));
        assert_eq!(parse_duration("5s"), Some(Duration::seconds(5)));
        for bad in ["", "0", "-5", "7w", "d", "1.5h", "99999999999999999999"] {
            assert_eq!(parse_duration(bad), None, "{bad:?}");
        }
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
