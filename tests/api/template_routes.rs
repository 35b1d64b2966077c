//! The routes in `template.yaml` are exactly the router's routes, each served by the function
//! the router says (its resource's CodeUri is `functions/<function name>`); the fourth function,
//! the mailer, serves no route: SES's events and End User Messaging SMS's text status events
//! reach it through EventBridge, and EventBridge Scheduler runs its sweep of the outbox every
//! minute. The mail alarms are there too.

use std::collections::BTreeSet;
use yaml_rust2::{Yaml, YamlLoader};

fn template() -> Yaml {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

#[test]
fn the_templates_routes_are_the_routers_routes_on_the_right_functions() {
    let t = template();
    let mut in_template = BTreeSet::new();
    for (_, resource) in t["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let code_uri = resource["Properties"]["CodeUri"].as_str().unwrap();
        let function = code_uri.strip_prefix("functions/").unwrap().to_owned();
        if function == "mailer" {
            continue; // `the_mailer_follows_ses_events_from_its_configuration_set_only`
        }
        for (_, event) in resource["Properties"]["Events"].as_hash().unwrap() {
            assert_eq!(event["Type"].as_str(), Some("HttpApi"));
            let p = &event["Properties"];
            in_template.insert((
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_owned(),
                function.clone(),
            ));
        }
    }
    let in_router: BTreeSet<(String, String, String)> = onboarding::ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                r.function.name().to_owned(),
            )
        })
        .collect();
    assert_eq!(in_template, in_router);
}

#[test]
fn every_function_runs_on_al2023_with_the_cargo_lambda_build() {
    let t = template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"].as_str(), Some("provided.al2023"));
    assert_eq!(globals["Handler"].as_str(), Some("bootstrap"));
    assert_eq!(globals["LoggingConfig"]["LogFormat"].as_str(), Some("JSON"));
    assert_eq!(
        t["Parameters"]["Architecture"]["Default"].as_str(),
        Some("arm64")
    );
    let functions: Vec<_> = t["Resources"]
        .as_hash()
        .unwrap()
        .values()
        .filter(|r| r["Type"].as_str() == Some("AWS::Serverless::Function"))
        .collect();
    assert_eq!(functions.len(), 4);
    for f in functions {
        assert_eq!(
            f["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda")
        );
        // Each function reads the session key's secret, and no other secret: the mailer too,
        // since a mail job's link token is derived from it.
        let statements = f["Properties"]["Policies"][0]["Statement"]
            .as_vec()
            .unwrap();
        let secret_grants: Vec<_> = statements
            .iter()
            .filter(|s| {
                s["Action"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("secretsmanager:"))
            })
            .collect();
        assert_eq!(secret_grants.len(), 1);
        assert_eq!(
            secret_grants[0]["Action"].as_str(),
            Some("secretsmanager:GetSecretValue")
        );
        assert_eq!(
            secret_grants[0]["Resource"]["Ref"]
                .as_str()
                .or(secret_grants[0]["Resource"].as_str()),
            Some("SessionSigningKey"),
            "{:?}",
            secret_grants[0]["Resource"]
        );
    }
    // The key is read from Secrets Manager at init: no secret is resolved into the environment,
    // where lambda:GetFunctionConfiguration would show it.
    let variables = globals["Environment"]["Variables"].as_hash().unwrap();
    assert!(!variables
        .keys()
        .any(|k| k.as_str() == Some("SESSION_SIGNING_KEY")));
    for (name, value) in variables {
        let text = format!("{value:?}");
        assert!(!text.contains("resolve:secretsmanager"), "{name:?}: {text}");
        assert!(!text.contains("resolve:ssm-secure"), "{name:?}: {text}");
    }
    assert!(format!(
        "{:?}",
        variables[&Yaml::from_str("SESSION_SIGNING_SECRET_ID")]
    )
    .contains("SessionSigningKey"));
}

