//! The languages the service speaks (API.md, "Languages"): `en`, `es`, `fr`, `de` and `pt-BR`.
//! A BCP 47 tag falls back to its language (`es-MX` → `es`, `fr-CA` → `fr`), and `pt` in any
//! region to `pt-BR`; anything else is not a language we speak, and whoever asked gets
//! `DEFAULT_LOCALE` (a page) or a `400` (an admin naming a user's locale).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Locale {
    En,
    Es,
    Fr,
    De,
    PtBr,
}

impl Locale {
    /// Every supported locale, in the order the language menu lists them.
    pub const ALL: [Locale; 5] = [Locale::En, Locale::Es, Locale::Fr, Locale::De, Locale::PtBr];

    /// The BCP 47 tag: what the API, `<html lang>`, `Content-Language` and `?lang` carry.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Es => "es",
            Locale::Fr => "fr",
            Locale::De => "de",
            Locale::PtBr => "pt-BR",
        }
    }

    /// The language's own name for itself, as the language menu shows it (a name, not
    /// wording: the same in every catalogue, so it is here).
    pub fn endonym(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Es => "Español",
            Locale::Fr => "Français",
            Locale::De => "Deutsch",
            Locale::PtBr => "Português (Brasil)",
        }
    }

    /// The supported locale a BCP 47 tag falls back to, or `None` when we don't speak its
    /// language (or it isn't a tag). Case-insensitive; `_` is read as `-`, as some clients
    /// send it.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let tag = tag.trim();
        let mut subtags = tag.split(['-', '_']);
        let language = subtags.next()?;
        let well_formed = (2..=8).contains(&language.len())
            && language.bytes().all(|b| b.is_ascii_alphabetic())
            && subtags.all(|s| {
                (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
            });
        if !well_formed {
            return None;
        }
        match language.to_ascii_lowercase().as_str() {
            "en" => Some(Locale::En),
            "es" => Some(Locale::Es),
            "fr" => Some(Locale::Fr),
            "de" => Some(Locale::De),
            "pt" => Some(Locale::PtBr),
            _ => None,
        }
    }

    /// The best supported locale an `Accept-Language` header asks for: its tags by weight
    /// (`q`, 1 when absent; ties keep the header's order), the first one we speak. `*` and
    /// `q=0` ask for nothing.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut wanted: Vec<(u16, usize, Locale)> = header
            .split(',')
            .take(32)
            .enumerate()
            .filter_map(|(i, range)| {
                let mut parts = range.split(';');
                let tag = parts.next()?.trim();
                let mut q = 1000u16;
                for p in parts {
                    let Some((k, v)) = p.split_once('=') else {
                        continue;
                    };
                    if k.trim().eq_ignore_ascii_case("q") {
                        q = quality(v.trim())?;
                    }
                }
                (q > 0).then_some(())?;
                Some((q, i, Locale::from_tag(tag)?))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted.first().map(|w| w.2)
    }
}

/// An `Accept-Language` weight (`0` to `1`, at most 3 decimals) in thousandths; `None` when it
/// is not one, which drops that language.
fn quality(v: &str) -> Option<u16> {
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac: u16 = format!("{frac:0<3}").parse().ok()?;
    match whole {
        "0" => Some(frac),
        "1" if frac == 0 => Some(1000),
        _ => None,
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

impl std::str::FromStr for Locale {
    type Err = UnknownLocale;
    /// A tag as an admin or a form names it: anything that falls back to a supported locale.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Locale::from_tag(s).ok_or(UnknownLocale)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("locale must be one of en, es, fr, de, pt-BR (or a regional form of one)")]
pub struct UnknownLocale;

impl Serialize for Locale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.tag())
    }
}

impl<'de> Deserialize<'de> for Locale {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_fall_back_to_their_language_and_pt_to_brazil() {
        assert_eq!(Locale::from_tag("es-MX"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("fr-CA"), Some(Locale::Fr));
        assert_eq!(Locale::from_tag("de-AT"), Some(Locale::De));
        assert_eq!(Locale::from_tag("en-GB"), Some(Locale::En));
        assert_eq!(Locale::from_tag("pt"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("pt-PT"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("PT-br"), Some(Locale::PtBr));
        assert_eq!(Locale::from_tag("es_419"), Some(Locale::Es));
        assert_eq!(Locale::from_tag("zh-Hant-TW"), None);
        for nonsense in [
            "ja",
            "",
            "e",
            "english",
            "es-",
            "-es",
            "es-MX!",
            "1s",
            "es-abcdefghi",
        ] {
            assert_eq!(Locale::from_tag(nonsense), None, "{nonsense}");
        }
        assert_eq!("ja".parse::<Locale>(), Err(UnknownLocale));
    }

    #[test]
    fn every_tag_reads_back_as_itself() {
        for l in Locale::ALL {
            assert_eq!(Locale::from_tag(l.tag()), Some(l));
            let json = serde_json::to_string(&l).unwrap();
            assert_eq!(serde_json::from_str::<Locale>(&json).unwrap(), l);
        }
        assert_eq!(serde_json::to_string(&Locale::PtBr).unwrap(), "\"pt-BR\"");
    }

    #[test]
    fn accept_language_picks_the_heaviest_language_we_speak() {
        let best = Locale::from_accept_language;
        assert_eq!(
            best("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5"),
            Some(Locale::Fr)
        );
        assert_eq!(best("ja, es-MX;q=0.5"), Some(Locale::Es));
        assert_eq!(best("de;q=0.2, pt-BR;q=0.8"), Some(Locale::PtBr));
        assert_eq!(best("en;q=0, fr;q=0.001"), Some(Locale::Fr));
        // Equal weights keep the header's order.
        assert_eq!(best("de;q=0.5, es;q=0.5"), Some(Locale::De));
        for nothing in [
            "",
            "ja",
            "*",
            "ja, zh;q=0.9",
            "es;q=0",
            "es;q=2",
            "es;q=0.1234",
        ] {
            assert_eq!(best(nothing), None, "{nothing}");
        }
        assert_eq!(best("es;q=1.000"), Some(Locale::Es));
        assert_eq!(best("es;q=1.5, fr;q=0.1"), Some(Locale::Fr));
    }
}
