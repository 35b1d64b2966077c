//! The text messages the service sends (API.md, "Phones"): the invite (welcome and resend), its
//! reminder, the reset, and the notice that a user's email or mobile number was changed.
//!
//! A text is short by contract: at most 2 GSM-7 segments (306 characters), or 3 UCS-2 segments
//! (201 units) when a character outside GSM-7 (an organisation's "Ł", an emoji) makes the whole
//! body UCS-2 (`domain::sms_text`). The company name (cut to 30 characters), the link (90
//! characters with a long host) and the autofill line (45) leave a UCS-2 body 36 units of
//! wording and expiry, so one short wording serves both encodings, and the tests below hold
//! the longest of each within its limit (with a 30-character name outside GSM-7 the tightest,
//! the reminder, has 4 units to spare: a name whose first 30 characters hold more than 4 emoji,
//! 2 units each, would go over).
//!
//! Every word a tech reads comes from the catalogue (`texts.ftl`), in the user's language; the
//! structs here put a message's parts in their order. The link is taken as given
//! (`{PUBLIC_BASE_URL}/s/{token}`, built where the token is).

use chrono::{DateTime, Duration, Utc};

use crate::domain::code::{autofill_line, OneTimeCode};
use crate::i18n::{Arg, Lang};

/// The company name's length in a text (API.md), in characters.
pub const ORG_NAME_CHARS: usize = 30;

/// The company name as a text shows it: one line (an admin's name could carry a line break,
/// which would move the autofill line off the end), cut to [`ORG_NAME_CHARS`] characters
/// without a trailing space; `None` when nothing is left.
pub fn org_name_for_text(org: &str) -> Option<String> {
    let one_line = org
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let cut: String = one_line.chars().take(ORG_NAME_CHARS).collect();
    let cut = cut.trim_end();
    (!cut.is_empty()).then(|| cut.to_owned())
}

/// A text carrying a link: its first line, the link, and the autofill line with the code as
/// the very last characters (no trailing newline), which phones read the code from.
fn with_link(first_line: &str, link: &str, public_base_url: &str, code: &OneTimeCode) -> String {
    format!(
        "{first_line}\n{link}\n{}",
        autofill_line(public_base_url, code)
    )
}

/// The invite by text (`"delivery": "sms"`), sent again as is by a resend; with `reminder`, the
/// invite's one reminder, whose fresh link expires when the first would have.
pub struct InviteText<'a> {
    pub lang: Lang,
    pub org_name: Option<&'a str>,
    pub link: &'a str,
    pub expires_at: DateTime<Utc>,
    pub code: &'a OneTimeCode,
    pub public_base_url: &'a str,
    pub reminder: bool,
}

impl InviteText<'_> {
    pub fn render(&self) -> String {
        let org = self.org_name.and_then(org_name_for_text);
        let expires = self.lang.short_date_time(self.expires_at);
        let id = if self.reminder {
            "text-reminder"
        } else {
            "text-invite"
        };
        let line = self
            .lang
            .with_org(id, org.as_deref(), &[("expires", Arg::Text(&expires))]);
        with_link(&line, self.link, self.public_base_url, self.code)
    }
}

/// A forgot-password request by phone: the reset link and its code (30 minutes by default).
pub struct ResetText<'a> {
    pub lang: Lang,
    pub org_name: Option<&'a str>,
    pub link: &'a str,
    pub lifetime: Duration,
    pub code: &'a OneTimeCode,
    pub public_base_url: &'a str,
}

impl ResetText<'_> {
    pub fn render(&self) -> String {
        let org = self.org_name.and_then(org_name_for_text);
        let lifetime = self.lang.duration(self.lifetime);
        with_link(
            &self.lang.with_org(
                "text-reset",
                org.as_deref(),
                &[("lifetime", Arg::Text(&lifetime))],
            ),
            self.link,
            self.public_base_url,
            self.code,
        )
    }
}

/// Sent to the old contact and the new one when an admin changes an active or disabled user's
/// email or mobile number. No link and no code: whoever gets it has nothing to click.
/// A notice's text message (`notices`).
pub struct NoticeText<'a> {
    pub notice: crate::notices::Notice,
    pub lang: Lang,
    pub org_name: Option<&'a str>,
}