/// A hung request must end as the contract's `503`, answered by the router's timeout, not as
/// API Gateway's own error after Lambda kills the function.
#[test]
fn the_routers_timeout_fires_before_any_functions_lambda_timeout() {
    let t = template();
    let global = t["Globals"]["Function"]["Timeout"].as_i64();
    let mut checked = BTreeSet::new();
    for (name, resource) in t["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        checked.insert(
            resource["Properties"]["CodeUri"]
                .as_str()
                .unwrap_or_default(),
        );
        let timeout = resource["Properties"]["Timeout"]
            .as_i64()
            .or(global)
            .expect("every function has a timeout");
        assert!(
            onboarding::http::layers::REQUEST_TIMEOUT.as_secs() + 1 < timeout as u64,
            "{name:?}: Lambda's {timeout} s against the router's {:?}",
            onboarding::http::layers::REQUEST_TIMEOUT
        );
    }
    // Every function was checked: a template whose functions the loop missed proves nothing.
    assert_eq!(
        checked,
        BTreeSet::from([
            "functions/create-user",
            "functions/login",
            "functions/mailer",
            "functions/redeem-token"
        ])
    );
}

/// The mailer takes SES's delivery, bounce and complaint events of the configuration set every
/// email is sent in, from an EventBridge rule; the configuration set publishes those three event
/// types to EventBridge's default bus.
#[test]
fn the_mailer_follows_ses_events_from_its_configuration_set_only() {
    let t = template();
    let resources = &t["Resources"];
    let mailer = &resources["MailerFunction"];
    assert_eq!(mailer["Type"].as_str(), Some("AWS::Serverless::Function"));
    let p = &mailer["Properties"];
    assert_eq!(p["CodeUri"].as_str(), Some("functions/mailer"));
    assert_eq!(
        mailer["Metadata"]["BuildMethod"].as_str(),
        Some("rust-cargolambda")
    );

    // Three events: the rule on SES's events of the configuration set in use, the rule on
    // texts' status events (`texts_send_from_the_configured_identity_and_their_events_reach_the_mailer`)
    // and the sweep's schedule (`the_mailer_sweeps_the_outbox_every_minute_one_sweep_at_a_time`).
    let events = p["Events"].as_hash().unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    let event = &p["Events"]["SesEvents"];
    assert_eq!(event["Type"].as_str(), Some("EventBridgeRule"));
    let pattern = &event["Properties"]["Pattern"];
    assert_eq!(
        strings(&pattern["source"]),
        BTreeSet::from(["aws.ses".into()])
    );
    assert_eq!(
        strings(&pattern["detail-type"]),
        BTreeSet::from([
            "Email Delivered".into(),
            "Email Bounced".into(),
            "Email Complaint Received".into()
        ])
    );
    let set = format!(
        "{:?}",
        pattern["detail"]["mail"]["tags"]["ses:configuration-set"]
    );
    assert!(
        set.contains("SesConfigurationSet") && set.contains("MailConfigurationSet"),
        "{set}"
    );

    // The configuration set (created unless one is given) publishes the three event types to
    // EventBridge, and every function sends in it.
    assert_eq!(
        resources["MailConfigurationSet"]["Type"].as_str(),
        Some("AWS::SES::ConfigurationSet")
    );
    assert_eq!(
        resources["MailConfigurationSet"]["Condition"].as_str(),
        Some("CreateConfigurationSet")
    );
    let destination = &resources["MailEventDestination"];
    assert_eq!(
        destination["Type"].as_str(),
        Some("AWS::SES::ConfigurationSetEventDestination")
    );
    let d = &destination["Properties"]["EventDestination"];
    assert_eq!(
        strings(&d["MatchingEventTypes"]),
        BTreeSet::from(["delivery".into(), "bounce".into(), "complaint".into()])
    );
    assert!(
        format!("{:?}", d["EventBridgeDestination"]["EventBusArn"]).contains("event-bus/default")
    );
    let variable = format!(
        "{:?}",
        t["Globals"]["Function"]["Environment"]["Variables"]["SES_CONFIGURATION_SET"]
    );
    assert!(
        variable.contains("SesConfigurationSet") && variable.contains("MailConfigurationSet"),
        "{variable}"
    );
}

