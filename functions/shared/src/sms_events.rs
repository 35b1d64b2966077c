//! AWS End User Messaging SMS's delivery status events for texts, as the mailer function receives
//! them. The service puts one event on the account's default EventBridge bus each time a text's
//! status changes (`source` `aws.sms-voice`, `detail-type` `Text Message Delivery Status
//! Updated`, best effort); unlike SES there is no event destination to configure, so a rule
//! on the default bus hands them to the mailer. The `detail` is the service's event record:
//! `eventType` (`TEXT_DELIVERED`, `TEXT_BLOCKED`, …), `messageId` (the id `SendTextMessage`
//! returned), `isFinal` (whether the carrier may still report a later status), and fields this
//! service never reads (the origination and destination numbers, prices, carrier, context). Only
//! the three fields used are deserialized, so a phone number is never even held in memory here,
//! let alone logged.
//!
//! What each event type does to the invite is API.md's table ("Phones"): a text the carrier
//! took is `delivered`, one it refused for good is `bounced` `permanent`, one that might get
//! through later (unreachable, expired, unknown) `bounced` `transient`; a text still on its way
//! changes nothing. The event is applied through the same operation as SES's events, on the
//! same `MSG#<message id>` pointer, so only the invite's newest message counts.

use serde::Deserialize;

use crate::domain::{BounceType, DeliveryEvent};
use crate::ports::Invites;
use crate::services::delivery::{apply_delivery_event, DeliveryEventError};
use crate::ses_events::EventOutcome;

/// The EventBridge `source` of End User Messaging SMS's events.
pub const SOURCE: &str = "aws.sms-voice";
/// The `detail-type` of a text's status change (MMS and voice have their own).
pub const DETAIL_TYPE: &str = "Text Message Delivery Status Updated";

/// The event types that can move an invite: the template's rule passes only these to the mailer
/// (the queued and pending ones, the bulk of a text's events, would cost an invocation each for
/// nothing). `TEXT_SUCCESSFUL` is among them because a final one means delivered.
pub const FOLLOWED_EVENT_TYPES: [&str; 11] = [
    "TEXT_DELIVERED",
    "TEXT_SUCCESSFUL",
    "TEXT_BLOCKED",
    "TEXT_INVALID",
    "TEXT_INVALID_MESSAGE",
    "TEXT_SPAM",
    "TEXT_PROTECT_BLOCKED",
    "TEXT_UNREACHABLE",
    "TEXT_CARRIER_UNREACHABLE",
    "TEXT_TTL_EXPIRED",
    "TEXT_UNKNOWN",
];

/// An EventBridge event whose detail is a text's status record. `source` and `detail-type` are
/// required (unlike SES's, whose record alone tells it apart), so an event that is neither
/// cannot pass for a text's in the mailer's untagged [`crate::ses_events::MailerEvent`].
#[derive(Debug, Clone, Deserialize)]
pub struct TextEventBridgeEvent {
    pub source: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub detail: TextStatusRecord,
}

/// The fields of End User Messaging SMS's event record that this service uses.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextStatusRecord {
    pub event_type: String,
    pub message_id: String,
    /// Absent is read as not final: a `TEXT_SUCCESSFUL` then leaves the invite `sent`, the
    /// cautious reading (a later event still counts).
    #[serde(default)]
    pub is_final: bool,
}

impl TextStatusRecord {
    /// The text's id and what happened to it; `None` while the text is on its way
    /// (`TEXT_QUEUED`, `TEXT_PENDING`, a `TEXT_SUCCESSFUL` the carrier may still follow up) and
    /// for every event type the contract does not name (`TEXT_SENT`, `TEXT_CARRIER_BLOCKED`,
    /// MMS and voice types, types AWS adds later).
    pub fn delivery_event(&self) -> Option<(&str, DeliveryEvent)> {
        use BounceType::{Permanent, Transient};
        let event = match self.event_type.as_str() {
            // Countries report delivery as either; a final success is the carrier's last word.
            "TEXT_DELIVERED" => DeliveryEvent::Delivered,
            "TEXT_SUCCESSFUL" if self.is_final => DeliveryEvent::Delivered,
            // Refused for this number or this message: sending the same again will not help.
            "TEXT_BLOCKED"
            | "TEXT_INVALID"
            | "TEXT_INVALID_MESSAGE"
            | "TEXT_SPAM"
            | "TEXT_PROTECT_BLOCKED" => DeliveryEvent::Bounced(Permanent),
            // The phone or its network was away, the text's time ran out, or nobody can tell
            // (after 72 hours without a carrier's answer AWS reports UNKNOWN): a resend may work.
            "TEXT_UNREACHABLE"
            | "TEXT_CARRIER_UNREACHABLE"
            | "TEXT_TTL_EXPIRED"
            | "TEXT_UNKNOWN" => DeliveryEvent::Bounced(Transient),
            _ => return None,
        };
        Some((self.message_id.as_str(), event))
    }
}

