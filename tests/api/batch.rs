//! An admin invites a whole crew at once (`POST /users/batch`): from JSON or from a
//! spreadsheet's CSV, 500 rows with a few bad ones and duplicates, and the refusals that create
//! nobody (too many rows, no header, no session, not an admin).

use chrono::{DateTime, Duration};
use lambda_http::http::{Method, StatusCode};
use serde_json::{json, Value};
use tests::app::*;

fn tech(i: usize) -> String {
    format!("tech{i}@northwind.example")
}

async fn post_batch(t: &TestApp, content_type: &str, body: &str, token: &str) -> TestResponse {
    let auth = format!("Bearer {token}");
    t.send(request(
        Method::POST,
        "/users/batch",
        &[("content-type", content_type), ("authorization", &auth)],
        body.to_owned(),
    ))
    .await
}

async fn post_crew(t: &TestApp, users: Vec<Value>) -> TestResponse {
    let body = json!({ "users": users }).to_string();
    post_batch(t, "application/json", &body, &t.admin_token).await
}

/// Every invited user of the admin's organisation, a page at a time.
async fn invited_emails(t: &TestApp) -> Vec<String> {
    let mut emails = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/users?status=invited&limit=100{cursor}");
        let page = t.get_with_bearer(&path, &t.admin_token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let page = page.json();
        for u in page["users"].as_array().unwrap() {
            emails.push(u["user"]["email"].as_str().unwrap().to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return emails,
        }
    }
}

fn results(answer: &Value) -> &Vec<Value> {
    answer["results"].as_array().expect("results")
}

/// The invite as a batch answers it: as `POST /users` does, `queued` for the schedule's sweep.
fn assert_invited(result: &Value, index: usize, email: &str) {
    assert_eq!(result["index"], index, "{result}");
    assert_eq!(result["status"], 201, "{result}");
    assert_eq!(result["user"]["email"], email, "{result}");
    assert_eq!(result["user"]["status"], "invited", "{result}");
    assert_eq!(result["invite"]["status"], "queued", "{result}");
    assert!(result.get("error").is_none(), "{result}");
}

fn assert_refused(result: &Value, index: usize, status: u16, code: &str, field: &str) {
    assert_eq!(result["index"], index, "{result}");
    assert_eq!(result["status"], status, "{result}");
    assert_eq!(result["error"]["code"], code, "{result}");
    assert_eq!(result["error"]["field"], field, "{result}");
    assert!(result["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
    assert!(result.get("user").is_none(), "{result}");
}

#[tokio::test]
async fn an_admin_invites_two_techs_as_json_with_the_shapes_of_post_users() {
    let t = spawn_app().await;
    let r = post_crew(
        &t,
        vec![
            json!({"email": "Ana.Tech@Northwind.example", "name": "Ana Tech", "role": "tech",
                   "temporaryPassword": TEMP_PASSWORD, "inviteExpiresInDays": 3}),
            json!({"email": "ben@northwind.example", "role": "admin"}),
            // A link to hand over in person is for one invite at a time.
            json!({"email": "cleo@northwind.example", "delivery": "link"}),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let j = r.json();
    assert_eq!((&j["created"], &j["failed"]), (&json!(2), &json!(1)));
    let rows = results(&j);
    assert_eq!(rows.len(), 3);
    assert_refused(&rows[2], 2, 400, "invalid_request", "delivery");
    assert_invited(&rows[0], 0, "ana.tech@northwind.example");
    assert_invited(&rows[1], 1, "ben@northwind.example");
    let ana = &rows[0];
    assert_eq!(ana["user"]["name"], "Ana Tech");
    assert_eq!(ana["user"]["orgId"], t.admin.org_id.0.as_str());
    let expires =
        DateTime::parse_from_rfc3339(ana["invite"]["expiresAt"].as_str().unwrap()).unwrap();
    assert_eq!(expires.to_utc(), t.app().now() + Duration::days(3));
    assert_eq!(rows[1]["user"]["role"], "admin");
    assert_eq!(rows[1]["user"]["name"], Value::Null);

    // The same user and invite as `GET /users/{id}` shows them.
    let id = ana["user"]["id"].as_str().unwrap();
    let one = t
        .get_with_bearer(&format!("/users/{id}"), &t.admin_token)
        .await;
    assert_eq!(one.json()["user"], ana["user"]);

    // The temporary password signs Ana in; Ben, with none, has his link (and forgot-password).
    let login = t.login("ana.tech@northwind.example", TEMP_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    assert_eq!(login.json()["mustChangePassword"], true);
    // The batch only queued the emails; the schedule sends them.
    assert!(t.emails().is_empty());
    assert_eq!(t.run_schedule().await.sent, 2);
    let setup = t
        .redeem(&t.link_for("ben@northwind.example"), NEW_PASSWORD)
        .await;
    assert_eq!(setup.status, StatusCode::OK, "{}", setup.body);
}

#[tokio::test]
async fn a_spreadsheets_csv_is_read_with_its_bom_quotes_crlf_and_blank_last_line() {
    let t = spawn_app().await;
    let csv = format!(
        "\u{feff}email,name,role,temporaryPassword\r\n\
         ana@northwind.example,\"Tech, Ana\",tech,\r\n\
         ben@northwind.example,\"Ben \"\"Boots\"\" Jones\",admin,{TEMP_PASSWORD}\r\n\
         cleo@northwind.example,,,\r\n\
         \r\n"
    );
    let r = post_batch(&t, "text/csv; charset=utf-8", &csv, &t.admin_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!((&j["created"], &j["failed"]), (&json!(3), &json!(0)));
    let rows = results(&j);
    assert_eq!(rows.len(), 3, "the blank last line is no row");
    assert_invited(&rows[0], 0, "ana@northwind.example");
    assert_eq!(rows[0]["user"]["name"], "Tech, Ana");
    assert_eq!(rows[1]["user"]["name"], "Ben \"Boots\" Jones");
    assert_eq!(rows[1]["user"]["role"], "admin");
    assert_invited(&rows[2], 2, "cleo@northwind.example");
    assert_eq!(rows[2]["user"]["role"], "tech");
    assert_eq!(rows[2]["user"]["name"], Value::Null);
    let login = t.login("ben@northwind.example", TEMP_PASSWORD).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
}

#[tokio::test]
async fn five_hundred_rows_with_three_bad_and_two_repeated_create_the_other_495() {
    let t = spawn_app_with(&[("MAIL_SEND_RATE", &SEND_RATE.to_string())]).await;
    let mut users: Vec<Value> = (0..500)
        .map(
            |i| json!({"email": tech(i), "name": format!("Tech Number {i} of the Northwind crew")}),
        )
        .collect();
    // A few with a temporary password: the policy, the breach check and the hash run per row.
    for i in [1, 2, 3] {
        users[i]["temporaryPassword"] = json!(TEMP_PASSWORD);
    }
    users[10]["email"] = json!("not-an-email");
    users[20]["role"] = json!("boss");
    users[30]["inviteExpiresInDays"] = json!(0);
    // Repeats, written as a person might: the first row wins, wherever the later one is.
    users[40]["email"] = json!(" Tech5@NORTHWIND.example ");
    users[499]["email"] = json!(tech(0));
    let body = json!({ "users": users }).to_string();
    assert!(
        body.len() > 16 * 1024,
        "a crew's batch is larger than other bodies"
    );

    let r = post_batch(&t, "application/json", &body, &t.admin_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!((&j["created"], &j["failed"]), (&json!(495), &json!(5)));
    let rows = results(&j);
    assert_eq!(rows.len(), 500);
    for (i, row) in rows.iter().enumerate() {
        match i {
            10 => assert_refused(row, i, 400, "invalid_request", "email"),
            20 => assert_refused(row, i, 400, "invalid_request", "role"),
            30 => assert_refused(row, i, 400, "invalid_request", "inviteExpiresInDays"),
            40 | 499 => assert_refused(row, i, 409, "email_taken", "email"),
            _ => assert_invited(row, i, &tech(i)),
        }
    }

    let mut invited = invited_emails(&t).await;
    invited.sort();
    let mut expected: Vec<String> = (0..499)
        .filter(|i| ![10, 20, 30, 40].contains(i))
        .map(tech)
        .collect();
    expected.sort();
    assert_eq!(invited, expected);

    // The batch wrote 495 mail jobs and sent nothing itself.
    assert!(t.emails().is_empty());
    let started = std::time::Instant::now();
    let report = t.run_schedule().await;
    assert_eq!((report.sent, report.failed), (495, 0), "{report:?}");
    let emails = t.emails();
    let mut to: Vec<String> = emails.iter().map(|m| m.to.clone()).collect();
    to.sort();
    assert_eq!(to, expected, "one welcome email per invited tech");
    assert_no_faster_than(&emails, SEND_RATE);
    println!("495 emails at {SEND_RATE}/s took {:?}", started.elapsed());
}

/// The batch tests' `MAIL_SEND_RATE`: fast enough to wait for, slow enough to measure.
const SEND_RATE: usize = 100;

/// When each email was written, from the outbox's file names (`20261124T100000.123456Z-…`).
fn sent_at(email: &onboarding::adapters::local_mailbox::OutboxMessage) -> chrono::NaiveDateTime {
    let stamp = email.file_name.split('-').next().unwrap();
    chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%dT%H%M%S%.6fZ")
        .unwrap_or_else(|e| panic!("{stamp}: {e}"))
}

/// No second of the outbox's timestamps holds more than `rate` emails, and the whole run took
/// at least as long as `rate` allows.
fn assert_no_faster_than(
    emails: &[onboarding::adapters::local_mailbox::OutboxMessage],
    rate: usize,
) {
    let mut times: Vec<_> = emails.iter().map(sent_at).collect();
    times.sort();
    for (i, start) in times.iter().enumerate() {
        let within = times[i..]
            .iter()
            .take_while(|t| **t - *start < Duration::seconds(1))
            .count();
        assert!(
            within <= rate,
            "{within} emails within one second from {start}"
        );
    }
    let span = *times.last().unwrap() - times[0];
    let least = Duration::milliseconds(((times.len() - 1) * 1000 / rate) as i64);
    assert!(
        span >= least,
        "{} emails in {span}, faster than {rate}/s",
        times.len()
    );
}

#[tokio::test]
async fn five_hundred_and_one_rows_are_refused_and_nobody_is_created() {
    let t = spawn_app().await;
    let users: Vec<Value> = (0..501).map(|i| json!({"email": tech(i)})).collect();
    let r = post_crew(&t, users).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(r.error_code(), "invalid_request");
    assert_eq!(r.json()["error"]["field"], "users");
    assert!(invited_emails(&t).await.is_empty());
    assert!(t.emails().is_empty());
}

#[tokio::test]
async fn an_upload_that_is_not_a_batch_is_refused_whole() {
    let t = spawn_app().await;
    let token = t.admin_token.clone();
    for (content_type, body) in [
        ("application/json", r#"{"users": []}"#.to_owned()),
        ("application/json", r#"{"users": [{"email": "#.to_owned()),
        (
            "application/json",
            r#"[{"email": "ana@northwind.example"}]"#.to_owned(),
        ),
        (
            "application/json",
            r#"{"email": "ana@northwind.example"}"#.to_owned(),
        ),
        (
            "text/csv",
            "email,name,role,temporaryPassword\r\n".to_owned(),
        ),
        ("text/csv", String::new()),
    ] {
        let r = post_batch(&t, content_type, &body, &token).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_request", "{body}");
    }
    // Like every JSON endpoint of the contract: another media type is 415.
    let r = post_batch(&t, "text/plain", "ana@northwind.example", &token).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);
    assert_eq!(r.error_code(), "unsupported_media_type");
    assert!(invited_emails(&t).await.is_empty());
}

#[tokio::test]
async fn a_csv_without_its_header_or_with_another_creates_nobody() {
    let t = spawn_app().await;
    for csv in [
        // The header left out: the first tech would be read as one.
        "ana@northwind.example,Ana,tech,\r\nben@northwind.example,Ben,tech,\r\n",
        "mail,name,role,temporaryPassword\r\nana@northwind.example,Ana,tech,\r\n",
        "name,role\r\nAna,tech\r\n",
    ] {
        let r = post_batch(&t, "text/csv", csv, &t.admin_token).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{csv}: {}", r.body);
        assert_eq!(r.error_code(), "invalid_request");
        assert!(r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("email,phone,name,role,temporaryPassword,locale"));
    }
    assert!(invited_emails(&t).await.is_empty());
}

#[tokio::test]
async fn only_a_signed_in_admin_may_invite_a_crew() {
    let t = spawn_app().await;
    let body = json!({"users": [{"email": tech(1)}]}).to_string();

    let none = t
        .send(request(
            Method::POST,
            "/users/batch",
            &[("content-type", "application/json")],
            body.clone(),
        ))
        .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{}", none.body);
    assert_eq!(none.error_code(), "unauthorized");

    let created = t.create_tech("ana@northwind.example").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let set_up = t
        .redeem(&t.link_for("ana@northwind.example"), NEW_PASSWORD)
        .await;
    let tech_token = set_up.json()["accessToken"].as_str().unwrap().to_owned();
    let r = post_batch(&t, "application/json", &body, &tech_token).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(r.error_code(), "forbidden");

    assert_eq!(invited_emails(&t).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_batch_over_512_kib_is_too_large_while_post_users_keeps_16_kib() {
    let t = spawn_app().await;
    let name = "N".repeat(100);
    let users: Vec<Value> = (0..500)
        .map(|i| json!({"email": tech(i), "name": name, "temporaryPassword": "p".repeat(1000)}))
        .collect();
    let r = post_crew(&t, users).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert_eq!(r.error_code(), "payload_too_large");
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("512 KiB"));

    let big =
        json!({"email": tech(1), "temporaryPassword": TEMP_PASSWORD, "name": "x".repeat(20_000)});
    let r = t.post_json("/users", &big, Some(&t.admin_token)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    assert!(r.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("16 KiB"));
    assert!(invited_emails(&t).await.is_empty());
}

#[tokio::test]
async fn rows_the_batch_has_no_time_left_to_start_are_answered_not_tried_and_create_nobody() {
    use onboarding::domain::{EmailAddress, Role};
    use onboarding::services::{InviteOptions, InviteRequest, RowFailure};

    let t = spawn_app().await;
    let mut rows: Vec<Result<InviteRequest, &str>> = (0..3)
        .map(|i| {
            Ok(InviteRequest {
                email: Some(EmailAddress::parse(&tech(i)).unwrap()),
                phone: None,
                temporary_password: None,
                name: None,
                role: Role::Tech,
                locale: None,
                options: InviteOptions::default(),
            })
        })
        .collect();
    rows.push(Err("refused at the edge"));
    // No time at all: the 8-second request timeout would otherwise lose the whole answer.
    let outcomes = t
        .app()
        .invite_batch_within(&t.admin, rows, std::time::Duration::ZERO)
        .await;
    assert_eq!(outcomes.len(), 4);
    for outcome in &outcomes[..3] {
        assert!(matches!(outcome, Err(RowFailure::NotTried)));
    }
    assert!(matches!(
        outcomes[3],
        Err(RowFailure::Refused("refused at the edge"))
    ));
    assert!(invited_emails(&t).await.is_empty());
}

/// Nothing accepted is lost when the sender dies mid-batch: the sweep is stopped part-way (its
/// task aborted, as a killed process stops), and a new sweep after the dead one's hold runs out
/// sends the rest. Every invited tech gets the welcome email; at most the one email in flight at
/// the kill can go twice (the mail service took it, the record did not follow).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_killed_in_the_middle_of_a_batch_loses_no_email() {
    let t = spawn_app_with(&[("MAIL_SEND_RATE", &SEND_RATE.to_string())]).await;
    let users: Vec<Value> = (0..200).map(|i| json!({"email": tech(i)})).collect();
    let r = post_crew(&t, users).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["created"], 200);

    let services = t.app().services.clone();
    let until = t.app().now() + Duration::minutes(10);
    let sweep = tokio::spawn(async move { services.run_schedule(until).await });
    // Let it send some, then kill it.
    while t.emails().len() < 50 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    sweep.abort();
    let _ = sweep.await;
    let before = t.emails().len();
    assert!(
        before < 200,
        "the sweep was stopped part-way ({before} sent)"
    );

    // After the dead sweep's hold (30 s) runs out, a new one sends everything left.
    t.advance(Duration::seconds(31));
    let report = t.run_schedule().await;
    assert_eq!(report.failed, 0, "{report:?}");
    let emails = t.emails();
    let mut to: Vec<String> = emails.iter().map(|m| m.to.clone()).collect();
    to.sort();
    to.dedup();
    assert_eq!(to.len(), 200, "every invited tech got the welcome email");
    assert!(emails.len() <= 201, "{} emails for 200 techs", emails.len());
    // Nothing is left to send.
    t.advance(Duration::minutes(1));
    assert_eq!(t.run_schedule().await.sent, 0);
}

/// A crew with numbers (API.md, "Phones"): the CSV's `phone` column (and the `locale` column,
/// accepted for the languages to come), JSON rows with `phone` and `"delivery": "sms"`; each
/// row's invite waits in the outbox and the schedule sends the texts; a number that appears twice
/// is invited at its first row only.
#[tokio::test]
async fn a_crew_with_numbers_is_invited_by_text() {
    let t = spawn_app().await;
    let csv = "phone,name,locale\r\n(201) 555-0160,Ana,es\r\n+1 201 555 0161,Ben,\r\n201.555.0160,Again,\r\n";
    let r = post_batch(&t, "text/csv", csv, &t.admin_token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    assert_eq!(j["created"], 2, "{j}");
    assert_eq!(j["results"][0]["user"]["phone"], "+12015550160");
    assert_eq!(j["results"][0]["invite"]["status"], "queued");
    assert_eq!(j["results"][2]["status"], 409);
    assert_eq!(j["results"][2]["error"]["code"], "phone_taken");

    let r = post_crew(
        &t,
        vec![
            json!({"email": "cara@northwind.example", "phone": "+12015550162", "delivery": "sms"}),
            json!({"email": "dan@northwind.example", "delivery": "sms"}),
        ],
    )
    .await;
    let j = r.json();
    assert_eq!(j["results"][0]["status"], 201, "{j}");
    assert_eq!(j["results"][1]["status"], 400, "sms needs a phone: {j}");
    assert_eq!(j["results"][1]["error"]["field"], "phone");

    assert!(t.texts().is_empty(), "queued for the schedule");
    let report = t.run_schedule().await;
    assert_eq!(report.sent, 3, "{report:?}");
    for number in ["+12015550160", "+12015550161", "+12015550162"] {
        assert_eq!(t.last_text_to(number).purpose, "welcome");
    }
    assert!(t.emails().iter().all(|m| m.to != "cara@northwind.example"));
}
