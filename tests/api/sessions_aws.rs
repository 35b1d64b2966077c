//! Sessions as the field-service app sees them, checked by a JWT library nobody here wrote
//! (PyJWT, with `PyJWKClient` fetching the JWKS from the running server over HTTP), and a key
//! rotation through Secrets Manager versions (moto): the previous key keeps verifying, the new
//! one signs. Needs `--features services` (moto, and PyJWT in `.venv`, which `make test`
//! installs).

use std::path::PathBuf;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::net::TcpListener;

use infra::local::{serve, Local};
use onboarding::adapters::embedded::EmbeddedStore;
use onboarding::adapters::local_mailbox::LocalMailbox;
use onboarding::aws::resolve_session_keys;
use onboarding::config::SessionKeySource;
use onboarding::domain::{EmailAddress, User};
use onboarding::ports::{FixedClock, SystemClock};
use onboarding::App;
use tests::app::{test_config, ADMIN_PASSWORD, ALL, SIGNING_KEY};
use tests::services::{fresh_secret, secrets_client};

const AUDIENCE: &str = "field-service-app";
const ISSUER: &str = "onboarding";

/// PyJWT, as the field-service app would use it: the JWKS by URL, the key by the token's `kid`,
/// EdDSA only, `aud` and `iss` required. Prints the claims, or the exception's class and message.
const VERIFY: &str = r#"
import json, sys, jwt
url, token, audience, issuer = sys.argv[1:5]
try:
    key = jwt.PyJWKClient(url, cache_keys=False).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["EdDSA"], audience=audience, issuer=issuer,
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    print(json.dumps({"ok": claims}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
"#;

fn python() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
    assert!(
        p.exists(),
        "{} is missing: `make test` (infra/test-services/install.sh) installs PyJWT there",
        p.display()
    );
    p
}

/// What PyJWT makes of `token` against the JWKS at `jwks_url`.
async fn pyjwt(jwks_url: &str, token: &str) -> Value {
    let out = tokio::process::Command::new(python())
        .args(["-c", VERIFY, jwks_url, token, AUDIENCE, ISSUER])
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// An app on the embedded store with the given key source, served on 127.0.0.1; its JWKS URL.
struct Served {
    app: Arc<Local>,
    jwks_url: String,
}

async fn serve_app(keys: SessionKeySource, store: &EmbeddedStore) -> Served {
    let mut config = test_config(&[]);
    config.session_keys = keys;
    resolve_session_keys(&mut config, &secrets_client())
        .await
        .unwrap();
    let outbox = std::env::temp_dir().join(format!("onboarding-jwks-{}", uuid::Uuid::new_v4()));
    let mailer = LocalMailbox::new(&outbox, config.from_header(), false);
    let breached = onboarding::adapters::breached::from_config(&config);
    let app = App::new(
        config,
        Arc::new(store.clone()),
        Arc::new(mailer.clone()),
        Arc::new(mailer),
        Arc::new(SystemClock),
        breached,
        ALL,
    )
    .unwrap();
    let local = Arc::new(Local::new(app, Some(outbox)));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, local.clone()));
    Served {
        app: local,
        jwks_url: format!("http://{addr}/.well-known/jwks.json"),
    }
}

impl Served {
    /// Whether the service takes `jwt` as a live session.
    async fn accepts(&self, jwt: &str) -> bool {
        self.app.app.user_for_session(jwt).await.unwrap().is_some()
    }
}

async fn admin(store: &EmbeddedStore) -> User {
    let app = App::new(
        test_config(&[]),
        Arc::new(store.clone()),
        Arc::new(LocalMailbox::new(
            std::env::temp_dir().join("onboarding-jwks-unused"),
            "x <x@example.com>",
            false,
        )),
        Arc::new(onboarding::adapters::sms::TextsOff),
        Arc::new(FixedClock::new(chrono::Utc::now())),
        onboarding::adapters::breached::from_config(&test_config(&[])),
        ALL,
    )
    .unwrap();
    app.create_admin(
        EmailAddress::parse(&format!(
            "admin-{}@example.com",
            uuid::Uuid::new_v4().simple()
        ))
        .unwrap(),
        "Northwind Plumbing",
        SecretString::from(ADMIN_PASSWORD),
    )
    .await
    .unwrap()
}

fn issue(served: &Served, user: &User) -> String {
    let app = &served.app.app;
    app.sessions
        .issue(user, app.now())
        .expose_secret()
        .to_owned()
}

