//! The message catalogues (API.md, "Languages"): every word a tech reads on a page, in an email
//! or in a text message comes from here, in their language. The catalogues are Project Fluent
//! files (`functions/shared/locales/{locale}/*.ftl`), compiled into the binary and parsed the
//! first time a locale is used; a [`Lang`] is one locale with the time zone its dates are
//! written in (`DISPLAY_TIME_ZONE`).
//!
//! Placeables are not wrapped in Unicode isolation marks: every language here is written left to
//! right, and the marks would make every text message UCS-2. Every catalogue has every message of
//! the English one with the same placeables (`tests::every_catalogue_has_every_message`).

mod dates;
pub mod html;

use chrono_tz::Tz;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::sync::LazyLock;

use crate::domain::Locale;

/// The files of one catalogue, by area.
pub const FILES: [&str; 4] = ["common", "pages", "emails", "texts"];

macro_rules! catalogue {
    ($tag:literal) => {
        [
            include_str!(concat!("../../locales/", $tag, "/common.ftl")),
            include_str!(concat!("../../locales/", $tag, "/pages.ftl")),
            include_str!(concat!("../../locales/", $tag, "/emails.ftl")),
            include_str!(concat!("../../locales/", $tag, "/texts.ftl")),
        ]
    };
}

/// The catalogue's source files of `locale`, in [`FILES`]' order.
pub fn sources(locale: Locale) -> [&'static str; 4] {
    match locale {
        Locale::En => catalogue!("en"),
        Locale::Es => catalogue!("es"),
        Locale::Fr => catalogue!("fr"),
        Locale::De => catalogue!("de"),
        Locale::PtBr => catalogue!("pt-BR"),
    }
}

type Bundle = FluentBundle<FluentResource>;

fn bundle_of(locale: Locale) -> Bundle {
    let id = locale
        .tag()
        .parse()
        .expect("every locale tag is a language identifier");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    bundle.set_use_isolating(false);
    for source in sources(locale) {
        // Both hold by test (`every_catalogue_parses`): a catalogue that doesn't parse never
        // reaches a build that runs.
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, errors)| panic!("the {locale} catalogue parses: {errors:?}"));
        bundle.add_resource(resource).unwrap_or_else(|errors| {
            panic!("the {locale} catalogue has no duplicates: {errors:?}")
        });
    }
    bundle
}

static BUNDLES: [LazyLock<Bundle>; 5] = [
    LazyLock::new(|| bundle_of(Locale::En)),
    LazyLock::new(|| bundle_of(Locale::Es)),
    LazyLock::new(|| bundle_of(Locale::Fr)),
    LazyLock::new(|| bundle_of(Locale::De)),
    LazyLock::new(|| bundle_of(Locale::PtBr)),
];

fn bundle(locale: Locale) -> &'static Bundle {
    let i = Locale::ALL
        .iter()
        .position(|l| *l == locale)
        .expect("ALL lists every locale");
    &BUNDLES[i]
}

/// A value for a message's placeable: words (a name, a date already in words), or a number,
/// which plural forms select on.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(s)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Number(n)
    }
}

impl From<usize> for Arg<'_> {
    fn from(n: usize) -> Self {
        Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Arg<'_> {
    fn from(n: u32) -> Self {
        Arg::Number(n.into())
    }
}

/// One language, and the zone its dates are written in: what a page, an email or a text is
/// written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang {
    locale: Locale,
    zone: Tz,
    /// The pseudo-locale of the tests: English with every message in `⟦…⟧`, so that a test can
    /// find any word a page shows that did not come from a catalogue.
    #[cfg(test)]
    pseudo: bool,
}

/// What a message is written in for whom: `DEFAULT_LOCALE` for a user without a locale (and a
/// page that knows no better), and `DISPLAY_TIME_ZONE` for every date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Langs {
    pub default: Locale,
    pub zone: Tz,
}

impl Langs {
    /// `locale`, or the default.
    pub fn of(&self, locale: Option<Locale>) -> Lang {
        Lang::new(locale.unwrap_or(self.default), self.zone)
    }

    /// The user's own language, at the moment a message to them is written.
    pub fn for_user(&self, user: &crate::domain::User) -> Lang {
        self.of(user.locale)
    }
}

impl crate::config::Config {
    pub fn langs(&self) -> Langs {
        Langs {
            default: self.default_locale,
            zone: self.display_time_zone,
        }
    }
}

impl Lang {
    pub fn new(locale: Locale, zone: Tz) -> Self {
        Self {
            locale,
            zone,
            #[cfg(test)]
            pseudo: false,
        }
    }

    /// English in UTC: the developer's own pages (the local outbox), which no tech reads.
    pub fn english() -> Self {
        Self::new(Locale::En, Tz::UTC)
    }

    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The `<html lang>` and `Content-Language` of what this writes.
    pub fn tag(&self) -> &'static str {
        self.locale.tag()
    }

    /// A message without placeables.
    pub fn get(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// A message with its placeables.
    pub fn with(&self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            match *value {
                Arg::Text(s) => fluent_args.set(*name, FluentValue::from(s)),
                Arg::Number(n) => fluent_args.set(*name, FluentValue::from(n)),
            }
        }
        self.format(id, Some(&fluent_args))
    }

    /// `id` with the organisation's name as `$org`, or `{id}-no-org` without one: each
    /// message that names the company has a twin for users stored without one.
    pub fn with_org(&self, id: &str, org: Option<&str>, args: &[(&str, Arg<'_>)]) -> String {
        match org {
            Some(org) => {
                let mut all = vec![("org", Arg::Text(org))];
                all.extend_from_slice(args);
                self.with(id, &all)
            }
            None => self.with(&format!("{id}-no-org"), args),
        }
    }

    /// A message with one placeable (templates call this).
    pub fn one(&self, id: &str, name: &str, value: &str) -> String {
        self.with(id, &[(name, Arg::Text(value))])
    }

    /// A message with one number (templates call this).
    pub fn number(&self, id: &str, name: &str, value: impl std::borrow::Borrow<usize>) -> String {
        self.with(id, &[(name, (*value.borrow()).into())])
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        // A message missing from a catalogue reads in English rather than not at all; the
        // tests keep every catalogue whole, so this is a seatbelt.
        let (bundle, message) = match bundle(self.locale).get_message(id) {
            Some(m) => (bundle(self.locale), m),
            None => match bundle(Locale::En).get_message(id) {
                Some(m) => (bundle(Locale::En), m),
                None => {
                    tracing::error!(message_id = id, "no catalogue has this message");
                    return id.to_owned();
                }
            },
        };
        let Some(pattern) = message.value() else {
            tracing::error!(message_id = id, "a catalogue message has no value");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(message_id = id, locale = %self.locale, ?errors, "a catalogue message did not format");
        }
        #[cfg(test)]
        if self.pseudo {
            return format!("⟦{text}⟧");
        }
        text.into_owned()
    }
}

#[cfg(test)]
pub(crate) mod tests;
