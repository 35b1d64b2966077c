//! `make bench`: prints one markdown table and writes it to docs/BENCHMARKS.md. Needs the
//! release binaries and the test services (`make bench` builds and starts them).

use std::collections::HashMap;
use std::sync::Arc;

use bench::{lambda, services, table};
use onboarding::aws::{app_with_clients, RoundTrips};
use onboarding::config::Defaults;
use onboarding::hashing::Argon2Params;
use onboarding::ports::SystemClock;
use onboarding::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11);
    // Signing and verifying take microseconds: many more runs, for a steady median.
    let jwt_runs: usize = std::env::var("BENCH_JWT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let mut rows = Vec::new();
    eprintln!("bench: cold starts ({runs} runs each, interleaved)");
    let counter = RoundTrips::default();
    let dynamodb = services::dynamodb(&counter)?;
    let ses = services::ses(&counter)?;
    let table_name = services::fresh_table(&dynamodb).await?;
    let sender = services::verified_sender(&ses).await?;
    let signing_secret_id = services::signing_secret(bench::sessions::SIGNING_SECRET).await?;
    let env = lambda::Env {
        table: table_name.clone(),
        sender: sender.clone(),
        signing_secret_id,
    };
    rows.extend(lambda::cold_starts(&env, runs).await?);
    let reads = services::secret_reads(&env.signing_secret_id, runs).await?;
    rows.push(bench::Row::new(
        "signing key at init",
        "GetSecretValue AWSCURRENT, AWSPENDING and AWSPREVIOUS at once, new client (moto, from the bench)",
        bench::fmt_duration(reads),
    ));
    eprintln!("bench: peak memory over a journey");
    let vars: HashMap<String, String> = [
        ("TABLE_NAME", table_name.as_str()),
        ("SENDER_EMAIL", sender.as_str()),
        ("PUBLIC_BASE_URL", "https://onboard.example.com"),
        ("SESSION_SIGNING_KEY", bench::sessions::SIGNING_SECRET),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let app = app_with_clients(
        Config::from_env(&vars, Defaults::lambda())?,
        dynamodb,
        ses,
        Arc::new(SystemClock),
        onboarding::Serves::ALL,
    )?;
    rows.extend(lambda::peak_memory(&env, &app).await?);
    eprintln!("bench: zip sizes");
    rows.extend(lambda::zip_sizes(&lambda::zip_subjects())?);
    eprintln!("bench: store round trips and capacity per flow");
    rows.extend(bench::flows::run().await?);
    eprintln!("bench: the mailer's sweep against moto");
    rows.extend(bench::mail::run(200).await?);
    eprintln!("bench: warm routes in-process");
    rows.extend(bench::warm::run(2000).await);
    eprintln!("bench: session JWTs, EdDSA beside HS256");
    rows.extend(bench::sessions::run(jwt_runs));
    eprintln!("bench: argon2id");
    rows.extend(bench::argon2::run(Argon2Params::default(), runs));
    let out = table(&rows);
    println!("{out}");
    let doc = format!(
        "# Benchmarks\n\nWritten by `make bench` on {}. Medians of repeated runs on this machine; ratios are between figures of the same run. \
         Targets come from the bench issue; the bench reports them and never fails on them.\n\n{out}",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC")
    );
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/BENCHMARKS.md"),
        doc,
    )?;
    Ok(())
}
