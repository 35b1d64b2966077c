//! Adapters behind the ports: DynamoDB, SES v2 and End User Messaging SMS for AWS, and (with the
//! `local` feature, which the Lambda functions never enable) the embedded store and the local
//! mailbox of the local server.

pub mod breached;
pub mod dynamodb;
#[cfg(feature = "local")]
pub mod embedded;
#[cfg(feature = "local")]
pub mod local_mailbox;
#[cfg(feature = "local")]
pub mod local_texts;
pub mod ses;
pub mod sms;
