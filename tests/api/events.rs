//! The files in `events/` are what `sam local invoke -e` sends. Each one, its placeholders filled
//! for a fresh store, goes through `lambda_http`'s own event parser into the router (embedded
//! store, outbox mailer) and must be answered as API.md says; every route has one. The same files
//! feed the release binaries under the Runtime API emulator in `functions.rs`.
//!
//! Also `events/env.json`, the `sam local invoke --env-vars` file: the SAM CLI hands a function
//! only the variables the template declares, so every variable it sets must be declared there.

use lambda_http::http::header;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use secrecy::ExposeSecret;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

use infra::events::{event_files, events_dir, expected_status, prepare};
use onboarding::config::Defaults;
use onboarding::{Config, ROUTES};
use tests::app::spawn_app;

const FUNCTIONS: [&str; 3] = ["create-user", "redeem-token", "login"];
const PLACEHOLDERS: [&str; 8] = [
    "{{ADMIN_TOKEN}}",
    "{{TECH_TOKEN}}",
    "{{TECH_EMAIL}}",
    "{{NEW_EMAIL}}",
    "{{USER_ID}}",
    "{{SETUP_TOKEN}}",
    "{{RESET_TOKEN}}",
    "{{SESSION_COOKIE}}",
];

fn every_event() -> Vec<(&'static str, PathBuf)> {
    let mut all = Vec::new();
    for function in FUNCTIONS {
        let files = event_files(function).unwrap();
        assert!(!files.is_empty(), "events/{function}/ has no events");
        all.extend(files.into_iter().map(|f| (function, f)));
    }
    all
}

fn name(file: &Path) -> String {
    file.file_name().unwrap().to_string_lossy().into_owned()
}

fn read_json(file: &Path) -> Value {
    let text = std::fs::read_to_string(file).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON ({e})", name(file)))
}

/// The route of API.md that an event's `routeKey` names, and the function that serves it.
fn route_of(event: &Value) -> Option<(&'static str, &'static str, &'static str)> {
    let route_key = event["routeKey"].as_str()?;
    ROUTES
        .iter()
        .find(|r| format!("{} {}", r.method, r.path) == route_key)
        .map(|r| (r.method, r.path, r.function.name()))
}

