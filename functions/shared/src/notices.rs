//! Notices that carry no link of their own and change nothing, by email or by text as each
//! contact is: "the email or mobile number on your account was changed", sent to the old contact
//! and the new one when an admin corrects an active or disabled user (`PATCH /users/{id}`), and
//! "a passkey was added to your account", sent to the user's contact when they add one (or set
//! one up from a reset link). A notice is best effort: a mail or text service that fails, or
//! takes longer than [`NOTICE_SEND_LIMIT`], is logged; the change stands.

use chrono::{DateTime, Utc};

use crate::domain::{EmailAddress, Identifier};
use crate::emails::{Envelope, NoticeMessage};
use crate::i18n::{Arg, Lang};
use crate::ports::{EmailMessage, Mailer, TextMessage, Texter};
use crate::services::password::NOTICE_SEND_LIMIT;
use crate::telemetry::log_unexpected;
use crate::texts::NoticeText;

/// What a notice tells: its messages in the catalogues are `<prefix>-…`, its text
/// `text-<purpose>` (`locales/*/emails.ftl`, `texts.ftl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    ContactChanged,
    PasskeyAdded,
}

impl Notice {
    fn prefix(self) -> &'static str {
        match self {
            Self::ContactChanged => "contact",
            Self::PasskeyAdded => "passkey",
        }
    }
    /// The email's purpose (its tag) and what the logs call it.
    pub fn purpose(self) -> &'static str {
        match self {
            Self::ContactChanged => "contact_changed",
            Self::PasskeyAdded => "passkey_added",
        }
    }
    fn id(self, part: &str) -> String {
        format!("{}-{part}", self.prefix())
    }
    /// The text message's catalogue id.
    pub fn text_id(self) -> &'static str {
        match self {
            Self::ContactChanged => "text-contact-changed",
            Self::PasskeyAdded => "text-passkey-added",
        }
    }
}

/// The email form of the notice.
pub struct NoticeEmail<'a> {
    pub notice: Notice,
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl NoticeEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let (t, n) = (&self.lang, self.notice);
        let when = t.date_time(self.at);
        let m = NoticeMessage {
            heading: t.get(&n.id("heading")),
            when: match self.org_name {
                Some(org) => t.with(
                    &n.id("when-org"),
                    &[("org", Arg::Text(org)), ("when", Arg::Text(&when))],
                ),
                None => t.one(&n.id("when"), "when", &when),
            },
            reassurance: t.get(&n.id("if-told")),
            warning_lead: t.get(&n.id("if-not-expected")),
            warning_rest: t.get(&n.id("if-not-expected-then")),
            button: None,
            fallback: String::new(),
        };
        Envelope {
            lang: *t,
            to: self.to,
            subject: t.get(&n.id("subject")),
            preheader: t.get(&n.id("preheader")),
            footer: t.one(&n.id("footer"), "to", self.to.as_str()),
            link: String::new(),
            purpose: n.purpose(),
        }
        .notice_email(&m)
    }
}

/// Sends `notice` to each of `to`, by email or by text as each is, at once and side by side.
#[allow(clippy::too_many_arguments)]
pub async fn notify(
    notice: Notice,
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
                let message = NoticeEmail {
                    notice,
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
                    body: NoticeText {
                        notice,
                        lang,
                        org_name,
                    }
                    .render(),
                    link: String::new(),
                    purpose: notice.purpose(),
                };
                tokio::time::timeout(NOTICE_SEND_LIMIT, texter.send(&message))
                    .await
                    .map(|r| r.map(drop).map_err(|e| e.to_string()))
            }
        };
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log_unexpected(notice.purpose(), &std::io::Error::other(e)),
            Err(_) => tracing::error!(
                context = notice.purpose(),
                kind = contact.kind(),
                "the service took too long; the notice was not sent"
            ),
        }
    });
    futures_util::future::join_all(sends).await;
}
