//! The tech's journey in a real browser: headless Chromium driven through chromedriver, against
//! the local server started in-process on 127.0.0.1. Each story runs at a phone's size (390x844)
//! and a desktop's (1280x800). Every page it meets is checked the same way: the status, its
//! language (`<html lang>`), nothing loaded but the page itself (and, on a page that offers a
//! passkey, its one same-origin script and that script's calls to the routes the page names), no
//! web fonts, no sideways scrolling, the inline stylesheet and script allowed by the CSP, zero
//! axe-core violations (WCAG 2.x A and AA, and axe's best practices); then it is screenshotted into
//! `artifacts/screenshots/<page>-<width>.png` and weighed into `artifacts/page-bytes.md`. The
//! setup page is screenshotted in every language at a phone's width (`setup-<tag>-390.png`).
//!
//! These stories serve the pages at `http://127.0.0.1:{port}`: an IP address, which no browser
//! takes as a relying party, so no page offers a passkey. The passkey stories
//! (`browser_passkeys.rs`) serve them at `http://localhost:{port}` with this same harness.
//!
//! Needs chromedriver and Chromium, and axe-core under `tests/browser/node_modules`: `make test`
//! installs and starts them. Without them these tests fail; they never skip.
//! Run: `cargo test -p tests --features services --test api browser::`.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use chrono::{Duration, Utc};
use fantoccini::elements::Element;
use fantoccini::wd::{TimeoutConfiguration, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use lambda_http::http::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use infra::local::{serve, Local};
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::adapters::local_mailbox::{read_outbox, LocalMailbox, OutboxMessage};
use onboarding::adapters::local_texts::{read_texts, OutboxText};
use onboarding::domain::{EmailAddress, Locale};
use onboarding::i18n::{Lang, Langs};
use onboarding::ports::{FixedClock, Store};
use onboarding::App;
use tests::app::{
    request, test_config, ADMIN_EMAIL, ADMIN_PASSWORD, ALL, NEW_PASSWORD, TEMP_PASSWORD,
};
use tests::services::fresh_dynamo_store;

pub(crate) const TECH: &str = "ana.tech@example.com";
/// Phone-first techs' mobile numbers as the service keeps them (E.164): valid US numbers that
/// the local outbox delivers to (not 0998, opted out, nor 0999, bouncing).
const ANA_MOBILE: &str = "+12015550123";
const BO_MOBILE: &str = "+12015550124";
const ORG: &str = "Northwind Plumbing";
/// Fails the policy (zxcvbn scores it 0), as a tech in a hurry might type.
const WEAK_PASSWORD: &str = "password1234";
/// Every page the product serves fits in the first round trip of a new connection (about 14 KB).
const PAGE_BUDGET_BYTES: u64 = 14 * 1024;

// ---------------------------------------------------------------------------------------------
// The stories.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_sets_up_the_account_from_the_welcome_email_and_lands_signed_in() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::On, |b| async move {
            let server = Server::start().await;
            server.invite(TECH).await;

            // The outbox, as the tech's mail client: open the newest email, press its button.
            b.goto(&format!("{}/_dev/mail", server.base)).await;
            b.look("outbox", 200).await;
            b.click_and_wait(Locator::LinkText(&format!("Set up your {ORG} account")))
                .await;
            b.look("welcome-email", 200).await;
            let link = server.link_in(&server.newest_email_to(TECH));
            b.click_and_wait(Locator::LinkText("Set Up Your Account"))
                .await;
            assert_eq!(b.url().await, link, "the button opens the email's link");
            let page = b.look("setup", 200).await;
            assert!(
                page.contains("Set up your account") && page.contains(TECH),
                "{page}"
            );
            assert_eq!(
                b.script(
                    "return [document.querySelectorAll('[data-passkey]').length, \
                             document.querySelectorAll('script[src]').length]"
                )
                .await,
                json!([0, 0]),
                "at an IP address no browser takes a passkey: no passkey box, no script file"
            );
            assert!(
                page.contains("At least 12 characters"),
                "the rules are shown up front"
            );
            assert_eq!(b.attr("#password", "autocomplete").await, "new-password");
            assert_eq!(
                b.attr("#password-confirmation", "autocomplete").await,
                "new-password"
            );
            assert_eq!(
                b.attr("input[name=username]", "autocomplete").await,
                "username"
            );

            // With JavaScript on, the show-password box appears and shows both fields.
            assert!(
                b.displayed("[data-toggle-password]").await,
                "the toggle is shown"
            );
            b.type_into("#password", "tiger lamp").await;
            b.click(Locator::Id("show-password")).await;
            assert_eq!(b.prop("#password", "type").await, "text");
            assert_eq!(b.prop("#password-confirmation", "type").await, "text");
            b.click(Locator::Id("show-password")).await;
            assert_eq!(b.prop("#password", "type").await, "password");

            // A weak password: the form again, the message next to the field, the link kept.
            b.type_into("#password", WEAK_PASSWORD).await;
            b.type_into("#password-confirmation", WEAK_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            let page = b.look("setup-weak-password", 400).await;
            assert!(page.contains("Your password wasn't saved"), "{page}");
            let error = b.text("#password-error").await;
            assert!(error.contains("too easy to guess"), "{error}");
            assert_eq!(b.attr("#password", "aria-invalid").await, "true");
            assert!(b
                .attr("#password", "aria-describedby")
                .await
                .split(' ')
                .any(|id| id == "password-error"));
            assert_eq!(
                b.focused_id().await,
                "password",
                "focus is on the field to fix"
            );
            assert_eq!(b.attr("#form-error", "role").await, "alert");
            assert_eq!(
                b.prop("input[name=token]", "value").await,
                link.split("token=").nth(1).unwrap(),
                "the form keeps the link's token"
            );

            // Two passwords that differ: the message is at the second box.
            b.type_into("#password", NEW_PASSWORD).await;
            b.type_into("#password-confirmation", "copper kettle marching sideway")
                .await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            b.look("setup-passwords-differ", 400).await;
            assert!(b.text("#confirmation-error").await.contains("don't match"));
            assert_eq!(
                b.attr("#password-confirmation", "aria-describedby").await,
                "confirmation-error"
            );

            // A good password: signed in on the spot, with a Secure, HttpOnly session cookie.
            b.type_into("#password", NEW_PASSWORD).await;
            b.type_into("#password-confirmation", NEW_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/app", server.base));
            let page = b.look("app-signed-in", 200).await;
            assert!(page.contains("You're signed in"), "{page}");
            assert_eq!(b.text("#signed-in-email").await, TECH);
            b.assert_session_cookie().await;

            // The same link again: it says it was used, and offers a new link and sign-in.
            b.goto(&link).await;
            let page = b.look("link-used", 410).await;
            assert!(page.contains("This link has already been used"), "{page}");
            assert_eq!(b.href_of("Send me a new link").await, "/password/forgot");
            assert_eq!(b.href_of("Sign in").await, "/login");
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_link_offers_a_new_link_which_sets_the_password() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::On, |b| async move {
            let server = Server::start().await;
            server.invite(TECH).await;
            let link = server.link_in(&server.newest_email_to(TECH));
            // Setup links last seven days.
            server
                .clock
                .advance(Duration::days(7) + Duration::minutes(1));

            b.goto(&link).await;
            let page = b.look("link-expired", 410).await;
            assert!(page.contains("This link has expired"), "{page}");
            assert_eq!(
                b.href_of("Sign in with the temporary password").await,
                "/login"
            );
            b.click_and_wait(Locator::LinkText("Send me a new link"))
                .await;
            b.look("forgot", 200).await;
            assert_eq!(b.attr("#identifier", "autocomplete").await, "username");
            assert_eq!(
                b.text("label[for=identifier]").await,
                "Email or mobile number"
            );
            assert_eq!(b.prop("#identifier", "type").await, "text");

            // Nothing typed: the message is at the field, and the field has the focus.
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            b.look("forgot-no-email", 400).await;
            assert!(!b.text("#identifier-error").await.is_empty());
            assert_eq!(b.attr("#identifier", "aria-invalid").await, "true");
            assert_eq!(b.focused_id().await, "identifier");

            b.type_into("#identifier", TECH).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            let page = b.look("forgot-sent", 202).await;
            assert!(
                page.contains("Check your email") && page.contains("30 minutes"),
                "{page}"
            );

            let reset = server.newest_email_to(TECH);
            assert!(reset.text.contains("30 minutes"), "{}", reset.text);
            b.goto(&format!("{}/_dev/mail/{}", server.base, reset.file_name))
                .await;
            b.look("reset-email", 200).await;
            b.click_and_wait(Locator::LinkText("Choose a New Password"))
                .await;
            let page = b.look("reset", 200).await;
            assert!(page.contains("Choose a new password"), "{page}");
            b.type_into("#password", NEW_PASSWORD).await;
            b.type_into("#password-confirmation", NEW_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/app", server.base));
            b.look("app-after-reset", 200).await;
            assert_eq!(b.text("#signed-in-email").await, TECH);
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_temporary_password_signs_in_before_setup() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::On, |b| async move {
            let server = Server::start().await;
            server.invite(TECH).await;

            b.goto(&format!("{}/login", server.base)).await;
            b.look("sign-in", 200).await;
            assert_eq!(b.attr("#identifier", "autocomplete").await, "username");
            assert_eq!(
                b.text("label[for=identifier]").await,
                "Email or mobile number"
            );
            assert_eq!(
                b.prop("#identifier", "type").await,
                "text",
                "one field takes an email or a number"
            );
            assert_eq!(
                b.attr("#password", "autocomplete").await,
                "current-password"
            );
            assert!(b.displayed("[data-toggle-password]").await);

            b.type_into("#identifier", TECH).await;
            b.type_into("#password", "not the password at all").await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            let page = b.look("sign-in-wrong-password", 401).await;
            assert!(page.contains("don't match"), "{page}");
            assert_eq!(
                b.prop("#identifier", "value").await,
                TECH,
                "the email is kept"
            );
            assert_eq!(b.focused_id().await, "password");

            // Signed in, and taken straight to choosing a password of their own (API.md,
            // `POST /login`): the next story goes on from there.
            b.type_into("#password", TEMP_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/password", server.base));
            let page = b.look("choose-password", 200).await;
            assert!(page.contains("Choose your password"), "{page}");
            b.assert_session_cookie().await;

            // The app, meanwhile, says they are on the temporary password and points back there.
            b.goto(&format!("{}/app", server.base)).await;
            let page = b.look("app-temporary-password", 200).await;
            assert!(page.contains("temporary password"), "{page}");
            assert_eq!(b.text("#signed-in-email").await, TECH);
            assert_eq!(b.href_of("Choose your password").await, "/password");
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_chooses_a_password_after_the_temporary_one_which_then_stops_working() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::On, |b| async move {
            let server = Server::start().await;
            server.invite(TECH).await;

            b.goto(&format!("{}/login", server.base)).await;
            b.type_into("#identifier", TECH).await;
            b.type_into("#password", TEMP_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(
                b.url().await,
                format!("{}/password", server.base),
                "the temporary password leads to choosing one's own"
            );
            let page = b.look("choose-password", 200).await;
            assert!(
                page.contains("Choose your password") && page.contains(TECH),
                "{page}"
            );
            assert_eq!(
                b.count("#current-password").await,
                0,
                "on the temporary password, the current one is not asked for again"
            );
            assert_eq!(b.attr("#password", "autocomplete").await, "new-password");
            assert_eq!(
                b.attr("#password-confirmation", "autocomplete").await,
                "new-password"
            );
            assert_eq!(
                b.attr("input[name=username]", "autocomplete").await,
                "username"
            );

            // Their own password: back in the app, signed in, the temporary-password notice gone.
            b.type_into("#password", NEW_PASSWORD).await;
            b.type_into("#password-confirmation", NEW_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/app", server.base));
            let page = b.look("app-own-password", 200).await;
            assert!(page.contains("You're signed in"), "{page}");
            assert!(!page.contains("temporary password"), "{page}");
            assert_eq!(b.count("#choose-password").await, 0);
            assert_eq!(b.text("#signed-in-email").await, TECH);
            b.assert_session_cookie().await;

            // Told by email, every time.
            let changed = server.emails_to(TECH, "Your password was changed");
            assert_eq!(changed.len(), 1, "one password-changed email to the tech");

            // From now on, changing the password asks for the current one.
            b.click_and_wait(Locator::LinkText("Change your password"))
                .await;
            assert_eq!(b.url().await, format!("{}/password", server.base));
            let page = b.look("change-password", 200).await;
            assert!(page.contains("Change your password"), "{page}");
            assert_eq!(
                b.attr("#current-password", "autocomplete").await,
                "current-password"
            );
            assert_eq!(b.attr("#password", "autocomplete").await, "new-password");

            // Sign out: the sign-in page, and the session cookie gone.
            b.goto(&format!("{}/app", server.base)).await;
            b.click_and_wait(Locator::Id("sign-out")).await;
            assert_eq!(b.url().await, format!("{}/login", server.base));
            b.look("signed-out", 200).await;
            let cookies = b.client.get_all_cookies().await.expect("the cookies");
            assert!(cookies.iter().all(|c| c.name() != "session"), "{cookies:?}");

            // The temporary password no longer signs in; their own does.
            b.type_into("#identifier", TECH).await;
            b.type_into("#password", TEMP_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/login", server.base));
            let page = b.look("sign-in-temporary-password-replaced", 401).await;
            assert!(page.contains("don't match"), "{page}");
            b.type_into("#password", NEW_PASSWORD).await;
            b.click_and_wait(Locator::Css("button[type=submit]")).await;
            assert_eq!(b.url().await, format!("{}/app", server.base));
            let page = b.look("app-signed-in-again", 200).await;
            assert!(!page.contains("temporary password"), "{page}");
            assert_eq!(b.text("#signed-in-email").await, TECH);
            b.assert_session_cookie().await;
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mangled_or_incomplete_link_says_what_happened_and_what_to_do() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::On, |b| async move {
            let server = Server::start().await;
            b.goto(&format!("{}/setup?token=abc", server.base)).await;
            let page = b.look("link-invalid", 410).await;
            assert!(page.contains("This link doesn't work"), "{page}");
            assert_eq!(b.href_of("Send me a new link").await, "/password/forgot");
            assert_eq!(
                b.href_of("Sign in with the temporary password").await,
                "/login"
            );
            // Without a token the page is the code form (a link cut off by a mail client still
            // leaves the tech a way in: the code beside it).
            b.goto(&format!("{}/setup", server.base)).await;
            let page = b.look("setup-without-link", 200).await;
            assert!(page.contains("6-digit code"), "{page}");
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_form_works_without_javascript() {
    for viewport in VIEWPORTS {
        with_browser(viewport, Javascript::Off, |b| async move {
            let server = Server::start().await;
            server.invite(TECH).await;
            b.goto(&server.link_in(&server.newest_email_to(TECH))).await;
            b.look("setup-no-javascript", 200).await;
            assert!(
                !b.displayed("[data-toggle-password]").await,
                "without JavaScript the show-password box would do nothing, so it is not shown"
            );
            b.type_into("#password", WEAK_PASSWORD).await;
            b.type_into("#password-confirmation", WEAK_PASSWORD).await;
            b.press_enter_and_wait("#password-confirmation").await;
            b.look("setup-no-javascript-weak-password", 400).await;
            assert!(!b.text("#password-error").await.is_empty());
            b.type_into("#password", NEW_PASSWORD).await;
            b.type_into("#password-confirmation", NEW_PASSWORD).await;
            b.press_enter_and_wait("#password-confirmation").await;
            assert_eq!(b.url().await, format!("{}/app", server.base));
            assert_eq!(b.text("#signed-in-email").await, TECH);
        })
        .await;
    }
}

/// The link was opened elsewhere (a scanner, another device): on a phone, the tech opens the
/// setup page without a link, types their email and the code from the email, and lands signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_types_the_code_on_a_phone_and_lands_signed_in() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start().await;
        server.invite(TECH).await;
        let text = server.newest_email_to(TECH).text;
        let at = text.find(" and enter ").expect("the code") + " and enter ".len();
        let code: String = text[at..].chars().take(7).collect();
        let digits = code.replace(' ', "");
        let wrong = if digits == "000000" {
            "000001"
        } else {
            "000000"
        };

        b.goto(&format!("{}/setup", server.base)).await;
        b.look("code-form", 200).await;
        assert_eq!(b.attr("#code", "autocomplete").await, "one-time-code");
        assert_eq!(b.attr("#code", "inputmode").await, "numeric");
        assert_eq!(b.attr("#identifier", "autocomplete").await, "username");
        b.type_into("#identifier", TECH).await;
        b.type_into("#code", wrong).await;
        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        let page = b.look("code-wrong", 400).await;
        assert!(
            b.text("#code-error").await.contains("doesn't match"),
            "{page}"
        );
        assert!(
            !page.contains(ORG),
            "the page says nothing about whose code it is"
        );
        assert_eq!(b.prop("#identifier", "value").await, TECH);

        b.type_into("#code", &code).await;
        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        assert_eq!(b.text("#signed-in-email").await, TECH);
        b.assert_session_cookie().await;
    })
    .await;
}

/// A phone-first tech: the admin invites them by mobile number only; the text's short link,
/// opened on the phone, leads to the setup page; a password of their own signs them in, and the
/// number then signs them in again on the sign-in page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_invited_by_text_opens_the_link_on_the_phone_and_lands_signed_in() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start().await;
        server.invite_by_phone("(201) 555-0123").await;
        assert!(
            read_outbox(&server.outbox)
                .expect("the outbox reads")
                .is_empty(),
            "no email for a tech without one"
        );
        let text = server.newest_text_to(ANA_MOBILE);
        assert_eq!(text.purpose, "welcome");
        let (link, _code) = server.link_and_code(&text);
        assert!(
            text.body.lines().next().unwrap_or_default().contains(ORG),
            "the first line names the company: {}",
            text.body
        );

        // The short link, as the phone's messages app opens it: a redirect to the setup page.
        b.goto(&link).await;
        let setup = b.url().await;
        assert!(
            setup.starts_with(&format!("{}/setup?token=", server.base)),
            "the short link leads to the setup page: {setup}"
        );
        let page = b.look("setup-from-text", 200).await;
        assert!(page.contains("Set up your account"), "{page}");
        assert!(page.contains(ANA_MOBILE), "the account is named: {page}");
        assert_eq!(
            b.prop("input[name=username]", "value").await,
            ANA_MOBILE,
            "a password manager saves the number as the username"
        );
        assert_eq!(
            b.attr("input[name=username]", "autocomplete").await,
            "username"
        );
        assert_eq!(b.attr("#password", "autocomplete").await, "new-password");
        assert_eq!(
            b.attr("#password-confirmation", "autocomplete").await,
            "new-password"
        );

        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        let page = b.look("app-signed-in-by-text", 200).await;
        assert!(page.contains("You're signed in"), "{page}");
        assert!(!page.contains("temporary password"), "{page}");
        assert_eq!(b.text("#signed-in-email").await, ANA_MOBILE);
        b.assert_session_cookie().await;

        // The text's link again: used up, as an email's is.
        b.goto(&link).await;
        let page = b.look("text-link-used", 410).await;
        assert!(page.contains("This link has already been used"), "{page}");

        // Signed out, the number as a person writes it and their own password sign them in.
        b.goto(&format!("{}/app", server.base)).await;
        b.click_and_wait(Locator::Id("sign-out")).await;
        assert_eq!(b.url().await, format!("{}/login", server.base));
        b.type_into("#identifier", "201-555-0123").await;
        b.type_into("#password", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        b.look("app-signed-in-by-number", 200).await;
        assert_eq!(b.text("#signed-in-email").await, ANA_MOBILE);
        b.assert_session_cookie().await;
    })
    .await;
}

/// A phone-first tech without the link at hand: on the phone they open the setup page, type
/// their number as people do (spaces, no country code) and the code from the text, choose a
/// password and land signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_invited_by_text_types_the_number_and_code_and_lands_signed_in() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start().await;
        server.invite_by_phone("+1 201 555 0124").await;
        let text = server.newest_text_to(BO_MOBILE);
        let (_link, code) = server.link_and_code(&text);
        let wrong = if code == "000000" { "000001" } else { "000000" };

        b.goto(&format!("{}/setup", server.base)).await;
        let page = b.look("code-form-by-text", 200).await;
        assert!(page.contains("6-digit code"), "{page}");
        assert_eq!(
            b.text("label[for=identifier]").await,
            "Email or mobile number"
        );
        assert_eq!(b.prop("#identifier", "type").await, "text");
        assert_eq!(b.attr("#identifier", "autocomplete").await, "username");
        assert_eq!(b.attr("#code", "autocomplete").await, "one-time-code");
        assert_eq!(b.attr("#code", "inputmode").await, "numeric");

        // A wrong code: refused at the code, the number kept as typed.
        b.type_into("#identifier", "201 555 0124").await;
        b.type_into("#code", wrong).await;
        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        let page = b.look("code-by-text-wrong", 400).await;
        assert!(
            b.text("#code-error").await.contains("doesn't match"),
            "{page}"
        );
        assert!(
            !page.contains(ORG),
            "the page says nothing about whose code it is"
        );
        assert_eq!(b.prop("#identifier", "value").await, "201 555 0124");

        b.type_into("#code", &code).await;
        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.click_and_wait(Locator::Css("button[type=submit]")).await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        let page = b.look("app-signed-in-by-code", 200).await;
        assert!(page.contains("You're signed in"), "{page}");
        assert_eq!(b.text("#signed-in-email").await, BO_MOBILE);
        b.assert_session_cookie().await;
    })
    .await;
}

/// The setup page in each language the service speaks, on a phone, as the address asks for it
/// (`?lang`, what the menu's links carry): every word from that language's catalogue, the
/// company's name, and a menu of every language with this one marked. Each is looked at as every
/// page is (accessibility, budget, no web fonts, weight) and kept as `setup-<tag>-390.png`, so
/// that a person can see each translation fits a phone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_setup_page_speaks_each_language_on_a_phone() {
    with_browser(PHONE, Javascript::On, |b| async move {
        let server = Server::start().await;
        server.invite(TECH).await;
        let link = server.link_in(&server.newest_email_to(TECH));
        let english = words(Locale::En).get("setup-title");
        let tags: Vec<&str> = Locale::ALL.iter().map(|l| l.tag()).collect();
        assert_eq!(tags, ["en", "es", "fr", "de", "pt-BR"]);
        for locale in Locale::ALL {
            let tag = locale.tag();
            b.goto(&format!("{link}&lang={tag}")).await;
            let page = b.look_in(&format!("setup-{tag}"), 200, tag).await;
            let heading = b.text("h1").await;
            assert_eq!(heading, words(locale).get("setup-title"), "{tag}");
            if locale != Locale::En {
                assert_ne!(heading, english, "{tag}: the heading is still English");
            }
            assert!(page.contains(TECH), "{tag}: the account is named: {page}");
            assert_eq!(
                b.text(".brand").await,
                ORG,
                "{tag}: the company's name, not the product's"
            );
            assert_eq!(
                b.script("return [...document.querySelectorAll('nav.langs a')].map(a => a.lang)")
                    .await,
                json!(tags),
                "{tag}: one link per language"
            );
            assert_eq!(b.count("nav.langs a[aria-current]").await, 1, "{tag}");
            assert_eq!(b.attr("nav.langs a[aria-current]", "lang").await, tag);
            assert_eq!(
                b.prop("input[name=lang]", "value").await,
                tag,
                "{tag}: the form carries the page's language"
            );
        }
    })
    .await;
}

/// The language menu is plain links: on a phone, without JavaScript, a tech opens the setup link
/// (English), picks Français, and sets the password on the French page, which kept the link's
/// token. They land signed in, in French, and French is now their locale: they chose it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tech_picks_french_from_the_menu_and_sets_up_the_account_in_french() {
    with_browser(PHONE, Javascript::Off, |b| async move {
        let server = Server::start().await;
        let id = server.invite(TECH).await;
        let link = server.link_in(&server.newest_email_to(TECH));
        let french = words(Locale::Fr);

        b.goto(&link).await;
        b.look("setup-menu-en", 200).await;
        assert_eq!(b.attr("nav.langs a[aria-current]", "lang").await, "en");
        // Enter on the link, as a keyboard would: without JavaScript, at a phone's size,
        // chromedriver's click never returns (see `press_enter_and_wait`).
        assert_eq!(b.text("nav.langs a[lang=fr]").await, "Français");
        b.press_enter_and_wait("nav.langs a[lang=fr]").await;
        assert_eq!(
            b.url().await,
            format!("{link}&lang=fr"),
            "the menu's link keeps the token"
        );
        let page = b.look_in("setup-menu-fr", 200, "fr").await;
        assert_eq!(b.text("h1").await, french.get("setup-title"), "{page}");
        assert_eq!(b.text(".brand").await, ORG);
        assert_eq!(b.attr("nav.langs a[aria-current]", "lang").await, "fr");
        assert_eq!(b.prop("input[name=lang]", "value").await, "fr");
        assert_eq!(
            b.count("input[name=langGuessed]").await,
            0,
            "a language picked from the menu is a choice, not a guess"
        );

        b.type_into("#password", NEW_PASSWORD).await;
        b.type_into("#password-confirmation", NEW_PASSWORD).await;
        b.press_enter_and_wait("#password-confirmation").await;
        assert_eq!(b.url().await, format!("{}/app", server.base));
        let page = b.look_in("app-signed-in-fr", 200, "fr").await;
        assert!(page.contains(&french.get("signed-in-title")), "{page}");
        assert_eq!(b.text("#signed-in-email").await, TECH);
        b.assert_session_cookie().await;

        let user = server.user(&id).await;
        assert_eq!(
            user["locale"], "fr",
            "the language the tech picked is their locale: {user}"
        );
    })
    .await;
}

/// The accessibility check is only worth something if it can fail: on a page with a field that
/// has no label, axe must say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_finds_a_field_without_a_label() {
    with_browser(DESKTOP, Javascript::On, |b| async move {
        let server = Server::start().await;
        b.goto(&format!("{}/login", server.base)).await;
        b.script("document.querySelector('label[for=identifier]').remove();")
            .await;
        let violations = b.axe_violations(Rules::WcagAndBestPractice).await;
        assert!(
            violations.iter().any(|v| v["id"] == "label"),
            "axe missed an unlabelled field: {violations:?}"
        );
    })
    .await;
}

/// The words of `locale`'s catalogue, which a page in that language is written from.
pub(crate) fn words(locale: Locale) -> Lang {
    Langs::default().of(Some(locale))
}

// ---------------------------------------------------------------------------------------------
// The local server, in-process on a free port, with its links pointing at itself.

pub(crate) struct Server {
    pub(crate) base: String,
    local: Arc<Local>,
    clock: Arc<FixedClock>,
    outbox: PathBuf,
    admin_token: String,
    serving: tokio::task::JoinHandle<()>,
}

/// The host in the server's `PUBLIC_BASE_URL`, which its links and the browser use. It always
/// listens on 127.0.0.1 only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// `127.0.0.1`: an IP address, which browsers refuse as a relying party, so the pages offer
    /// no passkey.
    Ip,
    /// `localhost`: a secure context with a name, so the pages offer passkeys.
    Localhost,
}

