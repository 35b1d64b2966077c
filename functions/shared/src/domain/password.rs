//! Password policy (NIST SP 800-63B): a minimum length, a generous maximum, any Unicode, no
//! composition rules, and a strength estimate from zxcvbn that knows the user's own email and
//! organisation. Passwords are NFKC-normalised so the same characters typed on another keyboard match.

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

/// Characters, not bytes: a password of twelve emoji is twelve characters long.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// zxcvbn estimates at most this many characters of a password (see `zxcvbn_input`).
pub const ZXCVBN_MAX_CHARS: usize = 64;

#[derive(Debug, Clone, Copy)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    /// zxcvbn's 0..=4 scale; 3 is "safely unguessable: moderate protection from offline attacks".
    pub min_score: u8,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_chars: 12,
            min_score: 3,
        }
    }
}

/// Why a password was refused: in English words for the API's `message`, and as a reason
/// that a page says in the tech's language (`PasswordRejected::catalogue`).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct PasswordRejected {
    pub message: String,
    pub reason: Refusal,
}

/// Why a password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Missing,
    TooShort(usize),
    TooLong(usize),
    ControlCharacter,
    UsesContext,
    /// zxcvbn's estimate is too low, with why when it says.
    Guessable(Option<GuessHint>),
    /// It is in a breach corpus (`BreachedPasswords`).
    Breached,
    /// The confirmation box says something else.
    Differs,
}

/// The kinds of zxcvbn's warnings, as the catalogue words them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuessHint {
    Keyboard,
    Repeats,
    Common,
    Sequence,
    Dates,
    Word,
}

impl GuessHint {
    fn of(w: zxcvbn::feedback::Warning) -> Self {
        use zxcvbn::feedback::Warning as W;
        match w {
            W::StraightRowsOfKeysAreEasyToGuess | W::ShortKeyboardPatternsAreEasyToGuess => {
                GuessHint::Keyboard
            }
            W::RepeatsLikeAaaAreEasyToGuess | W::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
                GuessHint::Repeats
            }
            W::SequencesLikeAbcAreEasyToGuess => GuessHint::Sequence,
            W::RecentYearsAreEasyToGuess | W::DatesAreOftenEasyToGuess => GuessHint::Dates,
            W::AWordByItselfIsEasyToGuess
            | W::NamesAndSurnamesByThemselvesAreEasyToGuess
            | W::CommonNamesAndSurnamesAreEasyToGuess => GuessHint::Word,
            _ => GuessHint::Common,
        }
    }

    /// The catalogue message that words it.
    pub fn message_id(self) -> &'static str {
        match self {
            GuessHint::Keyboard => "password-hint-keyboard",
            GuessHint::Repeats => "password-hint-repeats",
            GuessHint::Common => "password-hint-common",
            GuessHint::Sequence => "password-hint-sequence",
            GuessHint::Dates => "password-hint-dates",
            GuessHint::Word => "password-hint-word",
        }
    }
}

impl PasswordRejected {
    fn new(reason: Refusal, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            reason,
        }
    }

    /// A password that is in a breach corpus.
    pub fn breached(message: &str) -> Self {
        Self::new(Refusal::Breached, message)
    }

    /// No password at all.
    pub fn missing() -> Self {
        Self::new(Refusal::Missing, "Enter a password.")
    }
}

/// What a tech is told when the confirmation box does not say what the password box says.
pub const PASSWORDS_DIFFER: &str =
    "The two passwords don't match. Type the same password in both boxes.";

/// The normalised form under which passwords are hashed and verified.
pub fn normalise(raw: &str) -> SecretString {
    SecretString::from(raw.nfkc().collect::<String>())
}

impl PasswordPolicy {
    /// Checks a password against the policy. `context` holds words the password must not lean on:
    /// the user's email, its local part, the organisation's name.
    pub fn check(&self, raw: &str, context: &[&str]) -> Result<SecretString, PasswordRejected> {
        let normalised = normalise(raw);
        let password = normalised.expose_secret();
        let chars = password.chars().count();
        if chars < self.min_chars {
            return Err(PasswordRejected::new(
                Refusal::TooShort(self.min_chars),
                format!(
                    "Use at least {} characters. A few unrelated words make a good password.",
                    self.min_chars
                ),
            ));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordRejected::new(
                Refusal::TooLong(MAX_PASSWORD_CHARS),
                format!("Use at most {MAX_PASSWORD_CHARS} characters."),
            ));
        }
        if password.chars().any(char::is_control) {
            return Err(PasswordRejected::new(
                Refusal::ControlCharacter,
                "The password has an invisible control character in it. Type it again.",
            ));
        }
        let lowered = password.to_lowercase();
        let mut inputs: Vec<String> = Vec::new();
        for word in context.iter().filter(|w| !w.trim().is_empty()) {
            let word = word.trim().to_lowercase();
            if word.chars().count() >= 4 && lowered.contains(&word) {
                return Err(PasswordRejected::new(
                    Refusal::UsesContext,
                    "Don't use your email address or your company's name in the password.",
                ));
            }
            inputs.push(word.clone());
            if let Some((local, _)) = word.split_once('@') {
                inputs.push(local.to_string());
            }
        }
        let input_refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let estimate = zxcvbn::zxcvbn(zxcvbn_input(password), &input_refs);
        if (estimate.score() as u8) < self.min_score {
            let warning = estimate.feedback().and_then(|f| f.warning());
            let hint = warning
                // zxcvbn's warnings end with a full stop; the sentence goes on after the bracket.
                .map(|w| format!(" ({})", w.to_string().trim_end_matches('.')))
                .unwrap_or_default();
            return Err(PasswordRejected::new(
                Refusal::Guessable(warning.map(GuessHint::of)),
                format!(
                    "That password is too easy to guess{hint}. Add more words or make it longer."
                ),
            ));
        }
        Ok(normalised)
    }
}

