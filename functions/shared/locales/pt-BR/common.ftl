### Brazilian Portuguese (pt-BR): what every page, email and text shares. Register: "você"
### throughout, the normal register of Brazilian apps and workplace messages (never "tu", never
### "o senhor"): plain, friendly and direct, written for a tech reading on a phone.
### Dates follow Brazilian usage: "segunda-feira, 14 de dezembro de 2026, 17:00 (UTC)", with
### month and weekday names in lowercase.
### Terms used in every file: link, código, senha temporária, administrador, entrar (sign in),
### SMS (text message), e-mail, número de celular. Company names take the feminine article
### ("a empresa"): "na { $org }", "à { $org }".

# The brand line when the page doesn't know whose it is (no user yet).
product = Conta da equipe

# The language menu's label (its entries are each language's own name).
language-menu = Idioma

## Dates and times, in DISPLAY_TIME_ZONE. $weekday and $month are the names below.

weekday = { $weekday ->
    [1] segunda-feira
    [2] terça-feira
    [3] quarta-feira
    [4] quinta-feira
    [5] sexta-feira
    [6] sábado
   *[7] domingo
}
month = { $month ->
    [1] janeiro
    [2] fevereiro
    [3] março
    [4] abril
    [5] maio
    [6] junho
    [7] julho
    [8] agosto
    [9] setembro
    [10] outubro
    [11] novembro
   *[12] dezembro
}
month-short = { $month ->
    [1] jan
    [2] fev
    [3] mar
    [4] abr
    [5] mai
    [6] jun
    [7] jul
    [8] ago
    [9] set
    [10] out
    [11] nov
   *[12] dez
}
# An email's date: "terça-feira, 1 de dezembro de 2026, 10:00 (UTC)".
date-time = { $weekday }, { $day } de { $month } de { $year }, { $time } ({ $zone })
# A text's expiry, short: "30 set 10:00 UTC" (a link lasts at most 30 days: no year).
date-time-short = { $day } { $month } { $time } { $zone }

## How long a link lasts. CLDR pt: 0 and 1 are "one".

duration-days = { $count ->
    [one] { $count } dia
   *[other] { $count } dias
}
duration-hours = { $count ->
    [one] { $count } hora
   *[other] { $count } horas
}
duration-minutes = { $count ->
    [one] { $count } minuto
   *[other] { $count } minutos
}
duration-seconds = { $count ->
    [one] { $count } segundo
   *[other] { $count } segundos
}