impl NoticeText<'_> {
    pub fn render(&self) -> String {
        let org = self.org_name.and_then(org_name_for_text);
        self.lang
            .with_org(self.notice.text_id(), org.as_deref(), &[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sms_text::{segments, Encoding};
    use crate::domain::Locale;
    use crate::i18n::tests::lang;

    fn en() -> Lang {
        lang(Locale::En)
    }

    const BASE_URL: &str = "https://onboarding.example-field-service.com";
    /// Longer than 30 characters, so it is cut.
    const LONG_ORG: &str = "Northwind Plumbing and Heating Services of Greater Springfield";
    /// Cut to 30 characters, with an "ó", "ź" and "Ł" that GSM-7 lacks.
    const UCS2_ORG: &str = "Łódź Plumbing and Heating Services Ltd";
    /// Cut to 30 characters, the first an emoji of 2 UTF-16 units.
    const EMOJI_ORG: &str = "🔧 Northwind Plumbing and Heating Services";

    fn longest_link() -> String {
        format!("{BASE_URL}/s/{}", "A".repeat(43))
    }

    fn code() -> OneTimeCode {
        OneTimeCode::parse("123456").unwrap()
    }

    /// The expiry with the most characters: a two-digit day.
    fn expires() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-09-30T10:00:00Z")
            .unwrap()
            .to_utc()
    }

    /// The expiry that is longest in `lang`'s words: a two-digit day of each month.
    fn longest_expiry(lang: Lang) -> DateTime<Utc> {
        (1..=12)
            .map(|m| {
                DateTime::parse_from_rfc3339(&format!("2026-{m:02}-30T10:00:00Z"))
                    .unwrap_or_else(|_| {
                        DateTime::parse_from_rfc3339("2026-02-28T10:00:00Z").unwrap()
                    })
                    .to_utc()
            })
            .max_by_key(|at| lang.short_date_time(*at).chars().count())
            .unwrap()
    }

    /// Every text, for an organisation, in English.
    fn all_texts(org: Option<&str>) -> Vec<(&'static str, String)> {
        texts_in(en(), org, expires())
    }

    /// Every text, for an organisation, in `lang`, expiring `at`.
    fn texts_in(lang: Lang, org: Option<&str>, at: DateTime<Utc>) -> Vec<(&'static str, String)> {
        let (link, code) = (longest_link(), code());
        vec![
            (
                "invite",
                InviteText {
                    lang,
                    org_name: org,
                    link: &link,
                    expires_at: at,
                    code: &code,
                    public_base_url: BASE_URL,
                    reminder: false,
                }
                .render(),
            ),
            (
                "reminder",
                InviteText {
                    lang,
                    org_name: org,
                    link: &link,
                    expires_at: at,
                    code: &code,
                    public_base_url: BASE_URL,
                    reminder: true,
                }
                .render(),
            ),
            (
                "reset",
                ResetText {
                    lang,
                    org_name: org,
                    link: &link,
                    lifetime: Duration::minutes(30),
                    code: &code,
                    public_base_url: BASE_URL,
                }
                .render(),
            ),
            (
                "contact changed",
                NoticeText {
                    notice: crate::notices::Notice::ContactChanged,
                    lang,
                    org_name: org,
                }
                .render(),
            ),
            (
                "passkey added",
                NoticeText {
                    notice: crate::notices::Notice::PasskeyAdded,
                    lang,
                    org_name: org,
                }
                .render(),
            ),
        ]
    }

    #[test]
    fn english_texts_are_gsm_7_within_two_segments_with_the_longest_name_and_link() {
        for org in [Some(LONG_ORG), None] {
            for (kind, body) in all_texts(org) {
                let s = segments(&body);
                assert_eq!(s.encoding, Encoding::Gsm7, "{kind}: {body}");
                assert!(s.units <= 306 && s.count <= 2, "{kind}: {s:?}\n{body}");
                assert!(s.within_limit());
            }
        }
    }

    #[test]
    fn a_name_outside_gsm_7_keeps_every_text_within_three_ucs_2_segments() {
        for org in [UCS2_ORG, EMOJI_ORG, "Łódź Services"] {
            for (kind, body) in all_texts(Some(org)) {
                let s = segments(&body);
                assert_eq!(s.encoding, Encoding::Ucs2, "{kind}: {body}");
                assert!(s.units <= 201 && s.count <= 3, "{kind}: {s:?}\n{body}");
                assert!(s.within_limit());
            }
        }
    }

    #[test]
    fn the_tightest_text_takes_a_30_character_name_with_up_to_4_emoji() {
        let reminder_units = |org: &str| {
            let (link, code) = (longest_link(), code());
            let body = InviteText {
                lang: en(),
                org_name: Some(org),
                link: &link,
                expires_at: expires(),
                code: &code,
                public_base_url: BASE_URL,
                reminder: true,
            }
            .render();
            segments(&body)
        };
        let four = format!("{}{}", "🔧".repeat(4), "Ł".repeat(26));
        assert_eq!(reminder_units(&four).units, 201);
        assert!(reminder_units(&four).within_limit());
        let five = format!("{}{}", "🔧".repeat(5), "Ł".repeat(25));
        assert_eq!(reminder_units(&five).units, 202);
        assert!(!reminder_units(&five).within_limit());
    }

    #[test]
    fn every_locale_s_texts_stay_within_their_segments_with_the_longest_name_link_and_date() {
        for locale in Locale::ALL {
            let l = lang(locale);
            let at = longest_expiry(l);
            for org in [Some(LONG_ORG), None, Some(UCS2_ORG), Some(EMOJI_ORG)] {
                for (kind, body) in texts_in(l, org, at) {
                    let s = segments(&body);
                    assert!(s.within_limit(), "{locale} {kind}: {s:?}\n{body}");
                    if org.is_some_and(|o| o != LONG_ORG) {
                        assert_eq!(s.encoding, Encoding::Ucs2);
                    }
                }
            }
        }
    }

    /// The pseudo-locale run for texts: nothing but catalogue messages and the values given.
    #[test]
    fn no_text_holds_a_word_from_outside_the_catalogue() {
        use crate::i18n::tests::{pseudo, words_outside_catalogue};
        for org in [Some("Northwind"), None] {
            for (kind, body) in texts_in(pseudo(), org, expires()) {
                let link = longest_link();
                let values = [
                    link.as_str(),
                    "onboarding.example-field-service.com",
                    "Northwind",
                ];
                let words = words_outside_catalogue(&body, &values);
                assert!(words.is_empty(), "{kind}: {words:?} in {body}");
            }
        }
    }

    #[test]
    fn a_translated_text_says_its_expiry_in_the_locale_s_words() {
        let es = texts_in(lang(Locale::Es), Some("Northwind"), expires());
        assert!(
            es[0].1.contains("Northwind") && es[0].1.contains("sep"),
            "{}",
            es[0].1
        );
        assert!(
            !es[0].1.contains("Join") && !es[0].1.contains("Sep "),
            "{}",
            es[0].1
        );
        let de = texts_in(lang(Locale::De), None, expires());
        assert!(de[2].1.contains("30 Minuten"), "{}", de[2].1);
    }

    #[test]
    fn a_text_with_a_link_ends_with_the_autofill_line_and_no_newline() {
        let link = longest_link();
        for (kind, body) in all_texts(Some(LONG_ORG)) {
            // The notices carry no link and no code.
            if kind == "contact changed" || kind == "passkey added" {
                assert!(!body.contains("http") && !body.contains("123456"), "{body}");
                continue;
            }
            let lines: Vec<&str> = body.split('\n').collect();
            assert_eq!(
                lines.last(),
                Some(&"@onboarding.example-field-service.com #123456"),
                "{kind}: {body}"
            );
            assert!(lines.contains(&link.as_str()), "{kind}: {body}");
            assert!(body.contains("Northwind Plumbing and Heating "), "{body}");
            assert!(!body.contains("Heating Services"), "cut at 30: {body}");
        }
    }

    #[test]
    fn each_text_says_its_expiry_or_lifetime() {
        let texts = all_texts(Some("Northwind"));
        assert!(texts[0]
            .1
            .starts_with("Join Northwind by 30 Sep 10:00 UTC:\n"));
        assert!(texts[1]
            .1
            .starts_with("Northwind invite ends 30 Sep 10:00 UTC:\n"));
        assert!(texts[2]
            .1
            .starts_with("Northwind password reset (30 minutes):\n"));
        assert!(texts[3]
            .1
            .starts_with("Northwind: The email or mobile number"));
        let nameless = all_texts(None);
        assert!(nameless[0].1.starts_with("Set up your account by 30 Sep"));
        assert!(nameless[1]
            .1
            .starts_with("Reminder: your invite ends 30 Sep"));
        assert!(nameless[2]
            .1
            .starts_with("Reset your password within 30 minutes:"));
    }

    #[test]
    fn the_company_name_is_one_line_of_at_most_30_characters_without_a_trailing_space() {
        assert_eq!(
            org_name_for_text(LONG_ORG).as_deref(),
            Some("Northwind Plumbing and Heating")
        );
        // The 30th character is a space: it goes.
        assert_eq!(
            org_name_for_text("Acme Field Service Technician Group").as_deref(),
            Some("Acme Field Service Technician")
        );
        // Cut on a character, not a byte.
        let cut = org_name_for_text(UCS2_ORG).unwrap();
        assert_eq!(cut.chars().count(), 30);
        assert_eq!(cut, "Łódź Plumbing and Heating Serv");
        assert_eq!(
            org_name_for_text(" Acme\n@evil.example #999999\r\n").as_deref(),
            Some("Acme @evil.example #999999")
        );
        assert_eq!(org_name_for_text(" \n\t"), None);
    }
}
