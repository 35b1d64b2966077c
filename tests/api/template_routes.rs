//! The routes in `template.yaml` are exactly the router's routes, each served by the function
//! the router says (its resource's CodeUri is `functions/<function name>`); the fourth function,
//! the mailer, serves no route: SES's events reach it through EventBridge.

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
        if f["Properties"]["CodeUri"].as_str() == Some("functions/mailer") {
            continue; // no secret at all: checked below
        }
        // Each function reads the session key's secret, and no other secret.
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
    for (name, resource) in t["Resources"].as_hash().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
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
}

/// The mailer: a function on an EventBridge rule that takes SES's delivery, bounce and complaint
/// events of the configuration set every email is sent in, with only the two table actions it
/// uses; the configuration set publishes those three event types to EventBridge's default bus.
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

    // Least privilege: one statement, GetItem (the MSG# pointer) and UpdateItem (the invite) on
    // the table; no secret, no SES, no index.
    let policies = p["Policies"].as_vec().unwrap();
    assert_eq!(policies.len(), 1);
    let statements = policies[0]["Statement"].as_vec().unwrap();
    assert_eq!(statements.len(), 1, "{statements:?}");
    let actions: BTreeSet<&str> = statements[0]["Action"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        BTreeSet::from(["dynamodb:GetItem", "dynamodb:UpdateItem"])
    );
    assert!(format!("{:?}", statements[0]["Resource"]).contains("Table"));

    // One event: the rule on SES's events of the configuration set in use.
    let events = p["Events"].as_hash().unwrap();
    assert_eq!(events.len(), 1);
    let (_, event) = events.iter().next().unwrap();
    assert_eq!(event["Type"].as_str(), Some("EventBridgeRule"));
    let pattern = &event["Properties"]["Pattern"];
    let strings = |y: &Yaml| -> BTreeSet<String> {
        y.as_vec()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
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
