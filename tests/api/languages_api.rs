//! A tech's language as an admin sets it (API.md, "Languages"): `locale` on `POST /users`, on a
//! batch's rows (JSON and CSV) and on `PATCH /users/{id}`, and on every user object the admin API
//! answers. Each story runs on the embedded store and, with `--features services`, on DynamoDB
//! Local (a fresh table per test), through the same router; emails land in a local outbox either
//! way, so links are followed as a person would.

use chrono::DateTime;
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

use onboarding::adapters::local_mailbox::{read_outbox, LocalMailbox};
use onboarding::ports::{FixedClock, Store};
use onboarding::App;
use secrecy::{ExposeSecret, SecretString};
use tests::app::{
    link_in, request, split_link, test_config, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD, ALL,
    NEW_PASSWORD, TEMP_PASSWORD,
};
use tests::mailer_contract::respond;

/// The service on one store, with an admin of Northwind Plumbing signed in.
struct Api {
    app: App,
    admin_id: String,
    admin_token: String,
    outbox: PathBuf,
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

impl Api {
    async fn on(store: Arc<dyn Store>, overrides: &[(&str, &str)]) -> Self {
        let config = test_config(overrides);
        let outbox =
            std::env::temp_dir().join(format!("onboarding-test-outbox-{}", uuid::Uuid::new_v4()));
        let mailer = LocalMailbox::new(&outbox, config.from_header(), false);
        let breached = onboarding::adapters::breached::from_config(&config);
        let clock = Arc::new(FixedClock::new(
            DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
                .unwrap()
                .to_utc(),
        ));
        let app = App::new(
            config,
            store,
            Arc::new(mailer.clone()),
            Arc::new(mailer),
            clock,
            breached,
            ALL,
        )
        .unwrap();
        let admin = app
            .create_admin(
                onboarding::domain::EmailAddress::parse(ADMIN_EMAIL).unwrap(),
                "Northwind Plumbing",
                SecretString::from(ADMIN_PASSWORD),
            )
            .await
            .unwrap();
        let admin_token = app
            .sessions
            .issue(&admin, app.now())
            .expose_secret()
            .to_owned();
        Self {
            app,
            admin_id: admin.id.0,
            admin_token,
            outbox,
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: String,
    ) -> TestResponse {
        let auth = format!("Bearer {}", self.admin_token);
        respond(
            &self.app,
            request(
                method,
                path,
                &[("content-type", content_type), ("authorization", &auth)],
                body,
            ),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.send(Method::POST, path, "application/json", body.to_string())
            .await
    }

    async fn patch(&self, id: &str, body: Value) -> TestResponse {
        self.send(
            Method::PATCH,
            &format!("/users/{id}"),
            "application/json",
            body.to_string(),
        )
        .await
    }

    async fn get(&self, path: &str) -> TestResponse {
        let auth = format!("Bearer {}", self.admin_token);
        respond(
            &self.app,
            request(Method::GET, path, &[("authorization", &auth)], Vec::new()),
        )
        .await
    }

    /// `POST /users` of `email` with `extra` fields: the answer.
    async fn invite(&self, email: &str, extra: Value) -> TestResponse {
        let mut body = json!({"email": email, "temporaryPassword": TEMP_PASSWORD});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/users", body).await
    }

    /// Sets `NEW_PASSWORD` through the JSON API with the link's token.
    async fn redeem(&self, link: &str) -> TestResponse {
        let (path, token) = split_link(link);
        respond(
            &self.app,
            request(
                Method::POST,
                &path,
                &[("content-type", "application/json")],
                json!({"token": token, "password": NEW_PASSWORD}).to_string(),
            ),
        )
        .await
    }

    /// The user `id` as `GET /users/{id}` shows them.
    async fn user(&self, id: &str) -> Value {
        let r = self.get(&format!("/users/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["user"].clone()
    }

    /// Every user of the organisation as `GET /users` lists them: email (or phone) → locale.
    async fn listed(&self) -> Vec<(String, Value)> {
        let r = self.get("/users?limit=100").await;
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

    fn emails_to(&self, to: &str) -> Vec<String> {
        read_outbox(&self.outbox)
            .unwrap()
            .into_iter()
            .filter(|m| m.to == to)
            .map(|m| m.text)
            .collect()
    }
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

/// Expands to one test per store for each story: `embedded_<story>` and, with the services,
/// `dynamodb_<story>`, each on a fresh store.
macro_rules! on_both_stores {
    ($($story:ident $(with $overrides:expr)?),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let store = Arc::new(onboarding::adapters::embedded::EmbeddedStore::in_memory());
                    let overrides: &[(&str, &str)] = &[$($overrides)?];
                    super::$story(&super::Api::on(store, overrides).await).await;
                }
            )*
            use std::sync::Arc;
        }
        #[cfg(feature = "services")]
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let store = Arc::new(tests::services::fresh_dynamo_store().await.0);
                    let overrides: &[(&str, &str)] = &[$($overrides)?];
                    super::$story(&super::Api::on(store, overrides).await).await;
                }
            )*
            use std::sync::Arc;
        }
    };
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
        let listed = api.listed().await;
        assert!(listed.contains(&(to.clone(), json!(shown))), "{listed:?}");
    }
}

async fn an_unknown_locale_is_refused_at_its_field_and_creates_nobody(api: &Api) {
    let before = api.listed().await;
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
    assert_eq!(api.listed().await, before, "nobody was created");
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
    let listed = api.listed().await;
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
    assert!(api.listed().await.iter().all(|(who, _)| *who != b));
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
