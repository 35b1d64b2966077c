//! A tech's language as an admin sets it (API.md, "Languages"): `locale` on `POST /users`, on a
//! batch's rows (JSON and CSV) and on `PATCH /users/{id}`, and on every user object the admin API
//! answers. Each story runs on the embedded store and, with `--features services`, on DynamoDB
//! Local (a fresh table per test), through the same router; emails land in a local outbox either
//! way, so links are followed as a person would.

use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};

use tests::app::{link_in, request, TestResponse, NEW_PASSWORD};
use tests::mailer_contract::respond;
use tests::on_both_stores;
use tests::stories::Api;

/// Every user of the organisation as `GET /users` lists them: email (or phone) → locale.
async fn listed(api: &Api) -> Vec<(String, Value)> {
    let r = api.get("/users?limit=100").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let user = &row["user"];
            let who = user["email"].as_str().or(user["phone"].as_str());
            (who.unwrap().to_owned(), user["locale"].clone())
        })
        .collect()
}

fn email(label: &str) -> String {
    format!(
        "{label}.{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    )
}

fn id_of(r: &TestResponse) -> String {
    r.json()["user"]["id"].as_str().unwrap().to_owned()
}

on_both_stores!(
    a_regional_tag_is_stored_as_its_language_and_shown_everywhere,
    an_unknown_locale_is_refused_at_its_field_and_creates_nobody,
    without_a_locale_a_tech_gets_the_default_locale with ("DEFAULT_LOCALE", "fr"),
    a_batchs_json_rows_take_a_locale_and_a_bad_one_fails_only_its_row,
    a_batchs_csv_locale_column_is_used_and_a_bad_cell_fails_only_its_row,
    a_locale_correction_changes_only_the_language,
    setting_up_the_account_keeps_the_language_the_admin_chose,
);

async fn a_regional_tag_is_stored_as_its_language_and_shown_everywhere(api: &Api) {
    for (tag, shown) in [
        ("es-MX", "es"),
        ("pt", "pt-BR"),
        ("DE", "de"),
        ("fr_CA", "fr"),
    ] {
        let to = email("regional");
        let created = api.invite(&to, json!({"locale": tag})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert_eq!(created.json()["user"]["locale"], shown, "{tag}");
        assert_eq!(api.user(&id_of(&created)).await["locale"], shown, "{tag}");
        let listed = listed(api).await;
        assert!(listed.contains(&(to.clone(), json!(shown))), "{listed:?}");
    }
}

async fn an_unknown_locale_is_refused_at_its_field_and_creates_nobody(api: &Api) {
    let before = listed(api).await;
    let to = email("unknown");
    for bad in [
        json!("ja"),
        json!("xx-YY"),
        json!(""),
        json!("english"),
        json!(42),
        json!(["es"]),
    ] {
        let r = api.invite(&to, json!({"locale": bad})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_request", "{bad}");
        assert_eq!(r.json()["error"]["field"], "locale", "{bad}");
    }
    assert_eq!(listed(api).await, before, "nobody was created");
    assert!(api.emails_to(&to).is_empty(), "nothing was sent");
    // The address is still free.
    let r = api.invite(&to, json!({"locale": "es"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

/// `DEFAULT_LOCALE=fr` here: a tech invited without a locale gets it, stored; the admin, made
/// without one, is shown it.
async fn without_a_locale_a_tech_gets_the_default_locale(api: &Api) {
    let to = email("default");
    let created = api.invite(&to, json!({})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["user"]["locale"], "fr");
    assert_eq!(api.user(&id_of(&created)).await["locale"], "fr");
    assert_eq!(api.user(&api.admin_id).await["locale"], "fr");
    let r = api.invite(&email("null"), json!({"locale": null})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["user"]["locale"], "fr", "null is absent");
}

async fn a_batchs_json_rows_take_a_locale_and_a_bad_one_fails_only_its_row(api: &Api) {
    let (a, b, c) = (email("row-a"), email("row-b"), email("row-c"));
    let r = api
        .post(
            "/users/batch",
            json!({"users": [
                {"email": a, "locale": "es-MX"},
                {"email": b, "locale": "ja"},
                {"email": c},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    assert_eq!(
        (body["created"].clone(), body["failed"].clone()),
        (json!(2), json!(1))
    );
    let rows = body["results"].as_array().unwrap();
    assert_eq!(rows[0]["status"], 201);
    assert_eq!(rows[0]["user"]["locale"], "es");
    assert_eq!(rows[1]["status"], 400);
    assert_eq!(rows[1]["error"]["code"], "invalid_request");
    assert_eq!(rows[1]["error"]["field"], "locale");
    assert_eq!(rows[2]["status"], 201);
    assert_eq!(rows[2]["user"]["locale"], "en", "DEFAULT_LOCALE");
    let listed = listed(api).await;
    assert!(listed.contains(&(a, json!("es"))), "{listed:?}");
    assert!(listed.contains(&(c, json!("en"))), "{listed:?}");
    assert!(
        listed.iter().all(|(who, _)| *who != b),
        "the bad row created nobody"
    );
}

async fn a_batchs_csv_locale_column_is_used_and_a_bad_cell_fails_only_its_row(api: &Api) {
    let (a, b, c) = (email("csv-a"), email("csv-b"), email("csv-c"));
    let csv = format!("email,name,Locale\r\n{a},Ana,de-AT\r\n{b},Ben,zz\r\n{c},Cleo,\r\n");
    let r = api
        .send(Method::POST, "/users/batch", "text/csv", csv)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let body = r.json();
    let rows = body["results"].as_array().unwrap();
    assert_eq!(rows[0]["status"], 201, "{}", r.body);
    assert_eq!(rows[0]["user"]["locale"], "de");
    assert_eq!(rows[1]["status"], 400);
    assert_eq!(rows[1]["error"]["field"], "locale");
    assert_eq!(rows[2]["status"], 201);
    assert_eq!(
        rows[2]["user"]["locale"], "en",
        "an empty cell is DEFAULT_LOCALE"
    );
    assert_eq!(
        api.user(rows[0]["user"]["id"].as_str().unwrap()).await["locale"],
        "de"
    );
    assert!(listed(api).await.iter().all(|(who, _)| *who != b));
}

async fn a_locale_correction_changes_only_the_language(api: &Api) {
    let to = email("patched");
    let created = api.invite(&to, json!({"locale": "en"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = id_of(&created);
    let link = link_in(&api.emails_to(&to)[0]);
    let emails = api.emails_to(&to).len();

    let r = api.patch(&id, json!({"locale": "pt"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["user"]["locale"], "pt-BR");
    assert_eq!(
        r.json()["invite"]["status"],
        created.json()["invite"]["status"]
    );
    let shown = api.user(&id).await;
    assert_eq!(shown["locale"], "pt-BR");
    assert_eq!(shown["email"], to.as_str());
    assert_eq!(api.emails_to(&to).len(), emails, "no notice");

    // Bad input changes nothing.
    for bad in [json!("ja"), json!(7)] {
        let r = api.patch(&id, json!({"locale": bad, "name": "Ana"})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.json()["error"]["field"], "locale", "{bad}");
    }
    let after = api.user(&id).await;
    assert_eq!(after, shown, "nothing changed");

    // The link the tech holds still works.
    let redeemed = api.redeem(&link).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.body);

    // An admin's own language: the session that changed it still works.
    let r = api.patch(&api.admin_id, json!({"locale": "de-CH"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(api.user(&api.admin_id).await["locale"], "de");
}

async fn setting_up_the_account_keeps_the_language_the_admin_chose(api: &Api) {
    let to = email("setup");
    let created = api.invite(&to, json!({"locale": "es-MX"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let redeemed = api.redeem(&link_in(&api.emails_to(&to)[0])).await;
    assert_eq!(redeemed.status, StatusCode::OK, "{}", redeemed.body);
    assert_eq!(redeemed.json()["user"]["locale"], "es");
    let shown = api.user(&id_of(&created)).await;
    assert_eq!(shown["status"], "active");
    assert_eq!(shown["locale"], "es", "a page's guess never overwrites it");
    // Signing in shows it too.
    let login = respond(
        &api.app,
        request(
            Method::POST,
            "/login",
            &[("content-type", "application/json")],
            json!({"email": to, "password": NEW_PASSWORD}).to_string(),
        ),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json()["user"]["locale"], "es");
}
