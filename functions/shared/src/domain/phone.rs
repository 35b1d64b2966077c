//! Mobile numbers as the product knows them (API.md, "Phones"): E.164 text (`+12015550123`),
//! checked once at the edge against libphonenumber's metadata (the `phonenumber` crate) and the
//! configured countries, so the rest of the code never holds a number it could not text.
//!
//! A number is personal data like an email address, and more often recycled: it has no `Display`,
//! and its `Debug` shows only the last four digits, so it cannot reach a log whole by accident.

use std::fmt;
use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::{Mode, Type};

/// More characters than any number written with spaces and brackets needs; refused before
/// libphonenumber's regular expressions see it.
const MAX_INPUT_LEN: usize = 40;

/// An ISO 3166-1 region libphonenumber knows (`US`, `CA`, `GB`): where a number without `+` is
/// read, and the countries texts may go to.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(Id);

impl Region {
    /// `US`, `ca` or ` GB `: a two-letter region libphonenumber has metadata for. Only its list of
    /// names is consulted, not its database, so reading the configuration stays cheap.
    pub fn parse(code: &str) -> Option<Self> {
        Id::from_str(&code.trim().to_ascii_uppercase())
            .ok()
            .map(Self)
    }

    /// The two upper-case letters.
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.as_str())
    }
}

/// Which numbers are accepted: where a number without `+` is read (`DEFAULT_PHONE_REGION`) and
/// the countries texts may go to (`SMS_ALLOWED_COUNTRIES`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhoneRules {
    pub default_region: Region,
    pub allowed_countries: Vec<Region>,
}

impl PhoneRules {
    pub fn allows(&self, region: Region) -> bool {
        self.allowed_countries.contains(&region)
    }
}

impl Default for PhoneRules {
    /// The product's defaults: numbers read as US, texts to the US and Canada.
    fn default() -> Self {
        Self {
            default_region: Region(Id::US),
            allowed_countries: vec![Region(Id::US), Region(Id::CA)],
        }
    }
}

/// Why a typed number was refused. Each message says what to do next and never repeats the
/// input (it may land in an error body or a log).
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    #[error("Enter a mobile number.")]
    Empty,
    #[error("That is not a phone number: use digits (spaces, dashes, dots and brackets are fine), with + and the country code for a number from another country.")]
    NotANumber,
    #[error(
        "That is not a valid phone number: check its digits, and its country code if it has one."
    )]
    NotValid,
    #[error("That number cannot receive text messages (a landline, toll-free or premium-rate number). Enter a mobile number.")]
    CannotTakeTexts,
    #[error("Text messages cannot be sent to numbers in that country. Enter a mobile number from a country your company works in.")]
    CountryNotAllowed,
}

/// A mobile number in E.164 (`+12015550123`): the only form in which the rest of the code sees
/// one. Serialised as that string; deserialising checks only that it is E.164-shaped, not the
/// country rules, so stored users stay readable after `SMS_ALLOWED_COUNTRIES` changes.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Reads a number as a person types it: digits with spaces, dashes, dots and brackets, and a
    /// leading `+` before a country code; without one it is read in `rules.default_region`.
    /// Letters are refused although libphonenumber reads vanity numbers (`1-800-FLOWERS`): a
    /// letter in this field is far likelier a typo (or an email in the wrong box) than a
    /// mobile number spelled out.
    pub fn parse(raw: &str, rules: &PhoneRules) -> Result<Self, PhoneError> {
        let number = read(raw, rules)?;
        if number.extension().is_some() || !number.is_valid() {
            return Err(PhoneError::NotValid);
        }
        // A number of no country (+800 international freephone, +881 satellite) is in no
        // allowed country either.
        let region = number.country().id().ok_or(PhoneError::CountryNotAllowed)?;
        if !rules.allows(Region(region)) {
            return Err(PhoneError::CountryNotAllowed);
        }
        if !takes_texts(number.number_type(&phonenumber::metadata::DATABASE)) {
            return Err(PhoneError::CannotTakeTexts);
        }
        let e164 = number.format().mode(Mode::E164).to_string();
        Self::from_e164(&e164).ok_or(PhoneError::NotValid)
    }

    /// A number typed to name an account that exists (sign-in, forgot-password, a code): read to
    /// E.164 as [`PhoneNumber::parse`] reads it, without the rules that decide which numbers may
    /// be added (country, type, libphonenumber's validity): a number stored under earlier rules
    /// or metadata still names its account, and one that never could names none.
    pub fn for_lookup(raw: &str, rules: &PhoneRules) -> Result<Self, PhoneError> {
        let number = read(raw, rules)?;
        let e164 = number.format().mode(Mode::E164).to_string();
        Self::from_e164(&e164).ok_or(PhoneError::NotValid)
    }
}

