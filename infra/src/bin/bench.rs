//! `make bench`: prints one markdown table and writes it to docs/BENCHMARKS.md.

use infra::bench::{self, table};
use onboarding::hashing::Argon2Params;

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let mut rows = Vec::new();
    rows.extend(bench::warm::run(2000).await);
    rows.extend(bench::argon2::run(Argon2Params::default(), 11));
    let out = table(&rows);
    println!("{out}");
    let doc = format!(
        "# Benchmarks\n\nWritten by `make bench`. Medians of repeated runs on this machine; ratios are between figures of the same run.\n\n{out}"
    );
    std::fs::write(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/BENCHMARKS.md"),
        doc,
    )?;
    Ok(())
}
