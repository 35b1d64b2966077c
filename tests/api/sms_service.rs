//! The End User Messaging SMS texter through the real SDK client against the in-process stand-in
//! (`tests::sms_service`): what reaches the service, and how each of its answers comes back as a
//! `TextError`. Needs `--features services` for the SDK, and nothing running outside the test.

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

use onboarding::adapters::sms::EndUserMessagingTexter;
use onboarding::ports::{TextError, TextMessage, Texter};
use tests::sms_service::{
    SmsFault, SmsService, ENDPOINT_ENV, SEND_TEXT_MESSAGE, TEST_MAX_ATTEMPTS,
    TEST_OPERATION_TIMEOUT,
};

const ORIGINATION: &str = "phone-1234567890abcdef1234567890abcdef";
const CONFIGURATION_SET: &str = "onboarding-texts";

fn welcome_to(to: &str) -> TextMessage {
    TextMessage {
        to: to.to_owned(),
        body: "Northwind: set up your account at https://example.test/s/TOKEN123 (expires in \
               7 days)\n@example.test #654321"
            .to_owned(),
        link: "https://example.test/s/TOKEN123".to_owned(),
        purpose: "welcome",
    }
}

fn texter(service: &SmsService) -> EndUserMessagingTexter {
    EndUserMessagingTexter::new(
        service.client(),
        ORIGINATION,
        Some(CONFIGURATION_SET.to_owned()),
    )
}

