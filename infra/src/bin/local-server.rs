//! `cargo run`: the whole service on this computer's loopback (127.0.0.1 and `[::1]`, at
//! `http://localhost:3000`) with the embedded store and the local mailbox.
//! No AWS account, no Docker. See README.md for the variables it reads.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use std::path::PathBuf;
use std::sync::Arc;

use infra::local::{serve, Local};
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::adapters::local_mailbox::LocalMailbox;
use onboarding::config::{Defaults, Env, ProcessEnv};
use onboarding::domain::EmailAddress;
use onboarding::ports::{Clock, SystemClock};
use onboarding::services::bootstrap::{generate_password, BootstrapError};
use onboarding::{App, Config, Serves};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    onboarding::telemetry::init_text();
    let env = ProcessEnv;
    let port: u16 = match env.get("PORT") {
        Some(p) => p
            .parse()
            .context("configuration: PORT: must be a port number such as 3000")?,
        None => 3000,
    };
    let data_dir = PathBuf::from(env.get("DATA_DIR").unwrap_or_else(|| ".local".to_owned()));
    // The store, the outbox (live links) and the session key live here: this user's only.
    infra::data_dir::prepare(&data_dir)?;
    let defaults = Defaults {
        // `localhost`, not 127.0.0.1: browsers refuse an IP address as a passkey's relying
        // party, and `http://localhost` is a secure context (API.md, "Passkeys").
        public_base_url: Some(format!("http://localhost:{port}")),
        session_signing_key: Some(infra::data_dir::session_key(&data_dir)?),
        sender_email: Some("noreply@onboarding.localhost".to_owned()),
        // Webhooks to a receiver on this machine (API.md, "Webhooks").
        webhook_allow_loopback: true,
    };
    let config = Config::from_env(&env, defaults)?;
    let outbox_dir = data_dir.join("outbox");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (app, outbox) = if config.table_name.is_some() {
        // DynamoDB and SES v2, at AWS or wherever AWS_ENDPOINT_URL* point.
        let app = onboarding::aws::app_from_config(config, Serves::ALL).await?;
        (app, None)
    } else {
        let store = EmbeddedStore::open(&data_dir.join("onboarding.redb"))
            .with_context(|| format!("cannot open the embedded store in {}", data_dir.display()))?
            .with_audit_retention(config.audit_retention);
        let mailer = LocalMailbox::new(&outbox_dir, config.from_header(), true);
        let breached = onboarding::adapters::breached::from_config(&config);
        let app = App::new(
            config,
            Arc::new(store),
            Arc::new(mailer.clone()),
            Arc::new(mailer),
            clock,
            breached,
            Serves::ALL,
        )?;
        (app, Some(outbox_dir.clone()))
    };
    let admin_jwt = seed_admin(&app, &env).await?;

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{port}: set PORT to a free port"))?;
    // `localhost` may name either loopback address; a machine without IPv6 has only one.
    let listener_v6 = match tokio::net::TcpListener::bind(("::1", port)).await {
        Ok(l) => Some(l),
        Err(e) => {
            println!("(not listening on [::1]:{port}: {e}; 127.0.0.1 only)");
            None
        }
    };
    let base = app.config.public_base_url.clone();
    println!("\nOnboarding service on {base}");
    match &outbox {
        Some(dir) => println!(
            "  store: {}   outbox: {} (also at {base}/_dev/mail)",
            data_dir.join("onboarding.redb").display(),
            dir.display()
        ),
        None => println!(
            "  store: DynamoDB table {}",
            app.config.table_name.as_deref().unwrap_or("")
        ),
    }
    println!(
        "\nInvite a tech (the admin's session below lasts {}):\n",
        onboarding::i18n::Lang::english().duration(app.config.session_ttl)
    );
    println!(
        "  curl -i {base}/users \\\n    -H 'Authorization: Bearer {}' \\\n    -H 'Content-Type: application/json' \\\n    -d '{{\"email\": \"ana.tech@example.com\", \"temporaryPassword\": \"violet harbour tram 42\", \"name\": \"Ana Tech\"}}'\n",
        admin_jwt.expose_secret()
    );
    // The outbox plays SES's mailbox simulator (bounce@, complaint@simulator.amazonses.com).
    let _simulator = outbox
        .clone()
        .map(|dir| infra::local::simulate_mailbox(app.services.clone(), dir));
    // The schedule that AWS runs every minute: queued email, retries and reminders.
    let _schedule = infra::local::run_schedule(app.services.clone());
    let local = Arc::new(Local::new(app, outbox));
    let v6 = async {
        match listener_v6 {
            Some(l) => serve(l, local.clone()).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        r = serve(listener, local.clone()) => r.context("the server stopped")?,
        r = v6 => r.context("the server stopped on [::1]")?,
        _ = tokio::signal::ctrl_c() => println!("\nStopped."),
    }
    Ok(())
}

/// Makes sure an admin exists and returns a fresh session for the ready-made curl.
async fn seed_admin(app: &App, env: &dyn Env) -> anyhow::Result<SecretString> {
    let email_raw = env
        .get("DEV_ADMIN_EMAIL")
        .unwrap_or_else(|| "admin@example.com".to_owned());
    let email = EmailAddress::parse(&email_raw)
        .map_err(|e| anyhow::anyhow!("configuration: DEV_ADMIN_EMAIL: {e}"))?;
    let org_name = env
        .get("DEV_ORG_NAME")
        .unwrap_or_else(|| "Northwind Field Service".to_owned());
    if let Some(existing) = app.store.user_by_email(&email).await? {
        println!("Admin: {email} (created earlier; its password was printed then, or is DEV_ADMIN_PASSWORD)");
        return Ok(app.sessions.issue(&existing, app.now()));
    }
    let (password, generated) = match env.get("DEV_ADMIN_PASSWORD") {
        Some(p) => (SecretString::from(p), false),
        None => (generate_password(), true),
    };
    let admin = match app
        .create_admin(email.clone(), &org_name, password.clone())
        .await
    {
        Ok(a) => a,
        Err(BootstrapError::EmailTaken) => {
            let a = app
                .store
                .user_by_email(&email)
                .await?
                .context("the admin vanished")?;
            return Ok(app.sessions.issue(&a, app.now()));
        }
        Err(e) => return Err(e.into()),
    };
    if generated {
        // Printed once, to this developer's console, never to the log.
        println!(
            "Admin created: {email}  password: {}  (shown once)",
            password.expose_secret()
        );
    } else {
        println!("Admin created: {email} (password from DEV_ADMIN_PASSWORD)");
    }
    Ok(app.sessions.issue(&admin, app.now()))
}
