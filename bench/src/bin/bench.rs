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
    // BENCH_ONLY=flows,argon2 (any of cold-starts, memory, zips, flows, mail, texts, audit, warm,
    // sessions, passkeys, argon2): those parts only, printed and not written to docs/BENCHMARKS.md.
    let only: Option<Vec<String>> = std::env::var("BENCH_ONLY")
        .ok()
        .map(|v| v.split(',').map(|p| p.trim().to_owned()).collect());
    let wanted = |part: &str| only.as_ref().is_none_or(|o| o.iter().any(|p| p == part));
    let mut rows = Vec::new();
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
    if wanted("cold-starts") {
        eprintln!("bench: cold starts ({runs} runs each, interleaved)");
        rows.extend(lambda::cold_starts(&env, runs).await?);
        let reads = services::secret_reads(&env.signing_secret_id, runs).await?;
        rows.push(bench::Row::new(
            "signing key at init",
            "GetSecretValue AWSCURRENT, AWSPENDING and AWSPREVIOUS at once, new client (moto, from the bench)",
            bench::fmt_duration(reads),
        ));
    }
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
    if wanted("memory") {
        eprintln!("bench: peak memory over a journey");
        rows.extend(lambda::peak_memory(&env, &app).await?);
    }
    if wanted("zips") {
        eprintln!("bench: zip sizes");
        rows.extend(lambda::zip_sizes(&lambda::zip_subjects())?);
    }
    let mut flow_costs = Vec::new();
    if wanted("flows") {
        eprintln!("bench: store round trips, capacity and CPU time per flow");
        let (flow_rows, costs) = bench::flows::run().await?;
        rows.extend(flow_rows);
        flow_costs = costs;
    }
    let mut mail_cost = None;
    if wanted("mail") {
        eprintln!("bench: the mailer's sweep against moto");
        let (mail_rows, cost) = bench::mail::run(200).await?;
        rows.extend(mail_rows);
        mail_cost = Some(cost);
    }
    if wanted("texts") {
        eprintln!("bench: the texts' sweep against the SMS stand-in");
        // SMS_SEND_RATE's default: what End User Messaging gives most origination identities.
        rows.extend(bench::texts::run(100, 8, 1.0).await?);
    }
    if wanted("audit") {
        eprintln!("bench: the audit log's writes per flow, the fan-out, webhook deliveries");
        // 300 deliveries a run: long enough for a rate (a fifth of a second on the embedded
        // store, about two seconds on DynamoDB Local), short enough for three runs on each.
        rows.extend(bench::audit::run(300, 3).await?);
    }
    if wanted("warm") {
        eprintln!("bench: warm routes in-process");
        rows.extend(bench::warm::run(2000).await);
    }
    if wanted("sessions") {
        eprintln!("bench: session JWTs, EdDSA beside HS256");
        rows.extend(bench::sessions::run(jwt_runs));
    }
    if wanted("passkeys") {
        eprintln!("bench: passkey verification");
        rows.extend(bench::passkeys::run(jwt_runs / 5));
    }
    if wanted("argon2") {
        eprintln!("bench: argon2id");
        rows.extend(bench::argon2::run(Argon2Params::default(), runs));
    }
    if wanted("flows") {
        eprintln!("bench: what each route costs on Lambda (modelled)");
        let template = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
        )?;
        rows.extend(bench::costs::rows(&flow_costs, &template));
        if let Some(cost) = &mail_cost {
            rows.extend(bench::costs::mailer_rows(cost, &template));
        }
    }
    let out = table(&rows);
    println!("{out}");
    if only.is_some() {
        return Ok(());
    }
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
