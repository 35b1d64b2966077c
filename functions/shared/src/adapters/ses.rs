//! The SES v2 mailer: one `SendEmail` per message, simple content (HTML and text, UTF-8), from
//! the configured sender, in the configured configuration set if there is one, tagged with the
//! email's purpose so SES events can be told apart. A refusal or an outage is a `MailError`; the
//! handlers record it (`invite.status` = `failed`) and never show AWS's text.

use async_trait::async_trait;
use aws_sdk_sesv2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message, MessageTag};
use aws_sdk_sesv2::Client;

use crate::ports::{EmailMessage, MailError, Mailer};

/// The message tag that carries `EmailMessage::purpose` (`welcome` or `reset`).
pub const PURPOSE_TAG: &str = "purpose";

pub struct SesMailer {
    client: Client,
    /// `Name <address>`; the address must be a verified identity.
    from: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, from: impl Into<String>, configuration_set: Option<String>) -> Self {
        Self {
            client,
            from: from.into(),
            configuration_set,
        }
    }
}

fn utf8(text: &str) -> Result<Content, MailError> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| MailError::Rejected(format!("building the message: {e}")))
}

/// Refusals are about this message or this account; everything else may pass if tried later.
fn mail_error(error: SdkError<SendEmailError, impl std::fmt::Debug>) -> MailError {
    match &error {
        SdkError::ServiceError(ctx) => {
            let e = ctx.err();
            let text = format!(
                "SES SendEmail: {}: {}",
                e.code().unwrap_or("Unknown"),
                e.message().unwrap_or("")
            );
            match e {
                // Over the sending rate or a daily quota, or sending paused for the account or
                // the configuration set (a review): the account cannot send now, and the outbox
                // waits for it rather than failing every queued email.
                SendEmailError::TooManyRequestsException(_)
                | SendEmailError::LimitExceededException(_)
                | SendEmailError::SendingPausedException(_)
                | SendEmailError::AccountSuspendedException(_) => MailError::Throttled(text),
                // A configuration set or identity that is not there: an operator's fix, retried.
                SendEmailError::NotFoundException(_) => MailError::Unavailable(text),
                _ if matches!(e.code(), Some("Throttling" | "ThrottlingException")) => {
                    MailError::Throttled(text)
                }
                _ if e.code() == Some("ServiceUnavailable")
                    || e.code() == Some("InternalFailure") =>
                {
                    MailError::Unavailable(text)
                }
                _ => MailError::Rejected(text),
            }
        }
        _ => MailError::Unavailable(format!(
            "SES SendEmail: {}",
            aws_sdk_sesv2::error::DisplayErrorContext(&error)
        )),
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, message: &EmailMessage) -> Result<String, MailError> {
        let tag = MessageTag::builder()
            .name(PURPOSE_TAG)
            .value(message.purpose)
            .build()
            .map_err(|e| MailError::Rejected(format!("building the message: {e}")))?;
        let content = EmailContent::builder()
            .simple(
                Message::builder()
                    .subject(utf8(&message.subject)?)
                    .body(
                        Body::builder()
                            .html(utf8(&message.html)?)
                            .text(utf8(&message.text)?)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let out = self
            .client
            .send_email()
            .from_email_address(&self.from)
            .destination(
                Destination::builder()
                    .to_addresses(message.to.as_str())
                    .build(),
            )
            .content(content)
            .email_tags(tag)
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(mail_error)?;
        let message_id = out.message_id.unwrap_or_default();
        tracing::debug!(
            message_id = %message_id,
            purpose = message.purpose,
            "email handed to SES"
        );
        Ok(message_id)
    }
}
