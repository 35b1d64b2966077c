//! The functions as Lambda runs them, under the Runtime API emulator: cold start (exec to the
//! first `/next` poll, and exec to the first response for a route without hashing) beside the
//! floor (a hello-world lambda_http binary) and a Python peer under awslambdaric, each function
//! with its session signing key in `SESSION_SIGNING_KEY` and read from Secrets Manager
//! (`SESSION_SIGNING_SECRET_ID`, as deployed; moto answers); peak memory (RSS) per function over a
//! full journey; zip size per function.

use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{fmt_duration, services, Row};
use lambda_emulator::{Emulator, Outcome};

/// A program to start under the emulator.
pub struct Subject {
    pub name: &'static str,
    pub program: PathBuf,
    pub args: Vec<String>,
    pub dir: Option<PathBuf>,
    pub key: KeySource,
}

/// Where a function finds its session signing key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// `SESSION_SIGNING_KEY`, the secret itself in the environment (`sam local`, `cargo lambda`).
    EnvVar,
    /// `SESSION_SIGNING_SECRET_ID`, read from Secrets Manager at init (as deployed).
    SecretsManager,
}

pub struct Env {
    pub table: String,
    pub sender: String,
    /// The Secrets Manager secret (in moto) that holds the bench's signing key.
    pub signing_secret_id: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn release_binary(name: &str) -> PathBuf {
    workspace().join("target/release").join(name)
}

fn spawn(
    subject: &Subject,
    emulator: &Emulator,
    env: &Env,
    argon2: (&str, &str),
) -> anyhow::Result<Child> {
    let mut cmd = Command::new(&subject.program);
    cmd.args(&subject.args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", emulator.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", subject.name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env(
            "AWS_ENDPOINT_URL_DYNAMODB",
            services::endpoint("DYNAMODB_TEST_ENDPOINT")?,
        )
        .env(
            "AWS_ENDPOINT_URL_SESV2",
            services::endpoint("SES_TEST_ENDPOINT")?,
        )
        .env("TABLE_NAME", &env.table)
        .env("SENDER_EMAIL", &env.sender)
        .env("PUBLIC_BASE_URL", "https://onboard.example.com")
        .env("ARGON2_MEMORY_KIB", argon2.0)
        .env("ARGON2_ITERATIONS", argon2.1)
        .env("FORGOT_MIN_RESPONSE_MS", "0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    match subject.key {
        KeySource::EnvVar => {
            cmd.env("SESSION_SIGNING_KEY", crate::sessions::SIGNING_SECRET);
        }
        KeySource::SecretsManager => {
            // moto serves Secrets Manager on the endpoint it serves SES on.
            cmd.env(
                "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                services::endpoint("SES_TEST_ENDPOINT")?,
            )
            .env("SESSION_SIGNING_SECRET_ID", &env.signing_secret_id);
        }
    }
    if let Some(dir) = &subject.dir {
        cmd.current_dir(dir);
    }
    Ok(cmd.spawn()?)
}

struct Running(Child);
impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One cold start: (exec → first poll, exec → first response).
async fn cold_start(
    subject: &Subject,
    env: &Env,
    event: &str,
) -> anyhow::Result<(Duration, Duration)> {
    let emulator = Emulator::start().await?;
    let started = Instant::now();
    let _child = Running(spawn(subject, &emulator, env, ("19456", "2"))?);
    let outcome = emulator
        .invoke(event.as_bytes(), Duration::from_secs(30))
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}", subject.name))?;
    let answered = started.elapsed();
    anyhow::ensure!(
        matches!(outcome, Outcome::Response(_)),
        "{}: {outcome:?}",
        subject.name
    );
    let polled = emulator
        .first_poll()
        .ok_or_else(|| anyhow::anyhow!("{} never polled", subject.name))?;
    Ok((polled - started, answered))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn median_f64(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds as a signed difference in milliseconds: `+2.31 ms`, `-0.12 ms`.
fn signed_ms(seconds: f64) -> String {
    format!("{:+.2} ms", seconds * 1000.0)
}

/// An event of `function` without hashing, from events/.
fn light_event(function: &str) -> anyhow::Result<String> {
    let file = match function {
        "create-user" => "create-user/get-user.json",
        "redeem-token" => "redeem-token/get-setup.json",
        // The schedule on an empty table: one Query of the outbox index, nothing to send.
        "mailer" => "mailer/schedule.json",
        _ => "login/get-login.json",
    };
    Ok(std::fs::read_to_string(
        infra::events::events_dir().join(file),
    )?)
}

pub async fn cold_starts(env: &Env, runs: usize) -> anyhow::Result<Vec<Row>> {
    let venv_python = workspace().join(".venv/bin/python");
    let mut subjects = vec![Subject {
        name: "hello-lambda (floor)",
        program: release_binary("hello-lambda"),
        args: vec![],
        dir: None,
        key: KeySource::EnvVar,
    }];
    for (f, _) in FUNCTIONS {
        subjects.push(Subject {
            name: f,
            program: release_binary(f),
            args: vec![],
            dir: None,
            key: KeySource::EnvVar,
        });
    }
    for (f, _) in FUNCTIONS {
        subjects.push(Subject {
            name: f,
            program: release_binary(f),
            args: vec![],
            dir: None,
            key: KeySource::SecretsManager,
        });
    }
    subjects.push(Subject {
        name: "Python peer (awslambdaric + boto3)",
        program: venv_python,
        args: vec!["-m".into(), "awslambdaric".into(), "handler.handler".into()],
        dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-peer")),
        key: KeySource::EnvVar,
    });
    for s in &subjects {
        anyhow::ensure!(
            s.program.exists(),
            "{} is missing: `make bench` builds it",
            s.program.display()
        );
    }
    // Runs interleave the subjects, so a noisy moment hits all of them alike.
    let mut inits: Vec<Vec<Duration>> = vec![Vec::new(); subjects.len()];
    let mut firsts: Vec<Vec<Duration>> = vec![Vec::new(); subjects.len()];
    let login_event = light_event("login")?;
    for _ in 0..runs {
        for (i, s) in subjects.iter().enumerate() {
            let event = if s.program.ends_with("create-user") {
                // No admin session: a 401 that touches neither argon2 nor the store.
                light_event("create-user")?
                    .replace("{{ADMIN_TOKEN}}", "none")
                    .replace("{{USER_ID}}", "x")
            } else if s.program.ends_with("redeem-token") {
                light_event("redeem-token")?.replace("{{SETUP_TOKEN}}", "")
            } else if s.program.ends_with("mailer") {
                light_event("mailer")?
            } else {
                login_event.clone()
            };
            let (init, first) = cold_start(s, env, &event).await?;
            inits[i].push(init);
            firsts[i].push(first);
        }
    }
    let inits_by_run = inits.clone();
    let init: Vec<Duration> = inits.into_iter().map(median).collect();
    let first: Vec<Duration> = firsts.into_iter().map(median).collect();
    let floor = init[0];
    let python = init[subjects.len() - 1];
    let mut rows = Vec::new();
    let mut key_rows = Vec::new();
    for (i, s) in subjects.iter().enumerate() {
        let ratio = init[i].as_secs_f64() / floor.as_secs_f64();
        let value = format!(
            "init {} ({ratio:.2}× floor); first response {}",
            fmt_duration(init[i]),
            fmt_duration(first[i])
        );
        let is_function = FUNCTIONS.iter().any(|(f, _)| *f == s.name);
        let what = match s.key {
            KeySource::SecretsManager => format!("{}, key from Secrets Manager", s.name),
            KeySource::EnvVar => s.name.to_owned(),
        };
        let row = Row::new("cold start", what, value);
        rows.push(if is_function {
            let vs_python = python.as_secs_f64() / init[i].as_secs_f64();
            let mut row = row.target(
                "init ≤ 2× floor and ≥ 10× faster than Python",
                ratio <= 2.0 && vs_python >= 10.0,
            );
            row.value
                .push_str(&format!("; Python peer's init is {vs_python:.1}× this"));
            row
        } else {
            row
        });
        // What reading the key adds: this function's init beside its own run with the key in
        // the environment, from the same interleaved runs.
        if s.key == KeySource::SecretsManager {
            let by_env = subjects
                .iter()
                .position(|o| o.name == s.name && o.key == KeySource::EnvVar)
                .expect("every function also runs with the key in the environment");
            let paired: Vec<f64> = inits_by_run[i]
                .iter()
                .zip(&inits_by_run[by_env])
                .map(|(sm, ev)| sm.as_secs_f64() - ev.as_secs_f64())
                .collect();
            key_rows.push(Row::new(
                "signing key at init",
                format!("{}: Secrets Manager vs SESSION_SIGNING_KEY", s.name),
                format!(
                    "init {} vs {}: {} (median of paired runs {})",
                    fmt_duration(init[i]),
                    fmt_duration(init[by_env]),
                    signed_ms(init[i].as_secs_f64() - init[by_env].as_secs_f64()),
                    signed_ms(median_f64(paired)),
                ),
            ));
        }
    }
    rows.extend(key_rows);
    Ok(rows)
}

fn peak_rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM for {pid}"))
}

/// A full journey, each function in its own process with the configured argon2 (19 MiB):
/// create the user, open the setup page and set the password, sign in. Peak RSS of each.
pub async fn peak_memory(env: &Env, app: &onboarding::App) -> anyhow::Result<Vec<Row>> {
    let fixtures = infra::events::prepare(app).await?;
    let read = |f: &str| -> anyhow::Result<String> {
        Ok(fixtures.fill(&std::fs::read_to_string(
            infra::events::events_dir().join(f),
        )?))
    };
    let journey: [(&str, Vec<String>); 4] = [
        (
            "create-user",
            vec![
                read("create-user/post-users.json")?,
                read("create-user/get-user.json")?,
            ],
        ),
        (
            "redeem-token",
            vec![
                read("redeem-token/get-setup.json")?,
                read("redeem-token/post-setup-json.json")?,
            ],
        ),
        (
            "login",
            vec![
                read("login/get-login.json")?,
                read("login/post-forgot.json")?,
            ],
        ),
        // The mail the journey queued, and what SES says of it.
        (
            "mailer",
            vec![read("mailer/schedule.json")?, read("mailer/delivery.json")?],
        ),
    ];
    let mut rows = Vec::new();
    for (function, events) in journey {
        let emulator = Emulator::start().await?;
        let subject = Subject {
            name: function,
            program: release_binary(function),
            args: vec![],
            dir: None,
            key: KeySource::EnvVar,
        };
        let child = Running(spawn(&subject, &emulator, env, ("19456", "2"))?);
        for e in &events {
            let outcome = emulator
                .invoke(e.as_bytes(), Duration::from_secs(30))
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            anyhow::ensure!(
                matches!(outcome, Outcome::Response(_)),
                "{function}: {outcome:?}"
            );
        }
        // The signed-in tech's sign-in, with their new password: argon2 verify at 19 MiB.
        if function == "login" {
            let login = read("login/post-login.json")?
                .replace("violet harbour tram 42", "copper kettle marching sideways");
            let outcome = emulator
                .invoke(login.as_bytes(), Duration::from_secs(30))
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            let Outcome::Response(body) = outcome else {
                anyhow::bail!("login failed")
            };
            let status = serde_json::from_slice::<serde_json::Value>(&body)?["statusCode"].clone();
            anyhow::ensure!(status == 200, "login after setup answered {status}");
        }
        let kib = peak_rss_kib(child.0.id())?;
        rows.push(
            Row::new(
                "peak memory",
                format!("{function} (RSS over its part of a journey)"),
                format!("{:.1} MiB", kib as f64 / 1024.0),
            )
            .target("< 64 MiB", kib < 64 * 1024),
        );
    }
    let _ = fixtures.admin_token.expose_secret();
    Ok(rows)
}

/// The three functions: the crate name and the template's logical id.
const FUNCTIONS: [(&str, &str); 4] = [
    ("create-user", "CreateUserFunction"),
    ("redeem-token", "RedeemTokenFunction"),
    ("login", "LoginFunction"),
    ("mailer", "MailerFunction"),
];

/// Each function's release binary for this machine's architecture, and for arm64 (Lambda's
/// default here) the `bootstrap` that `sam build` left in `.aws-sam/build-arm64` when
/// `make bench` could build it (bench/bench.sh does, with the aarch64 toolchain installed).
pub fn zip_subjects() -> Vec<(String, PathBuf)> {
    let mut subjects: Vec<(String, PathBuf)> = FUNCTIONS
        .iter()
        .map(|(f, _)| {
            (
                format!("{f} ({})", std::env::consts::ARCH),
                release_binary(f),
            )
        })
        .collect();
    if std::env::consts::ARCH != "aarch64" {
        for (f, logical_id) in FUNCTIONS {
            let bootstrap = workspace()
                .join(".aws-sam/build-arm64")
                .join(logical_id)
                .join("bootstrap");
            if bootstrap.is_file() {
                subjects.push((format!("{f} (arm64, sam build)"), bootstrap));
            }
        }
    }
    subjects
}

/// The most recently changed of the files a function's release binary is built from: the
/// functions' crates (the shared library among them) and the workspace's manifest and lock file.
fn newest_source() -> anyhow::Result<(std::time::SystemTime, PathBuf)> {
    fn walk(dir: &Path, newest: &mut (std::time::SystemTime, PathBuf)) -> anyhow::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                walk(&path, newest)?;
            } else {
                let modified = entry.metadata()?.modified()?;
                if modified > newest.0 {
                    *newest = (modified, path);
                }
            }
        }
        Ok(())
    }
    let mut newest = (std::time::SystemTime::UNIX_EPOCH, PathBuf::new());
    walk(&workspace().join("functions"), &mut newest)?;
    for file in ["Cargo.toml", "Cargo.lock"] {
        let path = workspace().join(file);
        let modified = std::fs::metadata(&path)?.modified()?;
        if modified > newest.0 {
            newest = (modified, path);
        }
    }
    Ok(newest)
}

