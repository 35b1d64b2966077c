//! The catalogues are whole: every one parses, has every message of the English one with the
//! same placeables, and nothing more; and the pseudo-locale that finds English left outside them.

use std::collections::{BTreeMap, BTreeSet};

use fluent_bundle::FluentResource;
use fluent_syntax::ast;

use super::*;

/// English with every message in `⟦…⟧` (see [`Lang`]).
pub(crate) fn pseudo() -> Lang {
    Lang {
        pseudo: true,
        ..Lang::new(Locale::En, Tz::UTC)
    }
}

pub(crate) fn lang(locale: Locale) -> Lang {
    Lang::new(locale, Tz::UTC)
}

/// Every message of a catalogue, with the variables its placeables use.
fn messages(locale: Locale) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for (file, source) in FILES.iter().zip(sources(locale)) {
        let resource = FluentResource::try_new(source.to_owned())
            .unwrap_or_else(|(_, e)| panic!("{locale}/{file}.ftl does not parse: {e:?}"));
        for entry in resource.entries() {
            match entry {
                ast::Entry::Message(m) => {
                    let mut vars = BTreeSet::new();
                    if let Some(p) = &m.value {
                        pattern_vars(p, &mut vars);
                    }
                    assert!(
                        m.value.is_some(),
                        "{locale}/{file}.ftl: {} has no value",
                        m.id.name
                    );
                    let fresh = out.insert(m.id.name.to_owned(), vars).is_none();
                    assert!(fresh, "{locale}: {} twice", m.id.name);
                }
                ast::Entry::Term(t) => {
                    panic!("{locale}/{file}.ftl: term -{} (use messages)", t.id.name)
                }
                _ => {}
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for element in &p.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Inline(i) => inline_vars(i, vars),
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        ast::InlineExpression::MessageReference { id, .. } => {
            panic!("message reference {} (pass the value in instead)", id.name)
        }
        _ => {}
    }
}

/// Placeables a translation may leave out: the weekday of a date, which some languages'
/// usual long date doesn't name.
const MAY_OMIT: &[(&str, &str)] = &[("date-time", "weekday")];

#[test]
fn every_catalogue_has_every_message_with_its_placeables_and_nothing_more() {
    let english = messages(Locale::En);
    assert!(english.len() > 100, "{}", english.len());
    for locale in Locale::ALL {
        let theirs = messages(locale);
        let missing: Vec<_> = english
            .keys()
            .filter(|k| !theirs.contains_key(*k))
            .collect();
        let extra: Vec<_> = theirs
            .keys()
            .filter(|k| !english.contains_key(*k))
            .collect();
        assert!(missing.is_empty(), "{locale} lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{locale} has messages English lacks: {extra:?}"
        );
        for (id, vars) in &english {
            let mut wanted = vars.clone();
            for (msg, var) in MAY_OMIT {
                if msg == id && !theirs[id].contains(*var) {
                    wanted.remove(*var);
                }
            }
            assert_eq!(&theirs[id], &wanted, "{locale}: {id}'s placeables");
        }
    }
}

#[test]
fn every_catalogue_builds_and_formats_every_message_without_errors() {
    let english = messages(Locale::En);
    for locale in Locale::ALL {
        let b = bundle(locale);
        for (id, vars) in &english {
            let mut args = FluentArgs::new();
            for v in vars {
                args.set(v.as_str(), FluentValue::from(2));
            }
            let pattern = b.get_message(id).and_then(|m| m.value()).unwrap();
            let mut errors = vec![];
            let text = b.format_pattern(pattern, Some(&args), &mut errors);
            assert!(errors.is_empty(), "{locale} {id}: {errors:?}");
            assert!(!text.trim().is_empty(), "{locale} {id} is empty");
            assert!(!text.contains('\u{2068}'), "no isolation marks");
        }
    }
}

#[test]
fn lengths_of_time_take_each_language_s_plural_forms() {
    let cases = [
        (Locale::En, "1 day", "7 days", "30 minutes"),
        (Locale::Es, "1 día", "7 días", "30 minutos"),
        (Locale::Fr, "1 jour", "7 jours", "30 minutes"),
        (Locale::De, "1 Tag", "7 Tage", "30 Minuten"),
        (Locale::PtBr, "1 dia", "7 dias", "30 minutos"),
    ];
    for (locale, one, seven, thirty) in cases {
        let l = lang(locale);
        assert_eq!(l.duration(chrono::Duration::days(1)), one);
        assert_eq!(l.duration(chrono::Duration::days(7)), seven);
        assert_eq!(l.duration(chrono::Duration::minutes(30)), thirty);
    }
    assert_eq!(
        lang(Locale::En).duration(chrono::Duration::hours(1)),
        "1 hour"
    );
    assert_eq!(
        lang(Locale::En).duration(chrono::Duration::seconds(90)),
        "90 seconds"
    );
}

#[test]
fn dates_are_in_the_locale_s_words_and_the_display_time_zone() {
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-14T17:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        lang(Locale::En).date_time(at),
        "Monday 14 December 2026 at 17:00 UTC"
    );
    assert!(
        lang(Locale::Es)
            .date_time(at)
            .contains("14 de diciembre de 2026, 17:00 (UTC)"),
        "{}",
        lang(Locale::Es).date_time(at)
    );
    assert_eq!(lang(Locale::En).short_date_time(at), "14 Dec 17:00 UTC");
    let chicago = Lang::new(Locale::En, "America/Chicago".parse().unwrap());
    assert_eq!(
        chicago.date_time(at),
        "Monday 14 December 2026 at 11:00 CST"
    );
    let summer = chrono::DateTime::parse_from_rfc3339("2026-07-01T17:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(chicago.short_date_time(summer), "1 Jul 12:00 CDT");
    let first = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        lang(Locale::Fr).date_time(first),
        "mardi 1er décembre 2026 à 10:00 UTC"
    );
    assert_eq!(
        lang(Locale::Fr).date_time(at),
        "lundi 14 décembre 2026 à 17:00 UTC"
    );
}