fn kid_of(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

/// An HS256 JWT over `claims`, keyed with `secret`, under `kid`: what a session looked like
/// before issue 14 (signed with the secret the key now comes from).
fn hs256(claims: &Value, kid: &str, secret: &str) -> String {
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(
        &header,
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pyjwt_verifies_a_session_with_the_served_jwks_and_refuses_forgeries() {
    let store = EmbeddedStore::in_memory();
    let user = admin(&store).await;
    let secret = fresh_secret(&secrets_client(), SIGNING_KEY).await;
    let served = serve_app(SessionKeySource::SecretsManager(secret), &store).await;
    let token = issue(&served, &user);

    let verdict = pyjwt(&served.jwks_url, &token).await;
    let claims = &verdict["ok"];
    assert_eq!(claims["sub"], user.id.0.as_str(), "{verdict}");
    assert_eq!(claims["org"], user.org_id.0.as_str());
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["sv"], user.session_version.as_str());
    assert_eq!(claims["mustChangePassword"], false);
    // When and how the user proved who they are (API.md, "Sessions").
    assert_eq!(claims["amr"], serde_json::json!(["pwd"]), "{verdict}");
    assert_eq!(claims["auth_time"], claims["iat"], "{verdict}");

    // Tampered: one claim changed, the signature kept.
    let parts: Vec<&str> = token.split('.').collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut body: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    body["role"] = "tech".into();
    let tampered = format!("{}.{}.{}", parts[0], b64.encode(body.to_string()), parts[2]);
    let verdict = pyjwt(&served.jwks_url, &tampered).await;
    assert_eq!(verdict["error"], "InvalidSignatureError", "{verdict}");

    // Signed by a key the JWKS does not list: another deployment's.
    let other_store = EmbeddedStore::in_memory();
    let other = serve_app(
        SessionKeySource::SecretsManager(
            fresh_secret(&secrets_client(), "another deployment's secret 0123456789").await,
        ),
        &other_store,
    )
    .await;
    let foreign = issue(&other, &user);
    let verdict = pyjwt(&served.jwks_url, &foreign).await;
    assert_eq!(verdict["error"], "PyJWKClientError", "{verdict}");

    // HS256 with the old secret (what sessions were before), under the current kid.
    let old = hs256(&body, &kid_of(&token), SIGNING_KEY);
    let verdict = pyjwt(&served.jwks_url, &old).await;
    assert!(verdict.get("ok").is_none(), "{verdict}");
    assert_eq!(verdict["error"], "InvalidAlgorithmError", "{verdict}");
    // And the service refuses all three as well.
    for forged in [&tampered, &foreign, &old] {
        assert!(!served.accepts(forged).await);
    }
    assert!(served.accepts(&token).await);
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

async fn served_jwks(served: &Served) -> Value {
    serde_json::from_str(&tests::services::http_get(&served.jwks_url).await).unwrap()
}

/// The rotation of docs/DEPLOY.md, step by step, with a new instance started after each step
/// (what restarting the functions does): stage the next key (published, verifying, not
/// signing), switch, and later retire the previous key at once (what a leak calls for).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_staged_rotation_keeps_every_session_verifying_on_old_and_new_instances() {
    let client = secrets_client();
    let store = EmbeddedStore::in_memory();
    let user = admin(&store).await;
    let secret = fresh_secret(&client, "first version of the key 0123456789abcdef").await;
    let id = || SessionKeySource::SecretsManager(secret.clone());
    let first = serve_app(id(), &store).await;
    let old_session = issue(&first, &user);
    let old_kid = kid_of(&old_session);
    let first_version = client
        .get_secret_value()
        .secret_id(&secret)
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();

    // 1. Stage the next key as AWSPENDING; restart. It is published and verifies, but the
    //    current key still signs.
    let next_version = client
        .put_secret_value()
        .secret_id(&secret)
        .secret_string("second version of the key 0123456789abcdef")
        .version_stages("AWSPENDING")
        .send()
        .await
        .unwrap()
        .version_id
        .unwrap();
    let staged = serve_app(id(), &store).await;
    assert_eq!(
        kid_of(&issue(&staged, &user)),
        old_kid,
        "the staged key does not sign"
    );
    let staged_kids = kids(&served_jwks(&staged).await);
    assert_eq!(staged_kids.len(), 2);
    assert_eq!(staged_kids[0], old_kid);
    let new_kid = staged_kids[1].clone();

    // 2. Switch: the staged version becomes AWSCURRENT (the old one AWSPREVIOUS); restart.
    client
        .update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSCURRENT")
        .move_to_version_id(&next_version)
        .remove_from_version_id(&first_version)
        .send()
        .await
        .unwrap();
    let switched = serve_app(id(), &store).await;
    let new_session = issue(&switched, &user);
    assert_eq!(kid_of(&new_session), new_kid, "the new key signs");
    assert_eq!(
        kids(&served_jwks(&switched).await),
        [new_kid.clone(), old_kid.clone()]
    );
    // While instances of both steps run, each takes the other's sessions, and PyJWT takes both
    // from either JWKS.
    for served in [&staged, &switched] {
        for token in [&old_session, &new_session] {
            assert!(served.accepts(token).await);
            let verdict = pyjwt(&served.jwks_url, token).await;
            assert_eq!(verdict["ok"]["sub"], user.id.0.as_str(), "{verdict}");
        }
    }

    // 3. Retire the previous key (after the session lifetime, or at once for a leak); restart.
    //    Its sessions end; the new ones live on.
    client
        .update_secret_version_stage()
        .secret_id(&secret)
        .version_stage("AWSPREVIOUS")
        .remove_from_version_id(&first_version)
        .send()
        .await
        .unwrap();
    let retired = serve_app(id(), &store).await;
    assert_eq!(kids(&served_jwks(&retired).await), [new_kid]);
    assert!(!retired.accepts(&old_session).await);
    assert!(retired.accepts(&new_session).await);
    let verdict = pyjwt(&retired.jwks_url, &old_session).await;
    assert_eq!(verdict["error"], "PyJWKClientError", "{verdict}");
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_stops_the_start_and_names_no_value() {
    let mut config = test_config(&[]);
    config.session_keys = SessionKeySource::SecretsManager(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf".into(),
    );
    let e = resolve_session_keys(&mut config, &secrets_client())
        .await
        .unwrap_err();
    let text = e.to_string();
    assert!(text.contains("GetSecretValue"), "{text}");
    let short = fresh_secret(&secrets_client(), "too short").await;
    config.session_keys = SessionKeySource::SecretsManager(short);
    let e = resolve_session_keys(&mut config, &secrets_client())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at least 32 bytes"), "{e}");
    assert!(!e.to_string().contains("too short"));
}
