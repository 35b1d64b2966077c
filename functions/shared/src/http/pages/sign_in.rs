//! The sign-in pages: signing in, asking for a new link, and what a link that does not open
//! the form says.

use askama::Template;

use super::{render, Chrome};

#[derive(Template)]
#[template(path = "link_problem.html")]
struct LinkProblemPage<'a> {
    chrome: Chrome,
    heading: &'a str,
    explanation: &'a str,
    sign_in: &'a str,
    sign_in_hint: &'a str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    chrome: Chrome,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    chrome: Chrome,
    sent: bool,
    /// The identifier as typed (an email or a mobile number).
    email: &'a str,
    /// The link went by text message (the identifier was a phone).
    by_text: bool,
    lifetime: &'a str,
    error: Option<&'a str>,
}

/// Why a link does not open the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTrouble {
    Missing,
    Invalid,
    Expired,
    Used,
}

pub fn link_problem(trouble: LinkTrouble) -> String {
    const TEMPORARY: &str = "Sign in with the temporary password";
    const TEMPORARY_HINT: &str = "The temporary password is the one your admin gave you. It works until you choose your own.";
    let (heading, explanation, sign_in, sign_in_hint) = match trouble {
        LinkTrouble::Missing => (
            "This link is incomplete",
            "The link is missing part of its code. Open it again from the email, or copy the whole link into your browser. You can also get a new link.",
            TEMPORARY,
            TEMPORARY_HINT,
        ),
        LinkTrouble::Invalid => (
            "This link doesn't work",
            "We don't recognise this link. It may have been copied only in part, or a newer email replaced it. Use the newest email, or get a new link.",
            TEMPORARY,
            TEMPORARY_HINT,
        ),
        LinkTrouble::Expired => (
            "This link has expired",
            "Links from our emails work for a limited time, and this one has run out. Get a new link and use it soon.",
            TEMPORARY,
            TEMPORARY_HINT,
        ),
        // The password this link set has replaced the temporary one: offering it would mislead.
        LinkTrouble::Used => (
            "This link has already been used",
            "Each link works once, and this one has already set a password. Sign in with that password, or get a new link if you've forgotten it.",
            "Sign in",
            "The password chosen with this link is the one that signs you in now.",
        ),
    };
    render(LinkProblemPage {
        chrome: Chrome::new(false),
        heading,
        explanation,
        sign_in,
        sign_in_hint,
    })
}

pub fn login(email: &str, error: Option<&str>) -> String {
    render(LoginPage {
        chrome: Chrome::new(true),
        email,
        error,
    })
}

pub fn forgot(email: &str, error: Option<&str>) -> String {
    render(ForgotPage {
        chrome: Chrome::new(false),
        sent: false,
        email,
        by_text: false,
        lifetime: "",
        error,
    })
}

/// `identifier`: the email or number as the service read it; `by_text` when it is a number.
pub fn forgot_sent(identifier: &str, by_text: bool, lifetime: &str) -> String {
    render(ForgotPage {
        chrome: Chrome::new(false),
        sent: true,
        email: identifier,
        by_text,
        lifetime,
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::between;
    use super::*;

    #[test]
    fn a_link_problem_says_what_happened_and_offers_a_new_link_and_signing_in() {
        for trouble in [
            LinkTrouble::Missing,
            LinkTrouble::Invalid,
            LinkTrouble::Expired,
        ] {
            let page = link_problem(trouble);
            assert!(page
                .contains("<a class=\"button\" href=\"/password/forgot\">Send me a new link</a>"));
            assert!(page.contains(
                "<a class=\"button secondary\" href=\"/login\">Sign in with the temporary password</a>"
            ));
        }
        // After a link has set a password, the temporary one no longer works.
        let used = link_problem(LinkTrouble::Used);
        assert!(used.contains("already been used"));
        assert!(used.contains("href=\"/password/forgot\">Send me a new link</a>"));
        assert!(used.contains("<a class=\"button secondary\" href=\"/login\">Sign in</a>"));
    }

    #[test]
    fn sign_in_keeps_the_email_and_focuses_the_password_after_a_refusal() {
        let page = login(
            "ana@example.com",
            Some("That email and password don't match."),
        );
        // One field for an email or a mobile number (API.md, `POST /login`).
        let email = between(&page, "<input id=\"identifier\"", ">");
        assert!(email.contains("name=\"identifier\"") && email.contains("type=\"text\""));
        assert!(page.contains("Email or mobile number"));
        let password = between(&page, "<input id=\"password\"", ">");
        assert!(email.contains("value=\"ana@example.com\"") && !email.contains("autofocus"));
        assert!(password.contains("autofocus"));
        assert!(password.contains("aria-describedby=\"password-hint form-error\""));
        assert!(password.contains("autocomplete=\"current-password\""));
        let empty = login("", Some("Enter your email address."));
        assert!(between(&empty, "<input id=\"identifier\"", ">").contains("autofocus"));
    }
}
