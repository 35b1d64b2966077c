//! argon2id hash and verify time at the configured parameters and at two stronger settings, on
//! one core (the blocking call itself, no executor).

use secrecy::SecretString;
use std::time::Instant;

use super::{fmt_duration, median, Row};
use onboarding::hashing::{Argon2Params, PasswordHasher};

pub fn run(configured: Argon2Params, runs: usize) -> Vec<Row> {
    let settings = [
        ("configured", configured),
        (
            "stronger",
            Argon2Params {
                memory_kib: 47_104,
                iterations: 2,
                parallelism: 1,
            },
        ),
        (
            "strongest",
            Argon2Params {
                memory_kib: 65_536,
                iterations: 3,
                parallelism: 1,
            },
        ),
    ];
    let password = SecretString::from("copper kettle marching sideways");
    let mut rows = Vec::new();
    for (label, p) in settings {
        let hasher = PasswordHasher::new(p).expect("valid argon2 parameters");
        let phc = hasher.hash(&password).expect("hashing works");
        let hash = median(runs, || {
            let t = Instant::now();
            hasher.hash(&password).expect("hashing works");
            t.elapsed()
        });
        let verify = median(runs, || {
            let t = Instant::now();
            hasher.verify(&password, Some(&phc));
            t.elapsed()
        });
        let name = format!(
            "{label} (m={} KiB, t={}, p={})",
            p.memory_kib, p.iterations, p.parallelism
        );
        rows.push(Row::new(
            "argon2id",
            format!("hash, {name}"),
            fmt_duration(hash),
        ));
        let owasp_min = p.memory_kib >= 19_456 && p.iterations >= 2;
        let row = Row::new("argon2id", format!("verify, {name}"), fmt_duration(verify));
        rows.push(if label == "configured" {
            row.target(
                "< 50 ms, at least OWASP's m=19456 t=2",
                verify.as_millis() < 50 && owasp_min,
            )
        } else {
            row
        });
    }
    rows
}
