//! The emails the service sends: the welcome email with its "Set Up Your Account" button and its
//! reminder, the reset email, and the notices that a password or a contact was changed. HTML
//! (table layout, inline styles, values escaped) and a text part that reads well alone, both
//! in the user's language (`i18n`): every word comes from the catalogue's `emails.ftl`.

use askama::Template;
use chrono::{DateTime, Duration, Utc};

use crate::domain::{EmailAddress, IssuedToken};
use crate::i18n::{html::escape, Arg, Lang};
use crate::ports::EmailMessage;

/// What an email with a link says, in its order (`email/link.html`, `email/link.txt`).
struct LinkMessage {
    heading: String,
    lead: String,
    button: String,
    /// The text part's line before the link.
    link_intro: String,
    link: String,
    fallback: String,
    lifetime_line: String,
    /// "Go to {page} and enter:", the page a link (HTML) or inline with the code (text).
    code_intro_html: String,
    code_intro_text: String,
    /// The code, spaced for reading.
    code: String,
    code_note: String,
    closing: String,
}

#[derive(Template)]
#[template(path = "email/link.html")]
struct LinkHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    preheader: &'a str,
    footer: &'a str,
    m: &'a LinkMessage,
}

#[derive(Template)]
#[template(path = "email/link.txt")]
struct LinkText<'a> {
    footer: &'a str,
    m: &'a LinkMessage,
}

/// What a notice says: what changed and when, and what to do if it wasn't expected; a button
/// when there is somewhere to go (`email/notice.html`, `email/notice.txt`).
pub(crate) struct NoticeMessage {
    pub heading: String,
    pub when: String,
    pub reassurance: String,
    /// Bold in HTML, and the rest of its sentence after a comma.
    pub warning_lead: String,
    pub warning_rest: String,
    /// The button's label and link.
    pub button: Option<(String, String)>,
    pub fallback: String,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    lang: &'a str,
    subject: &'a str,
    preheader: &'a str,
    footer: &'a str,
    m: &'a NoticeMessage,
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    footer: &'a str,
    m: &'a NoticeMessage,
}

/// The parts every email has around its body.
pub(crate) struct Envelope<'a> {
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub subject: String,
    pub preheader: String,
    pub footer: String,
    pub link: String,
    pub purpose: &'static str,
}

impl Envelope<'_> {
    fn link_email(self, m: &LinkMessage) -> EmailMessage {
        let html = LinkHtml {
            lang: self.lang.tag(),
            subject: &self.subject,
            preheader: &self.preheader,
            footer: &self.footer,
            m,
        }
        .render()
        .expect("the link email renders");
        let text = LinkText {
            footer: &self.footer,
            m,
        }
        .render()
        .expect("the link email's text renders");
        self.message(html, text)
    }

    pub(crate) fn notice_email(self, m: &NoticeMessage) -> EmailMessage {
        let html = NoticeHtml {
            lang: self.lang.tag(),
            subject: &self.subject,
            preheader: &self.preheader,
            footer: &self.footer,
            m,
        }
        .render()
        .expect("the notice email renders");
        let text = NoticeText {
            footer: &self.footer,
            m,
        }
        .render()
        .expect("the notice email's text renders");
        self.message(html, text)
    }

    fn message(self, html: String, text: String) -> EmailMessage {
        EmailMessage {
            to: self.to.clone(),
            subject: self.subject,
            html,
            text,
            link: self.link,
            purpose: self.purpose,
        }
    }
}

/// The parts of a link's email that are the same for a welcome and a reset: the plain link,
/// its lifetime, and the code beside it (API.md, "One-time codes beside every link") with the
/// page it is typed on (`/setup` or `/reset`).
fn link_parts(
    lang: &Lang,
    token: &IssuedToken,
    public_base_url: &str,
    lifetime: Duration,
) -> LinkMessage {
    let link = token.link(public_base_url);
    let code_page = format!(
        "{}{}",
        public_base_url.trim_end_matches('/'),
        token.record.purpose.path()
    );
    let code = token.code().spaced();
    let lifetime = lang.duration(lifetime);
    let expires = lang.date_time(token.record.expires_at);
    let page_link = format!(
        "<a href=\"{}\" style=\"color:#1d4ed8;\">",
        escape(&code_page)
    );
    LinkMessage {
        lifetime_line: lang.with(
            "email-link-lifetime",
            &[
                ("lifetime", Arg::Text(&lifetime)),
                ("expires", Arg::Text(&expires)),
            ],
        ),
        code_intro_html: lang.marked(
            "email-code-intro",
            &[("page", Arg::Text(&code_page))],
            &[("page", &page_link, "</a>")],
        ),
        code_intro_text: lang.with(
            "email-code-intro-inline",
            &[("page", Arg::Text(&code_page)), ("code", Arg::Text(&code))],
        ),
        code,
        code_note: lang.get("email-code-note"),
        fallback: lang.get("email-button-fallback"),
        link,
        heading: String::new(),
        lead: String::new(),
        button: String::new(),
        link_intro: String::new(),
        closing: String::new(),
    }
}