fn strings(y: &Yaml) -> BTreeSet<String> {
    match y {
        Yaml::String(s) => BTreeSet::from([s.clone()]),
        _ => y
            .as_vec()
            .unwrap_or_else(|| panic!("a string or a list of strings: {y:?}"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect(),
    }
}

fn number(y: &Yaml) -> f64 {
    y.as_f64()
        .or_else(|| y.as_i64().map(|n| n as f64))
        .unwrap_or_else(|| panic!("a number: {y:?}"))
}

/// Each statement of a function's one policy, as (actions, resource as written). A statement
/// under a condition (`!If [Condition, statement, !Ref AWS::NoValue]`, read as a list of three)
/// counts as its statement.
fn grants(function: &Yaml) -> Vec<(BTreeSet<String>, String)> {
    let policies = function["Properties"]["Policies"].as_vec().unwrap();
    assert_eq!(policies.len(), 1, "one inline policy: {policies:?}");
    policies[0]["Statement"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|s| match s.as_vec() {
            Some(branches) => {
                assert_eq!(branches.len(), 3, "an !If: {branches:?}");
                assert_eq!(branches[2].as_str(), Some("AWS::NoValue"), "{branches:?}");
                &branches[1]
            }
            None => s,
        })
        .map(|s| {
            assert_eq!(s["Effect"].as_str(), Some("Allow"));
            (strings(&s["Action"]), format!("{:?}", s["Resource"]))
        })
        .collect()
}

/// The outbox's queue is a sparse index of the table: partition key `mailQueue` (a string that
/// only mail job items carry), sort key `mailDue` (epoch milliseconds), every attribute projected.
#[test]
fn the_table_has_the_sparse_mail_queue_index() {
    let t = template();
    let table = &t["Resources"]["Table"]["Properties"];
    let attributes: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap().to_owned(),
                a["AttributeType"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(attributes.contains(&("mailQueue".into(), "S".into())));
    assert!(attributes.contains(&("mailDue".into(), "N".into())));
    let index = table["GlobalSecondaryIndexes"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|i| i["IndexName"].as_str() == Some("mailQueue"))
        .expect("the mailQueue index");
    let keys: Vec<(&str, &str)> = index["KeySchema"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["AttributeName"].as_str().unwrap(),
                k["KeyType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(keys, vec![("mailQueue", "HASH"), ("mailDue", "RANGE")]);
    assert_eq!(index["Projection"]["ProjectionType"].as_str(), Some("ALL"));
}

/// EventBridge Scheduler runs the mailer every minute; reserved concurrency 1 means one sweep at
/// a time, so `MAIL_SEND_RATE` caps the stack's sending, and the timeout leaves a sweep room.
/// Every function reads the mail settings (create-user writes reminder jobs).
#[test]
fn the_mailer_sweeps_the_outbox_every_minute_one_sweep_at_a_time() {
    let t = template();
    let mailer = &t["Resources"]["MailerFunction"]["Properties"];
    assert_eq!(mailer["ReservedConcurrentExecutions"].as_i64(), Some(1));
    // A sweep starts its last email by SWEEP_SPAN and a job's hold (LEASE) before the deadline.
    let room = onboarding::services::outbox::SWEEP_SPAN + onboarding::domain::mail::LEASE;
    assert!(
        mailer["Timeout"].as_i64().unwrap() >= room,
        "{:?}",
        mailer["Timeout"]
    );
    // The sweep's metric line has no level (INFO to Lambda): it must pass whatever LogLevel.
    assert_eq!(
        mailer["LoggingConfig"]["ApplicationLogLevel"].as_str(),
        Some("INFO")
    );

    let sweep = &mailer["Events"]["MailSweep"];
    assert_eq!(sweep["Type"].as_str(), Some("ScheduleV2"));
    let s = &sweep["Properties"];
    assert_eq!(s["ScheduleExpression"].as_str(), Some("rate(1 minute)"));
    assert_eq!(s["State"].as_str(), Some("MailSweepState"));
    assert_eq!(
        t["Parameters"]["MailSweepState"]["Default"].as_str(),
        Some("ENABLED")
    );
    // A missed tick is swept by the next one: no retries piling up behind it.
    assert_eq!(s["RetryPolicy"]["MaximumRetryAttempts"].as_i64(), Some(0));
    // The input is what the mailer's handler reads as the schedule, and the sample event for
    // `sam local invoke` is the same.
    let input = s["Input"].as_str().unwrap();
    assert!(matches!(
        serde_json::from_str::<onboarding::ses_events::MailerEvent>(input),
        Ok(onboarding::ses_events::MailerEvent::Schedule(_))
    ));
    let sample =
        std::fs::read_to_string(infra::events::events_dir().join("mailer/schedule.json")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(input).unwrap(),
        serde_json::from_str::<serde_json::Value>(&sample).unwrap()
    );

    let variables = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(variables["MAIL_SEND_RATE"].as_str(), Some("MailSendRate"));
    assert_eq!(
        variables["REMINDER_BEFORE"].as_str(),
        Some("ReminderBefore")
    );
    assert_eq!(number(&t["Parameters"]["MailSendRate"]["Default"]), 14.0);
    assert_eq!(
        t["Parameters"]["ReminderBefore"]["Default"].as_str(),
        Some("48h")
    );
}

/// Least privilege for the mail: the mailer may Query the queue index (jobs, expiry watches,
/// fan-outs, deliveries) and the organisation index (an organisation's webhooks at fan-out) and
/// nothing else of the table by Query; read, write, delete and check items (its transactions
/// need each item's own action) but never scan; send in the stack's identity and configuration
/// set; read the one secret. The functions that queue email may finish a job (delete it).
#[test]
fn the_mailer_may_query_its_two_indexes_only() {
    let t = template();
    let resources = &t["Resources"];
    let mailer = grants(&resources["MailerFunction"]);
    let all: BTreeSet<&str> = mailer
        .iter()
        .flat_map(|(actions, _)| actions.iter().map(String::as_str))
        .collect();
    assert_eq!(
        all,
        BTreeSet::from([
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
            "ses:SendEmail",
            "sms-voice:SendTextMessage",
            "secretsmanager:GetSecretValue",
        ])
    );
    for (actions, resource) in &mailer {
        if actions.contains("dynamodb:Query") {
            assert_eq!(actions.len(), 1, "Query alone: {actions:?}");
            assert!(
                resource.contains("${Table.Arn}/index/mailQueue")
                    && resource.contains("${Table.Arn}/index/byOrg")
                    && !resource.contains("byUser")
                    && !resource.contains('*'),
                "Query on the mailQueue and byOrg indexes only: {resource}"
            );
        } else if actions.iter().any(|a| a.starts_with("dynamodb:")) {
            assert!(actions.iter().all(|a| a.starts_with("dynamodb:")));
            assert_eq!(resource, &format!("{:?}", Yaml::String("Table.Arn".into())));
        } else if actions.contains("ses:SendEmail") {
            assert!(resource.contains("identity/${SenderEmail}"), "{resource}");
            assert!(resource.contains("configuration-set/"), "{resource}");
            assert!(!resource.contains('*'), "{resource}");
        }
    }

    for function in ["CreateUserFunction", "LoginFunction"] {
        let table: BTreeSet<String> = grants(&resources[function])
            .into_iter()
            .filter(|(_, resource)| resource == &format!("{:?}", Yaml::String("Table.Arn".into())))
            .flat_map(|(actions, _)| actions)
            .collect();
        for action in [
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        ] {
            assert!(
                table.contains(action),
                "{function} lacks {action}: {table:?}"
            );
        }
    }
}

/// The operators' alarms (docs/DEPLOY.md, "Mail"): the mailer's errors and throttles, the SES
/// account's bounce and complaint rates below SES's review thresholds (5%, 0.1%), and the age
/// of the oldest queued email, where no data (no sweep) counts as trouble. Each notifies the
/// optional topic; the configuration set publishes its own reputation metrics.
#[test]
fn the_mail_alarms_watch_the_mailer_and_the_ses_reputation() {
    let t = template();
    let resources = &t["Resources"];
    let alarm = |name: &str| {
        let a = &resources[name];
        assert_eq!(
            a["Type"].as_str(),
            Some("AWS::CloudWatch::Alarm"),
            "{name} is an alarm"
        );
        let p = a["Properties"].clone();
        let actions = format!("{:?}", p["AlarmActions"]);
        assert!(
            actions.contains("HasAlarmTopic") && actions.contains("AlarmTopicArn"),
            "{name} notifies the optional topic: {actions}"
        );
        p
    };
    let dimension = |p: &Yaml| -> (String, String) {
        let d = &p["Dimensions"].as_vec().unwrap()[0];
        (
            d["Name"].as_str().unwrap().to_owned(),
            d["Value"].as_str().unwrap().to_owned(),
        )
    };

    let errors = alarm("MailerErrorsAlarm");
    assert_eq!(errors["Namespace"].as_str(), Some("AWS/Lambda"));
    assert_eq!(errors["MetricName"].as_str(), Some("Errors"));
    assert_eq!(
        dimension(&errors),
        ("FunctionName".into(), "MailerFunction".into())
    );
    assert_eq!(number(&errors["Threshold"]), 0.0);
    assert_eq!(
        errors["ComparisonOperator"].as_str(),
        Some("GreaterThanThreshold")
    );
    assert_eq!(number(&errors["Period"]), 300.0);

    let throttles = alarm("MailerThrottlesAlarm");
    assert_eq!(throttles["Namespace"].as_str(), Some("AWS/Lambda"));
    assert_eq!(throttles["MetricName"].as_str(), Some("Throttles"));
    assert_eq!(
        dimension(&throttles),
        ("FunctionName".into(), "MailerFunction".into())
    );

    for (name, metric, review) in [
        ("SesBounceRateAlarm", "Reputation.BounceRate", 0.05),
        ("SesComplaintRateAlarm", "Reputation.ComplaintRate", 0.001),
    ] {
        let a = alarm(name);
        assert_eq!(a["Namespace"].as_str(), Some("AWS/SES"));
        assert_eq!(a["MetricName"].as_str(), Some(metric));
        let threshold = number(&a["Threshold"]);
        assert!(
            threshold > 0.0 && threshold < review,
            "{name}: {threshold} fires before SES's review at {review}"
        );
        assert_eq!(
            a["ComparisonOperator"].as_str(),
            Some("GreaterThanOrEqualToThreshold")
        );
    }

    let oldest = alarm("OldestQueuedEmailAlarm");
    assert_eq!(oldest["Namespace"].as_str(), Some("Onboarding/Mail"));
    assert_eq!(oldest["MetricName"].as_str(), Some("OldestQueuedSeconds"));
    assert_eq!(dimension(&oldest), ("Function".into(), "mailer".into()));
    assert_eq!(number(&oldest["Threshold"]), 900.0);
    assert_eq!(
        number(&oldest["Period"]) * number(&oldest["EvaluationPeriods"]),
        900.0
    );
    assert_eq!(oldest["TreatMissingData"].as_str(), Some("breaching"));

    assert_eq!(
        resources["MailConfigurationSet"]["Properties"]["ReputationOptions"]
            ["ReputationMetricsEnabled"]
            .as_bool(),
        Some(true)
    );
}

/// Texts (API.md, "Phones"): with an origination identity (the `SmsOriginationIdentity`
/// parameter, an ARN; empty turns texts off), every function that sends may send a text from
/// that identity in the stack's End User Messaging SMS configuration set, and nothing wider; the
/// functions read both, and the send rate and allowed countries, from the environment. The
/// service puts every text's status on EventBridge's default bus by itself, and a rule hands the
/// mailer the types that can move an invite: exactly those `sms_events` maps.
#[test]
fn texts_send_from_the_configured_identity_and_their_events_reach_the_mailer() {
    let t = template();
    let resources = &t["Resources"];
    let identity = &t["Parameters"]["SmsOriginationIdentity"];
    assert_eq!(identity["Default"].as_str(), Some(""), "texts are opt-in");
    let pattern = identity["AllowedPattern"].as_str().unwrap();
    assert!(pattern.starts_with("^$|^arn:"), "{pattern}");
    assert!(!t["Conditions"]["TextsEnabled"].is_badvalue());

    let set = &resources["TextConfigurationSet"];
    assert_eq!(
        set["Type"].as_str(),
        Some("AWS::SMSVOICE::ConfigurationSet")
    );
    assert_eq!(set["Condition"].as_str(), Some("TextsEnabled"));

    let variables = &t["Globals"]["Function"]["Environment"]["Variables"];
    for (var, value) in [
        ("SMS_ORIGINATION_IDENTITY", "SmsOriginationIdentity"),
        ("SMS_CONFIGURATION_SET", "TextConfigurationSet"),
    ] {
        // `!If [TextsEnabled, !Ref …, !Ref AWS::NoValue]`: absent when texts are off.
        let branches = variables[var].as_vec().unwrap_or_else(|| panic!("{var}"));
        assert_eq!(branches[0].as_str(), Some("TextsEnabled"), "{var}");
        assert_eq!(branches[1].as_str(), Some(value), "{var}");
        assert_eq!(branches[2].as_str(), Some("AWS::NoValue"), "{var}");
    }
    assert_eq!(variables["SMS_SEND_RATE"].as_str(), Some("SmsSendRate"));
    assert_eq!(number(&t["Parameters"]["SmsSendRate"]["Default"]), 1.0);
    assert_eq!(
        variables["SMS_ALLOWED_COUNTRIES"].as_str(),
        Some("SmsAllowedCountries")
    );
    assert_eq!(
        t["Parameters"]["SmsAllowedCountries"]["Default"].as_str(),
        Some("US,CA")
    );
    assert_eq!(
        variables["DEFAULT_PHONE_REGION"].as_str(),
        Some("DefaultPhoneRegion")
    );
    assert_eq!(
        t["Parameters"]["DefaultPhoneRegion"]["Default"].as_str(),
        Some("US")
    );
    assert_eq!(
        variables["SMS_DAILY_LIMIT_PER_ORG"].as_str(),
        Some("SmsDailyLimitPerOrg")
    );
    assert_eq!(
        number(&t["Parameters"]["SmsDailyLimitPerOrg"]["Default"]),
        500.0
    );

    // Every function that sends email sends texts too, each under the same narrow grant.
    for function in [
        "CreateUserFunction",
        "RedeemTokenFunction",
        "LoginFunction",
        "MailerFunction",
    ] {
        let statements = resources[function]["Properties"]["Policies"][0]["Statement"]
            .as_vec()
            .unwrap();
        let texts: Vec<&Yaml> = statements
            .iter()
            .filter(|s| format!("{s:?}").contains("sms-voice:"))
            .collect();
        assert_eq!(texts.len(), 1, "{function}: {texts:?}");
        let branches = texts[0].as_vec().expect("the grant is under TextsEnabled");
        assert_eq!(branches[0].as_str(), Some("TextsEnabled"), "{function}");
        assert_eq!(branches[2].as_str(), Some("AWS::NoValue"), "{function}");
        let grant = &branches[1];
        assert_eq!(
            strings(&grant["Action"]),
            BTreeSet::from(["sms-voice:SendTextMessage".into()]),
            "{function}"
        );
        let resource = format!("{:?}", grant["Resource"]);
        assert!(
            resource.contains("SmsOriginationIdentity"),
            "{function}: {resource}"
        );
        assert!(
            resource.contains("TextConfigurationSet.Arn"),
            "{function}: {resource}"
        );
        assert!(!resource.contains('*'), "{function}: {resource}");
    }

    let rule = &resources["MailerFunction"]["Properties"]["Events"]["TextEvents"];
    assert_eq!(rule["Type"].as_str(), Some("EventBridgeRule"));
    let pattern = &rule["Properties"]["Pattern"];
    assert_eq!(
        strings(&pattern["source"]),
        BTreeSet::from([onboarding::sms_events::SOURCE.into()])
    );
    assert_eq!(
        strings(&pattern["detail-type"]),
        BTreeSet::from([onboarding::sms_events::DETAIL_TYPE.into()])
    );
    assert_eq!(
        strings(&pattern["detail"]["eventType"]),
        onboarding::sms_events::FOLLOWED_EVENT_TYPES
            .iter()
            .map(|t| t.to_string())
            .collect()
    );
    assert!(
        rule["Properties"]["RetryPolicy"]["MaximumRetryAttempts"]
            .as_i64()
            .is_some_and(|n| n > 0),
        "a failed update is retried"
    );
}

/// An organisation that reaches `SMS_DAILY_LIMIT_PER_ORG` (API.md, "Phones": "an alarm says
/// so"): every text past the limit logs `audit = "sms_daily_limit_reached"`, from whichever
/// function held it; a metric filter on the one log group every function writes to counts those
/// lines, and an alarm like the mail's fires on the first and notifies the optional topic.
/// Every function gets the language settings (API.md, "Languages"), and the template offers
/// exactly the locales the service speaks; its defaults are the configuration's own.
#[test]
fn every_function_gets_the_default_locale_and_the_display_time_zone() {
    let t = template();
    let variables = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(variables["DEFAULT_LOCALE"].as_str(), Some("DefaultLocale"));
    assert_eq!(
        variables["DISPLAY_TIME_ZONE"].as_str(),
        Some("DisplayTimeZone")
    );
    let locale = &t["Parameters"]["DefaultLocale"];
    let offered: Vec<&str> = locale["AllowedValues"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let spoken: Vec<&str> = onboarding::domain::Locale::ALL
        .iter()
        .map(|l| l.tag())
        .collect();
    assert_eq!(offered, spoken);
    let zone = &t["Parameters"]["DisplayTimeZone"];
    let defaults = tests::app::test_config(&[]);
    assert_eq!(
        locale["Default"].as_str(),
        Some(defaults.default_locale.tag())
    );
    assert_eq!(
        zone["Default"].as_str(),
        Some(defaults.display_time_zone.name())
    );
}

#[test]
fn an_organisation_at_its_daily_text_limit_raises_an_alarm() {
    let t = template();
    let resources = &t["Resources"];

    // Every function logs to the stack's group, which exists before any of them runs.
    let logs = &resources["FunctionLogs"];
    assert_eq!(logs["Type"].as_str(), Some("AWS::Logs::LogGroup"));
    assert_eq!(
        t["Globals"]["Function"]["LoggingConfig"]["LogGroup"].as_str(),
        Some("FunctionLogs")
    );
    for (name, resource) in resources.as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        // A function's own LoggingConfig replaces none of the group (the mailer's sets its level).
        let own = &resource["Properties"]["LoggingConfig"]["LogGroup"];
        assert!(
            own.is_badvalue() || own.as_str() == Some("FunctionLogs"),
            "{name:?}: {own:?}"
        );
    }

    let filter = &resources["SmsDailyLimitReachedMetric"];
    assert_eq!(filter["Type"].as_str(), Some("AWS::Logs::MetricFilter"));
    let p = &filter["Properties"];
    assert_eq!(p["LogGroupName"].as_str(), Some("FunctionLogs"));
    // The line the code logs, and where the functions' JSON lines put an event's fields.
    let audit = "sms_daily_limit_reached";
    assert!(
        include_str!("../../functions/shared/src/services/outbox_texts.rs")
            .contains(&format!("audit = \"{audit}\"")),
        "the code logs {audit}"
    );
    assert_eq!(
        p["FilterPattern"].as_str(),
        Some(format!("{{ $.fields.audit = \"{audit}\" }}").as_str())
    );
    let line = json_log_line(|| tracing::warn!(audit, org_id = "org-1", "texts used up"));
    assert_eq!(line["fields"]["audit"], audit, "{line}");
    let metric = &p["MetricTransformations"].as_vec().unwrap()[0];
    assert_eq!(metric["MetricNamespace"].as_str(), Some("Onboarding/Mail"));
    assert_eq!(metric["MetricName"].as_str(), Some("SmsDailyLimitReached"));
    assert_eq!(metric["MetricValue"].as_str(), Some("1"));

    let alarm = &resources["SmsDailyLimitReachedAlarm"];
    assert_eq!(alarm["Type"].as_str(), Some("AWS::CloudWatch::Alarm"));
    let a = &alarm["Properties"];
    let actions = format!("{:?}", a["AlarmActions"]);
    assert!(
        actions.contains("HasAlarmTopic") && actions.contains("AlarmTopicArn"),
        "notifies the optional topic: {actions}"
    );
    assert_eq!(a["Namespace"].as_str(), Some("Onboarding/Mail"));
    assert_eq!(a["MetricName"].as_str(), Some("SmsDailyLimitReached"));
    assert_eq!(a["Statistic"].as_str(), Some("Sum"));
    assert_eq!(number(&a["Threshold"]), 0.0);
    assert_eq!(
        a["ComparisonOperator"].as_str(),
        Some("GreaterThanThreshold")
    );
    assert_eq!(a["TreatMissingData"].as_str(), Some("notBreaching"));
}

/// One event as the functions' JSON lines write it (`telemetry::init_json`'s formatter).
fn json_log_line(event: impl FnOnce()) -> serde_json::Value {
    use std::sync::{Arc, Mutex};
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, event);
    let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
    serde_json::from_str(text.lines().next().expect("one line")).unwrap()
}
