//! Notices that carry no link of their own and change nothing: "the email or mobile number on
//! your account was changed", sent to the old contact and the new one when an admin corrects an
//! active or disabled user (`PATCH /users/{id}`), by email or by text as each contact is. A
//! notice is best effort: a mail or text service that fails, or takes longer than
//! [`NOTICE_SEND_LIMIT`], is logged; the change stands.

use chrono::{DateTime, Utc};

use crate::domain::{EmailAddress, Identifier};
use crate::emails::{Envelope, NoticeMessage};
use crate::i18n::{Arg, Lang};
use crate::ports::{EmailMessage, Mailer, TextMessage, Texter};
use crate::services::password::NOTICE_SEND_LIMIT;
use crate::telemetry::log_unexpected;
use crate::texts::ContactChangedText;

/// The email form of the notice.
pub struct ContactChangedEmail<'a> {
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl ContactChangedEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let t = &self.lang;
        let when = t.date_time(self.at);
        let m = NoticeMessage {
            heading: t.get("contact-heading"),
            when: match self.org_name {
                Some(org) => t.with(
                    "contact-when-org",
                    &[("org", Arg::Text(org)), ("when", Arg::Text(&when))],
                ),
                None => t.one("contact-when", "when", &when),
            },
            reassurance: t.get("contact-if-told"),
            warning_lead: t.get("contact-if-not-expected"),
            warning_rest: t.get("contact-if-not-expected-then"),
            button: None,
            fallback: String::new(),
        };
        Envelope {
            lang: *t,
            to: self.to,
            subject: t.get("contact-subject"),
            preheader: t.get("contact-preheader"),
            footer: t.one("contact-footer", "to", self.to.as_str()),
            link: String::new(),
            purpose: "contact_changed",
        }
        .notice_email(&m)
    }
}

/// Sends the notice to each of `to`, by email or by text as each is, at once and side by side.
pub async fn notify_contact_changed(
    mailer: &dyn Mailer,
    texter: &dyn Texter,
    to: &[Identifier],
    lang: Lang,
    org_name: Option<&str>,
    at: DateTime<Utc>,
) {
    let sends = to.iter().map(|contact| async move {
        let sent = match contact {
            Identifier::Email(email) => {
                let message = ContactChangedEmail {
                    lang,
                    to: email,
                    org_name,
                    at,
                }
                .render();
                tokio::time::timeout(NOTICE_SEND_LIMIT, mailer.send(&message))
                    .await
                    .map(|r| r.map(drop).map_err(|e| e.to_string()))
            }
            Identifier::Phone(phone) => {
                let message = TextMessage {
                    to: phone.as_str().to_owned(),
                    body: ContactChangedText { lang, org_name }.render(),
                    link: String::new(),
                    purpose: "contact_changed",
                };
                tokio::time::timeout(NOTICE_SEND_LIMIT, texter.send(&message))
                    .await
                    .map(|r| r.map(drop).map_err(|e| e.to_string()))
            }
        };
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log_unexpected(
                "sending a contact-changed notice",
                &std::io::Error::other(e),
            ),
            Err(_) => tracing::error!(
                context = "sending a contact-changed notice",
                kind = contact.kind(),
                "the service took too long; the notice was not sent"
            ),
        }
    });
    futures_util::future::join_all(sends).await;
}
