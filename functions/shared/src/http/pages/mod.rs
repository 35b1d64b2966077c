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
    change_password, code_form, password_form, refusal, ChangePasswordState, CodeEntry,
    PasswordFormPage, PasswordFormState,
};
pub use sign_in::{forgot, forgot_sent, link_problem, login, LinkTrouble};

use askama::Template;
use base64::Engine;

use crate::domain::Locale;
use crate::http::lang;
use crate::i18n::{Arg, Lang};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const CSS: &str = include_str!("../../../templates/style.css");
const JS: &str = include_str!("../../../templates/toggle.js");

fn sha256_b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(s.as_bytes()))
}

static CSS_HASH: LazyLock<String> = LazyLock::new(|| sha256_b64(CSS));
static JS_HASH: LazyLock<String> = LazyLock::new(|| sha256_b64(JS));

/// The Content-Security-Policy of every page: nothing from anywhere but this page's own inline
/// style and script (by hash) and this origin's own script file (`/passkey.js`, which may
/// `fetch` this origin only), and forms that post here or land on the app (`form_target`).
/// `img-src data:` is for the empty icon in `base.html`, which stops browsers asking for
/// `/favicon.ico` (a 404, and on Lambda an invocation, on every page view).
pub fn content_security_policy(form_target: &str) -> String {
    format!(
        "default-src 'none'; style-src 'sha256-{}'; script-src 'sha256-{}' 'self'; \
         connect-src 'self'; img-src data:; form-action 'self' {form_target}; \
         frame-ancestors 'none'; base-uri 'none'",
        *CSS_HASH, *JS_HASH
    )
}

/// One language in the menu: its own name, and this page in it.
pub struct MenuItem {
    pub tag: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

/// What every page shares.
pub struct Chrome {
    /// The page's language (`<html lang>`, every word).
    pub t: Lang,
    /// The organisation's name when the page knows whose it is, else the product's.
    pub brand: String,
    pub css: &'static str,
    pub js: &'static str,
    /// Only pages with a password box carry the show-password script; the rest run no script.
    pub script: bool,
    /// A wider column on large screens, for lists.
    pub wide: bool,
    /// The language menu: plain links, so it works without JavaScript.
    pub menu: Vec<MenuItem>,
    /// The passkey button (`templates/passkey_box.html`) and its script, where the page offers one.
    pub passkey: Option<PasskeyOffer>,
}

/// A page's passkey button: which ceremony, where its script posts, and where a success lands.
pub struct PasskeyOffer {
    /// `register` (a setup or reset link) or `signin`.
    pub mode: &'static str,
    pub options: &'static str,
    pub finish: &'static str,
    /// Where the script goes once signed in: the app.
    pub next: String,
    /// The catalogue ids of the words under the button and before the password form.
    pub hint: &'static str,
    pub or: &'static str,
}

impl PasskeyOffer {
    /// The button of a setup or reset page.
    pub fn register(purpose: crate::domain::TokenPurpose, app_url: &str) -> Self {
        use crate::domain::TokenPurpose;
        let (options, finish) = match purpose {
            TokenPurpose::Setup => ("/setup/passkey/options", "/setup/passkey"),
            TokenPurpose::Reset => ("/reset/passkey/options", "/reset/passkey"),
        };
        Self {
            mode: "register",
            options,
            finish,
            next: app_url.to_owned(),
            hint: "passkey-setup-hint",
            or: "passkey-or-password",
        }
    }

    /// The sign-in page's button (and its autofill).
    pub fn sign_in(app_url: &str) -> Self {
        Self {
            mode: "signin",
            options: "/login/passkey/options",
            finish: "/login/passkey",
            next: app_url.to_owned(),
            hint: "passkey-sign-in-hint",
            or: "passkey-or-sign-in",
        }
    }
}

impl Chrome {
    /// The chrome of a page in `t`, about a user of `org` (or nobody known: `None`).
    pub(crate) fn new(t: Lang, org: Option<&str>, script: bool) -> Self {
        Self::with_token(t, org, script, None)
    }

