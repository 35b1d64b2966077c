//! The text-message service: hands one text over and names it.

use async_trait::async_trait;

/// A text message ready to hand to an SMS service.
#[derive(Clone)]
pub struct TextMessage {
    /// The destination in E.164 (`+15551234567`).
    pub to: String,
    /// Carries a live link and a one-time code.
    pub body: String,
    /// The setup or reset link inside, for the local outbox to print on the console.
    pub link: String,
    /// `welcome`, `reminder`, `reset`, ...: sent as the message's context, so the service's
    /// delivery events can be told apart, and the outbox's file names.
    pub purpose: &'static str,
}

impl std::fmt::Debug for TextMessage {
    /// The body and the link carry a live link and a one-time code, and the number is a person's:
    /// print none of them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextMessage")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// Why a text was not handed over. The texts never hold the message's body, link or number: they
/// end up in logs and in the outbox's records.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// This message or this account's setup is wrong (a number the service will not take, a
    /// sender it does not know, no permission): trying again sends nothing.
    #[error("the text service refused the message: {0}")]
    Rejected(String),
    /// The number replied STOP: the service refuses every text to it until the person texts
    /// START, so the message is never retried.
    #[error("the phone number has opted out of text messages")]
    OptedOut,
    #[error("the text service could not be reached: {0}")]
    Unavailable(String),
    /// The account cannot send now (over its message rate or its monthly spend): the same message
    /// passes later, however many tries that takes.
    #[error("the text service is not sending for this account now: {0}")]
    Throttled(String),
}

#[async_trait]
pub trait Texter: Send + Sync {
    /// Hands the message to the text service; the id it gave the message (End User Messaging
    /// SMS's `MessageId`), which its delivery events name.
    async fn send(&self, message: &TextMessage) -> Result<String, TextError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_message_prints_neither_its_number_nor_its_body_nor_its_link() {
        let message = TextMessage {
            to: "+15551234567".to_owned(),
            body: "Set up: https://example.test/s/TOKEN123 code 654321".to_owned(),
            link: "https://example.test/s/TOKEN123".to_owned(),
            purpose: "welcome",
        };
        let printed = format!("{message:?}");
        assert!(printed.contains("welcome"), "{printed}");
        for secret in ["5551234567", "TOKEN123", "654321"] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}
