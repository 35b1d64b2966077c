//! The End User Messaging SMS texter (`pinpoint-sms-voice-v2`): one `SendTextMessage` per
//! message, transactional, from the configured origination identity (a phone number, sender ID or
//! pool), in the configured configuration set if there is one (its event destination gives the
//! delivery events), with the message's purpose as its context so those events can be told
//! apart. A refusal or an outage is a `TextError`; AWS's text goes into it only where it cannot
//! hold the message's number, body or link.

use async_trait::async_trait;
use aws_sdk_pinpointsmsvoicev2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_pinpointsmsvoicev2::operation::send_text_message::SendTextMessageError;
use aws_sdk_pinpointsmsvoicev2::types::{ConflictExceptionReason, MessageType};
use aws_sdk_pinpointsmsvoicev2::Client;

use crate::ports::{TextError, TextMessage, Texter};

/// The context key that carries `TextMessage::purpose` (`welcome`, `reset`, ...); the service
/// copies a message's context into each of its delivery events.
pub const PURPOSE_CONTEXT: &str = "purpose";

pub struct EndUserMessagingTexter {
    client: Client,
    /// The phone number, sender ID or pool the texts go out from (its id or ARN).
    origination_identity: String,
    configuration_set: Option<String>,
}

impl EndUserMessagingTexter {
    pub fn new(
        client: Client,
        origination_identity: impl Into<String>,
        configuration_set: Option<String>,
    ) -> Self {
        Self {
            client,
            origination_identity: origination_identity.into(),
            configuration_set,
        }
    }
}

/// What may be said of a service error: its code, and its message with the message's number,
/// body and link taken out, and any long run of digits (a number written another way, a code).
fn described(
    e: &(impl ProvideErrorMetadata + ?Sized),
    detail: &str,
    message: &TextMessage,
) -> String {
    let said = redacted(e.message().unwrap_or(""), message);
    format!(
        "SMS SendTextMessage: {}{detail}: {said}",
        e.code().unwrap_or("Unknown")
    )
}

