### German (de): what every page, email and text shares. Register: formal "Sie" throughout,
### never "du": these are a company's onboarding messages to its employees, so they are polite,
### consistent and direct, written for a tech reading on a phone. Terms used in every file:
### Link, Code, vorläufiges Passwort, Administrator, anmelden/abmelden, Konto, SMS, E-Mail,
### Mobilnummer. Dates in the usual German long form ("Montag, 14. Dezember 2026 um 17:00 Uhr UTC").
### Every catalogue has every message and placeholder of the English one (a test says so).

# The brand line when the page doesn't know whose it is (no user yet).
product = Teamkonto

# The language menu's label (its entries are each language's own name).
language-menu = Sprache

## Dates and times, in DISPLAY_TIME_ZONE. $weekday and $month are the names below.

weekday = { $weekday ->
    [1] Montag
    [2] Dienstag
    [3] Mittwoch
    [4] Donnerstag
    [5] Freitag
    [6] Samstag
   *[7] Sonntag
}
month = { $month ->
    [1] Januar
    [2] Februar
    [3] März
    [4] April
    [5] Mai
    [6] Juni
    [7] Juli
    [8] August
    [9] September
    [10] Oktober
    [11] November
   *[12] Dezember
}
# A text's month as a number: "30.12. 10:00 UTC", the usual short German date (and two characters
# shorter than "30. Dez.", which the tightest text needs).
month-short = { $month ->
    [1] 1.
    [2] 2.
    [3] 3.
    [4] 4.
    [5] 5.
    [6] 6.
    [7] 7.
    [8] 8.
    [9] 9.
    [10] 10.
    [11] 11.
   *[12] 12.
}
# An email's date: "Dienstag, 1. Dezember 2026 um 10:00 Uhr UTC". Used after "am" and "bis".
date-time = { $weekday }, { $day }. { $month } { $year } um { $time } Uhr { $zone }
# A text's expiry, short: "30.9. 10:00 UTC" (a link lasts at most 30 days: no year).
date-time-short = { $day }.{ $month } { $time } { $zone }

## How long a link lasts. Always used in the accusative ("… lang gültig"), never after
## "innerhalb von" (which would need the dative "Tagen").

duration-days = { $count ->
    [one] { $count } Tag
   *[other] { $count } Tage
}
duration-hours = { $count ->
    [one] { $count } Stunde
   *[other] { $count } Stunden
}
duration-minutes = { $count ->
    [one] { $count } Minute
   *[other] { $count } Minuten
}
duration-seconds = { $count ->
    [one] { $count } Sekunde
   *[other] { $count } Sekunden
}
