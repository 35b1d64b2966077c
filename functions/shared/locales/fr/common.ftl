### Français (fr) : ce que partagent les pages, les e-mails et les SMS.
### Registre : vouvoiement (« vous ») partout, la norme pour les messages d'une entreprise à
### son personnel et pour les interfaces logicielles en français ; ton simple, direct et
### cordial, pour un technicien qui lit sur son téléphone. Français standard, lisible en France
### comme au Canada. Typographie : espace simple (jamais d'espace insécable, absente du GSM-7
### des SMS) avant « : ? ! », apostrophe droite (') partout.
### Dates : jours et mois en minuscules (« lundi 14 décembre 2026 à 17:00 UTC ») ; l'échéance
### d'un SMS est numérique, jour/mois (« 30/09 10:00 UTC »), la forme courte la plus compacte.
### Chaque catalogue a tous les messages et toutes les variables de l'anglais (un test le vérifie).

# La marque affichée quand la page ne sait pas de quelle entreprise il s'agit (pas encore
# d'utilisateur).
product = Compte d'équipe

# L'intitulé du menu des langues (chaque entrée est le nom de la langue dans cette langue).
language-menu = Langue

## Dates et heures, dans DISPLAY_TIME_ZONE. $weekday et $month sont les noms ci-dessous.

weekday = { $weekday ->
    [1] lundi
    [2] mardi
    [3] mercredi
    [4] jeudi
    [5] vendredi
    [6] samedi
   *[7] dimanche
}
month = { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
}
# Le mois de l'échéance d'un SMS, en chiffres : « 30/09 » est plus court que « 30 sept. »,
# et chaque caractère compte dans un SMS (voir texts.ftl).
month-short = { $month ->
    [1] 01
    [2] 02
    [3] 03
    [4] 04
    [5] 05
    [6] 06
    [7] 07
    [8] 08
    [9] 09
    [10] 10
    [11] 11
   *[12] 12
}
# La date d'un e-mail : « mardi 1 décembre 2026 à 10:00 UTC ».
date-time = { $weekday } { $day ->
    [1] 1er
   *[other] { $day }
} { $month } { $year } à { $time } { $zone }
# L'échéance d'un SMS, courte : « 30/09 10:00 UTC » (un lien dure au plus 30 jours : pas
# d'année).
date-time-short = { $day }/{ $month } { $time } { $zone }

## Durée de validité d'un lien.

duration-days = { $count ->
    [one] { $count } jour
   *[other] { $count } jours
}
duration-hours = { $count ->
    [one] { $count } heure
   *[other] { $count } heures
}
duration-minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
duration-seconds = { $count ->
    [one] { $count } seconde
   *[other] { $count } secondes
}
