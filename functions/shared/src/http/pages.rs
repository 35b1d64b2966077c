//! The HTML pages techs see on a phone: compile-time templates with auto-escaping, one inlined
//! stylesheet, an optional show-password script, and a CSP that allows exactly those two by hash.

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

use crate::domain::TokenPurpose;

const CSS: &str = include_str!("../../templates/style.css");
const JS: &str = include_str!("../../templates/toggle.js");
pub const PRODUCT: &str = "Team account";

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

static CSS_HASH: LazyLock<String> = LazyLock::new(|| sha256_b64(CSS));
static JS_HASH: LazyLock<String> = LazyLock::new(|| sha256_b64(JS));

/// The Content-Security-Policy of every page: nothing from anywhere but this page's own inline
/// style and script (by hash), and forms that post here or land on the app (`form_target`).
/// `img-src data:` is for the empty icon in `base.html`, which stops browsers asking for
/// `/favicon.ico` (a 404, and on Lambda an invocation, on every page view).
pub fn content_security_policy(form_target: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src data:; \
         form-action 'self' {form_target}; frame-ancestors 'none'; base-uri 'none'",
        *CSS_HASH, *JS_HASH
    )
}

/// What every page shares.
pub struct Chrome {
    pub product: &'static str,
    pub css: &'static str,
    pub js: &'static str,
    /// Only pages with a password box carry the show-password script; the rest run no script.
    pub script: bool,
    /// A wider column on large screens, for lists.
    pub wide: bool,
}

impl Chrome {
    fn new(script: bool) -> Self {
        Self {
            product: PRODUCT,
            css: CSS,
            js: JS,
            script,
            wide: false,
        }
    }
}

#[derive(Template)]
#[template(path = "password_form.html")]
pub struct PasswordForm<'a> {
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
}

#[derive(Template)]
#[template(path = "link_problem.html")]
struct LinkProblem<'a> {
    chrome: Chrome,
    heading: &'a str,
    explanation: &'a str,
    sign_in: &'a str,
    sign_in_hint: &'a str,
}

#[derive(Template)]
#[template(path = "login.html")]
struct Login<'a> {
    chrome: Chrome,
    email: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct Forgot<'a> {
    chrome: Chrome,
    sent: bool,
    email: &'a str,
    lifetime: &'a str,
    error: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    chrome: Chrome,
    heading: &'a str,
    explanation: &'a str,
}

#[cfg(feature = "local")]
#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedIn<'a> {
    chrome: Chrome,
    email: &'a str,
    org_name: Option<&'a str>,
    temporary_password: bool,
}

#[cfg(feature = "local")]
/// One row of the local server's outbox page.
pub struct MailRow {
    pub date: String,
    pub to: String,
    pub subject: String,
    pub file_name: String,
    /// What the mailbox simulator reports for it: `delivered`, `bounced (permanent)` or
    /// `complained`.
    pub status: String,
}

#[cfg(feature = "local")]
#[derive(Template)]
#[template(path = "mailbox.html")]
struct Mailbox<'a> {
    chrome: Chrome,
    rows: &'a [MailRow],
}

#[cfg(feature = "local")]
/// The local server's `/_dev/mail` page.
pub fn mailbox(rows: &[MailRow]) -> String {
    render(Mailbox {
        chrome: Chrome {
            wide: true,
            ..Chrome::new(false)
        },
        rows,
    })
}

