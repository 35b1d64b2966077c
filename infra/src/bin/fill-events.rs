//! `cargo run -p infra --bin fill-events -- --out DIR`: fills the placeholders of every file in
//! `events/` for the table that TABLE_NAME and the SDK's variables point at, and writes the
//! filled copies under DIR (they hold live tokens: keep DIR out of git, as `.local/` is).

use anyhow::Context;
use onboarding::config::{Defaults, ProcessEnv};
use onboarding::Config;
use secrecy::SecretString;
use std::path::PathBuf;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from(".local/events");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = PathBuf::from(args.next().context("--out needs a folder")?),
            other => anyhow::bail!("unknown argument {other:?}; usage: fill-events [--out DIR]"),
        }
    }
    let defaults = Defaults {
        public_base_url: Some("http://127.0.0.1:3000".to_owned()),
        session_signing_key: None::<SecretString>,
        sender_email: Some("noreply@example.com".to_owned()),
        webhook_allow_loopback: false,
    };
    let config = Config::from_env(&ProcessEnv, defaults)?;
    let app = onboarding::aws::app_from_config(config, onboarding::Serves::NONE).await?;
    let fixtures = infra::events::prepare(&app).await?;
    for function in ["create-user", "redeem-token", "login"] {
        std::fs::create_dir_all(out.join(function))?;
        for file in infra::events::event_files(function)? {
            let text = std::fs::read_to_string(&file)?;
            let name = file.file_name().context("event file name")?;
            std::fs::write(out.join(function).join(name), fixtures.fill(&text))?;
            // The contract's answer to it, beside it: what infra/check-cargo-lambda.sh expects.
            if let Some(status) = infra::events::expected_status(&file) {
                let status_file = out.join(function).join(name).with_extension("status");
                std::fs::write(status_file, format!("{status}\n"))?;
            }
        }
    }
    println!(
        "Filled events written to {} for an admin and the invited tech {}.",
        out.display(),
        fixtures.tech_email
    );
    Ok(())
}
