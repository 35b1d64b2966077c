//! The password pages: the form a setup or reset link opens, and changing one's password.

use askama::Template;

use super::{render, Chrome};
use crate::domain::TokenPurpose;

#[derive(Template)]
#[template(path = "password_form.html")]
pub struct PasswordFormPage<'a> {
    pub chrome: Chrome,
    pub heading: &'a str,
    pub intro: &'a str,
    pub button: &'a str,
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
    pub token: &'a str,
    pub email: &'a str,
    pub min_chars: usize,
    pub form_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirmation_error: Option<&'a str>,
}

pub fn password_form(page: TokenPurpose, s: PasswordFormState<'_>) -> String {
    link_form(page, s, None)
}

/// The form a setup or reset page shows without a link: email, code, new password.
pub fn code_form(page: TokenPurpose, s: PasswordFormState<'_>, entry: CodeEntry<'_>) -> String {
    link_form(page, s, Some(entry))
}

fn link_form(
    page: TokenPurpose,
    s: PasswordFormState<'_>,
    code_entry: Option<CodeEntry<'_>>,
) -> String {
    let (heading, intro, button, action) = match page {
        TokenPurpose::Setup => (
            "Set up your account",
            "Choose the password you'll use to sign in. Once it's set, you're signed in straight away.",
            "Set password and sign in",
            "/setup",
        ),
        TokenPurpose::Reset => (
            "Choose a new password",
            "Choose a new password. Once it's set, you're signed in and other devices are signed out.",
            "Save password and sign in",
            "/reset",
        ),
    };
    let intro = if code_entry.is_some() {
        match page {
            TokenPurpose::Setup => "Enter your email address or mobile number and the 6-digit code from your invite (email or text message), then choose the password you'll use to sign in. You're signed in straight away.",
            TokenPurpose::Reset => "Enter your email address or mobile number and the 6-digit code from the reset email or text message, then choose a new password. Other devices are signed out.",
        }
    } else {
        intro
    };
    render(PasswordFormPage {
        chrome: Chrome::new(true),
        heading,
        intro,
        button,
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

pub fn change_password(s: ChangePasswordState<'_>) -> String {
    let (heading, intro, button) = if s.first_password {
        (
            "Choose your password",
            "You signed in with the temporary password your admin gave you. Choose your own now: you'll use it from now on, and the temporary one stops working.",
            "Save password",
        )
    } else {
        (
            "Change your password",
            "Enter your current password, then choose a new one. Other devices are signed out.",
            "Change password",
        )
    };
    render(PasswordFormPage {
        chrome: Chrome::new(true),
        heading,
        intro,
        button,
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
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::tests::between;
    use super::*;

    pub(crate) fn form_with(
        password_error: Option<&str>,
        confirmation_error: Option<&str>,
    ) -> String {
        password_form(
            TokenPurpose::Setup,
            PasswordFormState {
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
        let change = change_password(state(false));
        assert!(change.contains("name=\"currentPassword\""));
        assert!(change.contains("action=\"/password\"") && !change.contains("name=\"token\""));
        let first = change_password(state(true));
        assert!(!first.contains("name=\"currentPassword\""));
        assert!(first.contains("Choose your password"));
    }
}
