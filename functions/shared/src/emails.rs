//! The emails the service sends: the welcome email with its "Set Up Your Account" button, the
//! reset email, and the notice that a password was changed. HTML (table layout, inline styles, values escaped) and a text part that reads well alone.

use askama::Template;
use chrono::{DateTime, Duration, Utc};

use crate::domain::{EmailAddress, IssuedToken};
use crate::ports::EmailMessage;

/// "7 days", "30 minutes", "1 hour".
pub fn lifetime_in_words(d: Duration) -> String {
    let secs = d.num_seconds();
    let (n, unit) = if secs % 86_400 == 0 {
        (secs / 86_400, "day")
    } else if secs % 3600 == 0 {
        (secs / 3600, "hour")
    } else if secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// "Tuesday 1 December 2026 at 10:00 UTC".
pub fn date_in_words(at: DateTime<Utc>) -> String {
    at.format("%A %-d %B %Y at %H:%M UTC").to_string()
}

#[derive(Template)]
#[template(path = "email/welcome.html")]
struct WelcomeHtml<'a> {
    subject: &'a str,
    preheader: &'a str,
    name: Option<&'a str>,
    inviter_line: &'a str,
    link: &'a str,
    lifetime: &'a str,
    expires: &'a str,
    footer: &'a str,
    /// Where a code is typed (`/setup` or `/reset`), and the code, spaced for reading.
    code_page: &'a str,
    code: &'a str,
}

#[derive(Template)]
#[template(path = "email/welcome.txt")]
struct WelcomeText<'a> {
    name: Option<&'a str>,
    inviter_line: &'a str,
    link: &'a str,
    lifetime: &'a str,
    expires: &'a str,
    footer: &'a str,
    /// Where a code is typed (`/setup` or `/reset`), and the code, spaced for reading.
    code_page: &'a str,
    code: &'a str,
}

#[derive(Template)]
#[template(path = "email/reset.html")]
struct ResetHtml<'a> {
    subject: &'a str,
    preheader: &'a str,
    email: &'a str,
    org_name: Option<&'a str>,
    link: &'a str,
    lifetime: &'a str,
    expires: &'a str,
    footer: &'a str,
    /// Where a code is typed (`/setup` or `/reset`), and the code, spaced for reading.
    code_page: &'a str,
    code: &'a str,
}

#[derive(Template)]
#[template(path = "email/reset.txt")]
struct ResetText<'a> {
    email: &'a str,
    org_name: Option<&'a str>,
    link: &'a str,
    lifetime: &'a str,
    expires: &'a str,
    footer: &'a str,
    /// Where a code is typed (`/setup` or `/reset`), and the code, spaced for reading.
    code_page: &'a str,
    code: &'a str,
}

/// The page a link's code is typed on, and the code, spaced: what every message with a link
/// carries beside it (API.md, "One-time codes beside every link").
fn code_beside(token: &IssuedToken, public_base_url: &str) -> (String, String) {
    (
        format!(
            "{}{}",
            public_base_url.trim_end_matches('/'),
            token.record.purpose.path()
        ),
        token.code().spaced(),
    )
}

pub struct WelcomeEmail<'a> {
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

fn footer(to: &EmailAddress) -> String {
    format!("This email was sent to {to} because an admin added you to their team. Nobody from the team will ever ask you for your password.")
}

impl WelcomeEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let subject = match (self.org_name, self.reminder) {
            (Some(org), false) => format!("Set up your {org} account"),
            (None, false) => "Set up your account".to_owned(),
            (Some(org), true) => format!("Reminder: set up your {org} account"),
            (None, true) => "Reminder: set up your account".to_owned(),
        };
        let inviter_line = match (self.org_name, self.reminder) {
            (Some(org), false) => format!("{org} has added you to their team."),
            (None, false) => "Your admin has added you to their team.".to_owned(),
            (Some(org), true) => format!(
                "{org} added you to their team, and your invite is still waiting. This link replaces the one in the first email."
            ),
            (None, true) => "Your admin added you to their team, and your invite is still waiting. This link replaces the one in the first email.".to_owned(),
        };
        let link = self.token.link(self.public_base_url);
        let (code_page, code) = code_beside(self.token, self.public_base_url);
        let lifetime = lifetime_in_words(self.lifetime);
        let expires = date_in_words(self.token.record.expires_at);
        let footer = footer(self.to);
        // The line a mail client shows under the subject in the inbox.
        let preheader =
            format!("Choose your password to finish setting up. The link works for {lifetime}.");
        let html = WelcomeHtml {
            subject: &subject,
            preheader: &preheader,
            name: self.name,
            inviter_line: &inviter_line,
            link: &link,
            lifetime: &lifetime,
            expires: &expires,
            footer: &footer,
            code_page: &code_page,
            code: &code,
        }
        .render()
        .expect("the welcome template renders");
        let text = WelcomeText {
            name: self.name,
            inviter_line: &inviter_line,
            link: &link,
            lifetime: &lifetime,
            expires: &expires,
            footer: &footer,
            code_page: &code_page,
            code: &code,
        }
        .render()
        .expect("the welcome text renders");
        EmailMessage {
            to: self.to.clone(),
            subject,
            html,
            text,
            link,
            purpose: if self.reminder { "reminder" } else { "welcome" },
        }
    }
}

