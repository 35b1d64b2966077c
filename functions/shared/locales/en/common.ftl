### English (en): what every page, email and text shares. The register is plain, friendly and
### direct ("you"), written for a tech reading on a phone. Dates follow British usage, which
### reads the same everywhere ("Tuesday 1 December 2026 at 10:00 UTC").
### Every catalogue has every message and placeholder of this one (a test says so).

# The brand line when the page doesn't know whose it is (no user yet).
product = Team account

# The language menu's label (its entries are each language's own name).
language-menu = Language

## Dates and times, in DISPLAY_TIME_ZONE. $weekday and $month are the names below.

weekday = { $weekday ->
    [1] Monday
    [2] Tuesday
    [3] Wednesday
    [4] Thursday
    [5] Friday
    [6] Saturday
   *[7] Sunday
}
month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
}
month-short = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}
# An email's date: "Tuesday 1 December 2026 at 10:00 UTC".
date-time = { $weekday } { $day } { $month } { $year } at { $time } { $zone }
# A text's expiry, short: "30 Sep 10:00 UTC" (a link lasts at most 30 days: no year).
date-time-short = { $day } { $month } { $time } { $zone }

## How long a link lasts.

duration-days = { $count ->
    [one] { $count } day
   *[other] { $count } days
}
duration-hours = { $count ->
    [one] { $count } hour
   *[other] { $count } hours
}
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
duration-seconds = { $count ->
    [one] { $count } second
   *[other] { $count } seconds
}
