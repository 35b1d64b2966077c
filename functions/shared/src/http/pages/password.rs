//! The password pages: the form a setup or reset link opens, and changing one's password.

use askama::Template;

use super::{render, Chrome};
use crate::domain::{Refusal, TokenPurpose};
use crate::i18n::Lang;

/// Why a password was refused, in the page's language.
pub fn refusal(t: &Lang, r: Refusal) -> String {
    match r {
        Refusal::Missing => t.get("password-missing"),
        Refusal::TooShort(min) => t.number("password-too-short", "min", min),
        Refusal::TooLong(max) => t.number("password-too-long", "max", max),
        Refusal::ControlCharacter => t.get("password-control-character"),
        Refusal::UsesContext => t.get("password-uses-context"),
        Refusal::Guessable(None) => t.get("password-guessable"),
        Refusal::Guessable(Some(hint)) => t.one(
            "password-guessable-because",
            "hint",
            &t.get(hint.message_id()),
        ),
        Refusal::Breached => t.get("password-breached"),
        Refusal::Differs => t.get("passwords-differ"),
    }
}

#[derive(Template)]
#[template(path = "password_form.html")]
pub struct PasswordFormPage<'a> {
    pub chrome: Chrome,
    pub heading: &'a str,
    pub intro: &'a str,
    pub button: &'a str,
    /// The page's language was not chosen by the tech (`?lang`, the menu) but is the user's
    /// own, the cookie's, `Accept-Language`'s or the default: the form says so, so that it never
    /// becomes the user's locale.
    pub lang_guessed: bool,
    pub action: &'a str,
    /// A link's token, posted back with the form (`None` on the change-password page).
    pub token: Option<&'a str>,
    pub email: &'a str,
    /// The change-password page asks for the current password, unless the user is still on the
    /// temporary one.
    pub ask_current: bool,
    pub current_error: Option<&'a str>,
    pub min_chars: usize,
    pub form_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirmation_error: Option<&'a str>,
    /// The code form (a setup or reset page opened without a link): who the tech is and the
    /// code beside their link, typed, instead of the link's token.
    pub code_entry: Option<CodeEntry<'a>>,
    /// The code form's own fields are what to fix (focus goes there, not to the password).
    pub code_problem: bool,
    /// The account's passkeys, as the reset page lists them ("name, added date").
    pub passkeys: Vec<String>,
}

/// What the code form shows besides the password boxes. Never who the identifier belongs to:
/// the page is about a user only once a link or a code proved it.
pub struct CodeEntry<'a> {
    pub identifier: &'a str,
    /// The code as typed, kept when only the password was refused (so the tech need not type
    /// it again); empty otherwise.
    pub code: &'a str,
    pub identifier_error: Option<&'a str>,
    pub code_error: Option<&'a str>,
}

pub struct PasswordFormState<'a> {
    /// The passkey button, where passkeys are offered.
    pub passkey: Option<super::PasskeyOffer>,
    /// The account's passkeys, listed on the reset page.
    pub passkeys: Vec<String>,
    pub token: &'a str,
    pub email: &'a str,
    pub min_chars: usize,
    pub form_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirmation_error: Option<&'a str>,
}

/// The form a link opens, in `t`, for the user of the link (of `org`).
pub fn password_form(
    t: Lang,
    org: Option<&str>,
    page: TokenPurpose,
    s: PasswordFormState<'_>,
) -> String {
    let chrome = Chrome::with_token(t, org, true, Some(s.token));
    link_form(chrome, page, s, None, crate::http::lang::guessed())
}

/// The form a setup or reset page shows without a link: email, code, new password. Nobody is
/// known yet, so no organisation; `lang_guessed` when `t` was not chosen by the tech.
pub fn code_form(
    t: Lang,
    lang_guessed: bool,
    page: TokenPurpose,
    s: PasswordFormState<'_>,
    entry: CodeEntry<'_>,
) -> String {
    link_form(
        Chrome::new(t, None, true),
        page,
        s,
        Some(entry),
        lang_guessed,
    )
}

fn link_form(
    chrome: Chrome,
    page: TokenPurpose,
    mut s: PasswordFormState<'_>,
    code_entry: Option<CodeEntry<'_>>,
    lang_guessed: bool,
) -> String {
    let mut chrome = chrome;
    chrome.passkey = s.passkey.take();
    let t = chrome.t;
    let (heading, intro, intro_code, button, action) = match page {
        TokenPurpose::Setup => (
            "setup-title",
            "setup-intro",
            "setup-intro-code",
            "setup-button",
            "/setup",
        ),
        TokenPurpose::Reset => (
            "reset-title",
            "reset-intro",
            "reset-intro-code",
            "reset-save-button",
            "/reset",
        ),
    };
    let intro = if code_entry.is_some() {
        intro_code
    } else {
        intro
    };
    render(PasswordFormPage {
        chrome,
        heading: &t.get(heading),
        intro: &t.get(intro),
        button: &t.get(button),
        lang_guessed,
        action,
        token: code_entry.is_none().then_some(s.token),
        code_problem: code_entry
            .as_ref()
            .is_some_and(|e| e.identifier_error.is_some() || e.code_error.is_some()),
        email: s.email,
        ask_current: false,
        current_error: None,
        min_chars: s.min_chars,
        form_error: s.form_error,
        password_error: s.password_error,
        confirmation_error: s.confirmation_error,
        code_entry,
        passkeys: s.passkeys,
    })
}

