//! The mailer contract: one suite, written once, for every mailer. Each test gets a fresh
//! `Mailbox`: the mailer under test and a way to read back what it delivered (the outbox's
//! `.eml` files, or moto's `/moto-api/data.json`). The link in a delivered email is followed the
//! way a person would: through the very router the functions serve.

use chrono::{Duration, Utc};
use lambda_http::http::{Method, StatusCode};
use lambda_http::Body;
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;

use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::adapters::local_mailbox::{read_outbox, LocalMailbox};
use onboarding::domain::token::{issue, IssuedToken};
use onboarding::domain::{EmailAddress, OrgId, Role, TokenHash, TokenPurpose, UserId};
use onboarding::emails::{ResetEmail, WelcomeEmail};
use onboarding::ports::{FixedClock, Mailer};
use onboarding::App;

use crate::app::{request, test_config, TestResponse, ALL, BASE_URL, NEW_PASSWORD, TEMP_PASSWORD};

/// One delivered email as the mail service kept it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub html: String,
    /// The text part, where the service keeps it (moto keeps only the HTML).
    pub text: Option<String>,
}

impl Received {
    /// The setup or reset link, found in the HTML as a mail client would show it.
    pub fn link(&self) -> String {
        link_in_html(&self.html)
    }
}

#[async_trait::async_trait]
pub trait Mailbox: Send + Sync {
    fn mailer(&self) -> Arc<dyn Mailer>;
    /// The address the mailer sends from.
    fn sender(&self) -> &str;
    /// Every email delivered to `to`.
    async fn received(&self, to: &str) -> Vec<Received>;
}

/// Expands to the whole contract for one mailer. `$fresh` is an async fn returning a `Mailbox`.
#[macro_export]
macro_rules! mailer_contract {
    ($fresh:path) => {
        $crate::mailer_contract!(@each $fresh;
            a_welcome_email_arrives_from_the_sender_with_its_subject_and_working_link,
            a_reset_email_carries_a_reset_link,
            names_and_organisations_in_any_script_arrive_intact,
            each_email_reaches_only_its_recipient,
            following_the_link_in_a_welcome_email_sets_up_the_account_and_signs_in,
        );
    };
    (@each $fresh:path; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let mailbox = $fresh().await;
                $crate::mailer_contract::$name(&mailbox).await;
            }
        )*
    };
}

/// The first link on the configured base URL in an HTML body, with HTML escapes undone.
pub fn link_in_html(html: &str) -> String {
    let start = html
        .find(BASE_URL)
        .unwrap_or_else(|| panic!("no link on {BASE_URL} in: {html}"));
    let raw: String = html[start..]
        .chars()
        .take_while(|c| !matches!(c, '"' | '\'' | '<' | '>' | ' ' | '\n' | '\r'))
        .collect();
    raw.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x3d;", "=")
        .replace("&amp;", "&")
}

fn recipient(label: &str) -> EmailAddress {
    EmailAddress::parse(&format!(
        "{label}.{}@example.com",
        uuid::Uuid::new_v4().simple()
    ))
    .unwrap()
}

fn token_for(
    to: &EmailAddress,
    purpose: TokenPurpose,
    org_name: Option<&str>,
    lifetime: Duration,
) -> IssuedToken {
    let user_id = UserId::generate();
    let org_id = OrgId::generate();
    let contacts = onboarding::domain::Contacts::email(to.clone());
    issue(
        purpose,
        onboarding::domain::token::TokenSubject {
            user_id: &user_id,
            org_id: &org_id,
            contacts: &contacts,
            org_name,
            name: Some("Ana Tech"),
            created_at: Utc::now(),
            role: Role::Tech,
            locale: None,
        },
        1,
        Utc::now(),
        lifetime,
    )
}

/// The only email `to` received: exactly one, or the test fails.
async fn only_email(mailbox: &dyn Mailbox, to: &EmailAddress) -> Received {
    let mut got = mailbox.received(to.as_str()).await;
    assert_eq!(got.len(), 1, "emails to {to}: {got:#?}");
    got.remove(0)
}

