### Español (es): los correos. Registro informal, de "tú" (nunca "usted" ni "vos"), cálido y
### directo como en el resto del producto. Los botones van en infinitivo y con mayúscula solo
### al principio, como es normal en español ("Configurar mi cuenta").

## Compartidos por todos los correos con enlace

email-button-fallback = ¿El botón no funciona? Copia este enlace en tu navegador:
email-link-lifetime = Este enlace funciona una sola vez y es válido durante { $lifetime }, hasta el { $expires }.
# $page es un enlace; el código va después, en su propia línea.
email-code-intro = ¿Estás en otro dispositivo o el botón no abre? Ve a { $page } y escribe:
# La parte de texto sin formato: el código en la misma línea.
email-code-intro-inline = ¿Estás en otro dispositivo o el botón no abre? Ve a { $page } y escribe { $code }.
email-code-note = El código es válido el mismo tiempo que el enlace, y solo funciona el del correo más reciente.

## Bienvenida (la invitación) y su recordatorio

welcome-subject = Configura tu cuenta de { $org }
welcome-subject-no-org = Configura tu cuenta
reminder-subject = Recordatorio: configura tu cuenta de { $org }
reminder-subject-no-org = Recordatorio: configura tu cuenta
# La línea que el cliente de correo muestra debajo del asunto en la bandeja de entrada.
welcome-preheader = Elige tu contraseña para terminar de configurar tu cuenta. El enlace es válido durante { $lifetime }.
welcome-heading = Te damos la bienvenida, { $name }
welcome-heading-no-name = Te damos la bienvenida
welcome-inviter = { $org } te agregó a su equipo.
welcome-inviter-no-org = Tu administrador te agregó a su equipo.
reminder-inviter = { $org } te agregó a su equipo y tu invitación sigue pendiente. Este enlace reemplaza al del primer correo.
reminder-inviter-no-org = Tu administrador te agregó a su equipo y tu invitación sigue pendiente. Este enlace reemplaza al del primer correo.
welcome-finish = Elige tu contraseña para terminar de configurar tu cuenta.
welcome-button = Configurar mi cuenta
# La línea antes del enlace en la parte de texto sin formato.
welcome-link-intro = Configura tu cuenta:
welcome-temporary = ¿No puedes usar el enlace? Puedes iniciar sesión con la contraseña temporal que te dio tu administrador hasta que elijas la tuya.
welcome-footer = Enviamos este correo a { $to } porque un administrador te agregó a su equipo. Nadie del equipo te va a pedir nunca tu contraseña.

## Restablecer (contraseña olvidada)

reset-subject = Elige una contraseña nueva
reset-preheader = El enlace es válido durante { $lifetime } y funciona una sola vez.
reset-heading = Elige una contraseña nueva
reset-asked = Alguien pidió un enlace para elegir una contraseña nueva de la cuenta { $account }.
reset-asked-org = Alguien pidió un enlace para elegir una contraseña nueva de la cuenta { $account } en { $org }.
reset-button = Elegir una contraseña nueva
reset-link-intro = Elige una contraseña nueva:
reset-ignore = ¿No lo pediste tú? Ignora este correo: tu contraseña seguirá igual.
reset-footer = Enviamos este correo a { $to } porque alguien pidió una contraseña nueva. Si no fuiste tú, puedes ignorarlo.

## Se cambió tu contraseña

changed-subject = Se cambió tu contraseña
changed-preheader = Si no fuiste tú, restablece tu contraseña ahora.
changed-heading = Se cambió tu contraseña
changed-when = La contraseña de { $account } se cambió el { $when }. Se cerró la sesión en todos los demás dispositivos donde estaba iniciada.
changed-when-org = La contraseña de { $account } en { $org } se cambió el { $when }. Se cerró la sesión en todos los demás dispositivos donde estaba iniciada.
changed-if-you = Si fuiste tú, no tienes que hacer nada más.
# "Si no fuiste tú" va en negrita en la parte HTML; la plantilla añade ", " antes de la continuación.
changed-if-not-you = Si no fuiste tú
changed-if-not-you-then = elige una contraseña nueva ahora y avísale a tu administrador:
changed-button = Restablecer mi contraseña
changed-footer = Enviamos este correo a { $to } porque se cambió la contraseña de esta cuenta. Lo enviamos siempre, para que estés al tanto.

## Se cambió el correo electrónico o el número de celular de una cuenta

contact-subject = Se cambió el correo electrónico o el número de celular de tu cuenta
contact-heading = Se cambió el correo electrónico o el número de celular de tu cuenta
contact-when = El correo electrónico o el número de celular de tu cuenta se cambió el { $when }. Se cerró la sesión en todos los dispositivos donde estaba iniciada.
contact-when-org = El correo electrónico o el número de celular de tu cuenta en { $org } se cambió el { $when }. Se cerró la sesión en todos los dispositivos donde estaba iniciada.
contact-if-told = Si tu administrador te avisó de este cambio, no tienes que hacer nada más.
# "Si no lo esperabas" va en negrita en la parte HTML; la plantilla añade ", " antes de la continuación.
contact-if-not-expected = Si no lo esperabas
contact-if-not-expected-then = ponte en contacto con tu administrador ahora.
contact-preheader = Si no lo esperabas, ponte en contacto con tu administrador.
contact-footer = Enviamos este correo a { $to } porque cambiaron los datos de contacto de esta cuenta. Lo enviamos siempre, para que estés al tanto.

## Se agregó una llave de acceso a una cuenta

passkey-subject = Se agregó una llave de acceso a tu cuenta
passkey-heading = Se agregó una llave de acceso a tu cuenta
passkey-when = Se agregó una llave de acceso a tu cuenta el { $when }. Desde ahora, con ella se puede iniciar sesión en tu cuenta.
passkey-when-org = Se agregó una llave de acceso a tu cuenta en { $org } el { $when }. Desde ahora, con ella se puede iniciar sesión en tu cuenta.
passkey-if-told = Si la agregaste tú, no tienes que hacer nada más.
# "Si no la agregaste tú" va en negrita en la parte HTML; la plantilla añade ", " antes de la continuación.
passkey-if-not-expected = Si no la agregaste tú
passkey-if-not-expected-then = ponte en contacto con tu administrador ahora.
passkey-preheader = Si no la agregaste tú, ponte en contacto con tu administrador.
passkey-footer = Enviamos este correo a { $to } porque se agregó una llave de acceso a esta cuenta. Lo enviamos siempre, para que estés al tanto.