/// What the change-password page shows.
pub struct ChangePasswordState<'a> {
    pub email: &'a str,
    /// Still on the temporary password: this is where they choose their own, no current
    /// password asked.
    pub first_password: bool,
    pub min_chars: usize,
    pub form_error: Option<&'a str>,
    pub current_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirmation_error: Option<&'a str>,
}

/// The change-password page of a signed-in user (of `org`), in `t`.
pub fn change_password(t: Lang, org: Option<&str>, s: ChangePasswordState<'_>) -> String {
    let (heading, intro, button) = if s.first_password {
        ("choose-title", "choose-intro", "choose-button")
    } else {
        ("change-title", "change-intro", "change-button")
    };
    render(PasswordFormPage {
        chrome: Chrome::new(t, org, true),
        heading: &t.get(heading),
        intro: &t.get(intro),
        button: &t.get(button),
        lang_guessed: false,
        action: "/password",
        token: None,
        email: s.email,
        ask_current: !s.first_password,
        current_error: s.current_error,
        min_chars: s.min_chars,
        form_error: s.form_error,
        password_error: s.password_error,
        confirmation_error: s.confirmation_error,
        code_entry: None,
        code_problem: false,
        passkeys: Vec::new(),
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::between;
    use super::*;
    use crate::domain::Locale;
    use crate::i18n::tests::lang;

    pub(crate) fn form_with(
        password_error: Option<&str>,
        confirmation_error: Option<&str>,
    ) -> String {
        password_form(
            lang(Locale::En),
            None,
            TokenPurpose::Setup,
            PasswordFormState {
                passkey: None,
                passkeys: Vec::new(),
                token: "tok-123",
                email: "ana@example.com",
                min_chars: 12,
                form_error: (password_error.is_some() || confirmation_error.is_some())
                    .then_some("Your password wasn't saved."),
                password_error,
                confirmation_error,
            },
        )
    }

    #[test]
    fn a_weak_password_is_reported_at_its_field_and_the_form_keeps_the_link() {
        let page = form_with(Some("That password is too easy to guess."), None);
        assert!(page.contains("<title>Error: Set up your account"));
        assert!(page.contains(
            "<p class=\"error\" id=\"password-error\"><span class=\"vh\">Error: </span>That password is too easy to guess.</p>"
        ));
        let input = between(&page, "<input id=\"password\"", ">");
        assert!(input.contains("aria-describedby=\"password-rules password-error\""));
        assert!(input.contains("aria-invalid=\"true\"") && input.contains("autofocus"));
        assert!(input.contains("autocomplete=\"new-password\""));
        assert!(page.contains("name=\"token\" value=\"tok-123\""));
        assert!(page.contains("value=\"ana@example.com\" autocomplete=\"username\""));
        // The rules come before the box, so they are read before typing.
        assert!(page.find("id=\"password-rules\"") < page.find("<input id=\"password\""));
    }

    #[test]
    fn passwords_that_differ_are_reported_at_the_second_box_with_focus_on_the_first() {
        let page = form_with(None, Some("The two passwords don't match."));
        let second = between(&page, "<input id=\"password-confirmation\"", ">");
        assert!(second.contains("aria-invalid=\"true\""));
        assert!(second.contains("aria-describedby=\"confirmation-error\""));
        // Both boxes come back empty, so the tech starts again at the first.
        let first = between(&page, "<input id=\"password\"", ">");
        assert!(first.contains("autofocus") && !second.contains("autofocus"));
        assert!(!first.contains("aria-invalid"));
    }

    #[test]
    fn the_change_password_page_asks_for_the_current_password_unless_on_the_temporary_one() {
        let state = |first_password| ChangePasswordState {
            email: "ana@example.com",
            first_password,
            min_chars: 12,
            form_error: None,
            current_error: None,
            password_error: None,
            confirmation_error: None,
        };
        let change = change_password(lang(Locale::En), None, state(false));
        assert!(change.contains("name=\"currentPassword\""));
        assert!(change.contains("action=\"/password\"") && !change.contains("name=\"token\""));
        let first = change_password(lang(Locale::En), None, state(true));
        assert!(!first.contains("name=\"currentPassword\""));
        assert!(first.contains("Choose your password"));
    }
}
