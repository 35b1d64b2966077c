//! The emails' parts, layout and languages.

use super::*;
use crate::domain::token::{issue, TokenSubject};
use crate::domain::Locale;
use crate::domain::{OrgId, Role, TokenPurpose, UserId};
use crate::i18n::tests::lang;
use secrecy::ExposeSecret;

fn en() -> Lang {
    lang(Locale::En)
}

fn token(purpose: TokenPurpose, lifetime: Duration) -> IssuedToken {
    let contacts = crate::domain::Contacts::email(EmailAddress::parse("ana@example.com").unwrap());
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
        lang: en(),
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
    assert!(msg.html.contains("Northwind &amp; Sons") || msg.html.contains("Northwind &#38; Sons"));
    assert_eq!(msg.subject, "Set up your Northwind & Sons account");
}

/// Mail clients drop `<style>` blocks, classes and external resources: every style is inline
/// and the layout is tables.
fn assert_renders_in_mail_clients(html: &str) {
    for banned in ["<style", "class=", "<script", "<link", "<img", "http-equiv"] {
        assert!(!html.contains(banned), "{banned} in: {html}");
    }
    assert!(html.starts_with("<!doctype html>\n<html lang=\""));
    assert!(html.contains("<table role=\"presentation\""));
    // The small print is #4b5563 on #f3f4f6: 6.9:1, above WCAG AA's 4.5:1.
    assert!(html.contains("color:#4b5563;"));
}

#[test]
fn both_emails_are_table_layouts_with_inline_styles_and_an_inbox_preview() {
    let to = EmailAddress::parse("ana@example.com").unwrap();
    let setup = token(TokenPurpose::Setup, Duration::days(7));
    let welcome = WelcomeEmail {
        lang: en(),
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
        lang: en(),
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
        lang: en(),
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
fn the_reset_email_has_its_link_and_thirty_minutes() {
    let to = EmailAddress::parse("ana@example.com").unwrap();
    let t = token(TokenPurpose::Reset, Duration::minutes(30));
    let msg = ResetEmail {
        lang: en(),
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
        lang: en(),
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

#[test]
fn a_spanish_invite_is_spanish_from_subject_to_footer_with_the_date_in_spanish() {
    let to = EmailAddress::parse("ana@example.com").unwrap();
    let t = token(TokenPurpose::Setup, Duration::days(7));
    let msg = WelcomeEmail {
        lang: lang(Locale::Es),
        to: &to,
        name: Some("Ana"),
        org_name: Some("Northwind"),
        token: &t,
        public_base_url: "https://onboard.example.com",
        lifetime: Duration::days(7),
        reminder: false,
    }
    .render();
    assert!(msg.html.starts_with("<!doctype html>\n<html lang=\"es\">"));
    assert!(msg.subject.contains("Northwind"), "{}", msg.subject);
    assert_ne!(msg.subject, "Set up your Northwind account");
    for body in [&msg.html, &msg.text] {
        assert!(
            body.contains("1 de diciembre de 2026, 10:00 (UTC)"),
            "{body}"
        );
        assert!(body.contains("7 días"), "{body}");
        assert!(body.contains("123 456") || body.contains(&t.code().spaced()));
        for english in [
            "Welcome",
            "Set Up Your Account",
            "temporary password",
            "This email was sent",
        ] {
            assert!(!body.contains(english), "{english} in: {body}");
        }
    }
}

/// Every email written in the pseudo-locale: no word outside a catalogue message but the
/// values (address, names, links, code).
#[test]
fn no_email_holds_a_word_from_outside_the_catalogue() {
    use crate::i18n::tests::{pseudo, words_outside_catalogue};
    let to = EmailAddress::parse("ana@example.com").unwrap();
    let setup = token(TokenPurpose::Setup, Duration::days(7));
    let reset = token(TokenPurpose::Reset, Duration::minutes(30));
    let base = "https://onboard.example.com";
    let mut emails = vec![];
    for reminder in [false, true] {
        for (name, org) in [(Some("Ana Tech"), Some("Northwind")), (None, None)] {
            emails.push(
                WelcomeEmail {
                    lang: pseudo(),
                    to: &to,
                    name,
                    org_name: org,
                    token: &setup,
                    public_base_url: base,
                    lifetime: Duration::days(7),
                    reminder,
                }
                .render(),
            );
        }
    }
    for org in [Some("Northwind"), None] {
        emails.push(
            ResetEmail {
                lang: pseudo(),
                to: &to,
                org_name: org,
                token: &reset,
                public_base_url: base,
                lifetime: Duration::minutes(30),
            }
            .render(),
        );
        emails.push(
            PasswordChangedEmail {
                lang: pseudo(),
                to: &to,
                org_name: org,
                at: Utc::now(),
                public_base_url: base,
            }
            .render(),
        );
        for notice in [
            crate::notices::Notice::ContactChanged,
            crate::notices::Notice::PasskeyAdded,
        ] {
            emails.push(
                crate::notices::NoticeEmail {
                    notice,
                    lang: pseudo(),
                    to: &to,
                    org_name: org,
                    at: Utc::now(),
                }
                .render(),
            );
        }
    }
    for m in &emails {
        let values = [
            m.link.as_str(),
            "https://onboard.example.com/setup",
            "https://onboard.example.com/reset",
            "ana@example.com",
            "Ana Tech",
            "Northwind",
        ];
        for part in [&m.html, &m.text, &format!("⟦{}⟧", m.subject)] {
            let words = words_outside_catalogue(part, &values);
            assert!(words.is_empty(), "{words:?} in {}: {part}", m.purpose);
        }
        assert!(m.subject.starts_with('⟦'), "{}", m.subject);
    }
}