/// What zxcvbn estimates: the first `ZXCVBN_MAX_CHARS` characters. zxcvbn's cost grows with
/// the length (up to ~115 ms for 256 characters), and any signed-in user can repeat
/// `POST /password`, so the work is capped. Scoring a prefix is safe: whoever guesses the whole
/// password has guessed its prefix on the way, so a password is at least as strong as its first
/// 64 characters and the cap can only make the check stricter, never let a weaker one through.
/// The length limits and the email/organisation check still see the whole password.
fn zxcvbn_input(password: &str) -> &str {
    match password.char_indices().nth(ZXCVBN_MAX_CHARS) {
        Some((end, _)) => &password[..end],
        None => password,
    }
}

/// The password an admin sets for a new tech; it signs them in until they choose their own.
pub struct TemporaryPassword(SecretString);

impl TemporaryPassword {
    pub fn parse(
        raw: &str,
        policy: &PasswordPolicy,
        context: &[&str],
    ) -> Result<Self, PasswordRejected> {
        policy.check(raw, context).map(Self)
    }
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

/// The password a tech chooses on the setup or reset page.
pub struct NewPassword(SecretString);

impl NewPassword {
    /// `confirmation` is `None` for API callers, who send the password once.
    pub fn parse(
        raw: &str,
        confirmation: Option<&str>,
        policy: &PasswordPolicy,
        context: &[&str],
    ) -> Result<Self, PasswordRejected> {
        if let Some(confirmation) = confirmation {
            if confirmation != raw {
                return Err(PasswordRejected::new(Refusal::Differs, PASSWORDS_DIFFER));
            }
        }
        policy.check(raw, context).map(Self)
    }
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &[&str] = &["ana@example.com", "Northwind Plumbing"];

    #[test]
    fn a_long_unrelated_passphrase_is_accepted() {
        let policy = PasswordPolicy::default();
        assert!(policy
            .check("copper kettle marching sideways", CONTEXT)
            .is_ok());
    }

    #[test]
    fn short_passwords_are_refused_with_the_minimum_named() {
        let err = PasswordPolicy::default()
            .check("Xk9#qL2!", CONTEXT)
            .unwrap_err();
        assert!(err.message.contains("12"), "{}", err.message);
    }

    #[test]
    fn common_passwords_are_refused_even_when_long() {
        assert!(PasswordPolicy::default()
            .check("password1234", CONTEXT)
            .is_err());
        assert!(PasswordPolicy::default()
            .check("aaaaaaaaaaaaaaaa", CONTEXT)
            .is_err());
    }

    #[test]
    fn the_users_email_or_organisation_is_refused_inside_the_password() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("ana@example.com-zebra-77", CONTEXT).is_err());
        assert!(policy.check("northwind plumbing rocks 9", CONTEXT).is_err());
    }

    #[test]
    fn any_unicode_is_allowed_and_counted_in_characters() {
        let policy = PasswordPolicy::default();
        assert!(policy.check("пароль-для-техника-Ω-ß-猫", CONTEXT).is_ok());
        // Twelve characters of three bytes each is still only twelve characters: fine.
        assert!(policy.check("猫犬鳥魚馬牛羊豚鹿熊狐狸", CONTEXT).is_ok());
        assert!(policy.check("猫犬鳥魚馬牛羊豚鹿熊狐", CONTEXT).is_err());
    }

    #[test]
    fn very_long_passwords_are_allowed_up_to_the_maximum() {
        let policy = PasswordPolicy::default();
        let ok: String = "violet harbour tram ".repeat(12);
        assert!(ok.chars().count() >= 128 && ok.chars().count() <= MAX_PASSWORD_CHARS);
        assert!(policy.check(&ok, CONTEXT).is_ok());
        assert!(policy
            .check(&"x".repeat(MAX_PASSWORD_CHARS + 1), CONTEXT)
            .is_err());
    }

    #[test]
    fn a_256_character_password_costs_zxcvbn_no_more_than_its_first_64_characters() {
        let long: String = "violet harbour tram ü42 "
            .repeat(11)
            .chars()
            .take(256)
            .collect();
        assert_eq!(long.chars().count(), MAX_PASSWORD_CHARS);
        let prefix: String = long.chars().take(ZXCVBN_MAX_CHARS).collect();
        assert_eq!(zxcvbn_input(&long), prefix);
        // The cap counts characters, not bytes: a multi-byte character is never cut in half.
        let wide = "猫".repeat(100);
        assert_eq!(zxcvbn_input(&wide), "猫".repeat(ZXCVBN_MAX_CHARS));
        // A password within the cap is estimated whole.
        assert_eq!(zxcvbn_input("copper kettle"), "copper kettle");
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(PasswordPolicy::default()
            .check("copper kettle\u{7} marching", CONTEXT)
            .is_err());
    }

    #[test]
    fn a_confirmation_that_differs_is_refused() {
        let policy = PasswordPolicy::default();
        let err = NewPassword::parse(
            "copper kettle marching sideways",
            Some("copper kettle marching sideway"),
            &policy,
            CONTEXT,
        )
        .unwrap_err();
        assert!(err.message.contains("match"));
    }

    #[test]
    fn composed_and_decomposed_accents_are_the_same_password() {
        let composed = normalise("caf\u{e9}");
        let decomposed = normalise("cafe\u{301}");
        assert_eq!(composed.expose_secret(), decomposed.expose_secret());
    }
}