/// `text` without the message's own values, and with every run of digits and the marks numbers
/// are written with (`+`, `-`, `.`, brackets, spaces) that holds six digits or more (an account
/// id, a phone number however written, a code) replaced.
fn redacted(text: &str, message: &TextMessage) -> String {
    let mut text = text.to_owned();
    for value in [&message.body, &message.link, &message.to] {
        if !value.is_empty() {
            text = text.replace(value.as_str(), "<redacted>");
        }
    }
    let is_numberish = |c: char| c.is_ascii_digit() || "+-.() ".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find(is_numberish) {
        out.push_str(&rest[..start]);
        let run = &rest[start..];
        let end = run.find(|c: char| !is_numberish(c)).unwrap_or(run.len());
        let (run, after) = run.split_at(end);
        if run.chars().filter(char::is_ascii_digit).count() >= 6 {
            let inner = run.trim();
            let lead = &run[..run.len() - run.trim_start().len()];
            let trail = &run[run.trim_end().len()..];
            out.push_str(lead);
            out.push_str(if inner.is_empty() { "" } else { "<digits>" });
            out.push_str(trail);
        } else {
            out.push_str(run);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Refusals about this message or this account's setup are final; the number's opt-out is final
/// and said apart; everything else may pass if tried later.
fn text_error<R: std::fmt::Debug>(
    error: SdkError<SendTextMessageError, R>,
    message: &TextMessage,
) -> TextError {
    let SdkError::ServiceError(ctx) = &error else {
        // Dispatch (connection refused, TLS), timeout, an unreadable response: nothing was
        // refused, and these texts name no value of the message.
        return TextError::Unavailable(format!(
            "SMS SendTextMessage: {}",
            aws_sdk_pinpointsmsvoicev2::error::DisplayErrorContext(&error)
        ));
    };
    let e = ctx.err();
    match e {
        SendTextMessageError::ConflictException(c)
            if c.reason() == Some(&ConflictExceptionReason::DestinationPhoneNumberOptedOut) =>
        {
            TextError::OptedOut
        }
        // Another conflict (a configuration set or identity in a state that cannot send, a
        // number not verified while the account is in the sandbox): an operator's fix, and
        // sending again before it changes nothing. The resource's id is left out: for a
        // destination it is the phone number.
        SendTextMessageError::ConflictException(c) => {
            let reason = c.reason().map(|r| r.as_str()).unwrap_or("no reason");
            TextError::Rejected(described(e, &format!(" ({reason})"), message))
        }
        // Over the account's message rate, or a monthly spend limit reached: the account cannot
        // send now, and the outbox waits for it rather than failing every queued text.
        SendTextMessageError::ThrottlingException(_) => {
            TextError::Throttled(described(e, "", message))
        }
        SendTextMessageError::ServiceQuotaExceededException(q) => {
            let reason = q.reason().map(|r| r.as_str()).unwrap_or("no reason");
            TextError::Throttled(described(e, &format!(" ({reason})"), message))
        }
        SendTextMessageError::InternalServerException(_) => {
            TextError::Unavailable(described(e, "", message))
        }
        // An origination identity or configuration set that is not there: an operator's fix,
        // retried (as SES's NotFound), so the texts go once it is made.
        SendTextMessageError::ResourceNotFoundException(r) => {
            let kind = r.resource_type().map(|t| t.as_str()).unwrap_or("resource");
            TextError::Unavailable(described(e, &format!(" ({kind})"), message))
        }
        // A validation message is about the request's values, which are the number and the
        // body: say only the reason and the fields' names.
        SendTextMessageError::ValidationException(v) => {
            let reason = v.reason().map(|r| r.as_str()).unwrap_or("no reason");
            let fields: Vec<&str> = v.fields().iter().map(|f| f.name()).collect();
            TextError::Rejected(format!(
                "SMS SendTextMessage: ValidationException ({reason}): fields [{}]",
                fields.join(", ")
            ))
        }
        SendTextMessageError::AccessDeniedException(a) => {
            let reason = a.reason().map(|r| r.as_str()).unwrap_or("no reason");
            TextError::Rejected(described(e, &format!(" ({reason})"), message))
        }
        _ if matches!(e.code(), Some("Throttling" | "ThrottlingException")) => {
            TextError::Throttled(described(e, "", message))
        }
        _ if matches!(e.code(), Some("ServiceUnavailable" | "InternalFailure")) => {
            TextError::Unavailable(described(e, "", message))
        }
        _ => TextError::Rejected(described(e, "", message)),
    }
}

#[async_trait]
impl Texter for EndUserMessagingTexter {
    async fn send(&self, message: &TextMessage) -> Result<String, TextError> {
        let out = self
            .client
            .send_text_message()
            .destination_phone_number(&message.to)
            .origination_identity(&self.origination_identity)
            .message_body(&message.body)
            .message_type(MessageType::Transactional)
            .set_configuration_set_name(self.configuration_set.clone())
            .context(PURPOSE_CONTEXT, message.purpose)
            .send()
            .await
            .map_err(|e| text_error(e, message))?;
        let message_id = out.message_id.unwrap_or_default();
        tracing::debug!(
            message_id = %message_id,
            purpose = message.purpose,
            "text handed to End User Messaging SMS"
        );
        Ok(message_id)
    }
}

/// The texter of a deployment without an origination identity (`SMS_ORIGINATION_IDENTITY`
/// unset): every text is refused, so an invite by text shows `failed` and the log says why,
/// rather than waiting for a service that was never set up.
pub struct TextsOff;

#[async_trait]
impl Texter for TextsOff {
    async fn send(&self, message: &TextMessage) -> Result<String, TextError> {
        tracing::error!(
            purpose = message.purpose,
            "a text message was asked for, but texts are off: set SMS_ORIGINATION_IDENTITY"
        );
        Err(TextError::Rejected(
            "texts are off: SMS_ORIGINATION_IDENTITY is not set".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_pinpointsmsvoicev2::error::ConnectorError;
    use aws_sdk_pinpointsmsvoicev2::types::error::{
        AccessDeniedException, ConflictException, InternalServerException,
        ResourceNotFoundException, ServiceQuotaExceededException, ThrottlingException,
        ValidationException,
    };
    use aws_sdk_pinpointsmsvoicev2::types::{
        ServiceQuotaExceededExceptionReason, ValidationExceptionField, ValidationExceptionReason,
    };

    fn message() -> TextMessage {
        TextMessage {
            to: "+15551234567".to_owned(),
            body: "Northwind: set up at https://example.test/s/TOKEN123 code 654321".to_owned(),
            link: "https://example.test/s/TOKEN123".to_owned(),
            purpose: "welcome",
        }
    }

    fn refused(e: SendTextMessageError) -> TextError {
        text_error(SdkError::<_, ()>::service_error(e, ()), &message())
    }

    fn assert_says_nothing_of_the_message(error: &TextError) {
        let shown = error.to_string();
        for secret in ["5551234567", "TOKEN123", "654321", "Northwind: set up"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn an_opted_out_number_is_said_apart_and_other_conflicts_are_refusals() {
        let opted_out = ConflictException::builder()
            .message("The destination phone number +15551234567 is opted out")
            .reason(ConflictExceptionReason::DestinationPhoneNumberOptedOut)
            .resource_id("+15551234567")
            .build();
        assert!(matches!(
            refused(SendTextMessageError::ConflictException(opted_out)),
            TextError::OptedOut
        ));
        let other = ConflictException::builder()
            .message("Destination phone number +15551234567 is not verified")
            .reason(ConflictExceptionReason::DestinationPhoneNumberNotVerified)
            .resource_id("+15551234567")
            .build();
        let error = refused(SendTextMessageError::ConflictException(other));
        assert!(matches!(error, TextError::Rejected(_)), "{error:?}");
        assert!(error.to_string().contains("NOT_VERIFIED"), "{error}");
        assert_says_nothing_of_the_message(&error);
    }

    #[test]
    fn a_busy_or_spent_account_is_throttled() {
        let error = refused(SendTextMessageError::ThrottlingException(
            ThrottlingException::builder()
                .message("Rate exceeded")
                .build(),
        ));
        assert!(matches!(error, TextError::Throttled(_)), "{error:?}");
        let error = refused(SendTextMessageError::ServiceQuotaExceededException(
            ServiceQuotaExceededException::builder()
                .reason(ServiceQuotaExceededExceptionReason::MonthlySpendLimitReachedForText)
                .build(),
        ));
        assert!(matches!(error, TextError::Throttled(_)), "{error:?}");
        assert!(error.to_string().contains("MONTHLY_SPEND"), "{error}");
    }

    #[test]
    fn an_outage_or_a_missing_resource_is_unavailable() {
        let error = refused(SendTextMessageError::InternalServerException(
            InternalServerException::builder().message("oops").build(),
        ));
        assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
        let error = refused(SendTextMessageError::ResourceNotFoundException(
            ResourceNotFoundException::builder()
                .message("Configuration set not found")
                .build(),
        ));
        assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
        let error = text_error(
            SdkError::<SendTextMessageError, ()>::dispatch_failure(ConnectorError::io(
                "connection refused".into(),
            )),
            &message(),
        );
        assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
        let error = text_error(
            SdkError::<SendTextMessageError, ()>::timeout_error("operation timed out"),
            &message(),
        );
        assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
    }

    #[test]
    fn a_validation_refusal_names_the_fields_and_never_their_values() {
        let field = ValidationExceptionField::builder()
            .name("DestinationPhoneNumber")
            .message("Value '+15551234567' does not match the pattern")
            .build()
            .unwrap();
        let error = refused(SendTextMessageError::ValidationException(
            ValidationException::builder()
                .message("Value 'Northwind: set up at https://example.test/s/TOKEN123' is bad")
                .reason(ValidationExceptionReason::FieldValidationFailed)
                .fields(field)
                .build(),
        ));
        assert!(matches!(error, TextError::Rejected(_)), "{error:?}");
        assert!(
            error.to_string().contains("DestinationPhoneNumber"),
            "{error}"
        );
        assert_says_nothing_of_the_message(&error);
    }

    #[test]
    fn no_permission_is_a_refusal_whose_text_leaves_the_message_out() {
        let error = refused(SendTextMessageError::AccessDeniedException(
            AccessDeniedException::builder()
                .message("Not allowed to send to 15551234567 (code 654321)")
                .build(),
        ));
        assert!(matches!(error, TextError::Rejected(_)), "{error:?}");
        assert_says_nothing_of_the_message(&error);
    }

    #[test]
    fn long_runs_of_digits_are_taken_out_and_short_ones_kept() {
        let m = message();
        assert_eq!(
            redacted(
                "account 123456789012 sent 3 of 5 to 1 (555) 123-4567, code 65 43 21",
                &m
            ),
            "account <digits> sent 3 of 5 to <digits>, code <digits>"
        );
        assert_eq!(redacted("to +15551234567", &m), "to <redacted>");
    }
}
