//! Email addresses as the product knows them: trimmed, lower-cased, plain ASCII.

use std::fmt;

/// The longest address SMTP carries (RFC 5321, 4.5.3.1.3 less the angle brackets).
const MAX_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;

/// A normalised email address: the only form in which the rest of the code sees one.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidEmail(pub &'static str);

impl EmailAddress {
    /// Trims, lower-cases and checks an address. Non-ASCII addresses are refused: look-alike
    /// letters from other scripts (a Cyrillic "а" in "admin") would otherwise make two accounts
    /// that read the same to a person.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(InvalidEmail("Enter an email address."));
        }
        if trimmed.len() > MAX_LEN {
            return Err(InvalidEmail("That email address is too long."));
        }
        if !trimmed.is_ascii() {
            return Err(InvalidEmail(
                "Use an email address made of plain letters, digits and symbols (no accented or non-Latin letters).",
            ));
        }
        let lower = trimmed.to_ascii_lowercase();
        let (local, domain) = lower
            .rsplit_once('@')
            .ok_or(InvalidEmail("That is not an email address: it needs an @."))?;
        let local_ok = !local.is_empty()
            && local.len() <= MAX_LOCAL_LEN
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !local_ok || !domain_ok {
            return Err(InvalidEmail("That is not a valid email address."));
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmailAddress({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        let email = EmailAddress::parse("  Ana.Tech@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ana.tech@example.com");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for bad in [
            "",
            "   ",
            "ana",
            "@example.com",
            "ana@",
            "ana@example",
            "ana@@example.com",
            "a..b@example.com",
            ".a@example.com",
            "ana@-example.com",
            "ana tech@example.com",
            "ana@exam_ple.com",
            "ana\u{0}@example.com",
        ] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn look_alike_letters_from_other_scripts_are_refused() {
        // Cyrillic "а" (U+0430) in place of the Latin "a".
        assert!(EmailAddress::parse("\u{0430}na@example.com").is_err());
        assert!(EmailAddress::parse("ana@ex\u{0430}mple.com").is_err());
    }

    #[test]
    fn overlong_addresses_are_refused() {
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(EmailAddress::parse(&long).is_err());
        let long_domain = format!("a@{}.com", "b".repeat(260));
        assert!(EmailAddress::parse(&long_domain).is_err());
    }
}
