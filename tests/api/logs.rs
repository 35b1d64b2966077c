//! Nothing secret reaches the logs: the whole journey runs with every log line captured, and the
//! capture is searched for each password, token, token hash, password hash and session.
//!
//! Every test shares this process, and tracing caches per call site, for every thread at once,
//! whether anyone listens: a subscriber that is only some threads' default misses the call sites
//! another test's thread met first. So the capture is behind the global subscriber, installed
//! once, whose filter is asked on every event (never cached per call site) and lets through only
//! what the capturing threads log: this test's own thread and every thread of the runtime it
//! runs the journey on. Other tests' logs go nowhere, as before.

use onboarding::telemetry::LogFilter;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};
use tests::app::*;
use tracing::Metadata;
use tracing_subscriber::filter::dynamic_filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;
use tracing_subscriber::Registry;

#[derive(Clone, Default)]
pub(crate) struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    #[cfg_attr(not(feature = "services"), allow(dead_code))]
    pub(crate) fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

thread_local! {
    /// Where this thread's log lines go, if this thread's are captured.
    static CAPTURE: RefCell<Option<Capture>> = const { RefCell::new(None) };
    /// The filter this thread's lines pass, when a test asks for the functions' own; none is
    /// every level.
    static FILTER: RefCell<Option<Arc<LogFilter>>> = const { RefCell::new(None) };
}

fn capture_this_thread(capture: Option<Capture>, filter: Option<Arc<LogFilter>>) {
    CAPTURE.with(|c| *c.borrow_mut() = capture);
    FILTER.with(|f| *f.borrow_mut() = filter);
}

/// The global subscriber: every level, as JSON (as on Lambda), from the capturing threads only.
fn install_capturing_subscriber() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let to_this_threads_capture = || CAPTURE.with(|c| c.borrow().clone().unwrap_or_default());
        tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(to_this_threads_capture)
                    .with_filter(dynamic_filter_fn(
                        |metadata: &Metadata<'_>, cx: &Context<'_, Registry>| {
                            CAPTURE.with(|c| c.borrow().is_some())
                                && FILTER.with(|f| {
                                    f.borrow().as_ref().is_none_or(|f| {
                                        Filter::<Registry>::enabled(&**f, metadata, cx)
                                    })
                                })
                        },
                    )),
            )
            .try_init()
            .expect("no other test installs a global subscriber");
        // A call site another thread met while the subscriber was being installed may have
        // cached "nobody listens"; ask again.
        tracing::callsite::rebuild_interest_cache();
    });
}

/// Runs `journey` on a runtime of its own with everything it logs captured into `capture`: from
/// the calling thread and from every thread of the runtime, its workers and its blocking pool
/// (where argon2 and the embedded store run).
fn with_logs_captured<F: Future>(capture: &Capture, journey: F) -> F::Output {
    with_logs_captured_through(capture, None, journey)
}

/// The same, the lines passing `filter` (the functions' own filter) rather than every level.
pub(crate) fn with_logs_captured_through<F: Future>(
    capture: &Capture,
    filter: Option<LogFilter>,
    journey: F,
) -> F::Output {
    install_capturing_subscriber();
    let filter = filter.map(Arc::new);
    let (for_threads, filter_for_threads) = (capture.clone(), filter.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            capture_this_thread(Some(for_threads.clone()), filter_for_threads.clone())
        })
        .on_thread_stop(|| capture_this_thread(None, None))
        .build()
        .expect("a runtime for the journey");
    capture_this_thread(Some(capture.clone()), filter.clone());
    let output = runtime.block_on(journey);
    capture_this_thread(None, None);
    output
}

#[test]
fn no_password_token_hash_or_session_is_ever_logged() {
    let capture = Capture::default();
    with_logs_captured(&capture, async {
        journey_with_secrets(&capture).await;
    });
}

