//! `GET /s/{token}`, the short form of a link that text messages carry: a `303` to the link's
//! page on the public base URL, which consumes nothing.

use tests::app::*;

#[tokio::test]
async fn a_short_link_opens_its_links_page_and_consumes_nothing() {
    let app = spawn_app().await;
    let email = "short.link@example.com";
    assert_eq!(app.create_tech(email).await.status, 201);
    let (path, token) = split_link(&app.link_for(email));
    assert_eq!(path, "/setup");

    for _ in 0..2 {
        let r = app.get(&format!("/s/{token}")).await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some(format!("{BASE_URL}/setup?token={token}").as_str())
        );
    }
    // Opened twice and still unused: the link sets the password once.
    let redeemed = app
        .redeem(
            &format!("{BASE_URL}/setup?token={token}"),
            "correct horse battery staple 9",
        )
        .await;
    assert_eq!(redeemed.status, 200, "{}", redeemed.body);

    // A reset link's short form opens the reset page.
    let forgot = app
        .post_json(
            "/password/forgot",
            &serde_json::json!({"email": email}),
            None,
        )
        .await;
    assert_eq!(forgot.status, 202);
    let (path, reset) = split_link(&app.link_for(email));
    assert_eq!(path, "/reset");
    let r = app.get(&format!("/s/{reset}")).await;
    assert_eq!(
        r.header("location"),
        Some(format!("{BASE_URL}/reset?token={reset}").as_str())
    );
}

#[tokio::test]
async fn a_short_link_that_is_not_a_token_opens_the_code_form() {
    let app = spawn_app().await;
    for junk in ["nope", "a%0d%0aSet-Cookie:x=1"] {
        let r = app.get(&format!("/s/{junk}")).await;
        assert_eq!(r.status, 303);
        assert_eq!(
            r.header("location"),
            Some(format!("{BASE_URL}/setup").as_str())
        );
    }
}