#[test]
fn bold_values_are_escaped_and_the_rest_of_the_message_too() {
    let html = lang(Locale::En).bold("form-account", "account", "<b>&\"x\"</b>");
    assert_eq!(
        html,
        "Account: <strong>&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;</strong>"
    );
    let html = lang(Locale::En).html(
        "forgot-sent-email",
        &[
            ("identifier", "ana@example.com".into()),
            ("lifetime", "30 minutes".into()),
        ],
        &["identifier"],
    );
    assert!(
        html.starts_with("If an account uses <strong>ana@example.com</strong>, we&#39;ve sent"),
        "{html}"
    );
}

#[test]
fn the_pseudo_locale_marks_every_message() {
    assert_eq!(pseudo().get("sign-in-title"), "⟦Sign in⟧");
    assert_eq!(pseudo().duration(chrono::Duration::days(7)), "⟦7 days⟧");
}

/// The visible words of a page, an email or a text that came from no catalogue: the text
/// outside tags (and the words of `alt`, `title`, `placeholder`, `aria-label`, `content`
/// attributes) with every `⟦…⟧`, every value in `allowed` and everything that isn't a letter
/// taken out. A page written in the pseudo-locale has none.
pub(crate) fn words_outside_catalogue(page: &str, allowed: &[&str]) -> Vec<String> {
    let mut visible = String::new();
    let mut rest = page;
    // <style> and <script> hold no words a tech reads.
    for (open, close) in [("<style>", "</style>"), ("<script>", "</script>")] {
        if let (Some(a), Some(b)) = (rest.find(open), rest.find(close)) {
            let owned = format!("{}{}", &rest[..a], &rest[b + close.len()..]);
            return words_outside_catalogue(&owned, allowed);
        }
    }
    while let Some(lt) = rest.find('<') {
        visible.push_str(&rest[..lt]);
        visible.push(' ');
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt..lt + gt];
        for attr in ["alt=\"", "title=\"", "placeholder=\"", "aria-label=\""] {
            if let Some(i) = tag.find(attr) {
                let v = &tag[i + attr.len()..];
                visible.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                visible.push(' ');
            }
        }
        rest = &rest[lt + gt + 1..];
    }
    visible.push_str(rest);
    let mut text = visible
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#38;", "&");
    // Innermost first: a message can hold another (a date inside a sentence).
    while let Some(close) = text.find('⟧') {
        let open = text[..close].rfind('⟦').expect("balanced pseudo marks");
        text.replace_range(open..close + '⟧'.len_utf8(), " ");
    }
    for value in allowed {
        text = text.replace(value, " ");
    }
    text.split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() > 1)
        .map(str::to_owned)
        .collect()
}