    /// [`Chrome::new`] for a page opened by a link: the menu's links keep its `token`.
    pub(crate) fn with_token(
        t: Lang,
        org: Option<&str>,
        script: bool,
        token: Option<&str>,
    ) -> Self {
        lang::record_written(t.locale());
        let asked = lang::asked();
        let path = if asked.path.is_empty() {
            "/login"
        } else {
            asked.path.as_str()
        };
        let token = token
            .and_then(crate::domain::token::parse_token)
            .or(asked.token.as_deref());
        let menu = Locale::ALL
            .iter()
            .map(|l| MenuItem {
                tag: l.tag(),
                name: l.endonym(),
                href: match token {
                    Some(token) => format!("{path}?token={token}&lang={}", l.tag()),
                    None => format!("{path}?lang={}", l.tag()),
                },
                current: *l == t.locale(),
            })
            .collect();
        Self {
            t,
            brand: org
                .map(|o| o.trim().to_owned())
                .filter(|o| !o.is_empty())
                .unwrap_or_else(|| t.get("product")),
            css: CSS,
            js: JS,
            script,
            wide: false,
            menu,
            passkey: None,
        }
    }

    /// A page's `<title>`: its own, then the brand.
    pub fn title(&self, title: impl AsRef<str>) -> String {
        self.t.with(
            "page-title",
            &[
                ("title", Arg::Text(title.as_ref())),
                ("brand", Arg::Text(&self.brand)),
            ],
        )
    }

    /// [`Chrome::title`] of a page that shows an error: says so first.
    pub fn error_title(&self, error: bool, title: impl AsRef<str>) -> String {
        let title = title.as_ref();
        if error {
            self.title(format!("{} {title}", self.t.get("error-prefix")))
        } else {
            self.title(title)
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

pub fn message(t: Lang, heading: &str, explanation: &str) -> String {
    render(MessagePage {
        chrome: Chrome::new(t, None, false),
        heading,
        explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::tests::{lang, pseudo, words_outside_catalogue};

    pub(crate) fn between<'a>(html: &'a str, open: &str, close: &str) -> &'a str {
        let start = html.find(open).expect("opening tag") + open.len();
        let end = start + html[start..].find(close).expect("closing tag");
        &html[start..end]
    }

    fn en() -> Lang {
        lang(Locale::En)
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
            link_problem(en(), LinkTrouble::Expired),
            forgot(en(), "", None),
            message(en(), "Page not found", "Nothing here."),
        ];
        #[cfg(feature = "local")]
        pages.push(signed_in(en(), "ana@example.com", None, false));
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
        let page = login(en(), "\"><script>alert(1)</script>", Some("<b>x</b>"), None);
        assert!(!page.contains("<script>alert") && !page.contains("<b>x</b>"));
        let page = change_password(en(), Some("<i>Acme</i>"), change_state(true));
        assert!(
            !page.contains("<i>Acme") && page.contains("i&#62;Acme") || page.contains("i&gt;Acme")
        );
    }

    fn change_state(first_password: bool) -> ChangePasswordState<'static> {
        ChangePasswordState {
            email: "ana@example.com",
            first_password,
            min_chars: 12,
            form_error: Some("x"),
            current_error: Some("x"),
            password_error: Some("x"),
            confirmation_error: Some("x"),
        }
    }

    fn link_state(token: &str) -> PasswordFormState<'_> {
        PasswordFormState {
            passkey: Some(PasskeyOffer::register(
                crate::domain::TokenPurpose::Reset,
                "/app",
            )),
            passkeys: vec!["x".into()],
            token,
            email: "ana@example.com",
            min_chars: 12,
            form_error: Some("x"),
            password_error: Some("x"),
            confirmation_error: Some("x"),
        }
    }

