//! The sign-in pages: signing in, asking for a new link, and what a link that does not open
//! the form says. None of them knows whose page it is: they show the product's name.

use askama::Template;

use super::{render, Chrome, PasskeyOffer};
use crate::i18n::{Arg, Lang};

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
    /// "Check your email" or "Check your messages".
    sent_title: String,
    /// Where the link went, the identifier in bold (HTML).
    sent_html: String,
    nothing_there: String,
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

pub fn link_problem(t: Lang, trouble: LinkTrouble) -> String {
    let (heading, explanation) = match trouble {
        LinkTrouble::Missing => ("link-missing-title", "link-missing"),
        LinkTrouble::Invalid => ("link-invalid-title", "link-invalid"),
        LinkTrouble::Expired => ("link-expired-title", "link-expired"),
        LinkTrouble::Used => ("link-used-title", "link-used"),
    };
    // The password a used link set has replaced the temporary one: offering it would mislead.
    let (sign_in, sign_in_hint) = match trouble {
        LinkTrouble::Used => ("link-sign-in", "link-sign-in-used-hint"),
        _ => ("link-sign-in-temporary", "link-sign-in-temporary-hint"),
    };
    render(LinkProblemPage {
        chrome: Chrome::new(t, None, false),
        heading: &t.get(heading),
        explanation: &t.get(explanation),
        sign_in: &t.get(sign_in),
        sign_in_hint: &t.get(sign_in_hint),
    })
}

pub fn login(t: Lang, email: &str, error: Option<&str>, passkey: Option<PasskeyOffer>) -> String {
    let mut chrome = Chrome::new(t, None, true);
    chrome.passkey = passkey;
    render(LoginPage {
        chrome,
        email,
        error,
    })
}

pub fn forgot(t: Lang, email: &str, error: Option<&str>) -> String {
    render(ForgotPage {
        chrome: Chrome::new(t, None, false),
        sent: false,
        email,
        sent_title: String::new(),
        sent_html: String::new(),
        nothing_there: String::new(),
        error,
    })
}

/// `identifier`: the email or number as the service read it; `by_text` when it is a number;
/// `lifetime`: how long a reset link works.
pub fn forgot_sent(t: Lang, identifier: &str, by_text: bool, lifetime: chrono::Duration) -> String {
    let lifetime = t.duration(lifetime);
    let (title, sent, nothing) = if by_text {
        (
            "forgot-sent-text-title",
            "forgot-sent-text",
            "forgot-nothing-text",
        )
    } else {
        (
            "forgot-sent-email-title",
            "forgot-sent-email",
            "forgot-nothing-email",
        )
    };
    render(ForgotPage {
        chrome: Chrome::new(t, None, false),
        sent: true,
        email: identifier,
        sent_title: t.get(title),
        sent_html: t.html(
            sent,
            &[
                ("identifier", Arg::Text(identifier)),
                ("lifetime", Arg::Text(&lifetime)),
            ],
            &["identifier"],
        ),
        nothing_there: t.get(nothing),
        error: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::between;
    use super::*;
    use crate::domain::Locale;
    use crate::i18n::tests::lang;

    fn en() -> Lang {
        lang(Locale::En)
    }

    #[test]
    fn a_link_problem_says_what_happened_and_offers_a_new_link_and_signing_in() {
        for trouble in [
            LinkTrouble::Missing,
            LinkTrouble::Invalid,
            LinkTrouble::Expired,
        ] {
            let page = link_problem(en(), trouble);
            assert!(page
                .contains("<a class=\"button\" href=\"/password/forgot\">Send me a new link</a>"));
            assert!(page.contains(
                "<a class=\"button secondary\" href=\"/login\">Sign in with the temporary password</a>"
            ));
        }
        // After a link has set a password, the temporary one no longer works.
        let used = link_problem(en(), LinkTrouble::Used);
        assert!(used.contains("already been used"));
        assert!(used.contains("href=\"/password/forgot\">Send me a new link</a>"));
        assert!(used.contains("<a class=\"button secondary\" href=\"/login\">Sign in</a>"));
    }

    #[test]
    fn sign_in_keeps_the_email_and_focuses_the_password_after_a_refusal() {
        let page = login(
            en(),
            "ana@example.com",
            Some("That email and password don't match."),
            None,
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
        let empty = login(en(), "", Some("Enter your email address."), None);
        assert!(between(&empty, "<input id=\"identifier\"", ">").contains("autofocus"));
    }
}
