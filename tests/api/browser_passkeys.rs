//! The tech's passkey journeys in a real browser (API.md, "Passkeys"): headless Chromium with its
//! own virtual authenticator, added through WebDriver's WebAuthn extension (which chromedriver
//! implements), answering `navigator.credentials` as a phone's fingerprint or face unlock would.
//! The server's `PUBLIC_BASE_URL` is `http://localhost:{port}` (browsers refuse an IP address as a
//! relying party); it still listens on 127.0.0.1 only. Every page is looked at as in `browser.rs`,
//! whose harness this is: there, a page that offers a passkey may load its one same-origin script,
//! `/passkey.js`, and call the passkey routes it names, and nothing else.
//!
//! Chromium's virtual environment picks a passkey offered in the autofill by itself, at once:
//! nobody needs to focus the identifier box. So the sign-in page's conditional request signs the
//! tech in on load when the authenticator can verify them; a story that presses the button has the
//! authenticator refuse user verification while the page loads, so that request fails, and lets it
//! verify again before the press. A recorder of the page's WebAuthn calls (`RECORDER`, an observer
//! that changes nothing) tells which request did what, and when the first has failed.
//!
//! Run: `cargo test -p tests --features services --test api browser_passkeys::`.

use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::Locator;
use lambda_http::http::Method;
use serde_json::{json, Value};

use crate::browser::{
    with_browser, words, Browser, DevTools, Host, Javascript, Server, PHONE, TECH, WAIT,
};
use onboarding::domain::Locale;

// ---------------------------------------------------------------------------------------------
// The stories.

/// Invited by email, the tech opens the setup link on the phone, presses "Use a passkey" instead
/// of choosing a password, and lands signed in; signed out, the same passkey signs them in again
/// from the sign-in page's button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_sets_up_with_a_passkey_and_signs_in_with_it_again() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start_at(Host::Localhost).await;
        sets_up_with_a_passkey_and_signs_in_with_the_button(&b, &server).await;
    })
    .await;
}

/// The same journey on DynamoDB Local (a fresh table).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_sets_up_with_a_passkey_and_signs_in_with_it_again_on_dynamodb() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::on_dynamodb(Host::Localhost).await;
        sets_up_with_a_passkey_and_signs_in_with_the_button(&b, &server).await;
    })
    .await;
}

/// The sign-in page asks for a passkey in the autofill (a conditional request) as it loads, and
/// only that: a tech with a passkey on the phone is signed in from it without pressing the button.
/// Not proven here: that the offer shows when the identifier box is focused, since Chromium's
/// virtual environment takes the passkey without showing the autofill at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_page_signs_a_tech_in_with_the_passkey_the_autofill_offers() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start_at(Host::Localhost).await;
        let authenticator = Authenticator::add(&b).await;
        record_webauthn_calls(&b).await;
        server.invite(TECH).await;
        b.goto(&server.link_in(&server.newest_email_to(TECH))).await;
        use_a_passkey(&b).await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        assert_eq!(
            webauthn_calls(&b).await,
            ["create modal", "create modal: resolved"]
        );
        clear_webauthn_calls(&b).await;

        // Signed out, the sign-in page loads and signs the tech in again by itself.
        let app = format!("{}/app", server.base);
        let before = b.document_id().await;
        b.click(Locator::Id("sign-out")).await;
        let started = Instant::now();
        loop {
            let now = b.document_id().await;
            if now.is_some() && now != before && b.url().await == app {
                break;
            }
            assert!(
                started.elapsed() < WAIT,
                "the sign-in page's autofill request did not sign in: at {} after {:?}; \
                 its WebAuthn calls: {:?}",
                b.url().await,
                WAIT,
                webauthn_calls(&b).await
            );
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        assert_eq!(
            webauthn_calls(&b).await,
            ["get conditional", "get conditional: resolved"],
            "one request, in the autofill, and no prompt on load"
        );
        let page = b.look("app-signed-in-from-autofill", 200).await;
        assert!(page.contains("You're signed in"), "{page}");
        assert_eq!(b.text("#signed-in-email").await, TECH);
        b.assert_session_cookie().await;
        let credentials = authenticator.credentials(&b).await;
        assert_eq!(credentials.len(), 1, "{credentials:#?}");
    })
    .await;
}

