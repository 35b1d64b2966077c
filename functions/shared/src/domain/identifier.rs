//! What identifies a user: an email address, a mobile number, or both. Sign-in, forgot-password
//! and the code form take either ([`Identifier`], the "Email or mobile number" field); a user
//! record holds both ([`Contacts`]).

use serde::{Deserialize, Serialize};

use super::email::InvalidEmail;
use super::phone::{PhoneError, PhoneRules};
use super::{EmailAddress, PhoneNumber};

/// One of a user's identifiers: what someone typed to name an account, or the one the user is
/// filed under ([`Contacts::home`]).
#[derive(Clone, PartialEq, Eq, Hash)]
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

    /// [`Identifier::parse`] for naming an account that exists: a number is read with
    /// [`PhoneNumber::for_lookup`].
    pub fn for_lookup(raw: &str, rules: &PhoneRules) -> Result<Self, IdentifierError> {
        let trimmed = raw.trim();
        if trimmed.contains('@') || trimmed.is_empty() {
            return Self::parse(trimmed, rules);
        }
        Ok(Self::Phone(PhoneNumber::for_lookup(trimmed, rules)?))
    }

    /// `email` or `phone`: what logs and metrics may say of an identifier.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
        }
    }

    /// The stored text: a normalised address, or E.164.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Email(e) => e.as_str(),
            Self::Phone(p) => p.as_str(),
        }
    }

    pub fn email(&self) -> Option<&EmailAddress> {
        match self {
            Self::Email(e) => Some(e),
            Self::Phone(_) => None,
        }
    }

    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Self::Phone(p) => Some(p),
            Self::Email(_) => None,
        }
    }
}

impl std::fmt::Debug for Identifier {
    /// Personal data: debug output names only the kind.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identifier({})", self.kind())
    }
}

/// Stored as its text: E.164 starts with `+`, which no normalised address does (an address
/// may hold a `+` only after its first character), so the text says which it is.
impl Serialize for Identifier {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Identifier {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        if raw.starts_with('+') {
            PhoneNumber::from_e164(&raw)
                .map(Self::Phone)
                .ok_or_else(|| serde::de::Error::custom("not an E.164 number"))
        } else {
            EmailAddress::parse(&raw)
                .map(Self::Email)
                .map_err(serde::de::Error::custom)
        }
    }
}

/// A user's ways to be reached: an email, a phone, or both, never neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contacts {
    #[serde(default)]
    pub email: Option<EmailAddress>,
    #[serde(default)]
    pub phone: Option<PhoneNumber>,
}

impl Contacts {
    pub fn email(email: EmailAddress) -> Self {
        Self {
            email: Some(email),
            phone: None,
        }
    }

    /// `None` when there is neither.
    pub fn new(email: Option<EmailAddress>, phone: Option<PhoneNumber>) -> Option<Self> {
        (email.is_some() || phone.is_some()).then_some(Self { email, phone })
    }

    /// The identifier the user is filed under: the email when there is one (every account made
    /// before phones is filed so), else the phone. DynamoDB keys the user's item by it.
    pub fn home(&self) -> Identifier {
        match (&self.email, &self.phone) {
            (Some(e), _) => Identifier::Email(e.clone()),
            (None, Some(p)) => Identifier::Phone(p.clone()),
            (None, None) => unreachable!("a user has an email or a phone"),
        }
    }

    /// Every identifier, the home first.
    pub fn all(&self) -> Vec<Identifier> {
        let mut all = Vec::with_capacity(2);
        all.extend(self.email.clone().map(Identifier::Email));
        all.extend(self.phone.clone().map(Identifier::Phone));
        all
    }

    /// Whether `id` is one of these.
    pub fn has(&self, id: &Identifier) -> bool {
        match id {
            Identifier::Email(e) => self.email.as_ref() == Some(e),
            Identifier::Phone(p) => self.phone.as_ref() == Some(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_text_says_which_identifier_it_is() {
        for raw in ["ana+crew@example.com", "+15551234567"] {
            let id: Identifier = serde_json::from_value(serde_json::json!(raw)).unwrap();
            assert_eq!(id.as_str(), raw);
            assert_eq!(serde_json::to_value(&id).unwrap(), raw);
        }
        assert!(serde_json::from_value::<Identifier>(serde_json::json!("+1555x")).is_err());
        assert_eq!(
            format!(
                "{:?}",
                Identifier::Phone(PhoneNumber::from_e164("+15551234567").unwrap())
            ),
            "Identifier(phone)"
        );
    }

    #[test]
    fn a_user_is_filed_under_the_email_when_there_is_one() {
        let email = EmailAddress::parse("ana@example.com").unwrap();
        let phone = PhoneNumber::from_e164("+15551234567").unwrap();
        let both = Contacts::new(Some(email.clone()), Some(phone.clone())).unwrap();
        assert_eq!(both.home(), Identifier::Email(email));
        let only_phone = Contacts::new(None, Some(phone.clone())).unwrap();
        assert_eq!(only_phone.home(), Identifier::Phone(phone));
        assert!(Contacts::new(None, None).is_none());
    }

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