fn token_of(link: &str) -> String {
    link.split_once("?token=")
        .map(|(_, t)| t.to_owned())
        .unwrap_or_else(|| panic!("no token in {link}"))
}

pub async fn a_welcome_email_arrives_from_the_sender_with_its_subject_and_working_link(
    mailbox: &dyn Mailbox,
) {
    let to = recipient("ana");
    let token = token_for(
        &to,
        TokenPurpose::Setup,
        Some("Northwind Plumbing"),
        Duration::days(7),
    );
    let message = WelcomeEmail {
        lang: onboarding::i18n::Lang::english(),
        to: &to,
        name: Some("Ana Tech"),
        org_name: Some("Northwind Plumbing"),
        token: &token,
        public_base_url: BASE_URL,
        lifetime: Duration::days(7),
        reminder: false,
    }
    .render();
    mailbox.mailer().send(&message).await.unwrap();

    let got = only_email(mailbox, &to).await;
    assert!(got.from.contains(mailbox.sender()), "from: {}", got.from);
    assert_eq!(got.subject, message.subject);
    let link = got.link();
    assert_eq!(link, token.link(BASE_URL));
    assert!(link.starts_with(&format!("{BASE_URL}/setup?token=")));
    assert_eq!(TokenHash::of(&token_of(&link)), token.record.hash);
    if let Some(text) = &got.text {
        assert!(text.contains(&link), "the text part carries the same link");
    }
}

pub async fn a_reset_email_carries_a_reset_link(mailbox: &dyn Mailbox) {
    let to = recipient("reset");
    let token = token_for(&to, TokenPurpose::Reset, None, Duration::minutes(30));
    let message = ResetEmail {
        lang: onboarding::i18n::Lang::english(),
        to: &to,
        org_name: None,
        token: &token,
        public_base_url: BASE_URL,
        lifetime: Duration::minutes(30),
    }
    .render();
    mailbox.mailer().send(&message).await.unwrap();
    let got = only_email(mailbox, &to).await;
    assert_eq!(got.subject, message.subject);
    assert!(got.link().starts_with(&format!("{BASE_URL}/reset?token=")));
    assert_eq!(TokenHash::of(&token_of(&got.link())), token.record.hash);
}

pub async fn names_and_organisations_in_any_script_arrive_intact(mailbox: &dyn Mailbox) {
    let to = recipient("zoe");
    let org = "Café Müller — Ålesund 東京";
    let token = token_for(&to, TokenPurpose::Setup, Some(org), Duration::days(7));
    let message = WelcomeEmail {
        lang: onboarding::i18n::Lang::english(),
        to: &to,
        name: Some("Zoë Ñúñez"),
        org_name: Some(org),
        token: &token,
        public_base_url: BASE_URL,
        lifetime: Duration::days(7),
        reminder: false,
    }
    .render();
    mailbox.mailer().send(&message).await.unwrap();
    let got = only_email(mailbox, &to).await;
    assert_eq!(got.subject, message.subject);
    assert!(got.html.contains("Zoë Ñúñez"), "{}", got.html);
    assert!(got.html.contains("Café Müller"), "{}", got.html);
}

pub async fn each_email_reaches_only_its_recipient(mailbox: &dyn Mailbox) {
    let (a, b) = (recipient("first"), recipient("second"));
    let mut links = Vec::new();
    let mut ids = Vec::new();
    for to in [&a, &b] {
        let token = token_for(to, TokenPurpose::Setup, None, Duration::days(7));
        let message = WelcomeEmail {
            lang: onboarding::i18n::Lang::english(),
            to,
            name: None,
            org_name: None,
            token: &token,
            public_base_url: BASE_URL,
            lifetime: Duration::days(7),
            reminder: false,
        }
        .render();
        ids.push(mailbox.mailer().send(&message).await.unwrap());
        links.push(token.link(BASE_URL));
    }
    // The id the mail service gave each email, which its delivery events name.
    assert!(ids.iter().all(|id| !id.is_empty()), "{ids:?}");
    assert_ne!(ids[0], ids[1]);
    assert_eq!(only_email(mailbox, &a).await.link(), links[0]);
    assert_eq!(only_email(mailbox, &b).await.link(), links[1]);
}