fn body_text(body: &Body) -> String {
    match body {
        Body::Empty => String::new(),
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

#[test]
fn every_event_is_an_http_api_v2_event_of_a_route_its_function_serves() {
    for (function, file) in every_event() {
        let name = name(&file);
        let e = read_json(&file);
        assert_eq!(e["version"], "2.0", "{name}");
        let (method, path, served_by) =
            route_of(&e).unwrap_or_else(|| panic!("{name}: {} is no route", e["routeKey"]));
        assert_eq!(served_by, function, "{name} is in the wrong folder");
        assert_eq!(e["requestContext"]["routeKey"], e["routeKey"], "{name}");
        assert_eq!(e["requestContext"]["http"]["method"], method, "{name}");
        assert_eq!(e["requestContext"]["http"]["path"], e["rawPath"], "{name}");
        assert_eq!(e["requestContext"]["stage"], "$default", "{name}");
        assert!(e["rawQueryString"].is_string(), "{name}");
        assert!(
            e["requestContext"]["http"]["sourceIp"].is_string(),
            "{name}"
        );
        assert_eq!(e["isBase64Encoded"], false, "{name}");
        // The path matches the route's pattern, segment by segment.
        let raw: Vec<&str> = e["rawPath"].as_str().unwrap().split('/').collect();
        let pattern: Vec<&str> = path.split('/').collect();
        assert_eq!(raw.len(), pattern.len(), "{name}");
        for (segment, want) in raw.iter().zip(&pattern) {
            assert!(
                *want == "{id}" || *want == "{token}" || segment == want,
                "{name}: {segment} vs {want}"
            );
        }
        // Headers as API Gateway sends them: lower-case names; a body says what it is.
        let headers = e["headers"].as_object().unwrap();
        assert!(headers.keys().all(|k| *k == k.to_lowercase()), "{name}");
        assert!(headers.contains_key("host"), "{name}");
        assert!(headers.contains_key("user-agent"), "{name}");
        if e["body"].is_string() {
            assert!(headers.contains_key("content-type"), "{name}");
        }
    }
}

#[test]
fn every_route_has_an_event_in_its_functions_folder() {
    let covered: BTreeSet<(&str, &str, &str)> = every_event()
        .iter()
        .filter_map(|(_, file)| route_of(&read_json(file)))
        .collect();
    for r in ROUTES {
        assert!(
            covered.contains(&(r.method, r.path, r.function.name())),
            "no event in events/{}/ for {} {}",
            r.function.name(),
            r.method,
            r.path
        );
    }
}

#[test]
fn the_events_in_the_repository_hold_placeholders_never_a_live_secret() {
    for (_, file) in every_event() {
        let text = std::fs::read_to_string(&file).unwrap();
        let name = name(&file);
        // A JWT's header always starts `eyJ` (base64 of `{"`).
        assert!(
            !text.contains("eyJ"),
            "{name} holds what looks like a session"
        );
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let end = rest[start..].find("}}").unwrap_or_else(|| panic!("{name}"));
            let placeholder = &rest[start..start + end + 2];
            assert!(PLACEHOLDERS.contains(&placeholder), "{name}: {placeholder}");
            rest = &rest[start + end + 2..];
        }
    }
}

#[tokio::test]
async fn every_event_is_answered_through_the_router_as_the_contract_says() {
    let t = spawn_app().await;
    let mut answered = 0;
    for (function, file) in every_event() {
        let name = name(&file);
        let expected =
            expected_status(&file).unwrap_or_else(|| panic!("no expected answer for {name}"));
        let fixtures = prepare(t.app()).await.unwrap();
        let event = fixtures.fill(&std::fs::read_to_string(&file).unwrap());
        assert!(!event.contains("{{"), "{name} has a placeholder left");

        // What the runtime does with the event the Runtime API hands it.
        let req = lambda_http::request::from_str(&event)
            .unwrap_or_else(|e| panic!("{name}: lambda_http cannot read it ({e})"));
        assert!(
            matches!(req.request_context(), RequestContext::ApiGatewayV2(_)),
            "{name} is not read as an HTTP API v2 event"
        );
        let response = t.app().handle(req).await;
        let (parts, body) = response.into_parts();
        let text = body_text(&body);
        assert_eq!(parts.status.as_u16(), expected, "{function} {name}: {text}");
        let h = |n: &str| {
            parts
                .headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        if name == "get-jwks.json" {
            // The one exception to no-store (API.md, Sessions).
            assert_eq!(h("cache-control"), "public, max-age=300", "{name}");
        } else {
            assert_eq!(h("cache-control"), "no-store", "{name}");
        }
        let json = || {
            serde_json::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{name}: body not JSON ({e}): {text}"))
        };
        if h("content-type").starts_with("text/html") {
            assert!(text.contains("<html lang=\"en\">"), "{name}");
            assert!(
                h("content-security-policy").contains("default-src 'none'"),
                "{name}"
            );
            assert_eq!(h("referrer-policy"), "no-referrer", "{name}");
            assert_eq!(h("x-content-type-options"), "nosniff", "{name}");
        } else if h("content-type").starts_with("text/javascript") {
            // The pages' one script file, which only they load.
            assert_eq!(name, "get-passkey-js.json");
            assert_eq!(h("x-content-type-options"), "nosniff", "{name}");
        } else if !text.is_empty() {
            assert!(h("content-type").starts_with("application/json"), "{name}");
        }
        let session_cookie = parts
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|c| {
                c.starts_with("__Host-session=") && c.contains("HttpOnly") && c.contains("Secure")
            });
        match name.as_str() {
            "post-users.json" => {
                let j = json();
                assert_eq!(j["user"]["email"], fixtures.new_email.as_str());
                assert_eq!(j["user"]["status"], "invited");
                assert_eq!(j["invite"]["status"], "sent");
                assert_eq!(
                    h("location"),
                    format!("/users/{}", j["user"]["id"].as_str().unwrap())
                );
                assert_eq!(t.last_email_to(&fixtures.new_email).to, fixtures.new_email);
            }
            "post-users-invite.json" => assert_eq!(json()["invite"]["status"], "sent"),
            "post-users-batch.json" => {
                let j = json();
                assert_eq!((&j["created"], &j["failed"]), (&1.into(), &1.into()));
                assert_eq!(j["results"][0]["status"], 201);
                assert_eq!(
                    j["results"][0]["user"]["email"],
                    fixtures.new_email.as_str()
                );
                assert_eq!(j["results"][1]["status"], 409);
                assert_eq!(j["results"][1]["error"]["code"], "email_taken");
            }
            "patch-user.json" => {
                let j = json();
                assert_eq!(j["user"]["id"], fixtures.user_id.as_str());
                assert_eq!(j["user"]["name"], "Ana Tech-Smith");
            }
            "get-user.json" => {
                let j = json();
                assert_eq!(j["user"]["id"], fixtures.user_id.as_str());
                assert_eq!(j["user"]["email"], fixtures.tech_email.as_str());
            }
            "get-setup.json" | "get-reset.json" => {
                assert!(text.contains("name=\"password\""), "{name}: no form");
            }
            "get-short-link.json" => {
                assert_eq!(parts.status, 303, "{name}");
                assert!(
                    h("location").contains("/setup?token="),
                    "{name}: {}",
                    h("location")
                );
            }
            "get-login.json" | "get-forgot.json" => {
                assert!(text.contains("<form"), "{name}: no form");
            }
            "post-login.json" => {
                let j = json();
                assert_eq!(j["tokenType"], "Bearer");
                assert_eq!(j["user"]["email"], fixtures.tech_email.as_str());
                assert_eq!(j["mustChangePassword"], true);
            }
            "post-setup-json.json" | "post-reset-json.json" => {
                let j = json();
                assert_eq!(j["tokenType"], "Bearer");
                assert_eq!(j["expiresIn"], 43200);
                assert_eq!(j["user"]["status"], "active");
                assert!(session_cookie, "{name}: no session cookie");
            }
            "post-setup-form.json" | "post-password-form.json" => {
                assert_eq!(h("location"), t.app().config.app_url, "{name}");
                assert!(session_cookie, "{name}: no session cookie");
            }
            // The tech signs in with the temporary password: choose their own next.
            "post-login-form.json" => {
                assert_eq!(h("location"), "/password", "{name}");
                assert!(session_cookie, "{name}: no session cookie");
            }
            "get-jwks.json" => {
                let j = json();
                let keys = j["keys"].as_array().unwrap();
                assert_eq!(keys.len(), 1, "{name}");
                assert_eq!(keys[0]["kid"], t.app().sessions.current_kid());
                assert!(keys[0].get("d").is_none(), "{name}: a private part");
            }
            "get-password.json" => {
                assert!(text.contains("action=\"/password\""), "{name}: no form");
                assert!(
                    !text.contains("currentPassword"),
                    "{name}: on the temporary password"
                );
            }
            "post-password-json.json" => {
                let j = json();
                assert_eq!(j["user"]["status"], "active");
                assert!(session_cookie, "{name}: no session cookie");
                let mail = t.last_email_to(&fixtures.tech_email);
                assert_eq!(mail.subject, "Your password was changed");
            }
            "post-logout.json" => {
                assert!(text.is_empty(), "{name}");
                let cleared = parts
                    .headers
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .any(|c| c.starts_with("__Host-session=;") && c.contains("Max-Age=0"));
                assert!(cleared, "{name}: the cookie is not cleared");
                // Everywhere: the tech's session no longer works.
                let jwt = fixtures.tech_token.expose_secret();
                assert!(t.app().user_for_session(jwt).await.unwrap().is_none());
            }
            "post-forgot.json" => {
                assert_eq!(json()["status"], "accepted");
                let mail = t.last_email_to(&fixtures.tech_email);
                assert!(mail.text.contains("/reset?token="), "{name}: no reset link");
            }
            "get-users.json" => {
                let j = json();
                let users = j["users"].as_array().expect("a list of users");
                assert!(
                    users
                        .iter()
                        .any(|u| u["user"]["id"] == fixtures.user_id.as_str()),
                    "{name}: the invited tech is not listed"
                );
                assert!(users.iter().all(|u| u["user"]["status"] == "invited"));
            }
            "delete-users-invite.json" => {
                assert!(text.is_empty(), "{name}: a 204 has no body");
                let gone = t
                    .get_with_bearer(
                        &format!("/users/{}", fixtures.user_id),
                        fixtures.admin_token.expose_secret(),
                    )
                    .await;
                assert_eq!(gone.status.as_u16(), 404, "{name}");
            }
            "post-users-disable.json" => {
                assert_eq!(json()["user"]["status"], "disabled");
            }
            "post-users-enable.json" => {
                assert_eq!(json()["user"]["status"], "invited");
            }
            "post-setup-passkey-options.json"
            | "post-reset-passkey-options.json"
            | "post-login-passkey-options.json" => {
                let j = json();
                assert!(j["publicKey"]["challenge"].is_string(), "{name}: {j}");
            }
            "post-setup-passkey.json" | "post-reset-passkey.json" => {
                assert_eq!(json()["error"]["code"], "passkey_invalid", "{name}");
            }
            "post-login-passkey.json" => {
                assert_eq!(json()["error"]["code"], "invalid_credentials", "{name}");
            }
            "post-passkeys-options.json" | "post-passkeys.json" => {
                assert_eq!(
                    json()["error"]["code"],
                    "reauthentication_required",
                    "{name}"
                );
            }
            "get-passkeys.json" => {
                assert_eq!(json()["passkeys"], serde_json::json!([]), "{name}");
            }
            "delete-passkey.json" => {
                assert_eq!(json()["error"]["code"], "not_found", "{name}");
            }
            "get-passkey-js.json" => {
                assert!(h("content-type").starts_with("text/javascript"), "{name}");
                assert!(text.contains("navigator.credentials"), "{name}");
            }
            "get-audit.json" | "get-user-events.json" => {
                let j = json();
                assert!(j["events"].is_array(), "{name}: {j}");
                assert!(j.get("nextCursor").is_some(), "{name}: {j}");
            }
            "post-webhooks.json" => {
                let j = json();
                assert!(
                    j["secret"]
                        .as_str()
                        .is_some_and(|s| s.starts_with("whsec_")),
                    "{name}"
                );
                assert_eq!(j["webhook"]["url"], "https://hooks.example.com/onboarding");
            }
            "get-webhooks.json" => {
                let j = json();
                let hooks = j["webhooks"].as_array().expect("a list of webhooks");
                assert!(hooks.iter().all(|w| w.get("secret").is_none()), "{name}");
            }
            "delete-webhook.json" | "get-webhook-deliveries.json" => {
                assert_eq!(json()["error"]["code"], "not_found", "{name}");
            }
            other => panic!("{other}: add what its answer must hold here"),
        }
        answered += 1;
    }
    assert_eq!(answered, every_event().len());
}

fn template() -> Yaml {
    let text = std::fs::read_to_string(events_dir().join("../template.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

fn env_json() -> HashMap<String, String> {
    let v = read_json(&events_dir().join("env.json"));
    v["Parameters"]
        .as_object()
        .expect("env.json has the `Parameters` section that applies to every function")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().expect("values are strings").to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_variable_of_env_json_reaches_the_functions_under_sam_local() {
    let t = template();
    let declared = t["Globals"]["Function"]["Environment"]["Variables"]
        .as_hash()
        .unwrap();
    let declared: BTreeSet<&str> = declared.keys().filter_map(|k| k.as_str()).collect();
    for name in env_json().keys() {
        assert!(
            declared.contains(name.as_str()),
            "env.json sets {name}, which template.yaml does not declare: `sam local` would drop it"
        );
    }
}

#[test]
fn env_json_points_the_sdk_at_local_services_and_is_a_valid_configuration() {
    let env = env_json();
    for var in [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SESV2",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    ] {
        let url = env
            .get(var)
            .unwrap_or_else(|| panic!("env.json sets no {var}"));
        assert!(url.starts_with("http://"), "{var}={url}");
    }
    let config = Config::from_env(&env, Defaults::lambda()).expect("env.json is a valid config");
    assert!(config.table_name.is_some());
    // The key comes from (moto's) Secrets Manager, as on AWS: never from the environment.
    assert!(!env.contains_key("SESSION_SIGNING_KEY"));
    assert!(matches!(
        config.session_keys,
        onboarding::config::SessionKeySource::SecretsManager(_)
    ));
}

#[test]
fn the_local_endpoints_are_declared_for_sam_local_yet_absent_on_aws() {
    let t = template();
    let vars = &t["Globals"]["Function"]["Environment"]["Variables"];
    for var in [
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SESV2",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    ] {
        // `!If [Condition, !Ref LocalXEndpoint, !Ref AWS::NoValue]`: the parameter defaults to
        // empty, so a deployed function never gets the variable.
        let branches = vars[var]
            .as_vec()
            .unwrap_or_else(|| panic!("{var} is not an !If"));
        assert_eq!(branches.len(), 3, "{var}");
        assert_eq!(branches[2].as_str(), Some("AWS::NoValue"), "{var}");
        let condition = branches[0].as_str().unwrap();
        let parameter = branches[1].as_str().unwrap();
        assert_eq!(
            t["Parameters"][parameter]["Default"].as_str(),
            Some(""),
            "{var}"
        );
        assert!(!t["Conditions"][condition].is_badvalue(), "{condition}");
    }
}
