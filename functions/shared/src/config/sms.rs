//! The text-message settings (API.md, "Phones"): which numbers are accepted, how many texts an
//! organisation may send a day, how fast the outbox hands them over, and what End User Messaging
//! sends them through.

use super::env::{Env, Reader};
use super::{err, ConfigError};
use crate::domain::phone::{PhoneRules, Region};

#[derive(Clone, Debug, PartialEq)]
pub struct SmsConfig {
    /// `DEFAULT_PHONE_REGION` and `SMS_ALLOWED_COUNTRIES`.
    pub rules: PhoneRules,
    /// Texts a day per organisation; past it a text waits for the next day.
    pub daily_limit_per_org: u32,
    /// Texts per second the outbox hands to End User Messaging (its accounts start at 1 per
    /// second for most origination identities).
    pub send_rate: f64,
    /// The phone number, sender id, pool or their ARN texts are sent from; `None`: texts are off
    /// (every text is refused, and an invite by text shows `failed`: `adapters::sms::TextsOff`).
    pub origination_identity: Option<String>,
    /// The End User Messaging configuration set each text is sent in (its spend and opt-out
    /// settings). Delivery events reach the mailer from EventBridge's default bus whatever it is
    /// (`sms_events`).
    pub configuration_set: Option<String>,
}

const DEFAULT_REGION: &str = "US";
const DEFAULT_ALLOWED: &str = "US,CA";

/// Reads the text-message settings, each with its default.
pub(super) fn from_env(env: &dyn Env) -> Result<SmsConfig, ConfigError> {
    let r = Reader { env };
    let allowed_countries = allowed_countries(env)?;
    let default_region = region(
        "DEFAULT_PHONE_REGION",
        &env.get("DEFAULT_PHONE_REGION")
            .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
    )?;
    // Every number typed without `+` is read there: outside the allowed countries, every one
    // of them would be refused.
    if !allowed_countries.contains(&default_region) {
        return Err(err(
            "DEFAULT_PHONE_REGION",
            format!(
                "{default_region} is not one of SMS_ALLOWED_COUNTRIES ({}): numbers typed without + would all be refused",
                allowed_countries
                    .iter()
                    .map(Region::as_str)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ));
    }
    Ok(SmsConfig {
        rules: PhoneRules {
            default_region,
            allowed_countries,
        },
        daily_limit_per_org: r.number("SMS_DAILY_LIMIT_PER_ORG", 500, 1, 1_000_000)?,
        send_rate: r.per_second("SMS_SEND_RATE", 1.0, "texts")?,
        origination_identity: env
            .get("SMS_ORIGINATION_IDENTITY")
            .map(|v| v.trim().to_owned()),
        configuration_set: env
            .get("SMS_CONFIGURATION_SET")
            .map(|v| v.trim().to_owned()),
    })
}

/// `SMS_ALLOWED_COUNTRIES`: a comma-separated list of regions, each known, at least one.
fn allowed_countries(env: &dyn Env) -> Result<Vec<Region>, ConfigError> {
    const VAR: &str = "SMS_ALLOWED_COUNTRIES";
    let raw = env.get(VAR).unwrap_or_else(|| DEFAULT_ALLOWED.to_owned());
    let mut regions = Vec::new();
    for code in raw.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let region = region(VAR, code)?;
        if !regions.contains(&region) {
            regions.push(region);
        }
    }
    if regions.is_empty() {
        return Err(err(VAR, "must name at least one region, such as US,CA"));
    }
    Ok(regions)
}

fn region(var: &'static str, code: &str) -> Result<Region, ConfigError> {
    Region::parse(code).ok_or_else(|| {
        err(
            var,
            format!("{code:?} is not a region: use two-letter ISO 3166 codes such as US or CA"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(pairs: &[(&str, &str)]) -> Result<SmsConfig, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        from_env(&env)
    }

    #[test]
    fn defaults_are_north_america_500_a_day_one_a_second() {
        let c = read(&[]).unwrap();
        assert_eq!(c.rules, PhoneRules::default());
        assert_eq!(c.rules.default_region.as_str(), "US");
        assert_eq!(c.daily_limit_per_org, 500);
        assert_eq!(c.send_rate, 1.0);
        assert_eq!(c.origination_identity, None);
        assert_eq!(c.configuration_set, None);
    }

    #[test]
    fn every_setting_is_read() {
        let c = read(&[
            ("DEFAULT_PHONE_REGION", "gb"),
            ("SMS_ALLOWED_COUNTRIES", " GB, ie ,GB"),
            ("SMS_DAILY_LIMIT_PER_ORG", "50"),
            ("SMS_SEND_RATE", "0.5"),
            ("SMS_ORIGINATION_IDENTITY", "+447700900123"),
            ("SMS_CONFIGURATION_SET", "onboarding-sms"),
        ])
        .unwrap();
        assert_eq!(c.rules.default_region.as_str(), "GB");
        let allowed: Vec<&str> = c
            .rules
            .allowed_countries
            .iter()
            .map(Region::as_str)
            .collect();
        assert_eq!(allowed, ["GB", "IE"]);
        assert_eq!(c.daily_limit_per_org, 50);
        assert_eq!(c.send_rate, 0.5);
        assert_eq!(c.origination_identity.as_deref(), Some("+447700900123"));
        assert_eq!(c.configuration_set.as_deref(), Some("onboarding-sms"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        for (pairs, var) in [
            (
                vec![("DEFAULT_PHONE_REGION", "USA")],
                "DEFAULT_PHONE_REGION",
            ),
            (vec![("DEFAULT_PHONE_REGION", "GB")], "DEFAULT_PHONE_REGION"),
            (
                vec![("SMS_ALLOWED_COUNTRIES", "US,XX")],
                "SMS_ALLOWED_COUNTRIES",
            ),
            (
                vec![("SMS_ALLOWED_COUNTRIES", " , ")],
                "SMS_ALLOWED_COUNTRIES",
            ),
            (
                vec![("SMS_DAILY_LIMIT_PER_ORG", "0")],
                "SMS_DAILY_LIMIT_PER_ORG",
            ),
            (
                vec![("SMS_DAILY_LIMIT_PER_ORG", "lots")],
                "SMS_DAILY_LIMIT_PER_ORG",
            ),
            (vec![("SMS_SEND_RATE", "0")], "SMS_SEND_RATE"),
            (vec![("SMS_SEND_RATE", "NaN")], "SMS_SEND_RATE"),
            (vec![("SMS_SEND_RATE", "1001")], "SMS_SEND_RATE"),
        ] {
            let e = read(&pairs).unwrap_err();
            assert_eq!(e.var, var, "{pairs:?}");
            assert!(e.to_string().contains(var));
        }
    }
}