/// The error's text names none of the message's secrets or its number.
fn assert_says_nothing_of(error: &TextError, message: &TextMessage) {
    let shown = format!("{error} {error:?}");
    for secret in [&message.to, &message.body, &message.link] {
        assert!(!shown.contains(secret.as_str()), "{shown}");
    }
    assert!(
        !shown.contains("TOKEN123") && !shown.contains("654321"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_sent_text_reaches_the_service_as_a_transactional_message_and_comes_back_with_its_id() {
    let service = SmsService::start().await;
    let message = welcome_to("+15551234567");
    let id = texter(&service).send(&message).await.unwrap();

    let sent = service.sent();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let text = &sent[0];
    assert_eq!(id, text.message_id);
    assert_eq!(text.to, "+15551234567");
    assert_eq!(text.body, message.body);
    assert_eq!(text.message_type.as_deref(), Some("TRANSACTIONAL"));
    assert_eq!(text.origination_identity.as_deref(), Some(ORIGINATION));
    assert_eq!(text.configuration_set.as_deref(), Some(CONFIGURATION_SET));
    assert_eq!(
        text.context.get("purpose").map(String::as_str),
        Some("welcome")
    );
}

#[tokio::test]
async fn without_a_configuration_set_the_request_names_none() {
    let service = SmsService::start().await;
    let texter = EndUserMessagingTexter::new(service.client(), ORIGINATION, None);
    texter.send(&welcome_to("+15551234567")).await.unwrap();
    assert_eq!(service.sent()[0].configuration_set, None);
}

#[tokio::test]
async fn a_number_that_replied_stop_is_opted_out_and_tried_once() {
    let service = SmsService::start().await;
    service.opt_out("+15557654321");
    let message = welcome_to("+15557654321");
    let error = texter(&service).send(&message).await.unwrap_err();
    assert!(matches!(error, TextError::OptedOut), "{error:?}");
    assert_eq!(service.attempts(), 1, "a refusal is not retried");
    assert!(service.sent().is_empty());
    assert_says_nothing_of(&error, &message);
}

#[tokio::test]
async fn a_service_that_keeps_throttling_gives_throttled_after_the_sdks_retries() {
    let service = SmsService::start().await;
    service.fail_next(SmsFault::Throttle, 100);
    let error = texter(&service)
        .send(&welcome_to("+15551234567"))
        .await
        .unwrap_err();
    assert!(matches!(error, TextError::Throttled(_)), "{error:?}");
    assert_eq!(service.attempts(), TEST_MAX_ATTEMPTS as usize);
    assert!(service.sent().is_empty());
}

#[tokio::test]
async fn one_throttled_attempt_is_retried_by_the_sdk_and_the_text_goes() {
    let service = SmsService::start().await;
    service.fail_next(SmsFault::Throttle, 1);
    let id = texter(&service)
        .send(&welcome_to("+15551234567"))
        .await
        .unwrap();
    assert_eq!(service.attempts(), 2);
    assert_eq!(service.sent()[0].message_id, id);
}

#[tokio::test]
async fn a_destination_that_is_not_a_phone_number_is_rejected_naming_the_field_only() {
    let service = SmsService::start().await;
    let message = welcome_to("555-0100 ext 12");
    let error = texter(&service).send(&message).await.unwrap_err();
    let TextError::Rejected(why) = &error else {
        panic!("{error:?}");
    };
    assert!(why.contains("DestinationPhoneNumber"), "{why}");
    assert_eq!(service.attempts(), 1, "a refusal is not retried");
    assert!(service.sent().is_empty());
    assert_says_nothing_of(&error, &message);
}

#[tokio::test]
async fn a_body_over_1600_characters_is_rejected() {
    let service = SmsService::start().await;
    let mut message = welcome_to("+15551234567");
    message.body = "é".repeat(1601);
    let error = texter(&service).send(&message).await.unwrap_err();
    let TextError::Rejected(why) = &error else {
        panic!("{error:?}");
    };
    assert!(why.contains("MessageBody"), "{why}");
    assert_says_nothing_of(&error, &message);
}

#[tokio::test]
async fn an_internal_error_that_outlasts_the_retries_is_unavailable() {
    let service = SmsService::start().await;
    service.fail_next(SmsFault::InternalError, 100);
    let error = texter(&service)
        .send(&welcome_to("+15551234567"))
        .await
        .unwrap_err();
    assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
    assert_eq!(service.attempts(), TEST_MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn a_service_that_never_answers_is_unavailable_within_the_operation_timeout() {
    let service = SmsService::start().await;
    service.fail_next(SmsFault::Hang, 100);
    let started = Instant::now();
    let error = texter(&service)
        .send(&welcome_to("+15551234567"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
    assert!(took >= TEST_OPERATION_TIMEOUT, "gave up after {took:?}");
    assert!(
        took < TEST_OPERATION_TIMEOUT + Duration::from_secs(2),
        "gave up after {took:?}"
    );
    assert!(service.attempts() >= 1);
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let texter = EndUserMessagingTexter::new(
        tests::sms_service::client_at("http://127.0.0.1:9"),
        ORIGINATION,
        None,
    );
    let error = texter.send(&welcome_to("+15551234567")).await.unwrap_err();
    assert!(matches!(error, TextError::Unavailable(_)), "{error:?}");
}

/// A `POST /` to the stand-in with `headers` and `body`; the status, the error type header and
/// the JSON body.
async fn post_raw(endpoint: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, Value) {
    let address = endpoint.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let mut request = hyper::Request::post("/").header(hyper::header::HOST, &address);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = sender
        .send_request(
            request
                .body(Full::new(Bytes::from(body.to_owned())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, serde_json::from_slice(&bytes).unwrap())
}

const SIGNED: &str = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sms-voice/aws4_request, \
                      SignedHeaders=host;x-amz-date;x-amz-target, Signature=00";

fn valid_request() -> String {
    json!({"DestinationPhoneNumber": "+15551234567", "MessageBody": "hello",
           "MessageType": "TRANSACTIONAL"})
    .to_string()
}

#[tokio::test]
async fn a_request_without_a_signature_is_refused_as_aws_refuses_it() {
    let service = SmsService::start().await;
    let (status, kind, body) = post_raw(
        &service.endpoint,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", SEND_TEXT_MESSAGE),
        ],
        &valid_request(),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(kind, "MissingAuthenticationTokenException");
    assert_eq!(body["__type"], "MissingAuthenticationTokenException");
    assert_eq!(service.attempts(), 0);
    assert!(service.sent().is_empty());
}

#[tokio::test]
async fn a_signature_for_another_service_is_refused() {
    let service = SmsService::start().await;
    let (status, kind, _) = post_raw(
        &service.endpoint,
        &[
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", SEND_TEXT_MESSAGE),
            ("x-amz-date", "20260101T000000Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
        ],
        &valid_request(),
    )
    .await;
    assert_eq!((status, kind.as_str()), (403, "InvalidSignatureException"));
    assert!(service.sent().is_empty());
}

#[tokio::test]
async fn an_operation_it_does_not_serve_and_a_bad_message_type_are_refused() {
    let service = SmsService::start().await;
    let headers = |target| {
        [
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target),
            ("x-amz-date", "20260101T000000Z"),
            ("authorization", SIGNED),
        ]
    };
    let (status, kind, _) = post_raw(
        &service.endpoint,
        &headers("PinpointSMSVoiceV2.SendVoiceMessage"),
        &valid_request(),
    )
    .await;
    assert_eq!((status, kind.as_str()), (404, "UnknownOperationException"));

    let (status, kind, body) = post_raw(
        &service.endpoint,
        &headers(SEND_TEXT_MESSAGE),
        &json!({"DestinationPhoneNumber": "+15551234567", "MessageBody": "hello",
                "MessageType": "MARKETING"})
        .to_string(),
    )
    .await;
    assert_eq!((status, kind.as_str()), (400, "ValidationException"));
    assert_eq!(body["Reason"], "FIELD_VALIDATION_FAILED");
    assert_eq!(body["Fields"][0]["Name"], "MessageType");
    assert!(service.sent().is_empty());

    let (status, _, body) = post_raw(
        &service.endpoint,
        &headers(SEND_TEXT_MESSAGE),
        &valid_request(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["MessageId"], service.sent()[0].message_id.as_str());
}

/// The endpoint variable's name is the SDK's: the default loader, as the functions run it, sends
/// a text to the stand-in named only by `AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2`. It sets process
/// environment variables, so it runs in a process of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdks_endpoint_variable_for_the_service_points_the_default_loader_at_it() {
    if !tests::own_process::in_own_process(
        module_path!(),
        "the_sdks_endpoint_variable_for_the_service_points_the_default_loader_at_it",
    ) {
        return;
    }
    let service = SmsService::start().await;
    let (name, value) = service.env();
    assert_eq!(name, ENDPOINT_ENV);
    // The only test in this process: nothing else reads the environment meanwhile.
    std::env::set_var(name, value);
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    std::env::remove_var("AWS_ENDPOINT_URL");
    std::env::remove_var("AWS_PROFILE");
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let texter = EndUserMessagingTexter::new(
        aws_sdk_pinpointsmsvoicev2::Client::new(&sdk),
        ORIGINATION,
        None,
    );
    let id = texter.send(&welcome_to("+15551234567")).await.unwrap();
    assert_eq!(service.sent()[0].message_id, id);
}