pub struct ResetEmail<'a> {
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub token: &'a IssuedToken,
    pub public_base_url: &'a str,
    pub lifetime: Duration,
}

impl ResetEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let subject = "Choose a new password".to_owned();
        let link = self.token.link(self.public_base_url);
        let (code_page, code) = code_beside(self.token, self.public_base_url);
        let lifetime = lifetime_in_words(self.lifetime);
        let expires = date_in_words(self.token.record.expires_at);
        let footer = format!("This email was sent to {} because someone asked for a new password. If it wasn't you, you can ignore it.", self.to);
        let preheader = format!("The link works for {lifetime}, and only once.");
        let html = ResetHtml {
            subject: &subject,
            preheader: &preheader,
            email: self.to.as_str(),
            org_name: self.org_name,
            link: &link,
            lifetime: &lifetime,
            expires: &expires,
            footer: &footer,
            code_page: &code_page,
            code: &code,
        }
        .render()
        .expect("the reset template renders");
        let text = ResetText {
            email: self.to.as_str(),
            org_name: self.org_name,
            link: &link,
            lifetime: &lifetime,
            expires: &expires,
            footer: &footer,
            code_page: &code_page,
            code: &code,
        }
        .render()
        .expect("the reset text renders");
        EmailMessage {
            to: self.to.clone(),
            subject,
            html,
            text,
            link,
            purpose: "reset",
        }
    }
}

#[derive(Template)]
#[template(path = "email/password_changed.html")]
struct PasswordChangedHtml<'a> {
    subject: &'a str,
    preheader: &'a str,
    email: &'a str,
    org_name: Option<&'a str>,
    when: &'a str,
    link: &'a str,
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "email/password_changed.txt")]
struct PasswordChangedText<'a> {
    email: &'a str,
    org_name: Option<&'a str>,
    when: &'a str,
    link: &'a str,
    footer: &'a str,
}

/// "Your password was changed" (OWASP Forgot Password Cheat Sheet; ASVS 5.0 6.3.7): when, and
/// the way back in (forgot-password) if it wasn't the user. No token: the link is the public
/// forgot-password page.
pub struct PasswordChangedEmail<'a> {
    pub to: &'a EmailAddress,
    pub org_name: Option<&'a str>,
    pub at: DateTime<Utc>,
    pub public_base_url: &'a str,
}