fn render(t: impl Template) -> String {
    t.render().expect("page templates render")
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
    render(PasswordForm {
        chrome: Chrome::new(true),
        heading,
        intro,
        button,
        action,
        token: Some(s.token),
        email: s.email,
        ask_current: false,
        current_error: None,
        min_chars: s.min_chars,
        form_error: s.form_error,
        password_error: s.password_error,
        confirmation_error: s.confirmation_error,
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
    render(PasswordForm {
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
    })
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
    render(LinkProblem {
        chrome: Chrome::new(false),
        heading,
        explanation,
        sign_in,
        sign_in_hint,
    })
}

pub fn login(email: &str, error: Option<&str>) -> String {
    render(Login {
        chrome: Chrome::new(true),
        email,
        error,
    })
}

pub fn forgot(email: &str, error: Option<&str>) -> String {
    render(Forgot {
        chrome: Chrome::new(false),
        sent: false,
        email,
        lifetime: "",
        error,
    })
}

pub fn forgot_sent(email: &str, lifetime: &str) -> String {
    render(Forgot {
        chrome: Chrome::new(false),
        sent: true,
        email,
        lifetime,
        error: None,
    })
}

pub fn message(heading: &str, explanation: &str) -> String {
    render(Message {
        chrome: Chrome::new(false),
        heading,
        explanation,
    })
}

#[cfg(feature = "local")]
/// The local server's `/app`. `temporary_password`: signed in with the admin's temporary
/// password, so the page points to choosing one's own.
pub fn signed_in(email: &str, org_name: Option<&str>, temporary_password: bool) -> String {
    render(SignedIn {
        chrome: Chrome::new(false),
        email,
        org_name,
        temporary_password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).expect("opening tag") + open.len();
        let end = start + html[start..].find(close).expect("closing tag");
        &html[start..end]
    }

    fn form_with(password_error: Option<&str>, confirmation_error: Option<&str>) -> String {
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
    fn the_inline_style_and_script_are_exactly_what_the_csp_allows() {
        let page = form_with(None, None);
        let csp = content_security_policy("https://app.example.com");
        let style = between(&page, "<style>", "</style>");
        let script = between(&page, "<script>", "</script>");
        assert!(csp.contains(&format!("style-src 'sha256-{}'", sha256_b64(style))));
        assert!(csp.contains(&format!("script-src 'sha256-{}'", sha256_b64(script))));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("http:"));
    }

    #[test]
    fn pages_without_a_password_box_run_no_script() {
        #[allow(unused_mut)]
        let mut pages = vec![
            link_problem(LinkTrouble::Expired),
            forgot("", None),
            message("Page not found", "Nothing here."),
        ];
        #[cfg(feature = "local")]
        pages.push(signed_in("ana@example.com", None, false));
        for page in pages {
            assert!(!page.contains("<script"), "{page}");
        }
    }

    #[test]
    fn the_show_password_box_is_hidden_until_the_script_shows_it() {
        let page = form_with(None, None);
        assert!(page.contains("<div data-toggle-password hidden>"));
        assert!(JS.contains("box.hidden=false"));
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
    fn a_link_problem_says_what_happened_and_offers_a_new_link_and_signing_in() {
        for trouble in [
            LinkTrouble::Missing,
            LinkTrouble::Invalid,
            LinkTrouble::Expired,
        ] {
            let page = link_problem(trouble);
            assert!(page
                .contains("<a class=\"button\" href=\"/password/forgot\">Email me a new link</a>"));
            assert!(page.contains(
                "<a class=\"button secondary\" href=\"/login\">Sign in with the temporary password</a>"
            ));
        }
        // After a link has set a password, the temporary one no longer works.
        let used = link_problem(LinkTrouble::Used);
        assert!(used.contains("already been used"));
        assert!(used.contains("href=\"/password/forgot\">Email me a new link</a>"));
        assert!(used.contains("<a class=\"button secondary\" href=\"/login\">Sign in</a>"));
    }

    #[test]
    fn sign_in_keeps_the_email_and_focuses_the_password_after_a_refusal() {
        let page = login(
            "ana@example.com",
            Some("That email and password don't match."),
        );
        let email = between(&page, "<input id=\"email\"", ">");
        let password = between(&page, "<input id=\"password\"", ">");
        assert!(email.contains("value=\"ana@example.com\"") && !email.contains("autofocus"));
        assert!(password.contains("autofocus"));
        assert!(password.contains("aria-describedby=\"password-hint form-error\""));
        assert!(password.contains("autocomplete=\"current-password\""));
        let empty = login("", Some("Enter your email address."));
        assert!(between(&empty, "<input id=\"email\"", ">").contains("autofocus"));
    }

    #[cfg(feature = "local")]
    #[test]
    fn the_signed_in_page_points_a_temporary_password_to_choosing_one() {
        let temporary = signed_in("ana@example.com", Some("Northwind"), true);
        // Choosing one's own password happens here now (issue 14), not through an emailed link.
        assert!(
            temporary.contains("temporary password") && temporary.contains("href=\"/password\"")
        );
        let own = signed_in("ana@example.com", Some("Northwind"), false);
        assert!(!own.contains("temporary password"));
        for page in [&temporary, &own] {
            assert!(page.contains("action=\"/logout\""));
            assert!(page.contains("name=\"everywhere\" value=\"1\""));
        }
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

    #[test]
    fn what_a_page_shows_is_escaped() {
        let page = login("\"><script>alert(1)</script>", Some("<b>x</b>"));
        assert!(!page.contains("<script>alert") && !page.contains("<b>x</b>"));
    }
}