pub struct WelcomeEmail<'a> {
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub name: Option<&'a str>,
    pub org_name: Option<&'a str>,
    pub token: &'a IssuedToken,
    pub public_base_url: &'a str,
    /// What is left of the link's time (the email says it).
    pub lifetime: Duration,
    /// The invite's one reminder: the same email, saying so.
    pub reminder: bool,
}

impl WelcomeEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let t = &self.lang;
        let (subject_id, inviter_id) = if self.reminder {
            ("reminder-subject", "reminder-inviter")
        } else {
            ("welcome-subject", "welcome-inviter")
        };
        let lifetime = t.duration(self.lifetime);
        let parts = link_parts(t, self.token, self.public_base_url, self.lifetime);
        let m = LinkMessage {
            heading: match self.name {
                Some(name) => t.one("welcome-heading", "name", name),
                None => t.get("welcome-heading-no-name"),
            },
            lead: format!(
                "{} {}",
                t.with_org(inviter_id, self.org_name, &[]),
                t.get("welcome-finish")
            ),
            button: t.get("welcome-button"),
            link_intro: t.get("welcome-link-intro"),
            closing: t.get("welcome-temporary"),
            ..parts
        };
        Envelope {
            lang: *t,
            to: self.to,
            subject: t.with_org(subject_id, self.org_name, &[]),
            // The line a mail client shows under the subject in the inbox.
            preheader: t.one("welcome-preheader", "lifetime", &lifetime),
            footer: t.one("welcome-footer", "to", self.to.as_str()),
            link: m.link.clone(),
            purpose: if self.reminder { "reminder" } else { "welcome" },
        }
        .link_email(&m)
    }
}

pub struct ResetEmail<'a> {
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub token: &'a IssuedToken,
    pub public_base_url: &'a str,
    pub lifetime: Duration,
}

impl ResetEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let t = &self.lang;
        let lifetime = t.duration(self.lifetime);
        let account = Arg::Text(self.to.as_str());
        let m = LinkMessage {
            heading: t.get("reset-heading"),
            lead: match self.org_name {
                Some(org) => t.with(
                    "reset-asked-org",
                    &[("account", account), ("org", Arg::Text(org))],
                ),
                None => t.with("reset-asked", &[("account", account)]),
            },
            button: t.get("reset-button"),
            link_intro: t.get("reset-link-intro"),
            closing: t.get("reset-ignore"),
            ..link_parts(t, self.token, self.public_base_url, self.lifetime)
        };
        Envelope {
            lang: *t,
            to: self.to,
            subject: t.get("reset-subject"),
            preheader: t.one("reset-preheader", "lifetime", &lifetime),
            footer: t.one("reset-footer", "to", self.to.as_str()),
            link: m.link.clone(),
            purpose: "reset",
        }
        .link_email(&m)
    }
}

/// "Your password was changed" (OWASP Forgot Password Cheat Sheet; ASVS 5.0 6.3.7): when, and
/// the way back in (forgot-password) if it wasn't the user. No token: the link is the public
/// forgot-password page.
pub struct PasswordChangedEmail<'a> {
    pub lang: Lang,
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub at: DateTime<Utc>,
    pub public_base_url: &'a str,
}

impl PasswordChangedEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let t = &self.lang;
        let link = format!("{}/password/forgot", self.public_base_url);
        let when = t.date_time(self.at);
        let (account, when_arg) = (Arg::Text(self.to.as_str()), Arg::Text(&when));
        let m = NoticeMessage {
            heading: t.get("changed-heading"),
            when: match self.org_name {
                Some(org) => t.with(
                    "changed-when-org",
                    &[
                        ("account", account),
                        ("org", Arg::Text(org)),
                        ("when", when_arg),
                    ],
                ),
                None => t.with("changed-when", &[("account", account), ("when", when_arg)]),
            },
            reassurance: t.get("changed-if-you"),
            warning_lead: t.get("changed-if-not-you"),
            warning_rest: t.get("changed-if-not-you-then"),
            button: Some((t.get("changed-button"), link.clone())),
            fallback: t.get("email-button-fallback"),
        };
        Envelope {
            lang: *t,
            to: self.to,
            subject: t.get("changed-subject"),
            preheader: t.get("changed-preheader"),
            footer: t.one("changed-footer", "to", self.to.as_str()),
            link,
            purpose: "password_changed",
        }
        .notice_email(&m)
    }
}

#[cfg(test)]
mod tests;