impl PasswordChangedEmail<'_> {
    pub fn render(&self) -> EmailMessage {
        let subject = "Your password was changed".to_owned();
        let link = format!("{}/password/forgot", self.public_base_url);
        let when = date_in_words(self.at);
        let footer = format!(
            "This email was sent to {} because its password was changed. We send it every time, so you know.",
            self.to
        );
        let preheader = "If it wasn't you, reset your password now.";
        let html = PasswordChangedHtml {
            subject: &subject,
            preheader,
            email: self.to.as_str(),
            org_name: self.org_name,
            when: &when,
            link: &link,
            footer: &footer,
        }
        .render()
        .expect("the password-changed template renders");
        let text = PasswordChangedText {
            email: self.to.as_str(),
            org_name: self.org_name,
            when: &when,
            link: &link,
            footer: &footer,
        }
        .render()
        .expect("the password-changed text renders");
        EmailMessage {
            to: self.to.clone(),
            subject,
            html,
            text,
            link,
            purpose: "password_changed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::token::{issue, TokenSubject};
    use crate::domain::{OrgId, Role, TokenPurpose, UserId};
    use secrecy::ExposeSecret;

    fn token(purpose: TokenPurpose, lifetime: Duration) -> IssuedToken {
        let contacts =
            crate::domain::Contacts::email(EmailAddress::parse("ana@example.com").unwrap());
        let now = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .to_utc();
        issue(
            purpose,
            TokenSubject {
                user_id: &UserId("u".into()),
                org_id: &OrgId("o".into()),
                contacts: &contacts,
                org_name: None,
                name: None,
                created_at: now,
                role: Role::Tech,
                locale: None,
            },
            1,
            now,
            lifetime,
        )
    }

    #[test]
    fn the_welcome_email_has_the_button_the_plain_link_the_expiry_and_the_fallback() {
        let to = EmailAddress::parse("ana@example.com").unwrap();
        let t = token(TokenPurpose::Setup, Duration::days(7));
        let msg = WelcomeEmail {
            to: &to,
            name: Some("Ana <script>alert(1)</script>"),
            org_name: Some("Northwind & Sons"),
            token: &t,
            public_base_url: "https://onboard.example.com",
            lifetime: Duration::days(7),
            reminder: false,
        }
        .render();
        let link = format!(
            "https://onboard.example.com/setup?token={}",
            t.plain.expose_secret()
        );
        assert!(msg.html.contains(">Set Up Your Account</a>"));
        assert_eq!(msg.html.matches(&format!("href=\"{link}\"")).count(), 2);
        assert!(msg.text.contains(&link));
        assert!(msg.html.contains("7 days") && msg.text.contains("7 days"));
        assert!(msg.text.contains("Tuesday 1 December 2026 at 10:00 UTC"));
        assert!(msg
            .text
            .contains("temporary password your admin gave you still signs you in"));
        // Admin-supplied values are escaped in HTML.
        assert!(!msg.html.contains("<script>"));
        assert!(
            msg.html.contains("Northwind &amp; Sons") || msg.html.contains("Northwind &#38; Sons")
        );
        assert_eq!(msg.subject, "Set up your Northwind & Sons account");
    }

    /// Mail clients drop `<style>` blocks, classes and external resources: every style is inline
    /// and the layout is tables.
    fn assert_renders_in_mail_clients(html: &str) {
        for banned in ["<style", "class=", "<script", "<link", "<img", "http-equiv"] {
            assert!(!html.contains(banned), "{banned} in: {html}");
        }
        assert!(html.starts_with("<!doctype html>\n<html lang=\"en\">"));
        assert!(html.contains("<table role=\"presentation\""));
        // The small print is #4b5563 on #f3f4f6: 6.9:1, above WCAG AA's 4.5:1.
        assert!(html.contains("color:#4b5563;"));
    }

    #[test]
    fn both_emails_are_table_layouts_with_inline_styles_and_an_inbox_preview() {
        let to = EmailAddress::parse("ana@example.com").unwrap();
        let setup = token(TokenPurpose::Setup, Duration::days(7));
        let welcome = WelcomeEmail {
            to: &to,
            name: None,
            org_name: None,
            token: &setup,
            public_base_url: "https://x.example",
            lifetime: Duration::days(7),
            reminder: false,
        }
        .render();
        assert_renders_in_mail_clients(&welcome.html);
        let reminder = WelcomeEmail {
            to: &to,
            name: None,
            org_name: Some("Northwind"),
            token: &setup,
            public_base_url: "https://x.example",
            lifetime: Duration::days(2),
            reminder: true,
        }
        .render();
        assert_eq!(reminder.subject, "Reminder: set up your Northwind account");
        assert_eq!(reminder.purpose, "reminder");
        assert!(reminder.text.contains("still waiting") && reminder.text.contains("2 days"));
        assert_renders_in_mail_clients(&reminder.html);
        assert!(welcome
            .html
            .contains("Choose your password to finish setting up. The link works for 7 days."));
        assert_eq!(welcome.subject, "Set up your account");
        let reset_token = token(TokenPurpose::Reset, Duration::minutes(30));
        let reset = ResetEmail {
            to: &to,
            org_name: Some("Northwind Plumbing"),
            token: &reset_token,
            public_base_url: "https://x.example",
            lifetime: Duration::minutes(30),
        }
        .render();
        assert_renders_in_mail_clients(&reset.html);
        assert!(reset
            .html
            .contains("The link works for 30 minutes, and only once."));
        assert!(reset
            .text
            .contains("for ana@example.com at Northwind Plumbing."));
        assert!(reset.html.contains(">Choose a New Password</a>"));
    }

    #[test]
    fn lifetimes_read_as_words() {
        assert_eq!(lifetime_in_words(Duration::days(7)), "7 days");
        assert_eq!(lifetime_in_words(Duration::minutes(30)), "30 minutes");
        assert_eq!(lifetime_in_words(Duration::hours(1)), "1 hour");
        assert_eq!(lifetime_in_words(Duration::seconds(90)), "90 seconds");
    }

    #[test]
    fn the_reset_email_has_its_link_and_thirty_minutes() {
        let to = EmailAddress::parse("ana@example.com").unwrap();
        let t = token(TokenPurpose::Reset, Duration::minutes(30));
        let msg = ResetEmail {
            to: &to,
            org_name: None,
            token: &t,
            public_base_url: "https://x.example",
            lifetime: Duration::minutes(30),
        }
        .render();
        assert!(msg.text.contains("https://x.example/reset?token="));
        assert!(msg.text.contains("30 minutes"));
    }

    #[test]
    fn the_password_changed_email_says_when_and_how_to_get_back_in() {
        let to = EmailAddress::parse("ana@example.com").unwrap();
        let at = DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let m = PasswordChangedEmail {
            to: &to,
            org_name: Some("Acme <Field>"),
            at,
            public_base_url: "https://onboard.example.com",
        }
        .render();
        assert_eq!(m.purpose, "password_changed");
        assert_eq!(m.link, "https://onboard.example.com/password/forgot");
        for body in [&m.html, &m.text] {
            assert!(
                body.contains("Tuesday 24 November 2026 at 10:00 UTC"),
                "{body}"
            );
            assert!(body.contains("https://onboard.example.com/password/forgot"));
        }
        assert!(m.html.contains("Acme &#60;Field&#62;") || m.html.contains("Acme &lt;Field&gt;"));
    }
}
