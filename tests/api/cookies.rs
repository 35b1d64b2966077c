//! The cookies' names and the shared phone's device cookie (API.md, Conventions and "Known
//! devices"). The test app's `PUBLIC_BASE_URL` is https, so only the `__Host-` names are set and
//! read there; the browser suite covers the plain names the local server uses over http.

use lambda_http::http::{header, Method, StatusCode};
use tests::app::*;

const TECH: &str = "ana@example.com";

/// Every `Set-Cookie` of an answer.
fn set_cookies(r: &TestResponse) -> Vec<String> {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok().map(str::to_owned))
        .collect()
}

/// The value `name` is set to by an answer.
fn set_value(r: &TestResponse, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    set_cookies(r).into_iter().find_map(|c| {
        c.strip_prefix(&prefix)
            .and_then(|v| v.split(';').next())
            .map(str::to_owned)
    })
}

/// `application/x-www-form-urlencoded` for one value: everything but letters and digits escaped.
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The sign-in form, as a browser sends it, with the device cookie the browser holds.
async fn form_login(t: &TestApp, email: &str, device_cookie: Option<&str>) -> TestResponse {
    let body = format!(
        "email={}&password={}",
        percent(email),
        percent(TEMP_PASSWORD)
    );
    let cookie = device_cookie.map(|d| format!("__Host-device={d}"));
    let mut headers = vec![
        ("content-type", "application/x-www-form-urlencoded"),
        ("accept", "text/html"),
    ];
    if let Some(c) = &cookie {
        headers.push(("cookie", c.as_str()));
    }
    let r = t
        .send(request(Method::POST, "/login", &headers, body))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{email}: {}", r.body);
    r
}

async fn password_page_with(t: &TestApp, cookie: &str) -> TestResponse {
    t.send(request(
        Method::GET,
        "/password",
        &[("cookie", cookie), ("accept", "text/html")],
        Vec::new(),
    ))
    .await
}

#[tokio::test]
async fn over_https_only_host_prefixed_cookies_are_set_and_read() {
    let t = spawn_app().await;
    t.create_tech(TECH).await;
    let r = form_login(&t, TECH, None).await;
    let cookies = set_cookies(&r);
    for name in ["__Host-session", "__Host-device"] {
        let c = cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} in {cookies:?}"));
        // What a browser requires of a __Host- cookie: Secure, Path=/ and no Domain.
        assert!(c.contains("; Secure") && c.contains("; Path=/"), "{c}");
        assert!(!c.to_ascii_lowercase().contains("domain="), "{c}");
        assert!(c.contains("; HttpOnly"), "{c}");
    }
    assert!(
        cookies
            .iter()
            .all(|c| !c.starts_with("session=") && !c.starts_with("device=")),
        "no plain names over https: {cookies:?}"
    );

    let session = set_value(&r, "__Host-session").unwrap();
    let ours = password_page_with(&t, &format!("__Host-session={session}")).await;
    assert_eq!(ours.status, StatusCode::OK, "{}", ours.body);
    // A sibling subdomain can plant a plain `session` cookie for the parent domain; over https
    // it is not read, even when it holds a valid session.
    let planted = password_page_with(&t, &format!("session={session}")).await;
    assert_eq!(planted.status, StatusCode::SEE_OTHER);
    assert_eq!(planted.header("location"), Some("/login"));
    // Signing out clears the __Host- cookie.
    let out = t
        .send(request(
            Method::POST,
            "/logout",
            &[
                ("cookie", &format!("__Host-session={session}")),
                ("accept", "text/html"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            Vec::new(),
        ))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert!(
        set_cookies(&out)
            .iter()
            .any(|c| c.starts_with("__Host-session=;") && c.contains("Max-Age=0")),
        "{:?}",
        set_cookies(&out)
    );
}

#[tokio::test]
async fn a_shared_phones_device_cookie_holds_its_five_newest_users() {
    let t = spawn_app().await;
    let crew: Vec<String> = (1..=6).map(|i| format!("tech{i}@example.com")).collect();
    for email in &crew {
        t.create_tech(email).await;
    }
    // Six techs sign in on one phone in turn; each answer's device cookie puts the new user's
    // token first and keeps the others'.
    let mut held: Option<String> = None;
    let mut newest = Vec::new();
    for email in &crew {
        let r = form_login(&t, email, held.as_deref()).await;
        let cookie = set_value(&r, "__Host-device").expect("a device cookie");
        newest.push(cookie.split('~').next().unwrap().to_owned());
        held = Some(cookie);
    }
    let tokens: Vec<&str> = held.as_deref().unwrap().split('~').collect();
    let expected: Vec<&str> = newest[1..].iter().rev().map(String::as_str).collect();
    assert_eq!(tokens, expected, "the five newest users, newest first");

    // The third tech signs in again: the phone is a known device of theirs, so it keeps its
    // token, now first and held once; nobody else goes.
    let r = form_login(&t, &crew[2], held.as_deref()).await;
    let again = set_value(&r, "__Host-device").unwrap();
    let tokens: Vec<&str> = again.split('~').collect();
    assert_eq!(tokens.len(), 5, "{tokens:?}");
    assert_eq!(tokens[0], newest[2], "the same device, the same token");
    for kept in [&newest[5], &newest[4], &newest[3], &newest[1]] {
        assert!(tokens.contains(&kept.as_str()), "{kept} kept: {tokens:?}");
    }

    // Each token the cookie holds is a known device of its user: the JSON API accepts it.
    for (i, token) in [(5, &newest[5]), (1, &newest[1])] {
        let r = t
            .post_json(
                "/login",
                &serde_json::json!({"email": crew[i], "password": TEMP_PASSWORD, "deviceToken": token}),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}
