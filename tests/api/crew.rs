//! The admin's side of onboarding a crew, driven as an admin would: list the organisation a page
//! at a time, cancel an invite, disable and enable an account, a shorter invite, and a link
//! handed over in person (its QR code decoded for real).

use chrono::{DateTime, Duration};
use lambda_http::http::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use tests::app::*;

const TECHS: [&str; 3] = [
    "ana@northwind.example",
    "ben@northwind.example",
    "cleo@northwind.example",
];

async fn invite(t: &TestApp, email: &str) -> Value {
    let r = t.create_tech(email).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()
}

/// Invites the three techs a minute apart, so "newest first" has one answer.
async fn invite_three(t: &TestApp) -> Vec<String> {
    let mut ids = Vec::new();
    for email in TECHS {
        t.advance(Duration::minutes(1));
        let j = invite(t, email).await;
        ids.push(j["user"]["id"].as_str().unwrap().to_owned());
    }
    ids
}

async fn admin_call(t: &TestApp, method: Method, path: &str, token: &str) -> TestResponse {
    let auth = format!("Bearer {token}");
    t.send(request(
        method,
        path,
        &[("authorization", &auth)],
        Vec::new(),
    ))
    .await
}

fn emails_of(page: &Value) -> Vec<String> {
    page["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| u["user"]["email"].as_str().unwrap().to_owned())
        .collect()
}

fn cursor_query(page: &Value) -> Option<String> {
    page["nextCursor"].as_str().map(|c| format!("&cursor={c}"))
}

/// Signs the tech in at the setup link with their own password; the session's token.
async fn set_up(t: &TestApp, email: &str) -> String {
    let r = t.redeem(&t.link_for(email), NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn three_invited_techs_are_listed_newest_first_across_two_pages() {
    let t = spawn_app().await;
    invite_three(&t).await;
    let admin = t.fresh_admin_token();

    let first = admin_call(&t, Method::GET, "/users?status=invited&limit=2", &admin).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.header("cache-control"), Some("no-store"));
    let first = first.json();
    assert_eq!(
        emails_of(&first),
        ["cleo@northwind.example", "ben@northwind.example"]
    );
    assert_eq!(first["users"][0]["invite"]["status"], "sent");
    let more = cursor_query(&first).expect("a second page");
    let second = admin_call(
        &t,
        Method::GET,
        &format!("/users?status=invited&limit=2{more}"),
        &admin,
    )
    .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    let second = second.json();
    assert_eq!(emails_of(&second), ["ana@northwind.example"]);
    assert_eq!(second["nextCursor"], Value::Null);

    // Without a status: the admin too, oldest of all, on one page of the default size.
    let all = admin_call(&t, Method::GET, "/users", &admin).await.json();
    assert_eq!(
        emails_of(&all),
        [
            "cleo@northwind.example",
            "ben@northwind.example",
            "ana@northwind.example",
            ADMIN_EMAIL
        ]
    );
    assert_eq!(all["nextCursor"], Value::Null);
    assert_eq!(all["users"][3]["invite"], Value::Null);
}

#[tokio::test]
async fn a_cancelled_invite_takes_its_link_and_temporary_password_with_it_and_frees_the_email() {
    let t = spawn_app().await;
    let ids = invite_three(&t).await;
    let admin = t.fresh_admin_token();
    let link = t.link_for(TECHS[1]);

    let r = admin_call(
        &t,
        Method::DELETE,
        &format!("/users/{}/invite", ids[1]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(r.body.is_empty());

    let r = admin_call(&t, Method::GET, &format!("/users/{}", ids[1]), &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::GONE);
    let r = t.redeem(&link, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.error_code(), "token_invalid");
    let r = t.login(TECHS[1], TEMP_PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "invalid_credentials");
    let listed = admin_call(&t, Method::GET, "/users?status=invited", &admin)
        .await
        .json();
    assert_eq!(emails_of(&listed), [TECHS[2], TECHS[0]]);
    // Cancelling twice: there is nothing left to cancel.
    let r = admin_call(
        &t,
        Method::DELETE,
        &format!("/users/{}/invite", ids[1]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The email can be invited again, and the new invite works.
    let again = invite(&t, TECHS[1]).await;
    assert_ne!(again["user"]["id"], ids[1].as_str());
    set_up(&t, TECHS[1]).await;

    // Once a password is set there is no invite to cancel.
    let r = admin_call(
        &t,
        Method::DELETE,
        &format!("/users/{}/invite", again["user"]["id"].as_str().unwrap()),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "already_active");
}

#[tokio::test]
async fn a_disabled_tech_is_shut_out_everywhere_and_enabling_lets_them_sign_in_again() {
    let t = spawn_app().await;
    let ids = invite_three(&t).await;
    let admin = t.fresh_admin_token();
    let session = set_up(&t, TECHS[0]).await;
    let active = admin_call(&t, Method::GET, "/users?status=active", &admin)
        .await
        .json();
    assert_eq!(emails_of(&active), [TECHS[0], ADMIN_EMAIL]);
    assert_eq!(active["users"][0]["invite"]["status"], "used");

    // The tech's session is a valid one: not an admin's (403), not a missing one (401).
    assert_eq!(
        admin_call(&t, Method::GET, "/users", &session).await.status,
        StatusCode::FORBIDDEN
    );
    // A reset link asked for before the disable.
    let r = t
        .post_json("/password/forgot", &json!({"email": TECHS[0]}), None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    let reset_link = t.link_for(TECHS[0]);
    assert!(reset_link.contains("/reset?token="));

    let r = admin_call(
        &t,
        Method::POST,
        &format!("/users/{}/disable", ids[0]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["status"], "disabled");
    assert_eq!(r.json()["user"]["email"], TECHS[0]);

    // Session, password and links all refused.
    assert_eq!(
        admin_call(&t, Method::GET, "/users", &session).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = t.login(TECHS[0], NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.error_code(), "account_disabled");
    let r = t.login(TECHS[0], "not the password at all 99").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.error_code(), "invalid_credentials");
    let r = t.redeem(&reset_link, "another fine password 314").await;
    assert_eq!(r.status, StatusCode::GONE, "{}", r.body);
    let emails_before = t.emails().len();
    let r = t
        .post_json("/password/forgot", &json!({"email": TECHS[0]}), None)
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(t.emails().len(), emails_before, "a disabled user got mail");
    let listed = admin_call(&t, Method::GET, "/users?status=disabled", &admin)
        .await
        .json();
    assert_eq!(emails_of(&listed), [TECHS[0]]);
    let r = admin_call(&t, Method::GET, &format!("/users/{}", ids[0]), &admin).await;
    assert_eq!(r.json()["user"]["status"], "disabled");

    // Disabling again changes nothing; the answer is the same.
    let r = admin_call(
        &t,
        Method::POST,
        &format!("/users/{}/disable", ids[0]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["user"]["status"], "disabled");

    let r = admin_call(
        &t,
        Method::POST,
        &format!("/users/{}/enable", ids[0]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["status"], "active");
    let r = t.login(TECHS[0], NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // What disabling ended stays ended.
    assert_eq!(
        admin_call(&t, Method::GET, "/users", &session).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.redeem(&reset_link, "another fine password 314")
            .await
            .status,
        StatusCode::GONE
    );
}

/// A disabled account gets no reset link, but its requests are counted as anyone's, so the limit
/// tells nobody whether the account exists or is disabled.
#[tokio::test]
async fn a_disabled_accounts_reset_requests_count_against_the_limit_like_anyones() {
    let t = spawn_app().await;
    let ids = invite_three(&t).await;
    let admin = t.fresh_admin_token();
    let r = admin_call(
        &t,
        Method::POST,
        &format!("/users/{}/disable", ids[0]),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let emails_before = t.emails().len();
    let forgot = |email: &'static str| {
        let t = &t;
        async move {
            t.post_json("/password/forgot", &json!({"email": email}), None)
                .await
        }
    };
    for _ in 0..3 {
        assert_eq!(forgot(TECHS[0]).await.status, StatusCode::ACCEPTED);
        assert_eq!(
            forgot("nobody@example.com").await.status,
            StatusCode::ACCEPTED
        );
    }
    let disabled = forgot(TECHS[0]).await;
    let unknown = forgot("nobody@example.com").await;
    assert_eq!(disabled.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(disabled.header("retry-after").is_some() && unknown.header("retry-after").is_some());
    assert_eq!(
        (disabled.status, disabled.body),
        (unknown.status, unknown.body)
    );
    assert_eq!(t.emails().len(), emails_before, "a disabled user got mail");
}

#[tokio::test]
async fn a_disabled_invite_is_invited_again_when_enabled_and_its_old_link_stays_dead() {
    let t = spawn_app().await;
    let ids = invite_three(&t).await;
    let admin = t.fresh_admin_token();
    let link = t.link_for(TECHS[2]);
    let path = format!("/users/{}", ids[2]);
    let r = admin_call(&t, Method::POST, &format!("{path}/disable"), &admin).await;
    assert_eq!(r.json()["user"]["status"], "disabled");
    let r = t.login(TECHS[2], TEMP_PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.error_code(), "account_disabled");
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::GONE);
    // No fresh link for a disabled account.
    let r = t
        .post_json(&format!("{path}/invite"), &json!({}), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.error_code(), "account_disabled");

    let r = admin_call(&t, Method::POST, &format!("{path}/enable"), &admin).await;
    assert_eq!(r.json()["user"]["status"], "invited");
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::GONE);
    assert_eq!(
        t.login(TECHS[2], TEMP_PASSWORD).await.status,
        StatusCode::OK
    );
    let r = t
        .post_json(&format!("{path}/invite"), &json!({}), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    set_up(&t, TECHS[2]).await;
}

#[tokio::test]
async fn an_admin_cannot_disable_their_own_account() {
    let t = spawn_app().await;
    let admin = t.fresh_admin_token();
    let r = admin_call(
        &t,
        Method::POST,
        &format!("/users/{}/disable", t.admin.id.0),
        &admin,
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.error_code(), "cannot_disable_self");
    assert_eq!(
        t.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn another_organisations_admin_finds_none_of_our_users() {
    let t = spawn_app().await;
    let ids = invite_three(&t).await;
    set_up(&t, TECHS[0]).await;
    let other = t
        .app()
        .create_admin(
            onboarding::domain::EmailAddress::parse("boss@contoso.example").unwrap(),
            "Contoso Heating",
            SecretString::from("quartz meadow lantern 88"),
        )
        .await
        .unwrap();
    let theirs = t
        .app()
        .sessions
        .issue(&other, t.app().now())
        .expose_secret()
        .to_owned();
    let before = t.store.snapshot().unwrap();
    for id in &ids {
        for (method, path) in [
            (Method::GET, format!("/users/{id}")),
            (Method::DELETE, format!("/users/{id}/invite")),
            (Method::POST, format!("/users/{id}/invite")),
            (Method::POST, format!("/users/{id}/disable")),
            (Method::POST, format!("/users/{id}/enable")),
        ] {
            let r = admin_call(&t, method.clone(), &path, &theirs).await;
            assert_eq!(
                r.status,
                StatusCode::NOT_FOUND,
                "{method} {path}: {}",
                r.body
            );
            assert_eq!(r.error_code(), "not_found");
        }
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    for status in ["", "?status=invited", "?status=active", "?status=disabled"] {
        let page = admin_call(&t, Method::GET, &format!("/users{status}"), &theirs)
            .await
            .json();
        // Only their own admin (active), never one of ours.
        let expected: &[&str] = match status {
            "" | "?status=active" => &["boss@contoso.example"],
            _ => &[],
        };
        assert_eq!(emails_of(&page), expected, "{status}");
    }
    // Our own admin's cursor does not open their organisation either: a cursor is only a position.
    let ours = admin_call(&t, Method::GET, "/users?limit=1", &t.fresh_admin_token())
        .await
        .json();
    let more = cursor_query(&ours).unwrap();
    let page = admin_call(&t, Method::GET, &format!("/users?limit=100{more}"), &theirs)
        .await
        .json();
    assert!(emails_of(&page).iter().all(|e| e == "boss@contoso.example"));
}

/// Renders an SVG to pixels and reads the QR code in it: what a phone's camera does.
fn decode_qr(svg: &str) -> String {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("a valid SVG");
    let size = tree.size().to_int_size();
    let (w, h) = (size.width(), size.height());
    let mut pixmap = tiny_skia::Pixmap::new(w, h).expect("a non-empty image");
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let pixels = pixmap.pixels();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(w as usize, h as usize, |x, y| {
        let p = pixels[y * w as usize + x].demultiply();
        // Transparent counts as paper.
        if p.alpha() == 0 {
            255
        } else {
            p.red()
        }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

#[tokio::test]
async fn a_link_handed_over_in_person_is_not_emailed_and_its_qr_code_reads_back_as_the_link() {
    let t = spawn_app().await;
    let r = t
        .post_json(
            "/users",
            &json!({"email": "dev@northwind.example", "temporaryPassword": TEMP_PASSWORD,
                    "delivery": "link"}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!(j["invite"]["status"], "manual");
    assert!(t.emails().is_empty(), "a link delivery sent an email");
    let url = j["invite"]["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{BASE_URL}/setup?token=")),
        "{url}"
    );
    let svg = j["invite"]["qrSvg"].as_str().unwrap();
    assert_eq!(decode_qr(svg), url);
    let page = t.get(&path_of(&url)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<form"), "the setup page's form");
    // Only in that answer: reading the user shows the invite without the link.
    let id = j["user"]["id"].as_str().unwrap();
    let shown = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await
        .json();
    assert_eq!(shown["invite"]["status"], "manual");
    assert!(shown["invite"].get("url").is_none() && shown["invite"].get("qrSvg").is_none());

    // A resend as a link: a new link and code, the old link dead, still no email.
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({"delivery": "link"}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let again = r.json();
    let new_url = again["invite"]["url"].as_str().unwrap();
    assert_ne!(new_url, url);
    assert_eq!(
        decode_qr(again["invite"]["qrSvg"].as_str().unwrap()),
        new_url
    );
    assert_eq!(t.get(&path_of(&url)).await.status, StatusCode::GONE);
    assert!(t.emails().is_empty());
    let r = t.redeem(new_url, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn a_one_day_invite_expires_after_one_day_and_out_of_range_lifetimes_are_refused() {
    let t = spawn_app().await;
    let r = t
        .post_json(
            "/users",
            &json!({"email": "eve@northwind.example", "temporaryPassword": TEMP_PASSWORD,
                    "inviteExpiresInDays": 1}),
            Some(&t.admin_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    let expires = DateTime::parse_from_rfc3339(j["invite"]["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires.to_utc(), t.app().now() + Duration::days(1));
    let link = t.link_for("eve@northwind.example");
    assert!(t
        .last_email_to("eve@northwind.example")
        .text
        .contains("1 day"));
    t.advance(Duration::days(1) - Duration::seconds(1));
    assert_eq!(t.get(&path_of(&link)).await.status, StatusCode::OK);
    t.advance(Duration::seconds(1));
    let r = t.redeem(&link, NEW_PASSWORD).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert_eq!(r.error_code(), "token_expired");

    // A resend may choose its own lifetime too.
    let id = j["user"]["id"].as_str().unwrap();
    let admin = t.fresh_admin_token();
    let r = t
        .post_json(
            &format!("/users/{id}/invite"),
            &json!({"inviteExpiresInDays": 30}),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let expires =
        DateTime::parse_from_rfc3339(r.json()["invite"]["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires.to_utc(), t.app().now() + Duration::days(30));

    let before = t.store.snapshot().unwrap();
    let emails_before = t.emails().len();
    for bad in [
        json!(0),
        json!(31),
        json!("x"),
        json!(1.5),
        json!(-1),
        json!(true),
    ] {
        let r = t
            .post_json(
                "/users",
                &json!({"email": "fay@northwind.example", "temporaryPassword": TEMP_PASSWORD,
                        "inviteExpiresInDays": bad}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_request");
        assert_eq!(r.json()["error"]["field"], "inviteExpiresInDays");
        let r = t
            .post_json(
                &format!("/users/{id}/invite"),
                &json!({"inviteExpiresInDays": bad}),
                Some(&admin),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "resend {bad}: {}",
            r.body
        );
        assert_eq!(r.json()["error"]["field"], "inviteExpiresInDays");
    }
    assert_eq!(t.store.snapshot().unwrap(), before);
    assert_eq!(t.emails().len(), emails_before);
}
