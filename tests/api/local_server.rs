//! The local server keeps a developer's data to the developer: the outbox (live setup and reset
//! links) answers only a loopback Host, so a web page that rebinds its own name to 127.0.0.1
//! cannot read it; the store and the emails on disk are readable by this user only.

use lambda_http::http::{Method, StatusCode};
use tests::app::*;

async fn get_with_host(t: &TestApp, path: &str, host: Option<&str>, html: bool) -> TestResponse {
    let mut headers = Vec::new();
    if let Some(h) = host {
        headers.push(("host", h));
    }
    if html {
        headers.push(("accept", "text/html"));
    }
    t.send(request(Method::GET, path, &headers, Vec::new()))
        .await
}

#[tokio::test]
async fn the_outbox_answers_only_a_loopback_host() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let email = t.last_email_to("ana@example.com");
    let (_, token) = split_link(&t.link_for("ana@example.com"));
    let one = format!("/_dev/mail/{}", email.file_name);
    for host in [
        "127.0.0.1:3000",
        "127.0.0.1",
        "localhost:3000",
        "LOCALHOST",
        "[::1]:3000",
        "[::1]",
    ] {
        let list = get_with_host(&t, "/_dev/mail", Some(host), true).await;
        assert_eq!(list.status, StatusCode::OK, "{host}: {}", list.body);
        assert!(list.body.contains(&email.file_name), "{host}");
        let r = get_with_host(&t, &one, Some(host), true).await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
        assert!(r.body.contains(&token), "{host}");
    }
    for host in [
        Some("evil.example"),
        Some("evil.example:3000"),
        Some("127.0.0.1.evil.example:3000"),
        Some("localhost.evil.example"),
        Some("127.0.0.1:3000@evil.example"),
        Some("10.0.0.5:3000"),
        Some("[::1].evil.example"),
        None,
    ] {
        for path in ["/_dev/mail", one.as_str()] {
            let page = get_with_host(&t, path, host, true).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{host:?} {path}");
            assert!(
                page.header("content-type")
                    .is_some_and(|c| c.starts_with("text/html")),
                "{host:?} {path}"
            );
            assert!(!page.body.contains(&token), "{host:?} {path}");
            assert!(!page.body.contains(&email.file_name), "{host:?} {path}");
            let r = get_with_host(&t, path, host, false).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{host:?} {path}");
            assert_eq!(r.error_code(), "forbidden", "{host:?} {path}");
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn the_store_and_the_emails_on_disk_are_this_users_only() {
    use onboarding::adapters::embedded::EmbeddedStore;
    use onboarding::adapters::local_mailbox::LocalMailbox;
    use onboarding::domain::EmailAddress;
    use onboarding::ports::{EmailMessage, Mailer};
    use std::os::unix::fs::PermissionsExt;

    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = std::env::temp_dir().join(format!("onboarding-modes-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();

    let db = dir.join("onboarding.redb");
    drop(EmbeddedStore::open(&db).unwrap());
    assert_eq!(mode(&db), 0o600, "a new store file");
    // A file an earlier version left world-readable is narrowed when opened.
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    drop(EmbeddedStore::open(&db).unwrap());
    assert_eq!(mode(&db), 0o600, "an existing store file");

    let outbox = dir.join("outbox");
    let mailer = LocalMailbox::new(&outbox, "Onboarding <noreply@example.com>", false);
    let email = EmailMessage {
        to: EmailAddress::parse("ana@example.com").unwrap(),
        subject: "Set your password".to_owned(),
        html: "<p>https://onboard.example.com/setup?token=t</p>".to_owned(),
        text: "https://onboard.example.com/setup?token=t".to_owned(),
        link: "https://onboard.example.com/setup?token=t".to_owned(),
        purpose: "welcome",
    };
    mailer.send(&email).await.unwrap();
    assert_eq!(mode(&outbox), 0o700, "the outbox folder");
    let files: Vec<_> = std::fs::read_dir(&outbox)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600, "an email");

    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn data_dir_and_its_session_key_are_this_users_only_from_the_start() {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};

    let mode = |p: &std::path::Path| {
        let mode = std::fs::symlink_metadata(p).unwrap().permissions().mode();
        format!("{:o}", mode & 0o777)
    };
    let parent = std::env::temp_dir().join(format!("onboarding-data-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&parent).unwrap();

    let fresh = parent.join("fresh");
    infra::data_dir::prepare(&fresh).unwrap();
    assert_eq!(mode(&fresh), "700", "a new DATA_DIR");
    // A DATA_DIR made by hand (or by an older version) with the usual 0755 is narrowed.
    let existing = parent.join("existing");
    std::fs::DirBuilder::new()
        .mode(0o755)
        .create(&existing)
        .unwrap();
    std::fs::set_permissions(&existing, std::fs::Permissions::from_mode(0o755)).unwrap();
    infra::data_dir::prepare(&existing).unwrap();
    assert_eq!(mode(&existing), "700", "an existing DATA_DIR");

    let key = infra::data_dir::session_key(&existing).unwrap();
    let file = existing.join("session.key");
    assert_eq!(mode(&file), "600", "session.key");
    let again = infra::data_dir::session_key(&existing).unwrap();
    use secrecy::ExposeSecret;
    assert_eq!(
        key.expose_secret(),
        again.expose_secret(),
        "kept across restarts"
    );

    // The key file is created, never written through whatever already sits at its name: a link
    // planted there (to a file elsewhere, readable by others) is refused, not followed.
    let elsewhere = parent.join("elsewhere");
    infra::data_dir::prepare(&elsewhere).unwrap();
    let planted = parent.join("planted-target");
    std::os::unix::fs::symlink(&planted, elsewhere.join("session.key")).unwrap();
    assert!(infra::data_dir::session_key(&elsewhere).is_err());
    assert!(!planted.exists(), "the key was written through the link");

    std::fs::remove_dir_all(&parent).unwrap();
}

/// Header tricks no browser sends (issue 25, point 8): an absolute-form target naming a loopback
/// host with `Host: evil.test` used to open the outbox (the target's host won over `Host`), and
/// with two `Host` or two `Origin` headers the first decided. All three are refused now.
#[tokio::test]
async fn an_absolute_target_or_a_repeated_host_or_origin_is_refused() {
    let t = spawn_app().await;
    t.create_tech("ana@example.com").await;
    let (_, token) = split_link(&t.link_for("ana@example.com"));
    let r = t
        .send(request(
            Method::GET,
            "http://127.0.0.1:3000/_dev/mail",
            &[("host", "evil.test"), ("accept", "text/html")],
            Vec::new(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(!r.body.contains(&token));
    let r = t
        .send(request(
            Method::GET,
            "/_dev/mail",
            &[("host", "127.0.0.1:3000"), ("host", "evil.test")],
            Vec::new(),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "invalid_request");
    assert!(!r.body.contains(&token));
    let r = t
        .send(request(
            Method::POST,
            "/login",
            &[
                ("content-type", "application/x-www-form-urlencoded"),
                ("origin", BASE_URL),
                ("origin", "https://evil.test"),
            ],
            "email=ana%40example.com&password=x",
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
}

/// The local server's pages live on one origin, `PUBLIC_BASE_URL`'s (`http://localhost:3000` by
/// default): a page asked for under another loopback name is sent there, path and query kept;
/// API calls answer wherever they arrive (API.md, "Passkeys").
#[tokio::test]
async fn a_page_asked_for_under_another_loopback_name_is_sent_to_the_base_url() {
    let t = spawn_app_with(&[("PUBLIC_BASE_URL", "http://localhost:3000")]).await;
    for host in [
        "127.0.0.1:3000",
        "[::1]:3000",
        "localhost:3001",
        "127.0.0.1",
    ] {
        let r = get_with_host(&t, "/setup?token=abc&lang=fr", Some(host), true).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{host}");
        assert_eq!(
            r.header("location"),
            Some("http://localhost:3000/setup?token=abc&lang=fr"),
            "{host}"
        );
    }
    for host in ["localhost:3000", "LOCALHOST:3000"] {
        let r = get_with_host(&t, "/login", Some(host), true).await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    // JSON, and forms, are answered where they arrive.
    let jwks = get_with_host(&t, "/.well-known/jwks.json", Some("127.0.0.1:3000"), false).await;
    assert_eq!(jwks.status, StatusCode::OK);
    let form = t
        .send(request(
            Method::POST,
            "/password/forgot",
            &[
                ("host", "127.0.0.1:3000"),
                ("accept", "text/html"),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            "identifier=nobody%40example.com",
        ))
        .await;
    assert_ne!(form.status, StatusCode::SEE_OTHER);
    // A base URL that is not a loopback one is left alone.
    let hosted = spawn_app().await;
    let r = get_with_host(&hosted, "/login", Some("127.0.0.1:3000"), true).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// `PUBLIC_BASE_URL=http://localhost` (port 80): a browser's Host is `localhost`, which is the
/// same place, so no redirect loops; the 303 carries every response's headers.
#[tokio::test]
async fn the_default_port_is_the_same_host_and_the_redirect_is_not_cached() {
    let t = spawn_app_with(&[("PUBLIC_BASE_URL", "http://localhost")]).await;
    for host in ["localhost", "localhost:80"] {
        let r = get_with_host(&t, "/login", Some(host), true).await;
        assert_eq!(r.status, StatusCode::OK, "{host}");
    }
    let r = get_with_host(&t, "/login", Some("127.0.0.1"), true).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.header("location"), Some("http://localhost/login"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
}
