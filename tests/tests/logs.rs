//! Nothing secret reaches the logs: the whole journey runs with every log line captured, and the
//! capture is searched for each password, token, token hash, password hash and session.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tests::app::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_token_hash_or_session_is_ever_logged() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();

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
