//! `first-admin --email E --org-name N`: the first admin of a fresh deployment. Reads the same
//! configuration as the functions (TABLE_NAME, SENDER_EMAIL, PUBLIC_BASE_URL, and the SDK's
//! region, credentials and endpoints; no signing key, since it issues no session), creates an invited admin with no password,
//! and emails them a setup link. It prints nothing secret: no password, link or session.

use anyhow::Context;
use onboarding::config::{Defaults, Env, ProcessEnv, SessionKeySource};
use onboarding::domain::session::SigningSecrets;
use onboarding::domain::{EmailAddress, InviteStatus};
use onboarding::services::bootstrap::BootstrapError;
use onboarding::Config;
use secrecy::SecretString;

const USAGE: &str = "usage: first-admin --email ADDRESS --org-name NAME";

/// The process environment without the signing-key variables, which this command never uses.
struct NoSigningKey(ProcessEnv);

impl Env for NoSigningKey {
    fn get(&self, var: &str) -> Option<String> {
        match var {
            "SESSION_SIGNING_SECRET_ID"
            | "SESSION_SIGNING_KEY"
            | "SESSION_PREVIOUS_SIGNING_KEY" => None,
            _ => self.0.get(var),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut email = None;
    let mut org_name = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--email" => email = args.next(),
            "--org-name" => org_name = args.next(),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}; {USAGE}"),
        }
    }
    let email =
        EmailAddress::parse(&email.context(USAGE)?).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let org_name = org_name.context(USAGE)?;
    // It issues no session, so it reads no signing key: an operator who only invites the first
    // admin needs no access to the key's secret. A throwaway key stands in.
    let throwaway = SecretString::from(format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ));
    let defaults = Defaults {
        session_signing_key: Some(throwaway.clone()),
        ..Defaults::lambda()
    };
    let mut config = Config::from_env(&NoSigningKey(ProcessEnv), defaults)?;
    config.session_keys = SessionKeySource::Secrets(SigningSecrets::only(throwaway));
    let app = onboarding::aws::app_from_config(config, onboarding::Serves::NONE).await?;
    match app.invite_first_admin(email.clone(), &org_name).await {
        Ok((user, status)) => {
            println!(
                "Admin {} created for {org_name:?} (user {}, organisation {}).",
                user.home().as_str(),
                user.id.0,
                user.org_id.0
            );
            match status {
                InviteStatus::Sent | InviteStatus::Delivered => println!("A setup link was emailed to {}; it works for {}.", user.home().as_str(), onboarding::i18n::Lang::english().duration(app.config.setup_token_ttl)),
                // Queued: SES did not take it now. This tool signs with a throwaway key, so the
                // mailer cannot rebuild the link; forgot-password makes a new one.
                InviteStatus::Queued
                | InviteStatus::Failed
                | InviteStatus::Manual
                | InviteStatus::Bounced
                | InviteStatus::Complained => println!("The setup email could not be sent (see the log). Fix SES, then ask for a link at {}/password/forgot.", app.config.public_base_url),
            }
            Ok(())
        }
        Err(BootstrapError::EmailTaken) => {
            anyhow::bail!("{email} already has an account: use forgot-password to get in")
        }
        Err(e) => Err(e.into()),
    }
}
