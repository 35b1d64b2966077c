//! Breached-password checks against a Have I Been Pwned-style k-anonymity range API, and the
//! "none" check used when no API is configured (the default).
//!
//! Only the first 5 hex characters of the password's SHA-1 leave the service
//! (`GET {url}/range/{prefix}` with `Add-Padding: true`, so the answer's size says nothing about
//! the prefix either); the answer's `SUFFIX:COUNT` lines are matched here.
//!
//! Fail-open, on purpose: if the API is unreachable, slow (past `BREACHED_PASSWORD_TIMEOUT_MS`) or
//! answers nonsense, the password is accepted and a warning is logged (never the password nor
//! its prefix). The check is a second line behind the strength policy; a third party's outage
//! must not stop techs from finishing setup before their link expires, nor admins from inviting.

use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use lambda_http::http::{Request, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use sha1::{Digest, Sha1};
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::ports::BreachedPasswords;

/// A padded answer is about a thousand 40-byte lines; anything far bigger is not a range answer.
const MAX_ANSWER_BYTES: usize = 1 << 20;

/// The check `config` asks for: the range API at `BREACHED_PASSWORD_API_URL`, or none.
pub fn from_config(config: &Config) -> Arc<dyn BreachedPasswords> {
    match &config.breached_password_api_url {
        None => Arc::new(NoBreachCheck),
        Some(url) => Arc::new(RangeApi::new(url, config.breached_password_timeout)),
    }
}

/// No API configured: every password passes this check.
pub struct NoBreachCheck;

#[async_trait]
impl BreachedPasswords for NoBreachCheck {
    async fn is_breached(&self, _password: &SecretString) -> bool {
        false
    }
}

pub struct RangeApi {
    base_url: String,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Empty<Bytes>>,
}

impl RangeApi {
    /// Trusts Mozilla's roots, compiled in (webpki-roots): building the client reads no file
    /// and parses no certificate, so a function that checks passwords starts as fast as one that
    /// does not, and the check cannot be switched off by a missing system bundle.
    pub fn new(base_url: &str, timeout: Duration) -> Self {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_webpki_roots()
            .https_or_http()
            .enable_http1()
            .build();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            timeout,
            client: Client::builder(TokioExecutor::new()).build(https),
        }
    }

    /// The range answer's body for `prefix`, or why there is none (for the log: no prefix in it).
    async fn range(&self, prefix: &str) -> Result<String, String> {
        let request = Request::get(format!("{}/range/{prefix}", self.base_url))
            .header("add-padding", "true")
            .header("user-agent", "onboarding-service")
            .body(Empty::new())
            .map_err(|_| "cannot build the request".to_owned())?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("unreachable: {e}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("answered {}", response.status()));
        }
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?
            .to_bytes();
        String::from_utf8(body.to_vec()).map_err(|_| "the answer is not text".to_owned())
    }
}

#[async_trait]
impl BreachedPasswords for RangeApi {
    async fn is_breached(&self, password: &SecretString) -> bool {
        let digest = Sha1::digest(password.expose_secret().as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
        let (prefix, suffix) = hex.split_at(5);
        match tokio::time::timeout(self.timeout, self.range(prefix)).await {
            Ok(Ok(body)) => listed(&body, suffix),
            Ok(Err(why)) => {
                tracing::warn!(error = %why, "breached-password check skipped: the password is accepted");
                false
            }
            Err(_) => {
                tracing::warn!(
                    timeout_ms = self.timeout.as_millis() as u64,
                    "breached-password check skipped, too slow: the password is accepted"
                );
                false
            }
        }
    }
}

/// Whether `suffix` is on a `SUFFIX:COUNT` line with a count above 0 (padding lines count 0).
fn listed(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        line.trim().split_once(':').is_some_and(|(s, count)| {
            s.eq_ignore_ascii_case(suffix) && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::listed;

    #[test]
    fn a_suffix_counts_only_with_a_count_above_zero() {
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\nAAAAA:0\r\nBBBBB:3";
        assert!(listed(body, "0018a45c4d1def81644b54ab7f969b88d65"));
        assert!(!listed(body, "AAAAA"));
        assert!(listed(body, "BBBBB"));
        assert!(!listed(body, "CCCCC"));
    }
}
