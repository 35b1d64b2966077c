//! The limits a deployment may tune: rate limits, AWS call timeouts, argon2's cost and the
//! password policy, each read with its default and its bounds.

use chrono::Duration;

use super::env::Reader;
use super::{err, ConfigError};
use crate::domain::PasswordPolicy;
use crate::hashing::Argon2Params;

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

pub(super) fn rate_limits(r: &Reader) -> Result<RateLimits, ConfigError> {
    Ok(RateLimits {
        login_window: r.duration("LOGIN_FAILURE_WINDOW", Duration::minutes(15))?,
        login_failures_per_email_and_ip: r.limit("LOGIN_FAILURES_PER_EMAIL_AND_IP", 5)?,
        login_failures_per_email: r.limit("LOGIN_FAILURES_PER_EMAIL", 50)?,
        login_failures_per_ip: r.limit("LOGIN_FAILURES_PER_IP", 50)?,
        forgot_window: r.duration("FORGOT_WINDOW", Duration::hours(1))?,
        forgot_per_email_and_ip: r.limit("FORGOT_PER_EMAIL_AND_IP", 3)?,
        forgot_per_email: r.limit("FORGOT_PER_EMAIL", 10)?,
        forgot_per_ip: r.limit("FORGOT_PER_IP", 20)?,
    })
}

pub(super) fn aws_timeouts(r: &Reader) -> Result<AwsTimeouts, ConfigError> {
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
    Ok(aws_timeouts)
}

pub(super) fn argon2(r: &Reader) -> Result<Argon2Params, ConfigError> {
    Ok(Argon2Params {
        memory_kib: r.number("ARGON2_MEMORY_KIB", 19_456, 8, 4 * 1024 * 1024)?,
        iterations: r.number("ARGON2_ITERATIONS", 2, 1, 100)?,
        parallelism: r.number("ARGON2_PARALLELISM", 1, 1, 16)?,
    })
}

pub(super) fn password_policy(r: &Reader) -> Result<PasswordPolicy, ConfigError> {
    Ok(PasswordPolicy {
        min_chars: r.number("PASSWORD_MIN_LENGTH", 12, 8, 64)?,
        min_score: r.number("PASSWORD_MIN_SCORE", 3, 0, 4)?,
    })
}
