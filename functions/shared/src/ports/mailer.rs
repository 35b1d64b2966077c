//! The mail service: hands one email over and names it.

use async_trait::async_trait;

use crate::domain::EmailAddress;

/// An email ready to hand to a mail service.
#[derive(Clone)]
pub struct EmailMessage {
    pub to: EmailAddress,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// The setup or reset link inside, for the local outbox to print on the console.
    pub link: String,
    /// `welcome`, `reminder`, `reset` or `password_changed`, for the mail service's tags and the
    /// outbox's file names.
    pub purpose: &'static str,
}

impl std::fmt::Debug for EmailMessage {
    /// The body carries a live link: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailMessage")
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the mail service refused the message: {0}")]
    Rejected(String),
    #[error("the mail service could not be reached: {0}")]
    Unavailable(String),
    /// The account cannot send now (over its rate or daily quota, or sending paused): the same
    /// message passes later, however many tries that takes.
    #[error("the mail service is not sending for this account now: {0}")]
    Throttled(String),
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands the message to the mail service; the id it gave the message (SES's `MessageId`),
    /// which its delivery, bounce and complaint events name.
    async fn send(&self, message: &EmailMessage) -> Result<String, MailError>;
}