    /// Every page in every state, in `t`, for a user of Northwind where the page knows them.
    fn every_page(t: Lang) -> Vec<String> {
        let entry = || CodeEntry {
            identifier: "ana@example.com",
            code: "123456",
            identifier_error: Some("x"),
            code_error: Some("x"),
        };
        let mut pages = vec![
            login(t, "ana@example.com", Some("x"), None),
            login(t, "", None, Some(PasskeyOffer::sign_in("/app"))),
            forgot(t, "ana@example.com", Some("x")),
            forgot_sent(t, "ana@example.com", false, chrono::Duration::minutes(30)),
            forgot_sent(t, "+15551234567", true, chrono::Duration::minutes(30)),
            message(
                t,
                &t.get("error-not-found-title"),
                &t.get("error-not-found"),
            ),
            change_password(t, Some("Northwind"), change_state(true)),
            change_password(t, Some("Northwind"), change_state(false)),
        ];
        for trouble in [
            LinkTrouble::Missing,
            LinkTrouble::Invalid,
            LinkTrouble::Expired,
            LinkTrouble::Used,
        ] {
            pages.push(link_problem(t, trouble));
        }
        for purpose in [
            crate::domain::TokenPurpose::Setup,
            crate::domain::TokenPurpose::Reset,
        ] {
            pages.push(password_form(
                t,
                Some("Northwind"),
                purpose,
                link_state("tok-123"),
            ));
            pages.push(code_form(t, true, purpose, link_state(""), entry()));
        }
        #[cfg(feature = "local")]
        {
            pages.push(signed_in(t, "ana@example.com", Some("Northwind"), true));
            pages.push(signed_in(t, "ana@example.com", None, false));
        }
        pages
    }

    /// The pseudo-locale run (API.md, "Languages": no text a user sees is built outside the
    /// catalogues): every page, written with every message in `⟦…⟧`, shows no word outside
    /// them but the values it was given and each language's own name in the menu.
    #[test]
    fn no_page_shows_a_word_from_outside_the_catalogue() {
        let mut allowed = vec!["ana@example.com", "Northwind", "+15551234567"];
        allowed.extend(Locale::ALL.iter().map(|l| l.endonym()));
        for page in every_page(pseudo()) {
            let words = words_outside_catalogue(&page, &allowed);
            assert!(words.is_empty(), "{words:?} in: {page}");
        }
    }

    #[test]
    fn every_page_names_its_language_and_offers_the_others_without_script() {
        for locale in Locale::ALL {
            for page in every_page(lang(locale)) {
                assert!(page.starts_with(&format!(
                    "<!doctype html>\n<html lang=\"{}\">",
                    locale.tag()
                )));
                let menu = between(&page, "<nav class=\"langs\"", "</nav>");
                for other in Locale::ALL {
                    assert!(menu.contains(&format!("lang={}\"", other.tag())), "{menu}");
                    assert!(menu.contains(other.endonym()), "{menu}");
                }
                assert_eq!(menu.matches("aria-current").count(), 1);
                assert!(menu.contains(&format!("aria-current=\"true\" lang=\"{}\"", locale.tag())));
            }
        }
    }

    #[test]
    fn a_link_s_page_shows_the_company_keeps_the_token_in_the_menu_and_carries_its_language() {
        let token = "A".repeat(43);
        let page = password_form(
            lang(Locale::Fr),
            Some("Northwind"),
            crate::domain::TokenPurpose::Setup,
            link_state(&token),
        );
        assert!(page.contains("<p class=\"brand\">Northwind</p>"));
        assert!(
            page.contains(&format!("?token={token}&amp;lang=es\""))
                || page.contains(&format!("?token={token}&#38;lang=es\"")),
            "{page}"
        );
        assert!(page.contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">"));
        // Outside a request nobody chose the language: the form says it was a guess.
        assert!(page.contains("name=\"langGuessed\" value=\"1\""));
        // A page that doesn't know whose it is shows the product, never a company.
        let code = code_form(
            lang(Locale::Fr),
            true,
            crate::domain::TokenPurpose::Setup,
            link_state(""),
            CodeEntry {
                identifier: "",
                code: "",
                identifier_error: None,
                code_error: None,
            },
        );
        assert!(!code.contains("Northwind") && code.contains("name=\"langGuessed\" value=\"1\""));
        assert!(login(en(), "", None, None).contains("<p class=\"brand\">Team account</p>"));
    }
}
