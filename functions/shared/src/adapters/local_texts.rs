//! The local server's text messages: each text becomes one JSON file (`.sms.json`: `to`, `body`,
//! `messageId`, `sentAt`) in the same outbox folder as the emails, its link printed on the
//! console. Nothing leaves the machine.
//!
//! It also plays End User Messaging's part for delivery (API.md, "Local server"): a text to a
//! number ending in `0998` is refused as opted out, as `SendTextMessage` refuses a number that
//! texted STOP; one ending in `0999` bounces for good; every other is delivered
//! ([`simulated_text_event`], applied by the local server shortly after the file is written).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::Path;

use super::local_mailbox::{outbox_files, LocalMailbox};
use crate::domain::{BounceType, DeliveryEvent};
use crate::ports::{TextError, TextMessage, Texter};

/// The file name's end that marks a text message in the outbox.
pub const TEXT_SUFFIX: &str = ".sms.json";

/// A text message as the outbox keeps it (and as `/_dev/mail` and the tests read it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxText {
    pub to: String,
    pub body: String,
    pub message_id: String,
    pub sent_at: DateTime<Utc>,
    /// `welcome`, `reminder` or `reset`.
    #[serde(default)]
    pub purpose: String,
    /// The file's name (not stored in it).
    #[serde(skip)]
    pub file_name: String,
}

/// What End User Messaging would report for a text to `to`: a permanent bounce for a number
/// ending in `0999`, delivered otherwise.
pub fn simulated_text_event(to: &str) -> DeliveryEvent {
    if to.ends_with("0999") {
        DeliveryEvent::Bounced(BounceType::Permanent)
    } else {
        DeliveryEvent::Delivered
    }
}

/// Whether a text to `to` is refused as opted out (a number ending in `0998`).
pub fn simulated_opt_out(to: &str) -> bool {
    to.ends_with("0998")
}

#[async_trait]
impl Texter for LocalMailbox {
    async fn send(&self, message: &TextMessage) -> Result<String, TextError> {
        if simulated_opt_out(&message.to) {
            return Err(TextError::OptedOut);
        }
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = Utc::now();
        let text = OutboxText {
            to: message.to.clone(),
            body: message.body.clone(),
            message_id: id.clone(),
            sent_at: now,
            purpose: message.purpose.to_owned(),
            file_name: String::new(),
        };
        let name = format!(
            "{}-{}-{}{TEXT_SUFFIX}",
            now.format("%Y%m%dT%H%M%S%.6fZ"),
            message.purpose,
            &id[..8]
        );
        let json = serde_json::to_vec_pretty(&text)
            .map_err(|e| TextError::Unavailable(format!("cannot write the text: {e}")))?;
        let path = self
            .write_private(&name, &json)
            .await
            .map_err(|e| TextError::Unavailable(format!("cannot write to the outbox: {e}")))?;
        if self.prints_links() {
            // The developer's console, not the log: this is how a local developer opens it.
            println!(
                "\n  ✆  {} text to {} saved as {}\n     Open: {}\n",
                message.purpose,
                message.to,
                path.display(),
                message.link
            );
        }
        Ok(id)
    }
}

/// The outbox's text messages, newest first.
pub fn read_texts(dir: &Path) -> std::io::Result<Vec<OutboxText>> {
    Ok(outbox_files(dir, TEXT_SUFFIX)?
        .into_iter()
        .filter_map(|(name, raw)| {
            let mut text = serde_json::from_slice::<OutboxText>(&raw).ok()?;
            text.file_name = name;
            Some(text)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_text_round_trips_through_its_file_and_the_simulator_numbers_answer() {
        let dir = std::env::temp_dir().join(format!("outbox-texts-{}", uuid::Uuid::new_v4()));
        let mailbox = LocalMailbox::new(&dir, "Onboarding <noreply@example.com>", false);
        let text = |to: &str| TextMessage {
            to: to.to_owned(),
            body:
                "Join Northwind by 30 Sep 10:00 UTC:\nhttps://x.example/s/abc\n@x.example #123456"
                    .into(),
            link: "https://x.example/s/abc".into(),
            purpose: "welcome",
        };
        let id = mailbox.send(&text("+12015550123")).await.unwrap();
        let texts = read_texts(&dir).unwrap();
        assert_eq!(texts.len(), 1);
        assert_eq!(texts[0].message_id, id);
        assert_eq!(texts[0].to, "+12015550123");
        assert_eq!(texts[0].body, text("").body);
        assert_eq!(texts[0].purpose, "welcome");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(&texts[0].file_name))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            mailbox.send(&text("+12015550998")).await,
            Err(TextError::OptedOut)
        ));
        assert_eq!(
            read_texts(&dir).unwrap().len(),
            1,
            "an opted-out number gets no file"
        );
        assert_eq!(
            simulated_text_event("+12015550999"),
            DeliveryEvent::Bounced(BounceType::Permanent)
        );
        assert_eq!(
            simulated_text_event("+12015550123"),
            DeliveryEvent::Delivered
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
