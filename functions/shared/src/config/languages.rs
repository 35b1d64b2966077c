//! The language settings (API.md, "Languages"): the locale of everyone who has none of their
//! own, and the time zone that dates and times in messages and pages are shown in.

use chrono_tz::Tz;

use super::env::Env;
use super::{err, ConfigError};
use crate::domain::Locale;

/// `DEFAULT_LOCALE`: a supported locale, or a tag that falls back to one (`es-MX` is `es`).
pub(super) fn default_locale(env: &dyn Env) -> Result<Locale, ConfigError> {
    const VAR: &str = "DEFAULT_LOCALE";
    let Some(raw) = env.get(VAR) else {
        return Ok(Locale::En);
    };
    raw.parse().map_err(|_| {
        err(
            VAR,
            format!("{raw:?} is not a language the service speaks: use en, es, fr, de or pt-BR"),
        )
    })
}

/// `DISPLAY_TIME_ZONE`: an IANA time zone name, as the tz database spells it.
pub(super) fn display_time_zone(env: &dyn Env) -> Result<Tz, ConfigError> {
    const VAR: &str = "DISPLAY_TIME_ZONE";
    let Some(raw) = env.get(VAR) else {
        return Ok(Tz::UTC);
    };
    raw.trim().parse().map_err(|_| {
        err(
            VAR,
            format!(
                "{raw:?} is not an IANA time zone name (such as UTC, America/Chicago or Europe/Madrid)"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(var: &str, value: &str) -> HashMap<String, String> {
        HashMap::from([(var.to_owned(), value.to_owned())])
    }

    #[test]
    fn the_default_locale_is_english_and_takes_any_tag_that_falls_back() {
        assert_eq!(default_locale(&HashMap::new()), Ok(Locale::En));
        assert_eq!(
            default_locale(&env("DEFAULT_LOCALE", "es-MX")),
            Ok(Locale::Es)
        );
        assert_eq!(
            default_locale(&env("DEFAULT_LOCALE", "pt")),
            Ok(Locale::PtBr)
        );
        let e = default_locale(&env("DEFAULT_LOCALE", "ja")).unwrap_err();
        assert_eq!(e.var, "DEFAULT_LOCALE");
        assert!(e.message.contains("\"ja\""), "{e}");
    }

    #[test]
    fn the_display_time_zone_is_utc_unless_an_iana_name_is_given() {
        assert_eq!(display_time_zone(&HashMap::new()), Ok(Tz::UTC));
        assert_eq!(
            display_time_zone(&env("DISPLAY_TIME_ZONE", "America/Chicago")),
            Ok(Tz::America__Chicago)
        );
        for bad in ["Mars/Olympus_Mons", "CET+1", "america/chicago"] {
            let e = display_time_zone(&env("DISPLAY_TIME_ZONE", bad)).unwrap_err();
            assert_eq!(e.var, "DISPLAY_TIME_ZONE", "{bad}");
        }
    }
}
