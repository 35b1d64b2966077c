//! Where configuration values come from (the process environment, or a map in tests), the
//! defaults that differ between Lambda and the local server, and the typed reading of one
//! variable: a duration, a bounded number, a base URL.

use chrono::Duration;
use secrecy::SecretString;
use std::collections::HashMap;

use super::durations::parse_duration;
use super::{err, ConfigError};

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
    /// `WEBHOOK_ALLOW_LOOPBACK`'s default: on for the local server, off everywhere else (and
    /// never readable in a Lambda function: see [`super::Config::webhook_allow_loopback`]).
    pub webhook_allow_loopback: bool,
}

impl Defaults {
    /// Lambda: nothing that makes links or sessions may be guessed.
    pub fn lambda() -> Self {
        Self {
            public_base_url: None,
            session_signing_key: None,
            sender_email: None,
            webhook_allow_loopback: false,
        }
    }
}

/// Reads one variable as a typed value, or its default when unset; a bad value is an error
/// that names the variable.
pub(super) struct Reader<'a> {
    pub(super) env: &'a dyn Env,
}

impl Reader<'_> {
    pub(super) fn get(&self, var: &str) -> Option<String> {
        self.env.get(var)
    }
    pub(super) fn duration(
        &self,
        var: &'static str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        match self.env.get(var) {
            None => Ok(default),
            Some(v) => parse_duration(&v)
                .ok_or_else(|| err(var, format!("{v:?} is not a duration: use seconds, or a number with s, m, h or d (e.g. 7d)"))),
        }
    }
    pub(super) fn number<T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display>(
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
    pub(super) fn url(
        &self,
        var: &'static str,
        default: Option<String>,
    ) -> Result<String, ConfigError> {
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
    /// A sending rate: `what` per second, more than 0 and at most 1,000 (fractions allowed:
    /// `0.5` is one every two seconds).
    pub(super) fn per_second(
        &self,
        var: &'static str,
        default: f64,
        what: &str,
    ) -> Result<f64, ConfigError> {
        let Some(raw) = self.env.get(var) else {
            return Ok(default);
        };
        match raw.trim().parse::<f64>() {
            Ok(rate) if rate.is_finite() && rate > 0.0 && rate <= 1_000.0 => Ok(rate),
            _ => Err(err(
                var,
                format!("{raw:?}: must be {what} per second, more than 0 and at most 1000, such as {default}"),
            )),
        }
    }
    pub(super) fn limit(&self, var: &'static str, default: u64) -> Result<u64, ConfigError> {
        self.number(var, default, 1, 1_000_000)
    }
}
