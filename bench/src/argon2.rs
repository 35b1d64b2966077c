//! argon2id hash and verify time at the configured parameters and at two stronger settings, on
//! one core (the blocking call itself, no executor); and, side by side in the same run, the
//! verification as it was built until 2026-12 (`argon2-probe` under the old all-"z" profile,
//! `release-size`) and the same probe under today's release profile.

use secrecy::SecretString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

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
        if label != "configured" {
            rows.push(Row::new(
                "argon2id",
                format!("verify, {name}"),
                fmt_duration(verify),
            ));
            continue;
        }
        rows.push(
            Row::new(
                "argon2id",
                format!("verify, {name}: the product (PasswordHasher, memory reused)"),
                format!("{} ({})", fmt_duration(verify), simd_path()),
            )
            .target(
                "≤ 16 ms (stretch ≤ 12 ms), at least OWASP's m=19456 t=2",
                verify <= Duration::from_millis(16) && owasp_min,
            ),
        );
        rows.extend(side_by_side(p, runs, verify));
    }
    rows
}

/// Which argon2 code runs on this machine, and on the other architecture.
fn simd_path() -> String {
    #[cfg(target_arch = "x86_64")]
    let here = if std::is_x86_feature_detected!("avx2") {
        "x86_64: the argon2 crate's AVX2 compression, picked at run time"
    } else {
        "x86_64 without AVX2: the argon2 crate's portable code"
    };
    #[cfg(not(target_arch = "x86_64"))]
    let here = "this machine: the argon2 crate's portable code";
    format!("{here}; arm64: portable code at opt-level 3, argon2 0.5 has no NEON path")
}

/// `argon2-probe` as built by `profile` (target/<profile>/argon2-probe).
fn probe(profile: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
        .join(profile)
        .join("argon2-probe")
}

/// The probe's median verification at `p`, in the probe's own process.
fn probe_verify(profile: &str, p: Argon2Params, runs: usize) -> anyhow::Result<Duration> {
    let path = probe(profile);
    let out = Command::new(&path)
        .args([
            p.memory_kib.to_string(),
            p.iterations.to_string(),
            runs.to_string(),
        ])
        .output()
        .map_err(|e| anyhow::anyhow!("{}: {e} (make bench builds it)", path.display()))?;
    anyhow::ensure!(out.status.success(), "{}: {}", path.display(), out.status);
    let nanos: u64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
    Ok(Duration::from_nanos(nanos))
}

/// The verification of 2026-11 (all "z") beside today's profile and the product, same run.
fn side_by_side(p: Argon2Params, runs: usize, product: Duration) -> Vec<Row> {
    let (old, new) = match (
        probe_verify("release-size", p, runs),
        probe_verify("release", p, runs),
    ) {
        (Ok(old), Ok(new)) => (old, new),
        (Err(e), _) | (_, Err(e)) => {
            return vec![
                Row::new("argon2id", "side by side", format!("not measured: {e}"))
                    .target("≤ 0.5× the 2026-11 build", false),
            ]
        }
    };
    let ratio = product.as_secs_f64() / old.as_secs_f64();
    vec![
        Row::new(
            "argon2id",
            "verify, configured: as built until 2026-12 (opt-level \"z\", fat LTO, fresh memory; argon2-probe)",
            fmt_duration(old),
        ),
        Row::new(
            "argon2id",
            "verify, configured: the same probe under today's release profile (fresh memory)",
            format!(
                "{} ({:.2}× the old build)",
                fmt_duration(new),
                new.as_secs_f64() / old.as_secs_f64()
            ),
        ),
        Row::new(
            "argon2id",
            "verify, configured: the product against the 2026-11 build",
            format!("{:.2}× ({} vs {})", ratio, fmt_duration(product), fmt_duration(old)),
        )
        .target("≤ 0.5×", ratio <= 0.5),
    ]
}
