//! The mailer contract on the local server's outbox (`.eml` files in a folder of the test's own).
//! Runs in plain `cargo test`; the same suite runs on SES v2 against moto in `mailer_ses.rs`.

use tests::mailer_contract::OutboxMailbox;

tests::mailer_contract!(OutboxMailbox::fresh);
