//! Stories told on both stores: the service on the embedded store and, with `--features
//! services`, on DynamoDB Local (a fresh table per test), through the same router, with an admin of
//! Northwind Plumbing signed in; emails land in a local outbox either way, so links are followed
//! as a person would. `on_both_stores!` expands each story into one test per store.

use chrono::DateTime;
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

use crate::app::{
    request, split_link, test_config, TestResponse, ADMIN_EMAIL, ADMIN_PASSWORD, ALL, NEW_PASSWORD,
    TEMP_PASSWORD,
};
use crate::mailer_contract::respond;
use onboarding::adapters::local_mailbox::{read_outbox, LocalMailbox};
use onboarding::ports::{FixedClock, Store};
use onboarding::App;
use secrecy::{ExposeSecret, SecretString};

/// The service on one store, with an admin of Northwind Plumbing signed in.
pub struct Api {
    pub app: App,
    pub admin_id: String,
    pub admin_token: String,
    pub outbox: PathBuf,
    /// The service's clock, which a story may move on.
    pub clock: Arc<FixedClock>,
}

impl Drop for Api {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

impl Api {
    pub async fn on(store: Arc<dyn Store>, overrides: &[(&str, &str)]) -> Self {
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
            clock.clone(),
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
            clock,
        }
    }

    pub async fn send(
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

    /// A JSON request as a tech (or anyone) makes it: with `bearer`'s session, or none.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        bearer: Option<&str>,
    ) -> TestResponse {
        let auth = bearer.map(|b| format!("Bearer {b}"));
        let mut headers = vec![("content-type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("authorization", auth.as_str()));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        respond(&self.app, request(method, path, &headers, body)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.send(Method::POST, path, "application/json", body.to_string())
            .await
    }

    pub async fn patch(&self, id: &str, body: Value) -> TestResponse {
        self.send(
            Method::PATCH,
            &format!("/users/{id}"),
            "application/json",
            body.to_string(),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        let auth = format!("Bearer {}", self.admin_token);
        respond(
            &self.app,
            request(Method::GET, path, &[("authorization", &auth)], Vec::new()),
        )
        .await
    }

    /// `POST /users` of `email` with `extra` fields: the answer.
    pub async fn invite(&self, email: &str, extra: Value) -> TestResponse {
        let mut body = json!({"email": email, "temporaryPassword": TEMP_PASSWORD});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        self.post("/users", body).await
    }

    /// Sets `NEW_PASSWORD` through the JSON API with the link's token.
    pub async fn redeem(&self, link: &str) -> TestResponse {
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
    pub async fn user(&self, id: &str) -> Value {
        let r = self.get(&format!("/users/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.json()["user"].clone()
    }

    /// A session of the story's admin issued at the service's time now (the first one ends
    /// after `SESSION_TTL`, which a story moving the clock on may pass).
    pub async fn fresh_admin_token(&self) -> String {
        let id = onboarding::domain::UserId(self.admin_id.clone());
        let admin = self.app.store.user_by_id(&id).await.unwrap().unwrap();
        self.app
            .sessions
            .issue(&admin, self.app.now())
            .expose_secret()
            .to_owned()
    }

    pub fn emails_to(&self, to: &str) -> Vec<String> {
        read_outbox(&self.outbox)
            .unwrap()
            .into_iter()
            .filter(|m| m.to == to)
            .map(|m| m.text)
            .collect()
    }
}

/// Expands to one test per store for each story: `embedded_<story>` and, with the services,
/// `dynamodb_<story>`, each on a fresh store.
#[macro_export]
macro_rules! on_both_stores {
    ($($story:ident $(with $overrides:expr)?),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $story() {
                    let store = Arc::new(onboarding::adapters::embedded::EmbeddedStore::in_memory());
                    let overrides: &[(&str, &str)] = &[$($overrides)?];
                    super::$story(&$crate::stories::Api::on(store, overrides).await).await;
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
                    super::$story(&$crate::stories::Api::on(store, overrides).await).await;
                }
            )*
            use std::sync::Arc;
        }
    };
}
