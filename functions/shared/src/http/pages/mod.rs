//! The HTML pages techs see on a phone: compile-time templates with auto-escaping, one inlined
//! stylesheet, an optional show-password script, and a CSP that allows exactly those two by hash.
//! This module owns what every page shares (the chrome, the CSP, the message page); each page
//! family has its own file.

#[cfg(feature = "local")]
mod local;
mod password;
mod sign_in;

#[cfg(feature = "local")]
pub use local::{mailbox, signed_in, MailRow, TextRow};
pub use password::{
    change_password, code_form, password_form, ChangePasswordState, CodeEntry, PasswordFormPage,
    PasswordFormState,
};
pub use sign_in::{forgot, forgot_sent, link_problem, login, LinkTrouble};

use askama::Template;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../../templates/style.css");
const JS: &str = include_str!("../../../templates/toggle.js");
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
    pub(crate) fn new(script: bool) -> Self {
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
#[template(path = "message.html")]
struct MessagePage<'a> {
    chrome: Chrome,
    heading: &'a str,
    explanation: &'a str,
}

pub(crate) fn render(t: impl Template) -> String {
    t.render().expect("page templates render")
}

pub fn message(heading: &str, explanation: &str) -> String {
    render(MessagePage {
        chrome: Chrome::new(false),
        heading,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).expect("opening tag") + open.len();
        let end = start + html[start..].find(close).expect("closing tag");
        &html[start..end]
    }

    #[test]
    fn the_inline_style_and_script_are_exactly_what_the_csp_allows() {
        let page = password::tests::form_with(None, None);
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
        let page = password::tests::form_with(None, None);
        assert!(page.contains("<div data-toggle-password hidden>"));
        assert!(JS.contains("box.hidden=false"));
    }

    #[test]
    fn what_a_page_shows_is_escaped() {
        let page = login("\"><script>alert(1)</script>", Some("<b>x</b>"));
        assert!(!page.contains("<script>alert") && !page.contains("<b>x</b>"));
    }
}