/// libphonenumber's metadata as the `phonenumber` crate embeds it in a binary that parses numbers
/// (its build script's `database.bin`, from this build's target folder): 64 bytes from its middle
/// to look for, and its size. `None` when no release build of the crate is there.
fn phone_metadata() -> Option<(Vec<u8>, u64)> {
    let build = workspace().join("target/release/build");
    std::fs::read_dir(build)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("phonenumber-"))
        .filter_map(|e| std::fs::read(e.path().join("out/database.bin")).ok())
        .find(|db| db.len() >= 128)
        .map(|db| {
            (
                db[db.len() / 2..db.len() / 2 + 64].to_vec(),
                db.len() as u64,
            )
        })
}

/// Zip (deflate) of each binary named `bootstrap`, as Lambda takes it. The target is read as
/// Lambda reads "MB" (MiB); the row gives the bytes too, and whether the function carries the
/// phone number parser's metadata (fat LTO leaves it out of a binary that never parses one).
///
/// A binary older than any source it is built from is not the current build: refused, rather
/// than a stale size reported (`make bench` builds every binary first).
pub fn zip_sizes(subjects: &[(String, PathBuf)]) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    let (newest, changed) = newest_source()?;
    let metadata = phone_metadata();
    for (label, binary) in subjects {
        let built = std::fs::metadata(binary)
            .and_then(|m| m.modified())
            .map_err(|e| anyhow::anyhow!("{}: {e}", binary.display()))?;
        let shown = |p: &Path| {
            p.strip_prefix(workspace())
                .unwrap_or(p)
                .display()
                .to_string()
        };
        anyhow::ensure!(
            built >= newest,
            "{} was built before {} last changed, so it is not the current build: `make bench` \
             builds the functions first (cargo build --release, and sam build for arm64)",
            shown(binary),
            shown(&changed)
        );
        let out = Command::new("python3")
            .args([
                "-c",
                "import io,sys,zipfile;b=io.BytesIO();z=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED,compresslevel=9);z.write(sys.argv[1],'bootstrap');z.close();print(len(b.getvalue()))",
            ])
            .arg(binary)
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "zipping {}: {}",
            binary.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes: u64 = String::from_utf8(out.stdout)?.trim().parse()?;
        let raw = std::fs::metadata(binary)?.len();
        let phones = match &metadata {
            Some((sample, size)) => {
                let program = std::fs::read(binary)?;
                if program
                    .windows(sample.len())
                    .any(|w| w == sample.as_slice())
                {
                    format!(
                        "; carries libphonenumber's metadata ({} KiB)",
                        size.div_ceil(1024)
                    )
                } else {
                    "; without libphonenumber's metadata".to_owned()
                }
            }
            None => String::new(),
        };
        rows.push(
            Row::new(
                "zip size",
                label.clone(),
                format!(
                    "{:.2} MiB zipped ({bytes} bytes; {:.1} MiB binary{phones})",
                    bytes as f64 / 1048576.0,
                    raw as f64 / 1048576.0
                ),
            )
            .target("≤ 6 MB", bytes <= 6_000_000),
        );
    }
    Ok(rows)
}
