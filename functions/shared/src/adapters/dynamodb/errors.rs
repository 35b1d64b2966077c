//! AWS failures as store errors: busy or unreachable (`Unavailable`, worth another try later),
//! broken (`Backend`), or a lost race (`Conflict`). The cause is kept for the logs as a redacted
//! copy of the SDK's error chain, never as the SDK error itself: its `Debug` carries the raw HTTP
//! response, and a failed condition's error carries the old item (password hashes, emails), so
//! one `{:?}` of it would put stored values in a log. The copy keeps every level's text, minus
//! anything that looks like a stored value.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use std::error::Error;
use std::fmt;

use crate::ports::{BackendError, StoreError};

/// Removes from text bound for logs what could be a stored value: quoted text, words with `@` (an
/// email) or `$` (a PHC password hash), and runs of 32 or more hex digits (a token hash).
pub(super) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Odd parts sit between quotes: values that a message quotes back (serde does, for one).
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            out.push('"');
        }
        if i % 2 == 1 {
            out.push_str("[redacted]");
            continue;
        }
        for word in part.split_inclusive(char::is_whitespace) {
            let body = word.trim_end();
            if body.contains('@') || body.contains('$') {
                out.push_str("[redacted]");
            } else {
                redact_hex_runs(body, &mut out);
            }
            out.push_str(&word[body.len()..]);
        }
    }
    out
}

fn redact_hex_runs(text: &str, out: &mut String) {
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 32 {
            out.push_str("[redacted]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, out);
            out.push(c);
        }
    }
    flush(&mut run, out);
}

/// One level of a cause chain, as redacted text, with the level below it.
#[derive(Debug)]
pub(super) struct Redacted {
    text: String,
    source: Option<Box<Redacted>>,
}

impl Redacted {
    /// `error` and every cause under it, each level redacted.
    pub(super) fn chain_of(error: &(dyn Error + 'static)) -> Self {
        let text = redact(&error.to_string());
        let mut source = error.source().map(|s| Box::new(Self::chain_of(s)));
        // The SDK's operation error and the modelled error under it print the same line: once
        // is enough in a log.
        if source.as_ref().is_some_and(|s| s.text == text) {
            source = source.and_then(|s| s.source);
        }
        Self { text, source }
    }

    /// A cause that is only text (a serde message, say).
    pub(super) fn text(text: impl fmt::Display) -> Self {
        Self {
            text: redact(&text.to_string()),
            source: None,
        }
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Error for Redacted {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn Error + 'static))
    }
}

/// An item that does not read as the kind of item its key says (`what`).
pub(super) fn malformed(what: &str, cause: impl fmt::Display) -> StoreError {
    StoreError::Backend(BackendError::caused_by(
        format!("a stored {what} is malformed"),
        Redacted::text(cause),
    ))
}

/// A value that `serde_dynamo` could not write as an item: a bug, not a state of the table.
pub(super) fn unwritable(what: &str, cause: impl fmt::Display) -> StoreError {
    StoreError::Backend(BackendError::caused_by(
        format!("a {what} could not be written as an item"),
        Redacted::text(cause),
    ))
}

/// A request the SDK's builders refused: a bug here, not a state of the table.
pub(super) fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> Result<T, StoreError> {
    r.map_err(|e| {
        StoreError::Backend(BackendError::caused_by(
            "building a DynamoDB request",
            Redacted::chain_of(&e),
        ))
    })
}

/// Codes that mean "too busy now": the caller may try again later.
fn is_busy(code: &str) -> bool {
    matches!(
        code,
        "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "Throttling"
            | "RequestLimitExceeded"
            | "LimitExceededException"
            | "InternalServerError"
            | "ServiceUnavailable"
            | "TransactionInProgressException"
            | "ReplicatedWriteConflictException"
    )
}

/// One AWS failure as a store error. AWS's text never reaches a response (the handlers answer an
/// opaque 503) and, redacted, reaches the logs through the error's cause chain.
pub(super) fn sdk_error<E, R>(operation: &str, error: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + Error + Send + Sync + 'static,
    R: fmt::Debug + 'static,
{
    let (busy, what) = match &error {
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or("Unknown");
            if code == "TransactionConflictException" {
                return StoreError::Conflict;
            }
            (is_busy(code), code.to_owned())
        }
        SdkError::TimeoutError(_) => (true, "timed out".to_owned()),
        SdkError::DispatchFailure(_) => (true, "could not reach DynamoDB".to_owned()),
        SdkError::ResponseError(_) => (true, "could not read DynamoDB's answer".to_owned()),
        _ => (false, "could not make the request".to_owned()),
    };
    failure(
        busy,
        format!("DynamoDB {operation}: {}", redact(&what)),
        &error,
    )
}

/// A transaction cancelled for reasons other than a failed condition or a lost race: `codes` are
/// the cancellation reasons, one per item.
pub(super) fn cancelled<E, R>(operation: &str, codes: &[&str], error: &SdkError<E, R>) -> StoreError
where
    E: Error + 'static,
    R: fmt::Debug + 'static,
{
    let summary = codes
        .iter()
        .filter(|c| **c != "None")
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let busy = codes
        .iter()
        .any(|c| matches!(*c, "ThrottlingError" | "ProvisionedThroughputExceeded"));
    failure(
        busy,
        format!(
            "DynamoDB {operation}: transaction cancelled: {}",
            redact(&summary)
        ),
        error,
    )
}

fn failure(busy: bool, context: String, cause: &(dyn Error + 'static)) -> StoreError {
    let e = BackendError::caused_by(context, Redacted::chain_of(cause));
    if busy {
        StoreError::Unavailable(e)
    } else {
        StoreError::Backend(e)
    }
}

/// An error and its causes on one line, the way the logs show them.
#[cfg(test)]
pub(super) fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::TokenHash;

    #[test]
    fn long_hex_runs_never_reach_an_error_message() {
        let hash = TokenHash::of("x").to_hex();
        let text = redact(&format!("failed for TOKEN#{hash} at 10:00"));
        assert!(!text.contains(&hash));
        assert!(text.contains("TOKEN#[redacted] at 10:00"));
    }

    #[test]
    fn emails_password_hashes_and_quoted_values_never_reach_an_error_message() {
        let text = redact(
            "key EMAIL#ana@example.com, hash $argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA and \
             invalid type: string \"Ana Tech\", expected u64",
        );
        for secret in ["ana@example.com", "argon2id", "c2FsdA", "Ana Tech"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(
            text.contains("invalid type: string \"[redacted]\", expected u64"),
            "{text}"
        );
    }

    #[test]
    fn a_redacted_chain_keeps_every_level_of_the_cause() {
        let inner =
            std::io::Error::other(format!("table has TOKEN#{}", TokenHash::of("y").to_hex()));
        let outer = BackendError::caused_by("reading", inner);
        let copy = Redacted::chain_of(&outer);
        assert_eq!(chain(&copy), "reading: table has TOKEN#[redacted]");
        let repeated = BackendError::caused_by("busy", std::io::Error::other("busy"));
        assert_eq!(chain(&Redacted::chain_of(&repeated)), "busy");
    }
}
