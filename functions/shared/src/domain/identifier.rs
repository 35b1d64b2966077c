//! What a person types in the "Email or mobile number" field (API.md, "One-time codes beside
//! every link"): one of a user's identifiers, told apart by shape.

use std::fmt;

use super::email::InvalidEmail;
use super::phone::{PhoneError, PhoneNumber, PhoneRules};
use super::EmailAddress;

/// An email address or a mobile number, each already checked. No `Display`: it is personal data,
/// and a log says which kind it was ([`Identifier::kind`]), never which one.
#[derive(Clone, PartialEq, Eq)]
pub enum Identifier {
    Email(EmailAddress),
    Phone(PhoneNumber),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdentifierError {
    #[error("Enter your email address or mobile number.")]
    Empty,
    #[error(transparent)]
    Email(#[from] InvalidEmail),
    #[error(transparent)]
    Phone(#[from] PhoneError),
}

impl Identifier {
    /// An `@` makes it an email address, anything else is read as a mobile number: no number
    /// has an `@`, and every address does, so a typo is judged (and its message written) as the
    /// kind the person meant.
    pub fn parse(raw: &str, rules: &PhoneRules) -> Result<Self, IdentifierError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(IdentifierError::Empty);
        }
        if trimmed.contains('@') {
            Ok(Self::Email(EmailAddress::parse(trimmed)?))
        } else {
            Ok(Self::Phone(PhoneNumber::parse(trimmed, rules)?))
        }
    }

    /// `"email"` or `"phone"`: what a log line may say about it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
        }
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({})", self.kind())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_sign_makes_an_email_and_anything_else_a_phone() {
        let rules = PhoneRules::default();
        let email = Identifier::parse(" Ana@Example.com ", &rules).unwrap();
        assert!(matches!(&email, Identifier::Email(e) if e.as_str() == "ana@example.com"));
        assert_eq!(email.kind(), "email");
        let phone = Identifier::parse("(201) 555-0123", &rules).unwrap();
        assert!(matches!(&phone, Identifier::Phone(p) if p.as_str() == "+12015550123"));
        assert_eq!(phone.kind(), "phone");
    }

    #[test]
    fn each_kind_is_refused_with_its_own_message() {
        let rules = PhoneRules::default();
        assert_eq!(Identifier::parse("", &rules), Err(IdentifierError::Empty));
        assert!(matches!(
            Identifier::parse("ana@", &rules),
            Err(IdentifierError::Email(_))
        ));
        assert_eq!(
            Identifier::parse("ana.example.com", &rules),
            Err(IdentifierError::Phone(PhoneError::NotANumber))
        );
    }

    #[test]
    fn debug_output_names_the_kind_only() {
        let rules = PhoneRules::default();
        let shown = format!(
            "{:?}",
            Identifier::parse("ana@example.com", &rules).unwrap()
        );
        assert_eq!(shown, "Identifier(email)");
        let shown = format!("{:?}", Identifier::parse("+12015550123", &rules).unwrap());
        assert_eq!(shown, "Identifier(phone)");
    }
}
