//! The audit log's share of each flow, through the same `App::handle` the functions run, on
//! DynamoDB Local: how many events the flow wrote (as the schedule lists them), whether each
//! rode in its change's own transaction, the flow's capacity units by table and index, what its
//! event items (and the invites' expiry watches, there for `invite.expired`) cost of that, and
//! what fanning each event out costs later (no endpoint subscribed: the mark's removal alone).

use std::collections::HashMap;
use std::sync::Arc;

use lambda_http::http::Method;
use lambda_http::Request;
use secrecy::ExposeSecret;
use serde_json::Value;

use super::{fmt_split, total, Measured, Rig};
use crate::flows::{moto_last_link, request};
use crate::{services, Row};
use onboarding::adapters::ses::SesMailer;
use onboarding::aws::RoundTrips;
use onboarding::config::Defaults;
use onboarding::domain::AuditEvent;
use onboarding::ports::{SystemClock, Webhooks};
use onboarding::{App, Config};

const TARGET: &str = "each event 1 more item in its change's own transaction; its fan-out 1 write";

struct Flows<'a> {
    rig: &'a Rig,
    app: App,
    rows: Vec<Row>,
}

pub async fn run(rig: &Rig) -> anyhow::Result<Vec<Row>> {
    let ses = services::ses(&RoundTrips::default())?;
    let sender = services::verified_sender(&ses).await?;
    let env: HashMap<String, String> = [
        ("TABLE_NAME", rig.table.as_str()),
        ("SENDER_EMAIL", sender.as_str()),
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        ("SESSION_SIGNING_KEY", crate::sessions::SIGNING_SECRET),
        ("FORGOT_MIN_RESPONSE_MS", "0"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let config = Config::from_env(&env, Defaults::lambda())?;
    let mailer = SesMailer::new(ses, config.from_header(), None);
    let breached = onboarding::adapters::breached::from_config(&config);
    let app = App::new(
        config,
        Arc::new(rig.store.clone()),
        Arc::new(mailer),
        Arc::new(onboarding::adapters::sms::TextsOff),
        Arc::new(SystemClock),
        breached,
        onboarding::Serves::ALL,
    )?;
    // An admin with an invited tech (setup, sign-in, password change, reset, sign-out
    // everywhere), and a second organisation's admin and tech (disable, enable).
    let a = infra::events::prepare(&app).await?;
    let b = infra::events::prepare(&app).await?;
    let mut flows = Flows {
        rig,
        app,
        rows: Vec::new(),
    };
    // Whatever the fixtures marked goes first, so each flow lists only its own.
    rig.settle().await?;

    let admin = format!("Bearer {}", a.admin_token.expose_secret());
    let as_admin = [
        ("content-type", "application/json"),
        ("authorization", admin.as_str()),
    ];
    let json = [("content-type", "application/json")];
    let created = flows
        .step(
            "create (POST /users)",
            request(
                Method::POST,
                "/users",
                &as_admin,
                &format!(
                    r#"{{"email":"{}","temporaryPassword":"violet harbour tram 42"}}"#,
                    a.new_email
                ),
            ),
        )
        .await?;
    let new_id = created["user"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let user_path = format!("/users/{new_id}");
    flows
        .step(
            "resend (POST /users/{id}/invite)",
            request(
                Method::POST,
                &format!("{user_path}/invite"),
                &as_admin,
                "{}",
            ),
        )
        .await?;
    flows
        .step(
            "correct (PATCH /users/{id}, the name)",
            request(
                Method::PATCH,
                &user_path,
                &as_admin,
                r#"{"name":"Bo Tech"}"#,
            ),
        )
        .await?;
    flows
        .step(
            "cancel (DELETE /users/{id}/invite)",
            request(
                Method::DELETE,
                &format!("{user_path}/invite"),
                &as_admin[1..],
                "",
            ),
        )
        .await?;
    let first = "copper kettle marching sideways";
    let set_up = flows
        .step(
            "setup (POST /setup)",
            request(
                Method::POST,
                "/setup",
                &json,
                &format!(
                    r#"{{"token":"{}","password":"{first}"}}"#,
                    a.setup_token.expose_secret()
                ),
            ),
        )
        .await?;
    flows
        .step(
            "login (POST /login)",
            request(
                Method::POST,
                "/login",
                &json,
                &format!(r#"{{"email":"{}","password":"{first}"}}"#, a.tech_email),
            ),
        )
        .await?;
    let second = "granite lantern orchard humming";
    flows
        .step(
            "password change (POST /password)",
            request(
                Method::POST,
                "/password",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &bearer(&set_up)),
                ],
                &format!(r#"{{"currentPassword":"{first}","password":"{second}"}}"#),
            ),
        )
        .await?;
    flows
        .step(
            "forgot (POST /password/forgot)",
            request(
                Method::POST,
                "/password/forgot",
                &json,
                &format!(r#"{{"email":"{}"}}"#, a.tech_email),
            ),
        )
        .await?;
    let link = moto_last_link(&a.tech_email).await?;
    let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
    let reset = flows
        .step(
            "reset (POST /reset)",
            request(
                Method::POST,
                "/reset",
                &json,
                &format!(r#"{{"token":"{token}","password":"another fine passphrase here"}}"#),
            ),
        )
        .await?;
    flows
        .step(
            "sign out everywhere (POST /logout)",
            request(
                Method::POST,
                "/logout",
                &[
                    ("content-type", "application/json"),
                    ("authorization", &bearer(&reset)),
                ],
                r#"{"everywhere":true}"#,
            ),
        )
        .await?;
    let other_admin = format!("Bearer {}", b.admin_token.expose_secret());
    let other = [("authorization", other_admin.as_str())];
    for verb in ["disable", "enable"] {
        flows
            .step(
                &format!("{verb} (POST /users/{{id}}/{verb})"),
                request(
                    Method::POST,
                    &format!("/users/{}/{verb}", b.user_id),
                    &other,
                    "",
                ),
            )
            .await?;
    }
    let registered = flows
        .step(
            "register a webhook (POST /webhooks)",
            request(
                Method::POST,
                "/webhooks",
                &as_admin,
                r#"{"url":"https://hooks.example.com/onboarding","events":["*"]}"#,
            ),
        )
        .await?;
    let hook_id = registered["webhook"]["id"].as_str().unwrap_or_default();
    flows
        .step(
            "delete a webhook (DELETE /webhooks/{id})",
            request(
                Method::DELETE,
                &format!("/webhooks/{hook_id}"),
                &as_admin[1..],
                "",
            ),
        )
        .await?;
    Ok(flows.rows)
}

/// `Bearer <accessToken>` of a sign-in's answer.
fn bearer(answer: &Value) -> String {
    format!(
        "Bearer {}",
        answer["accessToken"].as_str().unwrap_or_default()
    )
}

impl Flows<'_> {
    /// Runs one request, measures it, and records its row.
    async fn step(&mut self, name: &str, req: Request) -> anyhow::Result<Value> {
        self.rig.take().await?;
        let response = self.app.handle(req).await;
        let flow = self.rig.take().await?;
        let status = response.status();
        let text = String::from_utf8_lossy(response.body()).into_owned();
        anyhow::ensure!(
            status.is_success() || status.is_redirection(),
            "{name}: {status} {text}"
        );
        // The events the flow stored, as the schedule will list them.
        let stored = self.rig.pending().await?;
        self.rig.take().await?;
        // The fan-out each of them pays later, one at a time.
        for event in &stored {
            self.rig.store.fan_out(event, &[]).await?;
        }
        let fan_out = self.rig.take().await?;
        self.rows.push(row(name, &flow, &stored, &fan_out));
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn row(name: &str, flow: &Measured, stored: &[AuditEvent], fan_out: &Measured) -> Row {
    let n = stored.len();
    let actions: Vec<&str> = stored.iter().map(|e| e.action.as_str()).collect();
    let (event_items, events) = flow.events();
    let (watch_count, watches) = flow.watches();
    let mut value = format!("{n} event{}", if n == 1 { "" } else { "s" });
    if n > 0 {
        value.push_str(&format!(" ({})", actions.join(", ")));
    }
    if watch_count > 0 {
        value.push_str(&format!(" + {watch_count} expiry watch"));
    }
    let units = flow.units();
    value.push_str(&format!(
        "; flow {units:.1} units ({})",
        fmt_split(&flow.split())
    ));
    let audit = total(&events) + total(&watches);
    if audit > 0.0 {
        value.push_str(&format!(
            ", of which audit {audit:.1} ({:.0}%): events {:.1} ({})",
            100.0 * audit / units,
            total(&events),
            fmt_split(&events)
        ));
        if watch_count > 0 {
            value.push_str(&format!(
                ", watch {:.1} ({})",
                total(&watches),
                fmt_split(&watches)
            ));
        }
    }
    if n > 0 {
        value.push_str(&format!(
            "; fan-out later {:.1} units and {:.0} round trip per event",
            fan_out.units() / n as f64,
            fan_out.calls.len() as f64 / n as f64,
        ));
    }
    // DynamoDB Local's own figure, beside the mirrored one, when they differ.
    if (flow.reported - units).abs() > 0.01 {
        value.push_str(&format!(
            " (DynamoDB Local's own report for the flow: {:.1})",
            flow.reported
        ));
    }
    // Measured, not assumed: every event the flow stored is one put in a transaction that also
    // holds its change, and each fan-out is one round trip.
    let in_own_write = event_items == n && flow.events_alone() == 0;
    let one_write = fan_out.calls.len() == n
        && fan_out.calls.iter().all(|c| c == "TransactWriteItems")
        && fan_out.write_items() == n;
    Row::new("audit per flow", name, value).target(TARGET, in_own_write && one_write)
}