/// A typed number as libphonenumber reads it, in `rules.default_region` without a `+`.
fn read(raw: &str, rules: &PhoneRules) -> Result<phonenumber::PhoneNumber, PhoneError> {
    {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed.len() > MAX_INPUT_LEN {
            return Err(PhoneError::NotANumber);
        }
        let compact = compact(trimmed).ok_or(PhoneError::NotANumber)?;
        let number = phonenumber::parse(Some(rules.default_region.0), &compact).map_err(|e| {
            use phonenumber::ParseError as P;
            match e {
                P::NoNumber | P::MalformedInteger(_) => PhoneError::NotANumber,
                P::InvalidCountryCode | P::TooShortAfterIdd | P::TooShortNsn | P::TooLong => {
                    PhoneError::NotValid
                }
            }
        })?;
        Ok(number)
    }
}

impl PhoneNumber {
    /// A number as stored: `+` and 2 to 15 digits, the first not 0 (E.164's shape). Nothing
    /// about its country is checked: for values this code wrote earlier, never for input.
    pub fn from_e164(stored: &str) -> Option<Self> {
        let digits = stored.strip_prefix('+')?;
        let shaped = (2..=15).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        shaped.then(|| Self(stored.to_owned()))
    }

    /// `+12015550123`: what End User Messaging is handed, and what the store keeps.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits: what a person may be shown ("texted to the number ending 0123")
    /// and what the local server's simulator numbers are told apart by.
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }

    /// The number's region (`US`, `CA`), from libphonenumber's metadata; `None` for a stored
    /// number that metadata no longer places.
    pub fn country(&self) -> Option<Region> {
        let number = phonenumber::parse(None, &self.0).ok()?;
        number.country().id().map(Region)
    }
}

/// Loads libphonenumber's metadata now instead of at the first number parsed. It is decoded,
/// and its regular expressions checked, once per process: 160 to 290 ms in a release build on a
/// 2-core host. A function that reads numbers should call this at init, which Lambda runs on a
/// full CPU, rather than let its first request wait for it.
pub fn load_metadata() {
    let _loaded: &phonenumber::metadata::Database = &phonenumber::metadata::DATABASE;
}

/// Whether a number of this type can be expected to receive a text. Mobile, of course; US and
/// Canadian numbers cannot be told from landlines by their digits, so libphonenumber calls them
/// `FixedLineOrMobile` and refusing it would refuse every North American mobile (API.md accepts
/// it; End User Messaging reports an undeliverable one as a bounce); VoIP and personal numbers
/// (Google Voice, follow-me numbers) mostly take texts. Fixed lines, toll-free, premium and
/// shared-cost, pagers, voicemail access and company (UAN) numbers are known not to, or would
/// bill someone for a message that never arrives.
fn takes_texts(kind: Type) -> bool {
    matches!(
        kind,
        Type::Mobile | Type::FixedLineOrMobile | Type::Voip | Type::PersonalNumber
    )
}