impl Server {
    /// On an in-memory embedded store, at 127.0.0.1 (no passkeys).
    pub(crate) async fn start() -> Self {
        Self::start_at(Host::Ip).await
    }

    /// On an in-memory embedded store, at `host`.
    pub(crate) async fn start_at(host: Host) -> Self {
        Self::on(Arc::new(EmbeddedStore::in_memory()), host).await
    }

    /// On a fresh DynamoDB Local table (the services' `DYNAMODB_TEST_ENDPOINT`).
    pub(crate) async fn on_dynamodb(host: Host) -> Self {
        Self::on(Arc::new(fresh_dynamo_store().await.0), host).await
    }

    async fn on(store: Arc<dyn Store>, host: Host) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a free port on 127.0.0.1");
        let port = listener.local_addr().expect("a bound address").port();
        let base = match host {
            Host::Ip => format!("http://127.0.0.1:{port}"),
            Host::Localhost => format!("http://localhost:{port}"),
        };
        let config = test_config(&[("PUBLIC_BASE_URL", &base)]);
        // Now, so the emails' dates read naturally; it moves only when a test says so.
        let clock = Arc::new(FixedClock::new(Utc::now()));
        let outbox = std::env::temp_dir().join(format!(
            "onboarding-browser-outbox-{}",
            uuid::Uuid::new_v4()
        ));
        let mailer = LocalMailbox::new(&outbox, config.from_header(), false);
        let breached = onboarding::adapters::breached::from_config(&config);
        let app = App::new(
            config,
            store,
            Arc::new(mailer.clone()),
            Arc::new(mailer),
            clock.clone(),
            breached,
            ALL,
        )
        .expect("the app starts");
        let admin = app
            .create_admin(
                EmailAddress::parse(ADMIN_EMAIL).unwrap(),
                ORG,
                SecretString::from(ADMIN_PASSWORD),
            )
            .await
            .expect("the admin is created");
        let admin_token = app
            .sessions
            .issue(&admin, app.now())
            .expose_secret()
            .to_owned();
        let local = Arc::new(Local::new(app, Some(outbox.clone())));
        let serving = tokio::spawn({
            let local = local.clone();
            async move {
                let _ = serve(listener, local).await;
            }
        });
        Self {
            base,
            local,
            clock,
            outbox,
            admin_token,
            serving,
        }
    }

    /// `POST /users` as the admin, as the main app does; the new user's id.
    pub(crate) async fn invite(&self, email: &str) -> String {
        self.create_user(
            json!({"email": email, "temporaryPassword": TEMP_PASSWORD, "name": "Ana Tech"}),
        )
        .await
    }

    /// `POST /users` with a mobile number only, as the admin would type it: the invite goes by
    /// text.
    async fn invite_by_phone(&self, phone: &str) {
        self.create_user(json!({"phone": phone, "temporaryPassword": TEMP_PASSWORD}))
            .await;
    }

    async fn create_user(&self, body: Value) -> String {
        let (status, created) = self.as_admin(Method::POST, "/users", Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}: {created}");
        created["user"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no user id in {created}"))
            .to_owned()
    }

    /// The user as `GET /users/{id}` shows them to the admin.
    async fn user(&self, id: &str) -> Value {
        self.user_and_invite(id).await["user"].clone()
    }

    /// `GET /users/{id}` as the admin sees it: `{"user": {…}, "invite": {…}}`.
    pub(crate) async fn user_and_invite(&self, id: &str) -> Value {
        let (status, shown) = self
            .as_admin(Method::GET, &format!("/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{shown}");
        shown
    }

    /// One call to the API with the admin's session, as the main app makes it; its JSON answer.
    async fn as_admin(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let auth = format!("Bearer {}", self.admin_token);
        let mut headers = vec![("authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let body = body.map(Value::to_string).unwrap_or_default();
        let response =
            onboarding::http::call(self.local.router(), request(method, path, &headers, body))
                .await;
        let json = match response.body() {
            lambda_http::Body::Text(text) => serde_json::from_str(text).unwrap_or(Value::Null),
            _ => Value::Null,
        };
        (response.status(), json)
    }

    /// The newest text message to `to` (E.164).
    fn newest_text_to(&self, to: &str) -> OutboxText {
        read_texts(&self.outbox)
            .expect("the outbox reads")
            .into_iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no text to {to}"))
    }

    /// A text's short link and code, read as a phone would: three lines, the company and the
    /// expiry, then the link (`{base}/s/…`), then the autofill line `@host #123456` last.
    fn link_and_code(&self, text: &OutboxText) -> (String, String) {
        let lines: Vec<&str> = text.body.lines().collect();
        assert_eq!(lines.len(), 3, "three lines: {:?}", text.body);
        let link = lines[1].to_owned();
        assert!(
            link.starts_with(&format!("{}/s/", self.base)),
            "the short link: {link}"
        );
        let (at, code) = lines[2]
            .rsplit_once(" #")
            .unwrap_or_else(|| panic!("no autofill line: {:?}", text.body));
        let host = url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        assert_eq!(at, format!("@{host}"), "the autofill line names the host");
        assert!(
            code.len() == 6 && code.bytes().all(|c| c.is_ascii_digit()),
            "6 digits, nothing after them: {:?}",
            text.body
        );
        (link, code.to_owned())
    }

    pub(crate) fn newest_email_to(&self, to: &str) -> OutboxMessage {
        read_outbox(&self.outbox)
            .expect("the outbox reads")
            .into_iter()
            .find(|m| m.to == to)
            .unwrap_or_else(|| panic!("no email to {to}"))
    }

    /// Every email to `to` with this subject.
    fn emails_to(&self, to: &str, subject: &str) -> Vec<OutboxMessage> {
        read_outbox(&self.outbox)
            .expect("the outbox reads")
            .into_iter()
            .filter(|m| m.to == to && m.subject == subject)
            .collect()
    }

    /// The link in an email's text part, found the way a person would.
    pub(crate) fn link_in(&self, email: &OutboxMessage) -> String {
        email
            .text
            .split_whitespace()
            .find(|w| w.starts_with(&self.base))
            .unwrap_or_else(|| panic!("no link to {} in: {}", self.base, email.text))
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.serving.abort();
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

// ---------------------------------------------------------------------------------------------
// The browser.

#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewport {
    width: u32,
    height: u32,
    phone: bool,
}

pub(crate) const PHONE: Viewport = Viewport {
    width: 390,
    height: 844,
    phone: true,
};
const DESKTOP: Viewport = Viewport {
    width: 1280,
    height: 800,
    phone: false,
};
const VIEWPORTS: [Viewport; 2] = [PHONE, DESKTOP];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rules {
    Wcag,
    WcagAndBestPractice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Javascript {
    On,
    Off,
}

/// Where chromedriver and Chromium are: the environment, else what `infra/test-services/start.sh`
/// wrote to `.test-services/env`, else Debian's paths and chromedriver's default port.
struct Services {
    chromedriver_url: String,
    chromium: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is inside the workspace")
        .to_path_buf()
}

impl Services {
    fn find() -> Self {
        let file = std::fs::read_to_string(workspace_root().join(".test-services/env"))
            .unwrap_or_default();
        let from_file = |key: &str| {
            file.lines().find_map(|line| {
                let line = line.trim().trim_start_matches("export ").trim();
                let value = line.strip_prefix(key)?.strip_prefix('=')?;
                Some(value.trim_matches(['"', '\'']).to_owned())
            })
        };
        let get = |key: &str| std::env::var(key).ok().or_else(|| from_file(key));
        Self {
            chromedriver_url: get("CHROMEDRIVER_URL")
                .unwrap_or_else(|| "http://127.0.0.1:9515".to_owned()),
            chromium: get("CHROMIUM_BIN").unwrap_or_else(|| "/usr/bin/chromium".to_owned()),
        }
    }
}

/// A new Chromium with its own empty profile.
async fn launch(viewport: Viewport, javascript: Javascript, profile: &Path) -> Client {
    let services = Services::find();
    assert!(
        Path::new(&services.chromium).exists(),
        "no Chromium at {}: run `make test`, which installs it (infra/test-services/install.sh), \
         or set CHROMIUM_BIN",
        services.chromium
    );
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut options = json!({"binary": services.chromium});
    if viewport.phone {
        // A phone: its width, the viewport meta tag honoured, touch, a dense screen.
        options["mobileEmulation"] = json!({"deviceMetrics": {
            "width": viewport.width, "height": viewport.height, "pixelRatio": 2.0, "touch": true
        }});
    } else {
        args.push(format!(
            "--window-size={},{}",
            viewport.width, viewport.height
        ));
    }
    options["args"] = json!(args);
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert("goog:chromeOptions".into(), options);
    // The console, where a CSP violation or a script error would show.
    capabilities.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    let client = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&services.chromedriver_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "cannot start Chromium through chromedriver at {}: {e}\n\
                 Run `make test`: it installs Chromium and chromedriver and starts chromedriver \
                 (infra/test-services/start.sh). Or start it yourself: \
                 chromedriver --port=9515 --allowed-ips=127.0.0.1",
                services.chromedriver_url
            )
        });
    // A page that does not load, or a script that does not finish, fails the test within these.
    client
        .update_timeouts(TimeoutConfiguration::new(
            Some(StdDuration::from_secs(30)),
            Some(StdDuration::from_secs(30)),
            Some(StdDuration::ZERO),
        ))
        .await
        .expect("WebDriver timeouts");
    if javascript == Javascript::Off {
        // The pages' own scripts stop; WebDriver's, which the tests use to look, still run.
        // (Chromium's content setting for JavaScript would stop chromedriver too.)
        client
            .issue_cmd(DevTools {
                cmd: "Emulation.setScriptExecutionDisabled",
                params: json!({"value": true}),
            })
            .await
            .expect("JavaScript turned off");
    }
    client
}

/// Runs one story in a fresh browser, and closes the browser whatever the story does.
pub(crate) async fn with_browser<F, Fut>(viewport: Viewport, javascript: Javascript, story: F)
where
    F: FnOnce(Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let profile =
        std::env::temp_dir().join(format!("onboarding-chromium-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&profile).expect("a temporary profile folder");
    let client = launch(viewport, javascript, &profile).await;
    let browser = Browser {
        client: client.clone(),
        viewport,
        javascript,
    };
    // In a task of its own, so that a failed assertion still lets the browser be closed.
    let mut task = tokio::spawn(story(browser));
    let outcome = tokio::time::timeout(STORY_LIMIT, &mut task).await;
    task.abort();
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the story did not finish: {e}"),
        },
        Err(_) => panic!(
            "the story took over {}s at {}px",
            STORY_LIMIT.as_secs(),
            viewport.width
        ),
    }
}

#[derive(Clone)]
pub(crate) struct Browser {
    pub(crate) client: Client,
    viewport: Viewport,
    javascript: Javascript,
}

/// The browser console's entries since the last call (chromedriver's own endpoint).
#[derive(Debug)]
struct ConsoleLog;

impl WebDriverCompatibleCommand for ConsoleLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

/// chromedriver's pass-through to the DevTools protocol: a screenshot of the whole page, the
/// pages' scripts turned off, the passkey stories' recorder of WebAuthn calls.
#[derive(Debug)]
pub(crate) struct DevTools {
    pub(crate) cmd: &'static str,
    pub(crate) params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        let body = json!({"cmd": self.cmd, "params": self.params});
        (Method::POST, Some(body.to_string()))
    }
}

/// How long a page or an element may take to appear.
pub(crate) const WAIT: StdDuration = StdDuration::from_secs(15);
/// How long one story at one size may take, browser start included.
const STORY_LIMIT: StdDuration = StdDuration::from_secs(180);

impl Browser {
    pub(crate) async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    pub(crate) async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("the URL")
            .to_string()
    }

    /// Runs JavaScript in the page through WebDriver (which the page's CSP does not govern).
    pub(crate) async fn script(&self, js: &str) -> Value {
        self.client
            .execute(js, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{js}"))
    }

    pub(crate) async fn find(&self, locator: Locator<'_>) -> Element {
        match self.client.wait().at_most(WAIT).for_element(locator).await {
            Ok(element) => element,
            Err(e) => panic!("no {locator:?} on {}: {e}", self.url().await),
        }
    }

    pub(crate) async fn css(&self, selector: &str) -> Element {
        self.find(Locator::Css(selector)).await
    }

    pub(crate) async fn click(&self, locator: Locator<'_>) {
        self.find(locator)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {locator:?}: {e}"));
    }

    /// Clicks something that loads a new page, and waits until that page has loaded.
    pub(crate) async fn click_and_wait(&self, locator: Locator<'_>) {
        let before = self.document_id().await;
        self.click(locator).await;
        self.wait_for_new_page(before, &format!("clicking {locator:?}"))
            .await;
    }

    /// Presses Enter in a field, which submits its form, or on a link, which follows it; and
    /// waits for the page that answers. (Without JavaScript, at a phone's size, chromedriver's
    /// click never returns: Enter does what a person would do instead.)
    pub(crate) async fn press_enter_and_wait(&self, selector: &str) {
        let before = self.document_id().await;
        self.css(selector)
            .await
            .send_keys("\u{E007}")
            .await
            .unwrap_or_else(|e| panic!("cannot press Enter in {selector}: {e}"));
        self.wait_for_new_page(before, &format!("pressing Enter in {selector}"))
            .await;
    }

    pub(crate) async fn wait_for_new_page(&self, before: Option<String>, action: &str) {
        let started = Instant::now();
        loop {
            let now = self.document_id().await;
            if now.is_some() && now != before {
                return;
            }
            assert!(started.elapsed() < WAIT, "{action} loaded no new page");
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
    }

    /// Tells one loaded document from the next: its navigation's start time, unique per load.
    pub(crate) async fn document_id(&self) -> Option<String> {
        let v = self
            .client
            .execute(
                "return document.readyState === 'complete' \
                 ? String(performance.timeOrigin) : null",
                Vec::new(),
            )
            .await
            .ok()?;
        v.as_str().map(str::to_owned)
    }

    pub(crate) async fn type_into(&self, selector: &str, text: &str) {
        let field = self.css(selector).await;
        field.clear().await.expect("the field clears");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {selector}: {e}"));
    }

    /// How many elements match, right now (no waiting: for what must not be there).
    pub(crate) async fn count(&self, selector: &str) -> usize {
        self.client
            .find_all(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("cannot look for {selector}: {e}"))
            .len()
    }

    pub(crate) async fn text(&self, selector: &str) -> String {
        self.css(selector).await.text().await.expect("the text")
    }

    pub(crate) async fn attr(&self, selector: &str, name: &str) -> String {
        self.css(selector)
            .await
            .attr(name)
            .await
            .expect("the attribute")
            .unwrap_or_else(|| panic!("{selector} has no {name}"))
    }

    pub(crate) async fn prop(&self, selector: &str, name: &str) -> String {
        self.css(selector)
            .await
            .prop(name)
            .await
            .expect("the property")
            .unwrap_or_default()
    }

    /// Whether the element takes up room on the page. (Not WebDriver's own check, which hangs
    /// in a page whose scripts are off.)
    pub(crate) async fn displayed(&self, selector: &str) -> bool {
        self.css(selector).await;
        let shown = self
            .client
            .execute(
                "return document.querySelector(arguments[0]).getClientRects().length > 0",
                vec![json!(selector)],
            )
            .await
            .expect("whether it is displayed");
        shown == json!(true)
    }

    pub(crate) async fn href_of(&self, link_text: &str) -> String {
        self.find(Locator::LinkText(link_text))
            .await
            .attr("href")
            .await
            .expect("the href")
            .unwrap_or_default()
    }

    pub(crate) async fn focused_id(&self) -> String {
        self.client
            .active_element()
            .await
            .expect("the focused element")
            .attr("id")
            .await
            .expect("its id")
            .unwrap_or_default()
    }

    /// After a form signs the tech in: the session cookie, Secure and HttpOnly, kept by a
    /// browser on http://127.0.0.1 (a secure context), and out of the page's reach.
    pub(crate) async fn assert_session_cookie(&self) {
        let cookies = self.client.get_all_cookies().await.expect("the cookies");
        let session = cookies
            .iter()
            .find(|c| c.name() == "session")
            .expect("a session cookie");
        assert_eq!(session.secure(), Some(true), "{session:?}");
        assert_eq!(session.http_only(), Some(true), "{session:?}");
        assert_eq!(self.script("return document.cookie").await, json!(""));
    }

    /// What every page must be, whatever it says; returns its text. `name` names its screenshot
    /// and its row in the bytes table. The page speaks English: [`Browser::look_in`] otherwise.
    pub(crate) async fn look(&self, name: &str, status: u16) -> String {
        self.look_in(name, status, "en").await
    }

    /// [`Browser::look`] at a page in the language tagged `lang` (its `<html lang>`).
    pub(crate) async fn look_in(&self, name: &str, status: u16, lang: &str) -> String {
        let facts = self
            .script(
                "const n = performance.getEntriesByType('navigation')[0];
                 const loads = performance.getEntriesByType('resource');
                 const box = document.querySelector('[data-passkey]');
                 return {
                   status: n.responseStatus,
                   htmlBytes: n.decodedBodySize,
                   otherRequests: loads.filter(r => r.initiatorType !== 'fetch').map(r => r.name),
                   calls: loads.filter(r => r.initiatorType === 'fetch').map(r => r.name),
                   scriptBytes: loads.filter(r => r.initiatorType === 'script')
                     .map(r => r.decodedBodySize)[0] || 0,
                   passkeyRoutes: box
                     ? [box.dataset.options, box.dataset.finish].map(p => new URL(p, location).href)
                     : null,
                   lang: document.documentElement.lang,
                   fonts: document.fonts.size,
                   title: document.title,
                   h1: document.querySelectorAll('h1').length,
                   scrollWidth: document.documentElement.scrollWidth,
                   innerWidth: window.innerWidth,
                   innerHeight: window.innerHeight,
                   pageHeight: document.documentElement.scrollHeight,
                   background: getComputedStyle(document.body).backgroundColor,
                   text: document.body.innerText
                 };",
            )
            .await;
        let url = self.url().await;
        assert_eq!(facts["status"], status, "{name}: status of {url}");
        // Nothing refused by the CSP, no script error: what the console says about this server's
        // pages. (A 4xx page is logged as a failed load: that is the status, checked above. The
        // browser's own pages, such as the first tab's, have their say too: not ours.)
        let origin = url::Url::parse(&url)
            .expect("a URL")
            .origin()
            .ascii_serialization();
        let console = self
            .client
            .issue_cmd(ConsoleLog)
            .await
            .expect("the console");
        let complaints: Vec<&Value> = console
            .as_array()
            .into_iter()
            .flatten()
            .filter(|entry| entry["source"] != "network")
            .filter(|entry| {
                entry["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(&origin))
            })
            .filter(|entry| !is_chromium_advice(entry))
            .collect();
        assert!(
            complaints.is_empty(),
            "{name}: the console says {complaints:#?}"
        );
        // An email as the outbox shows it, rather than a page of the product.
        let email = url.contains("/_dev/mail/");
        let mut other_requests = facts["otherRequests"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if email {
            // An email as the outbox shows it: the browser's own favicon request is no part of it.
            other_requests.retain(|r| !r.as_str().unwrap_or_default().ends_with("/favicon.ico"));
        }
        // A page that offers a passkey loads its one script, from this origin, and that script
        // calls this origin's passkey routes that the page names; nothing else. Where the base URL
        // is an IP address no browser takes a passkey, and a page offers none.
        let host_is_ip = url::Url::parse(&url)
            .ok()
            .is_some_and(|u| matches!(u.host(), Some(url::Host::Ipv4(_) | url::Host::Ipv6(_))));
        let passkey_routes = facts["passkeyRoutes"].as_array();
        assert!(
            !(host_is_ip && passkey_routes.is_some()),
            "{name}: a passkey offered at an IP address ({url}), where no browser accepts one"
        );
        let own_script: Vec<Value> = match passkey_routes {
            Some(_) => vec![json!(format!("{origin}/passkey.js"))],
            None => Vec::new(),
        };
        assert_eq!(
            other_requests,
            own_script,
            "{name}: a page loads nothing but itself{}",
            if own_script.is_empty() {
                ""
            } else {
                " and its passkey script"
            }
        );
        let allowed_calls = passkey_routes.cloned().unwrap_or_default();
        let stray_calls: Vec<&Value> = facts["calls"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|call| !allowed_calls.contains(call))
            .collect();
        assert!(
            stray_calls.is_empty(),
            "{name}: calls other than the page's passkey routes {allowed_calls:?}: {stray_calls:?}"
        );
        assert_eq!(facts["lang"], lang, "{name}");
        // No web fonts, not even inline ones (which would load nothing yet weigh the page down):
        // the system's own, in every language.
        assert_eq!(facts["fonts"], 0, "{name}: a web font (@font-face)");
        assert!(
            !facts["title"].as_str().unwrap_or_default().is_empty(),
            "{name}: a title"
        );
        assert_eq!(facts["h1"], 1, "{name}: one main heading");
        assert_eq!(
            facts["innerWidth"], self.viewport.width,
            "{name}: the viewport"
        );
        let scroll_width = facts["scrollWidth"].as_u64().unwrap_or(u64::MAX);
        assert!(
            scroll_width <= u64::from(self.viewport.width),
            "{name}: {scroll_width}px wide at {}px: the page scrolls sideways",
            self.viewport.width
        );
        // The stylesheet is inline, allowed by its hash in the CSP: this colour proves it applied.
        assert_eq!(
            facts["background"], "rgb(243, 244, 246)",
            "{name}: the inline stylesheet did not apply (CSP hash?)"
        );
        let html_bytes = facts["htmlBytes"].as_u64().unwrap_or_default();
        assert!(
            html_bytes > 0 && html_bytes <= PAGE_BUDGET_BYTES,
            "{name}: {html_bytes} bytes of HTML, over the budget of {PAGE_BUDGET_BYTES}"
        );
        record_bytes(name, &url, status, html_bytes);
        if !own_script.is_empty() {
            // The passkey script comes after the page (deferred), on the same connection; it
            // keeps to the same budget.
            let script_bytes = facts["scriptBytes"].as_u64().unwrap_or_default();
            assert!(
                script_bytes > 0 && script_bytes <= PAGE_BUDGET_BYTES,
                "{name}: /passkey.js is {script_bytes} bytes, over the budget of {PAGE_BUDGET_BYTES}"
            );
            record_bytes(
                "passkey-script",
                &format!("{origin}/passkey.js"),
                200,
                script_bytes,
            );
        }
        // axe needs the page's timers, which stop with its scripts; the same pages with scripts
        // on are checked in the other stories.
        if self.javascript == Javascript::On {
            // Landmarks are the mail client's business: an email is a fragment inside its page.
            let rules = if email {
                Rules::Wcag
            } else {
                Rules::WcagAndBestPractice
            };
            let violations = self.axe_violations(rules).await;
            assert!(
                violations.is_empty(),
                "{name}: {} accessibility violation(s) at {}px:\n{}",
                violations.len(),
                self.viewport.width,
                serde_json::to_string_pretty(&violations).unwrap_or_default()
            );
        }
        let page_height = facts["pageHeight"].as_u64().unwrap_or_default();
        self.screenshot(name, page_height).await;
        if !email {
            self.assert_focus_is_visible(name).await;
        }
        facts["text"].as_str().unwrap_or_default().to_owned()
    }

    /// Every control, focused, shows the focus ring (a keyboard user must see where they are);
    /// focus then goes back where the page put it.
    pub(crate) async fn assert_focus_is_visible(&self, name: &str) {
        let unringed = self
            .script(
                "const before = document.activeElement;
                 const controls = document.querySelectorAll(
                   'a[href], button, input:not([type=hidden]):not([hidden]), select, textarea');
                 const missing = [];
                 for (const c of controls) {
                   if (c.getClientRects().length === 0) continue;
                   c.focus();
                   const s = getComputedStyle(c);
                   if (document.activeElement !== c || s.outlineStyle !== 'solid'
                       || parseFloat(s.outlineWidth) < 2) {
                     missing.push(c.outerHTML.slice(0, 80));
                   }
                 }
                 if (before && before.focus) before.focus(); else document.activeElement.blur();
                 return missing;",
            )
            .await;
        assert_eq!(
            unringed,
            json!([]),
            "{name}: controls without a visible focus ring"
        );
    }

    /// axe-core's verdict on the page as it stands: WCAG 2.0, 2.1 and 2.2 A and AA, and with
    /// `Rules::WcagAndBestPractice` axe's best practices too.
    pub(crate) async fn axe_violations(&self, rules: Rules) -> Vec<Value> {
        self.script(&format!("{}\nreturn true;", *AXE_SOURCE)).await;
        let mut tags = vec!["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
        if rules == Rules::WcagAndBestPractice {
            tags.push("best-practice");
        }
        let result = self
            .client
            .execute_async(
                "const [tags, done] = arguments;
                 axe.run(document, {
                   runOnly: {type: 'tag', values: tags},
                   resultTypes: ['violations']
                 }).then(r => done({
                   passes: r.passes.length,
                   violations: r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => n.target.join(' ') + ' | ' + n.failureSummary)
                   }))
                 }), e => done({error: String(e)}));",
                vec![json!(tags)],
            )
            .await
            .expect("axe runs");
        assert!(result.get("error").is_none(), "axe failed: {result}");
        assert!(
            result["passes"].as_u64().unwrap_or_default() > 10,
            "axe checked almost nothing: {result}"
        );
        result["violations"].as_array().cloned().unwrap_or_default()
    }

    /// `artifacts/screenshots/<name>-<width>.png`: the whole page, at the device's pixel ratio.
    pub(crate) async fn screenshot(&self, name: &str, page_height: u64) {
        let dir = workspace_root().join("artifacts/screenshots");
        std::fs::create_dir_all(&dir).expect("the screenshots folder");
        let suffix = if self.javascript == Javascript::On {
            ""
        } else {
            "-nojs"
        };
        let path = dir.join(format!("{name}{suffix}-{}.png", self.viewport.width));
        let height = page_height.max(u64::from(self.viewport.height));
        let shot = self
            .client
            .issue_cmd(DevTools {
                cmd: "Page.captureScreenshot",
                params: json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": self.viewport.width, "height": height, "scale": 1}
                }),
            })
            .await
            .expect("a screenshot");
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("screenshot data"))
            .expect("base64 PNG");
        std::fs::write(&path, png).expect("the screenshot is saved");
    }
}

