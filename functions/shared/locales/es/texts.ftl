### Español (es): los mensajes de texto (SMS). Registro informal, de "tú", como en el resto del
### producto. Un SMS es corto por contrato: como mucho 2 segmentos GSM-7 (306 caracteres), o 3
### segmentos UCS-2 (201) si un carácter fuera de GSM-7 (á, í, ó, ú…) vuelve UCS-2 todo el texto.
### Detrás de estas primeras líneas van el nombre de la empresa (hasta 30 caracteres), el enlace
### y la línea de autocompletado, así que cada una es lo más corta posible sin dejar de sonar
### natural. Están redactadas sin á/í/ó/ú (ñ y é sí son GSM-7) para quedarse en GSM-7.

# $expires: "30 sep 10:00 UTC". Con un nombre de empresa fuera de GSM-7 (30 caracteres), todo el
# SMS es UCS-2 y a esta línea le quedan 34 caracteres aparte del nombre: por eso va tan corta.
text-invite = { $org } te invita hasta { $expires }
text-invite-no-org = Configura tu cuenta antes del { $expires }:
text-reminder = { $org } te espera hasta { $expires }
text-reminder-no-org = Recordatorio: configura tu cuenta antes del { $expires }:
# $lifetime: "30 minutos".
text-reset = { $org }: contraseña nueva ({ $lifetime }):
text-reset-no-org = Tienes { $lifetime } para restablecer tu contraseña:
text-contact-changed = { $org }: el correo o el celular de tu cuenta ha cambiado. Si no lo esperabas, ponte en contacto con tu administrador.
text-contact-changed-no-org = El correo o el celular de tu cuenta ha cambiado. Si no lo esperabas, ponte en contacto con tu administrador.
text-passkey-added = { $org }: se ha agregado una llave de acceso a tu cuenta. Si no la agregaste, ponte en contacto con tu administrador.
text-passkey-added-no-org = Se ha agregado una llave de acceso a tu cuenta. Si no la agregaste, ponte en contacto con tu administrador.
