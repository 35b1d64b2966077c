//! Which language a page speaks (API.md, "Languages"), in order: the form's own `lang` (the
//! language of the page it was sent from), `?lang=xx` (which also sets the cookie `lang`), the
//! user the page is about (a valid link, or a signed-in user), the `lang` cookie,
//! `Accept-Language`, `DEFAULT_LOCALE`.
//!
//! A layer ([`page_language`]) reads what the request asks for once and keeps it for the
//! request's task; whoever renders a page asks [`page_lang`] with what they know of the user,
//! and the chrome records the language the page was written in, which the layer answers as
//! `Content-Language`.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::{Arc, Mutex};

use super::cookies;
use crate::domain::Locale;
use crate::i18n::{Lang, Langs};

/// The cookie a language chosen with `?lang` is kept in: a year.
pub const LANG_COOKIE: &str = "lang";
const LANG_COOKIE_MAX_AGE: u32 = 365 * 24 * 60 * 60;

/// What the request asks for, and where it was sent (for the language menu's links).
#[derive(Debug, Clone, Default)]
pub struct Asked {
    pub query: Option<Locale>,
    pub cookie: Option<Locale>,
    pub accept: Option<Locale>,
    /// The page the language menu links to (see [`safe_path`]).
    pub path: String,
    /// A link's token from the query, which the menu's links keep.
    pub token: Option<String>,
    /// `DEFAULT_LOCALE` and `DISPLAY_TIME_ZONE`.
    pub langs: Langs,
    /// The language the page was written in, for `Content-Language`.
    written: Option<Slot<Locale>>,
    /// The `lang` a posted form carried (the language of the page it was sent from), and
    /// whether that page had only guessed it (`langGuessed`).
    form: Option<Slot<(Locale, bool)>>,
}

impl Default for Langs {
    fn default() -> Self {
        Langs {
            default: Locale::En,
            zone: chrono_tz::Tz::UTC,
        }
    }
}

/// What a request's handling writes for the layer to read once it is done.
type Slot<T> = Arc<Mutex<Option<T>>>;

tokio::task_local! {
    static ASKED: Asked;
}

/// What the current request asks for; nothing outside a request (tests rendering a page).
pub fn asked() -> Asked {
    ASKED.try_with(Clone::clone).unwrap_or_default()
}

/// The language of a page: the `lang` a posted form carried, `?lang`, `user` (the locale of
/// the user the page is about), the cookie, `Accept-Language`, then the default.
pub fn page_lang(user: Option<Locale>) -> Lang {
    let a = asked();
    a.langs
        .of(a.form_lang().or(a.query).or(user).or(a.cookie).or(a.accept))
}

/// The language of a page that knows nobody.
pub fn request_lang() -> Lang {
    page_lang(None)
}

/// Whether the page's language is only a guess: not chosen with `?lang` or the menu, but the
/// user's own, the cookie's, `Accept-Language`'s or the default. A form carries the answer on
/// (`langGuessed`), so a form shown again keeps it; only a chosen language becomes a locale.
pub fn guessed() -> bool {
    let a = asked();
    match a.form_entry() {
        Some((_, guessed)) => guessed,
        None => a.query.is_none(),
    }
}

/// Called when a form is read: the `lang` it carried, and whether its page had only guessed it.
pub fn record_form(lang: &str, guessed: bool) {
    if let Some(locale) = Locale::from_tag(lang) {
        let _ = ASKED.try_with(|a| {
            if let Some(f) = &a.form {
                *f.lock().unwrap_or_else(|e| e.into_inner()) = Some((locale, guessed));
            }
        });
    }
}

/// Called by the page chrome: `locale` is what this response's page is written in.
pub fn record_written(locale: Locale) {
    let _ = ASKED.try_with(|a| {
        if let Some(w) = &a.written {
            *w.lock().unwrap_or_else(|e| e.into_inner()) = Some(locale);
        }
    });
}

/// The pages a language menu links back to; any other page's menu leads to sign-in in the
/// chosen language. Never the request's own path: that could be a crafted one, or one that
/// must not be shown (the local outbox's file names on its refusal page).
const PAGES: [&str; 6] = [
    "/login",
    "/password/forgot",
    "/setup",
    "/reset",
    "/password",
    "/app",
];

fn safe_path(path: &str) -> String {
    PAGES
        .iter()
        .find(|p| **p == path)
        .copied()
        .unwrap_or("/login")
        .to_owned()
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl Asked {
    fn form_entry(&self) -> Option<(Locale, bool)> {
        self.form
            .as_ref()
            .and_then(|f| *f.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn form_lang(&self) -> Option<Locale> {
        self.form_entry().map(|(l, _)| l)
    }

    fn of(req: &Request, langs: Langs) -> Self {
        let query = req.uri().query().unwrap_or_default();
        let headers: &HeaderMap = req.headers();
        Self {
            query: query_param(query, "lang").and_then(Locale::from_tag),
            cookie: cookies::values(headers, LANG_COOKIE)
                .next()
                .and_then(Locale::from_tag),
            accept: headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Locale::from_accept_language),
            path: safe_path(req.uri().path()),
            // Only a token of ours' shape (base64url) is carried into a link.
            token: query_param(query, "token")
                .and_then(crate::domain::token::parse_token)
                .map(str::to_owned),
            langs,
            written: Some(Arc::default()),
            form: Some(Arc::default()),
        }
    }
}

/// The layer: keeps what the request asks for while it is handled; answers the page's
/// language as `Content-Language`; and keeps a language chosen with `?lang` in the `lang`
/// cookie, so the pages after it speak it too.
pub async fn page_language(
    State((https, langs)): State<(bool, Langs)>,
    req: Request,
    next: Next,
) -> Response {
    let asked = Asked::of(&req, langs);
    let written = asked.written.clone();
    let chosen = asked.query;
    let mut res = ASKED.scope(asked, next.run(req)).await;
    let written = written.and_then(|w| *w.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(locale) = written {
        res.headers_mut().insert(
            header::CONTENT_LANGUAGE,
            HeaderValue::from_static(locale.tag()),
        );
    }
    if let Some(locale) = chosen {
        let secure = if https { "; Secure" } else { "" };
        let cookie = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age={LANG_COOKIE_MAX_AGE}; SameSite=Lax; HttpOnly{secure}",
            locale.tag()
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_never_links_off_this_site() {
        assert_eq!(safe_path("/setup"), "/setup");
        assert_eq!(safe_path("/password/forgot"), "/password/forgot");
        for bad in [
            "//evil.example/x",
            "/\\evil",
            "https://evil.example",
            "",
            "/a b",
            "/_dev/mail/x.eml",
            "/nowhere",
        ] {
            assert_eq!(safe_path(bad), "/login", "{bad}");
        }
    }

    #[test]
    fn outside_a_request_a_page_speaks_english_or_its_user_s_language() {
        assert_eq!(page_lang(None).locale(), Locale::En);
        assert_eq!(page_lang(Some(Locale::Fr)).locale(), Locale::Fr);
        assert!(guessed());
    }
}
