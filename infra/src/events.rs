//! The `events/` files and what fills their placeholders: an admin and an invited tech made in
//! the target table, the admin's and the tech's sessions, and the tech's setup and reset links. Used by the
//! `fill-events` command (for `sam local invoke`), the function tests and the bench.

use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};

use onboarding::domain::token::issue;
use onboarding::domain::{EmailAddress, Invite, InviteStatus, NewUser, Role, TokenPurpose, User};
use onboarding::services::bootstrap::generate_password;
use onboarding::App;

/// The values that make the events' placeholders real.
pub struct Fixtures {
    pub admin_token: SecretString,
    /// The invited tech's session, signed in with the temporary password (`mustChangePassword`).
    pub tech_token: SecretString,
    pub tech_email: String,
    pub new_email: String,
    pub user_id: String,
    pub setup_token: SecretString,
    /// The session cookie's name for the app's `PUBLIC_BASE_URL` (`__Host-session` over https,
    /// `session` over the local server's http).
    pub session_cookie: &'static str,
    pub reset_token: SecretString,
}

/// Makes an admin (in a new organisation) and an invited tech with a live setup link and reset
/// link, in the app's store.
pub async fn prepare(app: &App) -> anyhow::Result<Fixtures> {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let now = app.now();
    let admin = app
        .create_admin(
            EmailAddress::parse(&format!("admin-{}@example.com", &unique[..12]))?,
            "Northwind Field Service",
            generate_password(),
        )
        .await?;
    let email = EmailAddress::parse(&format!("tech-{}@example.com", &unique[..12]))?;
    let temporary = onboarding::domain::password::normalise("violet harbour tram 42");
    let invite = Invite::new(InviteStatus::Sent, now + app.config.setup_token_ttl);
    let tech = User::new_invited(
        NewUser {
            org_id: admin.org_id.clone(),
            org_name: admin.org_name.clone(),
            contacts: onboarding::domain::Contacts::email(email),
            name: Some("Ana Tech".to_owned()),
            role: Role::Tech,
            temporary_password_hash: Some(app.hasher.hash_async(temporary).await?),
            locale: Some(app.config.default_locale),
        },
        now,
        invite,
    );
    let setup = issue(
        TokenPurpose::Setup,
        tech.token_subject(),
        tech.setup_generation,
        now,
        app.config.setup_token_ttl,
    )
    .with_code(&app.codes);
    app.store.create_user(&tech, Some(&setup.record)).await?;
    let reset = issue(
        TokenPurpose::Reset,
        tech.token_subject(),
        1,
        now,
        app.config.reset_token_ttl,
    )
    .with_code(&app.codes);
    app.store.issue_token(&reset.record, None).await?;
    Ok(Fixtures {
        admin_token: app.sessions.issue(&admin, now),
        tech_token: app.sessions.issue(&tech, now),
        tech_email: tech.home().as_str().to_owned(),
        new_email: format!("new-{}@example.com", &unique[..12]),
        user_id: tech.id.0.clone(),
        setup_token: setup.plain,
        session_cookie: onboarding::http::cookies::CookieNames::of(&app.config).session,
        reset_token: reset.plain,
    })
}

impl Fixtures {
    /// An event's text with every placeholder replaced.
    pub fn fill(&self, event: &str) -> String {
        event
            .replace("{{ADMIN_TOKEN}}", self.admin_token.expose_secret())
            .replace("{{TECH_TOKEN}}", self.tech_token.expose_secret())
            .replace("{{SESSION_COOKIE}}", self.session_cookie)
            .replace("{{TECH_EMAIL}}", &self.tech_email)
            .replace("{{NEW_EMAIL}}", &self.new_email)
            .replace("{{USER_ID}}", &self.user_id)
            .replace("{{SETUP_TOKEN}}", self.setup_token.expose_secret())
            .replace("{{RESET_TOKEN}}", self.reset_token.expose_secret())
    }
}

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// Every event file of a function (`create-user`, `redeem-token`, `login`), sorted.
pub fn event_files(function: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(events_dir().join(function))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The status each event's answer must have, by file name: the contract's answer to it.
pub fn expected_status(file: &Path) -> Option<u16> {
    let name = file.file_stem()?.to_str()?;
    Some(match name {
        "post-users" => 201,
        // One result per row: the new email created, the invited tech's taken.
        "post-users-batch" => 200,
        "post-users-invite" | "get-user" | "get-users" | "patch-user" => 200,
        "post-users-disable" | "post-users-enable" => 200,
        "delete-users-invite" => 204,
        "get-setup" | "get-reset" | "get-login" | "get-forgot" => 200,
        "post-setup-form" | "post-login-form" | "post-password-form" | "get-short-link" => 303,
        "post-setup-json" | "post-reset-json" | "post-login" => 200,
        "post-forgot" => 202,
        "get-jwks" | "get-password" | "post-password-json" => 200,
        "post-logout" => 204,
        // Passkeys: the options for the link (or anyone, to sign in) and the signed-in user's
        // list; a response no authenticator signed is refused as the contract says; the events'
        // session is the temporary password's, which may not add a passkey.
        "post-setup-passkey-options" | "post-reset-passkey-options" => 200,
        "post-login-passkey-options" | "get-passkeys" | "get-passkey-js" => 200,
        "post-setup-passkey" | "post-reset-passkey" => 400,
        "post-login-passkey" => 401,
        "post-passkeys-options" | "post-passkeys" => 403,
        "delete-passkey" => 404,
        // The audit log and webhooks: the fixtures' organisation's log and the tech's timeline,
        // a registration, the list; an id no webhook has, for its deletion and its deliveries.
        "get-audit" | "get-user-events" | "get-webhooks" => 200,
        "post-webhooks" => 201,
        "delete-webhook" | "get-webhook-deliveries" => 404,
        _ => return None,
    })
}

/// Seconds since the epoch, for file names of filled events.
pub fn stamp() -> i64 {
    Utc::now().timestamp()
}