async fn journey_with_secrets(capture: &Capture) {
    let t = spawn_app().await;
    let mut secrets: Vec<String> = vec![
        TEMP_PASSWORD.into(),
        NEW_PASSWORD.into(),
        ADMIN_PASSWORD.into(),
        t.admin_token.clone(),
    ];

    t.create_tech("ana@example.com").await;
    let link = t.link_for("ana@example.com");
    let (path, token) = split_link(&link);
    secrets.push(token.clone());
    secrets.push(
        Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    );
    let early = t.login("ana@example.com", TEMP_PASSWORD).await.json()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    secrets.push(early);
    t.get(&path_of(&link)).await;
    t.post_form(
        &path,
        &[
            ("token", &token),
            ("password", "weak"),
            ("passwordConfirmation", "weak"),
        ],
    )
    .await;
    let r = t
        .post_form(
            &path,
            &[
                ("token", &token),
                ("password", NEW_PASSWORD),
                ("passwordConfirmation", NEW_PASSWORD),
            ],
        )
        .await;
    secrets.push(r.session_cookie().unwrap());
    t.login("ana@example.com", "a wrong password entirely")
        .await;
    secrets.push(
        t.login("ana@example.com", NEW_PASSWORD).await.json()["accessToken"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    t.post_json(
        "/password/forgot",
        &serde_json::json!({"email": "ana@example.com"}),
        None,
    )
    .await;
    let reset = t.link_for("ana@example.com");
    let (_, reset_token) = split_link(&reset);
    secrets.push(reset_token.clone());
    t.redeem(&reset, "another fine passphrase here").await;
    secrets.push("another fine passphrase here".into());
    // A code beside a reset link: typed wrong once, then right, on the code form.
    t.post_json(
        "/password/forgot",
        &serde_json::json!({"email": "ana@example.com"}),
        None,
    )
    .await;
    let email = t.last_email_to("ana@example.com");
    let at = email.text.find(" and enter ").unwrap() + " and enter ".len();
    let spaced: String = email.text[at..].chars().take(7).collect();
    let digits = spaced.replace(' ', "");
    let wrong = if digits == "000000" {
        "000001"
    } else {
        "000000"
    };
    for code in [wrong, digits.as_str()] {
        t.post_form(
            "/reset",
            &[
                ("identifier", "ana@example.com"),
                ("code", code),
                ("password", "yet another passphrase here"),
                ("passwordConfirmation", "yet another passphrase here"),
            ],
        )
        .await;
    }
    // Six digits alone could sit inside a timestamp's fraction: looked for as a value.
    for prefix in ['"', '=', ' ', '#', ':'] {
        secrets.push(format!("{prefix}{digits}"));
    }
    secrets.push(spaced);
    secrets.push("yet another passphrase here".into());

    // A tech with only a number: invited by text, signs in by number, resets by number with
    // the text's code. Neither the link, the code nor the number reaches a log.
    let phone = "+12015550170";
    t.post_json(
        "/users",
        &serde_json::json!({"phone": phone, "temporaryPassword": TEMP_PASSWORD}),
        Some(&t.admin_token),
    )
    .await;
    let text = t.last_text_to(phone);
    let short = link_in(&text.body);
    secrets.push(short.rsplit('/').next().unwrap().to_owned());
    t.get(short.strip_prefix(BASE_URL).unwrap()).await;
    t.post_json(
        "/login",
        &serde_json::json!({"phone": phone, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    t.post_json(
        "/password/forgot",
        &serde_json::json!({"phone": phone}),
        None,
    )
    .await;
    let reset = t.last_text_to(phone);
    let code = reset.body.rsplit('#').next().unwrap().to_owned();
    secrets.push(link_in(&reset.body).rsplit('/').next().unwrap().to_owned());
    let by_code = t
        .post_json(
            "/reset",
            &serde_json::json!({"phone": phone, "code": code, "password": "a passphrase by phone"}),
            None,
        )
        .await;
    assert_eq!(
        by_code.status, 200,
        "the text's code reset the password: {}",
        by_code.body
    );
    for prefix in ['"', '=', ' ', '#', ':'] {
        secrets.push(format!("{prefix}{code}"));
    }
    secrets.push("a passphrase by phone".into());
    secrets.push(phone.to_owned());
    secrets.push("2015550170".to_owned());

    let user = t
        .app()
        .store
        .user_by_email(&onboarding::domain::EmailAddress::parse("ana@example.com").unwrap())
        .await
        .unwrap()
        .unwrap();
    secrets.push(user.password_hash.clone().unwrap());

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    // The capture is real: the journey's audit events are in it.
    for event in [
        "user_created",
        "invite_sent",
        "setup_completed",
        "sign_in_failed",
        "password_reset",
        "code_refused",
        "code_verified",
    ] {
        assert!(logs.contains(event), "no {event} in the logs:\n{logs}");
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs:\n{logs}"
        );
    }
    assert!(
        !logs.contains("$argon2"),
        "a password hash reached the logs"
    );
    assert!(!logs.contains("token="), "a link reached the logs");
}
