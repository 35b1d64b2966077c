//! Logging: JSON lines on Lambda (CloudWatch Logs Insights queries fields), readable lines
//! locally. Nothing logged carries a password, token, hash or session: the types that hold them
//! redact themselves, and requests are logged by route pattern, never by raw URI or body.
//!
//! Other crates' logs are ours too: at TRACE the AWS SDK prints whole responses (a user's item,
//! argon2 hash included) and the Lambda runtime prints the raw event (passwords, links' tokens,
//! the `Authorization` header). So whatever `RUST_LOG` asks, those crates are capped below
//! TRACE by [`LogFilter`], a filter of its own rather than directives appended to the user's:
//! in an `EnvFilter` the most specific directive wins, so `aws_smithy_runtime::client=trace`
//! would beat an appended `aws_smithy_runtime=info`.

use tracing::level_filters::LevelFilter;
use tracing::subscriber::Interest;
use tracing::{Level, Metadata};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::prelude::*;
use tracing_subscriber::EnvFilter;

/// The most each third-party crate may log, by target prefix, with the reason. A target matches a
/// prefix as `EnvFilter` matches one: by the start of the module path (`aws_` is every AWS SDK,
/// smithy, sigv4 and aws-config crate). What is not listed is capped by `RUST_LOG` alone.
const CAPS: &[(&str, Level)] = &[
    // DEBUG is refused too: the orchestrator logs errors with `{:?}` at DEBUG, and an error can
    // carry the raw response; our conditional writes ask DynamoDB for the old item on failure
    // (`ReturnValuesOnConditionCheckFailure::AllOld`), so that body holds hashes and emails.
    ("aws_", Level::INFO),
    // h2 logs every frame it sends and receives with `{:?}` at DEBUG, header frames included.
    ("h2", Level::INFO),
    // hyper logs headers and bytes at TRACE; at DEBUG only counts and parse errors.
    ("hyper", Level::DEBUG),
    // rustls logs handshake messages at TRACE; at DEBUG the negotiated parameters.
    ("rustls", Level::DEBUG),
    // tower's DEBUG lines are about buffers and readiness, never a request's content.
    ("tower", Level::DEBUG),
    // lambda_runtime logs the raw JSON event at TRACE ("raw JSON event received from Lambda");
    // its DEBUG lines are about the polling loop. lambda_http and the runtime API client alike.
    ("lambda_", Level::DEBUG),
];

/// Whether a callsite is within its crate's cap (see [`CAPS`]).
fn within_cap(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    CAPS.iter()
        .find(|(prefix, _)| target.starts_with(prefix))
        // Levels compare by verbosity: TRACE > DEBUG > INFO.
        .is_none_or(|(_, cap)| metadata.level() <= cap)
}

/// What gets logged: what `RUST_LOG` (or `spec`) asks, within the third-party caps. The
/// functions and the local server build their filter with [`LogFilter::new`], and the tests
/// build theirs the same way.
pub struct LogFilter {
    requested: EnvFilter,
}

impl LogFilter {
    /// `spec` in `RUST_LOG`'s syntax; one that does not parse means "info".
    pub fn new(spec: &str) -> Self {
        LogFilter {
            requested: EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("info")),
        }
    }

    /// From `RUST_LOG`, "info" when unset or unparsable.
    pub fn from_env() -> Self {
        match std::env::var("RUST_LOG") {
            Ok(spec) if !spec.trim().is_empty() => LogFilter::new(&spec),
            _ => LogFilter::new("info"),
        }
    }
}

impl<S> Filter<S> for LogFilter
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn enabled(&self, metadata: &Metadata<'_>, cx: &Context<'_, S>) -> bool {
        within_cap(metadata) && Filter::<S>::enabled(&self.requested, metadata, cx)
    }

    fn callsite_enabled(&self, metadata: &'static Metadata<'static>) -> Interest {
        if within_cap(metadata) {
            Filter::<S>::callsite_enabled(&self.requested, metadata)
        } else {
            Interest::never()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Filter::<S>::max_level_hint(&self.requested)
    }

    // Span-scoped directives (`[span{field=x}]=debug`) need to see spans come and go.
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        cx: Context<'_, S>,
    ) {
        Filter::<S>::on_new_span(&self.requested, attrs, id, cx)
    }

    fn on_record(
        &self,
        id: &tracing::span::Id,
        values: &tracing::span::Record<'_>,
        cx: Context<'_, S>,
    ) {
        Filter::<S>::on_record(&self.requested, id, values, cx)
    }

    fn on_enter(&self, id: &tracing::span::Id, cx: Context<'_, S>) {
        Filter::<S>::on_enter(&self.requested, id, cx)
    }

    fn on_exit(&self, id: &tracing::span::Id, cx: Context<'_, S>) {
        Filter::<S>::on_exit(&self.requested, id, cx)
    }

    fn on_close(&self, id: tracing::span::Id, cx: Context<'_, S>) {
        Filter::<S>::on_close(&self.requested, id, cx)
    }
}

