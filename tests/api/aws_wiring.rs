//! The functions' own wiring, as `main.rs` runs it: `aws::app_from_env` reads the configuration
//! and the SDK's standard variables, so `AWS_ENDPOINT_URL_DYNAMODB` and `AWS_ENDPOINT_URL_SESV2`
//! point it at DynamoDB Local and moto with no code of ours in the way. It sets process
//! environment variables, so it runs in a process of its own (a second run of the test binary
//! with only this test), never beside the other tests. Needs `--features services` (`make test`).

use lambda_http::http::StatusCode;
use serde_json::json;

use onboarding::aws::{app_from_env, RoundTrips};
use tests::app::{ALL, TEMP_PASSWORD};
use tests::mailer_contract::{post_json, seed_admin};
use tests::services::{
    dynamodb_client, endpoint, fresh_table, moto_messages, ses_client, verify_sender,
    DYNAMODB_ENDPOINT, SES_ENDPOINT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_wiring_reaches_dynamodb_and_ses_through_the_sdks_endpoint_variables() {
    if !tests::own_process::in_own_process(
        module_path!(),
        "the_functions_wiring_reaches_dynamodb_and_ses_through_the_sdks_endpoint_variables",
    ) {
        return;
    }
    let table = fresh_table(&dynamodb_client(&RoundTrips::default())).await;
    let sender = format!(
        "noreply-{}@northwind.example",
        uuid::Uuid::new_v4().simple()
    );
    verify_sender(&ses_client(&RoundTrips::default()), &sender).await;
    let vars = [
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint(DYNAMODB_ENDPOINT)),
        ("AWS_ENDPOINT_URL_SESV2", endpoint(SES_ENDPOINT)),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "test".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
        ("PUBLIC_BASE_URL", tests::app::BASE_URL.to_owned()),
        (
            "SESSION_SIGNING_KEY",
            "test-signing-key-0123456789abcdef0123456789".to_owned(),
        ),
        ("SENDER_EMAIL", sender),
        ("ARGON2_MEMORY_KIB", "1024".to_owned()),
        ("ARGON2_ITERATIONS", "1".to_owned()),
    ];
    // The only test in this process: nothing else reads the environment meanwhile.
    for (k, v) in &vars {
        std::env::set_var(k, v);
    }
    std::env::remove_var("AWS_ENDPOINT_URL");
    std::env::remove_var("AWS_PROFILE");

    std::env::remove_var("TABLE_NAME");
    let refused = app_from_env(ALL)
        .await
        .err()
        .expect("TABLE_NAME is required");
    assert!(refused.to_string().contains("TABLE_NAME"), "{refused}");

    std::env::set_var("TABLE_NAME", &table);
    let app = app_from_env(ALL).await.unwrap();
    let admin_token = seed_admin(&app).await;
    let tech = format!("wired.{}@example.com", uuid::Uuid::new_v4().simple());
    let created = post_json(
        &app,
        "/users",
        json!({"email": tech, "temporaryPassword": TEMP_PASSWORD}),
        Some(&admin_token),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["invite"]["status"], "sent");
    assert!(
        moto_messages().await.iter().any(|m| m.to.contains(&tech)),
        "the welcome email went through moto"
    );
    let login = post_json(
        &app,
        "/login",
        json!({"email": tech, "password": TEMP_PASSWORD}),
        None,
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
}
