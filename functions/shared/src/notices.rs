//! Notices that carry no link of their own and change nothing: "the email or mobile number on
//! your account was changed", sent to the old contact and the new one when an admin corrects an
//! active or disabled user (`PATCH /users/{id}`), by email or by text as each contact is. A
//! notice is best effort: a mail or text service that fails, or takes longer than
//! [`NOTICE_SEND_LIMIT`], is logged; the change stands.

use askama::Template;
use chrono::{DateTime, Utc};

use crate::domain::{EmailAddress, Identifier};
use crate::emails::date_in_words;
use crate::ports::{EmailMessage, Mailer, TextMessage, Texter};
use crate::services::password::NOTICE_SEND_LIMIT;
use crate::telemetry::log_unexpected;
use crate::texts::ContactChangedText;

#[derive(Template)]
#[template(path = "email/contact_changed.html")]
struct ContactChangedHtml<'a> {
    subject: &'a str,
    preheader: &'a str,
    org_name: Option<&'a str>,
    when: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/contact_changed.txt")]
struct ContactChangedMailText<'a> {
    org_name: Option<&'a str>,
    when: &'a str,
    footer: &'a str,
}

/// The email form of the notice.
pub struct ContactChangedEmail<'a> {
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl ContactChangedEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let subject = "The email or mobile number on your account was changed".to_owned();
        let when = date_in_words(self.at);
        let footer = format!(
            "This email was sent to {} because the contact details of its account changed. We send it every time, so you know.",
            self.to
        );
        let preheader = "If you didn't expect this, contact your admin.";
        let html = ContactChangedHtml {
            subject: &subject,
            preheader,
            org_name: self.org_name,
            when: &when,
            footer: &footer,
        }
        .render()
        .expect("the contact-changed template renders");
        let text = ContactChangedMailText {
            org_name: self.org_name,
            when: &when,
            footer: &footer,
        }
        .render()
        .expect("the contact-changed text renders");
        EmailMessage {
            to: self.to.clone(),
            subject,
            html,
            text,
            link: String::new(),
            purpose: "contact_changed",
        }
    }
}

/// Sends the notice to each of `to`, by email or by text as each is, at once and side by side.
pub async fn notify_contact_changed(
    mailer: &dyn Mailer,
    texter: &dyn Texter,
    to: &[Identifier],
    org_name: Option<&str>,
    at: DateTime<Utc>,
) {
    let sends = to.iter().map(|contact| async move {
        let sent = match contact {
            Identifier::Email(email) => {
                let message = ContactChangedEmail {
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
                    body: ContactChangedText { org_name }.render(),
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