pub fn init_json() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                .without_time()
                .with_target(false)
                .with_filter(LogFilter::from_env()),
        )
        .try_init();
}

pub fn init_text() {
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_target(false)
                .with_filter(LogFilter::from_env()),
        )
        .try_init();
}

/// The figures of one run of the mail schedule that the operators watch (the services' report
/// hands them over: telemetry sits below every layer and knows none of their types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailMetrics {
    /// How long the longest-waiting due job had waited when the run began (seconds).
    pub oldest_waiting_secs: i64,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
    /// Webhook deliveries that reached their endpoint (2xx).
    pub webhooks_delivered: usize,
    /// Webhook attempts that failed (retried or given up on): the alarm beside the mail's.
    pub webhooks_failed: usize,
}

/// The schedule's figures as one CloudWatch Embedded Metric Format line on stdout (namespace
/// `Onboarding/Mail`, dimension `Function`): CloudWatch turns it into metrics, and the template's
/// alarm watches `OldestQueuedSeconds`. Counts only: nothing about any user.
pub fn emit_schedule_metrics(report: &MailMetrics, now_ms: i64) {
    let line = serde_json::json!({
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [{
                "Namespace": "Onboarding/Mail",
                "Dimensions": [["Function"]],
                "Metrics": [
                    {"Name": "OldestQueuedSeconds", "Unit": "Seconds"},
                    {"Name": "Sent", "Unit": "Count"},
                    {"Name": "Retried", "Unit": "Count"},
                    {"Name": "Failed", "Unit": "Count"},
                    {"Name": "WebhooksDelivered", "Unit": "Count"},
                    {"Name": "WebhooksFailed", "Unit": "Count"},
                ],
            }],
        },
        "Function": "mailer",
        "OldestQueuedSeconds": report.oldest_waiting_secs,
        "Sent": report.sent,
        "Retried": report.retried,
        "Failed": report.failed,
        "WebhooksDelivered": report.webhooks_delivered,
        "WebhooksFailed": report.webhooks_failed,
    });
    println!("{line}");
}

/// Logs the whole cause chain of an unexpected failure; callers only ever see an opaque message.
pub fn log_unexpected(context: &str, error: &(dyn std::error::Error + 'static)) {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    tracing::error!(context, error = %chain, "unexpected failure");
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::callsite::Identifier;
    use tracing::field::FieldSet;
    use tracing::metadata::Kind;

    struct Site;
    impl tracing::Callsite for Site {
        fn set_interest(&self, _: Interest) {}
        fn metadata(&self) -> &Metadata<'_> {
            unimplemented!()
        }
    }
    static SITE: Site = Site;

    fn event(target: &'static str, level: Level) -> Metadata<'static> {
        Metadata::new(
            "event",
            target,
            level,
            None,
            None,
            None,
            FieldSet::new(&[], Identifier(&SITE)),
            Kind::EVENT,
        )
    }

    #[test]
    fn the_sdk_and_the_runtime_never_log_at_trace_whatever_rust_log_asks() {
        for target in [
            "aws_smithy_runtime::client::orchestrator",
            "aws_sdk_dynamodb::operation",
            "aws_config",
            "h2::codec",
            "hyper::proto::h1",
            "hyper_util::client",
            "rustls::client",
            "tower::buffer",
            "lambda_runtime::layers::api_response",
            "lambda_http",
        ] {
            assert!(!within_cap(&event(target, Level::TRACE)), "{target}");
            assert!(within_cap(&event(target, Level::INFO)), "{target}");
        }
        for target in ["aws_smithy_runtime", "h2"] {
            assert!(!within_cap(&event(target, Level::DEBUG)), "{target}");
        }
        assert!(within_cap(&event("onboarding::http", Level::TRACE)));
    }
}
