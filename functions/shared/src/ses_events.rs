//! SES event publishing as the mailer function receives it: a configuration set publishes each
//! email's events to EventBridge's default bus, and a rule hands them to the function. The
//! EventBridge envelope (`source` `aws.ses`, `detail-type` such as `Email Bounced`) carries SES's
//! event record in `detail`, in the format SES documents for every destination: `eventType`
//! (`Delivery`, `Bounce`, `Complaint`, and others this service ignores), `mail.messageId` (the id
//! `SendEmail` returned), and for a bounce `bounce.bounceType` (`Permanent`, `Transient` or
//! `Undetermined`). Only the fields used are read; everything else SES sends is ignored.

use serde::Deserialize;

use crate::domain::{BounceType, DeliveryEvent};
use crate::ports::Invites;
use crate::services::delivery::{apply_delivery_event, DeliveryEventError};

/// An EventBridge event whose detail is an SES event record.
#[derive(Debug, Clone, Deserialize)]
pub struct SesEventBridgeEvent {
    #[serde(default)]
    pub source: String,
    #[serde(rename = "detail-type", default)]
    pub detail_type: String,
    pub detail: SesEventRecord,
}

/// SES's event record (the same JSON SES publishes to SNS and Firehose).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SesEventRecord {
    /// `notificationType` in SES's older feedback notifications, which carry the same objects.
    #[serde(alias = "notificationType")]
    pub event_type: String,
    pub mail: SesMail,
    #[serde(default)]
    pub bounce: Option<SesBounce>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SesMail {
    pub message_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SesBounce {
    pub bounce_type: String,
}

impl SesEventRecord {
    /// The email's id and what happened to it; `None` for the event types this service does not
    /// follow (Send, Open, Click, DeliveryDelay, …).
    pub fn delivery_event(&self) -> Option<(&str, DeliveryEvent)> {
        let event = match self.event_type.as_str() {
            "Delivery" => DeliveryEvent::Delivered,
            "Complaint" => DeliveryEvent::Complained,
            "Bounce" => {
                let permanent = self
                    .bounce
                    .as_ref()
                    .is_some_and(|b| b.bounce_type == "Permanent");
                // `Transient` and `Undetermined` (SES could not tell): the address may be good.
                DeliveryEvent::Bounced(if permanent {
                    BounceType::Permanent
                } else {
                    BounceType::Transient
                })
            }
            _ => return None,
        };
        Some((self.mail.message_id.as_str(), event))
    }
}

/// What invokes the mailer function: SES's events (configuration set → EventBridge → a rule),
/// End User Messaging SMS's text status events (the default bus → a rule), or the schedule
/// (EventBridge Scheduler, every minute, with the input `{"schedule": "sweep"}`). Untagged, so
/// each variant's required fields are what tell them apart: SES's `detail.mail.messageId`, a
/// text's `source`, `detail-type`, `detail.eventType` and `detail.messageId` (and no `mail`),
/// the schedule's lone `schedule`; no event of one kind has what another requires.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum MailerEvent {
    Ses(SesEventBridgeEvent),
    Sms(crate::sms_events::TextEventBridgeEvent),
    Schedule(ScheduleEvent),
}

/// The schedule's input, as `template.yaml` sets it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleEvent {
    /// `sweep`: send what is due (queued email, retries, reminders).
    pub schedule: String,
}

/// What the mailer function did with one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    /// An event type or source this service does not follow.
    Ignored,
    /// Applied to the store: whether the invite changed.
    Applied { changed: bool },
}

/// The mailer function's work for one EventBridge event: the event from SES's record, applied
/// through the same operation as the local mailbox simulator. A store failure is an error, so
/// Lambda's asynchronous invocation retries the event (applying one twice changes nothing).
pub async fn handle(
    invites: &dyn Invites,
    event: &SesEventBridgeEvent,
) -> Result<EventOutcome, DeliveryEventError> {
    if event.source != "aws.ses" {
        tracing::warn!(source = %event.source, "an event from another source; ignored");
        return Ok(EventOutcome::Ignored);
    }
    let Some((message_id, delivery)) = event.detail.delivery_event() else {
        tracing::info!(event_type = %event.detail.event_type, "an SES event type not followed; ignored");
        return Ok(EventOutcome::Ignored);
    };
    // The audit log's `at`: when this service learned of it.
    let changed = apply_delivery_event(invites, message_id, delivery, chrono::Utc::now()).await?;
    Ok(EventOutcome::Applied { changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample events under `events/mailer/`, built from SES's documented record format.
    fn sample(name: &str) -> SesEventBridgeEvent {
        let path = format!("{}/../../events/mailer/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn the_sample_events_parse_to_what_ses_reported() {
        let id = "0100019ac0ffee00-5e5b1a2c-8f3d-4c1e-9a6b-3d2f1e0c9b8a-000000";
        for (file, expected) in [
            ("delivery.json", DeliveryEvent::Delivered),
            (
                "bounce-permanent.json",
                DeliveryEvent::Bounced(BounceType::Permanent),
            ),
            ("complaint.json", DeliveryEvent::Complained),
        ] {
            let event = sample(file);
            assert_eq!(event.source, "aws.ses", "{file}");
            assert_eq!(
                event.detail.delivery_event(),
                Some((id, expected)),
                "{file}"
            );
        }
    }

    #[test]
    fn the_mailer_tells_ses_events_from_the_schedule_and_refuses_anything_else() {
        let ses = std::fs::read_to_string(format!(
            "{}/../../events/mailer/delivery.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(matches!(
            serde_json::from_str::<MailerEvent>(&ses).unwrap(),
            MailerEvent::Ses(_)
        ));
        let schedule = std::fs::read_to_string(format!(
            "{}/../../events/mailer/schedule.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert!(matches!(
            serde_json::from_str::<MailerEvent>(&schedule).unwrap(),
            MailerEvent::Schedule(s) if s.schedule == "sweep"
        ));
        for other in [r#"{}"#, r#"{"detail":{}}"#, r#"{"schedule":"sweep","x":1}"#] {
            assert!(
                serde_json::from_str::<MailerEvent>(other).is_err(),
                "{other}"
            );
        }
    }

    #[test]
    fn transient_and_undetermined_bounces_are_transient_and_other_types_are_ignored() {
        let record = |json: &str| serde_json::from_str::<SesEventRecord>(json).unwrap();
        for kind in ["Transient", "Undetermined"] {
            let r = record(&format!(
                r#"{{"eventType":"Bounce","mail":{{"messageId":"m"}},"bounce":{{"bounceType":"{kind}","bounceSubType":"General"}}}}"#
            ));
            assert_eq!(
                r.delivery_event(),
                Some(("m", DeliveryEvent::Bounced(BounceType::Transient)))
            );
        }
        for kind in ["Send", "Open", "Click", "DeliveryDelay", "Reject"] {
            let r = record(&format!(
                r#"{{"eventType":"{kind}","mail":{{"messageId":"m"}}}}"#
            ));
            assert_eq!(r.delivery_event(), None, "{kind}");
        }
        let old = record(r#"{"notificationType":"Complaint","mail":{"messageId":"m"}}"#);
        assert_eq!(old.delivery_event(), Some(("m", DeliveryEvent::Complained)));
    }
}