/// Chromium's advice to every site that registers passkeys without RS256 among
/// `pubKeyCredParams`, written to the console as a warning when `navigator.credentials.create`
/// runs. The contract leaves RS256 out by choice (API.md, "Passkeys": ES256 and EdDSA; pinned by
/// `webauthn/tests/options.rs`), so it is no fault of a page; anything else said, it still is.
const RS256_ADVICE: &str = "publicKey.pubKeyCredParams is missing at least one of the default \
                            algorithm identifiers: ES256 and RS256.";

fn is_chromium_advice(entry: &Value) -> bool {
    entry["level"] == "WARNING"
        && entry["source"] == "javascript"
        && entry["message"]
            .as_str()
            .is_some_and(|m| m.contains("/passkey.js ") && m.contains(RS256_ADVICE))
}

/// axe-core, as `npm ci --prefix tests/browser` installs it (pinned by its package-lock.json).
static AXE_SOURCE: LazyLock<String> = LazyLock::new(|| {
    let path = workspace_root().join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}. Run `make test`, or `npm ci --prefix tests/browser`",
            path.display()
        )
    })
});

// ---------------------------------------------------------------------------------------------
// What each page weighs: `artifacts/page-bytes.md`.

struct Weight {
    path: String,
    status: u16,
    html_bytes: u64,
}

static WEIGHTS: LazyLock<Mutex<BTreeMap<String, Weight>>> =
    LazyLock::new(|| Mutex::new(BTreeMap::new()));

/// The HTML each page sends: its only bytes, since it loads nothing else but, where it offers a
/// passkey, `/passkey.js` (its own row). (Headers are left out: the browser reports a fixed
/// estimate for them, not what was sent.)
fn record_bytes(name: &str, url: &str, status: u16, html_bytes: u64) {
    let mut path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    if path.starts_with("/_dev/mail/") {
        path = "/_dev/mail/<file>".to_owned();
    }
    let mut weights = WEIGHTS.lock().unwrap_or_else(|p| p.into_inner());
    weights.entry(name.to_owned()).or_insert(Weight {
        path,
        status,
        html_bytes,
    });
    let mut table = String::from(
        "| page | path | status | HTML bytes |\n\
         | --- | --- | --- | ---: |\n",
    );
    for (name, w) in weights.iter() {
        table.push_str(&format!(
            "| {name} | `{}` | {} | {} |\n",
            w.path, w.status, w.html_bytes
        ));
    }
    let dir = workspace_root().join("artifacts");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("page-bytes.md"), table);
}
