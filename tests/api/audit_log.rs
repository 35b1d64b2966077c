//! The audit log through the HTTP API (API.md, "Audit log"), on both stores: every action of an
//! invite's life appears once per change, in the user's timeline and the organisation's log,
//! newest first; a change that fails writes nothing; another organisation sees nothing; cursors
//! are signed and bound to their filters; events past their retention are skipped.

use chrono::Duration;
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};

use onboarding::domain::EmailAddress;
use secrecy::{ExposeSecret, SecretString};
use tests::app::{link_in, split_link, NEW_PASSWORD, TEMP_PASSWORD};
use tests::on_both_stores;
use tests::stories::Api;

fn unique(label: &str) -> String {
    format!(
        "{label}.{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    )
}

/// A tech invited by email: address, id, and their setup link.
async fn invited(api: &Api) -> (String, String, String) {
    let to = unique("audit");
    let r = api.invite(&to, json!({"name": "Ana Tech"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let link = link_in(api.emails_to(&to).last().unwrap());
    (to, id, link)
}

/// Every event of `path` (following the cursors), newest first.
async fn all_events(api: &Api, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{sep}limit=3&cursor={c}"),
            None => format!("{path}{sep}limit=3"),
        };
        let r = api.get(&url).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.body);
        let page = r.json();
        let events = page["events"].as_array().unwrap();
        assert!(events.len() <= 3);
        out.extend(events.iter().cloned());
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
}

fn actions(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

/// `POST /password/forgot` for `to`: the reset link it sent.
async fn forgot(api: &Api, to: &str) -> String {
    let r = api
        .call(
            Method::POST,
            "/password/forgot",
            Some(json!({ "email": to })),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    api.emails_to(to)
        .iter()
        .map(|m| link_in(m))
        .find(|l| l.contains("/reset?token="))
        .expect("the reset email")
}

/// A tech's whole life, through the API: each change is one event, in the order made (the log
/// shows them newest first), with the actor the contract names.
async fn each_action_appears_once_per_change(api: &Api) {
    let (to, id, first_link) = invited(api).await;
    let r = api.post(&format!("/users/{id}/invite"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let links: Vec<String> = api.emails_to(&to).iter().map(|m| link_in(m)).collect();
    assert_eq!(links.len(), 2, "the welcome and the resend");
    let link = links.into_iter().find(|l| *l != first_link).unwrap();
    let r = api.patch(&id, json!({"name": "Ana T."})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api.post(&format!("/users/{id}/disable"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api.post(&format!("/users/{id}/enable"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Disabling killed the links: a fresh one.
    let r = api.post(&format!("/users/{id}/invite"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let links: Vec<String> = api.emails_to(&to).iter().map(|m| link_in(m)).collect();
    assert_eq!(links.len(), 3);
    let link = links
        .into_iter()
        .find(|l| *l != first_link && *l != link)
        .unwrap();
    let r = api.redeem(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = r.json()["accessToken"].as_str().unwrap().to_owned();
    let r = api
        .call(
            Method::POST,
            "/password",
            Some(json!({"currentPassword": NEW_PASSWORD, "password": "a brand new passphrase 77", "passwordConfirmation": "a brand new passphrase 77"})),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = r.json()["accessToken"].as_str().unwrap().to_owned();
    let r = api
        .call(
            Method::POST,
            "/logout",
            Some(json!({"everywhere": true})),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let reset = forgot(api, &to).await;
    assert!(reset.contains("/reset?token="), "{reset}");
    let r = api.redeem(&reset).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let timeline = all_events(api, &format!("/users/{id}/events")).await;
    assert_eq!(
        actions(&timeline),
        [
            "password.reset",
            "sessions.revoked",
            "password.changed",
            "invite.accepted",
            "invite.sent",
            "invite.resent",
            "user.enabled",
            "user.disabled",
            "user.updated",
            "invite.sent",
            "invite.resent",
            "invite.sent",
            "user.invited",
        ],
        "{timeline:#?}"
    );
    let by = |action: &str| {
        timeline
            .iter()
            .rev()
            .find(|e| e["action"] == action)
            .unwrap()
            .clone()
    };
    let admin = json!({"type": "admin", "id": api.admin_id});
    let tech = json!({"type": "user", "id": id});
    let system = json!({"type": "system", "id": null});
    for (action, actor) in [
        ("user.invited", &admin),
        ("invite.resent", &admin),
        ("user.updated", &admin),
        ("user.disabled", &admin),
        ("user.enabled", &admin),
        ("invite.sent", &system),
        ("invite.accepted", &tech),
        ("password.changed", &tech),
        ("sessions.revoked", &tech),
        ("password.reset", &tech),
    ] {
        let event = by(action);
        assert_eq!(&event["actor"], actor, "{action}: {event}");
        assert_eq!(
            event["target"],
            json!({"type": "user", "id": id}),
            "{action}"
        );
        assert!(event["id"].as_str().unwrap().starts_with("evt_"), "{event}");
        assert!(event["at"].as_str().unwrap().ends_with('Z'), "{event}");
    }
    assert_eq!(by("user.updated")["details"]["fields"], json!(["name"]));
    assert_eq!(by("invite.accepted")["details"]["credential"], "password");
    assert_eq!(by("user.invited")["details"]["channel"], "email");
    // Nothing secret in any event: no temporary password, token, hash or session.
    let text = serde_json::to_string(&timeline).unwrap();
    let (_, token) = split_link(&link);
    for secret in [
        TEMP_PASSWORD,
        NEW_PASSWORD,
        token.as_str(),
        session.as_str(),
        "$argon2",
    ] {
        assert!(!text.contains(secret), "an event holds {secret:?}");
    }
    // The organisation's log has the same events, and filters by action and user.
    let disabled = all_events(api, "/audit?action=user.disabled").await;
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0], by("user.disabled"));
    let theirs = all_events(api, &format!("/audit?userId={id}")).await;
    assert_eq!(theirs, timeline);
}

/// A change that fails records nothing; one that changes nothing records nothing.
async fn a_change_that_fails_writes_no_event(api: &Api) {
    let (_, id, link) = invited(api).await;
    let r = api.redeem(&link).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let before = all_events(api, &format!("/users/{id}/events")).await;

    // A used link, a cancel of an active user, enabling a user who is not disabled, a resend to
    // an active user, disabling one's own account, a correction that changes nothing.
    assert_eq!(api.redeem(&link).await.status, StatusCode::GONE);
    let r = api
        .send(
            Method::DELETE,
            &format!("/users/{id}/invite"),
            "application/json",
            String::new(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api.post(&format!("/users/{id}/enable"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api.post(&format!("/users/{id}/invite"), json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = api.patch(&id, json!({"name": "Ana Tech"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = api
        .post(&format!("/users/{}/disable", api.admin_id), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Disabling twice is one change.
    assert_eq!(
        api.post(&format!("/users/{id}/disable"), json!({}))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        api.post(&format!("/users/{id}/disable"), json!({}))
            .await
            .status,
        StatusCode::OK
    );

    let after = all_events(api, &format!("/users/{id}/events")).await;
    assert_eq!(actions(&after[..1]), ["user.disabled"]);
    assert_eq!(&after[1..], &before[..], "nothing else was recorded");
    let admins = all_events(api, &format!("/users/{}/events", api.admin_id)).await;
    assert!(
        admins.iter().all(|e| e["action"] != "user.disabled"),
        "{admins:?}"
    );
}

/// Another organisation's admin sees none of it, and cannot use this one's cursors.
async fn another_organisation_sees_nothing(api: &Api) {
    let (_, id, _) = invited(api).await;
    invited(api).await;
    let other = api
        .app
        .create_admin(
            EmailAddress::parse(&unique("rival")).unwrap(),
            "Rival Plumbing",
            SecretString::from("rival admin passphrase 42"),
        )
        .await
        .unwrap();
    let token = api
        .app
        .sessions
        .issue(&other, api.app.now())
        .expose_secret()
        .to_owned();
    let get = |path: String| {
        let token = token.clone();
        async move { api.call(Method::GET, &path, None, Some(&token)).await }
    };
    let r = get("/audit".into()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["events"], json!([]), "{}", r.body);
    let r = get(format!("/audit?userId={id}")).await;
    assert_eq!(r.json()["events"], json!([]));
    assert_eq!(
        get(format!("/users/{id}/events")).await.status,
        StatusCode::NOT_FOUND
    );
    let ours = api.get("/audit?limit=1").await.json();
    let cursor = ours["nextCursor"]
        .as_str()
        .expect("more than one event")
        .to_owned();
    let r = get(format!("/audit?limit=1&cursor={cursor}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.json()["error"]["field"], "cursor");
    // A tech is no admin.
    let r = api.call(Method::GET, "/audit", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// Pages follow on without a gap or a repeat; a cursor edited, or used with other filters, is
/// refused; bad filters are refused.
async fn cursors_are_signed_and_bound_to_their_filters(api: &Api) {
    for _ in 0..3 {
        invited(api).await;
    }
    let all = all_events(api, "/audit").await;
    assert!(all.len() >= 6, "{all:?}");
    let mut ids: Vec<&str> = all.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "no event twice");
    let ats: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    assert!(
        ats.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {ats:?}"
    );

    let page = api.get("/audit?limit=2").await.json();
    let cursor = page["nextCursor"].as_str().unwrap().to_owned();
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut edited = payload.to_owned();
    edited.replace_range(0..1, if payload.starts_with('e') { "f" } else { "e" });
    for bad in [
        format!("/audit?limit=2&cursor={edited}.{tag}"),
        format!("/audit?limit=2&action=invite.sent&cursor={cursor}"),
        "/audit?limit=2&cursor=not-a-cursor".to_owned(),
        "/audit?limit=0".to_owned(),
        "/audit?limit=101".to_owned(),
        "/audit?action=invite.opened".to_owned(),
    ] {
        let r = api.get(&bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "invalid_request", "{bad}");
    }
    let r = api.get(&format!("/audit?limit=2&cursor={cursor}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["events"][0], all[2]);
}

/// Past `AUDIT_RETENTION` (default 400 days) an event is no longer shown, whether or not the
/// store's TTL has removed it yet.
async fn events_past_their_retention_are_skipped(api: &Api) {
    let (_, id, _) = invited(api).await;
    assert!(!all_events(api, &format!("/users/{id}/events"))
        .await
        .is_empty());
    api.clock.advance(Duration::days(399));
    let kept = api
        .call(
            Method::GET,
            "/audit",
            None,
            Some(&api.fresh_admin_token().await),
        )
        .await;
    assert_ne!(
        kept.json()["events"],
        json!([]),
        "still kept: {}",
        kept.body
    );
    api.clock.advance(Duration::days(2));
    let token = api.fresh_admin_token().await;
    let r = api.call(Method::GET, "/audit", None, Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["events"], json!([]), "{}", r.body);
}

/// A tech who never opens the link still accepts the invite, once: by choosing a password after
/// signing in with the temporary one, or through forgot-password before setting up.
async fn setting_up_without_the_link_is_accepting_the_invite(api: &Api) {
    let (to, id, _) = invited(api).await;
    let r = api
        .call(
            Method::POST,
            "/login",
            Some(json!({"email": to, "password": TEMP_PASSWORD})),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let session = r.json()["accessToken"].as_str().unwrap().to_owned();
    let r = api
        .call(
            Method::POST,
            "/password",
            Some(json!({"password": NEW_PASSWORD})),
            Some(&session),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let timeline = all_events(api, &format!("/users/{id}/events")).await;
    assert_eq!(
        actions(&timeline),
        ["invite.accepted", "invite.sent", "user.invited"]
    );
    assert_eq!(timeline[0]["details"]["via"], "temporary_password");
    assert_eq!(timeline[0]["actor"], json!({"type": "user", "id": id}));

    let (to, id, _) = invited(api).await;
    let reset = forgot(api, &to).await;
    assert_eq!(api.redeem(&reset).await.status, StatusCode::OK);
    let timeline = all_events(api, &format!("/users/{id}/events")).await;
    assert_eq!(
        actions(&timeline),
        ["invite.accepted", "invite.sent", "user.invited"]
    );
    assert_eq!(timeline[0]["details"]["link"], "reset");
}

/// The schedule records `invite.expired` once, when it first sees the link expired, and a
/// cancelled invite's timeline stays readable after its user is gone.
async fn expiry_is_seen_once_and_a_cancelled_users_events_stay(api: &Api) {
    let to = unique("expiring");
    let r = api.invite(&to, json!({"inviteExpiresInDays": 1})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["user"]["id"].as_str().unwrap().to_owned();
    let sweep = || async {
        api.app
            .run_schedule(api.app.now() + Duration::seconds(50))
            .await
            .unwrap()
    };
    sweep().await;
    let token = api.fresh_admin_token().await;
    let timeline = |token: String| {
        let id = id.clone();
        async move {
            let r = api
                .call(
                    Method::GET,
                    &format!("/users/{id}/events"),
                    None,
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            actions(r.json()["events"].as_array().unwrap())
        }
    };
    assert_eq!(timeline(token).await, ["invite.sent", "user.invited"]);
    api.clock.advance(Duration::days(1) + Duration::minutes(1));
    let report = sweep().await;
    assert_eq!(report.hooks.expired, 1, "{report:?}");
    sweep().await;
    api.clock.advance(Duration::days(2));
    sweep().await;
    let token = api.fresh_admin_token().await;
    assert_eq!(
        timeline(token.clone()).await,
        ["invite.expired", "invite.sent", "user.invited"],
        "once"
    );
    let r = api
        .call(
            Method::DELETE,
            &format!("/users/{id}/invite"),
            None,
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        timeline(token).await,
        [
            "invite.cancelled",
            "invite.expired",
            "invite.sent",
            "user.invited"
        ]
    );
}

on_both_stores!(
    each_action_appears_once_per_change,
    setting_up_without_the_link_is_accepting_the_invite,
    expiry_is_seen_once_and_a_cancelled_users_events_stay,
    a_change_that_fails_writes_no_event,
    another_organisation_sees_nothing,
    cursors_are_signed_and_bound_to_their_filters,
    events_past_their_retention_are_skipped,
);
