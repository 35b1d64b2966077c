//! Dates, times and lengths of time in a [`Lang`]'s words: names and order from its catalogue,
//! the clock in `DISPLAY_TIME_ZONE` with its daylight saving, the zone's abbreviation beside it.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{Arg, Lang};

impl Lang {
    /// An email's date and time: "Tuesday 1 December 2026 at 10:00 UTC",
    /// "martes, 1 de diciembre de 2026, 10:00 (UTC)".
    pub fn date_time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone());
        let weekday = self.with(
            "weekday",
            &[("weekday", local.weekday().number_from_monday().into())],
        );
        let month = self.with("month", &[("month", local.month().into())]);
        let year = local.year().to_string();
        let (time, zone) = (
            local.format("%H:%M").to_string(),
            local.format("%Z").to_string(),
        );
        self.with(
            "date-time",
            &[
                ("weekday", Arg::Text(&weekday)),
                // A number, so a catalogue can select on it (French writes the first "1er").
                ("day", Arg::Number(local.day().into())),
                ("month", Arg::Text(&month)),
                ("year", Arg::Text(&year)),
                ("time", Arg::Text(&time)),
                ("zone", Arg::Text(&zone)),
            ],
        )
    }

    /// A text message's expiry, short: "30 Sep 10:00 UTC" (a link lasts at most 30 days, so
    /// the year goes without saying).
    pub fn short_date_time(&self, at: DateTime<Utc>) -> String {
        let local = at.with_timezone(&self.zone());
        let month = self.with("month-short", &[("month", local.month().into())]);
        let day = local.day().to_string();
        let (time, zone) = (
            local.format("%H:%M").to_string(),
            local.format("%Z").to_string(),
        );
        self.with(
            "date-time-short",
            &[
                ("day", Arg::Text(&day)),
                ("month", Arg::Text(&month)),
                ("time", Arg::Text(&time)),
                ("zone", Arg::Text(&zone)),
            ],
        )
    }

    /// How long something lasts, in its largest whole unit: "7 days", "30 minutes", "1 hour".
    pub fn duration(&self, d: Duration) -> String {
        let secs = d.num_seconds();
        let (count, id) = if secs % 86_400 == 0 {
            (secs / 86_400, "duration-days")
        } else if secs % 3600 == 0 {
            (secs / 3600, "duration-hours")
        } else if secs % 60 == 0 {
            (secs / 60, "duration-minutes")
        } else {
            (secs, "duration-seconds")
        };
        self.with(id, &[("count", Arg::Number(count))])
    }
}
