//! Logging: JSON lines on Lambda (CloudWatch Logs Insights queries fields), readable lines
//! locally. Nothing logged carries a password, token, hash or session: the types that hold them
//! redact themselves, and requests are logged by route pattern, never by raw URI or body.

use tracing_subscriber::EnvFilter;

pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .try_init();
}

pub fn init_text() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_target(false)
        .try_init();
}