/// The digits, with the leading `+` kept, of a number typed with the separators people use;
/// `None` for anything else (letters, `/`, `#`, `*`, a `+` after the start). libphonenumber only
/// ever sees `+` and digits.
fn compact(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(typed.len());
    for c in typed.chars() {
        match c {
            '0'..='9' => out.push(c),
            '+' if out.is_empty() => out.push(c),
            ' ' | '\u{a0}' | '\t' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    Some(out)
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber(…{})", self.last_four())
    }
}

impl<'de> serde::Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::from_e164(&raw)
            .ok_or_else(|| serde::de::Error::custom("a phone number in E.164 form (+ and digits)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> PhoneRules {
        PhoneRules::default()
    }

    fn rules(default: &str, allowed: &[&str]) -> PhoneRules {
        PhoneRules {
            default_region: Region::parse(default).unwrap(),
            allowed_countries: allowed.iter().map(|r| Region::parse(r).unwrap()).collect(),
        }
    }

    #[test]
    fn us_numbers_are_read_in_the_shapes_people_type_them() {
        for typed in [
            "2015550123",
            "201-555-0123",
            "201.555.0123",
            "(201) 555-0123",
            "  (201)555 0123 ",
            "1 201 555 0123",
            "1-201-555-0123",
            "+1 201 555 0123",
            "+1 (201) 555-0123",
            "+12015550123",
            "201\u{a0}555\u{a0}0123",
        ] {
            let n = PhoneNumber::parse(typed, &us()).unwrap_or_else(|e| panic!("{typed:?}: {e}"));
            assert_eq!(n.as_str(), "+12015550123", "{typed:?}");
        }
    }

    #[test]
    fn a_number_without_a_plus_is_read_in_the_default_region() {
        let gb_first = rules("GB", &["US", "GB"]);
        assert_eq!(
            PhoneNumber::parse("07400 123456", &gb_first)
                .unwrap()
                .as_str(),
            "+447400123456"
        );
        // The same digits read as American are no number at all.
        assert_eq!(
            PhoneNumber::parse("07400 123456", &rules("US", &["US", "GB"])),
            Err(PhoneError::NotValid)
        );
        // A `+` overrides the default region.
        assert_eq!(
            PhoneNumber::parse("+1 201 555 0123", &gb_first)
                .unwrap()
                .country(),
            Region::parse("US")
        );
    }

    #[test]
    fn a_british_mobile_is_taken_only_when_britain_is_allowed() {
        let n = PhoneNumber::parse("+44 7400 123456", &rules("US", &["US", "CA", "GB"])).unwrap();
        assert_eq!(n.as_str(), "+447400123456");
        assert_eq!(n.country().unwrap().as_str(), "GB");
        assert_eq!(
            PhoneNumber::parse("+44 7400 123456", &us()),
            Err(PhoneError::CountryNotAllowed)
        );
    }

    #[test]
    fn canadian_numbers_are_placed_in_canada() {
        let n = PhoneNumber::parse("(604) 555-0123", &us()).unwrap();
        assert_eq!(n.as_str(), "+16045550123");
        assert_eq!(n.country().unwrap().as_str(), "CA");
        assert_eq!(
            PhoneNumber::parse("604 555 0123", &rules("US", &["US"])),
            Err(PhoneError::CountryNotAllowed)
        );
    }

    #[test]
    fn us_numbers_are_fixed_line_or_mobile_and_accepted() {
        let parsed = phonenumber::parse(None, "+12015550123").unwrap();
        assert_eq!(
            parsed.number_type(&phonenumber::metadata::DATABASE),
            Type::FixedLineOrMobile
        );
        assert!(PhoneNumber::parse("+12015550123", &us()).is_ok());
    }

    #[test]
    fn numbers_that_cannot_take_a_text_are_refused() {
        // Toll-free and premium rate, in the US.
        assert_eq!(
            PhoneNumber::parse("1-800-555-0199", &us()),
            Err(PhoneError::CannotTakeTexts)
        );
        assert_eq!(
            PhoneNumber::parse("+1 900 234 5678", &us()),
            Err(PhoneError::CannotTakeTexts)
        );
        // A British landline, where landlines and mobiles are told apart.
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958", &rules("GB", &["GB"])),
            Err(PhoneError::CannotTakeTexts)
        );
    }

    #[test]
    fn garbage_and_letters_are_refused() {
        for typed in [
            "1-800-FLOWERS",
            "201 555 O123",
            "call me",
            "201/555/0123",
            "201#5550123",
            "+1 201 555 0123 ext. 4",
            "201 555 0123 x4",
            "1+2015550123",
            "++12015550123",
            "tel:+12015550123",
            "ana@example.com",
            "２０１５５５０１２３",
            "+",
            "---",
            "12",
            &"1".repeat(41),
        ] {
            assert!(
                matches!(
                    PhoneNumber::parse(typed, &us()),
                    Err(PhoneError::NotANumber | PhoneError::NotValid)
                ),
                "{typed:?} was not refused as garbage"
            );
        }
        assert_eq!(PhoneNumber::parse("  ", &us()), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("201 555 012", &us()),
            Err(PhoneError::NotValid)
        );
    }

    #[test]
    fn refusals_never_repeat_the_input() {
        for e in [
            PhoneError::Empty,
            PhoneError::NotANumber,
            PhoneError::NotValid,
            PhoneError::CannotTakeTexts,
            PhoneError::CountryNotAllowed,
        ] {
            assert!(!e.to_string().contains("201"), "{e}");
        }
    }

    #[test]
    fn a_number_round_trips_through_serde_as_its_e164_string() {
        let n = PhoneNumber::parse("(201) 555-0123", &us()).unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"+12015550123\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), n);
        // Stored numbers stay readable whatever the country rules now say.
        let gb: PhoneNumber = serde_json::from_str("\"+447400123456\"").unwrap();
        assert_eq!(gb.last_four(), "3456");
        for bad in [
            "\"2015550123\"",
            "\"+1 201 555 0123\"",
            "\"+0123\"",
            "\"+\"",
        ] {
            assert!(serde_json::from_str::<PhoneNumber>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_output_shows_the_last_four_digits_only() {
        let n = PhoneNumber::parse("+12015550123", &us()).unwrap();
        assert_eq!(n.last_four(), "0123");
        assert_eq!(format!("{n:?}"), "PhoneNumber(…0123)");
    }

    #[test]
    fn regions_are_two_letter_names_libphonenumber_knows() {
        assert_eq!(Region::parse(" ca ").unwrap().as_str(), "CA");
        for bad in ["", "USA", "ZZ", "U", "001"] {
            assert!(Region::parse(bad).is_none(), "{bad:?}");
        }
    }
}
