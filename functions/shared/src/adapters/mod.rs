//! Adapters behind the ports: the embedded store and the outbox mailer for the local server, and
//! DynamoDB and SES v2 for AWS.

pub mod dynamodb;
pub mod embedded;
pub mod outbox;
pub mod ses;
