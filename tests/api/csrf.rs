//! Forms posted from another site's page (login CSRF and its kin) are refused before anything
//! happens: a page elsewhere must not sign a visitor into the attacker's account, set a password
//! with the attacker's link, or send emails in the visitor's name. Forms from this site, and JSON
//! API calls, work as before.

use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use tests::app::*;

/// What browsers send with a form posted from another site's page, in the ways they send it.
const FROM_ANOTHER_SITE: &[&[(&str, &str)]] = &[
    &[
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ],
    // Older browsers: Origin only.
    &[("origin", "https://evil.example")],
    // A sandboxed frame, or a redirect that hides where it came from.
    &[("origin", "null"), ("sec-fetch-site", "cross-site")],
    // A sibling host is another origin.
    &[
        ("origin", "https://tenant.onboard.example.com"),
        ("sec-fetch-site", "same-site"),
    ],
    &[("sec-fetch-site", "same-site")],
    // The same host over plain http is another origin.
    &[("origin", "http://onboard.example.com")],
    &[("sec-fetch-site", "cross-site")],
];

async fn post_form_with(
    t: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    fields: &str,
    accept_html: bool,
) -> TestResponse {
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    if accept_html {
        all.push(("accept", "text/html"));
    }
    all.extend_from_slice(headers);
    t.send(request(Method::POST, path, &all, fields)).await
}

/// An active tech with a reset link, and an invited one with a setup link: forms that, posted
/// from this site, would sign someone in or change a password.
async fn app_with_live_links() -> (TestApp, String, String) {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let r = t.redeem(&t.link_for("ana@example.com"), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t
        .post_json(
            "/password/forgot",
            &json!({"email": "ana@example.com"}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let (_, reset_token) = split_link(&t.link_for("ana@example.com"));
    t.create_tech("bob@example.com").await;
    let (_, setup_token) = split_link(&t.link_for("bob@example.com"));
    (t, setup_token, reset_token)
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", v.replace(' ', "+")))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_and_changes_nothing() {
    let (t, setup_token, reset_token) = app_with_live_links().await;
    let forms = [
        (
            "/login",
            form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]),
        ),
        (
            "/setup",
            form(&[
                ("token", &setup_token),
                ("password", NEW_PASSWORD),
                ("passwordConfirmation", NEW_PASSWORD),
            ]),
        ),
        (
            "/reset",
            form(&[
                ("token", &reset_token),
                ("password", "a brand new reset password"),
                ("passwordConfirmation", "a brand new reset password"),
            ]),
        ),
        ("/password/forgot", form(&[("email", "ana@example.com")])),
    ];
    let before = t.store.snapshot().unwrap();
    let emails_before = t.emails().len();
    for (path, fields) in &forms {
        for headers in FROM_ANOTHER_SITE {
            let what = format!("{path} with {headers:?}");
            let page = post_form_with(&t, path, headers, fields, true).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
            assert!(
                page.header("content-type")
                    .is_some_and(|c| c.starts_with("text/html")),
                "{what}"
            );
            assert!(page.body.contains("sent from another site"), "{what}");
            assert_eq!(page.header("set-cookie"), None, "{what}");
            assert_eq!(page.header("location"), None, "{what}");
            // A client that does not ask for a page gets the JSON error.
            let r = post_form_with(&t, path, headers, fields, false).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
            assert_eq!(r.error_code(), "forbidden", "{what}");
            assert!(r.json()["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("another site")));
        }
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert_eq!(t.emails().len(), emails_before, "no email was sent");
    // The links still work for their owners, from this site.
    let r = t
        .redeem(
            &format!("{BASE_URL}/setup?token={setup_token}"),
            NEW_PASSWORD,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn forms_from_this_site_and_json_api_calls_still_work() {
    let (t, setup_token, _) = app_with_live_links().await;
    let same_origin = [("origin", BASE_URL), ("sec-fetch-site", "same-origin")];
    let r = post_form_with(
        &t,
        "/setup",
        &same_origin,
        &form(&[
            ("token", &setup_token),
            ("password", NEW_PASSWORD),
            ("passwordConfirmation", NEW_PASSWORD),
        ]),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.session_cookie().is_some());
    // What a browser really sends from our pages: their `Referrer-Policy: no-referrer` makes
    // it `Origin: null`, with fetch metadata saying same-origin (the browser test caught this).
    let r = post_form_with(
        &t,
        "/login",
        &[("origin", "null"), ("sec-fetch-site", "same-origin")],
        &form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.session_cookie().is_some());
    // The origin is compared as browsers send it, whatever the case.
    let r = post_form_with(
        &t,
        "/login",
        &[("origin", "HTTPS://Onboard.Example.com")],
        &form(&[("email", "bob@example.com"), ("password", NEW_PASSWORD)]),
        true,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.session_cookie().is_some());
    // API callers send no browser headers; JSON is never taken for a form.
    let r = t.login("bob@example.com", NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t.create_tech("cleo@example.com").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// The signed-in forms ride on the `session` cookie, which the browser sends with another site's
/// form too: changing the password and signing out (everywhere) from another site are refused,
/// with the session kept and nothing changed; a bare POST without a body counts as a form.
#[tokio::test]
async fn the_signed_in_forms_are_refused_from_another_site_and_change_nothing() {
    let (t, _, _) = app_with_live_links().await;
    let session = t.login("ana@example.com", NEW_PASSWORD).await.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let cookie = format!("__Host-session={session}");
    let change = form(&[
        ("currentPassword", NEW_PASSWORD),
        ("password", "an attacker's choice of password"),
        ("passwordConfirmation", "an attacker's choice of password"),
    ]);
    let before = t.store.snapshot().unwrap();
    let emails_before = t.emails().len();
    for (path, fields) in [
        ("/password", change.as_str()),
        ("/logout", "everywhere=1"),
        ("/logout", ""),
    ] {
        for site in FROM_ANOTHER_SITE {
            let mut headers = site.to_vec();
            headers.push(("cookie", cookie.as_str()));
            let what = format!("{path} {fields:?} with {site:?}");
            let r = post_form_with(&t, path, &headers, fields, true).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.body);
            assert_eq!(r.header("set-cookie"), None, "{what}");
            // The same without a Content-Type at all.
            let mut bare = site.to_vec();
            bare.push(("cookie", cookie.as_str()));
            let r = t.send(request(Method::POST, path, &bare, fields)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{what} bare: {}", r.body);
        }
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert_eq!(t.emails().len(), emails_before, "no email was sent");
    assert!(t.app().user_for_session(&session).await.unwrap().is_some());
}
