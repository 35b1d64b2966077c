//! The handlers behind the routes: each turns a request into one service operation and its
//! outcome into an answer through the responder. None talks to the ports (store, mail).

pub mod account;
pub mod audit;
pub mod batch;
pub mod links;
pub mod login;
pub mod passkeys;
pub mod users;

use crate::domain::{EmailAddress, Identifier, PhoneNumber, PhoneRules};
use crate::http::error::ApiError;

/// The account a request names, read to look it up (sign-in, forgot-password, a code): `field`
/// says how it came (`email` or `phone` in JSON, a form's `identifier`, either); `400` naming
/// that field when it cannot name any account. A number is read without the rules for adding
/// one ([`PhoneNumber::for_lookup`]).
pub(crate) fn named_account(
    rules: &PhoneRules,
    field: &'static str,
    raw: &str,
) -> Result<Identifier, ApiError> {
    match field {
        "email" => EmailAddress::parse(raw)
            .map(Identifier::Email)
            .map_err(|e| ApiError::invalid("email", e.0)),
        "phone" => PhoneNumber::for_lookup(raw, rules)
            .map(Identifier::Phone)
            .map_err(|e| ApiError::invalid("phone", e.to_string())),
        _ => Identifier::for_lookup(raw, rules)
            .map_err(|e| ApiError::invalid("identifier", e.to_string())),
    }
}
