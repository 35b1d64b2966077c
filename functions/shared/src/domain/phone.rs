//! Mobile numbers as the product knows them: E.164 (`+15551234567`). A stand-in until the phone
//! parser lands: only the stored form is checked here.

use std::fmt;

/// A mobile number in E.164.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// A number as stored (E.164: `+`, then 2 to 15 digits, no leading zero).
    pub fn from_e164(raw: &str) -> Option<Self> {
        let digits = raw.strip_prefix('+')?;
        let ok = (2..=15).contains(&digits.len())
            && !digits.starts_with('0')
            && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| Self(raw.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn last_four(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }
}

impl fmt::Debug for PhoneNumber {
    /// A phone number is personal data: logs and debug output say only that there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber([redacted])")
    }
}

impl<'de> serde::Deserialize<'de> for PhoneNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::from_e164(&raw).ok_or_else(|| serde::de::Error::custom("not an E.164 number"))
    }
}
