### Español (es): lo que comparten todas las páginas, correos y mensajes de texto.
### Registro: informal, de "tú" (nunca "usted" ni "vos"), cálido y directo: es el registro
### habitual de las apps de consumo y de trabajo en Latinoamérica, y en España se lee con
### naturalidad. Español neutro pensado para técnicos en EE. UU. y México ("celular", "agregar")
### que también se entiende bien en España. Escrito para leerse en el celular.
### Fechas: "lunes, 14 de diciembre de 2026, 17:00 (UTC)"; días y meses en minúscula.
### Terminología fija: enlace, código, contraseña temporal, administrador, iniciar sesión,
### correo (electrónico), número de celular, mensaje de texto.

# La marca cuando la página no sabe de qué empresa es (todavía no hay usuario).
product = Cuenta de equipo

# La etiqueta del menú de idioma (cada opción aparece con el nombre propio de su idioma).
language-menu = Idioma

## Fechas y horas, en DISPLAY_TIME_ZONE. $weekday y $month son los nombres de abajo.

weekday = { $weekday ->
    [1] lunes
    [2] martes
    [3] miércoles
    [4] jueves
    [5] viernes
    [6] sábado
   *[7] domingo
}
month = { $month ->
    [1] enero
    [2] febrero
    [3] marzo
    [4] abril
    [5] mayo
    [6] junio
    [7] julio
    [8] agosto
    [9] septiembre
    [10] octubre
    [11] noviembre
   *[12] diciembre
}
month-short = { $month ->
    [1] ene
    [2] feb
    [3] mar
    [4] abr
    [5] may
    [6] jun
    [7] jul
    [8] ago
    [9] sep
    [10] oct
    [11] nov
   *[12] dic
}
# La fecha de un correo: "martes, 1 de diciembre de 2026, 10:00 (UTC)".
date-time = { $weekday }, { $day } de { $month } de { $year }, { $time } ({ $zone })
# El vencimiento en un mensaje de texto, corto: "30 sep 10:00 UTC" (un enlace dura como mucho
# 30 días: sin año).
date-time-short = { $day } { $month } { $time } { $zone }

## Cuánto dura un enlace.

duration-days = { $count ->
    [one] { $count } día
   *[other] { $count } días
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
