//! The HTML pages techs see on a phone: compile-time templates with auto-escaping, one inlined
//! stylesheet, an optional show-password script, and a CSP that allows exactly those two by hash.

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

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
pub fn content_security_policy(form_target: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}'; img-src 'self'; \
         form-action 'self' {form_target}; frame-ancestors 'none'; base-uri 'none'",
        *CSS_HASH, *JS_HASH
    )
}

/// What every page shares.
pub struct Chrome {
    pub product: &'static str,
    pub css: &'static str,
    pub js: &'static str,
    pub script: bool,
}

impl Chrome {
    fn new(script: bool) -> Self {
        Self {
            product: PRODUCT,
            css: CSS,
            js: JS,
            script,
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
    pub token: &'a str,
    pub email: &'a str,
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

#[derive(Template)]
#[template(path = "signed_in.html")]
struct SignedIn<'a> {
    chrome: Chrome,
    email: &'a str,
    org_name: Option<&'a str>,
}

/// One row of the local server's outbox page.
pub struct MailRow {
    pub date: String,
    pub to: String,
    pub subject: String,
    pub file_name: String,
}

#[derive(Template)]
#[template(path = "mailbox.html")]
struct Mailbox<'a> {
    chrome: Chrome,
    rows: &'a [MailRow],
}

/// The local server's `/_dev/mail` page.
pub fn mailbox(rows: &[MailRow]) -> String {
    render(Mailbox {
        chrome: Chrome::new(false),
        rows,
    })
}

fn render(t: impl Template) -> String {
    t.render().expect("page templates render")
}

/// Which setup-or-reset page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordPage {
    Setup,
    Reset,
}

pub struct PasswordFormState<'a> {
    pub token: &'a str,
    pub email: &'a str,
    pub min_chars: usize,
    pub form_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub confirmation_error: Option<&'a str>,
}

pub fn password_form(page: PasswordPage, s: PasswordFormState<'_>) -> String {
    let (heading, intro, button, action) = match page {
        PasswordPage::Setup => (
            "Set up your account",
            "Choose the password you'll use to sign in. Once it's set, you're signed in straight away.",
            "Set password and sign in",
            "/setup",
        ),
        PasswordPage::Reset => (
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
        token: s.token,
        email: s.email,
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
    let (heading, explanation) = match trouble {
        LinkTrouble::Missing => (
            "This link is incomplete",
            "The link is missing part of its code. Open it again from the email, or copy the whole link into your browser.",
        ),
        LinkTrouble::Invalid => (
            "This link doesn't work",
            "We don't recognise this link. It may have been copied only in part, or a newer email replaced it.",
        ),
        LinkTrouble::Expired => (
            "This link has expired",
            "Links from our emails work for a limited time, and this one has run out.",
        ),
        LinkTrouble::Used => (
            "This link has already been used",
            "Each link works once, and this one has already set a password. Sign in with that password, or get a new link.",
        ),
    };
    render(LinkProblem {
        chrome: Chrome::new(false),
        heading,
        explanation,
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

pub fn signed_in(email: &str, org_name: Option<&str>) -> String {
    render(SignedIn {
        chrome: Chrome::new(false),
        email,
        org_name,
    })
}
