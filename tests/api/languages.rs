//! Every tech in their own language (API.md, "Languages"): the pages negotiate (`?lang`, the
//! user a link belongs to, the `lang` cookie, `Accept-Language`, `DEFAULT_LOCALE`), name their
//! language in `<html lang>` and `Content-Language`, show a language menu, and carry the
//! language in their forms; a chosen language becomes the tech's locale, a guessed one never.

use lambda_http::http::Method;
use tests::app::*;

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut all = vec![("accept", "text/html")];
    all.extend_from_slice(headers);
    app.send(request(Method::GET, path, &all, Vec::new())).await
}

fn html_lang(body: &str) -> &str {
    let start = body.find("<html lang=\"").expect("<html lang>") + 12;
    &body[start..start + body[start..].find('"').unwrap()]
}

#[tokio::test]
async fn a_page_speaks_the_language_the_browser_asks_for_and_says_so() {
    let app = spawn_app().await;
    let r = get_with(
        &app,
        "/login",
        &[("accept-language", "fr-CA,fr;q=0.9,en;q=0.5")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(html_lang(&r.body), "fr");
    assert_eq!(r.header("content-language"), Some("fr"));
    assert!(!r.body.contains(">Sign in</h1>"), "{}", r.body);
    // A guess sets no cookie.
    assert!(r.header("set-cookie").is_none());

    for (asked, speaks) in [
        ("pt", "pt-BR"),
        ("pt-PT", "pt-BR"),
        ("es-MX", "es"),
        ("de-AT,de;q=0.9", "de"),
        ("ja", "en"),
        ("ja, zh;q=0.8", "en"),
        ("*", "en"),
    ] {
        let r = get_with(&app, "/password/forgot", &[("accept-language", asked)]).await;
        assert_eq!(html_lang(&r.body), speaks, "{asked}");
        assert_eq!(r.header("content-language"), Some(speaks), "{asked}");
    }
    let r = get_with(&app, "/login", &[]).await;
    assert_eq!(html_lang(&r.body), "en");
    assert!(r.body.contains(">Sign in</h1>"));
}

#[tokio::test]
async fn lang_in_the_address_wins_and_is_kept_in_a_cookie() {
    let app = spawn_app().await;
    let r = get_with(&app, "/login?lang=fr", &[("accept-language", "de")]).await;
    assert_eq!(html_lang(&r.body), "fr");
    assert_eq!(r.header("content-language"), Some("fr"));
    let cookie = r.header("set-cookie").expect("the lang cookie").to_owned();
    assert!(
        cookie.starts_with("lang=fr;")
            && cookie.contains("Path=/")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // The cookie beats Accept-Language on the next page.
    let next = get_with(
        &app,
        "/password/forgot",
        &[("cookie", "lang=fr"), ("accept-language", "de")],
    )
    .await;
    assert_eq!(html_lang(&next.body), "fr");
    // An unknown `?lang` is ignored, not an error.
    let r = get_with(&app, "/login?lang=xx", &[("accept-language", "es")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(html_lang(&r.body), "es");
    assert!(r.header("set-cookie").is_none());
}

#[tokio::test]
async fn every_page_has_a_menu_of_plain_links_and_its_forms_carry_the_language() {
    let app = spawn_app().await;
    for path in ["/login", "/password/forgot", "/setup", "/reset"] {
        let r = get_with(&app, &format!("{path}?lang=de"), &[]).await;
        let menu = &r.body[r.body.find("<nav class=\"langs\"").expect("a menu")..];
        for tag in ["en", "es", "fr", "de", "pt-BR"] {
            assert!(
                menu.contains(&format!("href=\"{path}?lang={tag}\"")),
                "{path}: {menu}"
            );
        }
        assert!(
            r.body
                .contains("<input type=\"hidden\" name=\"lang\" value=\"de\">"),
            "{path}"
        );
    }
    // A form's page speaks the language it was sent from.
    let r = app
        .post_form(
            "/login",
            &[
                ("lang", "es"),
                ("identifier", "nobody@example.com"),
                ("password", "wrong password 123"),
            ],
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(html_lang(&r.body), "es");
    assert!(!r.body.contains("don't match"), "{}", r.body);
}

#[tokio::test]
async fn error_pages_speak_the_request_s_language_and_json_errors_stay_english() {
    let app = spawn_app().await;
    let r = get_with(&app, "/nowhere", &[("accept-language", "de")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(html_lang(&r.body), "de");
    assert!(!r.body.contains("Page not found"));
    let json = app
        .post_json(
            "/login",
            &serde_json::json!({"email": "x@example.com", "password": "nope nope nope"}),
            None,
        )
        .await;
    assert_eq!(json.status, 401);
    assert!(
        json.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("don't match"),
        "{}",
        json.body
    );
}

#[tokio::test]
async fn a_link_s_page_speaks_its_user_s_language_over_the_browser_s_and_shows_the_company() {
    let app = spawn_app().await;
    let email = "lang.link@example.com";
    assert_eq!(app.create_tech(email).await.status, 201);
    let (path, token) = split_link(&app.link_for(email));
    let link = format!("{path}?token={token}");
    // The user's locale is the default (en): Accept-Language is only a guess.
    let r = get_with(&app, &link, &[("accept-language", "fr")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(html_lang(&r.body), "en");
    assert!(
        !r.body.contains("<p class=\"brand\">Team account</p>"),
        "the company, not the product"
    );
    // `?lang` beats the user's, and the menu keeps the token.
    let r = get_with(&app, &format!("{link}&lang=pt-BR"), &[]).await;
    assert_eq!(html_lang(&r.body), "pt-BR");
    assert!(
        r.body
            .contains(&format!("{path}?token={token}&amp;lang=es"))
            || r.body
                .contains(&format!("{path}?token={token}&#38;lang=es"))
    );
}

const NEW_PASSWORD: &str = "correct horse battery staple 9";

/// `PATCH /users/{id}` with a new locale, as the admin.
async fn set_locale(app: &TestApp, id: &str, locale: &str) {
    let auth = format!("Bearer {}", app.admin_token);
    let r = app
        .send(request(
            Method::PATCH,
            &format!("/users/{id}"),
            &[
                ("content-type", "application/json"),
                ("authorization", &auth),
            ],
            serde_json::json!({ "locale": locale }).to_string(),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A setup or reset form posted with `fields` and the new password, typed twice.
async fn set_password(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    let mut all = fields.to_vec();
    all.extend([
        ("password", NEW_PASSWORD),
        ("passwordConfirmation", NEW_PASSWORD),
    ]);
    app.post_form(path, &all).await
}

async fn invite(app: &TestApp, body: serde_json::Value) -> String {
    let r = app.post_json("/users", &body, Some(&app.admin_token)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["user"]["id"].as_str().unwrap().to_owned()
}

async fn locale_of(app: &TestApp, id: &str) -> String {
    let r = app
        .get_with_bearer(&format!("/users/{id}"), &app.fresh_admin_token())
        .await;
    r.json()["user"]["locale"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_spanish_tech_gets_a_spanish_invite_by_email_and_by_text() {
    let app = spawn_app().await;
    invite(
        &app,
        serde_json::json!({"email": "lucia@example.com", "temporaryPassword": TEMP_PASSWORD, "name": "Lucía", "locale": "es-MX"}),
    )
    .await;
    let email = app.last_email_to("lucia@example.com");
    assert!(
        email.subject.contains("Northwind Plumbing"),
        "{}",
        email.subject
    );
    assert_ne!(email.subject, "Set up your Northwind Plumbing account");
    assert!(email.html.contains("<html lang=\"es\">"));
    for body in [&email.html, &email.text] {
        assert!(body.contains("días") && body.contains(" de 202"), "{body}");
        assert!(
            !body.contains("Welcome") && !body.contains("temporary password"),
            "{body}"
        );
    }
    invite(
        &app,
        serde_json::json!({"phone": "+12015550123", "temporaryPassword": TEMP_PASSWORD, "locale": "es"}),
    )
    .await;
    let text = app.last_text_to("+12015550123");
    assert!(
        text.body.contains("Northwind Plumbing te invita"),
        "{}",
        text.body
    );
    assert!(text.body.ends_with("#") || text.body.rsplit('\n').next().unwrap().starts_with('@'));
}

#[tokio::test]
async fn a_language_chosen_on_the_setup_page_becomes_the_tech_s_and_every_later_message_speaks_it()
{
    let app = spawn_app().await;
    let id = invite(
        &app,
        serde_json::json!({"email": "marc@example.com", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    assert_eq!(locale_of(&app, &id).await, "en");
    let (path, token) = split_link(&app.link_for("marc@example.com"));
    // The tech picks French in the menu; the form carries it.
    let page = get_with(&app, &format!("{path}?token={token}&lang=fr"), &[]).await;
    assert_eq!(html_lang(&page.body), "fr");
    assert!(page
        .body
        .contains("<input type=\"hidden\" name=\"lang\" value=\"fr\">"));
    let r = set_password(&app, &path, &[("token", token.as_str()), ("lang", "fr")]).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(locale_of(&app, &id).await, "fr");
    // The reset email, written when it is sent, is French.
    let r = app
        .post_json(
            "/password/forgot",
            &serde_json::json!({"email": "marc@example.com"}),
            None,
        )
        .await;
    assert_eq!(r.status, 202);
    let reset = app.last_email_to("marc@example.com");
    assert!(
        reset.html.contains("<html lang=\"fr\">") && reset.text.contains("minutes"),
        "{}",
        reset.text
    );
    assert!(
        !reset.text.contains("Choose a new password"),
        "{}",
        reset.text
    );
}

#[tokio::test]
async fn a_language_only_guessed_never_overwrites_the_admin_s_choice() {
    let app = spawn_app().await;
    let id = invite(
        &app,
        serde_json::json!({"email": "joao@example.com", "temporaryPassword": TEMP_PASSWORD, "locale": "pt"}),
    )
    .await;
    assert_eq!(locale_of(&app, &id).await, "pt-BR");
    let email = app.last_email_to("joao@example.com");
    assert!(email.html.contains("<html lang=\"pt-BR\">"));
    // The code form, opened by a browser that prefers German: its language is a guess.
    let form = get_with(&app, "/setup", &[("accept-language", "de")]).await;
    assert_eq!(html_lang(&form.body), "de");
    assert!(form.body.contains("name=\"langGuessed\" value=\"1\""));
    // The code, "123 456", wherever the Portuguese sentence puts it.
    let b = email.text.as_bytes();
    let at = (0..b.len() - 6)
        .find(|&i| {
            b[i..i + 7].iter().enumerate().all(|(j, c)| {
                if j == 3 {
                    *c == b' '
                } else {
                    c.is_ascii_digit()
                }
            }) && (i == 0 || !b[i - 1].is_ascii_digit())
        })
        .expect("the code in the email");
    let code = format!("{}{}", &email.text[at..at + 3], &email.text[at + 4..at + 7]);
    // A wrong code first: the form shown again still says its language was a guess.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let again = set_password(
        &app,
        "/setup",
        &[
            ("identifier", "joao@example.com"),
            ("code", wrong),
            ("lang", "de"),
            ("langGuessed", "1"),
        ],
    )
    .await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert_eq!(html_lang(&again.body), "de");
    assert!(
        again.body.contains("name=\"langGuessed\" value=\"1\""),
        "{}",
        again.body
    );
    let r = set_password(
        &app,
        "/setup",
        &[
            ("identifier", "joao@example.com"),
            ("code", code.as_str()),
            ("lang", "de"),
            ("langGuessed", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(locale_of(&app, &id).await, "pt-BR");
}

#[tokio::test]
async fn the_schedule_writes_a_reminder_in_the_locale_the_user_has_when_it_is_sent() {
    let app = spawn_app().await;
    let id = invite(
        &app,
        serde_json::json!({"email": "greta@example.com", "temporaryPassword": TEMP_PASSWORD}),
    )
    .await;
    // The admin fixes the language after the invite went out.
    set_locale(&app, &id, "de").await;
    app.advance(chrono::Duration::days(5) + chrono::Duration::minutes(1));
    assert_eq!(app.run_schedule().await.sent, 1);
    let reminder = app.last_email_to("greta@example.com");
    assert!(
        reminder.html.contains("<html lang=\"de\">"),
        "{}",
        reminder.subject
    );
    assert!(reminder.text.contains("2 Tage"), "{}", reminder.text);
}

#[tokio::test]
async fn a_link_s_page_speaks_the_user_s_locale_as_it_is_now_and_posting_it_changes_nothing() {
    let app = spawn_app().await;
    let id = invite(
        &app,
        serde_json::json!({"email": "ines@example.com", "temporaryPassword": TEMP_PASSWORD, "locale": "es"}),
    )
    .await;
    let (path, token) = split_link(&app.link_for("ines@example.com"));
    // The admin changes the language after the invite went out.
    set_locale(&app, &id, "de").await;
    let page = get_with(
        &app,
        &format!("{path}?token={token}"),
        &[("accept-language", "fr")],
    )
    .await;
    assert_eq!(html_lang(&page.body), "de");
    // The page's language is the user's own, not the tech's choice: the form says so.
    assert!(
        page.body.contains("name=\"langGuessed\" value=\"1\""),
        "{}",
        page.body
    );
    let r = app
        .post_form(
            &path,
            &[
                ("token", token.as_str()),
                ("lang", "de"),
                ("langGuessed", "1"),
                ("password", "correct horse battery staple 9"),
                ("passwordConfirmation", "short"),
            ],
        )
        .await;
    // Shown again (the confirmation differs), still a guess, still German.
    assert_eq!(r.status, 400);
    assert_eq!(html_lang(&r.body), "de");
    assert!(r.body.contains("name=\"langGuessed\" value=\"1\""));
    let r = set_password(
        &app,
        &path,
        &[
            ("token", token.as_str()),
            ("lang", "de"),
            ("langGuessed", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(locale_of(&app, &id).await, "de");
}