async fn sets_up_with_a_passkey_and_signs_in_with_the_button(b: &Browser, server: &Server) {
    let authenticator = Authenticator::add(b).await;
    record_webauthn_calls(b).await;
    let id = server.invite(TECH).await;
    let link = server.link_in(&server.newest_email_to(TECH));
    assert!(
        link.starts_with("http://localhost:"),
        "the links name the base URL's host: {link}"
    );

    b.goto(&link).await;
    assert!(
        b.displayed("[data-passkey]").await,
        "the setup page offers the passkey where the browser has WebAuthn"
    );
    let page = b.look("setup-passkey", 200).await;
    assert!(
        page.contains("Set up your account") && page.contains(TECH),
        "{page}"
    );
    assert_eq!(
        b.text("[data-passkey] button").await,
        words(Locale::En).get("passkey-button")
    );
    assert!(
        b.displayed("#password").await,
        "the password form is offered too"
    );

    use_a_passkey(b).await;
    assert_eq!(b.url().await, format!("{}/app", server.base));
    let page = b.look("app-signed-in-by-passkey", 200).await;
    assert!(page.contains("You're signed in"), "{page}");
    assert!(!page.contains("temporary password"), "{page}");
    assert_eq!(b.text("#signed-in-email").await, TECH);
    b.assert_session_cookie().await;
    let (status, listed) = b.fetch(Method::GET, "/passkeys").await;
    assert_eq!(status, 200, "the session cookie works: {listed}");
    assert_eq!(
        listed["passkeys"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    let shown = server.user_and_invite(&id).await;
    assert_eq!(shown["user"]["status"], "active", "{shown}");
    assert_eq!(shown["invite"]["status"], "used", "{shown}");

    // What the phone keeps: one discoverable passkey for this site, under a handle that says
    // nothing about the tech.
    let credentials = authenticator.credentials(b).await;
    assert_eq!(credentials.len(), 1, "{credentials:#?}");
    let passkey = &credentials[0];
    assert_eq!(passkey["isResidentCredential"], true, "{passkey}");
    assert_eq!(passkey["rpId"], "localhost", "{passkey}");
    let handle = base64url(&passkey["userHandle"]);
    assert!(
        (16..=64).contains(&handle.len()),
        "a handle of 16 to 64 bytes: {handle:?}"
    );
    assert!(
        !String::from_utf8_lossy(&handle).contains(TECH),
        "the handle is not the email"
    );
    let signatures = passkey["signCount"].as_u64().unwrap_or_default();

    // Signed out. The sign-in page's autofill request fails here (the phone does not verify the
    // tech until they press the button), so the button is what signs them in.
    authenticator.verifies_the_user(b, false).await;
    clear_webauthn_calls(b).await;
    b.click_and_wait(Locator::Id("sign-out")).await;
    assert_eq!(b.url().await, format!("{}/login", server.base));
    let cookies = b.client.get_all_cookies().await.expect("the cookies");
    assert!(cookies.iter().all(|c| c.name() != "session"), "{cookies:?}");
    wait_for_webauthn_calls(b, &["get conditional", "get conditional: NotAllowedError"]).await;
    assert!(b.displayed("[data-passkey]").await, "the button is offered");
    assert_eq!(
        b.attr("#identifier", "autocomplete").await,
        "username webauthn",
        "the identifier box offers passkeys in its autofill"
    );
    b.look("login-passkey", 200).await;
    assert!(
        !b.displayed("[data-passkey] [role=alert]").await,
        "a request in the autofill that came to nothing is not an error worth a word"
    );

    authenticator.verifies_the_user(b, true).await;
    use_a_passkey(b).await;
    assert_eq!(b.url().await, format!("{}/app", server.base));
    assert_eq!(
        webauthn_calls(b).await,
        [
            "get conditional",
            "get conditional: NotAllowedError",
            "get modal",
            "get modal: resolved"
        ]
    );
    let page = b.look("app-signed-in-by-passkey-again", 200).await;
    assert!(page.contains("You're signed in"), "{page}");
    assert_eq!(b.text("#signed-in-email").await, TECH);
    b.assert_session_cookie().await;
    let credentials = authenticator.credentials(b).await;
    assert_eq!(credentials.len(), 1, "no second passkey: {credentials:#?}");
    assert!(
        credentials[0]["signCount"].as_u64().unwrap_or_default() > signatures,
        "the same passkey signed again: {credentials:#?}"
    );
}

/// Presses "Use a passkey" and waits for the page it leads to; if the box says the passkey did
/// not work instead, fails with what it says.
async fn use_a_passkey(b: &Browser) {
    let before = b.document_id().await;
    b.click(Locator::Css("[data-passkey] button")).await;
    let started = Instant::now();
    loop {
        let now = b.document_id().await;
        if now.is_some() && now != before {
            return;
        }
        let said = b
            .client
            .execute(
                "const a = document.querySelector('[data-passkey] [role=alert]');
                 return a && !a.hidden ? a.textContent : null;",
                Vec::new(),
            )
            .await
            .unwrap_or(Value::Null);
        if let Some(said) = said.as_str() {
            let calls = b
                .script(
                    "return performance.getEntriesByType('resource')
                       .filter(r => r.initiatorType === 'fetch')
                       .map(r => r.name + ' ' + r.responseStatus);",
                )
                .await;
            panic!(
                "the passkey did not work at {}: the page says {said:?}; its calls: {calls}",
                b.url().await
            );
        }
        assert!(
            started.elapsed() < WAIT,
            "pressing \"Use a passkey\" loaded no new page"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Chromium's virtual authenticator, through WebDriver's WebAuthn extension.

/// A virtual platform authenticator in the browser, as on a phone: CTAP2, built in
/// ("internal"), keeps discoverable credentials, verifies the user (as a fingerprint would) and is
/// touched as soon as asked.
struct Authenticator {
    id: String,
}

impl Authenticator {
    async fn add(b: &Browser) -> Self {
        let added = b
            .client
            .issue_cmd(WebAuthn::AddAuthenticator)
            .await
            .expect("a virtual authenticator (WebDriver's WebAuthn extension)");
        let id = added
            .as_str()
            .unwrap_or_else(|| panic!("no authenticator id in {added}"))
            .to_owned();
        Self { id }
    }

    /// The credentials it holds: `credentialId`, `isResidentCredential`, `rpId`, `userHandle`,
    /// `signCount`, … (WebDriver's Credential Parameters).
    async fn credentials(&self, b: &Browser) -> Vec<Value> {
        let held = b
            .client
            .issue_cmd(WebAuthn::Credentials(self.id.clone()))
            .await
            .expect("the authenticator's credentials");
        held.as_array().cloned().unwrap_or_default()
    }

    /// Whether user verification (the fingerprint) succeeds from now on.
    async fn verifies_the_user(&self, b: &Browser, verified: bool) {
        b.client
            .issue_cmd(WebAuthn::SetUserVerified(self.id.clone(), verified))
            .await
            .expect("the authenticator's user verification is set");
    }
}

/// WebDriver's WebAuthn extension (https://w3c.github.io/webauthn/#sctn-automation).
#[derive(Debug)]
enum WebAuthn {
    AddAuthenticator,
    Credentials(String),
    SetUserVerified(String, bool),
}

impl WebDriverCompatibleCommand for WebAuthn {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        let authenticators = format!(
            "session/{}/webauthn/authenticator",
            session_id.unwrap_or_default()
        );
        base_url.join(&match self {
            Self::AddAuthenticator => authenticators,
            Self::Credentials(id) => format!("{authenticators}/{id}/credentials"),
            Self::SetUserVerified(id, _) => format!("{authenticators}/{id}/uv"),
        })
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        match self {
            Self::AddAuthenticator => {
                let options = json!({
                    "protocol": "ctap2",
                    "transport": "internal",
                    "hasResidentKey": true,
                    "hasUserVerification": true,
                    "isUserVerified": true,
                    "automaticPresenceSimulation": true
                });
                (Method::POST, Some(options.to_string()))
            }
            Self::Credentials(_) => (Method::GET, None),
            Self::SetUserVerified(_, verified) => (
                Method::POST,
                Some(json!({"isUserVerified": verified}).to_string()),
            ),
        }
    }
}

/// The bytes of a base64url field (the extension's, with or without padding).
fn base64url(field: &Value) -> Vec<u8> {
    let text = field
        .as_str()
        .unwrap_or_else(|| panic!("not base64url: {field}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .unwrap_or_else(|e| panic!("not base64url ({e}): {text}"))
}

// ---------------------------------------------------------------------------------------------
// What the pages ask of WebAuthn.

/// Installed before any page's own script (DevTools' `Page.addScriptToEvaluateOnNewDocument`,
/// which the page's CSP does not govern): each `navigator.credentials.create` or `get`, as
/// `"<create|get> <mediation>"` (`modal` without one), then how it settled (`…: resolved` or
/// `…: <the error's name>`), kept in the tab's `sessionStorage` so a log outlives the page that
/// wrote it. It passes every call through unchanged.
const RECORDER: &str = "(function () {
  var credentials = navigator.credentials;
  if (!credentials) return;
  function log(entry) {
    try {
      var calls = JSON.parse(sessionStorage.getItem('webauthn-calls') || '[]');
      calls.push(entry);
      sessionStorage.setItem('webauthn-calls', JSON.stringify(calls));
    } catch (e) {}
  }
  ['create', 'get'].forEach(function (name) {
    var call = credentials[name].bind(credentials);
    credentials[name] = function (options) {
      var what = name + ' ' + ((options && options.mediation) || 'modal');
      log(what);
      return call(options).then(
        function (c) { log(what + ': resolved'); return c; },
        function (e) { log(what + ': ' + (e && e.name)); throw e; });
    };
  });
})();";

async fn record_webauthn_calls(b: &Browser) {
    b.client
        .issue_cmd(DevTools {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({"source": RECORDER}),
        })
        .await
        .expect("the WebAuthn recorder is installed");
}

async fn webauthn_calls(b: &Browser) -> Vec<String> {
    let calls = b
        .script("return sessionStorage.getItem('webauthn-calls') || '[]'")
        .await;
    serde_json::from_str(calls.as_str().unwrap_or("[]")).unwrap_or_default()
}

async fn clear_webauthn_calls(b: &Browser) {
    b.script("sessionStorage.removeItem('webauthn-calls')")
        .await;
}

/// Waits until the page's WebAuthn calls are `expected`.
async fn wait_for_webauthn_calls(b: &Browser, expected: &[&str]) {
    let started = Instant::now();
    loop {
        let calls = webauthn_calls(b).await;
        if calls == expected {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "the page's WebAuthn calls are {calls:?}, not {expected:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

impl Browser {
    /// A `fetch` from the page, as its own script makes one (same origin, its cookies): the
    /// status and the JSON answer.
    async fn fetch(&self, method: Method, path: &str) -> (u16, Value) {
        let answer = self
            .client
            .execute_async(
                "const [method, path, done] = arguments;
                 fetch(path, {method, credentials: 'same-origin',
                              headers: {Accept: 'application/json'}})
                   .then(r => r.json().then(body => done([r.status, body]),
                                            () => done([r.status, null])),
                         e => done([0, String(e)]));",
                vec![json!(method.as_str()), json!(path)],
            )
            .await
            .unwrap_or_else(|e| panic!("fetch {path}: {e}"));
        let status = answer[0].as_u64().and_then(|s| u16::try_from(s).ok());
        (status.unwrap_or_default(), answer[1].clone())
    }
}
