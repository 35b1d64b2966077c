//! The schedule as the local server runs it (`infra::local::run_schedule`, on the real clock,
//! every `SCHEDULE_EVERY`), with the contract's short lifetimes: `SETUP_TOKEN_TTL=30s`,
//! `REMINDER_BEFORE=25s`, `SCHEDULE_EVERY=1s`. A waiting invite gets exactly one reminder, its
//! link works and the welcome link then does not; an active or cancelled user gets none.

use lambda_http::http::{Method, StatusCode};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

use infra::local::Local;
use onboarding::adapters::local_mailbox::{read_outbox, OutboxMessage};
use onboarding::ports::SystemClock;
use tests::app::*;

struct Live {
    local: Local,
    outbox: std::path::PathBuf,
    admin_token: String,
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.outbox);
    }
}

impl Live {
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> TestResponse {
        let auth = format!("Bearer {}", self.admin_token);
        let mut headers = vec![("authorization", auth.as_str())];
        if body.is_some() {
            headers.push(("content-type", "application/json"));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let response =
            onboarding::http::call(self.local.router(), request(method, path, &headers, body))
                .await;
        let (parts, body) = response.into_parts();
        let body = match body {
            lambda_http::Body::Text(t) => t,
            lambda_http::Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
            _ => String::new(),
        };
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    fn emails_to(&self, to: &str) -> Vec<OutboxMessage> {
        read_outbox(&self.outbox)
            .unwrap()
            .into_iter()
            .filter(|m| m.to == to)
            .collect()
    }

    async fn invite(&self, email: &str) -> String {
        let r = self
            .call(
                Method::POST,
                "/users",
                Some(json!({"email": email, "temporaryPassword": TEMP_PASSWORD})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.json()["user"]["id"].as_str().unwrap().to_owned()
    }
}

async fn live_server() -> Live {
    let config = test_config(&[
        ("SETUP_TOKEN_TTL", "30s"),
        ("REMINDER_BEFORE", "25s"),
        ("SCHEDULE_EVERY", "1s"),
    ]);
    let (app, _, outbox, _, admin_token) = app_with_admin(config, Arc::new(SystemClock)).await;
    Live {
        local: Local::new(app, Some(outbox.clone())),
        outbox,
        admin_token,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_local_schedule_sends_exactly_one_reminder_and_none_for_active_or_cancelled_users() {
    let live = live_server().await;
    let _schedule = infra::local::run_schedule(live.local.app.services.clone());
    let started = Instant::now();

    let waiting = "waiting@northwind.example";
    live.invite(waiting).await;
    let welcome = link_in(&live.emails_to(waiting)[0].text);

    let active = "active@northwind.example";
    live.invite(active).await;
    let (path, token) = split_link(&link_in(&live.emails_to(active)[0].text));
    let set = live
        .call(
            Method::POST,
            &path,
            Some(json!({"token": token, "password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);

    let cancelled = "cancelled@northwind.example";
    let id = live.invite(cancelled).await;
    let cancel = live
        .call(Method::DELETE, &format!("/users/{id}/invite"), None)
        .await;
    assert_eq!(cancel.status, StatusCode::NO_CONTENT, "{}", cancel.body);

    // The reminder is due 5 s in (25 s before the 30 s link expires); the schedule runs every
    // second, so it comes within a few seconds of that.
    let reminder = loop {
        let found = live.emails_to(waiting);
        if found.len() > 1 {
            break found
                .into_iter()
                .find(|m| m.subject.starts_with("Reminder:"))
                .unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no reminder after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "not before its time"
    );
    // Several more runs of the schedule: still exactly one.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        live.emails_to(waiting).len(),
        2,
        "the welcome and one reminder"
    );
    assert_eq!(live.emails_to(active).len(), 1, "the welcome only");
    assert_eq!(live.emails_to(cancelled).len(), 1, "the welcome only");

    // The reminder's link works; the welcome link does not any more.
    let link = link_in(&reminder.text);
    let page = |link: String| {
        let live = &live;
        async move {
            let path = link.strip_prefix(BASE_URL).unwrap().to_owned();
            live.call(Method::GET, &path, None).await.status
        }
    };
    assert_eq!(page(welcome).await, StatusCode::GONE);
    assert_eq!(page(link.clone()).await, StatusCode::OK);
    let (path, token) = split_link(&link);
    let set = live
        .call(
            Method::POST,
            &path,
            Some(json!({"token": token, "password": NEW_PASSWORD})),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}