pub async fn respond(app: &App, req: lambda_http::Request) -> TestResponse {
    let (parts, body) = app.handle(req).await.into_parts();
    let body = match body {
        Body::Text(t) => t,
        Body::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
        _ => String::new(),
    };
    TestResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

pub async fn post_json(
    app: &App,
    path: &str,
    body: serde_json::Value,
    bearer: Option<&str>,
) -> TestResponse {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    respond(app, request(Method::POST, path, &headers, body.to_string())).await
}

pub async fn get_page(app: &App, path: &str) -> TestResponse {
    respond(
        app,
        request(Method::GET, path, &[("accept", "text/html")], Vec::new()),
    )
    .await
}

/// An admin of a new organisation in `app`, and their session.
pub async fn seed_admin(app: &App) -> String {
    let admin = app
        .create_admin(
            recipient("admin"),
            "Northwind Plumbing",
            SecretString::from("granite lantern orchard 57"),
        )
        .await
        .unwrap();
    app.sessions
        .issue(&admin, app.now())
        .expose_secret()
        .to_owned()
}

pub async fn following_the_link_in_a_welcome_email_sets_up_the_account_and_signs_in(
    mailbox: &dyn Mailbox,
) {
    let config = test_config(&[("SENDER_EMAIL", mailbox.sender())]);
    let store = Arc::new(EmbeddedStore::in_memory());
    let breached = onboarding::adapters::breached::from_config(&config);
    let app = App::new(
        config,
        store.clone(),
        mailbox.mailer(),
        Arc::new(onboarding::adapters::sms::TextsOff),
        Arc::new(FixedClock::new(Utc::now())),
        breached,
        ALL,
    )
    .unwrap();
    let admin_token = seed_admin(&app).await;
    let tech = recipient("tech");
    let created = post_json(
        &app,
        "/users",
        json!({"email": tech.as_str(), "temporaryPassword": TEMP_PASSWORD, "name": "Ana Tech"}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["invite"]["status"], "sent");

    let link = only_email(mailbox, &tech).await.link();
    let path = link.strip_prefix(BASE_URL).unwrap();
    let page = get_page(&app, path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("<form"), "the setup page has its form");

    let set = post_json(
        &app,
        "/setup",
        json!({"token": token_of(&link), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert_eq!(set.json()["user"]["email"], tech.as_str());
    let login = post_json(
        &app,
        "/login",
        json!({"email": tech.as_str(), "password": NEW_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json()["mustChangePassword"], false);
}

/// The outbox mailer of the local server, in a folder of its own.
pub struct OutboxMailbox {
    dir: PathBuf,
    sender: String,
    mailer: Arc<LocalMailbox>,
}

impl OutboxMailbox {
    pub async fn fresh() -> Self {
        let dir = std::env::temp_dir().join(format!("mailer-contract-{}", uuid::Uuid::new_v4()));
        let sender = "noreply@northwind.example".to_owned();
        let mailer = LocalMailbox::new(&dir, format!("Northwind Onboarding <{sender}>"), false);
        Self {
            dir,
            sender,
            mailer: Arc::new(mailer),
        }
    }
}

impl Drop for OutboxMailbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[async_trait::async_trait]
impl Mailbox for OutboxMailbox {
    fn mailer(&self) -> Arc<dyn Mailer> {
        self.mailer.clone()
    }
    fn sender(&self) -> &str {
        &self.sender
    }
    async fn received(&self, to: &str) -> Vec<Received> {
        read_outbox(&self.dir)
            .unwrap()
            .into_iter()
            .filter(|m| m.to == to)
            .map(|m| Received {
                to: vec![m.to],
                from: m.from,
                subject: m.subject,
                html: m.html,
                text: Some(m.text),
            })
            .collect()
    }
}