/// The mailer function's work for one text status event: what the record says, applied through
/// the same operation as SES's events ([`apply_delivery_event`]). A store failure is an error,
/// so EventBridge's asynchronous invocation retries the event (applying one twice changes
/// nothing). An event about a text this service did not send (the rule sees every text of the
/// account and region) finds no `MSG#` pointer and changes nothing.
pub async fn handle(
    invites: &dyn Invites,
    event: &TextEventBridgeEvent,
) -> Result<EventOutcome, DeliveryEventError> {
    if event.source != SOURCE || event.detail_type != DETAIL_TYPE {
        tracing::warn!(
            source = %event.source,
            detail_type = %event.detail_type,
            "an event from another source or of another type; ignored"
        );
        return Ok(EventOutcome::Ignored);
    }
    let Some((message_id, delivery)) = event.detail.delivery_event() else {
        tracing::info!(
            event_type = %event.detail.event_type,
            is_final = event.detail.is_final,
            "a text status that moves no invite; ignored"
        );
        return Ok(EventOutcome::Ignored);
    };
    // The audit log's `at`: when this service learned of it.
    let changed = apply_delivery_event(invites, message_id, delivery, chrono::Utc::now()).await?;
    Ok(EventOutcome::Applied { changed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ses_events::MailerEvent;

    fn events_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/mailer")
    }

    fn read(name: &str) -> String {
        let path = events_dir().join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn record(event_type: &str, is_final: bool) -> TextStatusRecord {
        serde_json::from_value(serde_json::json!({
            "eventType": event_type,
            "messageId": "m",
            "isFinal": is_final,
        }))
        .unwrap()
    }

    /// The sample events under `events/mailer/text-*.json`, in the shape AWS's documentation
    /// shows (EventBridge's envelope around the service's record), one message id for all.
    #[test]
    fn the_sample_text_events_parse_to_what_the_table_says() {
        let id = "3f1c9a7e-5b2d-4e8f-a6c1-0d9e8b7a6c5f";
        let delivered = Some((id, DeliveryEvent::Delivered));
        for (file, expected) in [
            ("text-delivered.json", delivered),
            ("text-successful-final.json", delivered),
            ("text-successful-not-final.json", None),
            ("text-pending.json", None),
            (
                "text-blocked.json",
                Some((id, DeliveryEvent::Bounced(BounceType::Permanent))),
            ),
            (
                "text-ttl-expired.json",
                Some((id, DeliveryEvent::Bounced(BounceType::Transient))),
            ),
        ] {
            let event: TextEventBridgeEvent = serde_json::from_str(&read(file)).unwrap();
            assert_eq!(event.source, SOURCE, "{file}");
            assert_eq!(event.detail_type, DETAIL_TYPE, "{file}");
            assert_eq!(event.detail.delivery_event(), expected, "{file}");
        }
    }

    #[test]
    fn every_event_type_of_the_contract_moves_the_invite_as_its_table_says() {
        use BounceType::{Permanent, Transient};
        let cases: [(&str, bool, Option<DeliveryEvent>); 15] = [
            ("TEXT_DELIVERED", true, Some(DeliveryEvent::Delivered)),
            ("TEXT_DELIVERED", false, Some(DeliveryEvent::Delivered)),
            ("TEXT_SUCCESSFUL", true, Some(DeliveryEvent::Delivered)),
            ("TEXT_SUCCESSFUL", false, None),
            ("TEXT_PENDING", false, None),
            ("TEXT_QUEUED", false, None),
            (
                "TEXT_BLOCKED",
                true,
                Some(DeliveryEvent::Bounced(Permanent)),
            ),
            (
                "TEXT_INVALID",
                true,
                Some(DeliveryEvent::Bounced(Permanent)),
            ),
            (
                "TEXT_INVALID_MESSAGE",
                true,
                Some(DeliveryEvent::Bounced(Permanent)),
            ),
            ("TEXT_SPAM", true, Some(DeliveryEvent::Bounced(Permanent))),
            (
                "TEXT_PROTECT_BLOCKED",
                true,
                Some(DeliveryEvent::Bounced(Permanent)),
            ),
            (
                "TEXT_UNREACHABLE",
                true,
                Some(DeliveryEvent::Bounced(Transient)),
            ),
            (
                "TEXT_CARRIER_UNREACHABLE",
                true,
                Some(DeliveryEvent::Bounced(Transient)),
            ),
            (
                "TEXT_TTL_EXPIRED",
                true,
                Some(DeliveryEvent::Bounced(Transient)),
            ),
            (
                "TEXT_UNKNOWN",
                true,
                Some(DeliveryEvent::Bounced(Transient)),
            ),
        ];
        for (event_type, is_final, expected) in cases {
            assert_eq!(
                record(event_type, is_final).delivery_event(),
                expected.map(|e| ("m", e)),
                "{event_type} isFinal={is_final}"
            );
        }
        // Every type the rule passes on is one the table moves an invite for, and back.
        let moving: std::collections::BTreeSet<&str> = cases
            .iter()
            .filter(|(_, _, expected)| expected.is_some())
            .map(|(t, _, _)| *t)
            .collect();
        assert_eq!(moving, FOLLOWED_EVENT_TYPES.into_iter().collect());
    }

    #[test]
    fn other_event_types_and_a_missing_is_final_move_nothing() {
        for event_type in [
            "TEXT_SENT",
            "TEXT_CARRIER_BLOCKED",
            "TEXT_ALL",
            "MEDIA_DELIVERED",
            "VOICE_COMPLETED",
            "text_delivered",
            "",
        ] {
            assert_eq!(
                record(event_type, true).delivery_event(),
                None,
                "{event_type}"
            );
        }
        let no_final: TextStatusRecord =
            serde_json::from_str(r#"{"eventType":"TEXT_SUCCESSFUL","messageId":"m"}"#).unwrap();
        assert_eq!(no_final.delivery_event(), None);
    }

    /// Every sample in `events/mailer/` lands in its own variant of the mailer's untagged event:
    /// `text-*` in `Sms`, `schedule.json` in `Schedule`, the rest (SES's) in `Ses`; and neither
    /// kind of AWS event parses as the other's type at all, whatever the variants' order.
    #[test]
    fn each_sample_event_lands_in_its_own_variant_of_the_mailers_event() {
        let mut seen = (0, 0, 0);
        for entry in std::fs::read_dir(events_dir()).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if !name.ends_with(".json") {
                continue;
            }
            let text = read(&name);
            let parsed = serde_json::from_str::<MailerEvent>(&text)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let as_text = serde_json::from_str::<TextEventBridgeEvent>(&text);
            let as_ses = serde_json::from_str::<crate::ses_events::SesEventBridgeEvent>(&text);
            if name.starts_with("text-") {
                assert!(matches!(parsed, MailerEvent::Sms(_)), "{name}: {parsed:?}");
                assert!(as_ses.is_err(), "{name} parses as SES's");
                seen.0 += 1;
            } else if name == "schedule.json" {
                assert!(matches!(parsed, MailerEvent::Schedule(_)), "{name}");
                assert!(as_text.is_err() && as_ses.is_err(), "{name}");
                seen.1 += 1;
            } else {
                assert!(matches!(parsed, MailerEvent::Ses(_)), "{name}: {parsed:?}");
                assert!(as_text.is_err(), "{name} parses as a text's");
                seen.2 += 1;
            }
        }
        assert_eq!(seen, (6, 1, 3), "(texts, schedule, SES) samples");
        // A text's envelope without its record, or a record without its envelope, is nothing.
        for other in [
            r#"{"source":"aws.sms-voice","detail-type":"Text Message Delivery Status Updated","detail":{}}"#,
            r#"{"eventType":"TEXT_DELIVERED","messageId":"m","isFinal":true}"#,
        ] {
            assert!(
                serde_json::from_str::<MailerEvent>(other).is_err(),
                "{other}"
            );
        }
    }
}
